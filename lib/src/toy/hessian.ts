/**
 * Hessian of the toy loss: central differences of the analytic gradient, symmetrised, with the w–w block
 * replaced by its exact value Q = E[φ φᵀ] (L is quadratic in w, so that block needs no differencing and the
 * overlap/elimination null directions in w come out exactly zero).
 *
 *   H[:, m] ≈ (∇L(θ + h e_m) − ∇L(θ − h e_m)) / 2h,   H ← (H + Hᵀ)/2,   H_ww ← Q
 *
 * Accuracy ~1e-10 absolute with the default h = 1e-5 (truncation O(h²), rounding O(ε/h)); checked against
 * second differences of the exact loss in tests/toy.
 */
import { jacobiEigen, ToyEigen } from "./jacobi-eigen";
import { ToyModel } from "./model";

/** The P×P Hessian (row-major) of `model` at θ. */
export function hessian(model: ToyModel, theta: Float64Array, opts: { step?: number } = {}): Float64Array {
  const h = opts.step ?? 1e-5;
  const P = model.paramCount;
  const H = new Float64Array(P * P);
  const tp = Float64Array.from(theta);
  const gp = new Float64Array(P);
  const gm = new Float64Array(P);
  for (let m = 0; m < P; m++) {
    const t0 = theta[m];
    tp[m] = t0 + h;
    model.lossGrad(tp, gp);
    tp[m] = t0 - h;
    model.lossGrad(tp, gm);
    tp[m] = t0;
    for (let r = 0; r < P; r++) H[r * P + m] = (gp[r] - gm[r]) / (2 * h);
  }
  for (let r = 0; r < P; r++) {
    for (let c = r + 1; c < P; c++) {
      const avg = 0.5 * (H[r * P + c] + H[c * P + r]);
      H[r * P + c] = avg;
      H[c * P + r] = avg;
    }
  }
  const k = model.k;
  const Q = model.featureGram(theta);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) H[model.indexW(i) * P + model.indexW(j)] = Q[i * k + j];
  }
  return H;
}

/** Eigen-decomposition (ascending) of the toy Hessian at θ. */
export function hessianEigen(model: ToyModel, theta: Float64Array, opts: { step?: number } = {}): ToyEigen {
  return jacobiEigen(hessian(model, theta, opts), model.paramCount);
}

/** H·u for a row-major P×P matrix. */
export function matVec(
  H: ArrayLike<number>,
  u: ArrayLike<number>,
  out: Float64Array = new Float64Array(u.length),
): Float64Array {
  const P = u.length;
  for (let r = 0; r < P; r++) {
    let acc = 0;
    for (let c = 0; c < P; c++) acc += H[r * P + c] * u[c];
    out[r] = acc;
  }
  return out;
}
