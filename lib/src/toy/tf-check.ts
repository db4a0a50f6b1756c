/**
 * An independent route to the toy loss: a Monte Carlo estimate computed with TensorFlow.js on the active backend
 * (float32, sampled inputs, the lib's `dense` op), to check the closed-form float64 expectations the dynamics use.
 *
 *   L̂ = ½ mean_n (y(x_n) − y*(x_n))²,   x_n ~ N(0, I_d),   s.e. = std_n(½(y − y*)²) / √N
 */
import * as tf from "@tensorflow/tfjs";
import { readFloat32, readFloat32Sync } from "../engine/read";
import { dense } from "../engine/dense";
import { Rng, subSeed } from "../util/random";
import { ToyModel } from "./model";

export interface ToyMonteCarloLoss {
  /** Closed-form loss (float64). */
  exact: number;
  /** Monte Carlo estimate (tfjs, float32) and its standard error. */
  estimate: number;
  stdError: number;
  /** (estimate − exact) / stdError. */
  z: number;
  samples: number;
  backend: string;
}

/** Units' outputs φ(x) = g(Jx) + s·x[:k] for a batch: x [N, d], J [k, d] → [N, k]. */
function features(x: tf.Tensor2D, J: tf.Tensor2D, skip: number, k: number): tf.Tensor2D {
  const pre = dense(x, tf.transpose(J) as tf.Tensor2D); // [N, k]
  const g = tf.erf(tf.mul(pre, Math.SQRT1_2)) as tf.Tensor2D; // g(u) = erf(u/√2)
  return skip === 0 ? g : (tf.add(g, tf.mul(tf.slice(x, [0, 0], [-1, k]), skip)) as tf.Tensor2D);
}

/** What every Monte Carlo batch needs: constant tensors (freed by `dispose`), the seeded input stream, the arch scales. */
function monteCarloSetup(model: ToyModel, theta: Float64Array, seed: number) {
  const { d, k } = model;
  const cfg = model.config;
  const sStudent = cfg.arch === "residual" ? cfg.skipScale : 0;
  const tArch = cfg.teacher.arch === "student" ? cfg.arch : cfg.teacher.arch;
  const sTeacher = tArch === "residual" ? cfg.skipScale : 0;
  const kT = cfg.teacher.v.length;
  const rng = new Rng(subSeed(seed, "toy-monte-carlo"));
  const [J, w, K, v] = tf.tidy(() => [
    tf.tensor2d(Float32Array.from(theta.subarray(0, k * d)), [k, d]),
    tf.tensor2d(Float32Array.from(theta.subarray(k * d, k * d + k)), [k, 1]),
    tf.tensor2d(cfg.teacher.K.flat(), [kT, d]),
    tf.tensor2d(cfg.teacher.v, [kT, 1]),
  ]) as tf.Tensor2D[];
  /** [Σ_n l_n, Σ_n l_n²] over the next n sampled inputs, l_n = ½(y(x_n) − y*(x_n))² (float32). */
  const batchSums = (n: number): tf.Tensor1D =>
    tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(rng.normals(n * d)), [n, d]);
      const y = dense(features(x, J, sStudent, k), w); // [n, 1]
      const yT = dense(features(x, K, sTeacher, kT), v);
      const l = tf.mul(tf.square(tf.sub(y, yT)), 0.5); // per-sample ½(y − y*)²
      return tf.stack([tf.sum(l), tf.sum(tf.square(l))]) as tf.Tensor1D;
    });
  return { batchSums, dispose: () => tf.dispose([J, w, K, v]) };
}

function monteCarloResult(
  model: ToyModel,
  theta: Float64Array,
  samples: number,
  sum: number,
  sumSq: number,
): ToyMonteCarloLoss {
  const mean = sum / samples;
  const variance = Math.max(0, sumSq / samples - mean * mean);
  const stdError = Math.sqrt(variance / samples);
  const exact = model.loss(theta) - 0.5 * model.config.noiseVar;
  return { exact, estimate: mean, stdError, z: (mean - exact) / stdError, samples, backend: tf.getBackend() };
}

/**
 * Monte Carlo loss at θ with `samples` seeded Gaussian inputs (batched to bound memory). Synchronous: wasm, cpu,
 * tensorflow; on webgpu use `monteCarloLossAsync` (same numbers).
 */
export function monteCarloLoss(
  model: ToyModel,
  theta: Float64Array,
  samples: number,
  seed: number,
  batch = 50_000,
): ToyMonteCarloLoss {
  const mc = monteCarloSetup(model, theta, seed);
  let sum = 0;
  let sumSq = 0;
  try {
    for (let done = 0; done < samples; done += batch) {
      const s = mc.batchSums(Math.min(batch, samples - done));
      try {
        const [a, b] = readFloat32Sync(s, "monteCarloLoss", "`await monteCarloLossAsync(…)`");
        sum += a;
        sumSq += b;
      } finally {
        s.dispose();
      }
    }
  } finally {
    mc.dispose();
  }
  return monteCarloResult(model, theta, samples, sum, sumSq);
}

/** `monteCarloLoss` with asynchronous reads: works on every backend, webgpu included. */
export async function monteCarloLossAsync(
  model: ToyModel,
  theta: Float64Array,
  samples: number,
  seed: number,
  batch = 50_000,
): Promise<ToyMonteCarloLoss> {
  const mc = monteCarloSetup(model, theta, seed);
  let sum = 0;
  let sumSq = 0;
  try {
    for (let done = 0; done < samples; done += batch) {
      const s = mc.batchSums(Math.min(batch, samples - done));
      try {
        const [a, b] = await readFloat32(s);
        sum += a;
        sumSq += b;
      } finally {
        s.dispose();
      }
    }
  } finally {
    mc.dispose();
  }
  return monteCarloResult(model, theta, samples, sum, sumSq);
}
