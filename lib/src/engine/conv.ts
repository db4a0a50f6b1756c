/**
 * 2-D convolutions for tfjs' wasm backend, on oneDNN (engine/onednn.ts), and their gradients at every order.
 *
 * What tfjs 4.22's wasm backend lacks: `Conv2DBackpropFilter` is not registered at all (every filter gradient
 * throws), `Conv2DBackpropInput` is a scalar loop about 10× slower than the forward conv, and no backprop kernel has
 * a gradient of its own, so a Hessian-vector product through a conv throws. This module
 *
 *   - registers Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter for wasm on oneDNN (NHWC float32; anything
 *     else, e.g. NCHW, goes to tfjs' own kernel where there is one), and three grouped-conv kernels (ResNeXt) whose
 *     gradients are each other (`groupedConv2d`);
 *   - registers the gradients of Conv2D and Conv2DBackpropInput as tfjs defines them, except that a filter gradient
 *     is computed by a forward convolution where the backend has no Conv2DBackpropFilter kernel
 *     (`filterGradientByConv`): without oneDNN, the wasm backend still trains conv nets and differentiates them twice;
 *   - registers the missing gradient of Conv2DBackpropFilter for every backend:
 *       dW = F(x, dy) is bilinear, so for an upstream gradient G (shaped like W)
 *       ∂⟨G, dW⟩/∂x  = Conv2DBackpropInput(dy, G)  (the input gradient of a conv with filter G)
 *       ∂⟨G, dW⟩/∂dy = Conv2D(x, G),
 *     so every order of differentiation through a conv is defined.
 *
 * The kernels are installed by `accelerateWasm()` (engine/wasm-accel.ts) when oneDNN loads; `restoreConvKernels()`
 * puts tfjs' own back (and unregisters those wasm never had). The gradients are registered either way (conv models
 * do it when built).
 */
import * as tf from "@tensorflow/tfjs";
import { type ConvGeometry, convBackwardData, convBackwardWeights, convForward, loadOneDnn } from "./onednn";

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

const pair = (v: number | [number, number] | undefined, def: number): [number, number] =>
  v === undefined ? [def, def] : typeof v === "number" ? [v, v] : [v[0], v[1]];

/** oneDNN's geometry from tfjs' conv info (shapes NHWC, filter HWIO). */
export function convGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    pair(attrs.strides, 1),
    pair(attrs.dilations, 1),
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    padBegin: [info.padInfo.top, info.padInfo.left],
    padEnd: [info.padInfo.bottom, info.padInfo.right],
    groups: 1,
  };
}

const empty = (shape: readonly number[]) => shape.some((d) => d === 0);

/** Runs `compute` on heap views taken after the output is allocated; zero-sized problems give zeros. */
function withOutput(
  backend: WasmBackendLike,
  shape: number[],
  inputs: tf.TensorInfo[],
  compute: (out: Float32Array, ...ins: Float32Array[]) => void,
): tf.TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  const outView = backend.typedArrayFromHeap(out);
  if (inputs.some((t) => empty(t.shape)) || empty(shape)) {
    outView.fill(0);
    return out;
  }
  compute(outView, ...inputs.map((t) => backend.typedArrayFromHeap(t)));
  return out;
}

function usable(attrs: ConvAttrs, ...ts: tf.TensorInfo[]): boolean {
  return (attrs.dataFormat ?? "NHWC") === "NHWC" && ts.every((t) => t.dtype === "float32");
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function fallback(name: string, original: tf.KernelConfig | undefined, args: KernelArgs) {
  if (!original) {
    throw new Error(`${name} on wasm: only NHWC float32 runs on oneDNN, and tfjs has no wasm kernel to fall back to`);
  }
  return original.kernelFunc(args);
}

function conv2dKernel(original?: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!usable(attrs, x, filter)) return fallback("Conv2D", original, args);
    const g = convGeometry(x.shape as never, filter.shape as never, attrs);
    return withOutput(
      args.backend as unknown as WasmBackendLike,
      [g.batch, g.outHeight, g.outWidth, g.outChannels],
      [x, filter],
      (y, xv, wv) => convForward(g, xv, wv, y),
    );
  };
}

function backpropInputKernel(original?: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!usable(attrs, dy, filter)) return fallback("Conv2DBackpropInput", original, args);
    const g = convGeometry(attrs.inputShape!, filter.shape as never, attrs);
    return withOutput(args.backend as unknown as WasmBackendLike, [...attrs.inputShape!], [dy, filter], (dx, dyv, wv) =>
      convBackwardData(g, dyv, wv, dx),
    );
  };
}

