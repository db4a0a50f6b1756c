#!/usr/bin/env node
/**
 * Training-step benchmark: the 30×128 MLP of docs/spec/p1.md §1.3 Fig. C (input 3072, 100 classes, ReLU, Adam lr 1e-3),
 * plain and residual, batch 128 and 500, through skiplab's engine on tfjs-wasm, next to the same model in PyTorch CPU
 * (bench/train_torch.py, run with /usr/bin/python3). One step = forward + softmax cross-entropy + backward + Adam
 * update on a fixed batch (the data pipeline is not timed, on either side).
 *
 * Variants, cumulative (what each change buys; all use engine/dense.ts' explicit-transpose gradients):
 *   prototype   XNNPACK matmul, tfjs' own tf.train.adam                    (the prototype of docs/stack.md#matmul-gradient-speed-trap)
 *   ops-adam    Adam as tf ops in one tidy                                 (Optimizer fused: false)
 *   simd-adam   fused Adam kernel (engine/simd-update.ts, wasm SIMD on tfjs' heap)
 *   +kernels    copy-free Identity/Cast, transpose-free axis-0 Sum         (wasm-accel.ts, kernels only)
 *   +blas       OpenBLAS matMul/transpose/sum via koffi                    (wasm-accel.ts; train()'s default)
 *
 * The head-to-head is paired: PyTorch runs as a server, and each of the --repeat rounds times --steps of ours and of
 * PyTorch's back to back; the ratio is taken within each round (see main()).
 *
 * Usage (after `npx tsc -p lib/tsconfig.json`; `npm run bench` builds and runs everything):
 *   node bench/train.mjs [--quick] [--steps 10] [--repeat 6] [--batch 128,500] [--arch plain,residual] [--variants a,b]
 *                        [--no-torch] [--threads 2] [--memory] [--mem-epochs 10] [--mem-n 50000] [--json out.json]
 *
 * --memory also measures the peak resident set size (getrusage maxrss) of a child process that trains the residual
 * 30×128 net with Adam, batch 128, on synthetic 50000×3072 data for --mem-epochs epochs (train() with default
 * options: OpenBLAS matmul when available).
 */
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const lib = join(root, "lib", "dist");

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith("--") ? true : v;
}
const flag = (name) => process.argv.includes(`--${name}`);

const D_IN = 3072,
  WIDTH = 128,
  DEPTH = 30,
  CLASSES = 100;

function flopsPerStep(batch) {
  // forward 2·B·W, backward 4·B·W (dW and dx), minus the input layer's dx (PyTorch skips it, and so does dense on BLAS)
  const w = D_IN * WIDTH + (DEPTH - 1) * WIDTH * WIDTH + WIDTH * CLASSES;
  return 6 * batch * w - 2 * batch * D_IN * WIDTH;
}

/** The fixed random batch every timed step trains on (the same in every variant and in the head-to-head). */
function fixedBatch(Rng, batch) {
  const rng = new Rng(123);
  const x = Float32Array.from(rng.normals(batch * D_IN));
  const labels = new Int32Array(batch).map(() => rng.int(CLASSES));
  const target = new Float32Array(batch * CLASSES);
  labels.forEach((c, i) => (target[i * CLASSES + c] = 1));
  return { size: batch, x, target, labels };
}

/** The 30×128 MLP, plain or residual (seed 0). */
function benchModel(createModel, arch) {
  return createModel(
    { inputDim: D_IN, outputDim: CLASSES, depth: DEPTH, width: WIDTH, skip: arch === "residual" ? "identity" : "none" },
    0,
  );
}

