/**
 * Power iteration with deflation: the top-k eigenpairs of a symmetric operator, by magnitude or (with a shift)
 * the largest algebraic ones. PyHessian's `eigenvalues()` algorithm, with seeded start vectors and a residual-based
 * stopping rule.
 *
 * For pair j: v ← A_j v / ‖A_j v‖ with the deflated operator A_j = (I − P_j)(A + σI)(I − P_j), P_j the projector on
 * the eigenvectors already found (projection deflation, as PyHessian's `orthnormal`).
 *
 * **Stopping rule** (per pair): stop at the first iteration whose Rayleigh quotient θ = vᵀA_jv has residual
 * ‖A_jv − θv‖ ≤ tol·|θ|, or after `maxIter` products. The residual bounds the distance of θ to the spectrum of
 * A_j: |θ − λ| ≤ ‖A_jv − θv‖ for some eigenvalue λ.
 */
import { Rng, subSeed } from "../util/random";
import { SymOperator, applyOperator, withRelease } from "./operator";
import { axpy, dot, gaussian, norm, orthogonalise } from "../linalg/vector";

export interface PowerIterationOptions {
  /** Root seed; start vectors come from `subSeed(seed, "power-iteration")`. */
  seed: number;
  /** Number of eigenpairs (default 1). */
  k?: number;
  /**
   * "magnitude" (default): the k eigenvalues of largest |λ|. "largest": the k largest algebraic eigenvalues, by
   * iterating on A + σI with σ = |λ_dom| (λ_dom the dominant eigenvalue, found first), which makes the operator
   * positive semi-definite; convergence then depends on the shifted gaps and is slower.
   */
  which?: "magnitude" | "largest";
  /** Products per eigenpair before giving up (default 200). */
  maxIter?: number;
  /** Relative residual tolerance of the stopping rule (default 1e-6; HVPs in float32 cannot go below ≈1e-5). */
  tol?: number;
}

/** One iteration of one eigenpair. */
export interface PowerIterate {
  /** Rayleigh-quotient estimate of the eigenvalue of A (shift removed). */
  value: number;
  /** ‖A_j v − θ v‖ (of the shifted, deflated operator). */
  residual: number;
}

export interface PowerIterationResult {
  /** Eigenvalue estimates, in the order found (descending |λ| or descending λ). */
  values: number[];
  /** Unit eigenvector estimates, same order. */
  vectors: Float64Array[];
  /** Per pair, the estimate at every iteration (the last entry is the returned value). */
  history: PowerIterate[][];
  /** Whether each pair met the stopping rule within `maxIter`. */
  converged: boolean[];
  /** Shift σ used (0 for "magnitude"). */
  shift: number;
  /** Operator products spent in total. */
  matvecs: number;
}

/** Top-k eigenpairs by power iteration with deflation; see the module comment for the stopping rule. */
export async function powerIteration(op: SymOperator, options: PowerIterationOptions): Promise<PowerIterationResult> {
  return withRelease(op, async () => {
    const k = options.k ?? 1;
    const which = options.which ?? "magnitude";
    const maxIter = options.maxIter ?? 200;
    const tol = options.tol ?? 1e-6;
    if (!(Number.isInteger(k) && k >= 1 && k <= op.dim))
      throw new Error(`powerIteration: k must be in 1..${op.dim}, got ${k}`);
    const rng = new Rng(subSeed(options.seed, "power-iteration"));
    const result: PowerIterationResult = { values: [], vectors: [], history: [], converged: [], shift: 0, matvecs: 0 };

    if (which === "largest") {
      // the dominant eigenvalue decides the shift that makes A + σI ⪰ 0
      const dom = await onePair(op, [], 0, rng, maxIter, tol);
      result.matvecs += dom.history.length;
      const lamDom = dom.value;
      if (lamDom >= 0) {
        // already the largest algebraic one: keep it, and shift the rest so that negative eigenvalues rank last
        push(result, dom);
        result.shift = lamDom;
      } else {
        result.shift = -lamDom;
      }
    }
    while (result.values.length < k) {
      const pair = await onePair(op, result.vectors, result.shift, rng, maxIter, tol);
      result.matvecs += pair.history.length;
      push(result, pair);
    }
    return result;
  });
}

interface Pair {
  value: number;
  vector: Float64Array;
  history: PowerIterate[];
  converged: boolean;
}

function push(result: PowerIterationResult, p: Pair): void {
  result.values.push(p.value);
  result.vectors.push(p.vector);
  result.history.push(p.history);
  result.converged.push(p.converged);
}

async function onePair(
  op: SymOperator,
  found: readonly Float64Array[],
  shift: number,
  rng: Rng,
  maxIter: number,
  tol: number,
): Promise<Pair> {
  let v = gaussian(rng, op.dim);
  orthogonalise(v, found);
  let nv = norm(v);
  if (nv === 0) throw new Error("powerIteration: start vector lies in the span of the eigenvectors found");
  v = v.map((x) => x / nv);
  const history: PowerIterate[] = [];
  for (let it = 0; it < maxIter; it++) {
    const w = await applyOperator(op, v); // A v
    if (shift !== 0) axpy(shift, v, w); // (A + σI) v
    orthogonalise(w, found); // deflate: (I − P)(A + σI) v   (v ⟂ found already)
    const theta = dot(v, w); // Rayleigh quotient
    const r = w.slice();
    axpy(-theta, v, r);
    const residual = norm(r);
    history.push({ value: theta - shift, residual });
    if (residual <= tol * Math.abs(theta)) return { value: theta - shift, vector: v, history, converged: true };
    nv = norm(w);
    if (nv === 0) return { value: -shift, vector: v, history, converged: true }; // v is in the null space
    for (let i = 0; i < w.length; i++) w[i] /= nv;
    v = w;
  }
  return { value: history[history.length - 1].value, vector: v, history, converged: false };
}
