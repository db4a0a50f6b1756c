/**
 * Adam and SGD-with-momentum, each applied to all parameters in one fused kernel call.
 *
 * Why fused: written with tf ops, Adam is ~12 element-wise ops per variable (≈ 750 kernel launches for a 30-layer
 * MLP) and costs about as much as all the matmuls of the step (docs/stack.md#matmul-gradient-speed-trap). Here one custom kernel ("SkiplabAdam",
 * "SkiplabSgd", registered for the wasm and cpu backends) first counts non-finite gradient entries per parameter,
 * and only if there are none walks every parameter once: the optimizer state (m, v or the momentum buffer) is
 * updated in place, the new parameters go to fresh outputs. On wasm the arithmetic runs in a small SIMD module that
 * shares tfjs' heap (simd-update.ts; ~1.5 ms for 0.88 M parameters); on cpu, and for the 0–3 elements past a
 * multiple of 4, in JS. Other backends (webgpu, tensorflow) use the same update written with tf ops inside one
 * `tf.tidy`, without the gradient check (`fused: false` forces that path, to measure what the kernel buys).
 *
 * New parameter values always go into new tensors that the variables are re-pointed at (`assign`): the wasm
 * backend caches XNNPACK operators by the weight tensor's id, so writing a weight in place would leave a stale
 * packed copy behind. The state slots are private to the optimizer and never a matmul operand, so in place is safe.
 *
 * Update rules (PyTorch's, step t = 1, 2, …):
 *   Adam:  g ← g + wd·p (coupled) | p ← p − lr·wd·p (decoupled, AdamW)
 *          m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
 *          p ← p − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)
 *   SGD:   g ← g + wd·p;  buf ← g (t = 1) | μ·buf + g;  d = g + μ·buf (Nesterov) | buf;  p ← p − lr·d
 */
import * as tf from "@tensorflow/tfjs";
import { readAllFloat32, readFloat32Sync } from "../backend/read";
import type { NamedArray } from "../models/network";
import type { AdamConfig, OptimizerConfig, SgdConfig } from "./config";
import { type SimdUpdate, simdUpdate } from "./simd-update";

const ADAM_KERNEL = "SkiplabAdam";
const SGD_KERNEL = "SkiplabSgd";

interface AdamAttrs {
  count: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  t: number;
  weightDecay: number;
  decoupled: boolean;
}
interface SgdAttrs {
  count: number;
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  first: boolean;
}

/** Adam constants of one step (shared by the SIMD and JS paths). */
function adamConstants(a: AdamAttrs) {
  return {
    b1: a.beta1,
    c1: 1 - a.beta1,
    b2: a.beta2,
    c2: 1 - a.beta2,
    step: a.lr / (1 - a.beta1 ** a.t),
    inv: 1 / Math.sqrt(1 - a.beta2 ** a.t),
    eps: a.eps,
    shrink: a.decoupled ? 1 - a.lr * a.weightDecay : 1,
    wd: a.decoupled ? 0 : a.weightDecay,
  };
}
type AdamConstants = ReturnType<typeof adamConstants>;

function sgdConstants(a: SgdAttrs) {
  // buf ← mu·buf + g (mu = 0 on the first step: buf = g);  out = p − lr·(a·g + k·buf)
  return { wd: a.weightDecay, mu: a.first ? 0 : a.momentum, a: a.nesterov ? 1 : 0, k: a.nesterov ? a.momentum : 1, lr: a.lr };
}
type SgdConstants = ReturnType<typeof sgdConstants>;

function countNonFiniteJs(G: Float32Array, from: number): number {
  let bad = 0;
  for (let i = from; i < G.length; i++) {
    const g = G[i];
    if (g - g !== 0) bad++; // NaN or ±Inf
  }
  return bad;
}