function stats(ts) {
  const s = [...ts].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

async function benchTfjs({
  archs,
  batches,
  variants,
  steps,
  warmup,
  blasThreads,
  quietLadder = variants.length === 1,
}) {
  const tf = require("@tensorflow/tfjs");
  const { initBackend } = require(join(lib, "engine/ladder.js"));
  const { createModel } = require(join(lib, "models/index.js"));
  const { TrainStep, optimizerConfig } = require(join(lib, "train/index.js"));
  const { accelerateWasm, restoreWasmKernels, matmulEngine } = require(join(lib, "engine/wasm-accel.js"));
  const { Rng } = require(join(lib, "util/random.js"));
  const report = await initBackend({ force: "wasm" });
  const results = [];
  for (const arch of archs) {
    for (const batch of batches) {
      const b = fixedBatch(Rng, batch);
      for (const variant of variants) {
        const opt = variant === "prototype" ? "tfadam" : variant === "ops-adam" ? "ops" : "fused";
        restoreWasmKernels();
        if (variant === "+kernels") accelerateWasm({ blas: false });
        if (variant === "+blas") {
          const st = accelerateWasm({ threads: blasThreads });
          if (!st.blas) {
            results.push({ impl: "tfjs-wasm", variant, arch, batch, skipped: st.reason });
            continue;
          }
        }
        const model = benchModel(createModel, arch);
        let stepFn, dispose;
        if (opt === "tfadam") {
          const params = model.params();
          const adam = tf.train.adam(1e-3);
          const xt = tf.tensor2d(b.x, [batch, D_IN]);
          const yt = tf.tensor2d(b.target, [batch, CLASSES]);
          stepFn = async () => {
            const loss = tf.tidy(() => {
              const { value, grads } = tf.variableGrads(
                () => model.loss(model.forward(xt, { training: true }).output, yt),
                params,
              );
              adam.applyGradients(grads);
              return value;
            });
            await loss.data();
            loss.dispose();
          };
          dispose = () => {
            adam.dispose();
            xt.dispose();
            yt.dispose();
          };
        } else {
          const stepper = new TrainStep(model, optimizerConfig({ type: "adam", lr: 1e-3 }), { fused: opt === "fused" });
          let k = 0;
          stepFn = () => stepper.run(b, D_IN, CLASSES, 1e-3, { epoch: 1, step: ++k, batch: k });
          dispose = () => stepper.dispose();
        }
        for (let i = 0; i < warmup; i++) await stepFn();
        const before = tf.memory().numTensors;
        const ts = [];
        for (let i = 0; i < steps; i++) {
          const t0 = performance.now();
          await stepFn();
          ts.push(performance.now() - t0);
        }
        const leaked = tf.memory().numTensors - before;
        const s = stats(ts);
        results.push({
          impl: "tfjs-wasm",
          variant,
          engine: matmulEngine(),
          arch,
          batch,
          ms_min: s.min,
          ms_median: s.median,
          steps,
          leaked,
          flops_per_step: flopsPerStep(batch),
          samples: ts,
        });
        dispose();
        model.dispose();
        if (!quietLadder)
          console.log(
            `  ${variant.padEnd(10)} ${arch.padEnd(8)} batch ${String(batch).padEnd(4)} ${s.min.toFixed(1).padStart(6)} / ${s.median.toFixed(1).padStart(6)} ms  (${(flopsPerStep(batch) / (s.min * 1e6)).toFixed(1)} GFLOP/s)`,
          );
      }
      restoreWasmKernels();
    }
  }
  return { backend: report.description, results };
}

/** PyTorch as a server (train_torch.py --serve): `time({arch, batch, threads, steps})` resolves to its result line. */
function torchServer() {
  const child = spawn("/usr/bin/python3", [join(here, "train_torch.py"), "--serve"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let buffered = "";
  let stderr = "";
  let failure = null;
  const waiting = [];
  const fail = (msg) => {
    failure = msg;
    while (waiting.length) waiting.shift()({ error: msg });
  };
  child.on("error", (e) => fail(e.message));
  child.stderr.on("data", (d) => (stderr += d));
  child.on("close", (code) =>
    fail(`exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ") || "no output"}`),
  );
  child.stdout.on("data", (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith("{")) waiting.shift()?.(JSON.parse(line));
    }
  });
  return {
    time(request) {
      if (failure) return Promise.resolve({ error: failure });
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(JSON.stringify(request) + "\n");
      });
    },
    close() {
      child.removeAllListeners("close");
      child.stdin.end();
    },
  };
}

