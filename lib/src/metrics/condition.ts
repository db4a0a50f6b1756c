/**
 * Condition numbers of weight matrices and hidden representations (docs/spec/p2.md §2.0 eq. 11, §2.3 Figs. 11 and 13):
 *
 *   κ(A) = σ_max(A) / σ_min(A),   σ_min over the min(m, n) singular values,
 *   κ(A) = ∞ when σ_min ≤ rtol·σ_max  ("numerically singular"; Fig. 13 leaves such layers out as "infinite").
 *
 * Criterion: the data come from float32 tfjs tensors, whose entries carry a relative rounding error up to
 * ε_f32 = 2⁻²³; a perturbation of that size moves singular values by up to ~max(m, n)·ε_f32·σ_max, so by default
 * rtol = max(m, n)·ε_f32 (numpy's `matrix_rank` rule with the float32 epsilon). For float64 data pass
 * `precision: "float64"` (rtol = max(m, n)·2⁻⁵²), or set `rtol` directly (docs/spec/p2.md §2.4 proposes 1e-7).
 *
 * Representations: H [N, units], one row per probe input (the layer's output, what the next layer reads), not
 * centred by default (paper 2's batch matrix H^l). Weights: W [fanIn, fanOut] as stored.
 */
import { FLOAT64_EPS } from "../linalg/dense";
import type { Backend } from "../engine/lapack";
import { svdvals } from "../linalg/svd";
import { FLOAT32_EPS } from "../curvature/finite-difference";
import { checkMatrix, Matrix, toFloat64 } from "./matrix";

export interface ConditionOptions {
  /** Relative singularity threshold; overrides `precision`. */
  rtol?: number;
  /** Precision of the data for the default rtol = max(m, n)·ε (default "float32"). */
  precision?: "float32" | "float64";
  /** Centre the columns first (default false). */
  center?: boolean;
  backend?: Backend;
}

export interface ConditionResult {
  /** σ_max/σ_min, or Infinity when numerically singular (σ_min ≤ rtol·σ_max, or A = 0). */
  kappa: number;
  /** σ_max/σ_min without the threshold (Infinity only for σ_min = 0). */
  rawRatio: number;
  sigmaMax: number;
  sigmaMin: number;
  singular: boolean;
  rtol: number;
  rows: number;
  cols: number;
  /** The criterion in words, for reports. */
  criterion: string;
}

/** The default rtol for an m×n matrix of the given precision: max(m, n)·ε. */
export function conditionRtol(m: number, n: number, precision: "float32" | "float64" = "float32"): number {
  return Math.max(m, n) * (precision === "float32" ? FLOAT32_EPS : FLOAT64_EPS);
}

/** κ of a matrix with the singularity criterion of the module comment. */
export function conditionNumber(A: Matrix, options: ConditionOptions = {}): ConditionResult {
  checkMatrix("conditionNumber", A);
  const { rows: m, cols: n } = A;
  const rtol = options.rtol ?? conditionRtol(m, n, options.precision ?? "float32");
  const s =
    m && n ? svdvals(toFloat64(A, options.center ?? false), m, n, { backend: options.backend }) : new Float64Array(0);
  const sigmaMax = s.length ? s[0] : 0;
  const sigmaMin = s.length ? s[s.length - 1] : 0;
  const singular = sigmaMax === 0 || sigmaMin <= rtol * sigmaMax;
  return {
    kappa: singular ? Infinity : sigmaMax / sigmaMin,
    rawRatio: sigmaMin > 0 ? sigmaMax / sigmaMin : Infinity,
    sigmaMax,
    sigmaMin,
    singular,
    rtol,
    rows: m,
    cols: n,
    criterion: `kappa = Infinity when sigma_min <= ${rtol.toExponential(3)} * sigma_max (${m}x${n})`,
  };
}

/** κ(W) of a weight matrix W [fanIn, fanOut] (float32 criterion by default). */
export function weightCondition(W: Matrix, options: ConditionOptions = {}): ConditionResult {
  return conditionNumber(W, options);
}

/** κ(H) of a hidden representation H [N, units] over the probe batch (float32 criterion, uncentred by default). */
export function representationCondition(H: Matrix, options: ConditionOptions = {}): ConditionResult {
  return conditionNumber(H, options);
}
