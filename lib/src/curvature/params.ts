/**
 * Parameters as one flat vector: the bridge between a model's named tfjs tensors and the Float64Array algebra of
 * `spectra/` (`SymOperator`, `vec`).
 *
 * A `ParamSet` is the model's trainable tensors with their short names, in a fixed order (e.g. "L1.W", "L1.b", …,
 * "out.W", "out.b"). A `ParamFilter` selects some of them (one layer, a named block, a regex); `selectParams` turns
 * the selection into a `ParamLayout`: which tensors, in which order, at which offsets of the flat vector. The flat
 * vector concatenates the selected tensors in ParamSet order, each in its own row-major (tfjs) element order:
 *
 *   θ_sel = [ vec(T_i1) ; vec(T_i2) ; … ]      length layout.dim = Σ size(T_ik)
 *
 * Loss and forward closures receive the **full** parameter list (ParamSet order). They must compute from the tensors
 * they are given (like a jax function), so that the curvature code can substitute differentiable arguments or
 * perturbed values. When the set holds `tf.Variable`s, perturbed values are instead assigned into the variables for
 * the duration of one call and restored bit for bit afterwards (`withParamValues`), so a closure that reads the
 * model's variables directly also works for every operation here.
 */
import * as tf from "@tensorflow/tfjs";
import { ensureFastKernels } from "../engine/wasm-accel";

/** Named parameter tensors, in a fixed order (the order closures receive them in). */
export interface ParamSet {
  /** Short names, e.g. "L3.W", "L3.b", "out.W". Unique. */
  names: string[];
  /** The tensors (tf.Variable or plain tensors), same order and length as `names`. */
  tensors: tf.Tensor[];
}

/**
 * Which parameters to act on:
 * - `undefined` or `"*"`: all;
 * - a string: the parameter of that exact name, or every parameter whose name starts with `"<string>."` (a layer
 *   "L3" → "L3.W", "L3.b", "L3.bn.gamma"; a block "B2" → "B2.L1.W", …);
 * - a RegExp: names it matches (`.test`);
 * - an array of strings/RegExps: the union;
 * - a predicate on (name, index).
 */
export type ParamFilter = string | RegExp | ReadonlyArray<string | RegExp> | ((name: string, index: number) => boolean);

/** Scalar loss of the full parameter list (ParamSet order), e.g. mean cross-entropy on a fixed probe batch. */
export type LossFn = (params: tf.Tensor[]) => tf.Scalar;

/** Network outputs [batch, outputs] (logits or predictions) of the full parameter list, on a fixed probe batch. */
export type ForwardFn = (params: tf.Tensor[]) => tf.Tensor2D;

/** One selected tensor's place in the flat vector. */
export interface ParamSlice {
  name: string;
  /** Index into the ParamSet. */
  index: number;
  shape: number[];
  size: number;
  /** First coordinate in the flat vector; the slice is [offset, offset + size). */
  offset: number;
}

/** The selected parameters and their positions in the flat vector. */
export interface ParamLayout {
  /** Length of the flat vector. */
  dim: number;
  /** Selected tensors in ParamSet order. */
  slices: ParamSlice[];
  /** Convenience: the selected names. */
  names: string[];
}

/** A parameter array as stored on disk (structurally the same as the models' `NamedArray`). */
export interface ParamArray {
  name: string;
  shape: number[];
  data: Float32Array | Float64Array | ArrayLike<number>;
}

function matcher(filter: ParamFilter | undefined): (name: string, index: number) => boolean {
  if (filter === undefined || filter === "*") return () => true;
  if (typeof filter === "function") return filter;
  if (typeof filter === "string") return (name) => name === filter || name.startsWith(`${filter}.`);
  if (filter instanceof RegExp) return (name) => new RegExp(filter.source, filter.flags.replace("g", "")).test(name);
  const parts = (filter as ReadonlyArray<string | RegExp>).map((f) => matcher(f));
  return (name, index) => parts.some((m) => m(name, index));
}

/** Checks that a ParamSet is well formed (same lengths, unique names, float32 tensors). */
export function checkParamSet(set: ParamSet): void {
  if (set.names.length !== set.tensors.length) {
    throw new Error(`ParamSet: ${set.names.length} names for ${set.tensors.length} tensors`);
  }
  const seen = new Set<string>();
  set.names.forEach((n, i) => {
    if (seen.has(n)) throw new Error(`ParamSet: duplicate name '${n}'`);
    seen.add(n);
    const t = set.tensors[i];
    if (t.isDisposed) throw new Error(`ParamSet: tensor '${n}' is disposed`);
    if (t.dtype !== "float32") throw new Error(`ParamSet: tensor '${n}' has dtype ${t.dtype}, expected float32`);
  });
}