/** Our side of the head-to-head: one model, stepper and batch per (arch, batch), built once, on train()'s engine. */
async function ourCases({ archs, batches, warmup, blasThreads }) {
  const { initBackend } = require(join(lib, "engine/ladder.js"));
  const { createModel } = require(join(lib, "models/index.js"));
  const { TrainStep, optimizerConfig } = require(join(lib, "train/index.js"));
  const { accelerateWasm } = require(join(lib, "engine/wasm-accel.js"));
  const { Rng } = require(join(lib, "util/random.js"));
  await initBackend({ force: "wasm" });
  const st = accelerateWasm({ threads: blasThreads });
  if (!st.blas) throw new Error(`the head-to-head needs OpenBLAS: ${st.reason}`);
  const cases = new Map();
  for (const arch of archs) {
    for (const batch of batches) {
      const b = fixedBatch(Rng, batch);
      const model = benchModel(createModel, arch);
      const stepper = new TrainStep(model, optimizerConfig({ type: "adam", lr: 1e-3 }), { fused: true });
      let k = 0;
      const step = () => stepper.run(b, D_IN, CLASSES, 1e-3, { epoch: 1, step: ++k, batch: k });
      for (let i = 0; i < warmup; i++) await step();
      cases.set(`${arch}/${batch}`, { model, stepper, step });
    }
  }
  return {
    async time(arch, batch, steps) {
      const c = cases.get(`${arch}/${batch}`);
      const ts = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await c.step();
        ts.push(performance.now() - t0);
      }
      const s = stats(ts);
      return { ms_min: s.min, ms_median: s.median, samples: ts };
    },
    dispose() {
      for (const c of cases.values()) {
        c.stepper.dispose();
        c.model.dispose();
      }
    },
  };
}

async function memoryChild() {
  const epochs = Number(arg("mem-epochs", 10));
  const n = Number(arg("mem-n", 50000));
  const tf = require("@tensorflow/tfjs");
  const { initBackend } = require(join(lib, "engine/ladder.js"));
  const { createModel } = require(join(lib, "models/index.js"));
  const { train } = require(join(lib, "train/index.js"));
  const { Rng } = require(join(lib, "util/random.js"));
  await initBackend({ force: "wasm" });
  const rng = new Rng(7);
  const x = new Float32Array(n * D_IN);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Int32Array(n).map(() => rng.int(CLASSES));
  const rssData = process.memoryUsage().rss;
  const model = createModel({ inputDim: D_IN, outputDim: CLASSES, depth: DEPTH, width: WIDTH, skip: "identity" }, 0);
  const counts = [];
  const t0 = performance.now();
  const res = await train(
    model,
    { x, y, n, dim: D_IN },
    { epochs, batchSize: 128, optimizer: "adam" },
    {
      seed: 0,
      progress: "lines",
      label: "memory run",
      onEpoch: () => {
        counts.push(tf.memory().numTensors);
      },
    },
  );
  const wall = (performance.now() - t0) / 1000;
  const ru = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      memory: true,
      n,
      epochs,
      steps: res.steps,
      wall_s: wall,
      ms_per_step: (1000 * wall) / res.steps,
      max_rss_mb: ru.maxRSS / 1024,
      rss_after_data_mb: rssData / 2 ** 20,
      dataset_mb: (x.byteLength + y.byteLength) / 2 ** 20,
      wasm_heap_mb: tf.memory().numBytes / 2 ** 20,
      tensors_per_epoch: counts,
      matmul: res.matmul,
      final_train_loss: res.final?.train_loss,
    }) + "\n",
  );
}

function fmtRow(cols, widths) {
  return cols.map((c, i) => String(c).padEnd(widths[i])).join("  ");
}

function pooled(rows) {
  const ts = rows.flatMap((r) => r.samples ?? []);
  const s = stats(ts);
  return { ms_min: s.min, ms_median: s.median, n: ts.length };
}

