/**
 * Optional system LAPACK through the FFI package `koffi`: `LAPACKE_dsyevd` (symmetric eigensolver) and
 * `LAPACKE_dgesdd` (SVD), with OpenBLAS or reference BLAS behind them.
 *
 * The library is looked up lazily, once per process, in this order:
 *   1. the path in the environment variable `SKIPLAB_LAPACKE` (if set; `SKIPLAB_LAPACKE=off` disables LAPACK, so
 *      every "auto" call runs the TypeScript fallback),
 *   2. `liblapacke.so.3`, `liblapacke.so` (Linux; Debian/Ubuntu package `liblapacke`),
 *   3. `$CONDA_PREFIX/lib/liblapacke.so` / `.dylib` (conda-forge `liblapacke`), `liblapacke.dylib` (macOS).
 * When none loads, `backend: "auto"` silently uses the TypeScript fallback (and the result says so), while
 * `backend: "lapack"` throws `lapackMissingError()`, which explains how to install it.
 *
 * The calls are synchronous: they block Node's event loop for their duration (≈0.2–0.5 s at n = 1573).
 */

/** LAPACK_COL_MAJOR in lapacke.h. */
export const LAPACK_COL_MAJOR = 102;

/** The LAPACKE entry points this package uses (argument lists exactly as in lapacke.h). */
export interface LapackeFunctions {
  /** int LAPACKE_dsyevd(int layout, char jobz, char uplo, int n, double* a, int lda, double* w) */
  dsyevd(layout: number, jobz: number, uplo: number, n: number, a: Float64Array, lda: number, w: Float64Array): number;
  /** int LAPACKE_dgesdd(int layout, char jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt) */
  dgesdd(
    layout: number,
    jobz: number,
    m: number,
    n: number,
    a: Float64Array,
    lda: number,
    s: Float64Array,
    u: Float64Array,
    ldu: number,
    vt: Float64Array,
    ldvt: number,
  ): number;
}

/** Whether LAPACKE could be loaded, from where, and why not. */
export interface LapackStatus {
  available: boolean;
  /** The library name or path that loaded. */
  path?: string;
  /** Every candidate tried, with the reason it failed. */
  tried: string[];
}

/** Outcome of trying to load LAPACKE: the status and, when it loaded, the functions. */
export interface LapackProbe {
  status: LapackStatus;
  fns: LapackeFunctions | null;
}

let cached: LapackProbe | null = null;

/** Values of SKIPLAB_LAPACKE that switch LAPACK off. */
const DISABLED = new Set(["off", "none", "0", "false", "js"]);

/** The candidate library names/paths, in the order they are tried (empty when SKIPLAB_LAPACKE=off). */
export function lapackCandidates(env: Record<string, string | undefined> = process.env): string[] {
  const out: string[] = [];
  const forced = env.SKIPLAB_LAPACKE;
  if (forced !== undefined && DISABLED.has(forced.trim().toLowerCase())) return out;
  if (forced) out.push(forced);
  out.push("liblapacke.so.3", "liblapacke.so");
  if (env.CONDA_PREFIX) out.push(`${env.CONDA_PREFIX}/lib/liblapacke.so`, `${env.CONDA_PREFIX}/lib/liblapacke.dylib`);
  out.push("liblapacke.dylib");
  return out;
}

/**
 * Tries the given candidates (default `lapackCandidates()`) without touching the process-wide cache.
 * Exposed for tests and diagnostics; normal code calls `lapack()` / `lapackStatus()`.
 */
export function probeLapack(candidates: string[] = lapackCandidates()): LapackProbe {
  const tried: string[] = [];
  if (candidates.length === 0) {
    tried.push("nothing: LAPACK is disabled (SKIPLAB_LAPACKE=off) or no candidate was given");
    return { status: { available: false, tried }, fns: null };
  }
  let koffi: typeof import("koffi");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    koffi = require("koffi") as typeof import("koffi");
  } catch (err) {
    tried.push(`koffi (the FFI package) failed to load: ${(err as Error).message}`);
    return { status: { available: false, tried }, fns: null };
  }
  for (const path of candidates) {
    try {
      const lib = koffi.load(path);
      const dsyevd = lib.func("int LAPACKE_dsyevd(int, char, char, int, _Inout_ double*, int, _Out_ double*)");
      const dgesdd = lib.func(
        "int LAPACKE_dgesdd(int, char, int, int, _Inout_ double*, int, _Out_ double*, _Out_ double*, int, _Out_ double*, int)",
      );
      const fns: LapackeFunctions = {
        dsyevd: (...args) => dsyevd(...args) as number,
        dgesdd: (...args) => dgesdd(...args) as number,
      };
      return { status: { available: true, path, tried }, fns };
    } catch (err) {
      tried.push(`${path}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return { status: { available: false, tried }, fns: null };
}

/** Loads LAPACKE once (lazily) and reports whether it is usable. */
export function lapackStatus(): LapackStatus {
  if (cached === null) cached = probeLapack();
  return cached.status;
}

/** True when the system LAPACKE library loaded. */
export function lapackAvailable(): boolean {
  return lapackStatus().available;
}

/** The error thrown when `backend: "lapack"` is forced but no LAPACKE library loads. */
export function lapackMissingError(status: LapackStatus = lapackStatus()): Error {
  return new Error(
    [
      "skiplab: LAPACK backend requested but no LAPACKE library could be loaded.",
      ...status.tried.map((t) => `  tried ${t}`),
      'Install it, or use backend: "auto" / "js" for the TypeScript fallback:',
      "  Debian/Ubuntu: apt-get install liblapacke   (OpenBLAS: apt-get install libopenblas0)",
      "  conda:         conda install -c conda-forge liblapacke openblas",
      "  or point SKIPLAB_LAPACKE at the library file, e.g. SKIPLAB_LAPACKE=/usr/lib/x86_64-linux-gnu/liblapacke.so.3",
    ].join("\n"),
  );
}

/** The LAPACKE functions, or null when absent. */
export function lapack(): LapackeFunctions | null {
  if (cached === null) cached = probeLapack();
  return cached.fns;
}

/** LAPACK's `char` arguments are passed as their character codes. */
export function ch(c: string): number {
  return c.charCodeAt(0);
}

/** The linear-algebra backend selector shared by `eigh`, `svd` and the rank helpers. */
export type Backend = "auto" | "lapack" | "js";

/** Resolves a backend request to the one that will run ("auto" → LAPACK when present, else JS). */
export function resolveBackend(requested: Backend = "auto"): "lapack" | "js" {
  if (requested === "js") return "js";
  if (requested !== "auto" && requested !== "lapack") throw new Error(`unknown backend "${String(requested)}"`);
  if (lapackAvailable()) return "lapack";
  if (requested === "lapack") throw lapackMissingError();
  return "js";
}
