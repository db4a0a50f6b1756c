/**
 * Shared pieces of the backend-portable suites in tests/webgpu. These suites read tensors only asynchronously, so they
 * run unchanged on every backend: on wasm in the normal `npm test`, on webgpu with `SKIPLAB_TEST_BACKEND=webgpu`
 * (tests/webgpu/test-backend.ts turns their `initBackend({ force: "wasm" })` into webgpu; scripts/test-webgpu.sh).
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { type BackendName, type BackendReport, initBackend } from "../../lib/src/engine/ladder";
import { readFloat32 } from "../../lib/src/engine/read";
import { Rng } from "../../lib/src/util/random";

/** The backend these suites run on: SKIPLAB_TEST_BACKEND, else wasm. */
export function testBackend(): BackendName {
  return ((process.env.SKIPLAB_TEST_BACKEND ?? "").trim().toLowerCase() || "wasm") as BackendName;
}

/** Initialises the test backend (through the override when one is set) and checks it is the one asked for. */
export async function initTestBackend(): Promise<BackendReport> {
  const r = await initBackend({ force: "wasm" });
  expect(tf.getBackend()).toBe(testBackend());
  return r;
}

/**
 * float32 tolerances. Same-backend comparisons of one computation written two ways: a few ulps × √terms. GPU
 * reductions sum in another order than XNNPACK/JS loops, so comparisons against float64 references get more room.
 */
export const TOL = {
  /** same backend, same maths, different op graph (custom vs built-in gradient) */
  sameBackend: 2e-5,
  /** against a float64 JavaScript reference (sums over ≤ 256 terms) */
  float64: 5e-5,
  /** nested-grad HVP vs central differences, h = 1e-2 in float32 (truncation O(h²) + round-off ε/h) */
  hvpFd: 3e-3,
};

/** max|a − b| / max|b| with asynchronous reads. */
export async function relErr(a: tf.Tensor | ArrayLike<number>, b: tf.Tensor | ArrayLike<number>): Promise<number> {
  const x = a instanceof tf.Tensor ? await readFloat32(a) : a;
  const y = b instanceof tf.Tensor ? await readFloat32(b) : b;
  if (x.length !== y.length) throw new Error(`relErr: lengths ${x.length} and ${y.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / Math.max(den, 1e-30);
}

/** Seeded standard normal data. */
export function normals(rng: Rng, n: number, std = 1): Float32Array {
  return Float32Array.from(rng.normals(n, 0, std));
}

/** Row-major float64 matrix product a [m, k] · b [k, n] (with optional transposes of the stored arrays). */
export function matmul64(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  opts: { ta?: boolean; tb?: boolean } = {},
): Float64Array {
  const out = new Float64Array(m * n);
  const A = (i: number, p: number) => (opts.ta ? a[p * m + i] : a[i * k + p]);
  const B = (p: number, j: number) => (opts.tb ? b[j * k + p] : b[p * n + j]);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      out[i * n + j] = s;
    }
  return out;
}
