#!/usr/bin/env node
/**
 * Hessian benchmark, PyHessian-style, side by side with PyTorch in the same run (bench/hessian_torch.py, run with
 * /usr/bin/python3 on the same weights, batch and probe vectors, which this script writes to a temporary folder).
 *
 * Models: ReLU MLPs 256-256-64-10 (82,890 parameters) and 512-512-512-128-10 (592,266), He-normal weights, zero
 * biases, mean softmax cross-entropy on one batch of 512 N(0, 1) inputs with uniform labels (seed 2020).
 * Per model: one gradient; one Hessian-vector product (HVP) two ways on each side: replayed (ours: the gradient tape
 * recorded once per parameter point, curvature/tape.ts, the default; torch: PyHessian's autograd.grad on a
 * create_graph gradient built once) and recomputed (a fresh forward and double backward per product, both sides);
 * power iteration (fixed 20 products from one start vector), Hutchinson (100 Rademacher probes) and Lanczos (100
 * steps, full reorthogonalisation with the DGKS test, float64 basis in both), all with replayed products and the
 * record (graph) built inside the timed call. Every product includes converting the flat float64 vector to float32
 * tensors and back.
 *
 *   npm run build && node bench/hessian.mjs [--quick] [--repeats 10] [--steps 100] [--probes 100] [--power 20]
 *
 * --quick: the 82,890-parameter model only, 5 repeats. Ours runs with the fast kernels (engine/wasm-accel.ts,
 * installed by the curvature operators unless SKIPLAB_ACCEL=0); the "tfjs kernels" row times one HVP with tfjs' own
 * wasm kernels for reference. Both sides use one thread (bench/torch_threads.py). Times: medians of interleaved
 * rounds for grad/HVP, one run for the algorithms.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { interleavedMedians } from "./lib/timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tf = require("@tensorflow/tfjs");
const lib = require("../lib/dist/index.js");
const { initBackend, dense, accelerateWasm, restoreWasmKernels, ensureFastKernels, matmulEngine } = lib.engine;
const { softmaxCrossEntropy } = lib.models;
const { Rng, subSeed } = lib.random;
const { hessianOperator, flatGradient, selectParams } = lib.curvature;
const { lanczos, powerIteration, hutchinson, vec } = lib.spectra;
const { blas64Status } = require("../lib/dist/linalg/blas64.js");

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const QUICK = args.includes("--quick");
const REPEATS = flag("--repeats", QUICK ? 5 : 10);
const STEPS = flag("--steps", 100);
const PROBES = flag("--probes", 100);
const POWER = flag("--power", 20);
const BATCH = 512;
const SEED = 2020;
const THREADS = 1;
const MODELS = QUICK
  ? [[256, 256, 64, 10]]
  : [
      [256, 256, 64, 10], // 82,890 parameters
      [512, 512, 512, 128, 10], // 592,266
    ];

function mlp(layers) {
  const rng = new Rng(subSeed(SEED, "init"));
  const names = [];
  const tensors = [];
  const raw = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const [fi, fo] = [layers[l], layers[l + 1]];
    names.push(`L${l}.W`, `L${l}.b`);
    const W = Float32Array.from(rng.normals(fi * fo, 0, Math.sqrt(2 / fi)));
    const b = new Float32Array(fo);
    raw.push(W, b);
    tensors.push(tf.tensor(W, [fi, fo]), tf.tensor(b, [fo]));
  }
  const data = new Rng(subSeed(SEED, "data"));
  const xs = Float32Array.from(data.normals(BATCH * layers[0]));
  const ys = Int32Array.from({ length: BATCH }, () => data.int(layers[layers.length - 1]));
  const x = tf.tensor(xs, [BATCH, layers[0]]);
  const y = tf.tensor1d(ys, "int32");
  const loss = (p) => {
    let h = x;
    for (let l = 0; l < p.length / 2; l++) {
      const z = dense(h, p[2 * l], p[2 * l + 1]);
      h = 2 * l + 2 === p.length ? z : tf.relu(z);
    }
    return softmaxCrossEntropy(h, y);
  };
  return { set: { names, tensors }, loss, raw, xs, ys, dispose: () => [...tensors, x, y].forEach((t) => t.dispose()) };
}

const relDiff = (a, b) => Math.abs(a - b) / Math.abs(b);
const save = (dir, name, arr) =>
  writeFileSync(join(dir, name), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));

async function runModel(layers) {
  const net = mlp(layers);
  const H = hessianOperator(net.loss, net.set); // installs the fast kernels (ensureFastKernels); replays its tape
  const Hr = hessianOperator(net.loss, net.set, { reuseTape: false }); // recomputes every product
  const layout = selectParams(net.set);
  const dim = H.dim;
  const dir = mkdtempSync(join(tmpdir(), "skiplab-hessian-"));
  try {
    // shared inputs: weights, batch, probe vectors (the same ones our algorithms draw from their seeds)
    net.raw.forEach((a, i) => save(dir, `${i % 2 ? "b" : "W"}${i >> 1}.f32`, a));
    save(dir, "x.f32", net.xs);
    save(dir, "y.i32", net.ys);
    const v = new Rng(subSeed(SEED, "probe")).normals(dim);
    save(dir, "v.f64", v);
    save(dir, "power0.f64", new Rng(subSeed(SEED, "power-iteration")).normals(dim)); // powerIteration's start vector
    const lz0 = vec.rademacher(new Rng(subSeed(SEED, "lanczos")), dim);
    save(dir, "lanczos0.f64", lz0);
    const rad = new Int8Array(PROBES * dim);
    const hr = new Rng(subSeed(SEED, "hutchinson")); // hutchinson's probe sequence
    for (let i = 0; i < PROBES; i++) rad.set(vec.rademacher(hr, dim), i * dim);
    save(dir, "rademacher.i8", rad);
    const warmup = 3;
    writeFileSync(
      join(dir, "meta.json"),
      JSON.stringify({
        layers,
        batch: BATCH,
        dim,
        threads: THREADS,
        repeats: REPEATS,
        warmup,
        power_iters: POWER,
        probes: PROBES,
        lanczos_steps: STEPS,
      }),
    );

    // ours: gradient and HVP, replayed and recomputed (fast kernels), then recomputed with tfjs' own kernels
    const hv = await H.apply(v);
    const hvr = await Hr.apply(v);
    const [gMs, hMs, hrMs] = await interleavedMedians(
      [() => flatGradient(net.loss, net.set, layout), () => H.apply(v), () => Hr.apply(v)],
      REPEATS,
      warmup,
    );
    H.release();
    restoreWasmKernels();
    const [hTfjsMs] = await interleavedMedians([() => Hr.apply(v)], Math.max(3, Math.ceil(REPEATS / 3)), 2);
    accelerateWasm();

    let tApply = 0;
    const timed = {
      dim,
      release: () => H.release(),
      async apply(u) {
        const t0 = performance.now();
        const r = await H.apply(u);
        tApply += performance.now() - t0;
        return r;
      },
    };
    let t0 = performance.now();
    const pw = await powerIteration(H, { seed: SEED, maxIter: POWER, tol: 0 });
    const powerMs = performance.now() - t0;
    t0 = performance.now();
    const tr = await hutchinson(H, { seed: SEED, probes: PROBES });
    const hutchMs = performance.now() - t0;
    tApply = 0;
    t0 = performance.now();
    const lz = await lanczos(timed, { seed: SEED, steps: STEPS, start: lz0 });
    const lzMs = performance.now() - t0;
    const lzRest = lzMs - tApply;

    // torch, right after (same machine state), on the same files
    const r = spawnSync("/usr/bin/python3", [join(here, "hessian_torch.py"), dir], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    let T = null;
    if (r.status === 0) T = JSON.parse(r.stdout.trim().split("\n").pop());
    else
      console.log(
        `  torch failed (exit ${r.status}): ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" | ")}`,
      );

    const pad = (s, n) => String(s).padStart(n);
    const row = (name, ours, torch, agree = "") =>
      console.log(
        `  ${name.padEnd(46)} ${pad(ours.toFixed(1), 10)} ${pad(torch == null ? "–" : torch.toFixed(1), 10)} ${pad(torch == null ? "–" : (ours / torch).toFixed(2), 7)}  ${agree}`,
      );
    console.log(
      `\n${dim.toLocaleString("en")} parameters, layers ${layers.join("-")}, batch ${BATCH}${T ? `; torch ${T.torch}, ${T.threading}` : ""}`,
    );
    console.log(
      `  ${"".padEnd(46)} ${pad("ours ms", 10)} ${pad("torch ms", 10)} ${pad("ratio", 7)}  agreement (rel. diff)`,
    );
    let hvAgree = "";
    if (T) {
      const ht = new Float32Array(readFileSync(join(dir, "hv_torch.f32")).buffer.slice(0));
      let d = 0;
      let s = 0;
      for (let i = 0; i < dim; i++) {
        d += (hv[i] - ht[i]) ** 2;
        s += ht[i] ** 2;
      }
      hvAgree = `‖Hv − Hv_torch‖/‖Hv_torch‖ = ${Math.sqrt(d / s).toExponential(1)}`;
    }
    let rd = 0;
    let rs = 0;
    for (let i = 0; i < dim; i++) {
      rd += (hv[i] - hvr[i]) ** 2;
      rs += hvr[i] ** 2;
    }
    row("gradient", gMs, T?.grad_ms);
    row("HVP replayed (torch: PyHessian, graph reused)", hMs, T?.hvp_ms, hvAgree);
    row(
      "HVP recomputed (torch: from scratch)",
      hrMs,
      T?.hvp_scratch_ms,
      `replayed vs recomputed: ${Math.sqrt(rd / rs).toExponential(1)}`,
    );
    row("HVP recomputed, tfjs' own wasm kernels", hTfjsMs, T?.hvp_scratch_ms);
    console.log(
      `  ${"HVP/grad, replayed".padEnd(46)} ${pad((hMs / gMs).toFixed(2), 10)} ${pad(T ? (T.hvp_ms / T.grad_ms).toFixed(2) : "–", 10)}          (recomputed: ours ${(hrMs / gMs).toFixed(2)}, torch ${T ? (T.hvp_scratch_ms / T.grad_ms).toFixed(2) : "–"}; ours with tfjs kernels: ${(hTfjsMs / gMs).toFixed(2)})`,
    );
    const pv = pw.values[0];
    row(
      `power iteration ×${POWER}`,
      powerMs,
      T?.power_ms,
      T
        ? `λ_max ${pv.toFixed(4)} vs ${T.power_value.toFixed(4)}: ${relDiff(pv, T.power_value).toExponential(1)}`
        : `λ_max ${pv}`,
    );
    row(
      `Hutchinson ×${PROBES}`,
      hutchMs,
      T?.hutchinson_ms,
      T
        ? `trace ${tr.estimate.toFixed(3)} vs ${T.trace.toFixed(3)}: ${relDiff(tr.estimate, T.trace).toExponential(1)}`
        : `trace ${tr.estimate}`,
    );
    const m = lz.steps;
    const [rmin, rmax] = [lz.ritzValues[0], lz.ritzValues[m - 1]];
    row(
      `Lanczos ×${STEPS} (full reorth.)`,
      lzMs,
      T?.lanczos_ms,
      T
        ? `θ_max ${rmax.toFixed(4)} vs ${T.ritz_max.toFixed(4)}: ${relDiff(rmax, T.ritz_max).toExponential(1)}; θ_min ${rmin.toFixed(4)} vs ${T.ritz_min.toFixed(4)}: ${relDiff(rmin, T.ritz_min).toExponential(1)}`
        : `θ ${rmin} … ${rmax}`,
    );
    row(
      "  of which not in products",
      lzRest,
      T?.lanczos_reorth_ms,
      `(torch: the reorthogonalisation itself; Gram–Schmidt passes: ours ${lz.reorthPasses}${T?.lanczos_passes ? `, torch ${T.lanczos_passes}` : ""})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    net.dispose();
  }
}

const report = await initBackend();
ensureFastKernels();
console.log(
  `Hessian benchmark (PyHessian-style) — backend ${report.description}; matmul ${matmulEngine()}; float64 BLAS ${blas64Status().library ?? `none (${blas64Status().reason})`}; ${cpus().length} CPU(s): ${cpus()[0]?.model ?? "?"}; node ${process.version}; ${THREADS} thread each`,
);
for (const layers of MODELS) await runModel(layers);
