/**
 * Tiny functional MLPs for the curvature tests: a ParamSet of plain float32 tensors, a forward closure built only from
 * second-order-safe ops (`dense` with explicit-transpose gradients, relu, add) and the models' second-order-safe
 * softmax cross-entropy or MSE. Layout as in the models: W [fanIn, fanOut], z = x·W + b, names "L1.W", "L1.b", …,
 * "out.W", "out.b". The named float32 tolerances below (ε_f32 = 2⁻²³ ≈ 1.2e-7) each say why they have their size.
 */
import * as tf from "@tensorflow/tfjs";
import type { ForwardFn, LossFn, ParamSet } from "../../lib/src/curvature";
import { meanSquaredError, softmaxCrossEntropy } from "../../lib/src/models/loss";
import { dense } from "../../lib/src/engine/dense";
import { Rng, subSeed } from "../../lib/src/util/random";

/** Nested-gradient HVP vs the assembled matrix applied in float64: the same float32 products (measured ~1e-7). */
export const TOL_HVP_VS_ASSEMBLED = 1e-6;
/** HVP vs central differences: truncation O(h²) ≈ 2.4e-5 plus round-off ε/h ≈ 2.4e-5 per term (measured 2e-5…1e-4). */
export const TOL_HVP_VS_FD = 1e-3;
/** Relative asymmetry max|H − Hᵀ|/max|H| of an assembled float32 Hessian (measured ~1e-7). */
export const TOL_ASYMMETRY = 2e-6;
/** "Zero" for an eigenvalue or a product relative to max|λ|: ≥ 10× the measured float32 noise floor (~1e-7). */
export const TOL_NULL_REL = 1e-5;

export interface TinyNetSpec {
  seed: number;
  inputDim: number;
  /** Hidden widths. */
  hidden: number[];
  outputs: number;
  batch: number;
  task: "ce" | "mse";
  /** Per hidden layer: add the layer input to the ReLU output (needs equal widths). Default none. */
  skip?: boolean[];
  /** Std of the weights' N(0, s²/fanIn) initialisation (default 1.5: He-like, gives O(1) curvature). */
  weightScale?: number;
}

export interface TinyNet {
  spec: TinyNetSpec;
  set: ParamSet;
  x: tf.Tensor2D;
  /** int32 labels [batch] (ce) or float32 targets [batch, outputs] (mse). */
  y: tf.Tensor;
  forward: ForwardFn;
  loss: LossFn;
  /** Post-ReLU activities of hidden layer l (before the skip), [batch, width]. */
  activity(params: tf.Tensor[], layer: number): tf.Tensor2D;
  dispose(): void;
}

function tensorFrom(rng: Rng, shape: number[], std: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(rng.normals(n, 0, std)), shape, "float32");
}

/** Forward pass of the tiny MLP for a parameter list (W1, b1, …, Wout, bout) and inputs x. */
export function mlpForward(spec: TinyNetSpec, params: tf.Tensor[], x: tf.Tensor2D, stopAtLayer?: number): tf.Tensor2D {
  let h = x;
  for (let l = 0; l < spec.hidden.length; l++) {
    const a = tf.relu(dense(h, params[2 * l] as tf.Tensor2D, params[2 * l + 1] as tf.Tensor1D)) as tf.Tensor2D;
    if (stopAtLayer === l) return a;
    h = spec.skip?.[l] ? (tf.add(a, h) as tf.Tensor2D) : a;
  }
  const L = spec.hidden.length;
  return dense(h, params[2 * L] as tf.Tensor2D, params[2 * L + 1] as tf.Tensor1D);
}

/** A seeded tiny MLP with random data (labels uniform over classes, or N(0,1) regression targets). */
export function tinyNet(spec: TinyNetSpec): TinyNet {
  const rng = new Rng(subSeed(spec.seed, "init"));
  const data = new Rng(subSeed(spec.seed, "data"));
  const s = spec.weightScale ?? 1.5;
  const names: string[] = [];
  const tensors: tf.Tensor[] = [];
  let fanIn = spec.inputDim;
  spec.hidden.forEach((w, l) => {
    if (spec.skip?.[l] && w !== fanIn)
      throw new Error(`tinyNet: skip on layer ${l} needs equal widths (${fanIn} → ${w})`);
    names.push(`L${l + 1}.W`, `L${l + 1}.b`);
    tensors.push(tensorFrom(rng, [fanIn, w], s / Math.sqrt(fanIn)), tensorFrom(rng, [w], 0.1));
    fanIn = w;
  });
  names.push("out.W", "out.b");
  tensors.push(tensorFrom(rng, [fanIn, spec.outputs], s / Math.sqrt(fanIn)), tensorFrom(rng, [spec.outputs], 0.1));
  const x = tensorFrom(data, [spec.batch, spec.inputDim], 1) as tf.Tensor2D;
  const y =
    spec.task === "ce"
      ? tf.tensor1d(
          Int32Array.from({ length: spec.batch }, () => data.int(spec.outputs)),
          "int32",
        )
      : tensorFrom(data, [spec.batch, spec.outputs], 1);
  const forward: ForwardFn = (params) => mlpForward(spec, params, x);
  const loss: LossFn = (params) => {
    const out = forward(params);
    return spec.task === "ce" ? softmaxCrossEntropy(out, y as tf.Tensor1D) : meanSquaredError(out, y as tf.Tensor2D);
  };
  return {
    spec,
    set: { names, tensors },
    x,
    y,
    forward,
    loss,
    activity: (params, layer) => mlpForward(spec, params, x, layer),
    dispose() {
      tensors.forEach((t) => t.dispose());
      x.dispose();
      y.dispose();
    },
  };
}

/** Replaces parameter `name`'s values (the old tensor is disposed). */
export function setParam(net: TinyNet, name: string, edit: (values: Float32Array, shape: number[]) => void): void {
  const i = net.set.names.indexOf(name);
  if (i < 0) throw new Error(`no parameter ${name}`);
  const old = net.set.tensors[i];
  const values = Float32Array.from(old.dataSync() as Float32Array);
  edit(values, old.shape);
  net.set.tensors[i] = tf.tensor(values, old.shape, "float32");
  old.dispose();
}

/** Replaces the regression targets with the network's own outputs (so the MSE loss is exactly 0: a global minimum). */
export function makeRealizable(net: TinyNet): void {
  if (net.spec.task !== "mse") throw new Error("makeRealizable: MSE nets only");
  const out = tf.tidy(() => net.forward(net.set.tensors));
  const values = out.dataSync() as Float32Array;
  const y = net.y;
  net.y = tf.tensor(values, out.shape, "float32");
  out.dispose();
  y.dispose();
  const newY = net.y as tf.Tensor2D;
  net.loss = (params) => meanSquaredError(net.forward(params), newY);
}

/** max|a − b| / max|b|. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** Row-major n×n matrix times vector, float64. */
export function matVec(A: Float64Array, n: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
    out[i] = s;
  }
  return out;
}

/** The flat index of element `flat` of parameter `name` in a whole-model layout. */
export function coord(set: ParamSet, name: string, flat: number): number {
  let off = 0;
  for (let i = 0; i < set.names.length; i++) {
    if (set.names[i] === name) return off + flat;
    off += set.tensors[i].size;
  }
  throw new Error(`no parameter ${name}`);
}
