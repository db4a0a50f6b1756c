/**
 * The bias regulariser's three forms (models/config.ts `BiasRegularizerForm`): values against a float64 computation
 * from the model's own weights and pre-activations, the per-unit targets of "random", the training step's use of
 * them, and the config rules (form "l2" implicit, so earlier run hashes hold).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { type MlpConfigInput, type Network, createModel, mlpConfig } from "../../lib/src/models";
import { optimizerConfig } from "../../lib/src/train/config";
import { TrainStep } from "../../lib/src/train/step";
import { Rng } from "../../lib/src/util/random";
import { runSpec } from "../../lib/src/runs/spec";

beforeAll(async () => {
  await initBackend({ force: "wasm" });
});

const base: MlpConfigInput = { inputDim: 6, outputDim: 3, depth: 3, width: 40, biasInit: 0.05 };

function net(reg: MlpConfigInput["biasRegularizer"], extra: MlpConfigInput = {}, seed = 3): Network {
  return createModel({ ...base, ...extra, biasRegularizer: reg }, seed);
}

function batch(n: number, seed = 1): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(new Rng(seed).normals(n * base.inputDim!)), [n, base.inputDim!]);
}

/** Hidden biases as float64 arrays (the read-out "out" excluded). */
function hiddenBiases(m: Network): number[][] {
  return m
    .getWeights()
    .filter((w) => w.name.endsWith(".b") && !w.name.startsWith("out"))
    .map((w) => [...w.data]);
}

/** The per-unit targets of a "random" regulariser, read back from its gradient: ∂/∂b λ Σ (b − t)² = 2λ(b − t). */
function recoveredTargets(m: Network, lambda: number): number[][] {
  const biases = m.layers.filter((l) => l.b && l.name !== "out").map((l) => l.b!);
  const { grads } = tf.variableGrads(() => m.regularizer()!, biases as tf.Variable[]);
  const out = biases.map((b) => {
    const g = grads[b.name].dataSync();
    const v = b.dataSync();
    return [...v].map((bi, i) => bi - g[i] / (2 * lambda));
  });
  Object.values(grads).forEach((g) => g.dispose());
  return out;
}

