#!/usr/bin/env node
/**
 * Side-by-side table of bench/gpu results: the tfjs rows (webgpu-bench.cjs) next to the PyTorch rows
 * (torch_bench.py), per architecture and batch size: ms per step (min / median) and GFLOP/s at the min.
 *
 * Usage: node bench/gpu/report.cjs tfjs.jsonl torch.jsonl [--markdown]
 */
"use strict";
const { readFileSync, existsSync } = require("node:fs");

const files = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const markdown = process.argv.includes("--markdown");
const rows = files.flatMap((f) =>
  existsSync(f)
    ? readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
    : [],
);
if (!rows.length) {
  console.error(`report: no result rows in ${files.join(", ") || "(no files given)"}`);
  process.exit(1);
}
const key = (r) => `${r.impl}${r.variant ? ` (${r.variant})` : ""}`;
const impls = [...new Set(rows.map(key))];
const configs = [...new Set(rows.map((r) => `${r.arch}|${r.batch}`))];
const cell = (r) => (r ? `${r.ms_min.toFixed(2)} / ${r.ms_median.toFixed(2)} ms (${r.gflops.toFixed(1)})` : "–");

console.log("# devices");
for (const i of impls) console.log(`#   ${i}: ${rows.find((r) => key(r) === i).device}`);
const soft = rows.find((r) => r.software);
if (soft) console.log("# WARNING: the WebGPU adapter is a software rasteriser (lavapipe): not a GPU measurement");
console.log("# cells: ms per step min / median (GFLOP/s at the min); ratio = tfjs min / torch min\n");
const head = ["arch", "batch", ...impls];
const ref =
  impls.find((i) => i.startsWith("torch") && i.includes("(device)")) ?? impls.find((i) => i.startsWith("torch"));
const tfj = impls.find((i) => i.startsWith("tfjs"));
if (ref && tfj) head.push(`${tfj} / ${ref}`);
const lines = configs.map((c) => {
  const [arch, batch] = c.split("|");
  const pick = (i) => rows.find((r) => key(r) === i && r.arch === arch && String(r.batch) === batch);
  const out = [arch, batch, ...impls.map((i) => cell(pick(i)))];
  if (ref && tfj) {
    const a = pick(tfj),
      b = pick(ref);
    out.push(a && b ? `${(a.ms_min / b.ms_min).toFixed(2)}×` : "–");
  }
  return out;
});
if (markdown) {
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---").join("|")}|`);
  for (const l of lines) console.log(`| ${l.join(" | ")} |`);
} else {
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols) => cols.map((c, i) => c.padEnd(w[i])).join("  ");
  console.log(fmt(head));
  for (const l of lines) console.log(fmt(l));
}
