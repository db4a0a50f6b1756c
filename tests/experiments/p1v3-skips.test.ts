/**
 * Paper 1 v3-D/E/F (lib/src/experiments/p1v3/skips.ts, skips-prereg.ts): the gradient-flow measures against analytic
 * cases and finite differences, the conditions' gains and symmetries, and the registrations' completeness.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { Mlp } from "../../lib/src/models";
import type { NamedArray } from "../../lib/src/models/network";
import { evaluateClaims, checkPreregistration } from "../../lib/src/report/prereg";
import { loadRunData } from "../../lib/src/runs/spec";
import { Rng, subSeed } from "../../lib/src/util/random";
import {
  type V3InitGradRow,
  type V3RunRow,
  v3BranchGain,
  v3Conditions,
  v3DMeasure,
  v3DPreregistration,
  v3EMeasure,
  v3EPreregistration,
  v3FMeasure,
  v3FPreregistration,
  v3GradNorms,
  v3InitGradients,
  v3ModelConfig,
  v3PermutationChanges,
  v3RunSpec,
  v3SkipSetup,
} from "../../lib/src/experiments/p1v3";

describe("v3-F gradient flow measures", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  it("a linear net with W_l = c·I: δ_1/δ_L = c^(L−1) exactly, and the weight gradients are equal across layers", () => {
    const L = 4;
    const c = 0.5;
    const m = new Mlp({ inputDim: 3, outputDim: 2, depth: L, width: 3, activation: "linear" }, 0);
    const eye = (k: number) => Float32Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? k : 0));
    const w: NamedArray[] = m
      .getWeights()
      .map((a) =>
        /^L\d+\.W$/.test(a.name)
          ? { ...a, data: eye(c) }
          : a.name.endsWith(".b")
            ? { ...a, data: new Float32Array(a.data.length) }
            : a,
      );
    m.setWeights(w);
    const rng = new Rng(2);
    const x = tf.tensor2d(Array.from({ length: 5 }, () => Array.from(rng.normals(3))));
    const y = tf.tensor1d([0, 1, 1, 0, 1], "int32");
    const before = tf.memory().numTensors;
    const g = v3GradNorms(m, x, y);
    expect(tf.memory().numTensors).toBe(before);
    expect(g["delta.log_ratio"]).toBeCloseTo((L - 1) * Math.log10(c), 5);
    for (let l = 2; l < L; l++) expect(g[`delta.L${l}`] / g[`delta.L${l + 1}`]).toBeCloseTo(c, 5);
    // ∂L/∂W_l = X_{l−1}ᵀ G_l with X_{l−1} = X_0 c^{l−1}, G_l = G_L c^{L−l}: the same norm at every layer
    expect(g["grad.log_ratio"]).toBeCloseTo(0, 5);
    expect(g["grad.L1"]).toBeCloseTo(g["grad.L4"], 5);
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it("the back-propagated error equals central finite differences of the loss in each pre-activation", () => {
    const B = 4;
    const n = 3;
    const m = new Mlp({ inputDim: 2, outputDim: 3, depth: 3, width: n, activation: "tanh", skip: "identity" }, 5);
    const rng = new Rng(9);
    const x = tf.tensor2d(Array.from({ length: B }, () => Array.from(rng.normals(2))));
    const y = tf.tensor1d([0, 2, 1, 2], "int32");
    const g = v3GradNorms(m, x, y);
    const eps = 1e-2;
    const lossWith = (layer: string, i: number, a: number, e: number) =>
      tf.tidy(() => {
        const s = tf.buffer([B, n]);
        s.set(e, i, a);
        return m.loss(m.forward(x, { zShift: { [layer]: s.toTensor() as tf.Tensor2D } }).output, y).dataSync()[0];
      });
    for (const layer of ["L1", "L2", "L3"]) {
      let sq = 0;
      for (let i = 0; i < B; i++)
        for (let a = 0; a < n; a++) {
          const d = (lossWith(layer, i, a, eps) - lossWith(layer, i, a, -eps)) / (2 * eps); // ∂L/∂z_ia = ∂ℓ_i/∂z_ia / B
          sq += (B * d) ** 2;
        }
      expect(g[`delta.${layer}`]).toBeCloseTo(Math.sqrt(sq / B), 3);
    }
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it("zShift is refused by the models that do not support it", async () => {
    const { BlockNet } = await import("../../lib/src/models");
    const b = new BlockNet({ kind: "blocks", inputDim: 2, outputDim: 2, width: 3, blocks: 1 }, 0);
    const x = tf.zeros([1, 2]) as tf.Tensor2D;
    expect(() => b.forward(x, { zShift: {} })).toThrow(/zShift .* MLPs only/);
    x.dispose();
    b.dispose();
  });
});

describe("v3 conditions", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });
  const s = v3SkipSetup("smoke");
  const conditions = v3Conditions(s);
  const L = s.protocol.depth;

  it("have unique keys and run hashes; the matched pairs share the variance-preserving gain", () => {
    const keys = conditions.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    const hashes = conditions.map((c) => v3RunSpec(s, c, 0).hash);
    expect(new Set(hashes).size).toBe(hashes.length);
    const gain = (k: string) => {
      const init = v3ModelConfig(
        s,
        conditions.find((c) => c.key === k)!,
      ).init as { gain: number };
      return init.gain;
    };
    expect(gain("plain")).toBe(1);
    expect(gain("offsets")).toBe(1);
    expect(gain("identity")).toBeCloseTo(1 / Math.sqrt(L), 12);
    expect(gain("orthogonal")).toBeCloseTo(1 / Math.sqrt(L), 12);
    const n = s.protocol.width;
    expect(gain("mean")).toBeCloseTo(Math.sqrt(1 / L + 1 - 1 / n), 12);
    for (const k of ["mean-neg", "ww", "ww-neg"]) expect(gain(k)).toBe(gain("mean"));
    expect(v3BranchGain(1, L)).toBeCloseTo(1 / Math.sqrt(L), 12);
  });

  it("the variance-preserving gain keeps the forward variance of a rank-1 skip net near the identity skip's", () => {
    // layer outputs of fresh nets on Gaussian inputs: the negated mean skip (no pile-up of the mean) vs the identity
    const rng = new Rng(4);
    const x = tf.tensor2d(Array.from({ length: 256 }, () => Array.from(rng.normals(s.protocol.width))));
    const deep = 12;
    const variance = (k: string) => {
      const cfg = {
        ...v3ModelConfig(
          s,
          conditions.find((c) => c.key === k)!,
          deep,
        ),
        inputDim: s.protocol.width,
      };
      let v = 0;
      for (let seed = 0; seed < 6; seed++) {
        const m = new Mlp(cfg, seed);
        v += tf.tidy(() => {
          const last = m.forward(x, { returnActivations: true }).activations[deep - 1].x;
          return tf.moments(last).variance.dataSync()[0] / 6;
        });
        m.dispose();
      }
      return v;
    };
    const ratio = variance("ww-neg") / variance("identity");
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(4);
    x.dispose();
  });

  it("the sweep at initialisation records each fresh net's back-propagated error ratio and profile", async () => {
    const small = { ...s, initDepths: [4], initNets: 2 };
    const id = conditions.filter((c) => c.key === "identity");
    const rows = await v3InitGradients(small, id, [7]);
    expect(rows).toHaveLength(2);
    const data = await loadRunData({ ...s.protocol.data });
    const dim = data.train.x.length / data.train.n;
    const x = tf.tensor2d(Float32Array.from(data.train.x.slice(0, s.gradProbe * dim)), [s.gradProbe, dim]);
    const y = tf.tensor1d(Int32Array.from(Array.from(data.train.y.slice(0, s.gradProbe), Number)), "int32");
    for (const r of rows) {
      const m = new Mlp(v3ModelConfig(small, id[0], 4), (subSeed(7, "v3-init-grad") + r.net) >>> 0);
      const g = v3GradNorms(m, x, y);
      expect(r.logRatio).toBeCloseTo(g["delta.log_ratio"], 6);
      expect(r.profile).toEqual([1, 2, 3, 4].map((l) => g[`delta.L${l}`]));
      m.dispose();
    }
    x.dispose();
    y.dispose();
  });

  it("permuting a layer's units keeps the function exactly for the symmetric skips only", () => {
    const ch = v3PermutationChanges(s, conditions, [0, 1]);
    for (const c of conditions)
      for (const seed of [0, 1]) {
        if (c.breaksSymmetry) expect(ch[c.key][seed]).toBeGreaterThan(1e-3);
        else if (c.key !== "plain") expect(ch[c.key][seed]).toBeLessThan(1e-5);
        else expect(ch[c.key][seed]).toBeLessThan(1e-5); // the plain net keeps it too
      }
  });
});

describe("v3-D/E/F registrations", () => {
  const s = v3SkipSetup("quick");
  const conditions = v3Conditions(s);
  const seeds = [...s.seeds.exploration, ...s.seeds.confirmation];
  const rng = new Rng(1);
  // synthetic run rows: every condition × seed, with noise, so every estimate is computable
  const rows: V3RunRow[] = conditions.flatMap((c, ci) =>
    seeds.map(
      (seed) =>
        ({
          condition: c.key,
          seed,
          hash: `${c.key}-${seed}`,
          status: "done",
          trainAcc: 0.5,
          testAcc: 0.5,
          auc: 0.3 + 0.02 * ci + 0.01 * rng.normal(),
          maxsimAuc: 0.8 + 0.01 * rng.normal(),
          deltaRatioFinal: 0.01 * ci + 0.05 * rng.normal(),
        }) as unknown as V3RunRow,
    ),
  );
  const init: V3InitGradRow[] = conditions.flatMap((c) =>
    seeds.flatMap((seed) =>
      s.initDepths.flatMap((depth) =>
        Array.from({ length: s.initNets }, (_, net) => ({
          condition: c.key,
          depth,
          seed,
          net,
          logRatio: rng.normal(),
          profile: [],
        })),
      ),
    ),
  );
  const perm = Object.fromEntries(
    conditions.map((c) => [c.key, Object.fromEntries(seeds.map((x) => [x, c.breaksSymmetry ? 0.5 : 1e-7]))]),
  );

  it("are valid and get an estimate for every criterion", () => {
    const regs = [
      [v3DPreregistration("quick", s, conditions), v3DMeasure(rows, perm, s.seeds.confirmation, s, conditions)],
      [v3EPreregistration("quick", s, conditions), v3EMeasure(rows, perm, s.seeds.confirmation)],
      [v3FPreregistration("quick", s, conditions), v3FMeasure(rows, init, s.seeds.confirmation, s)],
    ] as const;
    for (const [p, m] of regs) {
      checkPreregistration(p);
      expect(p.seeds.exploration.filter((x) => p.seeds.confirmation.includes(x))).toEqual([]);
      const claims = evaluateClaims(p, m);
      expect(claims).toHaveLength(p.claims.length);
    }
  });

  it("the permutation identity fails when a symmetric skip moves the output", () => {
    const bad = { ...perm, mean: Object.fromEntries(seeds.map((x) => [x, 0.2])) };
    const m = v3DMeasure(rows, bad, s.seeds.confirmation, s, conditions);
    expect(m.estimates.SD1["symmetric-keeps"].estimate).toBeLessThan(0);
    expect(
      v3DMeasure(rows, perm, s.seeds.confirmation, s, conditions).estimates.SD1["symmetric-keeps"].estimate,
    ).toBeGreaterThan(0);
  });
});
