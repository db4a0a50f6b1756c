/**
 * The training loss and the custom activations must be right at first order (equal to tfjs' built-ins) and at second
 * order (nested tf.grad Hessian-vector products equal central finite differences of the gradient), because the
 * curvature metrics differentiate them twice. tfjs' own softmax cross-entropy fails the second check (docs/stack.md#second-order-gradients).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { expSafe, sigmoidSafe, softmaxCrossEntropy, softmaxSafe, tanhSafe } from "../../lib/src/models";
import { Rng } from "../../lib/src/util/random";

/** float32 first-order agreement with tfjs' built-ins. */
const FIRST_ORDER_REL = 1e-5;
/** HVP vs central differences with step h = 1e-2 in float32: truncation O(h²) plus round-off ~ε/h. */
const HVP_REL = 3e-3;

function randn(rng: Rng, shape: number[], std = 1): tf.Tensor {
  return tf.tensor(
    Float32Array.from(
      rng.normals(
        shape.reduce((a, b) => a * b, 1),
        0,
        std,
      ),
    ),
    shape,
  );
}
function rel(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-30, tf.max(tf.abs(b)).dataSync()[0]));
}

/** ∇(∇f·v) by nested tf.grad. */
function hvp(f: (z: tf.Tensor) => tf.Scalar, z: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(zz), v)))(z);
}
/** (∇f(z + hv) − ∇f(z − hv)) / 2h. */
function fdHvp(f: (z: tf.Tensor) => tf.Scalar, z: tf.Tensor, v: tf.Tensor, h = 1e-2): tf.Tensor {
  const g = tf.grad(f);
  return tf.div(tf.sub(g(tf.add(z, tf.mul(v, h))), g(tf.sub(z, tf.mul(v, h)))), 2 * h);
}

describe("second-order-safe losses and activations", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  const rng = new Rng(31);
  const B = 6;
  const C = 5;
  const labels = Int32Array.from({ length: B }, () => rng.int(C));

  it("softmax cross-entropy: value and gradient equal tf.losses.softmaxCrossEntropy", () => {
    tf.tidy(() => {
      const z = randn(rng, [B, C], 2) as tf.Tensor2D;
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), C).toFloat() as tf.Tensor2D;
      const ours = (zz: tf.Tensor) => softmaxCrossEntropy(zz as tf.Tensor2D, y);
      const builtin = (zz: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, zz) as tf.Scalar;
      expect(rel(ours(z), builtin(z))).toBeLessThan(FIRST_ORDER_REL);
      expect(rel(tf.grad(ours)(z), tf.grad(builtin)(z))).toBeLessThan(FIRST_ORDER_REL);
      // integer labels give the same loss as one-hot rows
      expect(rel(softmaxCrossEntropy(z, tf.tensor1d(labels, "int32")), ours(z))).toBeLessThan(1e-7);
      // stable for large logits
      const big = tf.mul(z, 1e3) as tf.Tensor2D;
      expect(Number.isFinite(softmaxCrossEntropy(big, y).dataSync()[0])).toBe(true);
    });
  });

  it("softmax cross-entropy: nested-grad HVP equals finite differences of the gradient (tfjs' built-in does not)", () => {
    const errors: number[] = [];
    let builtinError = 0;
    for (let trial = 0; trial < 3; trial++) {
      tf.tidy(() => {
        const z = randn(rng, [B, C], 1.5);
        const v = randn(rng, [B, C]);
        const y = tf.oneHot(tf.tensor1d(labels, "int32"), C).toFloat() as tf.Tensor2D;
        const ours = (zz: tf.Tensor) => softmaxCrossEntropy(zz as tf.Tensor2D, y);
        const fd = fdHvp(ours, z, v);
        errors.push(rel(hvp(ours, z, v), fd));
        const builtin = (zz: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, zz) as tf.Scalar;
        try {
          builtinError = Math.max(builtinError, rel(hvp(builtin, z, v), fd));
        } catch {
          builtinError = Infinity; // "Cannot compute gradient": its gradient is not even connected to z
        }
      });
    }
    for (const e of errors) expect(e).toBeLessThan(HVP_REL);
    // The trap this op exists for: documented in docs/stack.md#second-order-gradients (70–350 % error). If tfjs ever fixes it, this line says so.
    expect(builtinError).toBeGreaterThan(0.1);
  });

  it("softmaxSafe, expSafe, tanhSafe, sigmoidSafe: first order equals tfjs, second order equals finite differences", () => {
    tf.tidy(() => {
      const w = randn(rng, [B, C]); // a fixed cotangent: f(z) = Σ w ⊙ op(z)
      const ops: [string, (z: tf.Tensor) => tf.Tensor, (z: tf.Tensor) => tf.Tensor][] = [
        ["softmax", (z) => softmaxSafe(z as tf.Tensor2D), (z) => tf.softmax(z)],
        ["exp", expSafe, tf.exp],
        ["tanh", tanhSafe, tf.tanh],
        ["sigmoid", sigmoidSafe, tf.sigmoid],
      ];
      for (const [name, safe, builtin] of ops) {
        const z = randn(rng, [B, C]);
        const v = randn(rng, [B, C]);
        const f = (zz: tf.Tensor) => tf.sum(tf.mul(w, safe(zz))) as tf.Scalar;
        const g = (zz: tf.Tensor) => tf.sum(tf.mul(w, builtin(zz))) as tf.Scalar;
        expect(rel(safe(z), builtin(z)), name).toBeLessThan(FIRST_ORDER_REL);
        expect(rel(tf.grad(f)(z), tf.grad(g)(z)), name).toBeLessThan(FIRST_ORDER_REL);
        expect(rel(hvp(f, z, v), fdHvp(f, z, v)), name).toBeLessThan(HVP_REL);
      }
    });
  });

  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const z = randn(rng, [B, C]);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), C).toFloat() as tf.Tensor2D;
      hvp((zz) => softmaxCrossEntropy(zz as tf.Tensor2D, y), z, randn(rng, [B, C]));
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
