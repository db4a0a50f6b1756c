/**
 * Lanczos with full reorthogonalisation: after m products, Qₘ = [q₀ … q_{m−1}] is an orthonormal basis of the
 * Krylov space span{q₀, Aq₀, …, A^{m−1}q₀} and Tₘ = QₘᵀAQₘ is tridiagonal (α on the diagonal, β off it).
 * The Ritz pairs (θᵢ, Qₘsᵢ) from Tₘ sᵢ = θᵢ sᵢ (solved by `eighTridiagonal`) approximate A's extreme eigenpairs
 * first, and (θᵢ, (e₁ᵀsᵢ)²) is the m-point Gauss quadrature of q₀'s spectral measure (used by `slq`).
 *
 * Every new vector is orthogonalised against all previous ones by classical Gram–Schmidt, so the basis stays
 * orthonormal to working precision and no spurious ("ghost") copies of converged Ritz values appear: O(n·m) memory,
 * O(n·m²) work besides the m products. A second pass is made only when the first cancelled much of the vector,
 * ‖w′‖ < ‖w‖/√2 (the Daniel–Gragg–Kaufman–Stewart test ARPACK uses); `reorthogonalisation: "twice"` always makes
 * two. In Lanczos the three-term recurrence has already removed almost all of w's projection, so one pass is the
 * rule. The basis lives in one contiguous row-major float64 buffer (rows q₀, q₁, …; capacity `steps` rows, split
 * into ≤ 1 GiB blocks for very large n·m), so a pass is two matrix–vector products, c = Q w and w ← w − Qᵀc,
 * through OpenBLAS' dgemv (`linalg/blas64.ts`; JS loops without BLAS), bounded by memory bandwidth (bench/hessian.mjs
 * prints the time spent outside the products).
 *
 * **Stopping rule**: after `steps` products; or at breakdown, when βⱼ ≤ breakdownTol·‖Tⱼ‖ (the Krylov space is
 * invariant, so Tⱼ's Ritz values are exact eigenvalues of A); or, when `tol` is given, as soon as the residual bounds
 * of the smallest and largest Ritz pairs, ‖A yᵢ − θᵢ yᵢ‖ = βⱼ |e_jᵀ sᵢ|, are both ≤ tol·max|θ|.
 */
import { eighTridiagonal } from "../linalg/tridiagonal";
import { Rng, subSeed } from "../util/random";
import { SymOperator, applyOperator, withRelease } from "./operator";
import { axpy, dot, norm, rademacher, scale } from "../linalg/vector";
import { dgemv } from "../linalg/blas64";

/** Largest block of the basis buffer (bytes); a block holds whole rows. */
let maxBlockBytes = 2 ** 30;

/** Test hook (not exported by the package): sets the basis block size in bytes, returns the previous one. */
export function setLanczosBlockBytes(bytes: number): number {
  const prev = maxBlockBytes;
  maxBlockBytes = bytes;
  return prev;
}

/**
 * An orthonormal basis q₀, q₁, … of vectors of length n, stored row-major in contiguous Float64Array blocks
 * (allocated as rows are added; capacity fixed up front).
 */
class RowBasis {
  readonly rowsPerBlock: number;
  private readonly blocks: Float64Array[] = [];
  rows = 0;

  constructor(
    readonly n: number,
    readonly capacity: number,
  ) {
    this.rowsPerBlock = Math.max(1, Math.min(capacity, Math.floor(maxBlockBytes / (8 * Math.max(1, n)))));
  }

  /** Row i as a view (no copy). */
  row(i: number): Float64Array {
    const b = Math.floor(i / this.rowsPerBlock);
    const r = i - b * this.rowsPerBlock;
    return this.blocks[b].subarray(r * this.n, (r + 1) * this.n);
  }

  /** Appends α·v as a new row; returns its view. */
  push(v: Float64Array, alpha: number): Float64Array {
    if (this.rows >= this.capacity) throw new Error(`lanczos: basis capacity ${this.capacity} exceeded`);
    const b = Math.floor(this.rows / this.rowsPerBlock);
    if (b === this.blocks.length) {
      const rowsHere = Math.min(this.rowsPerBlock, this.capacity - b * this.rowsPerBlock);
      this.blocks.push(new Float64Array(rowsHere * this.n));
    }
    this.rows++;
    const row = this.row(this.rows - 1);
    row.set(v);
    if (alpha !== 1) scale(alpha, row);
    return row;
  }

