#!/usr/bin/env node
/**
 * Conv-net training-step benchmark: ResNet-20 and PlainNet-20 (models/convnet.ts: 16/32/64 channels, BN,
 * projection shortcuts) on 28×28×1 inputs, batch 64, 10 classes, plain SGD (lr 0.1) — one step = forward + softmax
 * cross-entropy + backward + update, on a fixed batch — through skiplab's TrainStep on tfjs-wasm with the oneDNN
 * conv kernels, next to the same nets in PyTorch CPU channels-last (bench/resnet_torch.py), at the same thread
 * counts, in the same run. Also, on ResNet-20: one gradient and one Hessian-vector product, replayed from the recorded
 * gradient tape (the default, curvature/tape.ts) and recomputed, beside PyTorch's on a reused create_graph graph
 * (PyHessian's way) and from scratch.
 *
 * Usage (after `npx tsc -p lib/tsconfig.json`; `npm run bench` builds and runs everything):
 *   node bench/resnet.mjs [--threads 1,2] [--steps 15] [--family resnet,plain] [--depth 20] [--no-torch] [--no-hvp]
 *                         [--no-fallback]
 * The last rows take the path of a machine without oneDNN (SKIPLAB_DNNL=off: tfjs' own conv kernels, the filter
 * gradient by a forward convolution, BatchNorm as tfjs ops), at 1 thread.
 */
import { spawnSync } from "node:child_process";
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
const threadList = String(arg("threads", "1,2")).split(",").map(Number);
const families = String(arg("family", "resnet,plain")).split(",");
const steps = Number(arg("steps", 15));
const depth = Number(arg("depth", 20));
const BATCH = 64;
const SIDE = 28;

