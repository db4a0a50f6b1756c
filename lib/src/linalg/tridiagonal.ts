/**
 * Pure-TypeScript symmetric eigensolver kernels (the fallback when LAPACK is absent):
 *
 *  1. `householderTridiagonalize`: Householder reduction T = Qᵀ A Q of a symmetric matrix (LAPACK dsytd2, lower
 *     form). The symmetric matrix–vector product of step k+1 is fused with the rank-2 update of step k, so every step
 *     streams the trailing lower triangle through the cache once, row by row.
 *  2. `formQTransposed`: Qᵀ = H_{n-3}···H_0 from the stored reflectors, built row by row.
 *  3. `tridiagonalQL`: implicit QL with Wilkinson shifts (EISPACK tql2 / Numerical Recipes tqli); each sweep's
 *     Givens rotations are applied to the rows of Vᵀ together, 8 columns at a time (`applySweep`).
 *
 * `eighTridiagonal` (exported) solves a tridiagonal problem directly; Lanczos uses it for its Ritz pairs.
 */
import { FLOAT64_EPS, hypot2 } from "./dense";

/** Deflation floor: |e_m| below this counts as zero whatever the diagonal (guards all-zero blocks). */
const TINY = 1e-300;
/** Most QL sweeps spent on one eigenvalue before giving up (LAPACK allows 30 on average). */
const MAX_SWEEPS_PER_VALUE = 60;

/**
 * Reduces the symmetric row-major n×n matrix `a` (only its lower triangle, a[i*n+j] with i ≥ j, is read) to
 * tridiagonal form in place. On exit: `d` (n) holds the diagonal of T, `e` (n, e[n-1] = 0) the sub-diagonal,
 * `tau` (n) the reflector scalars, and a[i*n+k] for i ≥ k+2 the reflector vectors u_k (u_k[k+1] = 1 implied), with
 * H_k = I − τ_k u_k u_kᵀ and Q = H_0 H_1 ··· H_{n-3}. Cost 4n³/3 flops.
 */
export function householderTridiagonalize(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): void {
  e.fill(0);
  tau.fill(0);
  if (n === 0) return;
  if (n === 1) {
    d[0] = a[0];
    return;
  }
  let u = new Float64Array(n); // reflector of this step, entries k+1..n-1
  let w = new Float64Array(n); // w = p − (τ/2)(pᵀu) u with p = τ A22 u
  let uPrev = new Float64Array(n); // the pending rank-2 update A22 ← A22 − u wᵀ − w uᵀ of the previous step
  let wPrev = new Float64Array(n);
  const y = new Float64Array(n); // y = A22 u
  let pending = false;

  for (let k = 0; k < n - 2; k++) {
    // (1) bring column k (rows ≥ k) up to date with the previous step's update
    if (pending) {
      const uk = uPrev[k];
      const wk = wPrev[k];
      for (let i = k; i < n; i++) a[i * n + k] -= uPrev[i] * wk + wPrev[i] * uk;
    }
    d[k] = a[k * n + k];

    // (2) Householder vector annihilating a[k+2.., k]: H x = β e_1 with x = a[k+1.., k]   (LAPACK dlarfg)
    const alpha = a[(k + 1) * n + k];
    let xnorm2 = 0;
    for (let i = k + 2; i < n; i++) {
      const x = a[i * n + k];
      xnorm2 += x * x;
    }
    let t = 0;
    if (xnorm2 === 0) {
      e[k] = alpha;
    } else {
      const beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + xnorm2) : Math.sqrt(alpha * alpha + xnorm2);
      t = (beta - alpha) / beta;
      const sc = 1 / (alpha - beta);
      u[k + 1] = 1;
      for (let i = k + 2; i < n; i++) {
        const ui = a[i * n + k] * sc;
        u[i] = ui;
        a[i * n + k] = ui; // keep u_k for forming Q
      }
      e[k] = beta;
    }
    tau[k] = t;

    // (3) one pass over the trailing lower triangle (rows/cols ≥ k+1): finish the previous update and form y = A22 u
    y.fill(0, k + 1);
    if (t === 0) u.fill(0, k + 1);
    if (pending) fusedUpdateMatvec(a, n, k + 1, u, uPrev, wPrev, y);
    else symmetricMatvec(a, n, k + 1, u, y);

    // (4) w = τ y − (τ²/2)(yᵀu) u: the rank-2 update of this step, applied lazily by the next pass
    if (t !== 0) {
      let yu = 0;
      for (let i = k + 1; i < n; i++) yu += y[i] * u[i];
      const half = 0.5 * t * t * yu;
      for (let i = k + 1; i < n; i++) w[i] = t * y[i] - half * u[i];
      // swap buffers: (u, w) become the pending update
      const tu = uPrev;
      uPrev = u;
      u = tu;
      const tw = wPrev;
      wPrev = w;
      w = tw;
      pending = true;
    } else {
      pending = false;
    }
  }

  // the last 2×2 block
  const p = n - 2;
  if (pending) {
    a[p * n + p] -= 2 * uPrev[p] * wPrev[p];
    a[(p + 1) * n + p] -= uPrev[p + 1] * wPrev[p] + wPrev[p + 1] * uPrev[p];
    a[(p + 1) * n + p + 1] -= 2 * uPrev[p + 1] * wPrev[p + 1];
  }
  d[p] = a[p * n + p];
  d[p + 1] = a[(p + 1) * n + p + 1];
  e[p] = a[(p + 1) * n + p];
}

