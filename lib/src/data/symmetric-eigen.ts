/**
 * Eigen-decomposition of a small dense symmetric matrix by the cyclic Jacobi method (float64).
 *
 * Each rotation zeroes one off-diagonal pair (p, q); sweeps over all pairs repeat until the off-diagonal
 * Frobenius norm is below `tol` times the matrix's Frobenius norm. Quadratic convergence; O(m^3) per sweep, so it is
 * meant for the p x p Rayleigh-Ritz matrices of subspace iteration (p ~ 10-100) and for test ground truth.
 * Stopping rule: off(A) <= tol * ||A||_F, or 100 sweeps.
 */

export interface SymmetricEigen {
  /** Eigenvalues, descending, [m]. */
  values: Float64Array;
  /** Eigenvectors as rows, [m, m] row-major: row i belongs to values[i]. */
  vectors: Float64Array;
  sweeps: number;
}

/** A = V^T diag(values) V for symmetric A ([m, m] row-major; only read, not modified). */
export function symmetricEigen(A: Float64Array, m: number, tol = 1e-14): SymmetricEigen {
  const a = Float64Array.from(A); // working copy, [m, m]
  const v = new Float64Array(m * m); // accumulated rotations, columns are eigenvectors
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let norm = 0;
  for (let i = 0; i < m * m; i++) norm += a[i] * a[i];
  norm = Math.sqrt(norm);
  let sweeps = 0;
  for (; sweeps < 100; sweeps++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += 2 * a[p * m + q] * a[p * m + q];
    if (Math.sqrt(off) <= tol * norm || norm === 0) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (apq === 0) continue;
        const app = a[p * m + p];
        const aqq = a[q * m + q];
        // Rotation angle: tan(2 theta) = 2 a_pq / (a_qq - a_pp); t = tan(theta), the smaller root.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          // columns p, q of A
          const akp = a[k * m + p];
          const akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          // rows p, q of A
          const apk = a[p * m + k];
          const aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p];
          const vkq = v[k * m + q];
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => a[j * m + j] - a[i * m + i]);
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  order.forEach((col, r) => {
    values[r] = a[col * m + col];
    for (let k = 0; k < m; k++) vectors[r * m + k] = v[k * m + col];
  });
  return { values, vectors, sweeps };
}
