/**
 * Float64 BLAS on Float64Array through the FFI package `koffi`: `ddot`, `daxpy`, `dscal`, `dnrm2` and `dgemv`, each
 * with a pure-JS fallback that gives the same result to round-off. The flat-vector algebra of `linalg/vector.ts` uses
 * the level-1 routines for long vectors, and Lanczos (`spectra/lanczos.ts`) does its full reorthogonalisation as
 * two `dgemv` per Gram–Schmidt pass on a contiguous basis.
 *
 * Why: on a 592k-parameter model a 100-step Lanczos reorthogonalises with 1.2·10¹⁰ multiply-adds; in JS loops that
 * took 20–41 s, through OpenBLAS' dgemv 9–12 s (one thread, December 2026). dgemv streams the basis from memory at
 * ~11 GB/s there (26–33 GB/s when it fits in cache), so the remaining time is memory bandwidth: each Gram–Schmidt
 * pass reads the whole basis twice.
 *
 * Library: the same lookup as the training engine's float32 BLAS (`blasCandidates` of engine/wasm-accel.ts:
 * `SKIPLAB_BLAS`, libopenblas.so.0, …), loaded lazily on first use, once. `SKIPLAB_BLAS64=off` (or 0/false) forces the
 * JS loops; `useBlas64(false)` does the same at run time (tests compare both). Threads: when the library is OpenBLAS
 * and the training engine has not set a count, `SKIPLAB_BLAS_THREADS` or 1 (tfjs-wasm uses one core in Node).
 *
 * koffi passes a Float64Array (also a `subarray` view, whose byte offset it honours) to C as a raw pointer, no copy.
 * A call costs ~0.7 µs, so short vectors stay in JS (`BLAS64_MIN_LENGTH`).
 */
import { blasCandidates, wasmAccelStatus } from "../engine/wasm-accel";
import { loadFirstLibrary } from "../engine/ffi";

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

/**
 * `linalg/vector.ts` keeps vectors shorter than this in its JS loops. Measured on the 2-core development machine
 * (Node 20, OpenBLAS 0.3.21, one thread): a koffi call costs ~1 µs; ddot/daxpy break even with the JS loops at
 * ~1000 entries (JS 2.4/2.7 µs, BLAS 1.9/1.3 µs) and are 3–8× faster from 4096 on (65536: JS 121/202 µs, BLAS
 * 15/26 µs).
 */
export const BLAS64_MIN_LENGTH = 1024;

type F64 = Float64Array;
interface Blas64Lib {
  path: string;
  ddot(n: number, x: F64, incx: number, y: F64, incy: number): number;
  daxpy(n: number, a: number, x: F64, incx: number, y: F64, incy: number): void;
  dscal(n: number, a: number, x: F64, incx: number): void;
  dnrm2(n: number, x: F64, incx: number): number;
  dgemv(
    order: number,
    trans: number,
    m: number,
    n: number,
    alpha: number,
    a: F64,
    lda: number,
    x: F64,
    incx: number,
    beta: number,
    y: F64,
    incy: number,
  ): void;
}

let lib: Blas64Lib | null | undefined; // undefined: not tried yet
let loadError = "";
let enabled: boolean | undefined; // undefined: from SKIPLAB_BLAS64

function envOf(): Record<string, string | undefined> {
  return typeof process !== "undefined" && process.env ? process.env : {};
}

function envEnabled(): boolean {
  const v = (envOf().SKIPLAB_BLAS64 ?? "").trim().toLowerCase();
  return !(v === "0" || v === "off" || v === "false");
}

function load(): Blas64Lib | null {
  if (lib !== undefined) return lib;
  const env = envOf();
  const r = loadFirstLibrary(
    blasCandidates(env),
    (l, path): Blas64Lib => {
      const found: Blas64Lib = {
        path,
        ddot: l.func("double cblas_ddot(int n, void *x, int incx, void *y, int incy)"),
        daxpy: l.func("void cblas_daxpy(int n, double a, void *x, int incx, void *y, int incy)"),
        dscal: l.func("void cblas_dscal(int n, double a, void *x, int incx)"),
        dnrm2: l.func("double cblas_dnrm2(int n, void *x, int incx)"),
        dgemv: l.func(
          "void cblas_dgemv(int order, int trans, int m, int n, double alpha, void *A, int lda, void *x, int incx, " +
            "double beta, void *y, int incy)",
        ),
      };
      if (wasmAccelStatus().threads === null) {
        try {
          const setThreads = l.func("void openblas_set_num_threads(int n)");
          setThreads(Math.max(1, Math.floor(Number(env.SKIPLAB_BLAS_THREADS) || 1)));
        } catch {
          // not OpenBLAS: leave the library's own threading
        }
      }
      return found;
    },
    "no cblas_ddot/cblas_dgemv",
  );
  if (r.koffiError !== undefined) loadError = `the FFI package koffi did not load: ${r.koffiError}`;
  else if (!r.value) loadError = `no BLAS library with cblas_dgemv found (${r.notes.join("; ")})`;
  return (lib = r.value);
}

/** The loaded float64 BLAS, or null (not found, or switched off by `SKIPLAB_BLAS64=off` / `useBlas64(false)`). */
function active(): Blas64Lib | null {
  if (!(enabled ?? envEnabled())) return null;
  return load();
}

/**
 * Turns the BLAS routes on or off for this process (`undefined`: back to `SKIPLAB_BLAS64`); returns the previous
 * setting. With `false` every function here runs its JS loop.
 */
export function useBlas64(on: boolean | undefined): boolean | undefined {
  const prev = enabled;
  enabled = on;
  return prev;
}