/**
 * Rows/cols ≥ k0 of the lower triangle: A ← A − p wᵀ − w pᵀ (p = `up`, w = `wp`), and at the same time
 * y ← y + A_new x (symmetric product from the lower triangle). Unrolled by 4: V8 does not vectorise, so independent
 * accumulators are what keeps the floating-point units busy.
 */
function fusedUpdateMatvec(
  a: Float64Array,
  n: number,
  k0: number,
  x: Float64Array,
  up: Float64Array,
  wp: Float64Array,
  y: Float64Array,
): void {
  for (let i = k0; i < n; i++) {
    const row = i * n;
    const xi = x[i];
    const pu = up[i];
    const pw = wp[i];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = k0;
    for (; j + 3 < i; j += 4) {
      const r = row + j;
      const v0 = a[r] - pu * wp[j] - pw * up[j];
      const v1 = a[r + 1] - pu * wp[j + 1] - pw * up[j + 1];
      const v2 = a[r + 2] - pu * wp[j + 2] - pw * up[j + 2];
      const v3 = a[r + 3] - pu * wp[j + 3] - pw * up[j + 3];
      a[r] = v0;
      a[r + 1] = v1;
      a[r + 2] = v2;
      a[r + 3] = v3;
      s0 += v0 * x[j];
      s1 += v1 * x[j + 1];
      s2 += v2 * x[j + 2];
      s3 += v3 * x[j + 3];
      y[j] += v0 * xi;
      y[j + 1] += v1 * xi;
      y[j + 2] += v2 * xi;
      y[j + 3] += v3 * xi;
    }
    for (; j < i; j++) {
      const v0 = a[row + j] - pu * wp[j] - pw * up[j];
      a[row + j] = v0;
      s0 += v0 * x[j];
      y[j] += v0 * xi;
    }
    const dii = a[row + i] - 2 * pu * pw;
    a[row + i] = dii;
    y[i] += s0 + s1 + s2 + s3 + dii * xi;
  }
}

/** y ← y + A x over rows/cols ≥ k0, reading only the lower triangle of A. */
function symmetricMatvec(a: Float64Array, n: number, k0: number, x: Float64Array, y: Float64Array): void {
  for (let i = k0; i < n; i++) {
    const row = i * n;
    const xi = x[i];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = k0;
    for (; j + 3 < i; j += 4) {
      const r = row + j;
      const v0 = a[r];
      const v1 = a[r + 1];
      const v2 = a[r + 2];
      const v3 = a[r + 3];
      s0 += v0 * x[j];
      s1 += v1 * x[j + 1];
      s2 += v2 * x[j + 2];
      s3 += v3 * x[j + 3];
      y[j] += v0 * xi;
      y[j + 1] += v1 * xi;
      y[j + 2] += v2 * xi;
      y[j + 3] += v3 * xi;
    }
    for (; j < i; j++) {
      const v0 = a[row + j];
      s0 += v0 * x[j];
      y[j] += v0 * xi;
    }
    y[i] += s0 + s1 + s2 + s3 + a[row + i] * xi;
  }
}

/**
 * Qᵀ = H_{n-3}···H_1 H_0 (row-major n×n) from the reflectors left by `householderTridiagonalize`.
 * Built as M ← M H_k for k = n−3 … 0, where M = H_{n-3}···H_{k+1} is the identity outside rows/cols ≥ k+2, so only
 * rows ≥ k+1 change: (M u)_i is a contiguous dot product and the update a contiguous axpy. Cost 4n³/3 flops.
 */
