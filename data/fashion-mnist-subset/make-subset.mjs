// Regenerates this folder from the full Fashion-MNIST idx files: the first 10000 training and the first 2000 test
// images with their labels, in the original idx format, gzip level 9 (mtime 0, so the output is reproducible).
//
//   npx tsc -p lib/tsconfig.json
//   node data/fashion-mnist-subset/make-subset.mjs [SOURCE_DIR]     (default /usr/share/datasets/fashion-mnist)
//
// Then update the sha256 table in data/README.md (the script prints it).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import lib from "../../lib/dist/index.js";

const { readIdxFile, encodeIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, FASHION_MNIST_SUBSET_SIZES } = lib;
const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.argv[2] ?? "/usr/share/datasets/fashion-mnist";
const splits = [
  ["train", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"],
  ["test", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
];
for (const [split, imagesName, labelsName] of splits) {
  const n = FASHION_MNIST_SUBSET_SIZES[split];
  const images = readIdxFile(path.join(source, imagesName), IDX_IMAGES_MAGIC, "check the source directory");
  const labels = readIdxFile(path.join(source, labelsName), IDX_LABELS_MAGIC, "check the source directory");
  const [, rows, cols] = images.dims;
  const out = [
    [imagesName, encodeIdx([n, rows, cols], images.data.subarray(0, n * rows * cols))],
    [labelsName, encodeIdx([n], labels.data.subarray(0, n))],
  ];
  for (const [name, raw] of out) {
    const gz = zlib.gzipSync(raw, { level: 9 });
    fs.writeFileSync(path.join(here, name), gz);
    const sha = createHash("sha256").update(gz).digest("hex");
    console.log(`| ${name} | ${gz.length} | ${sha} |`);
  }
}