function backpropFilterKernel(original?: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!usable(attrs, x, dy)) return fallback("Conv2DBackpropFilter", original, args);
    const g = convGeometry(x.shape as never, attrs.filterShape!, attrs);
    return withOutput(args.backend as unknown as WasmBackendLike, [...attrs.filterShape!], [x, dy], (dw, xv, dyv) =>
      convBackwardWeights(g, xv, dyv, dw),
    );
  };
}

/**
 * The filter gradient of a stride-s NHWC convolution computed by a forward convolution, for backends without a
 * Conv2DBackpropFilter kernel (tfjs' wasm backend when oneDNN is absent):
 *
 *   dW[kh, kw, c, o] = Σ_{n,i,j} x[n, s·i + kh − top, s·j + kw − left, c] · dy[n, i, j, o]
 *                    = conv(xᵀ, dyᵀ; stride 1, dilation s)[c, kh, kw, o],   xᵀ = x as [C, H, W, N], dyᵀ = [OH, OW, N, O]
 *
 * i.e. the batch becomes the contraction channel and dy a dilated filter (XNNPACK runs it; the dilation is written
 * as explicit zeros). Built from tfjs ops with defined gradients, so it is differentiable again.
 */
export function filterGradientByConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: ConvAttrs["pad"],
  dimRoundingMode?: ConvAttrs["dimRoundingMode"],
): tf.Tensor4D {
  const g = convGeometry(x.shape, filterShape, { strides, pad, dimRoundingMode });
  const [sh, sw] = g.strides;
  const [top, left] = g.padBegin;
  // the padding after the input that makes the output exactly filterHeight × filterWidth (crop when negative)
  let bottom = g.filterHeight + (g.outHeight - 1) * sh - g.inHeight - top;
  let right = g.filterWidth + (g.outWidth - 1) * sw - g.inWidth - left;
  let xs = x;
  if (bottom < 0 || right < 0) {
    xs = tf.slice(x, [0, 0, 0, 0], [-1, g.inHeight + Math.min(0, bottom), g.inWidth + Math.min(0, right), -1]);
    bottom = Math.max(0, bottom);
    right = Math.max(0, right);
  }
  const xt = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, N]
  const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, N, O]
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  // the dilation is written out as zeros between the filter taps, so that only undilated convs (whose gradients
  // tfjs defines) are differentiated again
  const out = tf.conv2d(xt, insertZeros(dyt, sh, sw), 1, explicit); // [C, KH, KW, O]
  return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
}

/** f [H, W, I, O] → [(H − 1)·sh + 1, (W − 1)·sw + 1, I, O] with sh − 1 (sw − 1) zero rows (columns) between taps. */
function insertZeros(f: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return f;
  const [h, w, i, o] = f.shape;
  const spread = tf.pad(tf.reshape(f, [h, 1, w, 1, i, o]), [
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
    [0, 0],
  ]);
  const whole = tf.reshape(spread, [h * sh, w * sw, i, o]) as tf.Tensor4D;
  return tf.slice(whole, [0, 0, 0, 0], [(h - 1) * sh + 1, (w - 1) * sw + 1, i, o]);
}