/** Adam on elements [from, n): m, v in place, new parameters into OUT. */
function adamJs(P: Float32Array, G: Float32Array, M: Float32Array, V: Float32Array, OUT: Float32Array, from: number, c: AdamConstants): void {
  for (let i = from; i < P.length; i++) {
    const p = P[i];
    const g = G[i] + c.wd * p;
    const m = c.b1 * M[i] + c.c1 * g;
    const v = c.b2 * V[i] + c.c2 * g * g;
    M[i] = m;
    V[i] = v;
    OUT[i] = p * c.shrink - (c.step * m) / (Math.sqrt(v) * c.inv + c.eps);
  }
}

function sgdJs(P: Float32Array, G: Float32Array, B: Float32Array, OUT: Float32Array, from: number, c: SgdConstants): void {
  for (let i = from; i < P.length; i++) {
    const p = P[i];
    const g = G[i] + c.wd * p;
    const b = c.mu * B[i] + g;
    B[i] = b;
    OUT[i] = p - c.lr * (c.a * g + c.k * b);
  }
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { get(id: object): { memoryOffset: number } };
  wasm: { asm?: { memory?: WebAssembly.Memory } };
}
interface CpuBackendLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/** Memory access for the two backends whose tensors JS can reach, plus the SIMD module on wasm. */
interface Access {
  alloc(shape: number[]): tf.TensorInfo;
  view(t: tf.TensorInfo): Float32Array;
  /** Byte offset of a tensor in the wasm heap (wasm only). */
  offset(t: tf.TensorInfo): number;
  simd: SimdUpdate | null;
}
function access(backendName: string, backend: unknown): Access {
  if (backendName === "wasm") {
    const b = backend as WasmBackendLike;
    const memory = b.wasm.asm?.memory;
    return {
      alloc: (shape) => b.makeOutput(shape, "float32"),
      view: (t) => b.typedArrayFromHeap(t),
      offset: (t) => b.dataIdMap.get(t.dataId).memoryOffset,
      simd: memory instanceof WebAssembly.Memory ? simdUpdate(memory) : null,
    };
  }
  const b = backend as CpuBackendLike;
  return {
    alloc: (shape) => b.makeTensorInfo(shape, "float32", new Float32Array(shape.reduce((x, y) => x * y, 1))),
    view: (t) => b.data.get(t.dataId).values,
    offset: () => 0,
    simd: null,
  };
}

/** Non-finite entries of one gradient. */
function countNonFinite(acc: Access, g: tf.TensorInfo): number {
  const n = g.shape.reduce((x, y) => x * y, 1);
  const n4 = n - (n % 4);
  if (acc.simd) return acc.simd.count_nonfinite(acc.offset(g), n4) + countNonFiniteJs(acc.view(g), n4);
  return countNonFiniteJs(acc.view(g), 0);
}

/**
 * Kernel contract (both optimizers): inputs p{i}, g{i} and the state slots; outputs [p'_0 … p'_{n−1}, nonFinite [n]].
 * All gradients are checked first; only when every entry is finite are the slots updated (in place) and the new
 * parameters written. Otherwise nothing changes and the p' outputs are left unwritten (the caller drops them).
 */
/**
 * The part both fused kernels share: allocate the p' outputs and the non-finite counts, then count the non-finite
 * entries of every gradient g{i}. Views and offsets are taken only after every allocation (a wasm allocation may
 * replace the heap buffer).
 */
function fusedPrologue(backendName: "wasm" | "cpu", backend: unknown, ins: Record<string, tf.TensorInfo>, count: number) {
  const acc = access(backendName, backend as Parameters<typeof access>[1]);
  const outs = Array.from({ length: count }, (_, i) => acc.alloc(ins[`p${i}`].shape));
  const nfT = acc.alloc([count]);
  const nf = acc.view(nfT);
  let bad = 0;
  for (let i = 0; i < count; i++) bad += nf[i] = countNonFinite(acc, ins[`g${i}`]);
  return { acc, outs, nfT, bad };
}

