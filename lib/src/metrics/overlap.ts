/**
 * Overlap singularities (docs/spec/p1.md §1.2.2, §1.5.3): two units with the same incoming weights (and bias) compute the
 * same function, so only the sum of their outgoing weights is identifiable.
 *
 * Per layer, the signed cosine similarity of the columns of M:
 *   c_ab = ⟨m_a, m_b⟩ / (‖m_a‖ ‖m_b‖)
 * with M = the activity matrix h [N, units] (unit a's activity vector over the probe batch) or the weight matrix
 * W [fanIn, fanOut] (unit a's incoming weight vector J_a). Reported:
 *   mean over units of max_{b≠a} c_ab       ("mean of per-unit max similarity")
 *   #{ a < b : c_ab > 0.99 } / #pairs        ("fraction of pairs > 0.99"), and those pairs.
 * Columns of zero norm (dead units, zero weights) have no direction: they are left out of both statistics and
 * counted in `excluded` (the elimination measure covers them). Optionally the columns are centred first (then the
 * similarity is the Pearson correlation of the two units' activities).
 */
import { checkMatrix, Matrix, toFloat64 } from "./matrix";

export interface OverlapOptions {
  /** Pairs with similarity above this count as overlapping (default 0.99). */
  threshold?: number;
  /** Subtract each column's mean first (default false: raw cosine, as docs/spec/p1.md §1.5.3). */
  center?: boolean;
  /** Column norms ≤ zeroTol·(largest column norm) count as zero (default 1e-12). */
  zeroTol?: number;
  /** At most this many overlapping pairs are listed (default 1000; the counts are always complete). */
  maxPairs?: number;
}

export interface OverlapStats {
  units: number;
  /** Units with a nonzero column (the ones compared). */
  considered: number;
  /** Units left out because their column is zero. */
  excluded: number;
  /** Per unit: max_{b≠a} c_ab over considered b (NaN when excluded or alone). */
  maxSimilarity: Float64Array;
  /** Mean of maxSimilarity over considered units (NaN when fewer than 2). */
  meanMaxSimilarity: number;
  /** Number of pairs among considered units, the number above threshold, and the fraction. */
  pairs: number;
  overlappingPairs: number;
  overlapPairFraction: number;
  /** Overlapping pairs [a, b, c_ab] with a < b (at most maxPairs), by decreasing similarity. */
  topPairs: Array<[number, number, number]>;
  threshold: number;
}

/** Pairwise cosine-similarity statistics of the columns of M (module comment). */
export function overlapStats(M: Matrix, options: OverlapOptions = {}): OverlapStats {
  checkMatrix("overlapStats", M);
  const threshold = options.threshold ?? 0.99;
  const zeroTol = options.zeroTol ?? 1e-12;
  const maxPairs = options.maxPairs ?? 1000;
  const { rows: n, cols: u } = M;
  const X = toFloat64(M, options.center ?? false);
  // Gram matrix G = XᵀX  [u, u], float64
  const G = new Float64Array(u * u);
  for (let i = 0; i < n; i++) {
    const row = i * u;
    for (let a = 0; a < u; a++) {
      const xa = X[row + a];
      if (xa === 0) continue;
      const ga = a * u;
      for (let b = a; b < u; b++) G[ga + b] += xa * X[row + b];
    }
  }
  const nrm = new Float64Array(u);
  let big = 0;
  for (let a = 0; a < u; a++) {
    nrm[a] = Math.sqrt(G[a * u + a]);
    big = Math.max(big, nrm[a]);
  }
  const ok = Array.from(nrm, (v) => v > zeroTol * big && v > 0);
  const considered = ok.filter(Boolean).length;
  const maxSim = new Float64Array(u).fill(NaN);
  let pairs = 0;
  let over = 0;
  const top: Array<[number, number, number]> = [];
  for (let a = 0; a < u; a++) {
    if (!ok[a]) continue;
    for (let b = a + 1; b < u; b++) {
      if (!ok[b]) continue;
      const c = Math.max(-1, Math.min(1, G[a * u + b] / (nrm[a] * nrm[b])));
      pairs++;
      if (!(maxSim[a] >= c)) maxSim[a] = c;
      if (!(maxSim[b] >= c)) maxSim[b] = c;
      if (c > threshold) {
        over++;
        top.push([a, b, c]);
      }
    }
  }
  top.sort((p, q) => q[2] - p[2]);
  let mean = 0;
  let k = 0;
  for (let a = 0; a < u; a++) {
    if (Number.isFinite(maxSim[a])) {
      mean += maxSim[a];
      k++;
    }
  }
  return {
    units: u,
    considered,
    excluded: u - considered,
    maxSimilarity: maxSim,
    meanMaxSimilarity: k >= 2 ? mean / k : NaN,
    pairs,
    overlappingPairs: over,
    overlapPairFraction: pairs ? over / pairs : NaN,
    topPairs: top.slice(0, maxPairs),
    threshold,
  };
}
