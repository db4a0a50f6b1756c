/**
 * Dense float64 vector algebra: dot, axpy, norm, scale, and Gram–Schmidt (orthogonalise, orthonormalise,
 * orthonormalBasis). Every curvature algorithm in `spectra/` is written in it (a flat Float64Array holds all the
 * selected parameters), and so is every orthonormalisation in the library (PCA's subspace iteration, the SVD's
 * completion of a null space, the Gaussian-mixture class means). Exported from the package as the namespace `vec`
 * (e.g. `vec.dot(a, b)`).
 *
 * Convention: functions that return a Float64Array and take an `out`/target argument modify it in place and return
 * it; everything else allocates.
 *
 * dot, norm, axpy and scale call float64 BLAS (`linalg/blas64.ts`, OpenBLAS through koffi) for Float64Arrays of at
 * least `BLAS64_MIN_LENGTH` entries, and JS loops otherwise or when no BLAS loads (`SKIPLAB_BLAS64=off` forces the
 * loops). Both give the same results to round-off (another summation order).
 */
import type { Rng } from "../util/random";
import { BLAS64_MIN_LENGTH, blas64Available, daxpy, ddot, dnrm2, dotJs, dscal, nrm2Js } from "./blas64";

/** Whether x (and y) are long Float64Arrays and a float64 BLAS is in use. */
function viaBlas(x: ArrayLike<number>, y?: ArrayLike<number>): boolean {
  return (
    x.length >= BLAS64_MIN_LENGTH &&
    x instanceof Float64Array &&
    (y === undefined || y instanceof Float64Array) &&
    blas64Available()
  );
}

function sameLength(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`vec.${what}: length mismatch ${a.length} vs ${b.length}`);
}

/** A new zero vector of length n. */
export function zeros(n: number): Float64Array {
  return new Float64Array(n);
}

/** A copy of x. */
export function clone(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x);
}

/** xᵀy (two accumulators; float64 throughout). */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength("dot", x, y);
  return viaBlas(x, y) ? ddot(x as Float64Array, y as Float64Array) : dotJs(x, y);
}

/** ‖x‖₂, scaled so that it neither overflows nor underflows. */
export function norm(x: ArrayLike<number>): number {
  return viaBlas(x) ? dnrm2(x as Float64Array) : nrm2Js(x);
}

/** y ← y + α·x (in place); returns y. */
export function axpy(alpha: number, x: ArrayLike<number>, y: Float64Array): Float64Array {
  sameLength("axpy", x, y);
  if (viaBlas(x, y)) return daxpy(alpha, x as Float64Array, y);
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
  return y;
}

/** x ← α·x (in place); returns x. */
export function scale(alpha: number, x: Float64Array): Float64Array {
  if (viaBlas(x)) return dscal(alpha, x);
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
  return x;
}

/** x ← x/‖x‖ (in place); returns the norm before normalising (0 leaves x unchanged). */
export function normalise(x: Float64Array): number {
  const nrm = norm(x);
  if (nrm > 0) scale(1 / nrm, x);
  return nrm;
}

/**
 * v ← (I − Σᵢ bᵢbᵢᵀ) v against an orthonormal `basis` (in place), by classical Gram–Schmidt repeated `passes`
 * times (default 2: "twice is enough", Giraud et al. 2005, keeps v orthogonal to working precision).
 */
export function orthogonalise(v: Float64Array, basis: readonly Float64Array[], passes = 2): Float64Array {
  for (let pass = 0; pass < passes; pass++) {
    for (const b of basis) {
      const c = dot(b, v);
      if (c !== 0) axpy(-c, b, v);
    }
  }
  return v;
}

/**
 * Orthogonalises v against an orthonormal `basis` (twice) and normalises it, in place. Returns the norm of the
 * orthogonalised vector before normalising; when that is ≤ `dropTol`·(norm of v on entry) the vector is linearly
 * dependent on the basis, is left unnormalised, and the caller should drop it.
 */
export function orthonormalise(v: Float64Array, basis: readonly Float64Array[], dropTol = 0): number {
  const before = norm(v);
  orthogonalise(v, basis, 2);
  const after = norm(v);
  if (after > dropTol * before && after > 0) scale(1 / after, v);
  return after;
}

/**
 * An orthonormal basis of span(vs) (modified Gram–Schmidt with reorthogonalisation), dropping vectors whose
 * remaining norm is ≤ dropTol times their original norm (default 1e-10: numerically dependent). Inputs untouched.
 */
export function orthonormalBasis(vs: readonly ArrayLike<number>[], dropTol = 1e-10): Float64Array[] {
  const out: Float64Array[] = [];
  for (const x of vs) {
    const v = clone(x);
    const before = norm(v);
    if (before === 0) continue;
    const after = orthonormalise(v, out);
    if (after > dropTol * before) out.push(v);
  }
  return out;
}

/** A Rademacher vector (entries ±1 with probability ½ each) of length n from the seeded generator. */
export function rademacher(rng: Rng, n: number): Float64Array {
  const v = new Float64Array(n);
  let bits = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 31) === 0) bits = rng.nextU32();
    v[i] = (bits >>> (i & 31)) & 1 ? 1 : -1;
  }
  return v;
}

/** A standard normal vector of length n from the seeded generator. */
export function gaussian(rng: Rng, n: number): Float64Array {
  return rng.normals(n);
}
