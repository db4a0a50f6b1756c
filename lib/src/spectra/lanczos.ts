/**
 * Lanczos with full reorthogonalisation: after m products, Qₘ = [q₀ … q_{m−1}] is an orthonormal basis of the
 * Krylov space span{q₀, Aq₀, …, A^{m−1}q₀} and Tₘ = QₘᵀAQₘ is tridiagonal (α on the diagonal, β off it).
 * The Ritz pairs (θᵢ, Qₘsᵢ) from Tₘ sᵢ = θᵢ sᵢ (solved by `eighTridiagonal`) approximate A's extreme eigenpairs
 * first, and (θᵢ, (e₁ᵀsᵢ)²) is the m-point Gauss quadrature of q₀'s spectral measure (used by `slq`).
 *
 * Every new vector is orthogonalised against all previous ones (classical Gram–Schmidt, twice), so the basis stays
 * orthonormal to working precision and no spurious ("ghost") copies of converged Ritz values appear: O(n·m) memory,
 * O(n·m²) work besides the m products.
 *
 * **Stopping rule**: after `steps` products; or at breakdown, when βⱼ ≤ breakdownTol·‖Tⱼ‖ (the Krylov space is
 * invariant, so Tⱼ's Ritz values are exact eigenvalues of A); or, when `tol` is given, as soon as the residual bounds
 * of the smallest and largest Ritz pairs, ‖A yᵢ − θᵢ yᵢ‖ = βⱼ |e_jᵀ sᵢ|, are both ≤ tol·max|θ|.
 */
import { eighTridiagonal } from "../linalg/tridiagonal";
import { Rng, subSeed } from "../util/random";
import { SymOperator, applyOperator } from "./operator";
import { axpy, dot, norm, orthogonalise, rademacher, scale } from "../linalg/vector";

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
  /** The orthonormal Lanczos basis, with `keepBasis: true`. */
  basis?: Float64Array[];
  /** Extreme Ritz values after every step. */
  history: LanczosIterate[];
  /** Krylov dimension reached (= products spent). */
  steps: number;
  /** Why it stopped. */
  stop: "steps" | "breakdown" | "converged";
}

/** Lanczos with full reorthogonalisation; see the module comment for the stopping rule. */
export async function lanczos(op: SymOperator, options: LanczosOptions): Promise<LanczosResult> {
  const n = op.dim;
  const maxSteps = options.steps;
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1 && maxSteps <= n)) {
    throw new Error(`lanczos: steps must be an integer in 1..${n}, got ${maxSteps}`);
  }
  const breakdownTol = options.breakdownTol ?? 1e-12;
  let q: Float64Array;
  if (options.start !== undefined) {
    if (options.start.length !== n) throw new Error(`lanczos: start has length ${options.start.length}, expected ${n}`);
    q = Float64Array.from(options.start);
  } else {
    q = rademacher(new Rng(subSeed(options.seed, "lanczos")), n);
  }
  const q0norm = norm(q);
  if (q0norm === 0) throw new Error("lanczos: start vector is zero");
  scale(1 / q0norm, q);

  const Q: Float64Array[] = [q];
  const alpha: number[] = [];
  const beta: number[] = []; // beta[j] couples q_j and q_{j+1}
  const history: LanczosIterate[] = [];
  let tnorm = 0; // running max row sum of |T|, the scale for breakdown
  let stop: LanczosResult["stop"] = "steps";
  let nextBeta = 0;

  for (let j = 0; j < maxSteps; j++) {
    const qj = Q[j];
    const w = await applyOperator(op, qj); // A q_j
    const a = dot(qj, w); // α_j = q_jᵀ A q_j
    axpy(-a, qj, w);
    if (j > 0) axpy(-beta[j - 1], Q[j - 1], w); // three-term recurrence
    orthogonalise(w, Q, 2); // full reorthogonalisation against q_0 … q_j
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
    Q.push(scale(1 / b, w));
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
  };
  if (options.ritzVectors) {
    result.ritzVectors = [];
    for (let i = 0; i < m; i++) {
      const y = new Float64Array(n);
      for (let j = 0; j < m; j++) axpy(S[i * m + j], Q[j], y); // y_i = Σ_j S_ji q_j
      result.ritzVectors.push(y);
    }
  }
  if (options.keepBasis) result.basis = Q.slice(0, m);
  return result;
}
