/**
 * Condition number and rank measures of a matrix, from its singular values.
 *
 * Criteria (σ₁ ≥ … ≥ σ_k ≥ 0 the singular values, k = min(m, n), ε = 2⁻⁵²):
 * - `cond`          = σ₁/σ_k, and **Infinity when σ_k ≤ rtol·σ₁** (numerically singular), with the default
 *                     rtol = max(m, n)·ε, the threshold numpy's `matrix_rank` uses; also Infinity for the zero matrix.
 * - `numericalRank` = #{ i : σᵢ > max(atol, rtol·σ₁) }, same default rtol, atol = 0 (numpy `matrix_rank`).
 * - `effectiveRank` = exp(H(p)), H the Shannon entropy of pᵢ = σᵢ^q / Σⱼ σⱼ^q with q = 2 by default
 *                     (so p is the normalised eigenvalue spectrum of AᵀA); q = 1 gives Roy & Vetterli's (2007)
 *                     original definition. Between 1 and k; 0 for the zero matrix.
 */
import { FLOAT64_EPS } from "./dense";
import { Backend } from "../engine/lapack";
import { svdvals } from "./svd";

/** numpy's default relative threshold for an m×n matrix: max(m, n)·ε. */
export function defaultRtol(m: number, n: number): number {
  return Math.max(m, n) * FLOAT64_EPS;
}

export interface CondOptions {
  /** σ_min ≤ rtol·σ_max counts as singular (→ Infinity). Default max(m, n)·ε. */
  rtol?: number;
  backend?: Backend;
}

/** 2-norm condition number σ_max/σ_min of a row-major m×n matrix, Infinity when numerically singular. */
export function cond(A: Float64Array, m: number, n: number, options: CondOptions = {}): number {
  const s = svdvals(A, m, n, { backend: options.backend });
  return condFromSingularValues(s, options.rtol ?? defaultRtol(m, n));
}

/** σ_max/σ_min of given singular values (any order), Infinity when σ_min ≤ rtol·σ_max or all are zero. */
export function condFromSingularValues(s: ArrayLike<number>, rtol: number): number {
  if (s.length === 0) return Infinity;
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < s.length; i++) {
    const v = Math.abs(s[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === 0 || lo <= rtol * hi) return Infinity;
  return hi / lo;
}

export interface NumericalRankOptions {
  /** Relative threshold on σ/σ_max. Default max(m, n)·ε. */
  rtol?: number;
  /** Absolute threshold on σ. Default 0. The larger of atol and rtol·σ_max applies. */
  atol?: number;
  backend?: Backend;
}

/** Number of singular values above max(atol, rtol·σ_max) of a row-major m×n matrix. */
export function numericalRank(A: Float64Array, m: number, n: number, options: NumericalRankOptions = {}): number {
  const s = svdvals(A, m, n, { backend: options.backend });
  return numericalRankFromSingularValues(s, options.rtol ?? defaultRtol(m, n), options.atol ?? 0);
}

/** Number of values (singular values, or |eigenvalues| of a symmetric matrix) above max(atol, rtol·max). */
export function numericalRankFromSingularValues(s: ArrayLike<number>, rtol: number, atol = 0): number {
  let hi = 0;
  for (let i = 0; i < s.length; i++) hi = Math.max(hi, Math.abs(s[i]));
  const tol = Math.max(atol, rtol * hi);
  let r = 0;
  for (let i = 0; i < s.length; i++) if (Math.abs(s[i]) > tol) r++;
  return r;
}

export interface EffectiveRankOptions {
  /** Exponent q in pᵢ ∝ σᵢ^q: 2 (default, energy/σ² spectrum) or 1 (Roy & Vetterli). */
  power?: 1 | 2;
  backend?: Backend;
}

/** exp(entropy) of the normalised singular-value spectrum of a row-major m×n matrix (see module comment). */
export function effectiveRank(A: Float64Array, m: number, n: number, options: EffectiveRankOptions = {}): number {
  const s = svdvals(A, m, n, { backend: options.backend });
  return effectiveRankFromSingularValues(s, options.power ?? 2);
}

/** exp(−Σ pᵢ log pᵢ) with pᵢ = |sᵢ|^q / Σⱼ |sⱼ|^q (0·log 0 = 0); 0 when all values are zero. */
export function effectiveRankFromSingularValues(s: ArrayLike<number>, power: 1 | 2 = 2): number {
  let hi = 0;
  for (let i = 0; i < s.length; i++) hi = Math.max(hi, Math.abs(s[i]));
  if (hi === 0) return 0;
  // scale by the largest value first so σ^q cannot overflow
  let total = 0;
  for (let i = 0; i < s.length; i++) total += Math.pow(Math.abs(s[i]) / hi, power);
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = Math.pow(Math.abs(s[i]) / hi, power) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}
