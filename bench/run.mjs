#!/usr/bin/env node
/**
 * `npm run bench`: builds the lib (the npm script does), then runs every sub-benchmark — each `bench/*.mjs` except
 * this file, in name order — in its own Node process, and reports which failed. A new benchmark only has to be
 * dropped into bench/; default arguments for one go in DEFAULT_ARGS.
 *
 *   node bench/run.mjs                 all of them
 *   node bench/run.mjs train           only those whose name contains "train"
 *   node bench/run.mjs -- --quick      pass the arguments after "--" to every sub-benchmark
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Default arguments per file. train.mjs: the 30×128 MLP step vs PyTorch, plus peak memory of a 2-epoch 50000×3072 run. */
const DEFAULT_ARGS = { "train.mjs": ["--memory", "--mem-epochs", "2"] };
const BENCHES = readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs")
  .sort()
  .map((f) => [f, DEFAULT_ARGS[f] ?? []]);

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const filters = sep < 0 ? argv : argv.slice(0, sep);
const extra = sep < 0 ? [] : argv.slice(sep + 1);

let failed = 0;
for (const [file, args] of BENCHES) {
  if (filters.length && !filters.some((f) => file.includes(f))) continue;
  console.log(`\n=== bench/${file} ${[...args, ...extra].join(" ")}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(here, file), ...args, ...extra], { stdio: "inherit" });
  const s = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.status !== 0) {
    failed++;
    console.log(`=== bench/${file} FAILED (exit ${r.status ?? r.signal}) after ${s} s`);
  } else console.log(`=== bench/${file} done in ${s} s`);
}
process.exit(failed ? 1 : 0);
