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

  it("the positive rank-1 skip w wᵀ: rank 1, norm 1, symmetric, non-negative, aligned with the all-ones direction", () => {
    const n = 64;
    const s = makeSkipMatrix(new Rng(3), "rank1-positive", n);
    const m = s.matrix!;
    expect(s.zeros).toBe(n - 1);
    const sv = singularValues(m, n, n).sort((a, b) => b - a);
    expect(sv[0]).toBeCloseTo(1, 10);
    expect(sv[1]).toBeLessThan(1e-10);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        expect(m[i * n + j]).toBeGreaterThanOrEqual(0);
        expect(m[i * n + j]).toBe(m[j * n + i]);
      }
    // w = √diag(Q); cos(w, 1) = Σw/√n ≈ √(2/π) ≈ 0.80 for large n
    const cos = Array.from({ length: n }, (_, i) => Math.sqrt(m[i * n + i])).reduce((a, v) => a + v, 0) / Math.sqrt(n);
    expect(cos).toBeGreaterThan(0.7);
    expect(cos).toBeLessThan(0.9);
    const neg = makeSkipMatrix(new Rng(3), "rank1-positive", n, 0, 0, -1);
    expect(Array.from(neg.matrix!)).toEqual(Array.from(m, (v) => -v));
    s.q!.dispose();
    s.qt!.dispose();
    neg.q!.dispose();
    neg.qt!.dispose();
  });

  it("the blended skip resolves with its α, is refused outside [0, 1], and leaves other skips' configs (hashes) unchanged", () => {
    expect(mlpConfig({ skip: { type: "matrix", matrix: "blend", blend: 0.25 } }).skip).toEqual({
      type: "matrix",
      matrix: "blend",
      zeroFraction: 0,
      blend: 0.25,
    });
    expect(mlpConfig({ skip: { type: "matrix", matrix: "mean" } }).skip).toEqual({
      type: "matrix",
      matrix: "mean",
      zeroFraction: 0,
    });
    expect(() => mlpConfig({ skip: { type: "matrix", matrix: "blend", blend: 1.5 } })).toThrow(
      /blend must be in \[0, 1\]/,
    );
    expect(() => mlpConfig({ skip: { type: "matrix", matrix: "bogus" as never } })).toThrow(
      /skip: "matrix" must be one of "orthogonal", .*got "bogus"/,
    );
    expect(mlpConfig({ skip: { type: "matrix", matrix: "mean", scale: 1 } }).skip).toEqual({
      type: "matrix",
      matrix: "mean",
      zeroFraction: 0,
    });
    expect(mlpConfig({ skip: { type: "matrix", matrix: "mean", scale: -1 } }).skip).toMatchObject({ scale: -1 });
  });
});

describe("unit breaking (docs/spec/p1.md §1.4 v3-E)", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  it("is omitted from the resolved config when off, so earlier runs keep their hashes", () => {
    expect("unitBreaking" in mlpConfig({})).toBe(false);
    expect("unitBreaking" in mlpConfig({ unitBreaking: { offsetStd: 0, gainSpread: 0 } })).toBe(false);
    expect(mlpConfig({ unitBreaking: { gainSpread: 0.5 } }).unitBreaking).toEqual({
      offsetStd: 0,
      gainSpread: 0.5,
      slopeMax: 0,
    });
  });

  it("refuses unknown fields, negative values, gains that can reach 0, and slopes without ReLU", () => {
    expect(() => mlpConfig({ unitBreaking: { offsetstd: 1 } as never })).toThrow(
      /unitBreaking: unknown field "offsetstd" — did you mean "offsetStd"\?/,
    );
    expect(() => mlpConfig({ unitBreaking: { offsetStd: -1 } })).toThrow(/offsetStd must be a finite number ≥ 0/);
    expect(() => mlpConfig({ unitBreaking: { gainSpread: 1 } })).toThrow(/gainSpread must be below 1/);
    expect(() => mlpConfig({ activation: "tanh", unitBreaking: { slopeMax: 0.2 } })).toThrow(/needs activation "relu"/);
  });

  it("draws the breakers from the model seed with the configured distributions, the same for every skip type", () => {
    const cfg = { inputDim: 4, outputDim: 2, depth: 3, width: 400 };
    const ub = { offsetStd: 0.5, gainSpread: 0.3, slopeMax: 0.2 };
    const a = new Mlp({ ...cfg, unitBreaking: ub }, 7);
    const b = new Mlp({ ...cfg, skip: "identity", unitBreaking: ub }, 7);
    expect(a.unitBreakers).toHaveLength(3);
    for (const [l, u] of a.unitBreakers.entries()) {
      const o = Array.from(u.values.offsets!);
      const sd = Math.sqrt(o.reduce((s, v) => s + v * v, 0) / o.length);
      expect(sd).toBeGreaterThan(0.45);
      expect(sd).toBeLessThan(0.55);
      expect(Math.min(...u.values.gains!)).toBeGreaterThanOrEqual(0.7);
      expect(Math.max(...u.values.gains!)).toBeLessThanOrEqual(1.3);
      expect(Math.min(...u.values.slopes!)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u.values.slopes!)).toBeLessThanOrEqual(0.2);
      expect(Math.max(...u.values.slopes!)).toBeGreaterThan(0.19);
      expect(Array.from(b.unitBreakers[l].values.gains!)).toEqual(Array.from(u.values.gains!));
    }
    const before = tf.memory().numTensors;
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before - 2 * (8 + 9)); // 8 params (3 layers + read-out), 9 breaker tensors each
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
