#!/usr/bin/env node
/**
 * Curvature benchmark (tfjs wasm backend unless SKIPLAB_BACKEND says otherwise):
 *   1. the cost of one Hessian-vector product (nested gradients, the recorded tape replayed: curvature/tape.ts), one
 *      Gauss–Newton product and one finite-difference HVP, as multiples of one gradient, on ReLU MLPs of ~10k, ~50k and ~100k parameters (softmax CE, batch 256);
 *   2. exact-Hessian assembly (n HVPs) and its eigendecomposition for ~1.6k- and ~3.4k-parameter MLPs.
 * Every timed call includes reading the result back into a Float64Array (what the spectral algorithms consume).
 *
 *   npx tsc -p lib/tsconfig.json && node bench/curvature.mjs [--quick] [--repeats 20] [--batch 256] [--accel] [--explicit-mm]
 *
 * --quick: only the 10k row and the 1.6k assembly. --accel: also time with the training engine's OpenBLAS kernels
 * (engine/wasm-accel.ts) installed. --explicit-mm: also time with a matMul that is explicit-transpose at every order
 * of differentiation (see `explicitMatMul`). Times are medians over `repeats` interleaved rounds after ten warm-up rounds.
 * (The eigendecomposition vs numpy benchmark is bench/linalg.mjs.)
 */
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { interleavedMedians } from "./lib/timing.mjs";

const require = createRequire(import.meta.url);
const tf = require("@tensorflow/tfjs");
const lib = require("../lib/dist/index.js");
const { initBackend, dense } = lib.engine;
const { softmaxCrossEntropy } = lib.models;
const { Rng, subSeed } = lib.random;
const {
  hessianOperator,
  gaussNewtonOperator,
  finiteDifferenceHessianOperator,
  flatGradient,
  selectParams,
  exactSpectrum,
} = lib.curvature;

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const QUICK = args.includes("--quick");
const ACCEL = args.includes("--accel");
const EXPLICIT_MM = args.includes("--explicit-mm");
const REPEATS = flag("--repeats", 20);
const BATCH = flag("--batch", 256);
const SEED = 2018;

/**
 * A plain matMul whose gradient is built from itself with explicit transposes, at every order of differentiation.
 * engine/dense.ts does this for the first order only; its backward matMuls are differentiated (inside an HVP) by tfjs'
 * built-in MatMul gradient, which sets transpose flags and so misses XNNPACK on wasm (the speed trap of docs/stack.md#matmul-gradient-speed-trap).
 * `--explicit-mm` times the products with this op in place of `dense`, to size that fix.
 */
const explicitMatMul = tf.customGrad((a, b, save) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy, [as, bs]) => [explicitMatMul(dy, tf.transpose(bs)), explicitMatMul(tf.transpose(as), dy)],
  };
});
let denseOp = dense;

/** A functional ReLU MLP (layers: [in, h1, …, classes]) with random data, as the curvature code consumes it. */
function mlp(layers, batch, seed) {
  const rng = new Rng(subSeed(seed, "init"));
  const names = [];
  const tensors = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const [fi, fo] = [layers[l], layers[l + 1]];
    const name = l + 2 === layers.length ? "out" : `L${l + 1}`;
    names.push(`${name}.W`, `${name}.b`);
    tensors.push(tf.tensor(Float32Array.from(rng.normals(fi * fo, 0, Math.sqrt(2 / fi))), [fi, fo]), tf.zeros([fo]));
  }
  const data = new Rng(subSeed(seed, "data"));
  const x = tf.tensor(Float32Array.from(data.normals(batch * layers[0])), [batch, layers[0]]);
  const classes = layers[layers.length - 1];
  const y = tf.tensor1d(
    Int32Array.from({ length: batch }, () => data.int(classes)),
    "int32",
  );
  const forward = (p) => {
    let h = x;
    for (let l = 0; l < p.length / 2; l++) {
      const z = denseOp(h, p[2 * l], p[2 * l + 1]);
      h = 2 * l + 2 === p.length ? z : tf.relu(z);
    }
    return h;
  };
  const loss = (p) => softmaxCrossEntropy(forward(p), y);
  const params = tensors.reduce((s, t) => s + t.size, 0);
  return {
    set: { names, tensors },
    forward,
    loss,
    params,
    dispose: () => [...tensors, x, y].forEach((t) => t.dispose()),
  };
}

const pad = (s, n) => String(s).padStart(n);

