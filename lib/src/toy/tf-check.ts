/**
 * An independent route to the toy loss: a Monte Carlo estimate computed with TensorFlow.js on the active backend
 * (float32, sampled inputs, the lib's `dense` op), to check the closed-form float64 expectations the dynamics use.
 *
 *   L̂ = ½ mean_n (y(x_n) − y*(x_n))²,   x_n ~ N(0, I_d),   s.e. = std_n(½(y − y*)²) / √N
 */
import * as tf from "@tensorflow/tfjs";
import { dense } from "../ops/dense";
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

/** Monte Carlo loss at θ with `samples` seeded Gaussian inputs (batched to bound memory). */
export function toyMonteCarloLoss(model: ToyModel, theta: Float64Array, samples: number, seed: number, batch = 50_000): ToyMonteCarloLoss {
  const { d, k } = model;
  const cfg = model.config;
  const sStudent = cfg.arch === "residual" ? cfg.skipScale : 0;
  const tArch = cfg.teacher.arch === "student" ? cfg.arch : cfg.teacher.arch;
  const sTeacher = tArch === "residual" ? cfg.skipScale : 0;
  const kT = cfg.teacher.v.length;
  const rng = new Rng(subSeed(seed, "toy-monte-carlo"));
  let sum = 0;
  let sumSq = 0;
  tf.tidy(() => {
    const J = tf.tensor2d(Float32Array.from(theta.subarray(0, k * d)), [k, d]);
    const w = tf.tensor2d(Float32Array.from(theta.subarray(k * d, k * d + k)), [k, 1]);
    const K = tf.tensor2d(cfg.teacher.K.flat(), [kT, d]);
    const v = tf.tensor2d(cfg.teacher.v, [kT, 1]);
    for (let done = 0; done < samples; done += batch) {
      const n = Math.min(batch, samples - done);
      const x = tf.tensor2d(Float32Array.from(rng.normals(n * d)), [n, d]);
      const y = dense(features(x, J, sStudent, k), w as tf.Tensor2D); // [n, 1]
      const yT = dense(features(x, K, sTeacher, kT), v as tf.Tensor2D);
      const l = tf.mul(tf.square(tf.sub(y, yT)), 0.5); // per-sample ½(y − y*)²
      sum += tf.sum(l).dataSync()[0];
      sumSq += tf.sum(tf.square(l)).dataSync()[0];
      tf.dispose([x, y, yT, l]);
    }
  });
  const mean = sum / samples;
  const variance = Math.max(0, sumSq / samples - mean * mean);
  const stdError = Math.sqrt(variance / samples);
  const exact = model.loss(theta) - 0.5 * cfg.noiseVar;
  return { exact, estimate: mean, stdError, z: (mean - exact) / stdError, samples, backend: tf.getBackend() };
}
