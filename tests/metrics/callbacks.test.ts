/**
 * Measures as training callbacks (schedule, records, flat keys) and on stored checkpoints (same numbers as live, no
 * tensors left), on a tiny ReLU MLP with a dead unit.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { exactSpectrum, hessianOperator, paramArraysOf, type ParamSet } from "../../lib/src/curvature";
import { meanSquaredError } from "../../lib/src/models/loss";
import {
  hessianMeasure,
  lanczosMeasure,
  layerMeasure,
  matrixFromTensor,
  measureCallback,
  measureCheckpoint,
  surfaceMeasure,
  type LayerProbe,
  type Measure,
  type MeasureContext,
} from "../../lib/src/metrics";
import { mlpForward, setParam, tinyNet, type TinyNet } from "../curvature/helpers";

/** The context a training engine would pass, for a tiny net's parameters (any ParamSet of the same shapes). */
function contextFor(net: TinyNet, params: ParamSet, step = 0, epoch = 0): MeasureContext {
  const forward = (p: tf.Tensor[]) => mlpForward(net.spec, p, net.x);
  return {
    step,
    epoch,
    params,
    forward,
    loss: (p) => meanSquaredError(forward(p), net.y as tf.Tensor2D),
    probe: { x: net.x, y: net.y },
    layers: (): LayerProbe[] =>
      net.spec.hidden.map((_, l) => {
        const h = tf.tidy(() => mlpForward(net.spec, params.tensors, net.x, l));
        const probe: LayerProbe = { name: `L${l + 1}`, activity: matrixFromTensor(h), weights: matrixFromTensor(params.tensors[2 * l]) };
        h.dispose();
        return probe;
      }),
  };
}

describe("measure callbacks (wasm)", () => {
  let net: TinyNet;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    // 4 → 6 → 2, MSE, 64 probe points; unit 1 dead
    net = tinyNet({ seed: 42, inputDim: 4, hidden: [6], outputs: 2, batch: 64, task: "mse" });
    setParam(net, "L1.b", (b) => {
      b[1] = -100;
    });
  });
  afterAll(() => net.dispose());

  it("runs on its schedule and keeps every record", async () => {
    const seen: string[] = [];
    const counting: Measure = (ctx) => {
      seen.push(`${ctx.step}/${ctx.epoch}`);
      return { calls: seen.length };
    };
    const cb = measureCallback(counting, { everySteps: 3, everyEpochs: 2 });
    const ctx = contextFor(net, net.set);
    const stepResults = [];
    for (let step = 1; step <= 7; step++) stepResults.push(await cb.onStep!({ ...ctx, step, epoch: 1 }));
    expect(stepResults.map((r) => r !== undefined)).toEqual([false, false, true, false, false, true, false]);
    for (let epoch = 0; epoch <= 3; epoch++) await cb.onEpoch!({ ...ctx, step: 10 * epoch, epoch });
    expect(seen).toEqual(["3/1", "6/1", "0/0", "20/2"]);
    expect(cb.records.map((r) => r.trigger)).toEqual(["step", "step", "epoch", "epoch"]);
    expect(cb.records[3].values).toEqual({ calls: 4 });
    expect(measureCallback(counting, { everyEpochs: 1 }).onStep).toBeUndefined();
    expect(() => measureCallback(counting, { everySteps: 0 })).toThrow(/positive integer/);
  });

  it("layer, Hessian, Lanczos and surface measures give the expected flat records, without leaking tensors", async () => {
    const ctx = contextFor(net, net.set, 5, 1);
    const surfaces: number[][] = [];
    const measures = [
      layerMeasure(),
      hessianMeasure({ blocks: "layers" }),
      lanczosMeasure({ seed: 1, steps: 44 }),
      surfaceMeasure({ seed: 2, x: { min: -0.5, max: 0.5, num: 3 }, onResult: (s) => surfaces.push(Array.from(s.losses)) }),
    ];
    const cb = measureCallback(measures, { everyEpochs: 1 });
    await cb.onEpoch!(ctx); // burn-in
    const n0 = tf.memory().numTensors;
    const r = (await cb.onEpoch!(ctx))!;
    expect(tf.memory().numTensors).toBe(n0);
    // elimination and linear dependence see the dead unit
    expect(r["L1.dead_frac"]).toBeCloseTo(1 / 6, 12);
    expect(r["L1.rare_frac"]).toBeCloseTo(1 / 6, 12);
    expect(r["L1.small_sv_frac"]).toBeCloseTo(1 / 6, 12);
    expect(r["L1.kappa_H"]).toBe(Infinity);
    // Hessian blocks: L1 (30 params) has fan-in + 1 = 5 null directions, out (14 params) has fan-out = 2
    expect(r["hess.L1.deg_abs_1e-6"]).toBeCloseTo(5 / 30, 12);
    expect(r["hess.out.deg_abs_1e-6"]).toBeCloseTo(2 / 14, 12);
    // full Lanczos (44 = all parameters) reproduces the exact extremes
    const exact = await exactSpectrum(hessianOperator(ctx.loss!, net.set));
    expect(Math.abs((r["lanczos.hessian.max"] as number) - exact.values[exact.n - 1])).toBeLessThan(1e-5 * exact.maxAbs);
    expect(Math.abs((r["lanczos.hessian.min"] as number) - exact.values[0])).toBeLessThan(1e-5 * exact.maxAbs);
    const centre = tf.tidy(() => ctx.loss!(net.set.tensors).dataSync()[0]);
    expect(r["surface.center"]).toBe(centre);
    // the record summarises the surface that was computed: its three grid losses, the centre among them
    const grid = surfaces[surfaces.length - 1];
    expect(grid).toHaveLength(3);
    expect(grid[1]).toBe(centre);
    expect(r["surface.min"]).toBe(Math.min(...grid));
    expect(r["surface.max"]).toBe(Math.max(...grid));
    expect(r["surface.max"]).toBeGreaterThan(r["surface.min"] as number);
  });

  it("on a stored checkpoint gives the same numbers as live, and frees its tensors", async () => {
    const arrays = paramArraysOf(net.set); // what a checkpoint on disk holds: name, shape, float32 data
    const measures = [layerMeasure(), hessianMeasure({ blocks: "all" })];
    const live = await measureCallback(measures, { everyEpochs: 1 }).onEpoch!(contextFor(net, net.set));
    const n0 = tf.memory().numTensors;
    const stored = await measureCheckpoint(arrays, (params) => contextFor(net, params), measures);
    expect(tf.memory().numTensors).toBe(n0);
    expect(stored).toEqual(live);
    expect(stored["hess.all.deg_abs_1e-6"]).toBeCloseTo(7 / 44, 12); // fan-in + 1 + fan-out of the dead unit
  });
});
