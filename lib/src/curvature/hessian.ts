/**
 * Hessian-vector products by nested reverse-mode differentiation ("double backprop", Pearlmutter 1994):
 *
 *   H v = ∇_θ ⟨∇_θ L(θ), v⟩            θ = the selected parameters, the others held fixed
 *
 * Inner pass: the gradient g(θ) = ∇_θ L, recorded on the tape (tfjs records the backward ops of an inner gradient
 * when an outer one is active). Outer pass: the gradient of the scalar ⟨g(θ), v⟩ (v a constant).
 *
 * Cost (bench/curvature.mjs, wasm, batch 256, 11k–100k parameters): 3–4 gradients per product with the OpenBLAS
 * kernels of engine/wasm-accel.ts, but 8–11 with tfjs' own wasm kernels: the outer pass differentiates the backward
 * matMuls of engine/dense.ts through tfjs' built-in MatMul gradient, whose transposed matMuls miss XNNPACK (the speed trap of
 * docs/stack.md#matmul-gradient-speed-trap, one order up). A dense op whose gradient is explicit-transpose at every order brings it to 3–4.
 *
 * **Correctness needs second-order-safe ops in the loss.** tfjs' own gradients of softmaxCrossEntropy, logSoftmax,
 * exp, tanh and sigmoid reuse the op's output and give silently wrong second derivatives (docs/stack.md#second-order-gradients, tfjs #3252).
 * Build the loss from `dense` (engine/dense.ts), relu, matMul, add, pow, and the models' `softmaxCrossEntropy` /
 * `*Safe` activations (customGrad with gradients rebuilt from the inputs). The tests check every product against
 * central differences of the gradient (`finiteDifferenceHessianOperator`) for exactly this reason.
 */
import * as tf from "@tensorflow/tfjs";
import { concatFlat, CurvatureOperator, tensorCurvatureOperator } from "./operator";
import { listDot, LossFn, ParamFilter, ParamLayout, ParamSet, selectedGrads } from "./params";

export interface HessianOperatorOptions {
  /** Which parameters (default all); the others are held fixed. */
  filter?: ParamFilter;
}

/**
 * The Hessian of `loss` with respect to the filtered parameters, at their current values, as a `SymOperator` on flat
 * float64 vectors (products computed in float32 by tfjs). Reads the parameters at every product, so after a
 * training step the same operator gives the new Hessian. Leaves no tensors behind.
 */
export function hessianOperator(loss: LossFn, set: ParamSet, options: HessianOperatorOptions = {}): CurvatureOperator {
  return tensorCurvatureOperator("hessian", "hessianOperator", set, options.filter, (v, layout) =>
    hvpTensors(loss, set, layout, v),
  );
}

/** H·v as one flat tensor, for v given per slice. Call inside tf.tidy. */
export function hvpTensors(loss: LossFn, set: ParamSet, layout: ParamLayout, v: readonly tf.Tensor[]): tf.Tensor1D {
  // ⟨∇L(θ), v⟩ is still a function of θ on the tape; its gradient is H v
  return concatFlat(selectedGrads(layout, set.tensors, (params) => listDot(selectedGrads(layout, params, loss), v)));
}
