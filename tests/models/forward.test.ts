import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { type MlpConfigInput, Mlp, countParams } from "../../lib/src/models";
import type { NamedArray } from "../../lib/src/models/network";
import { Rng } from "../../lib/src/util/random";
import { referenceForward } from "./reference";

/** float32 forward vs float64 reference: relative error of a few ulps times depth. */
const F32_REL = 2e-5;

function maxRel(a: number[][], b: number[][]): number {
  let num = 0;
  let den = 1e-30;
  a.forEach((row, i) =>
    row.forEach((v, j) => ((num = Math.max(num, Math.abs(v - b[i][j]))), (den = Math.max(den, Math.abs(b[i][j]))))),
  );
  return num / den;
}

function outputs(model: Mlp, rows: number[][]): number[][] {
  return tf.tidy(() => model.forward(tf.tensor2d(rows)).output.arraySync() as number[][]);
}

describe("Mlp forward pass", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  /*
   * Hand-computed case: input [1, 2], width 2, depth 3, ReLU, read-out = sum of the two units.
   *   W1 = [[1, −1], [0.5, 2]] (rows = inputs), b1 = 0:       z1 = [2, 3],  x1 = [2, 3]
   *   W2 = [[1, 0], [−1, 1]],  b2 = 0:                         z2 = [−1, 3], h2 = [0, 3]
   *     none: x2 = [0, 3]   identity/hyper: x2 = h2 + x1 = [2, 6]   mean skip: x2 = h2 + mean(x1)·1 = [2.5, 5.5]
   *   W3 = [[0.5, 0], [0, −1]], b3 = [1, 1]
   *     none:     z3 = [1, −2],    h3 = [1, 0],    x3 = [1, 0]                    → output 1
   *     identity: z3 = [2, −5],    h3 = [2, 0],    x3 = h3 + x2 = [4, 6]          → output 10
   *     hyper:    z3 = [2, −5],    x3 = h3 + x2 + x1/(3−2) = [2,0]+[2,6]+[2,3] = [6, 9] → output 15
   *     mean:     z3 = [2.25, −4.5], h3 = [2.25, 0], x3 = h3 + mean(x2)·1 = [6.25, 4] → output 10.25
   */
  const handWeights: NamedArray[] = [
    { name: "L1.W", shape: [2, 2], data: Float32Array.from([1, -1, 0.5, 2]) },
    { name: "L1.b", shape: [2], data: Float32Array.from([0, 0]) },
    { name: "L2.W", shape: [2, 2], data: Float32Array.from([1, 0, -1, 1]) },
    { name: "L2.b", shape: [2], data: Float32Array.from([0, 0]) },
    { name: "L3.W", shape: [2, 2], data: Float32Array.from([0.5, 0, 0, -1]) },
    { name: "L3.b", shape: [2], data: Float32Array.from([1, 1]) },
    { name: "out.W", shape: [2, 1], data: Float32Array.from([1, 1]) },
    { name: "out.b", shape: [1], data: Float32Array.from([0]) },
  ];
  for (const [skip, expected] of [
    ["none", 1],
    ["identity", 10],
    [{ type: "hyper", form: "mean" }, 15],
    [{ type: "matrix", matrix: "mean" }, 10.25],
  ] as const) {
    it(`matches the hand-computed case: skip ${JSON.stringify(skip)} → ${expected}`, () => {
      const m = new Mlp({ inputDim: 2, outputDim: 1, depth: 3, width: 2, skip: skip as MlpConfigInput["skip"] }, 0);
      m.setWeights(handWeights);
      const before = tf.memory().numTensors;
      expect(outputs(m, [[1, 2]])[0][0]).toBeCloseTo(expected, 5);
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  }

  const cases: MlpConfigInput[] = [
    { skip: "none" },
    { skip: "identity" },
    { skip: { type: "hyper", form: "mean" } },
    { skip: { type: "hyper", form: "orthogonal" } },
    { skip: { type: "matrix", matrix: "orthogonal" } },
    { skip: { type: "matrix", matrix: "degenerate", zeroFraction: 0.5 } },
    { skip: { type: "matrix", matrix: "mean" } },
    { skip: { type: "matrix", matrix: "blend", blend: 0.3 } },
    { skip: { type: "matrix", matrix: "blend", blend: 0.3, scale: -0.5 } },
    { skip: { type: "matrix", matrix: "mean", scale: -1 } },
    { skip: { type: "matrix", matrix: "rank1-positive" } },
    { skip: { type: "matrix", matrix: "rank1-positive", scale: -1 } },
    { skip: "none", unitBreaking: { offsetStd: 0.5 } },
    { skip: "none", unitBreaking: { gainSpread: 0.5 } },
    { skip: "none", unitBreaking: { slopeMax: 0.3 }, biasInit: -0.2 },
    { skip: "identity", unitBreaking: { offsetStd: 0.2, gainSpread: 0.3, slopeMax: 0.2 }, batchNorm: [3] },
    { skip: "identity", activation: "tanh", batchNorm: [2, 4] },
    { skip: "none", activation: "leaky_relu", init: { type: "orthogonal" } },
    { skip: "identity", activation: "sigmoid", init: { type: "identity", eps: 0.3 } },
  ];
  for (const extra of cases) {
    it(`equals an independent float64 implementation: ${JSON.stringify(extra)}`, () => {
      const cfg: MlpConfigInput = { inputDim: 7, outputDim: 3, depth: 5, width: 6, ...extra };
      const m = new Mlp(cfg, 3);
      expect(m.paramCount).toBe(countParams(cfg));
      const rng = new Rng(5);
      const rows = Array.from({ length: 4 }, () => Array.from(rng.normals(7)));
      const before = tf.memory().numTensors;
      expect(maxRel(outputs(m, rows), referenceForward(m, rows))).toBeLessThan(F32_REL);
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  }

  it("returns every layer's activations (pre-activation, post-nonlinearity, post-skip) on request", () => {
    const m = new Mlp({ inputDim: 3, outputDim: 2, depth: 4, width: 5, skip: "identity" }, 1);
    tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 0.5]]);
      const { output, activations } = m.forward(x, { returnActivations: true });
      expect(activations.map((a) => a.name)).toEqual(["L1", "L2", "L3", "L4"]);
      for (const a of activations) {
        expect(a.z!.shape).toEqual([1, 5]);
        const h = a.h!.arraySync() as number[][];
        const z = a.z!.arraySync() as number[][];
        h[0].forEach((v, i) => expect(v).toBeCloseTo(Math.max(0, z[0][i]), 6));
      }
      // L2 output = relu(z2) + x1
      const x1 = activations[0].x.arraySync() as number[][];
      const h2 = activations[1].h!.arraySync() as number[][];
      const x2 = activations[1].x.arraySync() as number[][];
      x2[0].forEach((v, i) => expect(v).toBeCloseTo(h2[0][i] + x1[0][i], 5));
      expect(output.shape).toEqual([1, 2]);
      expect(m.forward(x).activations).toEqual([]);
    });
    expect(m.namedParams().map((p) => p.name)).toEqual([
      "L1.W",
      "L1.b",
      "L2.W",
      "L2.b",
      "L3.W",
      "L3.b",
      "L4.W",
      "L4.b",
      "out.W",
      "out.b",
    ]);
    expect(m.layer("L3").W!.shape).toEqual([5, 5]);
    m.dispose();
  });

  it("draws the same weights for the same seed whatever the skip type, and different ones for another seed", () => {
    const a = new Mlp({ inputDim: 4, outputDim: 2, depth: 3, width: 4, skip: "none" }, 11);
    const b = new Mlp(
      { inputDim: 4, outputDim: 2, depth: 3, width: 4, skip: { type: "matrix", matrix: "orthogonal" } },
      11,
    );
    const c = new Mlp({ inputDim: 4, outputDim: 2, depth: 3, width: 4, skip: "none" }, 12);
    const wa = a.getWeights();
    expect(b.getWeights()).toEqual(wa);
    expect(c.getWeights()[0].data).not.toEqual(wa[0].data);
    [a, b, c].forEach((m) => m.dispose());
  });

  it("BatchNorm: training mode normalises with batch statistics and moves the running statistics; eval uses them", () => {
    const m = new Mlp({ inputDim: 3, outputDim: 2, depth: 2, width: 4, batchNorm: [1] }, 2);
    const rng = new Rng(9);
    const rows = Array.from({ length: 16 }, () => Array.from(rng.normals(3, 1, 2)));
    tf.tidy(() => {
      const x = tf.tensor2d(rows);
      const { activations } = m.forward(x, { training: true, returnActivations: true });
      const z = activations[0].z!;
      const mean = tf.mean(z, 0).arraySync() as number[];
      const variance = tf.moments(z, 0).variance.arraySync() as number[];
      mean.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5)); // γ = 1, β = 0
      variance.forEach((v) => expect(v).toBeCloseTo(1, 3));
    });
    const rm = m
      .namedState()
      .find((s) => s.name === "L1.bn.mean")!
      .variable.dataSync();
    expect(Array.from(rm).some((v) => v !== 0)).toBe(true); // moved by 0.1 × batch mean
    const evalOut = outputs(m, rows);
    expect(maxRel(evalOut, referenceForward(m, rows))).toBeLessThan(F32_REL);
    m.dispose();
  });
});
