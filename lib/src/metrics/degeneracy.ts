/**
 * Degeneracy of a Hessian spectrum (docs/spec/p1.md §1.5.1; the paper's own thresholds were not found, so several are
 * reported side by side):
 *
 *   degenerate fraction  #{ |λᵢ| < τ } / P        negative fraction  #{ λᵢ < −τ } / P
 *
 * for absolute τ ∈ {1e-6, 1e-5, 1e-4} and for the relative τ = 1e-4·max|λ|. Choose thresholds above the float32 noise
 * floor of the spectrum (curvature/exact.ts: ≈ 4e-8…1.3e-7·max|λ| for assembled float32 tfjs Hessians, reported per
 * spectrum as `noiseFloor`); an absolute τ below the floor counts noise, not degeneracy. `aboveNoise` says whether
 * it is. The relative τ = 1e-4·max|λ| sits ~1000× above the floor, so it is the one to compare across networks whose
 * curvature scales differ; the absolute ones follow docs/spec/p1.md §1.5.
 */

export interface DegeneracyOptions {
  /** Absolute thresholds τ (default [1e-6, 1e-5, 1e-4]). */
  absolute?: readonly number[];
  /** Relative threshold r: τ = r·max|λ| (default 1e-4). */
  relative?: number;
  /** The spectrum's noise floor (e.g. `ExactSpectrum.noiseFloor`), to flag thresholds below it. */
  noiseFloor?: number;
}

export interface ThresholdCount {
  /** The threshold τ applied to |λ|. */
  tau: number;
  /** #{|λ| < τ} and its fraction of P. */
  degenerate: number;
  degenerateFraction: number;
  /** #{λ < −τ} and its fraction of P. */
  negative: number;
  negativeFraction: number;
  /** τ > noiseFloor (true when no noise floor was given). */
  aboveNoise: boolean;
}

export interface DegeneracyStats {
  /** P, the number of eigenvalues. */
  count: number;
  min: number;
  max: number;
  maxAbs: number;
  /** One entry per absolute threshold, in the order given. */
  absolute: ThresholdCount[];
  /** The relative threshold r and its count (tau = r·maxAbs). */
  relative: ThresholdCount & { rtol: number };
  /** #{λ < 0}/P with no threshold (sensitive to noise: prefer the thresholded ones). */
  negativeFractionRaw: number;
}

export const DEFAULT_ABSOLUTE_THRESHOLDS: readonly number[] = [1e-6, 1e-5, 1e-4];
export const DEFAULT_RELATIVE_THRESHOLD = 1e-4;

function countAt(values: ArrayLike<number>, tau: number, noiseFloor: number | undefined): ThresholdCount {
  let degenerate = 0;
  let negative = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // An all-zero spectrum (every unit dead) has τ = r·max|λ| = 0 and is fully degenerate.
    if (Math.abs(v) < tau || (tau === 0 && v === 0)) degenerate++;
    if (v < -tau) negative++;
  }
  const p = values.length;
  return {
    tau,
    degenerate,
    degenerateFraction: p ? degenerate / p : NaN,
    negative,
    negativeFraction: p ? negative / p : NaN,
    aboveNoise: noiseFloor === undefined || tau > noiseFloor,
  };
}

/** Degenerate and negative fractions of a spectrum at absolute and relative thresholds (module comment). */
export function degeneracyStats(eigenvalues: ArrayLike<number>, options: DegeneracyOptions = {}): DegeneracyStats {
  const abs = options.absolute ?? DEFAULT_ABSOLUTE_THRESHOLDS;
  const rtol = options.relative ?? DEFAULT_RELATIVE_THRESHOLD;
  let min = Infinity;
  let max = -Infinity;
  let maxAbs = 0;
  let neg = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const v = eigenvalues[i];
    if (!Number.isFinite(v)) throw new Error(`degeneracyStats: non-finite eigenvalue at ${i}`);
    min = Math.min(min, v);
    max = Math.max(max, v);
    maxAbs = Math.max(maxAbs, Math.abs(v));
    if (v < 0) neg++;
  }
  return {
    count: eigenvalues.length,
    min,
    max,
    maxAbs,
    absolute: abs.map((t) => countAt(eigenvalues, t, options.noiseFloor)),
    relative: { ...countAt(eigenvalues, rtol * maxAbs, options.noiseFloor), rtol },
    negativeFractionRaw: eigenvalues.length ? neg / eigenvalues.length : NaN,
  };
}

export interface LogHistogram {
  /** Bin edges in log10|λ| (length bins + 1). */
  edges: Float64Array;
  /** Counts per bin. */
  counts: Int32Array;
  /** |λ| below 10^edges[0] (including exact zeros). */
  below: number;
  /** |λ| at or above 10^edges[bins]. */
  above: number;
}

/** Histogram of log10|λ| on fixed edges (default 10^-10 … 10^2, 48 bins), for "log-histogram of |λ|" figures. */
export function logAbsHistogram(
  values: ArrayLike<number>,
  options: { minLog10?: number; maxLog10?: number; bins?: number } = {},
): LogHistogram {
  const lo = options.minLog10 ?? -10;
  const hi = options.maxLog10 ?? 2;
  const bins = options.bins ?? 48;
  if (!(hi > lo) || !(Number.isInteger(bins) && bins > 0))
    throw new Error("logAbsHistogram: need maxLog10 > minLog10 and bins ≥ 1");
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Int32Array(bins);
  let below = 0;
  let above = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    const l = a > 0 ? Math.log10(a) : -Infinity;
    if (l < lo) below++;
    else if (l >= hi) above++;
    else counts[Math.min(bins - 1, Math.floor(((l - lo) / (hi - lo)) * bins))]++;
  }
  return { edges, counts, below, above };
}
