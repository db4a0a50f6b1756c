import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  Mlp,
  degenerateZeros,
  makeSkipMatrix,
  matmul64,
  mlpConfig,
  randomOrthogonal,
  singularValues,
  symmetricEigenvalues,
  transpose64,
} from "../../lib/src/models";
import { initHiddenLayer } from "../../lib/src/models/init";
import { Rng } from "../../lib/src/util/random";

/** Singular values of float32 matrices: exact zeros come out ≲ 1e-6, ones within ~1e-6. */
const ZERO_TOL = 1e-4;

describe("skip matrices", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  it("Jacobi eigenvalues match a known spectrum", () => {
    // A = V diag(1..6) Vᵀ with a random orthogonal V
    const n = 6;
    const v = randomOrthogonal(new Rng(1), n);
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) d[i * n + i] = i + 1;
    const a = matmul64(matmul64(v, d, n, n, n), transpose64(v, n, n), n, n, n);
    Array.from(symmetricEigenvalues(a, n)).forEach((ev, i) => expect(ev).toBeCloseTo(i + 1, 10));
  });

  it("random orthogonal matrices are orthogonal (QᵀQ = I), also as float32 tensors", () => {
    const n = 16;
    const s = makeSkipMatrix(new Rng(2), "orthogonal", n);
    const q = s.q!.dataSync();
    const sv = singularValues(q, n, n);
    sv.forEach((x) => expect(Math.abs(x - 1)).toBeLessThan(1e-5));
    // Qᵀ tensor is the transpose of Q
    const qt = s.qt!.dataSync();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(qt[i * n + j]).toBe(q[j * n + i]);
    s.qt!.dispose();
    s.q!.dispose();
  });

  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    it(`a degenerate skip with zero fraction ${p} has exactly round(p·n) zero singular values, the others 1`, () => {
      const n = 16;
      const zeros = degenerateZeros(n, p);
      const s = makeSkipMatrix(new Rng(3), "degenerate", n, zeros);
      const sv = Array.from(singularValues(s.q!.dataSync(), n, n)); // from the float32 tensor the model uses
      expect(sv.filter((x) => x < ZERO_TOL).length).toBe(zeros);
      sv.filter((x) => x >= ZERO_TOL).forEach((x) => expect(Math.abs(x - 1)).toBeLessThan(1e-5));
      s.qt!.dispose();
      s.q!.dispose();
    });
  }

  it("the model's degenerate skips have the configured rank at every layer", () => {
    const m = new Mlp(
      {
        inputDim: 4,
        outputDim: 2,
        depth: 4,
        width: 12,
        skip: { type: "matrix", matrix: "degenerate", zeroFraction: 0.25 },
      },
      0,
    );
    expect(mlpConfig(m.config).skip).toEqual({ type: "matrix", matrix: "degenerate", zeroFraction: 0.25 });
    for (const l of [2, 3, 4]) {
      const sv = singularValues(m.skipMatrices.get(l)!.q!.dataSync(), 12, 12);
      expect(Array.from(sv).filter((x) => x < ZERO_TOL).length).toBe(3);
    }
    m.dispose();
  });

  it("the mean skip maps every unit to the layer mean (rank 1)", () => {
    const s = makeSkipMatrix(new Rng(0), "mean", 4);
    expect(s.zeros).toBe(3);
  });
});

describe("initialisations", () => {
  const rng = () => new Rng(7);
  const n = 64;

  it("He: variance 2/fan_in", () => {
    const { W } = initHiddenLayer(rng(), { type: "he", gain: 1 }, 256, n, "relu", 0);
    const v = W.reduce((s, x) => s + x * x, 0) / W.length;
    expect(v).toBeCloseTo(2 / 256, 3);
  });

  it("identity and neg-identity: ±I + eps·N(0, 1/n) on square layers, He on the input layer", () => {
    for (const [type, sign] of [
      ["identity", 1],
      ["neg-identity", -1],
    ] as const) {
      const { W } = initHiddenLayer(rng(), { type, eps: 0.1 }, n, n, "relu", 0);
      let diag = 0;
      let off = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) i === j ? (diag += W[i * n + j]) : (off += W[i * n + j] ** 2);
      expect(diag / n).toBeCloseTo(sign, 1);
      expect(Math.sqrt(off / (n * n - n))).toBeCloseTo(0.1 / Math.sqrt(n), 2);
      const first = initHiddenLayer(rng(), { type, eps: 0.1 }, 3 * n, n, "relu", 0).W;
      expect(Math.abs(first.reduce((s, x) => s + x, 0) / first.length)).toBeLessThan(0.01);
    }
  });

  it("negative-mean: W ~ N(−μ, σ²)", () => {
    const { W } = initHiddenLayer(rng(), { type: "negative-mean", mean: 0.1, std: 0.05 }, n, n, "relu", 0);
    const mean = W.reduce((s, x) => s + x, 0) / W.length;
    expect(mean).toBeCloseTo(-0.1, 2);
  });

  it("duplicated: the configured fraction of units has an identical twin (incoming weights and bias)", () => {
    const { W, b } = initHiddenLayer(
      rng(),
      { type: "duplicated", fraction: 0.5, base: "he", gain: 1 },
      10,
      8,
      "relu",
      0.3,
    );
    const cols = Array.from({ length: 8 }, (_, j) => Array.from({ length: 10 }, (_, i) => W[i * 8 + j]).join(","));
    expect(new Set(cols).size).toBe(8 - 2); // 2 pairs among 8 units
    expect(Array.from(b)).toEqual(new Array(8).fill(Math.fround(0.3)));
    // the gain scales the base init, pairs included
    const half = initHiddenLayer(
      rng(),
      { type: "duplicated", fraction: 0.5, base: "he", gain: 0.5 },
      10,
      8,
      "relu",
      0.3,
    );
    for (let i = 0; i < W.length; i++) expect(half.W[i]).toBeCloseTo(0.5 * W[i], 6);
  });

  it("orthogonal: orthonormal columns scaled by gain", () => {
    const { W } = initHiddenLayer(rng(), { type: "orthogonal", gain: 2 }, 32, 16, "relu", 0);
    singularValues(W, 32, 16).forEach((x) => expect(x).toBeCloseTo(2, 4));
  });

  it("models built from configs honour the init (neg-identity gives W_l ≈ −I on square layers)", async () => {
    await initBackend({ force: "wasm" });
    const m = new Mlp(
      { inputDim: 8, outputDim: 2, depth: 3, width: 8, skip: "identity", init: { type: "neg-identity", eps: 0 } },
      0,
    );
    const w2 = m.layer("L2").W!.dataSync();
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(w2[i * 8 + j]).toBe(i === j ? -1 : 0);
    m.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });
});
