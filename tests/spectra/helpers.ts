/** Spectra test helpers: known-spectrum operators, optionally async (as a TensorFlow.js HVP will be). */
import { denseOperator, type SymOperator } from "../../lib/src/spectra";
import { withSpectrum } from "../linalg/helpers";

/** A symmetric operator with the given spectrum, its matrix and eigenvectors (column-major Q). */
export function knownOperator(
  seed: number,
  lambda: number[],
  asyncApply = false,
): { op: SymOperator; A: Float64Array; Q: Float64Array } {
  const { A, Q } = withSpectrum(seed, lambda);
  const dense = denseOperator(A, lambda.length);
  const op: SymOperator = asyncApply
    ? {
        dim: dense.dim,
        apply: (v) => new Promise((resolve) => setImmediate(() => resolve(dense.apply(v) as Float64Array))),
      }
    : dense;
  return { op, A, Q };
}

/** Trace of a row-major n×n matrix. */
export function trace(A: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += A[i * n + i];
  return t;
}

/** Mean and standard error of the mean. */
export function meanAndSe(xs: ArrayLike<number>): { mean: number; se: number } {
  const k = xs.length;
  let mean = 0;
  for (let i = 0; i < k; i++) mean += xs[i] / k;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (xs[i] - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (k - 1) / k) };
}
