/**
 * A recorded gradient tape, replayed for every Hessian-vector product at one parameter point: the forward pass and
 * the first backward pass are computed once, and each product H·v is one reverse sweep of that record with the seed
 * v (PyHessian computes the gradient once with `create_graph=True` and calls `autograd.grad(g, θ, v,
 * retain_graph=True)` per product; this is the same reuse).
 *
 *   record:  g(θ) = ∇_θ L(θ) with tfjs' tape on, so the ops of the backward pass are recorded too
 *   replay:  H v = the reverse sweep of that record from the output g, seeded with v (the vector–Jacobian product
 *            vᵀ ∂g/∂θ = (H v)ᵀ, H symmetric)
 *
 * tfjs has no public API for this: `tf.grads` records a fresh tape and frees it after one sweep. `recordGradientTape`
 * uses the engine's own recording (`startTape` / `endTape` around the nested gradient, exactly as `engine.gradients`
 * does) and keeps the record: the tape nodes, whose `gradient` functions hold the tensors they saved (clones kept by
 * the engine). The sweep is the engine's backpropagation loop, over the nodes between the parameters and g. The
 * products are the same float32 ops as a nested-gradient product in the same order, so they equal `hvpTensors`'
 * (bench/hessian.mjs measures a relative difference of 0; tests/curvature/tape.test.ts checks them, and the record
 * against a parameter change).
 *
 * Cost (bench/hessian.mjs, MLPs of 83k and 592k parameters): a replay is the outer sweep alone, 1.6–1.9 gradients
 * instead of 2.6–2.9 for a recomputed product.
 *
 * Validity: a record belongs to the parameter values it was made at. `matches(set)` compares the data of every
 * tensor of the set with those at recording (a tf.Variable's `assign` gives it new data), and the Hessian operator
 * records again when they differ. The loss must depend on nothing else that changes (the contract of `LossFn`: a
 * fixed batch). Inside an active gradient (a product differentiated again) there is nothing to reuse:
 * `recordGradientTape` returns null and the caller recomputes.
 */
import * as tf from "@tensorflow/tfjs";
import type { ParamLayout, ParamSet } from "./params";
import { gradientsOf, mergeParams, selectedTensors } from "./params";

