/**
 * Dense (fully connected) layer with a hand-written gradient.
 *
 *   y = x·W + b        x: [batch, in], W: [in, out], b: [out] → y: [batch, out]
 *
 * Why: tfjs' built-in gradient of `matMul` calls matMul with a transpose flag set, and the wasm backend sends a
 * matMul to XNNPACK only when neither flag is set; otherwise it runs a scalar triple loop (3–8× slower, see
 * stack.md). Here the transposes are explicit, so every matMul in the backward pass is a plain one:
 *
 *   dx = dy·Wᵀ      [batch, out]·[out, in]  → [batch, in]
 *   dW = xᵀ·dy      [in, batch]·[batch, out] → [in, out]
 *   db = Σ_batch dy                           → [out]
 *
 * The gradient is built from the op's inputs (x, W) and dy only, never from its output, so nested `tf.grad`
 * (Hessian-vector products) stays correct through it.
 */
import * as tf from "@tensorflow/tfjs";

type DenseFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

const denseWithBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  const value = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
    return [
      tf.matMul(dy, tf.transpose(ws)), // dx: [batch, in]
      tf.matMul(tf.transpose(xs), dy), // dW: [in, out]
      tf.sum(dy, 0), // db: [out]
    ];
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as DenseFn;

const denseNoBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  const value = tf.matMul(x, w) as tf.Tensor2D;
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
    return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy)];
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * `x·W (+ b)` with explicit-transpose gradients. Shapes: x [batch, in], W [in, out], b [out].
 * Throws with the offending shapes when they do not match.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(`dense: x [batch, in] and W [in, out] do not match: x ${JSON.stringify(x.shape)}, W ${JSON.stringify(w.shape)}`);
  }
  if (b === undefined) return denseNoBias(x, w);
  if (b.rank !== 1 || b.shape[0] !== w.shape[1]) {
    throw new Error(`dense: b must be [out] = [${w.shape[1]}], got ${JSON.stringify(b.shape)}`);
  }
  return denseWithBias(x, w, b);
}

/** The same computation through tfjs' built-in gradients; the reference the tests compare against. */
export function denseReference(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const y = tf.matMul(x, w);
  return (b === undefined ? y : tf.add(y, b)) as tf.Tensor2D;
}
