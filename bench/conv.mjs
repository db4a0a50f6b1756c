#!/usr/bin/env node
/**
 * Convolution benchmark: one convolution's forward pass, input gradient (backward-data) and filter gradient
 * (backward-weights) at the ResNet-20/56 shapes of papers 2 and 3 (batch 64, 28×28 inputs; NHWC float32), through
 * tfjs on the wasm backend — with the oneDNN kernels of engine/conv.ts and with tfjs' own kernels — next to PyTorch
 * CPU in channels-last layout (bench/conv_torch.py, /usr/bin/python3), at the same thread counts, in the same run.
 *
 * tfjs' own wasm kernels: XNNPACK forward, a scalar-loop input gradient, and no filter gradient kernel at all; that
 * row times the library's fallback instead (engine/conv.ts `filterGradientByConv`: a forward conv through XNNPACK).
 *
 * Usage (after `npx tsc -p lib/tsconfig.json`; `npm run bench` builds and runs everything):
 *   node bench/conv.mjs [--threads 1,2] [--reps 20] [--no-torch] [--no-tfjs-own] [--json out.json]
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, "..", "lib", "dist");

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
}
const flag = (name) => process.argv.includes(`--${name}`);

const CASES = [
  { name: "28×28 1→16 (stem)", x: [64, 28, 28, 1], w: [3, 3, 1, 16], stride: 1, pad: 1 },
  { name: "28×28 16→16", x: [64, 28, 28, 16], w: [3, 3, 16, 16], stride: 1, pad: 1 },
  { name: "28×28 16→32 stride 2", x: [64, 28, 28, 16], w: [3, 3, 16, 32], stride: 2, pad: 1 },
  { name: "14×14 32→32", x: [64, 14, 14, 32], w: [3, 3, 32, 32], stride: 1, pad: 1 },
  { name: "7×7 64→64", x: [64, 7, 7, 64], w: [3, 3, 64, 64], stride: 1, pad: 1 },
  { name: "1×1 16→32 stride 2 (projection)", x: [64, 28, 28, 16], w: [1, 1, 16, 32], stride: 2, pad: 0 },
];
const threadList = String(arg("threads", "1,2")).split(",").map(Number);
const reps = Number(arg("reps", 20));

function medianMs(fn) {
  for (let i = 0; i < 3; i++) fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

async function benchTfjs(threads, own) {
  const tf = require("@tensorflow/tfjs");
  const { initBackend } = require(join(lib, "engine/ladder.js"));
  const { accelerateWasm, restoreWasmKernels } = require(join(lib, "engine/wasm-accel.js"));
  await initBackend({ force: "wasm" });
  restoreWasmKernels();
  const status = own ? null : accelerateWasm({ threads, blas: true });
  if (!own && status.conv === null) return { error: status.convReason };
  const out = [];
  for (const c of CASES) {
    const x = tf.randomNormal(c.x, 0, 1, "float32", 1);
    const w = tf.randomNormal(c.w, 0, 1, "float32", 2);
    const y = tf.conv2d(x, w, c.stride, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3);
    const time = (f) =>
      medianMs(() => {
        f().dispose(); // the wasm backend computes synchronously: the result is complete when the op returns
      });
    const row = { impl: own ? "tfjs-wasm (own kernels)" : "tfjs-wasm + oneDNN", case: c.name, threads };
    row.forward_ms = time(() => tf.conv2d(x, w, c.stride, c.pad));
    row.backward_data_ms = time(() => tf.conv2dTranspose(dy, w, c.x, c.stride, c.pad));
    try {
      row.backward_weights_ms = time(() =>
        tf
          .engine()
          .runKernel(
            "Conv2DBackpropFilter",
            { x, dy },
            { strides: c.stride, pad: c.pad, dataFormat: "NHWC", filterShape: c.w },
          ),
      );
    } catch {
      // tfjs' wasm backend has no filter gradient kernel: time the fallback the library uses instead
      const { filterGradientByConv } = require(join(lib, "engine/conv.js"));
      row.backward_weights_ms = time(() => filterGradientByConv(x, dy, c.w, c.stride, c.pad));
      row.note = "filter gradient by a forward conv (no Conv2DBackpropFilter kernel)";
    }
    tf.dispose([x, w, y, dy]);
    out.push(row);
  }
  return { rows: out, engine: status?.conv ?? "tfjs' own wasm kernels (XNNPACK forward)" };
}

function benchTorch() {
  const r = spawnSync(
    "/usr/bin/python3",
    [
      join(here, "conv_torch.py"),
      "--threads",
      ...threadList.map(String),
      "--reps",
      String(reps),
      "--cases",
      JSON.stringify(CASES),
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) return { error: (r.stderr || "").trim().split("\n").slice(-1)[0] || `exit ${r.status}` };
  return {
    rows: r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
  };
}

const fmt = (v) => (v === null || v === undefined ? "—" : v.toFixed(2));
const ratio = (a, b) => (a == null || b == null ? "—" : `${(a / b).toFixed(2)}×`);

if (flag("child")) {
  const threads = Number(arg("child", 1));
  const rows = [];
  const dnnl = await benchTfjs(threads, false);
  if (dnnl.error) console.error(`oneDNN path unavailable: ${dnnl.error}`);
  else rows.push(...dnnl.rows.map((r) => ({ ...r, engine: dnnl.engine })));
  if (!flag("no-tfjs-own") && threads === 1) {
    const own = await benchTfjs(threads, true);
    rows.push(...own.rows.map((r) => ({ ...r, engine: own.engine })));
  }
  console.log(JSON.stringify(rows));
  process.exit(0);
}

const results = { cases: CASES, tfjs: [], torch: [] };
for (const threads of threadList) {
  // oneDNN primitives keep the thread count they were created with: one process per count
  const child = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--child", String(threads), ...(flag("no-tfjs-own") ? ["--no-tfjs-own"] : [])],
    {
      encoding: "utf8",
      maxBuffer: 1 << 24,
      env: { ...process.env, SKIPLAB_PROGRESS: "off" },
    },
  );
  const line = child.stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("["))
    .pop();
  if (child.status !== 0 || !line) {
    console.log(
      `tfjs at ${threads} thread(s) failed: ${(child.stderr || "").trim().split("\n").slice(-3).join(" | ")}`,
    );
    continue;
  }
  results.tfjs.push(...JSON.parse(line));
}

if (!flag("no-torch")) {
  const t = benchTorch();
  if (t.error) console.log(`PyTorch reference unavailable: ${t.error}`);
  else results.torch = t.rows;
}

console.log(
  `\nConvolution passes, batch 64, NHWC float32, median of ${reps} (ms); ratio = tfjs / torch at the same threads`,
);
if (results.tfjs[0]?.engine)
  console.log(`oneDNN path: ${results.tfjs.find((r) => r.impl.includes("oneDNN"))?.engine ?? "not available"}`);
if (results.torch[0])
  console.log(`PyTorch ${results.torch[0].torch}, channels_last; threads: ${results.torch[0].threading}`);
const header = [
  "case",
  "threads",
  "impl",
  "fwd",
  "bwd-data",
  "bwd-weights",
  "fwd/torch",
  "bwd-data/torch",
  "bwd-w/torch",
];
console.log(header.join(" | "));
for (const threads of threadList)
  for (const c of CASES) {
    const t = results.torch.find((r) => r.case === c.name && r.threads === threads);
    if (t)
      console.log(
        [
          c.name,
          threads,
          "torch",
          fmt(t.forward_ms),
          fmt(t.backward_data_ms),
          fmt(t.backward_weights_ms),
          "",
          "",
          "",
        ].join(" | "),
      );
    for (const r of results.tfjs.filter((r) => r.case === c.name && r.threads === threads))
      console.log(
        [
          c.name,
          threads,
          r.impl,
          fmt(r.forward_ms),
          fmt(r.backward_data_ms),
          fmt(r.backward_weights_ms),
          ratio(r.forward_ms, t?.forward_ms),
          ratio(r.backward_data_ms, t?.backward_data_ms),
          ratio(r.backward_weights_ms, t?.backward_weights_ms),
        ].join(" | "),
      );
  }
const out = arg("json", null);
if (out) writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
