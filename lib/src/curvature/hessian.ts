/**
 * Hessian-vector products by nested reverse-mode differentiation ("double backprop", Pearlmutter 1994):
 *
 *   H v = ∇_θ ⟨∇_θ L(θ), v⟩            θ = the selected parameters, the others held fixed
 *
 * Inner pass: the gradient g(θ) = ∇_θ L, recorded on the tape (tfjs records the backward ops of an inner gradient
 * when an outer one is active). Outer pass: the gradient of the scalar ⟨g(θ), v⟩ (v a constant).
 *
 * **Reuse** (default): the inner pass depends on θ only, so `hessianOperator` records it once per parameter point
 * (curvature/tape.ts `recordGradientTape`) and each product is the outer pass alone, a reverse sweep of that record
 * seeded with v, as PyHessian reuses its graph. The record is made again when a parameter's data change (a training
 * step, an assign) and freed by `release()`, which the algorithms of spectra/ and `assembleOperator` call when they
 * finish (an operator dropped without it has its record freed when it is garbage-collected). `reuseTape: false`
 * recomputes both passes per product.
 *
 * Cost (bench/hessian.mjs; wasm, one core, MLPs of 83k and 592k parameters, batch 512): a replayed product is
 * 1.6–1.9 gradients (PyTorch on a reused graph: 1.3–1.7), a recomputed one 2.6–2.9 (PyTorch from scratch: 2.3–2.8),
 * both with the OpenBLAS kernels of engine/wasm-accel.ts, which the operators install (`ensureFastKernels`). With
 * tfjs' own wasm kernels a recomputed product is 5.5–5.7 gradients: their transposed matMuls miss XNNPACK
 * (docs/stack.md#matmul-gradient-speed-trap, one order up).
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
import { type GradientTape, recordGradientTape } from "./tape";

export interface HessianOperatorOptions {
  /** Which parameters (default all); the others are held fixed. */
  filter?: ParamFilter;
  /**
   * Record the gradient once per parameter point and replay it for every product (default true; module comment).
   * false: every product recomputes the forward pass and the gradient.
   */
  reuseTape?: boolean;
}

/**
 * The Hessian of `loss` with respect to the filtered parameters, at their current values, as a `SymOperator` on flat
 * float64 vectors (products computed in float32 by tfjs). Reads the parameters at every product, so after a
 * training step the same operator gives the new Hessian. Leaves no tensors behind.
 */
export function hessianOperator(loss: LossFn, set: ParamSet, options: HessianOperatorOptions = {}): CurvatureOperator {
  const reuse = options.reuseTape ?? true;
  // the record lives in a box that the product and `release` share, and that a finalizer frees when the operator is
  // dropped without `release` (the box must not refer to the operator)
  const box: { tape: GradientTape | null } = { tape: null };
  const op = tensorCurvatureOperator("hessian", "hessianOperator", set, options.filter, (v, layout) => {
    if (!reuse) return hvpTensors(loss, set, layout, v);
    if (box.tape && !box.tape.matches(set)) {
      box.tape.dispose();
      box.tape = null;
    }
    // recorded outside the product's tidy scope (tf.keep inside), so it outlives this product
    box.tape ??= recordGradientTape(loss, set, layout);
    return box.tape ? box.tape.hvp(v) : hvpTensors(loss, set, layout, v);
  });
  op.release = () => releaseTape(box);
  if (reuse) droppedOperators.register(op, box);
  return op;
}

function releaseTape(box: { tape: GradientTape | null }): void {
  box.tape?.dispose();
  box.tape = null;
}

/** Frees the record of a Hessian operator that was garbage-collected without `release()`. */
const droppedOperators = new FinalizationRegistry<{ tape: GradientTape | null }>(releaseTape);

/** H·v as one flat tensor, for v given per slice. Call inside tf.tidy. */
export function hvpTensors(loss: LossFn, set: ParamSet, layout: ParamLayout, v: readonly tf.Tensor[]): tf.Tensor1D {
  // ⟨∇L(θ), v⟩ is still a function of θ on the tape; its gradient is H v
  return concatFlat(selectedGrads(layout, set.tensors, (params) => listDot(selectedGrads(layout, params, loss), v)));
}