/** The filter gradient F(x, dy): the backend's Conv2DBackpropFilter kernel, or `filterGradientByConv` without one. */
function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: ConvAttrs["pad"],
  dimRoundingMode: ConvAttrs["dimRoundingMode"],
): tf.Tensor4D {
  if (!tf.getKernel("Conv2DBackpropFilter", tf.getBackend())) {
    return filterGradientByConv(x, dy, filterShape, strides, pad, dimRoundingMode);
  }
  const attrs = { strides, pad, dataFormat: "NHWC", filterShape, ...(dimRoundingMode ? { dimRoundingMode } : {}) };
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

let gradientRegistered = false;

/**
 * Registers the gradients of Conv2D and Conv2DBackpropInput (tfjs' own, with the forward-conv filter gradient where
 * the backend has no Conv2DBackpropFilter kernel) and, unless tfjs has one, of Conv2DBackpropFilter (see the module
 * comment). Idempotent; every backend uses them (they are built from tfjs ops).
 */
export function registerConvGradients(): void {
  if (gradientRegistered) return;
  // Conv2D's gradient as tfjs defines it, except that the filter gradient falls back to a forward convolution
  // where the backend has no Conv2DBackpropFilter kernel (so conv nets train on wasm without oneDNN, if slowly).
  tf.registerGradient({
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (upstream: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dy = upstream as tf.Tensor4D;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      const dil = pair(a.dilations, 1);
      if (dil[0] !== 1 || dil[1] !== 1) {
        throw new Error(`gradient of conv2d: dilation rates above 1 are not supported (got ${dil.join(", ")})`);
      }
      if ((a.dataFormat ?? "NHWC") !== "NHWC") throw new Error("gradient of conv2d: only NHWC is supported");
      const strides = pair(a.strides, 1);
      const pad = a.pad as "valid" | "same" | number;
      return {
        x: () => tf.conv2dTranspose(dy, filter, x.shape, strides, pad, a.dimRoundingMode),
        filter: () => filterGradient(x, dy, filter.shape, strides, a.pad, a.dimRoundingMode),
      };
    },
  });
  // The same for Conv2DBackpropInput (its filter gradient is a filter gradient again): second order without oneDNN.
  tf.registerGradient({
    kernelName: "Conv2DBackpropInput",
    inputsToSave: ["dy", "filter"],
    gradFunc: (upstream: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const ddx = upstream as tf.Tensor4D;
      const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      if ((a.dataFormat ?? "NHWC") !== "NHWC") throw new Error("gradient of conv2dTranspose: only NHWC is supported");
      const strides = pair(a.strides, 1);
      return {
        dy: () => tf.conv2d(ddx, filter, strides, a.pad as "valid" | "same" | number, "NHWC", 1, a.dimRoundingMode),
        filter: () => filterGradient(ddx, dy, filter.shape, strides, a.pad, a.dimRoundingMode),
      };
    },
  });
  if (tf.getGradient("Conv2DBackpropFilter")) {
    gradientRegistered = true;
    return;
  }
  tf.registerGradient({
    kernelName: "Conv2DBackpropFilter",
    inputsToSave: ["x", "dy"],
    gradFunc: (upstream: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const G = upstream as tf.Tensor4D;
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      const strides = pair(a.strides, 1);
      const pad = a.pad as "valid" | "same" | number;
      return {
        x: () => tf.conv2dTranspose(dy, G, x.shape, strides, pad, a.dimRoundingMode),
        dy: () => tf.conv2d(x, G, strides, pad, "NHWC", 1, a.dimRoundingMode),
      };
    },
  });
  gradientRegistered = true;
}

// ---- grouped convolutions (ResNeXt): one oneDNN call instead of `groups` sliced convs

const GROUPED = "SkiplabGroupedConv2D";
const GROUPED_INPUT = "SkiplabGroupedConv2DBackpropInput";
const GROUPED_FILTER = "SkiplabGroupedConv2DBackpropFilter";

interface GroupedAttrs {
  strides: number;
  pad: number;
  groups: number;
}

/** Geometry of a grouped conv: x [N,H,W,C], filter [KH,KW,C/groups,O] (output channels group-major). */
function groupedGeometry(xShape: number[], filterShape: number[], a: GroupedAttrs): ConvGeometry {
  const [kh, kw, , out] = filterShape;
  const g = convGeometry(xShape as never, [kh, kw, xShape[3], out], { strides: a.strides, pad: a.pad });
  return { ...g, groups: a.groups };
}

function groupedKernels(): Array<[string, tf.KernelFunc]> {
  const forward: tf.KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = groupedGeometry(x.shape, filter.shape, args.attrs as unknown as GroupedAttrs);
    return withOutput(
      args.backend as unknown as WasmBackendLike,
      [g.batch, g.outHeight, g.outWidth, g.outChannels],
      [x, filter],
      (y, xv, wv) => convForward(g, xv, wv, y),
    );
  };
  const input: tf.KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as GroupedAttrs & { inputShape: number[] };
    const g = groupedGeometry(a.inputShape, filter.shape, a);
    return withOutput(args.backend as unknown as WasmBackendLike, [...a.inputShape], [dy, filter], (dx, dyv, wv) =>
      convBackwardData(g, dyv, wv, dx),
    );
  };
  const filter: tf.KernelFunc = (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as GroupedAttrs & { filterShape: number[] };
    const g = groupedGeometry(x.shape, a.filterShape, a);
    return withOutput(args.backend as unknown as WasmBackendLike, [...a.filterShape], [x, dy], (dw, xv, dyv) =>
      convBackwardWeights(g, xv, dyv, dw),
    );
  };
  return [
    [GROUPED, forward],
    [GROUPED_INPUT, input],
    [GROUPED_FILTER, filter],
  ];
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor4D;