describe("bias regulariser forms", () => {
  it('"l2" is λ Σ (b − β)² over the hidden biases (read-out excluded)', () => {
    const m = net({ lambda: 0.3, target: 0.2 });
    const expected =
      0.3 *
      hiddenBiases(m)
        .flat()
        .reduce((s, b) => s + (b - 0.2) ** 2, 0);
    expect(hiddenBiases(m).length).toBe(3);
    const r = m.regularizer()!;
    expect(r.dataSync()[0]).toBeCloseTo(expected, 5);
    r.dispose();
    m.dispose();
  });

  it('"random" draws fixed per-unit targets in [0, 2β] from the model seed', () => {
    const lambda = 0.1;
    const beta = 0.5;
    const a = net({ form: "random", lambda, target: beta });
    const t = recoveredTargets(a, lambda);
    const all = t.flat();
    expect(all.length).toBe(120);
    for (const v of all) {
      expect(v).toBeGreaterThanOrEqual(-1e-5);
      expect(v).toBeLessThanOrEqual(2 * beta + 1e-5);
    }
    expect(new Set(all.map((v) => v.toFixed(4))).size).toBeGreaterThan(110); // units get different targets
    const m = all.reduce((s, v) => s + v, 0) / all.length;
    expect(Math.abs(m - beta)).toBeLessThan(0.1); // U(0, 1): s.d. of the mean of 120 draws ≈ 0.026
    // same seed → same targets (also after training moved the biases); another seed → other targets
    const b = net({ form: "random", lambda, target: beta });
    expect(recoveredTargets(b, lambda).flat()).toEqual(all.map((v) => expect.closeTo(v, 5)));
    const c = net({ form: "random", lambda, target: beta }, {}, 4);
    const other = recoveredTargets(c, lambda).flat();
    expect(other.filter((v, i) => Math.abs(v - all[i]) > 1e-3).length).toBeGreaterThan(100);
    // the value matches λ Σ (b − t)² with those targets
    const biases = hiddenBiases(a).flat();
    const r = a.regularizer()!;
    expect(r.dataSync()[0]).toBeCloseTo(lambda * biases.reduce((s, bi, i) => s + (bi - all[i]) ** 2, 0), 4);
    r.dispose();
    for (const x of [a, b, c]) x.dispose();
  });

  it('"hinge" is λ Σ max(0, β − mean_batch z)² over the hidden pre-activations (after BatchNorm)', () => {
    const lambda = 0.7;
    const beta = 0.3;
    for (const extra of [{}, { batchNorm: [2] }] as MlpConfigInput[]) {
      const m = net({ form: "hinge", lambda, target: beta }, extra);
      expect(m.regularizerNeedsActivations).toBe(true);
      const x = batch(64);
      const { activations } = m.forward(x, { training: true, updateStats: false, returnActivations: true });
      let expected = 0;
      let active = 0;
      for (const a of activations) {
        const [n, w] = a.z!.shape;
        const z = a.z!.dataSync();
        for (let j = 0; j < w; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += z[i * w + j];
          const gap = beta - s / n;
          if (gap > 0) {
            expected += gap * gap;
            active++;
          }
        }
      }
      expect(active).toBeGreaterThan(10); // the test exercises both sides of the hinge
      expect(active).toBeLessThan(120);
      const r = m.regularizer(activations)!;
      expect(r.dataSync()[0]).toBeCloseTo(lambda * expected, 4);
      r.dispose();
      expect(() => m.regularizer()).toThrow(/returnActivations/);
      tf.dispose([x, ...activations.flatMap((a) => [a.z!, a.h!, a.x])]);
      m.dispose();
    }
  });

  it("the training step adds the regulariser of its own batch, for every form", async () => {
    for (const form of ["l2", "random", "hinge"] as const) {
      const m = net({ form, lambda: 0.05, target: 0.5 });
      const n = 32;
      const x = batch(n, 7);
      const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
      const target = new Float32Array(n * 3);
      labels.forEach((c, i) => (target[i * 3 + c] = 1));
      const { activations } = m.forward(x, { training: true, returnActivations: true });
      const r = m.regularizer(activations)!;
      const expected = r.dataSync()[0];
      const step = new TrainStep(m, optimizerConfig({ type: "sgd", lr: 0 }));
      const stats = await step.run({ x: x.dataSync() as Float32Array, target, labels, size: n }, base.inputDim!, 3, 0, {
        epoch: 1,
        step: 1,
        batch: 0,
      });
      expect(stats.reg, form).toBeCloseTo(expected, 5);
      expect(stats.reg, form).toBeGreaterThan(0);
      tf.dispose([x, r, ...activations.flatMap((a) => [a.z!, a.h!, a.x])]);
      m.dispose();
    }
  });

  it('keeps form "l2" implicit (earlier run hashes hold) and refuses what it does not know', () => {
    expect(mlpConfig({ biasRegularizer: { form: "l2", lambda: 1, target: 0.1 } }).biasRegularizer).toEqual({
      lambda: 1,
      target: 0.1,
    });
    const spec = (reg: MlpConfigInput["biasRegularizer"]) =>
      runSpec({ model: { ...base, biasRegularizer: reg }, train: { epochs: 1 }, data: { name: "none" } }, 0).hash;
    expect(spec({ form: "l2", lambda: 1, target: 0.1 })).toBe(spec({ lambda: 1, target: 0.1 }));
    expect(spec({ form: "hinge", lambda: 1, target: 0.1 })).not.toBe(spec({ lambda: 1, target: 0.1 }));
    expect(() => mlpConfig({ biasRegularizer: { form: "cubic" as never, lambda: 1, target: 0 } })).toThrow(
      /biasRegularizer: "form" must be one of "l2", "random", "hinge", got "cubic"/,
    );
    expect(() => mlpConfig({ biasRegularizer: { lambda: -1, target: 0 } })).toThrow(/lambda/);
    expect(() => mlpConfig({ biasRegularizer: { form: "random", lambda: 1, target: -0.1 } })).toThrow(/≥ 0/);
  });
});
