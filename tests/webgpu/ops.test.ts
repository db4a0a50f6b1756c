/**
 * The lib's custom-gradient ops on the test backend (webgpu with SKIPLAB_TEST_BACKEND=webgpu, else wasm), read
 * asynchronously: the explicit-transpose Dense gradient (engine/dense.ts) against a float64 reference and against tfjs'
 * built-in gradient, and the second-order-safe loss and activations (models/loss.ts, activations.ts) through nested
 * tf.grad against central finite differences. Sizes go past 1000 entries so that, on webgpu, the work runs on the
 * device rather than tfjs' small-tensor CPU hand-off.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { readFloat32 } from "../../lib/src/engine/read";
import { expSafe, sigmoidSafe, softmaxCrossEntropy, tanhSafe } from "../../lib/src/models";
import { dense, denseReference } from "../../lib/src/engine/dense";
import { Rng } from "../../lib/src/util/random";
import { TOL, initTestBackend, matmul64, normals, relErr, testBackend } from "./helpers";

/** ∇(∇f·v) by nested tf.grad. */
function hvp(f: (z: tf.Tensor) => tf.Scalar, z: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(zz), v)))(z);
}
/** (∇f(z + hv) − ∇f(z − hv)) / 2h. */
function fdHvp(f: (z: tf.Tensor) => tf.Scalar, z: tf.Tensor, v: tf.Tensor, h = 1e-2): tf.Tensor {
  const g = tf.grad(f);
  return tf.div(tf.sub(g(tf.add(z, tf.mul(v, h))), g(tf.sub(z, tf.mul(v, h)))), 2 * h);
}

