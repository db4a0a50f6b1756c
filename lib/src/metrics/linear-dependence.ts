/**
 * Linear-dependence singularities (docs/spec/p1.md §1.2.2, §1.5.4): when one unit's activity is a linear combination of
 * others' on the data, h_c = α h_a + β h_b, the outgoing weights move along a flat direction.
 *
 * Per layer, the singular values s₁ ≥ s₂ ≥ … of the **centred** activity matrix H [N, units] (each unit's mean over
 * the probe batch removed, so a constant offset does not count as a direction):
 *   small fraction             #{ i ≤ units : sᵢ/s₁ < 1e-3 } / units
 *   normalised effective rank  exp(entropy(sᵢ²/Σⱼ sⱼ²)) / units        (linalg/rank.ts, q = 2)
 * When N − 1 < units the centred matrix has at most N − 1 nonzero singular values; the missing ones count as 0 (so
 * as "small"), because the probe batch cannot tell those directions apart. Use N ≫ units.
 */
import { effectiveRankFromSingularValues, numericalRankFromSingularValues } from "../linalg/rank";
import type { Backend } from "../engine/lapack";
import { svdvals } from "../linalg/svd";
import { checkMatrix, Matrix, toFloat64 } from "./matrix";

export interface LinearDependenceOptions {
  /** sᵢ/s₁ below this counts as a (near-)zero singular value (default 1e-3). */
  ratio?: number;
  /** Centre the columns first (default true). */
  center?: boolean;
  backend?: Backend;
}

export interface LinearDependenceStats {
  units: number;
  samples: number;
  /** Singular values, descending (length min(N, units)). */
  singularValues: Float64Array;
  /** #{ i ≤ units : sᵢ/s₁ < ratio } (missing values counted), and that over units. */
  smallCount: number;
  smallFraction: number;
  /** exp(entropy) of sᵢ²/Σ sⱼ², and that over units. */
  effectiveRank: number;
  normalizedEffectiveRank: number;
  /** #{ sᵢ > ratio·s₁ }. */
  rankAtRatio: number;
  ratio: number;
}

/** Singular-value statistics of the (centred) activity matrix H [N, units] (module comment). */
export function linearDependenceStats(H: Matrix, options: LinearDependenceOptions = {}): LinearDependenceStats {
  checkMatrix("linearDependenceStats", H);
  const ratio = options.ratio ?? 1e-3;
  const { rows: n, cols: units } = H;
  const X = toFloat64(H, options.center ?? true);
  const s = svdvals(X, n, units, { backend: options.backend });
  const s1 = s.length ? s[0] : 0;
  let small = units - s.length; // structurally missing singular values count as zero
  for (let i = 0; i < s.length; i++) if (!(s1 > 0) || s[i] / s1 < ratio) small++;
  const eff = effectiveRankFromSingularValues(s, 2);
  return {
    units,
    samples: n,
    singularValues: s,
    smallCount: small,
    smallFraction: units ? small / units : NaN,
    effectiveRank: eff,
    normalizedEffectiveRank: units ? eff / units : NaN,
    rankAtRatio: s1 > 0 ? numericalRankFromSingularValues(s, ratio) : 0,
    ratio,
  };
}
