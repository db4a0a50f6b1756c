/**
 * The curvature-operator interface shared by the Hessian, the Gauss–Newton matrix and the finite-difference Hessian:
 * a `SymOperator` (so `powerIteration`, `hutchinson`, `lanczos`, `slq` run on it unchanged) that also says which
 * parameters its flat vectors hold.
 */
import * as tf from "@tensorflow/tfjs";
import { ensureFastKernels } from "../engine/wasm-accel";
import type { SymOperator } from "../spectra/operator";
import { type ParamFilter, type ParamLayout, type ParamSet, selectParams, unflatten } from "./params";

export type CurvatureKind = "hessian" | "gauss-newton" | "finite-difference-hessian";

export interface CurvatureOperator extends SymOperator {
  kind: CurvatureKind;
  /** The selected parameters: coordinate i of a vector belongs to the slice whose [offset, offset+size) holds i. */
  layout: ParamLayout;
  /** Products computed so far (each costs about one `apply`). */
  readonly products: number;
}

/** Reads a 1-D float32 tensor into a new Float64Array and disposes the tensor (async: works on every backend). */
export async function readFlat(t: tf.Tensor): Promise<Float64Array> {
  try {
    return new Float64Array((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}

/** Concatenates tensors (slice order) into one flat 1-D tensor. */
export function concatFlat(ts: readonly tf.Tensor[]): tf.Tensor1D {
  const flat = ts.map((t) => tf.reshape(t, [-1]) as tf.Tensor1D);
  return flat.length === 1 ? flat[0] : tf.concat1d(flat);
}

/** Checks the length of a vector an operator is applied to. */
export function checkLength(what: string, v: Float64Array, dim: number): void {
  if (v.length !== dim) throw new Error(`${what}: vector length ${v.length}, expected ${dim}`);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new Error(`${what}: vector has a non-finite entry at ${i}`);
  }
}

/**
 * A `CurvatureOperator` whose product is built from tf ops: selects the parameters (`filter`), hands `product` the
 * vector split per slice as tensors, and reads the flat result back as float64. Leaves no tensors behind. On the wasm
 * backend it installs the training engine's fast kernels (`ensureFastKernels`, engine/wasm-accel.ts) unless
 * `SKIPLAB_ACCEL=0`.
 */
export function tensorCurvatureOperator(
  kind: CurvatureKind,
  name: string,
  set: ParamSet,
  filter: ParamFilter | undefined,
  product: (v: tf.Tensor[], layout: ParamLayout) => tf.Tensor1D,
): CurvatureOperator {
  const layout = selectParams(set, filter);
  ensureFastKernels(); // OpenBLAS matMuls on wasm unless SKIPLAB_ACCEL=0 (HVPs 2–3× faster; no-op elsewhere)
  return curvatureOperator(kind, layout, name, (v) => readFlat(tf.tidy(() => product(unflatten(v, layout), layout))));
}

/**
 * A `CurvatureOperator` from its product: checks every vector (length, finite entries) and counts products, so each
 * operator only says how it multiplies. `name` prefixes the errors (e.g. "hessianOperator.apply").
 */
export function curvatureOperator(
  kind: CurvatureKind,
  layout: ParamLayout,
  name: string,
  product: (v: Float64Array) => Promise<Float64Array>,
): CurvatureOperator {
  let products = 0;
  return {
    kind,
    dim: layout.dim,
    layout,
    get products() {
      return products;
    },
    async apply(v: Float64Array): Promise<Float64Array> {
      checkLength(`${name}.apply`, v, layout.dim);
      products++;
      return product(v);
    },
  };
}
