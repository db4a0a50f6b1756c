/**
 * The batched layer Hessian (curvature/replicas.ts) against the column-by-column assembly of the nested-gradient
 * Hessian (itself checked against float64 PyTorch in torch-float64.test.ts), on every skip form of the MLPs, with
 * BatchNorm (evaluation mode), dead units, both losses, and several passes; and the errors of `replicate`.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { assembleOperator } from "../../lib/src/curvature/exact";
import { hessianOperator } from "../../lib/src/curvature/hessian";
import { assembleLayerHessian } from "../../lib/src/curvature/replicas";
import { initBackend } from "../../lib/src/engine/ladder";
import { networkParamSet } from "../../lib/src/metrics/network-context";
import { createModel, type MlpConfigInput, type Network } from "../../lib/src/models";
import { Rng } from "../../lib/src/util/random";

function probe(rng: Rng, n: number, d: number, classes: number, regression = false) {
  const x = tf.tensor2d(Float32Array.from(rng.normals(n * d)), [n, d]);
  const y = regression
    ? tf.tensor2d(Float32Array.from(rng.normals(n * classes)), [n, classes])
    : tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(classes)),
        "int32",
      );
  return { x, y };
}

async function columnByColumn(model: Network, p: ReturnType<typeof probe>, layer: string) {
  const set = networkParamSet(model);
  const loss = () => model.loss(model.forward(p.x, { training: false, updateStats: false }).output, p.y);
  return assembleOperator(hessianOperator(loss, set, { filter: `${layer}.W` }), { keepRaw: true });
}

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
function relDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  const m = maxAbs(b);
  return m === 0 ? d : d / m;
}

describe("batched layer Hessian", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  const base: MlpConfigInput = { kind: "mlp", inputDim: 7, outputDim: 4, depth: 5, width: 6 };
  const cases: Array<[string, MlpConfigInput, string]> = [
    ["plain", { ...base, skip: "none" }, "L3"],
    ["identity skip", { ...base, skip: "identity" }, "L3"],
    ["hyper-residual (mean)", { ...base, skip: { type: "hyper", form: "mean" } }, "L4"],
    ["hyper-residual (orthogonal)", { ...base, skip: { type: "hyper", form: "orthogonal" } }, "L2"],
    ["degenerate matrix skip", { ...base, skip: { type: "matrix", matrix: "degenerate", zeroFraction: 0.5 } }, "L3"],
    ["BatchNorm at layers 2 and 3", { ...base, skip: "identity", batchNorm: [2, 3] }, "L3"],
    ["first layer (not square)", { ...base, skip: "identity" }, "L1"],
    ["dead units (negative-mean init)", { ...base, init: { type: "negative-mean", mean: 0.25 } }, "L3"],
  ];
  for (const [name, config, layer] of cases) {
    it(`equals the column-by-column assembly: ${name}`, async () => {
      const model = createModel(config, 11);
      const p = probe(new Rng(5), 24, 7, 4);
      const ref = await columnByColumn(model, p, layer);
      const fast = assembleLayerHessian(model, p, layer, { maxRows: 24 * 9 }); // several passes
      expect(fast.n).toBe(ref.n);
      expect(relDiff(fast.raw!, ref.raw!)).toBeLessThan(2e-5);
      expect(maxAbs(ref.raw!)).toBeGreaterThan(0);
      expect(fast.noiseFloor).toBeLessThan(1e-4 * maxAbs(ref.matrix));
      // entries that are exactly zero (dead units, rows of W no example reaches) are exactly zero here too
      for (let i = 0; i < ref.raw!.length; i++) if (ref.raw![i] === 0) expect(fast.raw![i]).toBe(0);
      tf.dispose([p.x, p.y]);
      model.dispose();
    });
  }

  it("works for regression (mean squared error), one pass or many", async () => {
    const model = createModel({ ...base, task: "regression", skip: "identity" }, 3);
    const p = probe(new Rng(8), 16, 7, 4, true);
    const ref = await columnByColumn(model, p, "L2");
    const one = assembleLayerHessian(model, p, "L2");
    const many = assembleLayerHessian(model, p, "L2", { maxRows: 16 });
    expect(relDiff(one.raw!, ref.raw!)).toBeLessThan(2e-5);
    expect(relDiff(many.raw!, ref.raw!)).toBeLessThan(2e-5);
    tf.dispose([p.x, p.y]);
    model.dispose();
  });

  it("leaks no tensors, and refuses what it cannot do", () => {
    const model = createModel({ ...base, skip: "identity" }, 4);
    const p = probe(new Rng(9), 8, 7, 4);
    assembleLayerHessian(model, p, "L2");
    const before = tf.memory().numTensors;
    assembleLayerHessian(model, p, "L2", { maxRows: 8 * 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => assembleLayerHessian(model, p, "L9")).toThrow(/no layer "L9"/);
    const W3 = tf.zeros([2, 5, 6]) as tf.Tensor3D;
    expect(() => model.forward(tf.zeros([4, 7]) as tf.Tensor2D, { replicate: { layer: "L2", W: W3 } })).toThrow(
      /must be \[k, 6, 6\]/,
    );
    const conv = createModel(
      { kind: "conv", family: "resnet", depth: 8, width: 4, inputShape: [8, 8, 1], outputDim: 3 },
      1,
    );
    expect(() => conv.forward(tf.zeros([2, 64]) as tf.Tensor2D, { replicate: { layer: "x", W: W3 } })).toThrow(
      /MLPs only/,
    );
    tf.dispose([p.x, p.y, W3]);
    model.dispose();
    conv.dispose();
  });
});