  /** Blocks with their used row counts and first row. */
  private *used(): Generator<[Float64Array, number, number]> {
    for (let b = 0, first = 0; first < this.rows; b++, first += this.rowsPerBlock) {
      yield [this.blocks[b], Math.min(this.rowsPerBlock, this.rows - first), first];
    }
  }

  /** One classical Gram–Schmidt pass, w ← (I − QQᵀ) w: c = Q w, then w ← w − Qᵀ c (two dgemv per block). */
  private pass(w: Float64Array, c: Float64Array): void {
    for (const [blk, r, first] of this.used()) dgemv(false, r, this.n, 1, blk, w, 0, c.subarray(first, first + r));
    for (const [blk, r, first] of this.used()) dgemv(true, r, this.n, -1, blk, c.subarray(first, first + r), 1, w);
  }

  /**
   * w ← (I − QQᵀ) w to working precision. "twice": two passes. "selective": a second pass only when the first
   * removed much of w, ‖w′‖ < ‖w‖/√2 (the Daniel–Gragg–Kaufman–Stewart test, as in ARPACK): a smaller remainder may
   * carry the first pass's round-off relative to itself, a larger one cannot. Returns the passes made.
   */
  orthogonalise(w: Float64Array, mode: "selective" | "twice"): number {
    const c = new Float64Array(this.rows);
    const before = mode === "selective" ? norm(w) : 0;
    this.pass(w, c);
    if (mode === "selective" && norm(w) >= Math.SQRT1_2 * before) return 1;
    this.pass(w, c);
    return 2;
  }

  /** Qᵀ s = Σⱼ sⱼ qⱼ for s of length `rows`, into a new vector. */
  combine(s: Float64Array): Float64Array {
    const y = new Float64Array(this.n);
    for (const [blk, r, first] of this.used()) {
      dgemv(true, r, this.n, 1, blk, s.subarray(first, first + r), first === 0 ? 0 : 1, y);
    }
    return y;
  }
}

export interface LanczosOptions {
  /** Root seed; the start vector is a normalised Rademacher vector from `subSeed(seed, "lanczos")`. */
  seed: number;
  /** Maximum Krylov dimension m = number of products (≤ dim). */
  steps: number;
  /** Optional start vector (normalised internally), overriding the seeded one. */
  start?: Float64Array;
  /** Optional early stop on the residual bounds of the two extreme Ritz pairs (see module comment). */
  tol?: number;
  /** Relative size of β that counts as breakdown (default 1e-12). */
  breakdownTol?: number;
  /** Also return the Ritz vectors Qₘsᵢ in the original space (default false). */
  ritzVectors?: boolean;
  /** Keep the Lanczos basis Qₘ in the result (default false). */
  keepBasis?: boolean;
  /**
   * Full reorthogonalisation of every new vector: "selective" (default) repeats the Gram–Schmidt pass only when the
   * first one cancelled much of the vector (module comment); "twice" always makes two passes.
   */
  reorthogonalisation?: "selective" | "twice";
}

/** Extreme Ritz values after one step. */
export interface LanczosIterate {
  /** Krylov dimension j after this step. */
  step: number;
  /** Smallest and largest Ritz values of Tⱼ. */
  min: number;
  max: number;
  /** Residual bounds βⱼ|e_jᵀs| of those two pairs (computed only when `tol` is set, else NaN). */
  minResidual: number;
  maxResidual: number;
}

export interface LanczosResult {
  /** Diagonal of Tₘ (length m). */
  alpha: Float64Array;
  /** Off-diagonal of Tₘ (length m − 1). */
  beta: Float64Array;
  /** Ritz values, ascending (length m). */
  ritzValues: Float64Array;
  /** (e₁ᵀsᵢ)²: squared first components of T's eigenvectors, summing to 1 (Gauss quadrature weights). */
  ritzWeights: Float64Array;
  /** Residual bounds β_m |e_mᵀsᵢ| (β_m the next, unused, off-diagonal; 0 after breakdown). */
  ritzResiduals: Float64Array;
  /** Ritz vectors Qₘsᵢ (unit length), same order as ritzValues, with `ritzVectors: true`. */
  ritzVectors?: Float64Array[];
  /** The orthonormal Lanczos basis, with `keepBasis: true` (views of rows of one contiguous buffer). */
  basis?: Float64Array[];
  /** Extreme Ritz values after every step. */
  history: LanczosIterate[];
  /** Krylov dimension reached (= products spent). */
  steps: number;
  /** Why it stopped. */
  stop: "steps" | "breakdown" | "converged";
  /** Gram–Schmidt passes over the basis (one or two per step). */
  reorthPasses: number;
}

