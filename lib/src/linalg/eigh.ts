/**
 * Dense symmetric eigensolver: LAPACK `dsyevd` through koffi when available, else a pure-TypeScript
 * Householder tridiagonalisation + implicit QL with Wilkinson shifts.
 */
import { checkShape, unitScale } from "./dense";
import { Backend, LAPACK_COL_MAJOR, ch, lapack, resolveBackend } from "../engine/lapack";
import { formQTransposed, householderTridiagonalize, sortEigen, tridiagonalQL } from "./tridiagonal";

export interface EighOptions {
  /** Also compute eigenvectors (default false: values only, much faster in the JS fallback). */
  vectors?: boolean;
  /** "auto" (default): LAPACK when it loads, else JS. "lapack": LAPACK or throw. "js": always the fallback. */
  backend?: Backend;
}

export interface EighResult {
  /** The n eigenvalues, ascending. */
  values: Float64Array;
  /**
   * Orthonormal eigenvectors, **column-major** n×n: eigenvector i (of values[i]) is
   * `vectors.subarray(i * n, (i + 1) * n)`, i.e. vectors[i*n + r] = V_ri. Present only with `vectors: true`.
   */
  vectors?: Float64Array;
  /** The backend that actually ran. */
  backend: "lapack" | "js";
}

/**
 * Eigen-decomposition A = V diag(values) Vᵀ of a real symmetric n×n matrix stored row-major.
 *
 * Only the lower triangle (A[i*n + j], i ≥ j) is read, as numpy's `eigh` (UPLO="L") does; call `symmetrize` first
 * if A is symmetric only up to round-off. The input is not modified.
 *
 * Accuracy (both backends): normwise backward stable, |λ̂ − λ| ≲ p(n)·ε·‖A‖₂, ‖AV − VΛ‖ and ‖VᵀV − I‖ of order
 * n·ε·‖A‖ and n·ε respectively. The JS fallback costs ≈4n³/3 flops for values (n = 1573: ≈2 s on one core of
 * the development machine, vs ≈0.2 s for LAPACK) and ≈6× that with vectors (≈13 s); `bench/linalg.mjs` measures.
 */
export function eigh(A: Float64Array, n: number, options: EighOptions = {}): EighResult {
  checkShape("eigh", A, n, n);
  const wantVectors = options.vectors ?? false;
  const backend = resolveBackend(options.backend ?? "auto");
  if (n === 0)
    return wantVectors
      ? { values: new Float64Array(0), vectors: new Float64Array(0), backend }
      : { values: new Float64Array(0), backend };
  return backend === "lapack" ? eighLapack(A, n, wantVectors) : eighJs(A, n, wantVectors);
}

function eighLapack(A: Float64Array, n: number, wantVectors: boolean): EighResult {
  const fns = lapack();
  if (fns === null) throw new Error("eigh: LAPACK vanished after it was resolved"); // unreachable
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++)
      if (!Number.isFinite(A[i * n + j])) throw new Error("eigh: matrix has non-finite entries");
  }
  const a = Float64Array.from(A);
  const w = new Float64Array(n);
  // Row-major A read as column-major is Aᵀ; its upper triangle is A's lower triangle, hence uplo = "U".
  const info = fns.dsyevd(LAPACK_COL_MAJOR, ch(wantVectors ? "V" : "N"), ch("U"), n, a, n, w);
  if (info !== 0) {
    throw new Error(
      info < 0 ? `LAPACKE_dsyevd: argument ${-info} is illegal` : `LAPACKE_dsyevd: failed to converge (info = ${info})`,
    );
  }
  // Column-major output: column i (contiguous) is the eigenvector of w[i], already ascending.
  return wantVectors ? { values: w, vectors: a, backend: "lapack" } : { values: w, backend: "lapack" };
}

function eighJs(A: Float64Array, n: number, wantVectors: boolean): EighResult {
  // Work on a copy scaled by an exact power of two to unit size, so no square over/underflows.
  let amax = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) amax = Math.max(amax, Math.abs(A[i * n + j]));
  if (!Number.isFinite(amax)) throw new Error("eigh: matrix has non-finite entries");
  const scale = unitScale(amax);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = A[i * n + j] * scale;

  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  householderTridiagonalize(a, n, d, e, tau);
  const z = wantVectors ? formQTransposed(a, n, tau) : null;
  tridiagonalQL(d, e, z, n);
  const V = sortEigen(d, z, n);
  if (scale !== 1) for (let i = 0; i < n; i++) d[i] /= scale;
  return V === null ? { values: d, backend: "js" } : { values: d, vectors: V, backend: "js" };
}

/** Eigenvalues only: `eigh(A, n, { ...options, vectors: false }).values`. */
export function eigvalsh(A: Float64Array, n: number, options: { backend?: Backend } = {}): Float64Array {
  return eigh(A, n, { backend: options.backend, vectors: false }).values;
}