function registerFusedKernels(backendName: "wasm" | "cpu"): void {
  if (!tf.getKernel(ADAM_KERNEL, backendName)) {
    tf.registerKernel({
      kernelName: ADAM_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as AdamAttrs;
        const ins = inputs as unknown as Record<string, tf.TensorInfo>;
        const { acc, outs, nfT, bad } = fusedPrologue(backendName, backend, ins, a.count);
        if (bad === 0) {
          const c = adamConstants(a);
          for (let i = 0; i < a.count; i++) {
            const [p, g, m, v, o] = [ins[`p${i}`], ins[`g${i}`], ins[`m${i}`], ins[`v${i}`], outs[i]];
            const n = p.shape.reduce((x, y) => x * y, 1);
            const n4 = acc.simd ? n - (n % 4) : 0;
            if (n4 > 0) acc.simd!.adam(acc.offset(p), acc.offset(g), acc.offset(m), acc.offset(v), acc.offset(o), n4, c.b1, c.c1, c.b2, c.c2, c.step, c.inv, c.eps, c.shrink, c.wd);
            if (n4 < n) adamJs(acc.view(p), acc.view(g), acc.view(m), acc.view(v), acc.view(o), n4, c);
          }
        }
        return [...outs, nfT];
      },
    });
  }
  if (!tf.getKernel(SGD_KERNEL, backendName)) {
    tf.registerKernel({
      kernelName: SGD_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as SgdAttrs;
        const ins = inputs as unknown as Record<string, tf.TensorInfo>;
        const { acc, outs, nfT, bad } = fusedPrologue(backendName, backend, ins, a.count);
        if (bad === 0) {
          const c = sgdConstants(a);
          for (let i = 0; i < a.count; i++) {
            const [p, g, b, o] = [ins[`p${i}`], ins[`g${i}`], ins[`b${i}`], outs[i]];
            const n = p.shape.reduce((x, y) => x * y, 1);
            const n4 = acc.simd ? n - (n % 4) : 0;
            if (n4 > 0) acc.simd!.sgd(acc.offset(p), acc.offset(g), acc.offset(b), acc.offset(o), n4, c.wd, c.mu, c.a, c.k, c.lr);
            if (n4 < n) sgdJs(acc.view(p), acc.view(g), acc.view(b), acc.view(o), n4, c);
          }
        }
        return [...outs, nfT];
      },
    });
  }
}

/** What one optimizer step did. */
export interface StepReport {
  /** False when a gradient had non-finite entries: the parameters were left unchanged. */
  applied: boolean;
  /** Non-finite gradient entries per parameter (same order as the parameters), or null when not checked. */
  nonFinite: number[] | null;
}

/** Optimizer state as named float32 arrays plus the step counter (for checkpoints). */
export interface OptimizerState {
  type: OptimizerConfig["type"];
  t: number;
  arrays: NamedArray[];
}

/**
 * An optimizer bound to a fixed, ordered list of parameters. `step(grads, lr)` applies one update to all of them.
 * `fused: false` forces the tf-ops path (for measuring what the fused kernel buys, and on other backends).
 */
export class Optimizer {
  readonly config: OptimizerConfig;
  /** Completed steps. */
  t = 0;
  private readonly params: tf.Variable[];
  private readonly names: string[];
  /** Adam: [m, v]; SGD: [buf] (per parameter). */
  private slots: tf.Tensor[][];
  private readonly fusedWanted: boolean;

  constructor(config: OptimizerConfig, params: tf.Variable[], names?: string[], options: { fused?: boolean } = {}) {
    this.config = config;
    this.params = params;
    this.names = names ?? params.map((p) => p.name);
    this.fusedWanted = options.fused ?? true;
    const slotCount = config.type === "adam" ? 2 : 1; // SGD keeps its buffer even with momentum 0 (unused then)
    this.slots = Array.from({ length: slotCount }, () => params.map((p) => tf.keep(tf.zerosLike(p))));
  }

