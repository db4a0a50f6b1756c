/**
 * Seeded matrices and named float64 tolerances shared by the linalg and spectra tests.
 *
 * Tolerances follow the backward-error bounds of Householder/QL/Jacobi methods: residuals and orthogonality of
 * order p(n)·ε with p(n) a low-degree polynomial; we use p(n) = 4·max(n, 10), which leaves a 10–100× margin over
 * what both backends reach on these seeds while still catching any real bug (errors of 1e-8 or worse).
 */
import { orthonormalise } from "../../lib/src/linalg/vector";
import { Rng, subSeed } from "../../lib/src/util/random";
import { lapackAvailable, lapackStatus, type Backend } from "../../lib/src/linalg";
import { needs, pythonWith } from "../support/requirements";

export const EPS = Number.EPSILON;

/** Relative tolerance for residuals ‖AV − VΛ‖/‖A‖, orthogonality ‖VᵀV − I‖ and eigenvalue agreement at size n. */
export function tolFor(n: number): number {
  return 4 * Math.max(n, 10) * EPS;
}

/** A seeded random symmetric n×n matrix, entries N(0, 1) (row-major, both triangles filled). */
export function randomSymmetric(seed: number, n: number): Float64Array {
  const rng = new Rng(subSeed(seed, "symmetric"));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  return A;
}

/** A seeded random m×n matrix, entries N(0, 1). */
export function randomMatrix(seed: number, m: number, n: number): Float64Array {
  return new Rng(subSeed(seed, "matrix")).normals(m * n);
}

/** A seeded random orthogonal n×n matrix, column-major (column i contiguous), by Gram–Schmidt twice. */
export function randomOrthogonal(seed: number, n: number): Float64Array {
  const rng = new Rng(subSeed(seed, "orthogonal"));
  const Q = new Float64Array(n * n);
  const columns: Float64Array[] = [];
  for (let c = 0; c < n; c++) {
    const x = Q.subarray(c * n, (c + 1) * n);
    for (let i = 0; i < n; i++) x[i] = rng.normal();
    orthonormalise(x, columns);
    columns.push(x);
  }
  return Q;
}

/** A = Q diag(λ) Qᵀ (row-major, exactly symmetric) with a seeded random orthogonal Q; returns A and Q. */
export function withSpectrum(seed: number, lambda: ArrayLike<number>): { A: Float64Array; Q: Float64Array } {
  const n = lambda.length;
  const Q = randomOrthogonal(seed, n);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[k * n + i] * lambda[k] * Q[k * n + j];
      A[i * n + j] = A[j * n + i] = s;
    }
  }
  return { A, Q };
}

/** C = A·B for row-major A (m×k), B (k×n). */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += a * B[p * n + j];
    }
  }
  return C;
}

/** max_ij |(AV − VΛ)_ij| for column-major eigenvectors V. */
export function eigResidual(A: Float64Array, n: number, values: Float64Array, V: Float64Array): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    const v = V.subarray(i * n, (i + 1) * n);
    for (let row = 0; row < n; row++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += A[row * n + c] * v[c];
      r = Math.max(r, Math.abs(s - values[i] * v[row]));
    }
  }
  return r;
}

/** max_ij |(VᵀV − I)_ij| for k column-major vectors of length n. */
export function orthogonalityError(V: Float64Array, n: number, k: number): number {
  let r = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += V[i * n + c] * V[j * n + c];
      r = Math.max(r, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return r;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let r = 0;
  for (let i = 0; i < a.length; i++) r = Math.max(r, Math.abs(a[i] - b[i]));
  return r;
}

/** ‖A‖₂ bound used to scale tolerances: max |eigenvalue| (or σ₁). */
export function spectralScale(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** Whether LAPACKE loaded. */
export const HAVE_LAPACK = lapackAvailable();
/** What a LAPACK test needs, for `needs(HAVE_LAPACK, LAPACK_WHAT)`. */
export const LAPACK_WHAT = `LAPACKE (tried: ${lapackStatus().tried.join("; ") || "nothing"}; Debian: apt-get install liblapacke, which scripts/setup.sh does)`;
/** Each backend with the test function that registers its tests: the JS solver always, LAPACK through `needs`. */
export const BACKENDS: Array<[Backend, ReturnType<typeof needs>]> = [
  ["js", needs(true, "")],
  ["lapack", needs(HAVE_LAPACK, LAPACK_WHAT)],
];

/** The project's Python with numpy, for the cross-check (null when absent). */
export const NUMPY_PYTHON: string | null = pythonWith("numpy");
/** What the numpy cross-check needs. */
export const NUMPY_WHAT = "a Python with numpy (Debian: python3-numpy, which scripts/setup.sh installs)";