async function main() {
  if (flag("memory-child")) return memoryChild();
  const quick = flag("quick");
  const steps = Number(arg("steps", quick ? 8 : 10));
  const warmup = Number(arg("warmup", 3));
  const repeat = Number(arg("repeat", quick ? 2 : 6));
  const batches = String(arg("batch", "128,500")).split(",").map(Number);
  const archs = String(arg("arch", "plain,residual")).split(",");
  const allVariants = ["prototype", "ops-adam", "simd-adam", "+kernels", "+blas"];
  const variants = String(arg("variants", quick ? "simd-adam,+blas" : allVariants.join(","))).split(",");
  const nproc = cpus().length;
  const blasThreads = Number(arg("threads", 1));
  const torchThreads = [...new Set([blasThreads, 1, nproc])];
  console.log(
    `# Training-step benchmark: ${DEPTH}×${WIDTH} MLP, input ${D_IN}, ${CLASSES} classes, Adam; ${steps} timed steps after ${warmup} warm-up`,
  );
  console.log(
    `# machine: ${cpus()[0]?.model ?? "?"}, ${nproc} cores; tfjs-wasm runs on 1 core (no wasm threads in Node); OpenBLAS threads: ${blasThreads}`,
  );

  // 1. The ladder: every variant once (what each change buys).
  console.log(`\n## What each change buys (one pass, ${steps} steps each; ms per step, min / median)`);
  const ladder = await benchTfjs({ archs, batches, variants, steps, warmup, blasThreads });
  console.log(`# tfjs backend: ${ladder.backend}`);

  // 2. Head-to-head, paired: the machine is shared and its speed drifts by 1.5× within minutes, so PyTorch runs as a
  //    server (train_torch.py --serve) and each repeat times a block of our steps and a block of PyTorch's at each
  //    thread count back to back, in rotating order. The ratio of a repeat is our median over PyTorch's median within
  //    that repeat; the table gives the median of those paired ratios and their range.
  const noTorch = flag("no-torch");
  const server = noTorch ? null : torchServer();
  const ours = await ourCases({ archs, batches, warmup, blasThreads });
  const samples = [];
  for (let rep = 0; rep < repeat; rep++) {
    for (const arch of archs) {
      for (const batch of batches) {
        const jobs = [
          async () => samples.push({ rep, arch, batch, impl: "ours", ...(await ours.time(arch, batch, steps)) }),
          ...torchThreads.map((threads) => async () => {
            if (!server) return;
            const r = await server.time({ arch, batch, threads, steps });
            samples.push(r.error ? { rep, arch, batch, impl: "torch", threads, error: r.error } : { rep, ...r });
          }),
        ];
        for (let j = 0; j < jobs.length; j++) await jobs[(j + rep) % jobs.length]();
      }
    }
  }
  ours.dispose();
  server?.close();
  const torchErrors = samples.filter((t) => t.error);
  const rows = [];
  const keyed = (arch, batch, pred) =>
    samples.filter((r) => r.arch === arch && r.batch === batch && !r.error && pred(r));
  const pairedRatio = (arch, batch, threads) => {
    const rs = [];
    for (let rep = 0; rep < repeat; rep++) {
      const o = keyed(arch, batch, (r) => r.rep === rep && r.impl === "ours")[0];
      const t = keyed(arch, batch, (r) => r.rep === rep && r.impl === "torch" && r.threads === threads)[0];
      if (o && t) rs.push(o.ms_median / t.ms_median);
    }
    const s = [...rs].sort((a, b) => a - b);
    const mid = (s.length - 1) / 2;
    const median = s.length ? (s[Math.floor(mid)] + s[Math.ceil(mid)]) / 2 : NaN;
    return { median, lo: s[0] ?? NaN, hi: s[s.length - 1] ?? NaN };
  };
  for (const arch of archs) {
    for (const batch of batches) {
      rows.push({
        arch,
        batch,
        ours: pooled(keyed(arch, batch, (r) => r.impl === "ours")),
        torch1: pooled(keyed(arch, batch, (r) => r.impl === "torch" && r.threads === 1)),
        torchN: pooled(keyed(arch, batch, (r) => r.impl === "torch" && r.threads === nproc)),
        vs1: pairedRatio(arch, batch, 1),
        vsN: pairedRatio(arch, batch, nproc),
        flops: flopsPerStep(batch),
      });
    }
  }
  const widths = [10, 6, 22, 22, 22, 18, 18];
  const g = (ms, flops) => (Number.isFinite(ms) ? (flops / (ms * 1e6)).toFixed(1) : "–");
  const cell = (p, flops) =>
    Number.isFinite(p.ms_min) ? `${p.ms_min.toFixed(1)} / ${p.ms_median.toFixed(1)} (${g(p.ms_median, flops)})` : "–";
  const ratio = (p) =>
    Number.isFinite(p.median) ? `${p.median.toFixed(2)}× [${p.lo.toFixed(2)}–${p.hi.toFixed(2)}]` : "–";
  console.log(
    `\n## skiplab (tfjs-wasm + OpenBLAS ${blasThreads} thread) vs PyTorch CPU, ${repeat} paired repeats × ${steps} steps`,
  );
  console.log(
    "# cells: ms/step min / median over all repeats (GFLOP/s at the median); ratio: median over repeats of (our median / torch median) within the repeat [range]",
  );
  console.log(
    fmtRow(
      ["arch", "batch", "skiplab", "torch 1 thread", `torch ${nproc} threads`, "vs 1 thr", `vs ${nproc} thr`],
      widths,
    ),
  );
  for (const r of rows) {
    console.log(
      fmtRow(
        [
          r.arch,
          r.batch,
          cell(r.ours, r.flops),
          cell(r.torch1, r.flops),
          cell(r.torchN, r.flops),
          ratio(r.vs1),
          ratio(r.vsN),
        ],
        widths,
      ),
    );
  }
  console.log(
    "# GFLOP/s counts the FLOPs of one step (6·B·weights minus the input layer's dx, which neither side computes), so it",
  );
  console.log("# compares step times, not kernels.");
  for (const t of torchErrors)
    console.log(
      `torch (${t.threads} threads) failed: ${t.error} — install Debian's python3-torch (apt-get install -y python3-torch)`,
    );
  const torchRow = samples.find((t) => t.impl === "torch" && !t.error);
  if (torchRow) console.log(`# torch ${torchRow.torch} (Debian python3-torch); threads: ${torchRow.threading}`);

  let memory = null;
  if (flag("memory")) {
    const epochs = arg("mem-epochs", 10);
    const n = arg("mem-n", 50000);
    console.log(
      `\n## Peak memory: residual 30×128, Adam, batch 128, ${n}×${D_IN} synthetic float32 data, ${epochs} epochs (child process, train() defaults)`,
    );
    memory = await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [fileURLToPath(import.meta.url), "--memory-child", "--mem-epochs", String(epochs), "--mem-n", String(n)],
        { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, SKIPLAB_PROGRESS: "lines" } },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("close", () => {
        const line = out
          .trim()
          .split("\n")
          .find((l) => l.startsWith("{"));
        resolve(line ? JSON.parse(line) : { error: out });
      });
    });
    if (memory.error) console.log(`memory run failed: ${memory.error}`);
    else {
      console.log(
        `peak RSS ${memory.max_rss_mb.toFixed(0)} MB (dataset ${memory.dataset_mb.toFixed(0)} MB; RSS after building the data ${memory.rss_after_data_mb.toFixed(0)} MB; tfjs tensors ${memory.wasm_heap_mb.toFixed(1)} MB at the end)`,
      );
      console.log(
        `${memory.steps} steps in ${memory.wall_s.toFixed(0)} s (${memory.ms_per_step.toFixed(1)} ms/step including batching), matmul: ${memory.matmul}`,
      );
      console.log(`tensor count after each epoch: ${memory.tensors_per_epoch.join(", ")}`);
    }
  }
  const json = arg("json", null);
  if (json && json !== true)
    writeFileSync(
      json,
      JSON.stringify(
        { backend: ladder.backend, ladder: ladder.results.map(({ samples, ...r }) => r), headToHead: rows, memory },
        null,
        2,
      ),
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
