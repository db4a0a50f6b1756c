/**
 * BatchNorm as one oneDNN kernel on wasm (engine/norm.ts) against the op-by-op BatchNorm of models/batchnorm.ts:
 * the output and batch statistics, the gradients (oneDNN's backward pass), and second order (the backward pass
 * rebuilt from the inputs while a higher-order gradient is recorded).
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { fusedBatchNorm, installBatchNormKernels, restoreBatchNormKernels } from "../../lib/src/engine/norm";
import { loadOneDnn } from "../../lib/src/engine/onednn";
import { BN_EPS, batchNorm, createBatchNorm } from "../../lib/src/models/batchnorm";
import { Rng } from "../../lib/src/util/random";
import { needs } from "../support/requirements";

const needsDnnl = needs(loadOneDnn() !== null, "oneDNN 2.x (Debian: libdnnl2)");

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

describe("one-kernel BatchNorm on wasm equals the op-by-op BatchNorm", () => {
  const N = 300;
  const C = 7;
  let x: tf.Tensor2D;
  let gamma: tf.Variable;
  let beta: tf.Variable;
  let w: tf.Tensor2D;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    installBatchNormKernels();
    const rng = new Rng(2);
    x = tf.tensor2d(
      Float32Array.from(rng.normals(N * C), (v, i) => 3 * v + (i % C)),
      [N, C],
    );
    w = tf.tensor2d(Float32Array.from(rng.normals(N * C)), [N, C]);
    gamma = tf.variable(tf.tensor1d(Float32Array.from(rng.normals(C), (v) => 1 + 0.3 * v)));
    beta = tf.variable(tf.tensor1d(Float32Array.from(rng.normals(C))));
  });
  afterAll(() => {
    restoreBatchNormKernels();
    tf.dispose([x, w, gamma, beta]);
  });

  /** A smooth loss of the normalised output: Σ w·y + Σ y³/10 (so the Hessian is not trivial). */
  const lossWith = (fused: boolean) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const p = { ...createParams(), gamma: g, beta: b } as unknown as Parameters<typeof batchNorm>[1];
    const y = batchNorm(xx as tf.Tensor2D, p, true, false, { fused });
    return tf.add(tf.sum(tf.mul(w, y)), tf.div(tf.sum(tf.pow(y, 3)), 10)) as tf.Scalar;
  };
  let stats: ReturnType<typeof createBatchNorm> | null = null;
  const createParams = () => (stats ??= createBatchNorm(C, "norm-test"));

  needsDnnl("output, batch mean and biased variance", () => {
    const got = fusedBatchNorm(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, BN_EPS);
    const ref = batchNorm(x, { ...createParams(), gamma, beta }, true, false);
    expect(relErr(got.y.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
    const { mean: m, variance: v } = tf.moments(x, 0);
    expect(relErr(got.mean.dataSync(), m.dataSync())).toBeLessThan(1e-6);
    expect(relErr(got.variance.dataSync(), v.dataSync())).toBeLessThan(1e-5);
    tf.dispose([got.y, got.mean, got.variance, ref, m, v]);
  });

  needsDnnl("gradients with respect to x, γ and β (oneDNN's backward pass)", () => {
    const a = tf.grads(lossWith(true))([x, gamma, beta]);
    const b = tf.grads(lossWith(false))([x, gamma, beta]);
    a.forEach((g, i) => expect(relErr(g.dataSync(), b[i].dataSync()), `input ${i}`).toBeLessThan(1e-5));
    tf.dispose([...a, ...b]);
  });

  needsDnnl("Hessian-vector products in x and γ (the backward pass differentiated again)", () => {
    const rng = new Rng(9);
    const vx = tf.tensor2d(Float32Array.from(rng.normals(N * C)), [N, C]);
    const vg = tf.tensor1d(Float32Array.from(rng.normals(C)));
    const hvp = (fused: boolean) =>
      tf.grads((xx: tf.Tensor, g: tf.Tensor) => {
        const [gx, gg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => lossWith(fused)(a, b, beta))([xx, g]);
        return tf.add(tf.sum(tf.mul(gx, vx)), tf.sum(tf.mul(gg, vg))) as tf.Scalar;
      })([x, gamma]);
    const a = hvp(true);
    const b = hvp(false);
    a.forEach((g, i) => expect(relErr(g.dataSync(), b[i].dataSync()), `block ${i}`).toBeLessThan(1e-4));
    tf.dispose([...a, ...b, vx, vg]);
  });
});
