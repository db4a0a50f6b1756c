/**
 * The first of several shared libraries that loads through the FFI package `koffi` and has the functions a caller
 * binds: shared by the float32 BLAS kernels of engine/wasm-accel.ts and the float64 BLAS of linalg/blas64.ts, which
 * look for the same libraries.
 */

/** A library koffi loaded (the subset the callers use). */
export type FfiLibrary = ReturnType<typeof import("koffi").load>;

export interface FfiLoad<T> {
  /** What `bind` returned for the first library that loaded and bound, or null. */
  value: T | null;
  /** The path it came from. */
  path?: string;
  /** Why koffi itself did not load (then nothing was tried). */
  koffiError?: string;
  /** One line per candidate that failed: "<path>: not found" or "<path>: <missing>". */
  notes: string[];
}

/**
 * Tries `candidates` in order: the first that koffi loads and `bind` accepts (bind throws when a function is missing)
 * wins; a candidate whose functions are missing is noted as "<path>: <missing>".
 */
export function loadFirstLibrary<T>(
  candidates: readonly string[],
  bind: (lib: FfiLibrary, path: string) => T,
  missing: string,
): FfiLoad<T> {
  let koffi: typeof import("koffi");
  try {
    koffi = require("koffi") as typeof import("koffi");
  } catch (e) {
    return { value: null, koffiError: (e as Error).message, notes: [] };
  }
  const notes: string[] = [];
  for (const path of candidates) {
    let lib: FfiLibrary;
    try {
      lib = koffi.load(path);
    } catch {
      notes.push(`${path}: not found`);
      continue;
    }
    try {
      return { value: bind(lib, path), path, notes };
    } catch {
      notes.push(`${path}: ${missing}`);
    }
  }
  return { value: null, notes };
}
