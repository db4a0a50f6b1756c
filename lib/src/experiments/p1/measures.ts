/**
 * The per-epoch singularity measures of paper 1's runs: per-layer elimination / overlap / linear dependence / κ and
 * the exact Hessian spectrum of one block at chosen epochs (docs/spec/p1.md §1.5). A run names them as the metric set
 * `{ name: "p1-measures", version: 2, params: { probe, hess, hessAt } }`, so every option reaches the run hash.
 *
 * Version 2 assembles the "mid" block's Hessian from batched products (curvature/replicas.ts, ~7× faster on the quick
 * protocol); version 1 assembled it column by column. Both are the same Hessian to float32 round-off, but a
 * degenerate fraction can move by one eigenvalue at the threshold, so the version (and every run hash) changed.
 */
import * as tf from "@tensorflow/tfjs";
import { spectrumOfAssembly } from "../../curvature/exact";
import { assembleLayerHessian, type ReplicableModel } from "../../curvature/replicas";
import {
  type BlockDegeneracy,
  hessianDegeneracy,
  flattenDegeneracy,
  flattenSingularities,
  layerSingularities,
} from "../../metrics/singularity";
import { degeneracyStats } from "../../metrics/degeneracy";
import { networkContext } from "../../metrics/network-context";
import type { MetricContext, MetricSet, MetricSetRef } from "../../runs/spec";

/** Options of the per-epoch singularity measures (all part of the metric name, hence of the run hash). */
export interface P1MeasureOptions {
  /** Probe batch: the first `probe` training examples (the subset is already random). PROPOSED 256–512. */
  probe: number;
  /**
   * Hessian block: "mid" = the weight matrix W of the middle hidden layer L_{⌈depth/2⌉} (width² parameters, all
   * others held fixed; docs/spec/p1.md §1.5.1 option b); "all" = every parameter of the (small) net (option a); "none".
   */
  hess: "mid" | "all" | "none";
  /** Epochs (0 = before training) at which the Hessian is computed; the last epoch is always added. PROPOSED. */
  hessAt: number[];
}

/** The metric set of paper 1's per-epoch measures (registered by `registerP1`). Bump `version` when its output changes. */
export const P1_MEASURES: MetricSet<P1MeasureOptions> = {
  name: "p1-measures",
  version: 2,
  compute: (ctx, o) => p1Measures(ctx, o),
  description:
    "paper 1 per-epoch measures: layer singularities, exact Hessian spectrum of one block (probe, hess, hessAt)",
};

/** The run config entry for the measures with these options (hessAt sorted and without repeats: one hash per meaning). */
export function p1MetricSet(o: P1MeasureOptions): MetricSetRef {
  const hessAt = [...new Set(o.hessAt)].sort((a, b) => a - b);
  return { name: P1_MEASURES.name, version: P1_MEASURES.version, params: { probe: o.probe, hess: o.hess, hessAt } };
}

/** The degeneracy of one layer's W block from the batched assembly (the same statistics as `hessianDegeneracy`). */
function midBlockDegeneracy(
  model: ReplicableModel,
  probe: { x: tf.Tensor2D; y: tf.Tensor1D },
  layer: string,
): BlockDegeneracy {
  const W = model.layers.find((l) => l.name === layer)?.W;
  const dim = W ? W.size : 0;
  if (dim > 4200) return { block: "mid", dim, stats: null, note: `skipped: ${dim} parameters > maxDim 4200` };
  const asm = assembleLayerHessian(model, probe, layer);
  const spec = spectrumOfAssembly(asm);
  return {
    block: "mid",
    dim: asm.n,
    stats: degeneracyStats(spec.values, { noiseFloor: spec.noiseFloor }),
    asymmetry: spec.asymmetry,
    noiseFloor: spec.noiseFloor,
    seconds: spec.assemblySeconds + spec.eighSeconds,
  };
}

/**
 * The probe batch of a classification run: its first `probe` training examples as x [n, dim] (float32) and their
 * labels as int32 (any integer label array), n = min(probe, examples). The caller disposes both.
 */
export function probeBatch(
  train: { x: ArrayLike<number>; y: ArrayLike<number>; n: number; dim?: number; d?: number },
  probe: number,
): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const dim = train.dim ?? train.d ?? train.x.length / train.n;
  const n = Math.min(probe, train.n);
  const xs = new Float32Array(n * dim);
  for (let i = 0; i < n * dim; i++) xs[i] = train.x[i];
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) ys[i] = Number(train.y[i]);
  return { x: tf.tensor2d(xs, [n, dim]), y: tf.tensor1d(ys, "int32") };
}

/** Mean of finite numeric values of keys ending in `suffix` among the hidden layers "L<k>.". */
function layerMean(r: Record<string, unknown>, suffix: string): number | null {
  let s = 0;
  let n = 0;
  for (const [k, v] of Object.entries(r)) {
    if (/^L\d+\./.test(k) && k.endsWith(`.${suffix}`) && typeof v === "number" && Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : null;
}

/**
 * The measures at one epoch end: per hidden layer elimination / overlap / linear dependence / κ (keys
 * "L<k>.<measure>", metrics/singularity.ts) and their means over layers ("layers.<measure>_mean"); at the epochs in
 * `hessAt` (and the last) the exact Hessian spectrum of the chosen block ("hess.<block>.<stat>": deg_rel, deg_abs_*,
 * neg_rel, max_abs, noise, …). Parameters are only read.
 */
async function p1Measures(ctx: MetricContext, o: P1MeasureOptions): Promise<Record<string, number | string | null>> {
  const { x, y } = probeBatch(ctx.data.train, o.probe);
  try {
    const mctx = networkContext(ctx.model as never, { x, y }, { step: ctx.step, epoch: ctx.epoch });
    const rows = layerSingularities(await mctx.layers!());
    const out: Record<string, number | string | null> = flattenSingularities(rows);
    for (const m of [
      "dead_frac",
      "rare_frac",
      "act_overlap_frac",
      "act_maxsim_mean",
      "small_sv_frac",
      "eff_rank_norm",
    ]) {
      out[`layers.${m}_mean`] = layerMean(out, m);
    }
    const last = ctx.config.train.epochs;
    if (o.hess !== "none" && (o.hessAt.includes(ctx.epoch) || ctx.epoch === last)) {
      const depth = (ctx.config.model as { depth?: number }).depth ?? 1;
      const mid = `L${Math.ceil(depth / 2)}.W`;
      const t0 = performance.now();
      const deg =
        o.hess === "mid"
          ? [midBlockDegeneracy(ctx.model as unknown as ReplicableModel, { x, y }, mid.slice(0, -2))]
          : await hessianDegeneracy(mctx.loss!, mctx.params, { blocks: "all", maxDim: 4200, keepValues: false });
      Object.assign(out, flattenDegeneracy(deg));
      out["hess.seconds"] = (performance.now() - t0) / 1000;
    }
    for (const [k, v] of Object.entries(out))
      if (typeof v === "number" && !Number.isFinite(v)) out[k] = v > 0 ? "Infinity" : "-Infinity";
    return out;
  } finally {
    x.dispose();
    y.dispose();
  }
}
