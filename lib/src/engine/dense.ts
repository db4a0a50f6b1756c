/**
 * Dense (fully connected) layer with a hand-written gradient.
 *
 *   y = x·W + b        x: [batch, in], W: [in, out], b: [out] → y: [batch, out]
 *
 * Why: tfjs' built-in gradient of `matMul` calls matMul with a transpose flag set, and the wasm backend sends a
 * matMul to XNNPACK only when neither flag is set; otherwise it runs a scalar triple loop (3–8× slower, see
 * docs/stack.md#matmul-gradient-speed-trap). Here the transposes are explicit, so every matMul in the backward pass is a plain one:
 *
 *   dx = dy·Wᵀ      [batch, out]·[out, in]  → [batch, in]
 *   dW = xᵀ·dy      [in, batch]·[batch, out] → [in, out]
 *   db = Σ_batch dy                           → [out]
 *
 * The gradient is built from the op's inputs (x, W) and dy only, never from its output, so nested `tf.grad`
 * (Hessian-vector products) stays correct through it.
 *
 * When the wasm backend's matMul runs on OpenBLAS (engine/wasm-accel.ts), transpose flags cost nothing: `dense` then
 * uses tfjs' own `matMul`, whose gradient (also built from the inputs only) passes the flags to BLAS instead of
 * copying transposes, and is evaluated lazily per input, so the input layer's dx, which no parameter needs, is never
 * computed. Both routes give the same products to float32 round-off (tests/engine/dense.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { wasmAccelStatus } from "./wasm-accel";

type MatMul2D = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * a·b whose gradient is again built from `matMulExplicit` with explicit transposes, at every order: the
 * backward pass of a Hessian-vector product (the gradient of the gradient) also stays on plain matMuls.
 *
 *   d(a·b) = da·b + a·db   ⇒   ∂/∂a = dy·bᵀ,  ∂/∂b = aᵀ·dy
 */
export const matMulExplicit: MatMul2D = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  const value = tf.matMul(a, b) as tf.Tensor2D;
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
    const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
    return [
      matMulExplicit(dy, tf.transpose(bs) as tf.Tensor2D), // ∂/∂a: [m, k]
      matMulExplicit(tf.transpose(as) as tf.Tensor2D, dy), // ∂/∂b: [k, n]
    ];
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as MatMul2D;

/**
 * Whether `dense` takes the explicit-transpose route: always, except on the wasm backend while BLAS serves its
 * matMuls. (The other backends keep the route they had, so their results do not move.)
 */
function explicitRoute(): boolean {
  if (tf.getBackend() !== "wasm") return true;
  const st = wasmAccelStatus();
  return !(st.blas !== null && st.kernels.includes("BatchMatMul"));
}

/**
 * `x·W (+ b)` with explicit-transpose gradients. Shapes: x [batch, in], W [in, out], b [out].
 * Throws with the offending shapes when they do not match.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(
      `dense: x [batch, in] and W [in, out] do not match: x ${JSON.stringify(x.shape)}, W ${JSON.stringify(w.shape)}`,
    );
  }
  const mm = explicitRoute() ? matMulExplicit : (a: tf.Tensor2D, c: tf.Tensor2D) => tf.matMul(a, c) as tf.Tensor2D;
  if (b === undefined) return mm(x, w);
  if (b.rank !== 1 || b.shape[0] !== w.shape[1]) {
    throw new Error(`dense: b must be [out] = [${w.shape[1]}], got ${JSON.stringify(b.shape)}`);
  }
  // tf.add broadcasts b over the batch; its gradient is the sum over rows, db = Σ_batch dy.
  return tf.add(mm(x, w), b) as tf.Tensor2D;
}

/** The same computation through tfjs' built-in gradients; the reference the tests compare against. */
export function denseReference(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const y = tf.matMul(x, w);
  return (b === undefined ? y : tf.add(y, b)) as tf.Tensor2D;
}