async function hvpTable(label) {
  const archs = QUICK
    ? [[32, 64, 64, 64, 10]]
    : [
        [32, 64, 64, 64, 10], // 11,082 parameters
        [128, 128, 128, 128, 10], // 50,826
        [256, 256, 128, 10], // 99,978
      ];
  console.log(`\n1. Product cost vs one gradient (${label}; softmax CE, batch ${BATCH}; median of ${REPEATS})`);
  console.log(
    `${pad("params", 8)} ${pad("layers", 22)} ${pad("grad ms", 9)} ${pad("HVP ms", 9)} ${pad("HVP/grad", 9)} ${pad("GN ms", 9)} ${pad("GN/grad", 8)} ${pad("FD ms", 9)} ${pad("FD/grad", 8)}`,
  );
  for (const layers of archs) {
    const net = mlp(layers, BATCH, SEED);
    const H = hessianOperator(net.loss, net.set);
    const G = gaussNewtonOperator(net.forward, net.set, { kind: "softmax-ce" });
    const F = finiteDifferenceHessianOperator(net.loss, net.set);
    const layout = selectParams(net.set);
    const v = new Rng(subSeed(SEED, "probe")).normals(H.dim);
    const n0 = tf.memory().numTensors;
    const [g, h, gn, fd] = await interleavedMedians(
      [async () => flatGradient(net.loss, net.set, layout), () => H.apply(v), () => G.apply(v), () => F.apply(v)],
      REPEATS,
    );
    H.release(); // the gradient tape the Hessian operator replays (curvature/tape.ts)
    if (tf.memory().numTensors !== n0) throw new Error("tensor leak in the benchmarked calls");
    console.log(
      `${pad(net.params.toLocaleString("en"), 8)} ${pad(layers.join("-"), 22)} ${pad(g.toFixed(2), 9)} ${pad(h.toFixed(2), 9)} ${pad((h / g).toFixed(2), 9)} ${pad(gn.toFixed(2), 9)} ${pad((gn / g).toFixed(2), 8)} ${pad(fd.toFixed(2), 9)} ${pad((fd / g).toFixed(2), 8)}`,
    );
    net.dispose();
  }
}

async function assemblyTable(label) {
  const archs = QUICK
    ? [[32, 24, 24, 10]]
    : [
        [32, 24, 24, 10],
        [32, 40, 40, 10],
      ]; // 1,642 and 3,370 parameters
  console.log(`\n2. Exact Hessian: assembly from n HVPs + eigh (${label}; softmax CE, batch ${BATCH}; one run each)`);
  console.log(
    `${pad("params", 8)} ${pad("layers", 14)} ${pad("assembly s", 11)} ${pad("ms/column", 10)} ${pad("eigh s", 8)} ${pad("eigh", 7)} ${pad("asymmetry", 10)} ${pad("noise/max|λ|", 13)}`,
  );
  for (const layers of archs) {
    const net = mlp(layers, BATCH, SEED);
    const H = hessianOperator(net.loss, net.set);
    await H.apply(new Float64Array(H.dim)); // warm-up
    const s = await exactSpectrum(H, { vectors: false });
    console.log(
      `${pad(net.params.toLocaleString("en"), 8)} ${pad(layers.join("-"), 14)} ${pad(s.assemblySeconds.toFixed(2), 11)} ${pad(((1000 * s.assemblySeconds) / s.n).toFixed(2), 10)} ${pad(s.eighSeconds.toFixed(2), 8)} ${pad(s.backend, 7)} ${pad(s.asymmetry.toExponential(1), 10)} ${pad((s.noiseFloor / s.maxAbs).toExponential(1), 13)}`,
    );
    net.dispose();
  }
}

const report = await initBackend();
console.log(
  `Curvature benchmark — backend ${report.description}; ${cpus().length} CPU(s): ${cpus()[0]?.model ?? "?"}; node ${process.version}`,
);
await hvpTable("tfjs kernels");
if (EXPLICIT_MM) {
  denseOp = (x, w, b) => tf.add(explicitMatMul(x, w), b);
  await hvpTable("tfjs kernels, explicit-transpose matMul at every order (a proposed engine/dense.ts change)");
  denseOp = dense;
}
await assemblyTable("tfjs kernels");
if (ACCEL) {
  // last: installing the accelerated kernels is process-wide
  lib.engine.accelerateWasm();
  await hvpTable(`accelerated kernels: ${lib.engine.matmulEngine()}`);
  await assemblyTable(`accelerated kernels: ${lib.engine.matmulEngine()}`);
}