/** The layout of the parameters a filter selects; throws (listing the names) when it selects none. */
export function selectParams(set: ParamSet, filter?: ParamFilter): ParamLayout {
  checkParamSet(set);
  const match = matcher(filter);
  const slices: ParamSlice[] = [];
  let offset = 0;
  set.names.forEach((name, index) => {
    if (!match(name, index)) return;
    const t = set.tensors[index];
    slices.push({ name, index, shape: t.shape.slice(), size: t.size, offset });
    offset += t.size;
  });
  if (slices.length === 0) {
    throw new Error(
      `selectParams: the filter ${describeFilter(filter)} selects no parameter. Names: ${set.names.join(", ")}`,
    );
  }
  return { dim: offset, slices, names: slices.map((s) => s.name) };
}

function describeFilter(filter: ParamFilter | undefined): string {
  if (filter === undefined) return "(all)";
  if (typeof filter === "function") return "(predicate)";
  if (typeof filter === "string" || filter instanceof RegExp) return String(filter);
  return `[${filter.map(String).join(", ")}]`;
}

/**
 * The coordinate ranges [start, end) of the flat vector of `layout` that a sub-filter selects (e.g. one layer's
 * weights inside a whole-model layout), for `blockOperator` or for reading blocks of an assembled Hessian.
 */
export function layoutRanges(layout: ParamLayout, filter: ParamFilter): Array<[number, number]> {
  const match = matcher(filter);
  const out: Array<[number, number]> = [];
  for (const s of layout.slices) {
    if (!match(s.name, s.index)) continue;
    const last = out[out.length - 1];
    if (last && last[1] === s.offset) last[1] = s.offset + s.size;
    else out.push([s.offset, s.offset + s.size]);
  }
  return out;
}

/** The flat float64 copy of the selected parameters' current values. */
export function flattenParams(set: ParamSet, layout: ParamLayout): Float64Array {
  const out = new Float64Array(layout.dim);
  for (const s of layout.slices) out.set(set.tensors[s.index].dataSync() as Float32Array, s.offset);
  return out;
}

/** Flat float64 copy of a list of tensors matching a layout's slices (e.g. gradients), in slice order. */
export function flattenTensors(tensors: readonly tf.Tensor[], layout: ParamLayout): Float64Array {
  if (tensors.length !== layout.slices.length) {
    throw new Error(`flattenTensors: ${tensors.length} tensors for ${layout.slices.length} slices`);
  }
  const out = new Float64Array(layout.dim);
  tensors.forEach((t, k) => {
    const s = layout.slices[k];
    if (t.size !== s.size) throw new Error(`flattenTensors: '${s.name}' has ${t.size} entries, expected ${s.size}`);
    out.set(t.dataSync() as Float32Array, s.offset);
  });
  return out;
}

/** float32 tensors (one per slice, with the slice shapes) holding the pieces of a flat vector. Caller disposes. */
export function unflatten(v: ArrayLike<number>, layout: ParamLayout): tf.Tensor[] {
  if (v.length !== layout.dim) throw new Error(`unflatten: vector length ${v.length}, expected ${layout.dim}`);
  return layout.slices.map((s) => {
    const data = new Float32Array(s.size);
    for (let i = 0; i < s.size; i++) data[i] = v[s.offset + i];
    return tf.tensor(data, s.shape, "float32");
  });
}

/** The full parameter list with the selected tensors replaced by `selected` (slice order). */
export function mergeParams(set: ParamSet, layout: ParamLayout, selected: readonly tf.Tensor[]): tf.Tensor[] {
  const full = set.tensors.slice();
  layout.slices.forEach((s, k) => {
    full[s.index] = selected[k];
  });
  return full;
}

/** The selected tensors themselves (slice order). */
export function selectedTensors(set: ParamSet, layout: ParamLayout): tf.Tensor[] {
  return layout.slices.map((s) => set.tensors[s.index]);
}

function allVariables(set: ParamSet, layout: ParamLayout): boolean {
  return layout.slices.every((s) => set.tensors[s.index] instanceof tf.Variable);
}

/**
 * Runs `fn` with the selected parameters set to the flat values `theta` (float64, rounded to float32) and returns
 * its result. Plain tensors: `fn` gets the full parameter list with new tensors in the selected places (freed after
 * the call). `tf.Variable`s: the values are assigned into the variables, `fn` gets the variables, and the original
 * values are restored afterwards (exactly; also when `fn` throws). `fn` must not return a tensor that aliases an
 * argument.
 */
