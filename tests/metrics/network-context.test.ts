/**
 * The measures on the suite's own variable-based model (models/ `Mlp`, used read-only) through `networkContext`:
 * the same numbers as the functional re-implementation of the same weights, parameters left untouched, no leaks.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  exactSpectrum,
  flattenParams,
  hessianOperator,
  paramSetFromArrays,
  disposeParamSet,
  selectParams,
} from "../../lib/src/curvature";
import {
  flattenDegeneracy,
  flattenSingularities,
  hessianDegeneracy,
  layerSingularities,
  lossSurface,
  networkContext,
} from "../../lib/src/metrics";
import { createModel, softmaxCrossEntropy, type Network } from "../../lib/src/models";
import { Rng } from "../../lib/src/util/random";
import { mlpForward, relErr } from "../curvature/helpers";

describe("networkContext on the models' Mlp (wasm)", () => {
  let model: Network;
  let x: tf.Tensor2D;
  let y: tf.Tensor1D;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    model = createModel({ kind: "mlp", inputDim: 6, outputDim: 3, depth: 2, width: 5 }, 85);
    const rng = new Rng(82);
    x = tf.tensor2d(Float32Array.from(rng.normals(40 * 6)), [40, 6]);
    y = tf.tensor1d(
      Int32Array.from({ length: 40 }, () => rng.int(3)),
      "int32",
    );
    // kill unit 2 of layer 2 (seed 85: no unit of this narrow net is dead on the probe batch by itself; with width 5,
    // a unit whose five incoming weights are all negative is dead on every input, which other seeds draw)
    const b = model.getWeights().find((w) => w.name === "L2.b")!;
    b.data[2] = -100;
    model.setWeights([b], { partial: true });
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it("gives the Hessian of the same weights in a functional network, and the layer measures", async () => {
    const ctx = networkContext(model, { x, y }, { step: 0, epoch: 0 });
    expect(ctx.params.names).toEqual(["L1.W", "L1.b", "L2.W", "L2.b", "out.W", "out.b"]);
    const ours = await exactSpectrum(hessianOperator(ctx.loss!, ctx.params));
    // the same weights through the tests' functional MLP
    const set = paramSetFromArrays(model.getWeights());
    try {
      const spec = { seed: 0, inputDim: 6, hidden: [5, 5], outputs: 3, batch: 40, task: "ce" as const };
      const ref = await exactSpectrum(hessianOperator((p) => softmaxCrossEntropy(mlpForward(spec, p, x), y), set));
      expect(relErr(ours.values, ref.values)).toBeLessThan(1e-6);
    } finally {
      disposeParamSet(set);
    }
    const before = flattenParams(ctx.params, selectParams(ctx.params));
    // the measures a run records at an epoch end (experiments/: layer singularities and the Hessian blocks)
    const measure = async () => ({
      ...flattenSingularities(layerSingularities(await ctx.layers!())),
      ...flattenDegeneracy(await hessianDegeneracy(ctx.loss!, ctx.params, { blocks: "layers" })),
    });
    await measure(); // burn-in
    const n0 = tf.memory().numTensors;
    const r = await measure();
    const surface = await lossSurface(ctx.loss!, ctx.params, { seed: 1, x: { min: -1, max: 1, num: 3 } });
    expect(tf.memory().numTensors).toBe(n0);
    expect(Array.from(flattenParams(ctx.params, selectParams(ctx.params)))).toEqual(Array.from(before));
    expect(r["L2.dead_frac"]).toBeCloseTo(1 / 5, 12);
    expect(r["L1.dead_frac"]).toBe(0);
    // L2 block (5·5 + 5 = 30 params): the dead unit's fan-in + bias give 6 exact zeros
    expect(r["hess.L2.deg_abs_1e-6"]).toBeCloseTo(6 / 30, 12);
    expect(surface.losses[1]).toBe(surface.centerLoss);
    expect(Math.max(...surface.losses)).toBeGreaterThan(surface.centerLoss);
  });
});
