/**
 * Generalised Gauss–Newton products G v = Jᵀ H_out J v (Schraudolph 2002), with J = ∂f/∂θ the Jacobian of the
 * network outputs f(θ) [B, C] with respect to the selected parameters and H_out = ∂²ℓ/∂f² the Hessian of the loss
 * in the outputs. G is the Hessian minus the residual term Σ (∂ℓ/∂f)·∇²f, is positive semi-definite for convex ℓ,
 * and equals the Hessian wherever the residuals vanish (a zero-loss fit under MSE).
 *
 * J v by the double-backward trick (no forward mode in tfjs): for a dummy cotangent u [B, C],
 *   Jᵀu = ∇_θ ⟨u, f(θ)⟩  (one backward pass, recorded on the tape),  and  J v = ∇_u ⟨Jᵀu, v⟩  (linear in u, so u = 0).
 * Then H_out is applied in closed form, and Jᵀ(H_out J v) = ∇_θ ⟨H_out J v, f(θ)⟩ with the cotangent held constant.
 *
 * Output Hessians (per example i, s_i = softmax(z_i), r_i = Σ_c y_ic the label mass, 1 for one-hot labels):
 *   MSE, mean over all B·C entries   L = (1/(BC)) Σ (f − y)²         H_out u = (2/(BC)) u
 *   MSE, sum                         L = Σ (f − y)²                  H_out u = 2 u
 *   softmax CE, mean over the batch  L = (1/B) Σ_i Σ_c y_ic (lse(z_i) − z_ic)
 *                                    (H_out u)_i = (r_i/B) (s_i ⊙ u_i − s_i ⟨s_i, u_i⟩)
 * The reductions match the models' `meanSquaredError` and `softmaxCrossEntropy`.
 *
 * The network itself must be second-order safe (dense, relu, …; see hessian.ts); the loss never is differentiated
 * twice here, so any implementation of it is fine.
 */
import * as tf from "@tensorflow/tfjs";
import { concatFlat, CurvatureOperator, tensorCurvatureOperator } from "./operator";
import { ForwardFn, gradientsOf, listDot, ParamFilter, ParamLayout, ParamSet, selectedGrads } from "./params";

/** The loss in the outputs, for its Hessian H_out. */
export type OutputLoss =
  | { kind: "mse"; reduction?: "mean" | "sum" }
  | {
      kind: "softmax-ce";
      reduction?: "mean" | "sum";
      /** Soft or one-hot label rows [B, C] (only their row sums r_i matter); omitted = one-hot (r_i = 1). */
      labels?: tf.Tensor2D;
    }
  | {
      kind: "custom";
      /** (H_out u) for outputs z [B, C] and a direction u [B, C]; built from tf ops, called inside tf.tidy. */
      hessianProduct: (z: tf.Tensor2D, u: tf.Tensor2D) => tf.Tensor2D;
    };

export interface GaussNewtonOptions {
  /** Which parameters (default all). */
  filter?: ParamFilter;
}

/** H_out·u for outputs z [B, C] (closed forms in the module comment). Call inside tf.tidy. */
export function outputHessianProduct(output: OutputLoss, z: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  const [batch, classes] = z.shape;
  switch (output.kind) {
    case "mse": {
      const scale = output.reduction === "sum" ? 2 : 2 / (batch * classes);
      return tf.mul(u, scale) as tf.Tensor2D;
    }
    case "softmax-ce": {
      const s = tf.softmax(z); // forward value only, never differentiated here
      let hu = tf.sub(tf.mul(s, u), tf.mul(s, tf.sum(tf.mul(s, u), 1, true))) as tf.Tensor2D; // s⊙u − s⟨s,u⟩  [B, C]
      if (output.labels) {
        if (output.labels.shape[0] !== batch)
          throw new Error(`gaussNewton: ${output.labels.shape[0]} label rows for ${batch} outputs`);
        hu = tf.mul(hu, tf.sum(output.labels, 1, true)) as tf.Tensor2D; // × r_i
      }
      return (output.reduction === "sum" ? hu : tf.div(hu, batch)) as tf.Tensor2D;
    }
    case "custom":
      return output.hessianProduct(z, u);
  }
}

/**
 * J v [B, C] for v given per slice: ∇_u ⟨∇_θ⟨u, f(θ)⟩, v⟩ at u = 0 (see the module comment). Call inside tf.tidy.
 */
export function jacobianVectorProduct(
  forward: ForwardFn,
  set: ParamSet,
  layout: ParamLayout,
  v: readonly tf.Tensor[],
): tf.Tensor2D {
  const z = forward(set.tensors.slice());
  const u = tf.zerosLike(z);
  const { grads } = gradientsOf(() => {
    const vjp = selectedGrads(layout, set.tensors, (params) => tf.sum(tf.mul(u, forward(params))) as tf.Scalar);
    return listDot(vjp, v);
  }, [u]);
  return grads[0] as tf.Tensor2D;
}

/** Jᵀ w (flat, slice order) for a cotangent w [B, C]. Call inside tf.tidy. */
export function vectorJacobianProduct(
  forward: ForwardFn,
  set: ParamSet,
  layout: ParamLayout,
  w: tf.Tensor2D,
): tf.Tensor1D {
  return concatFlat(selectedGrads(layout, set.tensors, (params) => tf.sum(tf.mul(w, forward(params))) as tf.Scalar));
}

/**
 * The generalised Gauss–Newton matrix Jᵀ H_out J of the filtered parameters at their current values, as a
 * `SymOperator` (float32 products, float64 vectors). `forward` gives the outputs [B, C] on a fixed batch.
 */
export function gaussNewtonOperator(
  forward: ForwardFn,
  set: ParamSet,
  output: OutputLoss,
  options: GaussNewtonOptions = {},
): CurvatureOperator {
  return tensorCurvatureOperator("gauss-newton", "gaussNewtonOperator", set, options.filter, (v, layout) => {
    const jv = jacobianVectorProduct(forward, set, layout, v); // [B, C]
    const z = forward(set.tensors.slice());
    const hjv = outputHessianProduct(output, z, jv); // H_out J v  [B, C]
    return vectorJacobianProduct(forward, set, layout, hjv); // Jᵀ H_out J v
  });
}
