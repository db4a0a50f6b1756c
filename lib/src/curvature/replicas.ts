/**
 * The exact Hessian of one layer's weight matrix, with many Hessian-vector products per pass.
 *
 * `assembleOperator` spends one nested-gradient pass per column: n = fanIn·fanOut passes, each tiny for a narrow
 * MLP, so the cost is tfjs' per-op overhead, ~4 ms per column for a 20 × 16 net on 128 probes. Here the network is
 * evaluated as k copies that differ only in that layer's matrix (`ForwardOptions.replicate`): the probe batch is
 * stacked k times, copy j gets its own W_j (all equal to W), and
 *
 *   L(W_1…W_k) = Σ_j L_j(W_j),   L_j the probe loss of copy j,   so   ∂/∂W_j Σ_i ⟨∇L_i(W_i), v_i⟩ = H v_j.
 *
 * With v_j = e_(c+j), one pass gives k columns of H. The tensors are k times larger, so the cost follows the FLOPs
 * instead of the op count: the 256 columns of that 16×16 block take one pass instead of 256.
 *
 * The loss must be a mean over the batch (softmax cross-entropy, mean squared error): the stacked batch's loss is then
 * (1/k) Σ_j L_j, and it is multiplied by k. The products are the same products as the column-by-column assembly, in
 * another summation order (float32 round-off apart: tests/curvature/replicas.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { ForwardOptions, ForwardResult } from "../models/network";
import { type AssembledMatrix, assembledFromRaw } from "./exact";
import { gradientsOf } from "./params";

/** What the replicated evaluation needs from a model. */
export interface ReplicableModel {
  layers: ReadonlyArray<{ name: string; W: tf.Tensor | null }>;
  forward(x: tf.Tensor2D, options?: ForwardOptions): ForwardResult;
  loss(output: tf.Tensor2D, target: tf.Tensor1D | tf.Tensor2D): tf.Scalar;
}

export interface LayerHessianOptions {
  /** Most stacked rows per pass, k·B (default 16384; memory grows with it). */
  maxRows?: number;
  onProgress?: (done: number, n: number) => void;
}

/**
 * Assembles the Hessian of the probe loss with respect to `layer`'s W (row-major vec(W), the ParamSet order of "Lk.W"),
 * other parameters fixed, from batched products (module comment). Returns the same `AssembledMatrix` as
 * `assembleOperator`, so `eigh` and the noise floor apply unchanged.
 */
export function assembleLayerHessian(
  model: ReplicableModel,
  probe: { x: tf.Tensor2D; y: tf.Tensor1D | tf.Tensor2D },
  layer: string,
  options: LayerHessianOptions = {},
): AssembledMatrix {
  const t0 = performance.now();
  const W = model.layers.find((l) => l.name === layer)?.W;
  if (!W || W.rank !== 2)
    throw new Error(`assembleLayerHessian: the model has no layer "${layer}" with a weight matrix`);
  const [fanIn, fanOut] = W.shape as [number, number];
  const n = fanIn * fanOut;
  const B = probe.x.shape[0];
  const k = Math.max(1, Math.min(n, Math.floor((options.maxRows ?? 16384) / B)));
  const raw = new Float64Array(n * n);
  for (let c0 = 0; c0 < n; c0 += k) {
    const kk = Math.min(k, n - c0);
    const cols = tf.tidy(() => {
      const xs = tf.tile(probe.x, [kk, 1]) as tf.Tensor2D;
      const ys = (probe.y.rank === 1 ? tf.tile(probe.y, [kk]) : tf.tile(probe.y, [kk, 1])) as tf.Tensor1D | tf.Tensor2D;
      const W3 = tf.tile(tf.expandDims(W, 0), [kk, 1, 1]) as tf.Tensor3D;
      // v_j = e_(c0+j): one-hot rows of an [kk, n] identity block (cast: tfjs-wasm's oneHot with dtype "float32"
      // writes the int32 bit patterns, 1 → 1.4e-45)
      const V = tf.reshape(tf.cast(tf.oneHot(tf.range(c0, c0 + kk, 1, "int32"), n), "float32"), [kk, fanIn, fanOut]);
      const loss = (w: tf.Tensor) =>
        tf.mul(
          model.loss(
            model.forward(xs, { training: false, updateStats: false, replicate: { layer, W: w as tf.Tensor3D } })
              .output,
            ys,
          ),
          kk,
        ) as tf.Scalar;
      // ⟨∇L(W3), V⟩ stays on the tape; its gradient is the k products (as in hessian.ts' hvpTensors)
      const [hv] = gradientsOf(
        () => tf.sum(tf.mul(gradientsOf(() => loss(W3), [W3]).grads[0], V)) as tf.Scalar,
        [W3],
      ).grads;
      return tf.reshape(hv, [kk, n]);
    });
    const data = cols.dataSync();
    cols.dispose();
    // row j of `cols` is H e_(c0+j), column c0+j of H
    for (let j = 0; j < kk; j++) for (let i = 0; i < n; i++) raw[i * n + c0 + j] = data[j * n + i];
    options.onProgress?.(c0 + kk, n);
  }
  return assembledFromRaw(raw, n, (performance.now() - t0) / 1000, true);
}