export function withParamValues<T>(
  set: ParamSet,
  layout: ParamLayout,
  theta: ArrayLike<number>,
  fn: (params: tf.Tensor[]) => T,
): T {
  const fresh = unflatten(theta, layout);
  if (allVariables(set, layout)) {
    const saved = layout.slices.map((s) => tf.clone(set.tensors[s.index]));
    try {
      layout.slices.forEach((s, k) => (set.tensors[s.index] as tf.Variable).assign(fresh[k]));
      return fn(set.tensors.slice());
    } finally {
      layout.slices.forEach((s, k) => (set.tensors[s.index] as tf.Variable).assign(saved[k]));
      saved.forEach((t) => t.dispose());
      fresh.forEach((t) => t.dispose());
    }
  }
  try {
    return fn(mergeParams(set, layout, fresh));
  } finally {
    fresh.forEach((t) => t.dispose());
  }
}

/**
 * Gradients of f() with respect to xs, with zeros (not an exception) for an x that f does not depend on.
 * The value and the gradients are new tensors owned by the caller (or by an enclosing tidy).
 */
export function gradientsOf(f: () => tf.Scalar, xs: readonly tf.Tensor[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.engine().gradients(f, xs as tf.Tensor[], undefined, true);
  return { value, grads: grads.map((g, i) => g ?? tf.zerosLike(xs[i])) };
}

/**
 * The gradient of `f` with respect to the selected entries of the full parameter list `params` (slice order; zeros
 * where `f` does not depend on one). Recorded on the tape, so it can be differentiated again: the building block of
 * every curvature product. Call inside tf.tidy.
 */
export function selectedGrads(
  layout: ParamLayout,
  params: readonly tf.Tensor[],
  f: (params: tf.Tensor[]) => tf.Scalar,
): tf.Tensor[] {
  const xs = layout.slices.map((s) => params[s.index]);
  return gradientsOf(() => f(params.slice()), xs).grads;
}

/** Σ_k ⟨a_k, b_k⟩ over matching lists of tensors, as a scalar tensor. */
export function listDot(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): tf.Scalar {
  if (a.length !== b.length) throw new Error(`listDot: ${a.length} vs ${b.length} tensors`);
  const terms = a.map((t, i) => tf.sum(tf.mul(t, b[i])));
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
}

/** Loss value and flat gradient (float64 copy) of the selected parameters at their current values. */
export function flatGradient(loss: LossFn, set: ParamSet, layout: ParamLayout): { value: number; grad: Float64Array } {
  ensureFastKernels(); // as the curvature operators do (engine/wasm-accel.ts; SKIPLAB_ACCEL=0 keeps tfjs' kernels)
  // one flat tensor [value, ∇L] and a single read-back (reads are the expensive part for small models)
  const flat = tf.tidy(() => {
    const xs = selectedTensors(set, layout);
    const { value, grads } = gradientsOf(() => loss(mergeParams(set, layout, xs)), xs);
    return tf.concat1d([
      tf.reshape(value, [1]) as tf.Tensor1D,
      ...grads.map((g) => tf.reshape(g, [-1]) as tf.Tensor1D),
    ]);
  });
  const data = flat.dataSync() as Float32Array;
  flat.dispose();
  return { value: data[0], grad: new Float64Array(data.subarray(1)) };
}

/** A ParamSet of new float32 tensors from stored arrays (checkpoints). Free it with `disposeParamSet`. */
export function paramSetFromArrays(arrays: readonly ParamArray[]): ParamSet {
  return {
    names: arrays.map((a) => a.name),
    tensors: arrays.map((a) => {
      const size = a.shape.reduce((p, d) => p * d, 1);
      if (a.data.length !== size)
        throw new Error(
          `paramSetFromArrays: '${a.name}' has ${a.data.length} values for shape ${JSON.stringify(a.shape)}`,
        );
      return tf.tensor(new Float32Array(a.data as ArrayLike<number>), a.shape, "float32");
    }),
  };
}

/** Float32 copies of a ParamSet's tensors (the inverse of `paramSetFromArrays`). */
export function paramArraysOf(set: ParamSet): ParamArray[] {
  return set.names.map((name, i) => ({
    name,
    shape: set.tensors[i].shape.slice(),
    data: new Float32Array(set.tensors[i].dataSync() as Float32Array),
  }));
}

/** Disposes every tensor of a ParamSet (use only on sets you created, e.g. from `paramSetFromArrays`). */
export function disposeParamSet(set: ParamSet): void {
  set.tensors.forEach((t) => t.dispose());
}