describe(`custom-gradient ops on ${testBackend()}`, () => {
  beforeAll(async () => {
    await initTestBackend();
  });

  it("dense: forward and gradients equal a float64 reference and tfjs' built-in gradients", async () => {
    const rng = new Rng(7);
    for (const [B, nin, nout] of [
      [5, 3, 4],
      [128, 256, 100],
    ]) {
      const xs = normals(rng, B * nin);
      const ws = normals(rng, nin * nout);
      const bs = normals(rng, nout);
      const rs = normals(rng, B * nout); // cotangent: loss = Σ r ⊙ y, so dy = r
      const [x, w, b, r] = [
        tf.tensor2d(xs, [B, nin]),
        tf.tensor2d(ws, [nin, nout]),
        tf.tensor1d(bs),
        tf.tensor2d(rs, [B, nout]),
      ];
      const before = tf.memory().numTensors;
      const f = (fn: typeof dense) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(r, fn(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D)));
      const y = tf.tidy(() => dense(x, w, b));
      const ours = tf.grads(f(dense))([x, w, b]);
      const builtin = tf.grads(f(denseReference))([x, w, b]);
      // float64 references: y = x·W + b;  dx = r·Wᵀ;  dW = xᵀ·r;  db = Σ_batch r
      const y64 = matmul64(xs, ws, B, nin, nout).map((v, i) => v + bs[i % nout]);
      const dx64 = matmul64(rs, ws, B, nout, nin, { tb: true });
      const dw64 = matmul64(xs, rs, nin, B, nout, { ta: true });
      const db64 = new Float64Array(nout);
      rs.forEach((v, i) => (db64[i % nout] += v));
      expect(await relErr(y, y64), `y ${B}×${nin}×${nout}`).toBeLessThan(TOL.float64);
      for (const [k, ref] of [dx64, dw64, db64].entries()) {
        expect(await relErr(ours[k], ref), `grad ${k}`).toBeLessThan(TOL.float64);
        expect(await relErr(ours[k], builtin[k]), `grad ${k} vs built-in`).toBeLessThan(TOL.sameBackend);
      }
      tf.dispose([y, ...ours, ...builtin]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w, b, r]);
    }
  });

  it("dense: nested-grad HVPs equal the built-in gradient's and finite differences", async () => {
    const rng = new Rng(11);
    const x = tf.tensor2d(normals(rng, 64 * 24), [64, 24]);
    const w = tf.tensor2d(normals(rng, 24 * 48, 0.3), [24, 48]);
    const b = tf.tensor1d(normals(rng, 48));
    const v = tf.tensor2d(normals(rng, 24 * 48, 0.2), [24, 48]); // small: central differences' O(h²) error stays ≪ tolerance
    // loss(W) = Σ tanh(xW + b)² / B: smooth, so finite differences are meaningful
    const loss = (fn: typeof dense) => (ww: tf.Tensor) =>
      tf.div(tf.sum(tf.square(tanhSafe(fn(x, ww as tf.Tensor2D, b)))), 64) as tf.Scalar;
    const ours = tf.tidy(() => hvp(loss(dense), w, v));
    const builtin = tf.tidy(() => hvp(loss(denseReference), w, v));
    const fd = tf.tidy(() => fdHvp(loss(dense), w, v));
    expect(await relErr(ours, builtin)).toBeLessThan(1e-4);
    expect(await relErr(ours, fd)).toBeLessThan(TOL.hvpFd);
    tf.dispose([x, w, b, v, ours, builtin, fd]);
  });

  it("softmax cross-entropy: value and gradient equal tfjs' built-in; nested-grad HVP equals finite differences", async () => {
    const rng = new Rng(31);
    const B = 32;
    const C = 40; // 1280 logits
    const labels = Int32Array.from({ length: B }, () => rng.int(C));
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), C).toFloat() as tf.Tensor2D);
    const z = tf.tensor2d(normals(rng, B * C, 1.5), [B, C]);
    const v = tf.tensor2d(normals(rng, B * C), [B, C]);
    const ours = (zz: tf.Tensor) => softmaxCrossEntropy(zz as tf.Tensor2D, y);
    const builtin = (zz: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, zz) as tf.Scalar;
    const got = tf.tidy(() => [
      ours(z),
      builtin(z),
      tf.grad(ours)(z),
      tf.grad(builtin)(z),
      softmaxCrossEntropy(z as tf.Tensor2D, tf.tensor1d(labels, "int32")),
    ]);
    expect(await relErr(got[0], got[1])).toBeLessThan(1e-5);
    expect(await relErr(got[2], got[3])).toBeLessThan(1e-5);
    expect(await relErr(got[4], got[0])).toBeLessThan(1e-6); // integer labels = one-hot rows
    const big = tf.tidy(() => softmaxCrossEntropy(tf.mul(z, 1e3) as tf.Tensor2D, y));
    expect(Number.isFinite((await readFloat32(big))[0])).toBe(true);
    const h = tf.tidy(() => hvp(ours, z, v));
    const fd = tf.tidy(() => fdHvp(ours, z, v));
    expect(await relErr(h, fd)).toBeLessThan(TOL.hvpFd);
    tf.dispose([...got, big, h, fd, y, z, v]);
  });

  it("expSafe, tanhSafe, sigmoidSafe: nested-grad HVPs equal finite differences", async () => {
    const rng = new Rng(5);
    const z = tf.tensor2d(normals(rng, 40 * 30, 0.8), [40, 30]);
    const v = tf.tensor2d(normals(rng, 40 * 30), [40, 30]);
    const w = tf.tensor2d(normals(rng, 40 * 30), [40, 30]); // f(z) = Σ w ⊙ act(z)²: a non-trivial Hessian
    for (const [name, act] of [
      ["exp", expSafe],
      ["tanh", tanhSafe],
      ["sigmoid", sigmoidSafe],
    ] as const) {
      const f = (zz: tf.Tensor) => tf.sum(tf.mul(w, tf.square(act(zz)))) as tf.Scalar;
      const h = tf.tidy(() => hvp(f, z, v));
      const fd = tf.tidy(() => fdHvp(f, z, v));
      expect(await relErr(h, fd), name).toBeLessThan(TOL.hvpFd);
      tf.dispose([h, fd]);
    }
    tf.dispose([z, v, w]);
  });
});
