/**
 * Symmetric eigen-decomposition by the cyclic Jacobi method, for the small (≤ ~20×20) Hessians of the toy model.
 *
 * Stopping rule: sweeps over all off-diagonal pairs until the off-diagonal Frobenius norm falls below
 * `tol · ‖A‖_F` (default 1e-15) or `maxSweeps` (default 100) is reached. Jacobi is accurate to high relative
 * precision for small eigenvalues, which is what the null-direction checks need.
 */

/** Result of `jacobiEigen`: eigenvalues ascending, eigenvectors as columns of a row-major n×n matrix. */
export interface ToyEigen {
  /** n: matrix size. */
  n: number;
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns: vectors[r * n + c] is component r of eigenvector c (orthonormal). */
  vectors: Float64Array;
  /** Sweeps used. */
  sweeps: number;
  /** Final off-diagonal Frobenius norm. */
  offNorm: number;
}

/** Eigen-decomposition of the symmetric row-major n×n matrix `a` (not modified; only its upper triangle is read). */
export function jacobiEigen(
  a: ArrayLike<number>,
  n: number,
  opts: { tol?: number; maxSweeps?: number } = {},
): ToyEigen {
  const tol = opts.tol ?? 1e-15;
  const maxSweeps = opts.maxSweeps ?? 100;
  if (a.length < n * n) throw new Error(`toy.jacobiEigen: matrix has ${a.length} entries, need ${n * n}`);
  const A = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      A[r * n + c] = a[r * n + c];
      A[c * n + r] = a[r * n + c];
    }
  }
  const V = new Float64Array(n * n);
  for (let r = 0; r < n; r++) V[r * n + r] = 1;
  let fro = 0;
  for (let q = 0; q < n * n; q++) fro += A[q] * A[q];
  fro = Math.sqrt(fro);
  const offNorm = (): number => {
    let o = 0;
    for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) o += 2 * A[r * n + c] * A[r * n + c];
    return Math.sqrt(o);
  };
  let sweeps = 0;
  let off = offNorm();
  while (off > tol * fro && sweeps < maxSweeps) {
    sweeps++;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        // rotation angle: tan(2φ) = 2 a_pq / (a_qq − a_pp); t = tan φ, smaller root for stability
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const arp = A[r * n + p];
          const arq = A[r * n + q];
          A[r * n + p] = c * arp - s * arq;
          A[r * n + q] = s * arp + c * arq;
        }
        for (let r = 0; r < n; r++) {
          const apr = A[p * n + r];
          const aqr = A[q * n + r];
          A[p * n + r] = c * apr - s * aqr;
          A[q * n + r] = s * apr + c * aqr;
        }
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          const vrp = V[r * n + p];
          const vrq = V[r * n + q];
          V[r * n + p] = c * vrp - s * vrq;
          V[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
    off = offNorm();
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i] - A[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    for (let r = 0; r < n; r++) vectors[r * n + dst] = V[r * n + src];
  });
  return { n, values, vectors, sweeps, offNorm: off };
}

/** Column `c` of a row-major n×n matrix (e.g. one eigenvector of `jacobiEigen`). */
export function eigenvector(e: ToyEigen, c: number): Float64Array {
  const out = new Float64Array(e.n);
  for (let r = 0; r < e.n; r++) out[r] = e.vectors[r * e.n + c];
  return out;
}
