/**
 * Glue for training engines whose models keep their parameters in tf.Variables and compute from them directly (the
 * suite's `Network`: `namedParams()`, `forward(x, { returnActivations })`, `loss(output, target)`, `layers[].W`).
 * Typed structurally, so metrics/ does not import models/.
 *
 * The closures it builds ignore their arguments and read the variables: every curvature operation here either passes
 * the variables themselves as the differentiable arguments (Hessian, Gauss–Newton) or assigns perturbed values into
 * them for one call and restores them exactly (finite differences, loss surfaces), so both work (params.ts).
 * The forward pass runs in evaluation mode (BatchNorm running statistics, nothing updated); the loss is the task loss
 * without the bias regulariser.
 */
import { ensureFastKernels } from "../engine/wasm-accel";
import * as tf from "@tensorflow/tfjs";
import type { ForwardFn, LossFn, ParamSet } from "../curvature/params";
import { matrixFromTensor } from "./matrix";
import type { LayerProbe } from "./singularity";

/** The fixed probe batch the measures are computed on. */
export interface ProbeBatch {
  /** Inputs [N, inputDim]. */
  x: tf.Tensor2D;
  /** Targets (int labels [N], one-hot [N, C], or regression targets [N, D]). */
  y?: tf.Tensor;
}

/** What a measure gets at each call. */
export interface MeasureContext {
  /** Global optimizer steps done (0 before training). */
  step: number;
  /** Epochs done (0 before training). */
  epoch: number;
  /** Trainable parameters, in the order the closures take them. */
  params: ParamSet;
  /** Loss of the full parameter list on the probe batch (second-order safe, for Hessian measures). */
  loss?: LossFn;
  /** Outputs [N, C] of the full parameter list on the probe batch (for Gauss–Newton measures). */
  forward?: ForwardFn;
  probe?: ProbeBatch;
  /** Per-layer probe matrices at the current parameters (for activation/weight measures). */
  layers?: () => LayerProbe[] | Promise<LayerProbe[]>;
}

/** The parts of a model the measures use. */
export interface NetworkLike {
  namedParams(): ReadonlyArray<{ name: string; variable: tf.Variable }>;
  forward(
    x: tf.Tensor2D,
    options?: { training?: boolean; returnActivations?: boolean; updateStats?: boolean },
  ): { output: tf.Tensor2D; activations: ReadonlyArray<{ name: string; h: tf.Tensor2D | null; x: tf.Tensor2D }> };
  loss(output: tf.Tensor2D, target: tf.Tensor1D | tf.Tensor2D): tf.Scalar;
  readonly layers: ReadonlyArray<{ name: string; W: tf.Variable | null }>;
}

/** The model's trainable variables as a ParamSet (names as `namedParams()`, e.g. "L3.W"). */
export function networkParamSet(model: NetworkLike): ParamSet {
  const named = model.namedParams();
  return { names: named.map((p) => p.name), tensors: named.map((p) => p.variable) };
}

/**
 * Per-layer probe matrices of a model on a batch: for every layer that reports a nonlinearity output h, the unit
 * activities h [N, units], the layer output x [N, units] (after the skip), and W [fanIn, units] when its shape fits.
 */
export function networkLayerProbes(model: NetworkLike, x: tf.Tensor2D): LayerProbe[] {
  const weights = new Map(model.layers.map((l) => [l.name, l.W]));
  const out: LayerProbe[] = [];
  tf.tidy(() => {
    const { activations } = model.forward(x, { training: false, returnActivations: true, updateStats: false });
    for (const a of activations) {
      if (!a.h) continue;
      const probe: LayerProbe = {
        name: a.name,
        activity: matrixFromTensor(a.h),
        representation: matrixFromTensor(a.x),
      };
      const W = weights.get(a.name);
      if (W && W.rank === 2 && W.shape[1] === a.h.shape[1]) probe.weights = matrixFromTensor(W);
      out.push(probe);
    }
  });
  return out;
}

/** A MeasureContext for a variable-based model on a fixed probe batch (module comment). */
export function networkContext(
  model: NetworkLike,
  probe: ProbeBatch & { y: tf.Tensor1D | tf.Tensor2D },
  at: { step: number; epoch: number },
): MeasureContext {
  ensureFastKernels(); // the measures' products and passes on OpenBLAS matMuls (wasm; SKIPLAB_ACCEL=0 keeps tfjs')
  const forward = () => model.forward(probe.x, { training: false, updateStats: false }).output;
  return {
    step: at.step,
    epoch: at.epoch,
    params: networkParamSet(model),
    forward,
    loss: () => model.loss(forward(), probe.y),
    probe,
    layers: () => networkLayerProbes(model, probe.x),
  };
}
