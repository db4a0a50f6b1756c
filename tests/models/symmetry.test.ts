/**
 * Permutation symmetry (docs/spec/p1.md §1.4 v3-A, v3-D): permuting the hidden units of layer l — the columns of W_l (rows in
 * the math convention), the entries of b_l and the rows of W_{l+1} — leaves a plain net's function unchanged. An
 * identity skip ties unit i of layer l to unit i of layer l−1 and breaks the symmetry; the symmetric mean skip
 * (1/n)11ᵀ gives every unit the same input and keeps it.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { type MlpConfigInput, Mlp } from "../../lib/src/models";
import type { NamedArray } from "../../lib/src/models/network";
import { Rng } from "../../lib/src/util/random";

/** Permutes the units of hidden layer `l` of an [in, out]-layout weight list. */
function permuteLayer(weights: NamedArray[], l: number, perm: Int32Array, width: number, depth: number): NamedArray[] {
  const next = l < depth ? `L${l + 1}.W` : "out.W";
  return weights.map((a) => {
    const d = Float32Array.from(a.data);
    if (a.name === `L${l}.W`) {
      const rows = a.shape[0];
      for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) d[i * width + j] = a.data[i * width + perm[j]]; // columns
    } else if (a.name === `L${l}.b`) {
      for (let j = 0; j < width; j++) d[j] = a.data[perm[j]];
    } else if (a.name === next) {
      const cols = a.shape[1];
      for (let i = 0; i < width; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = a.data[perm[i] * cols + j]; // rows
    }
    return { ...a, data: d };
  });
}

function out(m: Mlp, x: tf.Tensor2D): Float32Array {
  return tf.tidy(() => m.forward(x).output.dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((s, v, i) => Math.max(s, Math.abs(v - b[i])), 0);
}

describe("permutation symmetry of hidden units", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  const width = 8;
  const base: MlpConfigInput = { inputDim: 5, outputDim: 3, depth: 4, width, biasInit: 0.1 };
  const rng = new Rng(21);
  const perm = rng.permutation(width);
  const xData = Array.from({ length: 6 }, () => Array.from(rng.normals(5)));

  const permutedDifference = (skip: MlpConfigInput["skip"], layer: number) => permutedDifferenceWith({ skip }, layer);

  /** Relative change of the output when the units of hidden layer `layer` are permuted. */
  function permutedDifferenceWith(extra: MlpConfigInput, layer: number): number {
    const m = new Mlp({ ...base, ...extra }, 4);
    const x = tf.tensor2d(xData);
    const y0 = out(m, x);
    m.setWeights(permuteLayer(m.getWeights(), layer, perm, width, 4));
    const y1 = out(m, x);
    x.dispose();
    m.dispose();
    return maxAbsDiff(y0, y1) / Math.max(...Array.from(y0, Math.abs));
  }

  it("a plain layer's units can be permuted without changing the output", () => {
    for (const l of [1, 2, 3, 4]) expect(permutedDifference("none", l)).toBeLessThan(1e-6);
  });

  it("an identity skip breaks the symmetry", () => {
    for (const l of [2, 3, 4]) expect(permutedDifference("identity", l)).toBeGreaterThan(1e-2);
  });

  it("the symmetric mean skip (1/n)11ᵀ keeps it (docs/spec/p1.md §1.4 v3-D control)", () => {
    for (const l of [2, 3, 4]) expect(permutedDifference({ type: "matrix", matrix: "mean" }, l)).toBeLessThan(1e-6);
  });

  it("the blended skip (1 − α)(1/n)11ᵀ + αI breaks it, in proportion to α", () => {
    const d = (blend: number) => permutedDifference({ type: "matrix", matrix: "blend", blend }, 2);
    expect(d(0)).toBeLessThan(1e-6);
    expect(d(0.1)).toBeGreaterThan(1e-3);
    expect(d(1)).toBeCloseTo(permutedDifference("identity", 2), 5);
    expect(d(0.1)).toBeLessThan(d(1));
  });

  it("fixed per-unit offsets, gains or slopes break it in a plain net (docs/spec/p1.md §1.4 v3-E)", () => {
    for (const unitBreaking of [{ offsetStd: 0.5 }, { gainSpread: 0.5 }, { slopeMax: 0.3 }])
      for (const l of [1, 2, 3])
        expect(permutedDifferenceWith({ skip: "none", unitBreaking }, l)).toBeGreaterThan(1e-3);
  });

  it("the negated mean skip keeps it; the positive rank-1 skip w wᵀ, its control, breaks it", () => {
    expect(permutedDifference({ type: "matrix", matrix: "mean", scale: -1 }, 2)).toBeLessThan(1e-6);
    expect(permutedDifference({ type: "matrix", matrix: "rank1-positive" }, 2)).toBeGreaterThan(1e-3);
    expect(permutedDifference({ type: "matrix", matrix: "rank1-positive", scale: -1 }, 2)).toBeGreaterThan(1e-3);
  });

  it("a random orthogonal skip breaks it", () => {
    expect(permutedDifference({ type: "matrix", matrix: "orthogonal" }, 2)).toBeGreaterThan(1e-2);
  });
});
