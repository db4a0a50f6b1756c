// Load time and resident memory of the full Fashion-MNIST training set, as float32 standardised.
//
//   npx tsc -p lib/tsconfig.json && node --expose-gc bench/data-load.mjs [--source auto|debian|data|subset]
//
// Prints: the source used, wall time to read + decode (uint8) and to standardise (float32), and the growth of
// resident memory (process.memoryUsage().rss) over a baseline taken after the library was imported, next to the
// ideal sizes of the uint8 and float32 blocks (n * d and n * d * 4 bytes). Run with --expose-gc so the numbers
// after each step are measured after a full collection (without it they include garbage not yet collected).
import lib from "../lib/dist/index.js";

const { loadFashionMnist, fitStandardizer, applyStandardizer, describeDataset } = lib.data;
const arg = process.argv.indexOf("--source");
const source = arg === -1 ? "auto" : process.argv[arg + 1];
const collect = globalThis.gc ?? (() => {});
// A full GC, then a pause so that freed ArrayBuffer memory is actually returned before rss is read.
const gc = async () => {
  collect();
  await new Promise((r) => setTimeout(r, 100));
  collect();
};
const MiB = 1 << 20;
const rss = () => process.memoryUsage().rss;
const fmt = (b) => `${(b / MiB).toFixed(0)} MiB`;

await gc();
const base = rss();
const marks = {};

async function loadStandardised() {
  let t = performance.now();
  const raw = loadFashionMnist({ split: "train", source });
  marks.load = performance.now() - t;
  await gc();
  marks.rssRaw = rss() - base;
  t = performance.now();
  const out = applyStandardizer(raw, fitStandardizer(raw));
  marks.std = performance.now() - t;
  await gc();
  marks.rssPeak = rss() - base; // uint8 and float32 copies both alive here
  return out; // the uint8 dataset goes out of scope
}

const train = await loadStandardised();
await gc();
const rssFinal = rss() - base;
console.log(describeDataset(train));
console.log(`node ${process.version}, gc exposed: ${globalThis.gc !== undefined}`);
console.log(
  `load (read + gunzip + parse, uint8):  ${marks.load.toFixed(0).padStart(5)} ms   rss +${fmt(marks.rssRaw)} (uint8 block ${fmt(train.n * train.d)})`,
);
console.log(
  `standardise (fit + apply, float32):   ${marks.std.toFixed(0).padStart(5)} ms   rss +${fmt(marks.rssPeak)} while both copies are alive`,
);
console.log(
  `total to a float32 standardised set:  ${(marks.load + marks.std).toFixed(0).padStart(5)} ms   rss +${fmt(rssFinal)} once the uint8 copy is freed (float32 block ${fmt(train.n * train.d * 4)})`,
);
