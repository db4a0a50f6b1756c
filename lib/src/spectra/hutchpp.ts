/**
 * Hutch++ (Meyer, Musco, Musco & Woodruff, SOSA 2021): trace estimation with a low-rank part computed exactly.
 * With a budget of m products (m/3 for each phase):
 *   S (n × m/3) Rademacher;  Q = orth(A S);  tr(A) ≈ tr(QᵀAQ) + (3/m) Σᵢ gᵢᵀ (I − QQᵀ) A (I − QQᵀ) gᵢ
 * with Rademacher gᵢ. Unbiased; the variance is that of Hutchinson on the deflated A, so for matrices with a few
 * dominant eigenvalues (Hessians) it needs O(1/ε) instead of O(1/ε²) products.
 *
 * **Stopping rule**: the fixed budget `matvecs` (rounded down to a multiple of 3); no early stop, since the
 * low-rank phase must finish before the residual phase starts.
 */
import { Rng, subSeed } from "../util/random";
import { SymOperator, applyOperator, withRelease } from "./operator";
import { dot, orthogonalise, orthonormalBasis, rademacher } from "../linalg/vector";

export interface HutchppOptions {
  /** Root seed; sketch and probes come from `subSeed(seed, "hutchpp")`. */
  seed: number;
  /** Total budget of operator products, ≥ 3 (used in thirds). */
  matvecs: number;
}

export interface HutchppEstimate {
  /** The trace estimate lowRank + residual. */
  estimate: number;
  /** tr(QᵀAQ), computed exactly on the sketched subspace. */
  lowRank: number;
  /** Hutchinson estimate of tr((I − QQᵀ)A(I − QQᵀ)). */
  residual: number;
  /** Standard error of the residual part (the low-rank part is exact); NaN with one residual probe. */
  stdError: number;
  /** Rank of the sketched subspace Q (< m/3 when A S is rank-deficient). */
  rank: number;
  /** Residual-phase samples gᵢᵀ(I − QQᵀ)A(I − QQᵀ)gᵢ. */
  samples: Float64Array;
  /** Running estimate lowRank + mean(samples[0..i]) after each residual probe. */
  history: Float64Array;
  /** Operator products spent. */
  matvecs: number;
}

/** Hutch++ trace estimate with a fixed budget of products. */
export async function hutchpp(op: SymOperator, options: HutchppOptions): Promise<HutchppEstimate> {
  return withRelease(op, async () => {
    const third = Math.floor(options.matvecs / 3);
    if (!(third >= 1)) throw new Error(`hutchpp: matvecs must be at least 3, got ${options.matvecs}`);
    const n = op.dim;
    const rng = new Rng(subSeed(options.seed, "hutchpp"));
    let matvecs = 0;

    // phase 1: Q = orth(A S)
    const sketch: Float64Array[] = [];
    for (let i = 0; i < third; i++) {
      sketch.push(await applyOperator(op, rademacher(rng, n)));
      matvecs++;
    }
    const Q = orthonormalBasis(sketch);

    // phase 2: tr(QᵀAQ) = Σⱼ qⱼᵀ A qⱼ
    let lowRank = 0;
    for (const q of Q) {
      lowRank += dot(q, await applyOperator(op, q));
      matvecs++;
    }

    // phase 3: Hutchinson on the deflated operator, probes g ← (I − QQᵀ) g
    const samples: number[] = [];
    const history: number[] = [];
    let mean = 0;
    let m2 = 0;
    const probes = 3 * third - matvecs; // unused phase-2 products (rank < m/3) go to the residual phase
    for (let i = 0; i < probes; i++) {
      const g = orthogonalise(rademacher(rng, n), Q, 1);
      const Ag = orthogonalise(await applyOperator(op, g), Q, 1);
      matvecs++;
      const x = dot(g, Ag);
      samples.push(x);
      const delta = x - mean;
      mean += delta / samples.length;
      m2 += delta * (x - mean);
      history.push(lowRank + mean);
    }
    const m = samples.length;
    return {
      estimate: lowRank + mean,
      lowRank,
      residual: mean,
      stdError: m > 1 ? Math.sqrt(m2 / (m - 1) / m) : NaN,
      rank: Q.length,
      samples: Float64Array.from(samples),
      history: Float64Array.from(history),
      matvecs,
    };
  });
}