export function formQTransposed(a: Float64Array, n: number, tau: Float64Array): Float64Array {
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) M[i * n + i] = 1;
  // Copy each reflector u_k into row k of the (unused) strict upper triangle so it is contiguous:
  // a[k*n + j] = u_k[j] for j ≥ k+1 (u_k[k+1] = 1).
  for (let k = 0; k < n - 2; k++) {
    a[k * n + k + 1] = 1;
    for (let j = k + 2; j < n; j++) a[k * n + j] = a[j * n + k];
  }
  // Row blocks of M stay in cache while every reflector streams past them once. Per row, the axpy of reflector
  // k+1 is fused with the dot product of reflector k (one pass over the row per reflector instead of two).
  const B = 16;
  const pend = new Float64Array(B); // pend[i − i0] = τ_{k+1} (M u_{k+1})_i, not yet subtracted
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    pend.fill(0);
    let prev = -1; // the reflector whose axpy is pending (-1: none)
    for (let k = Math.min(n - 3, i1 - 2); k >= 0; k--) {
      const t = tau[k];
      const ur = k * n;
      const pr = prev * n;
      for (let i = Math.max(i0, k + 1); i < i1; i++) {
        const row = i * n;
        const ps = prev >= 0 ? pend[i - i0] : 0;
        // entry j = k+1: u_{k+1} has no component there, u_k has 1
        let s0 = M[row + k + 1];
        let s1 = 0;
        let j = k + 2;
        if (ps !== 0) {
          for (; j + 1 < n; j += 2) {
            const m0 = M[row + j] - ps * a[pr + j];
            const m1 = M[row + j + 1] - ps * a[pr + j + 1];
            M[row + j] = m0;
            M[row + j + 1] = m1;
            s0 += m0 * a[ur + j];
            s1 += m1 * a[ur + j + 1];
          }
          if (j < n) {
            const m0 = M[row + j] - ps * a[pr + j];
            M[row + j] = m0;
            s0 += m0 * a[ur + j];
          }
        } else {
          for (; j + 1 < n; j += 2) {
            s0 += M[row + j] * a[ur + j];
            s1 += M[row + j + 1] * a[ur + j + 1];
          }
          if (j < n) s0 += M[row + j] * a[ur + j];
        }
        pend[i - i0] = t * (s0 + s1); // τ_k (M u_k)_i
      }
      prev = k;
    }
    if (prev >= 0) {
      const pr = prev * n;
      for (let i = Math.max(i0, prev + 1); i < i1; i++) {
        const row = i * n;
        const ps = pend[i - i0];
        if (ps !== 0) for (let j = prev + 1; j < n; j++) M[row + j] -= ps * a[pr + j];
      }
    }
  }
  return M;
}

/**
 * Applies one QL sweep's rotations to the rows of Vᵀ (row-major n×n): for i = hi−1 down to lo,
 * rows (i, i+1) ← (c_i·z_i − s_i·z_{i+1}, s_i·z_i + c_i·z_{i+1}). Row i+1 is final once rotation i is done, so the
 * running row ("carry") is kept in registers for 8 columns at a time: one load and one store per entry instead of
 * two of each.
 */
function applySweep(z: Float64Array, n: number, lo: number, hi: number, cs: Float64Array, sn: Float64Array): void {
  let k = 0;
  for (; k + 7 < n; k += 8) {
    let b = hi * n + k;
    let c0 = z[b], c1 = z[b + 1], c2 = z[b + 2], c3 = z[b + 3]; // prettier-ignore
    let c4 = z[b + 4], c5 = z[b + 5], c6 = z[b + 6], c7 = z[b + 7]; // prettier-ignore
    for (let i = hi - 1; i >= lo; i--) {
      const c = cs[i];
      const s = sn[i];
      const r = i * n + k;
      const o = r + n;
      let x = z[r];
      z[o] = s * x + c * c0;
      c0 = c * x - s * c0;
      x = z[r + 1];
      z[o + 1] = s * x + c * c1;
      c1 = c * x - s * c1;
      x = z[r + 2];
      z[o + 2] = s * x + c * c2;
      c2 = c * x - s * c2;
      x = z[r + 3];
      z[o + 3] = s * x + c * c3;
      c3 = c * x - s * c3;
      x = z[r + 4];
      z[o + 4] = s * x + c * c4;
      c4 = c * x - s * c4;
      x = z[r + 5];
      z[o + 5] = s * x + c * c5;
      c5 = c * x - s * c5;
      x = z[r + 6];
      z[o + 6] = s * x + c * c6;
      c6 = c * x - s * c6;
      x = z[r + 7];
      z[o + 7] = s * x + c * c7;
      c7 = c * x - s * c7;
    }
    b = lo * n + k;
    z[b] = c0;
    z[b + 1] = c1;
    z[b + 2] = c2;
    z[b + 3] = c3;
    z[b + 4] = c4;
    z[b + 5] = c5;
    z[b + 6] = c6;
    z[b + 7] = c7;
  }
  for (; k < n; k++) {
    let carry = z[hi * n + k];
    for (let i = hi - 1; i >= lo; i--) {
      const x = z[i * n + k];
      z[(i + 1) * n + k] = sn[i] * x + cs[i] * carry;
      carry = cs[i] * x - sn[i] * carry;
    }
    z[lo * n + k] = carry;
  }
}

