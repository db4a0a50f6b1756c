/**
 * Singularity measures as training callbacks and on stored checkpoints.
 *
 * The contract with a training engine (it need not know any measure):
 *
 *   const cb = measureCallback([layerMeasure(), hessianMeasure({ blocks: "layers" })], { everySteps: 100, everyEpochs: 1 });
 *   // inside the loop, after an optimizer step / at an epoch end:
 *   const extra = await cb.onStep?.(ctx);     // a flat record, or undefined when not due
 *   const extra = await cb.onEpoch?.(ctx);    // merge it into the epoch's metrics line
 *
 * where `ctx: MeasureContext` gives the global step and epoch, the trainable parameters (`ParamSet`: names and
 * tensors, e.g. the model's tf.Variables), a loss closure and (optionally) a forward closure on a **fixed probe
 * batch**, and (optionally) a function returning the per-layer probe matrices (`LayerProbe`: unit activities h = f(z)
 * [N, units], layer outputs [N, units], incoming weights W [fanIn, units]). Measures only read: the parameters are
 * restored exactly after every perturbation, and no tensor is left behind. Records are flat
 * `Record<string, number | string | null>` (Infinity for a singular κ), `callback.records` keeps them all.
 *
 * On a checkpoint: `measureCheckpoint(arrays, makeContext, measures)` builds the ParamSet from stored arrays (name,
 * shape, data), lets `makeContext` attach the closures for those tensors, runs the measures, and frees the tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { gaussNewtonOperator, OutputLoss } from "../curvature/gauss-newton";
import { hessianOperator } from "../curvature/hessian";
import type { CurvatureOperator } from "../curvature/operator";
import { disposeParamSet, ForwardFn, LossFn, ParamArray, ParamFilter, ParamSet, paramSetFromArrays } from "../curvature/params";
import { lanczos } from "../spectra/lanczos";
import { LossSurface, lossSurface, LossSurfaceOptions } from "./loss-surface";
import {
  BlockDegeneracy,
  flattenDegeneracy,
  flattenSingularities,
  hessianDegeneracy,
  HessianDegeneracyOptions,
  LayerProbe,
  LayerSingularity,
  layerSingularities,
  LayerSingularityOptions,
  MeasureRecord,
} from "./singularity";

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

/** A measure: reads the context, returns flat scalars. */
export type Measure = (ctx: MeasureContext) => MeasureRecord | Promise<MeasureRecord>;

/** The callback interface a training engine calls (both hooks optional). */
export interface TrainingCallback {
  /** After an optimizer step; returns a record when a measure was due, else undefined. */
  onStep?(ctx: MeasureContext): Promise<MeasureRecord | undefined>;
  /** At an epoch end (epoch 0: before training); returns a record when due. */
  onEpoch?(ctx: MeasureContext): Promise<MeasureRecord | undefined>;
}

export interface MeasureSchedule {
  /** Run at steps k, 2k, … (omit: never on steps). */
  everySteps?: number;
  /** Run at epochs k, 2k, … and at epoch 0 when the engine reports it (omit: never on epochs). */
  everyEpochs?: number;
}

export interface CallbackRecord {
  trigger: "step" | "epoch";
  step: number;
  epoch: number;
  values: MeasureRecord;
  /** Wall seconds the measures took. */
  seconds: number;
}

export interface MeasureCallback extends TrainingCallback {
  /** Every record produced, in order. */
  readonly records: CallbackRecord[];
}

function checkEvery(name: string, k: number | undefined): void {
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new Error(`measureCallback: ${name} must be a positive integer, got ${k}`);
}

async function runMeasures(measures: readonly Measure[], ctx: MeasureContext): Promise<MeasureRecord> {
  const out: MeasureRecord = {};
  for (const m of measures) Object.assign(out, await m(ctx));
  return out;
}

/** Runs `measures` on the given schedule (module comment); keeps every record in `records`. */
export function measureCallback(measures: Measure | readonly Measure[], schedule: MeasureSchedule): MeasureCallback {
  const list = typeof measures === "function" ? [measures] : measures.slice();
  checkEvery("everySteps", schedule.everySteps);
  checkEvery("everyEpochs", schedule.everyEpochs);
  const records: CallbackRecord[] = [];
  const run = async (trigger: "step" | "epoch", ctx: MeasureContext): Promise<MeasureRecord> => {
    const t0 = performance.now();
    const values = await runMeasures(list, ctx);
    records.push({ trigger, step: ctx.step, epoch: ctx.epoch, values, seconds: (performance.now() - t0) / 1000 });
    return values;
  };
  const cb: MeasureCallback = { records };
  if (schedule.everySteps !== undefined) {
    const k = schedule.everySteps;
    cb.onStep = async (ctx) => (ctx.step > 0 && ctx.step % k === 0 ? run("step", ctx) : undefined);
  }
  if (schedule.everyEpochs !== undefined) {
    const k = schedule.everyEpochs;
    cb.onEpoch = async (ctx) => (ctx.epoch % k === 0 ? run("epoch", ctx) : undefined);
  }
  return cb;
}

