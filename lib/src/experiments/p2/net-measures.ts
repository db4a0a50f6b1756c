/**
 * The measures of paper 2's trained conv nets (Figs. 5–13), taken once, at the end of training, on a fixed probe
 * batch (the first `probe` training images) with BN in inference mode:
 *
 * - `kW.<layer>`: κ of every weight tensor through its mode-1 unfolding, C_out × (k·k·C_in/groups) — the conv kernel
 *   as stored (HWIO) is exactly that matrix transposed, and κ does not change under transposition; the read-out is
 *   its C × classes matrix (docs/spec/p2.md §2.1: the paper's HOSVD unfolding was not found; this one is PROPOSED);
 * - `kH.<rep>`: κ of the hidden representation H [N, C·H·W] of the stem and of every block's output (after its ReLU),
 *   "Infinity" when σ_min ≤ rtol·σ_max (rtol 1e-7, docs/spec/p2.md §2.4, the float32 limit) — Fig. 13's missing
 *   points; `kHraw.<rep>` is σ_max/σ_min without the threshold;
 * - `act.<rep>.min` / `.max`: the range of the representation's values over the probe (Figs. 5, 7, 9);
 * - `w.<layer>.min` / `.max`: the range of the layer's weights (Figs. 6, 8, 10).
 *
 * A run names them as `{ name: "p2-net-measures", version: 1, params: { probe, rtol } }`.
 */
import * as tf from "@tensorflow/tfjs";
import type { Network } from "../../models/network";
import { conditionNumber } from "../../metrics/condition";
import type { Matrix } from "../../metrics/matrix";
import { trainingSlice } from "../../runs/execute";
import type { MetricContext, MetricSet, MetricSetRef } from "../../runs/spec";

export interface P2NetMeasureOptions {
  /** Probe batch: the first `probe` training images. */
  probe: number;
  /** κ counts as infinite when σ_min ≤ rtol·σ_max. */
  rtol: number;
}

export const P2_NET_MEASURES: MetricSet<P2NetMeasureOptions> = {
  name: "p2-net-measures",
  version: 1,
  compute: (ctx, o) => p2NetMeasures(ctx, o),
  description: "paper 2: per-layer κ(W), κ(H), activation and weight ranges at the end of training (probe, rtol)",
};

export function p2NetMetricSet(o: P2NetMeasureOptions): MetricSetRef {
  return { name: P2_NET_MEASURES.name, version: P2_NET_MEASURES.version, params: { probe: o.probe, rtol: o.rtol } };
}

/** JSON keeps no infinities: they are stored as strings (experiments/p1/protocol.ts `p1Num` reads them back). */
function store(v: number): number | string | null {
  if (Number.isNaN(v)) return null;
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

function range(data: ArrayLike<number>): { min: number; max: number; finite: boolean } {
  let min = Infinity;
  let max = -Infinity;
  let finite = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) finite = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, finite };
}

/** κ with the threshold, or NaN when the matrix holds a non-finite entry (a diverged net). */
function kappa(m: Matrix, rtol: number, finite: boolean): { kappa: number; raw: number } {
  if (!finite) return { kappa: NaN, raw: NaN };
  const c = conditionNumber(m, { rtol });
  return { kappa: c.kappa, raw: c.rawRatio };
}

/** The probe's representations: stem and block outputs, [N, C·H·W] each, in forward order. */
export function p2Representations(model: Network, x: tf.Tensor2D): Array<{ name: string; m: Matrix }> {
  const out: Array<{ name: string; m: Matrix }> = [];
  tf.tidy(() => {
    const acts = model.forward(x, { training: false, returnActivations: true }).activations;
    for (const a of acts) {
      if (a.name === "pool") continue;
      out.push({ name: a.name, m: { data: a.x.dataSync() as Float32Array, rows: a.x.shape[0], cols: a.x.shape[1] } });
    }
  });
  return out;
}

/** A layer's weights as the matrix [fanIn, fanOut] (conv: k·k·C_in/groups × C_out). */
export function p2WeightMatrix(W: tf.Variable | tf.Tensor): Matrix {
  const shape = W.shape;
  const cols = shape[shape.length - 1];
  const data = W.dataSync() as Float32Array;
  return { data, rows: data.length / cols, cols };
}

/** The measures of the module comment at the last epoch (nothing at other epochs). */
export function p2NetMeasures(ctx: MetricContext, o: P2NetMeasureOptions): Record<string, number | string | null> {
  if (ctx.epoch !== ctx.config.train.epochs) return {};
  const out: Record<string, number | string | null> = {};
  const { x, y } = trainingSlice(ctx.data.train, 0, Math.min(o.probe, ctx.data.train.n));
  try {
    for (const { name, m } of p2Representations(ctx.model, x)) {
      const r = range(m.data);
      const k = kappa(m, o.rtol, r.finite);
      out[`kH.${name}`] = store(k.kappa);
      out[`kHraw.${name}`] = store(k.raw);
      out[`act.${name}.min`] = store(r.min);
      out[`act.${name}.max`] = store(r.max);
    }
  } finally {
    tf.dispose([x, y]);
  }
  for (const l of ctx.model.layers) {
    if (!l.W) continue;
    const m = p2WeightMatrix(l.W);
    const r = range(m.data);
    out[`kW.${l.name}`] = store(kappa(m, o.rtol, r.finite).kappa);
    out[`w.${l.name}.min`] = store(r.min);
    out[`w.${l.name}.max`] = store(r.max);
  }
  return out;
}
