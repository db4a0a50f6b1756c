/**
 * Small float64 matrix helpers for building fixed matrices (orthogonal initialisations, skip matrices) and for
 * checking them. Row-major Float64Array storage throughout: entry (r, c) of an m×n matrix is `a[r * n + c]`.
 *
 * These run once per model construction on matrices of at most a few thousand rows, so clarity beats speed.
 */
import { eigvalsh } from "../linalg/eigh";
import { svdvals } from "../linalg/svd";
import { Rng } from "../util/random";

/** C = A·B for row-major A [m, k] and B [k, n]. */
export function matmul64(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  }
  return c;
}

/** Aᵀ for row-major A [m, n] → [n, m]. */
export function transpose64(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/**
 * A Haar-distributed random matrix with orthonormal columns, [m, n] with m ≥ n (n = m: orthogonal).
 *
 * Method: Householder QR of an m×n standard-normal matrix G = QR, then Q·diag(sign(diag R)) (the sign fix makes the
 * distribution exactly Haar; Mezzadri 2007). For m < n, the transpose of the [n, m] case (orthonormal rows).
 */
export function randomOrthogonal(rng: Rng, m: number, n: number = m): Float64Array {
  if (m < n) return transpose64(randomOrthogonal(rng, n, m), n, m);
  const g = rng.normals(m * n);
  return householderQ(g, m, n);
}

/**
 * The thin Q factor [m, n] (m ≥ n) of the Householder QR of row-major `a` [m, n], with the columns' signs chosen
 * so that diag(R) > 0. `a` is overwritten.
 */
export function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // v = a[k:, k] + sign(a_kk)‖a[k:, k]‖ e_1
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const akk = a[k * n + k];
    const alpha = akk >= 0 ? -norm : norm; // R_kk = alpha
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k];
    v[0] -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i] * v[i];
    if (vnorm > 0) {
      // apply H = I − 2vvᵀ/vᵀv to the remaining columns
      for (let j = k; j < n; j++) {
        let s = 0;
        for (let i = k; i < m; i++) s += v[i - k] * a[i * n + j];
        s = (2 * s) / vnorm;
        for (let i = k; i < m; i++) a[i * n + j] -= s * v[i - k];
      }
    }
    vs.push(vnorm > 0 ? v.map((x) => x / Math.sqrt(vnorm)) : v);
    signs[k] = alpha >= 0 ? 1 : -1; // sign of R_kk
  }
  // Q = H_0 H_1 … H_{n−1} applied to the first n columns of I.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * q[i * n + j];
      s *= 2;
      if (s === 0) continue;
      for (let i = k; i < m; i++) q[i * n + j] -= s * v[i - k];
    }
  }
  for (let j = 0; j < n; j++) if (signs[j] < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
  return q;
}

/** Eigenvalues (ascending) of a symmetric n×n row-major matrix, in float64 (linalg's `eigvalsh`: LAPACK or the TS fallback). */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  return eigvalsh(
    Float64Array.from({ length: n * n }, (_, i) => a[i]),
    n,
  );
}

/** Singular values (descending) of a row-major m×n matrix, in float64 (linalg's `svdvals`). */
export function singularValues(a: ArrayLike<number>, m: number, n: number): Float64Array {
  return svdvals(
    Float64Array.from({ length: m * n }, (_, i) => a[i]),
    m,
    n,
  );
}