/** Lanczos with full reorthogonalisation; see the module comment for the stopping rule. */
export async function lanczos(op: SymOperator, options: LanczosOptions): Promise<LanczosResult> {
  return withRelease(op, async () => {
    const n = op.dim;
    const maxSteps = options.steps;
    if (!(Number.isInteger(maxSteps) && maxSteps >= 1 && maxSteps <= n)) {
      throw new Error(`lanczos: steps must be an integer in 1..${n}, got ${maxSteps}`);
    }
    const breakdownTol = options.breakdownTol ?? 1e-12;
    let q: Float64Array;
    if (options.start !== undefined) {
      if (options.start.length !== n)
        throw new Error(`lanczos: start has length ${options.start.length}, expected ${n}`);
      q = Float64Array.from(options.start);
    } else {
      q = rademacher(new Rng(subSeed(options.seed, "lanczos")), n);
    }
    const q0norm = norm(q);
    if (q0norm === 0) throw new Error("lanczos: start vector is zero");
    scale(1 / q0norm, q);

    const Q = new RowBasis(n, maxSteps);
    Q.push(q, 1);
    const alpha: number[] = [];
    const beta: number[] = []; // beta[j] couples q_j and q_{j+1}
    const history: LanczosIterate[] = [];
    let tnorm = 0; // running max row sum of |T|, the scale for breakdown
    let stop: LanczosResult["stop"] = "steps";
    let nextBeta = 0;
    let passes = 0;

    for (let j = 0; j < maxSteps; j++) {
      const qj = Q.row(j);
      const w = await applyOperator(op, qj); // A q_j
      const a = dot(qj, w); // α_j = q_jᵀ A q_j
      axpy(-a, qj, w);
      if (j > 0) axpy(-beta[j - 1], Q.row(j - 1), w); // three-term recurrence
      passes += Q.orthogonalise(w, options.reorthogonalisation ?? "selective"); // against q_0 … q_j
      alpha.push(a);
      const b = norm(w); // β_j
      tnorm = Math.max(tnorm, Math.abs(a) + b + (j > 0 ? beta[j - 1] : 0));

      const withVectors = options.tol !== undefined;
      const tri = eighTridiagonal(alpha, beta, { vectors: withVectors });
      const m = j + 1;
      const it: LanczosIterate = {
        step: m,
        min: tri.values[0],
        max: tri.values[m - 1],
        minResidual: NaN,
        maxResidual: NaN,
      };
      if (withVectors && tri.vectors) {
        it.minResidual = b * Math.abs(tri.vectors[m - 1]); // β_j |e_jᵀ s_min| (vector 0, last entry)
        it.maxResidual = b * Math.abs(tri.vectors[(m - 1) * m + m - 1]);
      }
      history.push(it);

      nextBeta = b;
      if (b <= breakdownTol * tnorm) {
        stop = "breakdown";
        nextBeta = 0;
        break;
      }
      if (options.tol !== undefined) {
        const scaleTheta = Math.max(Math.abs(it.min), Math.abs(it.max));
        if (it.minResidual <= options.tol * scaleTheta && it.maxResidual <= options.tol * scaleTheta) {
          stop = "converged";
          break;
        }
      }
      if (m === maxSteps) break;
      beta.push(b);
      Q.push(w, 1 / b);
    }

    const m = alpha.length;
    const tri = eighTridiagonal(alpha, beta, { vectors: true });
    const S = tri.vectors as Float64Array; // column-major m×m: s_i = S[i*m .. i*m+m)
    const ritzWeights = new Float64Array(m);
    const ritzResiduals = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      ritzWeights[i] = S[i * m] * S[i * m]; // (e₁ᵀ s_i)²: the FIRST component (PyHessian's bug used all of them)
      ritzResiduals[i] = nextBeta * Math.abs(S[i * m + m - 1]);
    }
    const result: LanczosResult = {
      alpha: Float64Array.from(alpha),
      beta: Float64Array.from(beta),
      ritzValues: tri.values,
      ritzWeights,
      ritzResiduals,
      history,
      steps: m,
      stop,
      reorthPasses: passes,
    };
    if (options.ritzVectors) {
      result.ritzVectors = [];
      for (let i = 0; i < m; i++) result.ritzVectors.push(Q.combine(S.subarray(i * m, i * m + m))); // y_i = Σ_j S_ji q_j
    }
    if (options.keepBasis) result.basis = Array.from({ length: m }, (_, i) => Q.row(i));
    return result;
  });
}