  /** Whether updates run through the fused kernel (asked for, and the current backend is wasm or cpu). */
  get isFused(): boolean {
    const backend = tf.getBackend();
    return this.fusedWanted && (backend === "wasm" || backend === "cpu");
  }

  /**
   * Applies one update with learning rate `lr` given gradients in parameter order. When the fused kernel finds a
   * non-finite gradient entry, nothing is changed and `applied` is false.
   */
  step(grads: tf.Tensor[], lr: number): StepReport {
    if (grads.length !== this.params.length) throw new Error(`Optimizer.step: ${grads.length} gradients for ${this.params.length} parameters`);
    if (!this.isFused) return this.stepOps(grads, lr);
    registerFusedKernels(tf.getBackend() as "wasm" | "cpu");
    return this.stepFused(grads, lr);
  }

  private commit(newParams: tf.Tensor[], newSlots: tf.Tensor[][]): void {
    this.params.forEach((p, i) => p.assign(newParams[i]));
    for (const s of this.slots) s.forEach((t) => t.dispose());
    this.slots = newSlots.map((s) => s.map((t) => tf.keep(t)));
    this.t++;
  }

  private stepFused(grads: tf.Tensor[], lr: number): StepReport {
    const n = this.params.length;
    const c = this.config;
    const inputs: Record<string, tf.Tensor> = {};
    this.params.forEach((p, i) => {
      inputs[`p${i}`] = p;
      inputs[`g${i}`] = grads[i];
      if (c.type === "adam") {
        inputs[`m${i}`] = this.slots[0][i];
        inputs[`v${i}`] = this.slots[1][i];
      } else {
        inputs[`b${i}`] = this.slots[0][i];
      }
    });
    const attrs: AdamAttrs | SgdAttrs =
      c.type === "adam"
        ? { count: n, lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, t: this.t + 1, weightDecay: c.weightDecay, decoupled: c.decoupled }
        : { count: n, lr, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay, first: this.t === 0 };
    const outs = tf.engine().runKernel(c.type === "adam" ? ADAM_KERNEL : SGD_KERNEL, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const nonFiniteT = outs[n];
    // A synchronous read is fine here: the fused kernel exists only on wasm and cpu (`isFused`), where the tensor is
    // already in JS-reachable memory. webgpu and tensorflow take `stepOps`, which reads nothing.
    const counts = Array.from(nonFiniteT.dataSync());
    nonFiniteT.dispose();
    const newParams = outs.slice(0, n);
    if (counts.some((x) => x > 0)) {
      newParams.forEach((t) => t.dispose());
      return { applied: false, nonFinite: counts };
    }
    // the slots were updated in place by the kernel
    this.params.forEach((p, i) => p.assign(newParams[i]));
    newParams.forEach((t) => t.dispose()); // the variables hold their own references
    this.t++;
    return { applied: true, nonFinite: counts };
  }

  /** The same updates with tf ops (float32 at every op, so results differ from the fused kernel in the last bits). */
  private stepOps(grads: tf.Tensor[], lr: number): StepReport {
    const c = this.config;
    const t = this.t + 1;
    const result = tf.tidy(() => {
      const newParams: tf.Tensor[] = [];
      const newSlots: tf.Tensor[][] = this.slots.map(() => []);
      this.params.forEach((p, i) => {
        let g = grads[i];
        if (c.type === "adam") {
          const a = c as AdamConfig;
          if (a.weightDecay !== 0 && !a.decoupled) g = tf.add(g, tf.mul(p, a.weightDecay));
          const m = tf.add(tf.mul(this.slots[0][i], a.beta1), tf.mul(g, 1 - a.beta1));
          const v = tf.add(tf.mul(this.slots[1][i], a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - a.beta2 ** t)), a.eps);
          let base: tf.Tensor = p;
          if (a.decoupled && a.weightDecay !== 0) base = tf.mul(p, 1 - lr * a.weightDecay);
          newParams.push(tf.sub(base, tf.mul(tf.div(m, denom), lr / (1 - a.beta1 ** t))));
          newSlots[0].push(m);
          newSlots[1].push(v);
        } else {
          const s = c as SgdConfig;
          if (s.weightDecay !== 0) g = tf.add(g, tf.mul(p, s.weightDecay));
          // buf ← μ·buf + g (buf starts at 0, so buf = g at t = 1; with μ = 0 it is just g); d = g + μ·buf (Nesterov) | buf
          // (a fresh tensor, never a clone: clones may share data, and the fused kernel updates slots in place)
          const buf = tf.add(tf.mul(this.slots[0][i], t === 1 ? 0 : s.momentum), g);
          newSlots[0].push(buf);
          const d = s.nesterov ? tf.add(g, tf.mul(buf, s.momentum)) : buf;
          newParams.push(tf.sub(p, tf.mul(d, lr)));
        }
      });
      return { newParams, newSlots };
    });
    this.commit(result.newParams, result.newSlots);
    result.newParams.forEach((x) => x.dispose());
    return { applied: true, nonFinite: null };
  }