export interface Blas64Status {
  /** The library the float64 routines call, or null (JS loops). */
  library: string | null;
  /** Why the JS loops run, or "". */
  reason: string;
}

/** Which engine the float64 vector algebra uses; loads the library if that has not been tried yet. */
export function blas64Status(): Blas64Status {
  if (!(enabled ?? envEnabled())) {
    return { library: null, reason: enabled === false ? "switched off (useBlas64(false))" : "SKIPLAB_BLAS64=off" };
  }
  const l = load();
  return l ? { library: l.path, reason: "" } : { library: null, reason: loadError };
}

/** Whether a float64 BLAS is in use now (loads it on first call). */
export function blas64Available(): boolean {
  return active() !== null;
}

function check(what: string, cond: boolean, msg: string): void {
  if (!cond) throw new Error(`${what}: ${msg}`);
}

// ---- pure-JS loops: the fallback, and vec's dot/norm below BLAS64_MIN_LENGTH ----

/** xᵀy in JS (two accumulators). */
export function dotJs(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s0 = 0;
  let s1 = 0;
  const n = x.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
  }
  if (i < n) s0 += x[i] * y[i];
  return s0 + s1;
}

/** ‖x‖₂ in JS, scaled so that it neither overflows nor underflows. */
export function nrm2Js(x: ArrayLike<number>): number {
  let big = 0;
  for (let i = 0; i < x.length; i++) big = Math.max(big, Math.abs(x[i]));
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i] / big;
    s += t * t;
  }
  return big * Math.sqrt(s);
}

/** xᵀy (same lengths). */
export function ddot(x: F64, y: F64): number {
  check("ddot", x.length === y.length, `length mismatch ${x.length} vs ${y.length}`);
  const b = active();
  return b && x.length > 0 ? b.ddot(x.length, x, 1, y, 1) : dotJs(x, y);
}

/** y ← y + α·x (in place); returns y. */
export function daxpy(alpha: number, x: F64, y: F64): F64 {
  check("daxpy", x.length === y.length, `length mismatch ${x.length} vs ${y.length}`);
  const b = active();
  if (b && y.length > 0) b.daxpy(y.length, alpha, x, 1, y, 1);
  else for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
  return y;
}

/** x ← α·x (in place); returns x. */
export function dscal(alpha: number, x: F64): F64 {
  const b = active();
  if (b && x.length > 0) b.dscal(x.length, alpha, x, 1);
  else for (let i = 0; i < x.length; i++) x[i] *= alpha;
  return x;
}

// Σxᵢ² is safe from overflow/underflow (no scaling needed) when it lies in [2^-960, 2^960]
const SAFE_LO = 2 ** -960;
const SAFE_HI = 2 ** 960;

/**
 * ‖x‖₂ without overflow or underflow: √(xᵀx) by `ddot` when that sum is safely inside the float64 range, else the
 * scaled JS loop (like `vec.norm`).
 */
export function dnrm2(x: F64): number {
  const b = active();
  if (b && x.length > 0) {
    const s = b.ddot(x.length, x, 1, x, 1);
    if (s >= SAFE_LO && s <= SAFE_HI) return Math.sqrt(s);
    if (s === 0) {
      let big = 0;
      for (let i = 0; i < x.length; i++) big = Math.max(big, Math.abs(x[i]));
      if (big === 0) return 0;
    }
  }
  return nrm2Js(x);
}

/**
 * y ← α·op(A)·x + β·y for a row-major m×n matrix A with leading dimension `lda` (default n; row i starts at
 * A[i·lda], so a column block of a wider matrix is `A.subarray(col0)` with lda = its width): op(A) = A (`trans`
 * false; x has n entries, y m) or Aᵀ (`trans` true; x has m, y n). Returns y. β = 0 overwrites y (NaNs in y do not
 * propagate).
 */
export function dgemv(
  trans: boolean,
  m: number,
  n: number,
  alpha: number,
  A: F64,
  x: F64,
  beta: number,
  y: F64,
  lda: number = n,
): F64 {
  check("dgemv", Number.isInteger(m) && Number.isInteger(n) && m >= 0 && n >= 0, `bad shape ${m}×${n}`);
  check("dgemv", Number.isInteger(lda) && lda >= n, `lda ${lda} < n ${n}`);
  check("dgemv", m === 0 || A.length >= (m - 1) * lda + n, `A has ${A.length} entries, needs ${m}×${n} (lda ${lda})`);
  const [nx, ny] = trans ? [m, n] : [n, m];
  check("dgemv", x.length === nx && y.length === ny, `x has ${x.length} (needs ${nx}), y ${y.length} (needs ${ny})`);
  if (ny === 0) return y;
  if (nx === 0) {
    if (beta === 0) y.fill(0);
    else if (beta !== 1) for (let i = 0; i < ny; i++) y[i] *= beta;
    return y;
  }
  const b = active();
  if (b) {
    if (beta === 0) y.fill(0); // some OpenBLAS versions scale y by β = 0, which keeps NaNs
    b.dgemv(CBLAS_ROW_MAJOR, trans ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, alpha, A, Math.max(1, lda), x, 1, beta, y, 1);
    return y;
  }
  if (!trans) {
    for (let i = 0; i < m; i++) {
      const row = A.subarray(i * lda, i * lda + n);
      const s = alpha * dotJs(row, x);
      y[i] = beta === 0 ? s : beta * y[i] + s;
    }
  } else {
    if (beta === 0) y.fill(0);
    else if (beta !== 1) for (let j = 0; j < n; j++) y[j] *= beta;
    for (let i = 0; i < m; i++) {
      const c = alpha * x[i];
      const o = i * lda;
      for (let j = 0; j < n; j++) y[j] += c * A[o + j];
    }
  }
  return y;
}
