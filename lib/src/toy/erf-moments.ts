/**
 * The error-function unit `g(u) = erf(u/√2)` and the closed-form Gaussian expectations the toy model needs
 * (x ~ N(0, I_d)). These are the Saad & Solla (1995) identities plus Stein's lemma:
 *
 *   E[g(a·x) g(b·x)] = (2/π) asin( a·b / √((1+a·a)(1+b·b)) )          (pair moment G(a, b))
 *   E[x_j g(a·x)]    = √(2/π) a_j / √(1+a·a)                           (Stein term S(a)_j)
 *   E[x_i x_j]       = δ_ij
 *
 * Gradients used by the model (derived by hand, checked against finite differences in tests/toy):
 *
 *   ∇_a G(a, b)   = (2/π) (b − (a·b) a/(1+a·a)) / √Δ,   Δ = (1+a·a)(1+b·b) − (a·b)²  (> 0 always)
 *   ∇_a S(a)_j    = √(2/π) (e_j − a_j a/(1+a·a)) / √(1+a·a)
 */

/** √(2/π): E[x g(a·x)] prefactor and g′(0). */
export const TOY_SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** 2/π: prefactor of the pair moment. */
export const TOY_TWO_OVER_PI = 2 / Math.PI;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) in float64 (relative error ~1e-15). Uses the everywhere-positive series
 * erf(x) = (2/√π) e^{−x²} Σ_n 2ⁿ x^{2n+1} / (1·3···(2n+1)), which has no cancellation, and ±1 for |x| ≥ 6
 * (erfc(6) ≈ 2e-17). JavaScript has no Math.erf.
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  // Terms grow while 2x²/(2n+1) > 1, then decay geometrically; stop once they no longer change the sum.
  for (let n = 1; n < 400; n++) {
    term *= (2 * x2) / (2 * n + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  const r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  const v = r > 1 ? 1 : r;
  return x < 0 ? -v : v;
}

/** The toy unit g(u) = erf(u/√2) (the Gaussian CDF rescaled to (−1, 1)). */
export function unit(u: number): number {
  return erf(u * Math.SQRT1_2);
}

/** Pair moment G(a, b) = E[g(a·x) g(b·x)] for x ~ N(0, I). */
export function pairMoment(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let m = 0; m < a.length; m++) {
    ab += a[m] * b[m];
    aa += a[m] * a[m];
    bb += b[m] * b[m];
  }
  return TOY_TWO_OVER_PI * Math.asin(ab / Math.sqrt((1 + aa) * (1 + bb)));
}

/** Stein term S(a)_j = E[x_j g(a·x)] = √(2/π) a_j / √(1+a·a). */
export function steinMoment(a: ArrayLike<number>, j: number): number {
  let aa = 0;
  for (let m = 0; m < a.length; m++) aa += a[m] * a[m];
  return (TOY_SQRT_2_OVER_PI * a[j]) / Math.sqrt(1 + aa);
}