function need<T>(value: T | undefined, what: string, measure: string): T {
  if (value === undefined) throw new Error(`${measure}: the MeasureContext has no '${what}'`);
  return value;
}

/** Elimination, overlap, linear dependence and κ per layer (needs `ctx.layers`); keys as `flattenSingularities`. */
export function layerMeasure(
  options: LayerSingularityOptions & { prefix?: string; onResult?: (rows: LayerSingularity[], ctx: MeasureContext) => void } = {},
): Measure {
  return async (ctx) => {
    const layers = await need(ctx.layers, "layers", "layerMeasure")();
    const rows = layerSingularities(layers, options);
    options.onResult?.(rows, ctx);
    return flattenSingularities(rows, options.prefix ?? "");
  };
}

/** Exact Hessian spectra per block and their degeneracy fractions (needs `ctx.loss`); keys as `flattenDegeneracy`. */
export function hessianMeasure(
  options: HessianDegeneracyOptions & { prefix?: string; onResult?: (blocks: BlockDegeneracy[], ctx: MeasureContext) => void } = {},
): Measure {
  return async (ctx) => {
    const blocks = await hessianDegeneracy(need(ctx.loss, "loss", "hessianMeasure"), ctx.params, options);
    options.onResult?.(blocks, ctx);
    return flattenDegeneracy(blocks, options.prefix ?? "hess.");
  };
}

export interface LanczosMeasureOptions {
  /** Seed of the start vector (the same every call, so changes are the operator's). */
  seed: number;
  /** Lanczos steps (default 20, capped at the dimension). */
  steps?: number;
  /** "hessian" (needs ctx.loss) or "gauss-newton" (needs ctx.forward and `output`). Default "hessian". */
  curvature?: "hessian" | "gauss-newton";
  output?: OutputLoss;
  filter?: ParamFilter;
  /** Key prefix (default "lanczos.<curvature>."). */
  prefix?: string;
}

/** Extreme eigenvalue estimates (largest and smallest Ritz values) of the Hessian or Gauss–Newton matrix. */
export function lanczosMeasure(options: LanczosMeasureOptions): Measure {
  const kind = options.curvature ?? "hessian";
  return async (ctx) => {
    let op: CurvatureOperator;
    if (kind === "hessian") op = hessianOperator(need(ctx.loss, "loss", "lanczosMeasure"), ctx.params, { filter: options.filter });
    else op = gaussNewtonOperator(need(ctx.forward, "forward", "lanczosMeasure"), ctx.params, need(options.output, "output", "lanczosMeasure options"), { filter: options.filter });
    const r = await lanczos(op, { seed: options.seed, steps: Math.min(options.steps ?? 20, op.dim) });
    const p = options.prefix ?? `lanczos.${kind}.`;
    return { [`${p}max`]: r.ritzValues[r.ritzValues.length - 1], [`${p}min`]: r.ritzValues[0], [`${p}steps`]: r.steps };
  };
}

/** A filter-normalised loss surface (needs `ctx.loss`); records centre/min/max loss, the grid goes to `onResult`. */
export function surfaceMeasure(
  options: LossSurfaceOptions & { prefix?: string; onResult?: (surface: LossSurface, ctx: MeasureContext) => void },
): Measure {
  return async (ctx) => {
    const s = await lossSurface(need(ctx.loss, "loss", "surfaceMeasure"), ctx.params, options);
    options.onResult?.(s, ctx);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s.losses) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const p = options.prefix ?? "surface.";
    return { [`${p}center`]: s.centerLoss, [`${p}min`]: lo, [`${p}max`]: hi };
  };
}

/**
 * Runs measures on a stored checkpoint: `arrays` (name, shape, data) become a ParamSet of new tensors, `makeContext`
 * attaches the closures (loss, forward, layers) that compute from those tensors, and the tensors are freed after.
 */
export async function measureCheckpoint(
  arrays: readonly ParamArray[],
  makeContext: (params: ParamSet) => Omit<MeasureContext, "params" | "step" | "epoch"> & { step?: number; epoch?: number },
  measures: Measure | readonly Measure[],
): Promise<MeasureRecord> {
  const params = paramSetFromArrays(arrays);
  try {
    const extra = makeContext(params);
    const ctx: MeasureContext = { ...extra, params, step: extra.step ?? 0, epoch: extra.epoch ?? 0 };
    return await runMeasures(typeof measures === "function" ? [measures] : measures, ctx);
  } finally {
    disposeParamSet(params);
  }
}
