/**
 * Adam and SGD-with-momentum, each applied to all parameters in one fused kernel call.
 *
 * Why fused: written with tf ops, Adam is ~12 element-wise ops per variable (≈ 750 kernel launches for a 30-layer
 * MLP) and costs about as much as all the matmuls of the step (docs/stack.md#matmul-gradient-speed-trap). Here one custom kernel ("SkiplabAdam",
 * "SkiplabSgd"; engine/fused-optimizers.ts) checks the gradients for non-finite entries and updates every parameter
 * in one call on the wasm and cpu backends. Other backends (webgpu, tensorflow) use the same update written with tf ops inside one
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
import { readAllFloat32, readFloat32Sync } from "../engine/read";
import {
  ADAM_KERNEL,
  type AdamAttrs,
  registerFusedKernels,
  SGD_KERNEL,
  type SgdAttrs,
} from "../engine/fused-optimizers";
import type { NamedArray } from "../models/network";
import type { AdamConfig, OptimizerConfig, SgdConfig } from "./config";

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
    if (grads.length !== this.params.length)
      throw new Error(`Optimizer.step: ${grads.length} gradients for ${this.params.length} parameters`);
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
        ? {
            count: n,
            lr,
            beta1: c.beta1,
            beta2: c.beta2,
            eps: c.eps,
            t: this.t + 1,
            weightDecay: c.weightDecay,
            decoupled: c.decoupled,
          }
        : { count: n, lr, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay, first: this.t === 0 };
    const outs = tf
      .engine()
      .runKernel(
        c.type === "adam" ? ADAM_KERNEL : SGD_KERNEL,
        inputs as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
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
        arrays.push({
          name: `${this.names[i]}.${slotNames[s]}`,
          shape: t.shape.slice(),
          data: readFloat32Sync(t, "Optimizer.getState", "`await optimizer.readState()`"),
        }),
      ),
    );
    return { type: this.config.type, t: this.t, arrays };
  }

  /** The same copies as `getState`, read asynchronously (every backend, webgpu included). */
  async readState(): Promise<OptimizerState> {
    const slotNames = this.config.type === "adam" ? ["m", "v"] : ["momentum"];
    const t = this.t;
    const entries = this.slots.flatMap((slot, s) =>
      slot.map((x, i) => ({ name: `${this.names[i]}.${slotNames[s]}`, tensor: x })),
    );
    const data = await readAllFloat32(entries.map((e) => e.tensor));
    return {
      type: this.config.type,
      t,
      arrays: entries.map((e, k) => ({ name: e.name, shape: e.tensor.shape.slice(), data: data[k] })),
    };
  }

  /** Restores a state saved by `getState` (same parameter names and shapes). */
  setState(state: OptimizerState): void {
    if (state.type !== this.config.type)
      throw new Error(`Optimizer.setState: state is for ${state.type}, optimizer is ${this.config.type}`);
    const byName = new Map(state.arrays.map((a) => [a.name, a]));
    const slotNames = this.config.type === "adam" ? ["m", "v"] : ["momentum"];
    const fresh = this.slots.map((slot, s) =>
      slot.map((t, i) => {
        const a = byName.get(`${this.names[i]}.${slotNames[s]}`);
        if (!a) throw new Error(`Optimizer.setState: missing '${this.names[i]}.${slotNames[s]}'`);
        if (a.data.length !== t.size)
          throw new Error(`Optimizer.setState: '${a.name}' has ${a.data.length} entries, expected ${t.size}`);
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