/** The parts of tfjs' engine a record uses (tfjs-core 4.x `Engine`). */
interface TapeNode {
  id: number;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/** The engine, when it has what a record needs (else null: the caller recomputes). */
function engineInternals(): EngineInternals | null {
  const e = tf.engine() as unknown as Partial<EngineInternals>;
  const ok =
    typeof e.startTape === "function" &&
    typeof e.endTape === "function" &&
    typeof e.scopedRun === "function" &&
    typeof e.tidy === "function" &&
    e.state !== undefined &&
    typeof e.state.gradientDepth === "number";
  return ok ? (e as EngineInternals) : null;
}

/** Whether this tfjs exposes the engine internals a record uses (tests check it, so an upgrade cannot hide a fallback). */
export function tapeReuseAvailable(): boolean {
  return engineInternals() !== null;
}

export interface GradientTape {
  /** H·v for v given per selected slice: one reverse sweep of the record. A new tensor; call inside tf.tidy. */
  hvp(v: readonly tf.Tensor[]): tf.Tensor1D;
  /** Whether the set's tensors still hold the data they held at recording. */
  matches(set: ParamSet): boolean;
  /** Frees the record (the saved tensors and g). */
  dispose(): void;
  /** Tape nodes recorded, and those on a path from the parameters to g. */
  readonly nodes: { recorded: number; swept: number };
}

/** The nodes on a path from `xs` to `y`, with inputs that do not depend on `xs` pruned (tfjs' filtering). */
function pathNodes(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const n of tape) {
    for (const k in n.inputs)
      if (fromX.has(n.inputs[k].id)) {
        n.outputs.forEach((o) => fromX.add(o.id));
        nodesFromX.add(n.id);
        break;
      }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const n = tape[i];
    if (n.outputs.some((o) => toY.has(o.id))) {
      for (const k in n.inputs) toY.add(n.inputs[k].id);
      nodesToY.add(n.id);
    }
  }
  const out: TapeNode[] = [];
  for (const n of tape) {
    if (!nodesFromX.has(n.id) || !nodesToY.has(n.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const k in n.inputs) if (fromX.has(n.inputs[k].id)) inputs[k] = n.inputs[k];
    out.push({ ...n, inputs });
  }
  return out;
}

/**
 * Records the gradient of `loss` with respect to the selected parameters, for replays (see the module comment).
 * Returns null inside an active gradient or when the engine lacks the internals. Leaves no tensors behind besides
 * the record, which `dispose` frees.
 */
export function recordGradientTape(
  loss: (params: tf.Tensor[]) => tf.Scalar,
  set: ParamSet,
  layout: ParamLayout,
): GradientTape | null {
  const engine = engineInternals();
  if (!engine || engine.state.gradientDepth !== 0) return null;
  const xs = selectedTensors(set, layout);
  const dataIds = set.tensors.map((t) => t.dataId);
  let tape: TapeNode[] | null = null;
  let g: tf.Tensor1D;
  const freeSaved = (t: readonly TapeNode[] | null) => t?.forEach((n) => n.saved?.forEach((s) => s.dispose()));
  try {
    g = engine.scopedRun(
      () => engine.startTape(),
      () => engine.endTape(),
      () =>
        engine.tidy("record", () => {
          const { grads } = gradientsOf(() => loss(mergeParams(set, layout, xs)), xs);
          return tf.concat(grads.map((t) => tf.reshape(t, [-1]) as tf.Tensor1D)) as tf.Tensor1D;
        }),
    );
  } catch (e) {
    freeSaved(engine.state.activeTape);
    throw e;
  } finally {
    tape = engine.state.activeTape;
    engine.state.activeTape = null; // what engine.gradients does at depth 0 (where it also frees the saved tensors)
  }
  tf.keep(g);
  const recorded = tape ?? [];
  const nodes = pathNodes(recorded, xs, g);
  let disposed = false;
  const sizes = layout.slices.map((s) => s.size);
  return {
    nodes: { recorded: recorded.length, swept: nodes.length },
    matches(s: ParamSet): boolean {
      return (
        !disposed &&
        s.tensors.length === dataIds.length &&
        s.tensors.every((t, i) => !t.isDisposed && t.dataId === dataIds[i])
      );
    },
    hvp(v: readonly tf.Tensor[]): tf.Tensor1D {
      if (disposed) throw new Error("GradientTape.hvp: the record was disposed");
      if (v.length !== sizes.length) throw new Error(`GradientTape.hvp: ${v.length} slices, expected ${sizes.length}`);
      const seed = tf.concat(v.map((t) => tf.reshape(t, [-1]) as tf.Tensor1D)) as tf.Tensor1D;
      const acc = new Map<number, tf.Tensor>([[g.id, seed]]);
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i];
        const dys = n.outputs.map((o) => acc.get(o.id) ?? null);
        if (dys.every((d) => d === null)) continue; // not on a path from g (another output of a shared node)
        if (!n.gradient) throw new Error(`GradientTape.hvp: no gradient recorded for a tape node (${n.id})`);
        const grads = n.gradient(dys);
        for (const k in n.inputs) {
          const dx = engine.tidy("replay", () => grads[k]());
          const id = n.inputs[k].id;
          const prev = acc.get(id);
          acc.set(id, prev ? tf.add(prev, dx) : dx);
        }
      }
      return tf.concat(xs.map((x) => tf.reshape(acc.get(x.id) ?? tf.zerosLike(x), [-1]) as tf.Tensor1D)) as tf.Tensor1D;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      freeSaved(recorded);
      g.dispose();
    },
  };
}