/**
 * The three grouped kernels are bilinear maps of their two inputs, like the ungrouped ones, so their gradients are
 * each other: conv(x, w) → (input(dy, w), filter(x, dy)); input(dy, w) → (conv(G, w), filter(G, dy));
 * filter(x, dy) → (input(dy, G), conv(x, G)).
 */
function registerGroupedGradients(): void {
  if (tf.getGradient(GROUPED)) return;
  const attrsOf = (a: tf.NamedAttrMap) => {
    const { strides, pad, groups } = a as unknown as GroupedAttrs;
    return { strides, pad, groups };
  };
  tf.registerGradient({
    kernelName: GROUPED,
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, w] = saved as tf.Tensor4D[];
      const a = attrsOf(attrs);
      return {
        x: () => run(GROUPED_INPUT, { dy: dy as tf.Tensor, filter: w }, { ...a, inputShape: x.shape }),
        filter: () => run(GROUPED_FILTER, { x, dy: dy as tf.Tensor }, { ...a, filterShape: w.shape }),
      };
    },
  });
  tf.registerGradient({
    kernelName: GROUPED_INPUT,
    inputsToSave: ["dy", "filter"],
    gradFunc: (G, saved, attrs) => {
      const [dy, w] = saved as tf.Tensor4D[];
      const a = attrsOf(attrs);
      return {
        dy: () => run(GROUPED, { x: G as tf.Tensor, filter: w }, a),
        filter: () => run(GROUPED_FILTER, { x: G as tf.Tensor, dy }, { ...a, filterShape: w.shape }),
      };
    },
  });
  tf.registerGradient({
    kernelName: GROUPED_FILTER,
    inputsToSave: ["x", "dy"],
    gradFunc: (G, saved, attrs) => {
      const [x, dy] = saved as tf.Tensor4D[];
      const a = attrsOf(attrs);
      return {
        x: () => run(GROUPED_INPUT, { dy, filter: G as tf.Tensor }, { ...a, inputShape: x.shape }),
        dy: () => run(GROUPED, { x, filter: G as tf.Tensor }, a),
      };
    },
  });
}

/**
 * A convolution with `groups` channel groups, NHWC, symmetric numeric padding: filter [KH, KW, C/groups, O] with
 * the output channels group-major (group g reads input channels g·C/groups … and writes outputs g·O/groups …).
 * One oneDNN call on wasm when the kernels are installed; elsewhere the groups are sliced, convolved and
 * concatenated (the same values).
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number,
  pad: number,
  groups: number,
): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, filter, strides, pad);
  if (tf.getBackend() === "wasm" && tf.getKernel(GROUPED, "wasm"))
    return run(GROUPED, { x, filter }, { strides, pad, groups });
  const xs = tf.split(x, groups, 3);
  const ws = tf.split(filter, groups, 3);
  return tf.concat(
    xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, ws[g] as tf.Tensor4D, strides, pad)),
    3,
  ) as tf.Tensor4D;
}

const KERNELS: Array<[string, (original?: tf.KernelConfig) => tf.KernelFunc]> = [
  ["Conv2D", conv2dKernel],
  ["Conv2DBackpropInput", backpropInputKernel],
  ["Conv2DBackpropFilter", backpropFilterKernel],
  ...groupedKernels().map(([name, f]): [string, () => tf.KernelFunc] => [name, () => f]),
];
const replaced = new Map<string, tf.KernelConfig | null>();

export interface ConvKernelStatus {
  /** Kernel names now served by oneDNN on wasm. */
  kernels: string[];
  /** Why none are, when none are. */
  reason: string;
}

/** Installs the oneDNN conv kernels on the wasm backend (idempotent); says what it did. */
export function installConvKernels(): ConvKernelStatus {
  registerConvGradients();
  registerGroupedGradients();
  const dnnl = loadOneDnn();
  if (!dnnl) return { kernels: [], reason: "oneDNN is not available" };
  restoreConvKernels();
  for (const [name, make] of KERNELS) {
    const original = tf.getKernel(name, "wasm");
    replaced.set(name, original ?? null);
    if (original) tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: make(original) });
  }
  return { kernels: KERNELS.map(([n]) => n), reason: "" };
}

/** Puts tfjs' own conv kernels back (and removes the ones wasm never had). */
export function restoreConvKernels(): void {
  for (const [name, original] of replaced) {
    if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
    if (original) tf.registerKernel(original);
  }
  replaced.clear();
}
