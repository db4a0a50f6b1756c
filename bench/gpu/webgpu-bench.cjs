#!/usr/bin/env node
/**
 * Training-step benchmark of the 30×128 MLP (input 3072, 100 classes, ReLU, Adam lr 1e-3; bench/train.mjs' model)
 * through skiplab's engine on one tfjs backend — meant for webgpu on a real GPU (bench/gpu/run.sh), and runnable here
 * on lavapipe (software Vulkan) or wasm/cpu to check the pieces.
 *
 * One step = TrainStep.run: upload the batch (x [B, 3072], one-hot targets), forward, softmax cross-entropy, backward
 * (engine/dense.ts' explicit-transpose gradients), Adam (tf ops on webgpu), and the await-ed read of [loss, correct, reg]
 * — a full device sync each step, as PyTorch's loss.item(). Timed after `--warmup` steps (the first webgpu steps
 * compile shaders).
 *
 * Usage (un-bundled, after `npm run build`):  node bench/gpu/webgpu-bench.cjs [--backend webgpu|wasm|cpu]
 *          [--batch 128,500] [--arch plain,residual] [--steps 20] [--warmup 5] [--json out.jsonl]
 * In the GPU bundle (bench/gpu/pack.sh) the same file is bundled by esbuild with the lib, tfjs and
 * tfjs-backend-webgpu; only the `webgpu` package (dawn.node) stays a separate module. Prints one JSON line per
 * configuration: {impl, backend, device, arch, batch, ms_min, ms_median, steps, flops_per_step, gflops, leaked}.
 */
"use strict";
const { writeFileSync, appendFileSync } = require("node:fs");
const tf = require("@tensorflow/tfjs");
const { initBackend } = require("../../lib/dist/engine/ladder.js");
const { createModel } = require("../../lib/dist/models/create.js");
const { TrainStep } = require("../../lib/dist/train/step.js");
const { optimizerConfig } = require("../../lib/dist/train/config.js");
const { Rng } = require("../../lib/dist/util/random.js");

const D_IN = 3072,
  WIDTH = 128,
  DEPTH = 30,
  CLASSES = 100;

/** FLOPs of one step as bench/train.mjs counts them (PyTorch's: 6·B·weights minus the input layer's dx). */
function flopsPerStep(batch) {
  const w = D_IN * WIDTH + (DEPTH - 1) * WIDTH * WIDTH + WIDTH * CLASSES;
  return 6 * batch * w - 2 * batch * D_IN * WIDTH;
}

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith("--") ? true : v;
}

/**
 * Loads the optional WebGPU packages with static `require`s, so that esbuild bundles tfjs-backend-webgpu into the
 * same file as tfjs-core (one engine) while evaluating it only here, after the ladder has set navigator.gpu.
 */
function loadOptional(id) {
  if (id === "webgpu") return require("webgpu");
  if (id === "@tensorflow/tfjs-backend-webgpu") return require("@tensorflow/tfjs-backend-webgpu");
  return require(id);
}

async function main() {
  const backend = String(arg("backend", "webgpu"));
  const batches = String(arg("batch", "128,500")).split(",").map(Number);
  const archs = String(arg("arch", "plain,residual")).split(",");
  const steps = Number(arg("steps", 20));
  const warmup = Number(arg("warmup", 5));
  const json = arg("json", null);
  if (json && json !== true) writeFileSync(json, "");

  const report = await initBackend({ force: backend, load: loadOptional });
  const device = report.description;
  console.error(`# backend: ${report.description}`);
  if (report.adapter?.software)
    console.error(
      "# WARNING: a software adapter (CPU rasteriser), not a GPU: these numbers say nothing about GPU speed",
    );

  for (const arch of archs) {
    for (const batch of batches) {
      const rng = new Rng(123);
      const x = Float32Array.from(rng.normals(batch * D_IN));
      const labels = new Int32Array(batch).map(() => rng.int(CLASSES));
      const target = new Float32Array(batch * CLASSES);
      labels.forEach((c, i) => (target[i * CLASSES + c] = 1));
      const b = { size: batch, x, target, labels };
      const model = createModel(
        {
          inputDim: D_IN,
          outputDim: CLASSES,
          depth: DEPTH,
          width: WIDTH,
          skip: arch === "residual" ? "identity" : "none",
        },
        0,
      );
      const stepper = new TrainStep(model, optimizerConfig({ type: "adam", lr: 1e-3 }));
      let k = 0;
      const step = () => stepper.run(b, D_IN, CLASSES, 1e-3, { epoch: 1, step: ++k, batch: k });
      const tw = performance.now();
      for (let i = 0; i < warmup; i++) await step();
      const warmupMs = performance.now() - tw;
      const before = tf.memory().numTensors;
      const ts = [];
      let loss = NaN;
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        loss = (await step()).loss;
        ts.push(performance.now() - t0);
      }
      const leaked = tf.memory().numTensors - before;
      stepper.dispose();
      model.dispose();
      const s = [...ts].sort((p, q) => p - q);
      const flops = flopsPerStep(batch);
      const row = {
        impl: `tfjs-${report.backend}`,
        backend: report.backend,
        device,
        software: report.adapter?.software ?? null,
        arch,
        batch,
        ms_min: s[0],
        ms_median: s[Math.floor(s.length / 2)],
        steps,
        warmup,
        warmup_ms: warmupMs,
        flops_per_step: flops,
        gflops: flops / (s[0] * 1e6),
        fused_optimizer: stepper.optimizer.isFused,
        final_loss: loss,
        leaked,
        tfjs: tf.version.tfjs,
        node: process.version,
      };
      console.log(JSON.stringify(row));
      if (json && json !== true) appendFileSync(json, JSON.stringify(row) + "\n");
      console.error(
        `# ${row.impl} ${arch} batch ${batch}: ${row.ms_min.toFixed(2)} / ${row.ms_median.toFixed(2)} ms (min / median), ${row.gflops.toFixed(1)} GFLOP/s, warm-up ${(warmupMs / 1000).toFixed(1)} s`,
      );
    }
  }
  // dawn.node keeps Node alive while navigator.gpu is referenced (its README, "Lifetime")
  process.exit(0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
