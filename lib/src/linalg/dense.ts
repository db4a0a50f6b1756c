/**
 * Small dense-matrix helpers over row-major Float64Array storage.
 *
 * Storage convention of this folder: a matrix `A` of shape m×n is a Float64Array of length m·n, **row-major**,
 * `A[i * n + j]` = A_ij. Returned vector sets (eigenvectors, singular vectors) are stored **column-major** so that
 * vector `i` is contiguous: `V.subarray(i * rows, (i + 1) * rows)`; see `column`.
 */

/** Machine epsilon of float64 (2⁻⁵²), the unit used by every default tolerance here. */
export const FLOAT64_EPS = Number.EPSILON;

/** Checks that a flat array holds an m×n matrix; throws a descriptive error otherwise. */
export function checkShape(what: string, A: ArrayLike<number>, m: number, n: number): void {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 0) {
    throw new Error(`${what}: shape must be non-negative integers, got ${m}×${n}`);
  }
  if (A.length !== m * n) throw new Error(`${what}: expected ${m}×${n} = ${m * n} entries, got ${A.length}`);
}

/**
 * (A + Aᵀ)/2 of a square row-major n×n matrix. Writes into `out` (which may be `A` itself, for in place) or a new
 * array. Use it before `eigh` on a matrix that is only symmetric up to round-off (an assembled Hessian).
 */
export function symmetrize(A: Float64Array, n: number, out?: Float64Array): Float64Array {
  checkShape("symmetrize", A, n, n);
  const B = out ?? new Float64Array(n * n);
  if (B.length !== n * n) throw new Error(`symmetrize: out must have ${n * n} entries, got ${B.length}`);
  for (let i = 0; i < n; i++) {
    B[i * n + i] = A[i * n + i];
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (A[i * n + j] + A[j * n + i]); // (A_ij + A_ji)/2
      B[i * n + j] = s;
      B[j * n + i] = s;
    }
  }
  return B;
}

/** max_ij |A_ij − A_ji| / max_ij |A_ij| (0 for the zero matrix): the relative asymmetry of a square matrix. */
export function symmetryError(A: Float64Array, n: number): number {
  checkShape("symmetryError", A, n, n);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      diff = Math.max(diff, Math.abs(A[i * n + j] - A[j * n + i]));
      scale = Math.max(scale, Math.abs(A[i * n + j]), Math.abs(A[j * n + i]));
    }
  }
  return scale === 0 ? 0 : diff / scale;
}

/** Transpose of a row-major m×n matrix (returns row-major n×m). */
export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  checkShape("transpose", A, m, n);
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) T[j * m + i] = A[row + j];
  }
  return T;
}

/** Vector `i` (a view, no copy) of a column-major set of vectors with `rows` entries each. */
export function column(V: Float64Array, rows: number, i: number): Float64Array {
  return V.subarray(i * rows, (i + 1) * rows);
}

/** max_ij |A_ij|. */
export function maxAbs(A: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < A.length; i++) {
    const a = Math.abs(A[i]);
    if (a > m) m = a;
  }
  return m;
}

/** The power of two nearest to 1/x, used to bring a matrix to unit scale exactly (no rounding). */
export function unitScale(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const e = Math.max(-1000, Math.min(1000, Math.round(Math.log2(x))));
  return Math.pow(2, -e);
}

/** √(a² + b²) without overflow or destructive underflow. */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = x > y ? x : y;
  if (big === 0) return 0;
  const small = x > y ? y : x;
  const t = small / big;
  return big * Math.sqrt(1 + t * t);
}