/**
 * Eigenvalues (and optionally eigenvectors) of the symmetric tridiagonal matrix with diagonal `d` (n) and
 * sub-diagonal `e` (e[i] couples i and i+1; e[n-1], if present, is ignored), by implicit QL with Wilkinson shifts.
 * Both arrays are overwritten: on exit `d` holds the eigenvalues (unsorted). When `z` is given (row-major n×n,
 * row i = current vector i, typically Qᵀ or the identity), each rotation is applied to rows i, i+1, so on exit row i
 * of `z` is the eigenvector of d[i].
 *
 * Deflation rule: e_m is set to zero when |e_m| ≤ ε·(|d_m| + |d_{m+1}|) (or |e_m| < 1e-300).
 * Throws if an eigenvalue needs more than 60 sweeps (never observed for finite input).
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, z: Float64Array | null, n: number): void {
  if (n <= 1) return;
  e[n - 1] = 0;
  const cs = z === null ? null : new Float64Array(n); // this sweep's rotations, for applySweep
  const sn = z === null ? null : new Float64Array(n);
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const em = Math.abs(e[m]);
        if (em <= FLOAT64_EPS * (Math.abs(d[m]) + Math.abs(d[m + 1])) || em < TINY) break;
      }
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS_PER_VALUE) {
        throw new Error(`tridiagonalQL: no convergence for eigenvalue ${l} after ${MAX_SWEEPS_PER_VALUE} sweeps`);
      }
      // Wilkinson shift: the eigenvalue of the leading 2×2 block [d_l e_l; e_l d_{l+1}] nearer to d_l
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = hypot2(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let restarted = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = hypot2(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // exact underflow: the matrix split, restart on the smaller block
          d[i + 1] -= p;
          e[m] = 0;
          if (z !== null && cs !== null && sn !== null && i + 1 < m) applySweep(z, n, i + 1, m, cs, sn);
          restarted = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (cs !== null && sn !== null) {
          cs[i] = c;
          sn[i] = s;
        }
      }
      if (restarted) continue;
      if (z !== null && cs !== null && sn !== null) applySweep(z, n, l, m, cs, sn);
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Sorts eigenvalues ascending in place; when `z` (row-major, row i = vector of d[i]) is given, returns its rows in
 * the same order (new array), which is the column-major eigenvector matrix V.
 */
export function sortEigen(d: Float64Array, z: Float64Array | null, n: number): Float64Array | null {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const sorted = Float64Array.from(order, (i) => d[i]);
  d.set(sorted);
  if (z === null) return null;
  const V = new Float64Array(n * n);
  for (let r = 0; r < n; r++) V.set(z.subarray(order[r] * n, order[r] * n + n), r * n);
  return V;
}

/** Result of `eighTridiagonal`. */
export interface TridiagonalEigResult {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors, column-major n×n (eigenvector i = vectors.subarray(i*n, (i+1)*n)), when asked for. */
  vectors?: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `diag` (length n) and off-diagonal `off`
 * (length n−1), by implicit QL with Wilkinson shifts. Inputs are not modified. O(n²) for values, O(n³) with vectors.
 */
export function eighTridiagonal(
  diag: ArrayLike<number>,
  off: ArrayLike<number>,
  options: { vectors?: boolean } = {},
): TridiagonalEigResult {
  const n = diag.length;
  if (n > 0 && off.length < n - 1)
    throw new Error(`eighTridiagonal: off-diagonal needs ${n - 1} entries, got ${off.length}`);
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = off[i];
  let z: Float64Array | null = null;
  if (options.vectors) {
    z = new Float64Array(n * n);
    for (let i = 0; i < n; i++) z[i * n + i] = 1;
  }
  tridiagonalQL(d, e, z, n);
  const V = sortEigen(d, z, n);
  return V === null ? { values: d } : { values: d, vectors: V };
}