  /**
   * Copies of the optimizer state (names "<param>.m", "<param>.v" or "<param>.momentum"). Synchronous: wasm, cpu,
   * tensorflow; on webgpu use `readState`.
   */
  getState(): OptimizerState {
    const slotNames = this.config.type === "adam" ? ["m", "v"] : ["momentum"];
    const arrays: NamedArray[] = [];
    this.slots.forEach((slot, s) =>
      slot.forEach((t, i) =>
        arrays.push({ name: `${this.names[i]}.${slotNames[s]}`, shape: t.shape.slice(), data: readFloat32Sync(t, "Optimizer.getState", "`await optimizer.readState()`") }),
      ),
    );
    return { type: this.config.type, t: this.t, arrays };
  }

  /** The same copies as `getState`, read asynchronously (every backend, webgpu included). */
  async readState(): Promise<OptimizerState> {
    const slotNames = this.config.type === "adam" ? ["m", "v"] : ["momentum"];
    const t = this.t;
    const entries = this.slots.flatMap((slot, s) => slot.map((x, i) => ({ name: `${this.names[i]}.${slotNames[s]}`, tensor: x })));
    const data = await readAllFloat32(entries.map((e) => e.tensor));
    return { type: this.config.type, t, arrays: entries.map((e, k) => ({ name: e.name, shape: e.tensor.shape.slice(), data: data[k] })) };
  }

  /** Restores a state saved by `getState` (same parameter names and shapes). */
  setState(state: OptimizerState): void {
    if (state.type !== this.config.type) throw new Error(`Optimizer.setState: state is for ${state.type}, optimizer is ${this.config.type}`);
    const byName = new Map(state.arrays.map((a) => [a.name, a]));
    const slotNames = this.config.type === "adam" ? ["m", "v"] : ["momentum"];
    const fresh = this.slots.map((slot, s) =>
      slot.map((t, i) => {
        const a = byName.get(`${this.names[i]}.${slotNames[s]}`);
        if (!a) throw new Error(`Optimizer.setState: missing '${this.names[i]}.${slotNames[s]}'`);
        if (a.data.length !== t.size) throw new Error(`Optimizer.setState: '${a.name}' has ${a.data.length} entries, expected ${t.size}`);
        return tf.keep(tf.tensor(Float32Array.from(a.data), t.shape)); // a copy: the fused kernel updates slots in place
      }),
    );
    for (const s of this.slots) s.forEach((t) => t.dispose());
    this.slots = fresh;
    this.t = state.t;
  }

  dispose(): void {
    for (const s of this.slots) s.forEach((t) => t.dispose());
    this.slots = [];
  }
}
