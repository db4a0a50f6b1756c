/**
 * Hessian-vector products by central differences of the gradient, the cross-check for the nested-gradient HVP:
 *
 *   H v ≈ ‖v‖ · (∇L(θ + h v̂) − ∇L(θ − h v̂)) / (2h),      v̂ = v/‖v‖
 *
 * Error: truncation O(h² ‖∇³L‖) plus round-off O(ε_f32 ‖∇L‖ / h) from the float32 gradients (ε_f32 = 2⁻²³), and the
 * rounding of θ ± h v̂ to float32. The default step h = ε_f32^{1/3} · max(1, rms(θ)) ≈ 4.9e-3 balances the two for
 * unit-scale parameters. It is only accurate where L is smooth within h of θ: a ReLU kink crossed inside the stencil
 * (a pre-activation within ~h of 0 on some input) adds an O(‖jump‖/h) error in the affected rows. Random directions
 * spread the step over all coordinates (each moves by ~h/√n) and rarely cross one; coordinate directions e_j move
 * one parameter by the whole h and often do (assembling a ReLU-net Hessian from FD columns is therefore unreliable:
 * use it on random directions). Expect agreement with `hessianOperator` to ~1e-3 relative.
 *
 * Costs two gradients per product. Works with a loss closure that reads variables directly (values are assigned and
 * restored through `withParamValues`).
 */
import * as tf from "@tensorflow/tfjs";
import { ensureFastKernels } from "../engine/wasm-accel";
import { norm } from "../linalg/vector";
import { concatFlat, CurvatureOperator, curvatureOperator, readFlat } from "./operator";
import { flattenParams, LossFn, ParamFilter, ParamSet, selectedGrads, selectParams, withParamValues } from "./params";

/** float32 machine epsilon 2⁻²³ (spacing of float32 numbers at 1). */
export const FLOAT32_EPS = 1.1920928955078125e-7;

export interface FiniteDifferenceOptions {
  /** Which parameters (default all). */
  filter?: ParamFilter;
  /** Step h along the unit direction (default ε_f32^{1/3}·max(1, rms θ), see the module comment). */
  step?: number;
}

/** The central-difference Hessian of the filtered parameters as a `SymOperator` (two float32 gradients per product). */
export function finiteDifferenceHessianOperator(
  loss: LossFn,
  set: ParamSet,
  options: FiniteDifferenceOptions = {},
): CurvatureOperator {
  const layout = selectParams(set, options.filter);
  ensureFastKernels(); // as tensorCurvatureOperator does (SKIPLAB_ACCEL=0 keeps tfjs' kernels)
  const gradientAt = async (theta: Float64Array): Promise<Float64Array> =>
    readFlat(
      withParamValues(set, layout, theta, (params) => tf.tidy(() => concatFlat(selectedGrads(layout, params, loss)))),
    );
  return curvatureOperator("finite-difference-hessian", layout, "finiteDifferenceHessianOperator", async (v) => {
    const vn = norm(v);
    if (vn === 0) return new Float64Array(layout.dim);
    const theta = flattenParams(set, layout);
    const rms = norm(theta) / Math.sqrt(layout.dim);
    const h = options.step ?? Math.cbrt(FLOAT32_EPS) * Math.max(1, rms);
    const plus = new Float64Array(layout.dim); // θ + h v̂
    const minus = new Float64Array(layout.dim); // θ − h v̂
    const step = h / vn;
    for (let i = 0; i < plus.length; i++) {
      plus[i] = theta[i] + step * v[i];
      minus[i] = theta[i] - step * v[i];
    }
    const gp = await gradientAt(plus);
    const gm = await gradientAt(minus);
    const out = new Float64Array(layout.dim);
    for (let i = 0; i < out.length; i++) out[i] = (vn * (gp[i] - gm[i])) / (2 * h);
    return out;
  });
}