function median(ts) {
  const s = [...ts].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

async function child(threads) {
  const tf = require("@tensorflow/tfjs");
  const { initBackend } = require(join(lib, "engine/ladder.js"));
  const { accelerateWasm } = require(join(lib, "engine/wasm-accel.js"));
  const { createModel } = require(join(lib, "models/index.js"));
  const { TrainStep, optimizerConfig } = require(join(lib, "train/index.js"));
  const { hessianOperator } = require(join(lib, "curvature/index.js"));
  const { networkParamSet } = require(join(lib, "metrics/network-context.js"));
  const { Rng } = require(join(lib, "util/random.js"));
  await initBackend({ force: "wasm" });
  const accel = accelerateWasm({ threads });
  const rng = new Rng(1);
  const dim = SIDE * SIDE;
  const x = Float32Array.from(rng.normals(BATCH * dim));
  const labels = Int32Array.from({ length: BATCH }, () => rng.int(10));
  const target = new Float32Array(BATCH * 10);
  labels.forEach((c, i) => (target[i * 10 + c] = 1));
  const rows = [];
  for (const family of families) {
    const model = createModel({ kind: "conv", family, depth, inputShape: [SIDE, SIDE, 1] }, 0);
    const stepper = new TrainStep(model, optimizerConfig({ type: "sgd", lr: 0.1 }));
    const b = { size: BATCH, x, target, labels };
    const ts = [];
    for (let i = 0; i < steps + 3; i++) {
      const t0 = performance.now();
      await stepper.run(b, dim, 10, 0.1, { epoch: 1, step: i + 1, batch: i + 1 });
      if (i >= 3) ts.push(performance.now() - t0);
    }
    const row = {
      impl: accel.conv ? "tfjs-wasm + oneDNN" : "tfjs-wasm, no oneDNN",
      family,
      depth,
      threads,
      params: model.paramCount,
      ...median(ts),
      conv: accel.conv,
    };
    if (!flag("no-hvp") && family === "resnet") {
      // one gradient vs one Hessian-vector product of the same loss (BN in training mode, batch statistics)
      const xt = tf.tensor2d(x, [BATCH, dim]);
      const yt = tf.tensor1d(labels, "int32");
      const loss = () => model.loss(model.forward(xt, { training: true, updateStats: false }).output, yt);
      const params = model.params();
      const gradMs = [];
      for (let i = 0; i < 6; i++) {
        const t0 = performance.now();
        const g = tf.tidy(() => tf.variableGrads(loss, params).grads);
        Object.values(g).forEach((t) => t.dataSync());
        tf.dispose(Object.values(g));
        if (i >= 1) gradMs.push(performance.now() - t0);
      }
      // replayed (the default: one recorded gradient tape, curvature/tape.ts; the first product records it) and
      // recomputed (a forward and double backward per product)
      const op = hessianOperator(loss, networkParamSet(model));
      const opR = hessianOperator(loss, networkParamSet(model), { reuseTape: false });
      const v = Float64Array.from(rng.normals(op.dim));
      const hvpMs = [];
      const hvpRMs = [];
      for (let i = 0; i < 5; i++) {
        let t0 = performance.now();
        await op.apply(v);
        if (i >= 1) hvpMs.push(performance.now() - t0);
        t0 = performance.now();
        await opR.apply(v);
        if (i >= 1) hvpRMs.push(performance.now() - t0);
      }
      op.release();
      row.gradient_ms = median(gradMs).median;
      row.hvp_ms = median(hvpMs).median;
      row.hvp_recomputed_ms = median(hvpRMs).median;
      tf.dispose([xt, yt]);
    }
    stepper.dispose();
    model.dispose();
    rows.push(row);
  }
  console.log(JSON.stringify(rows));
}

if (flag("child")) {
  await child(Number(arg("child", 1)));
  process.exit(0);
}

const ours = [];
// oneDNN primitives keep the thread count they were created with: one process per count; then, at 1 thread, the
// path a machine without oneDNN takes (tfjs' own kernels, the filter gradient by a forward conv)
const children = [...threadList.map((t) => [t, {}]), ...(flag("no-fallback") ? [] : [[1, { SKIPLAB_DNNL: "off" }]])];
for (const [threads, extraEnv] of children) {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), ...process.argv.slice(2), "--child", String(threads)],
    {
      encoding: "utf8",
      maxBuffer: 1 << 24,
      env: { ...process.env, SKIPLAB_PROGRESS: "off", ...extraEnv },
    },
  );
  const line = r.stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("["))
    .pop();
  if (r.status !== 0 || !line) {
    console.log(`tfjs at ${threads} thread(s) failed: ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}`);
    continue;
  }
  ours.push(...JSON.parse(line));
}
let torch = [];
if (!flag("no-torch")) {
  const r = spawnSync(
    "/usr/bin/python3",
    [
      join(here, "resnet_torch.py"),
      "--threads",
      ...threadList.map(String),
      "--depth",
      String(depth),
      "--family",
      ...families,
      "--steps",
      String(steps),
      ...(flag("no-hvp") ? [] : ["--hvp"]),
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) console.log(`PyTorch reference unavailable: ${(r.stderr || "").trim().split("\n").pop()}`);
  else
    torch = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
}

console.log(`\nConv-net SGD training step, batch ${BATCH}, ${SIDE}×${SIDE}×1, median (min) of ${steps} steps, ms`);
if (ours[0]) console.log(`conv engine: ${ours[0].conv ?? "tfjs' own kernels"}`);
if (torch[0]) console.log(`PyTorch ${torch[0].torch}, channels_last; threads: ${torch[0].threading}`);
console.log("net | threads | params | tfjs-wasm | torch | tfjs / torch");
for (const o of ours) {
  const t = torch.find((r) => r.family === o.family && r.threads === o.threads);
  console.log(
    [
      `${o.family}-${o.depth}${o.impl.includes("no oneDNN") ? " (no oneDNN)" : ""}`,
      o.threads,
      o.params,
      `${o.median.toFixed(0)} (${o.min.toFixed(0)})`,
      t ? `${t.ms_median.toFixed(0)} (${t.ms_min.toFixed(0)})` : "—",
      t ? `${(o.median / t.ms_median).toFixed(2)}×` : "—",
    ].join(" | "),
  );
}
for (const o of ours.filter((r) => r.hvp_ms !== undefined)) {
  const t = torch.find((r) => r.family === o.family && r.threads === o.threads && r.hvp_ms !== undefined);
  console.log(
    `ResNet-${o.depth}${o.impl.includes("no oneDNN") ? " (no oneDNN)" : ""}, ${o.threads} thread(s), batch ${BATCH}: gradient ${o.gradient_ms.toFixed(0)} ms, HVP replayed ${o.hvp_ms.toFixed(0)} ms (${(o.hvp_ms / o.gradient_ms).toFixed(2)} gradients), recomputed ${o.hvp_recomputed_ms.toFixed(0)} ms (${(o.hvp_recomputed_ms / o.gradient_ms).toFixed(2)})` +
      (t
        ? `; PyTorch: gradient ${t.gradient_ms.toFixed(0)} ms, HVP on a reused graph ${t.hvp_reuse_ms.toFixed(0)} ms, from scratch ${t.hvp_ms.toFixed(0)} ms; ours / torch: replayed vs reused ${(o.hvp_ms / t.hvp_reuse_ms).toFixed(2)}×, recomputed vs from scratch ${(o.hvp_recomputed_ms / t.hvp_ms).toFixed(2)}×`
        : ""),
  );
}
