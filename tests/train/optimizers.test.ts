import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { simdUpdate, simdUpdateModuleBytes } from "../../lib/src/engine";
import { Optimizer, type OptimizerConfig, learningRate, optimizerConfig, scheduleConfig } from "../../lib/src/train";
import { Rng } from "../../lib/src/util/random";

/** float32 storage of float64/SIMD-float32 arithmetic over a few steps. */
const REL = 2e-6;

/** Float64 reference of PyTorch's Adam / SGD for `steps` steps with the given gradient sequence. */
function reference(c: OptimizerConfig, p0: number[], grads: number[][], lr: number): number[] {
  const p = [...p0];
  const m = new Array(p.length).fill(0);
  const v = new Array(p.length).fill(0);
  grads.forEach((g0, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i];
      if (c.type === "adam") {
        if (c.weightDecay && !c.decoupled) g += c.weightDecay * p[i];
        if (c.decoupled) p[i] *= 1 - lr * c.weightDecay;
        m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
        v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
        p[i] -= ((lr / (1 - c.beta1 ** t)) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(1 - c.beta2 ** t) + c.eps);
      } else {
        g += c.weightDecay * p[i];
        m[i] = t === 1 ? g : c.momentum * m[i] + g;
        const d = c.nesterov ? g + c.momentum * m[i] : m[i];
        p[i] -= lr * d;
      }
    }
  });
  return p;
}

const configs: OptimizerConfig[] = [
  optimizerConfig("adam"),
  optimizerConfig({ type: "adam", lr: 0.01, weightDecay: 0.1 }),
  optimizerConfig({ type: "adam", lr: 0.01, weightDecay: 0.1, decoupled: true }),
  optimizerConfig({ type: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 1e-2 }),
  optimizerConfig({ type: "sgd", lr: 0.1, momentum: 0.9, nesterov: true }),
  optimizerConfig({ type: "sgd", lr: 0.1, momentum: 0 }),
];

describe("optimizers", () => {
  afterEach(() => expect(tf.memory().numTensors).toBe(0));

  it("the SIMD module validates and counts non-finite entries, including past a multiple of 4", () => {
    expect(WebAssembly.validate(simdUpdateModuleBytes())).toBe(true);
    const mem = new WebAssembly.Memory({ initial: 1 });
    const u = simdUpdate(mem)!;
    const h = new Float32Array(mem.buffer);
    h.fill(1, 0, 16);
    h[3] = NaN;
    h[9] = -Infinity;
    expect(u.count_nonfinite(0, 16)).toBe(2);
    expect(u.count_nonfinite(0, 8)).toBe(1);
  });

  for (const backend of ["wasm", "cpu"] as const) {
    for (const c of configs) {
      it(`${backend}: ${JSON.stringify(c)} — fused kernel and tf-ops path equal PyTorch's rule (float64 reference)`, async () => {
        await initBackend({ force: backend });
        const rng = new Rng(3);
        const shapes = [[7, 5], [5], [3, 2], [1]]; // sizes 35, 5, 6, 1: exercises the SIMD tail
        const p0 = shapes.map((s) => Array.from(rng.normals(s.reduce((a, b) => a * b, 1))));
        const grads = [0, 1, 2].map(() => shapes.map((s) => Array.from(rng.normals(s.reduce((a, b) => a * b, 1)))));
        const lr = c.lr;
        for (const fused of [true, false]) {
          const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(p0[i], s))));
          const opt = new Optimizer(c, vars, undefined, { fused });
          expect(opt.isFused).toBe(fused);
          for (const g of grads) {
            const gt = g.map((x, i) => tf.tensor(x, shapes[i]));
            expect(opt.step(gt, lr).applied).toBe(true);
            gt.forEach((t) => t.dispose());
          }
          shapes.forEach((_, i) => {
            const ref = reference(
              c,
              p0[i],
              grads.map((g) => g[i]),
              lr,
            );
            const got = vars[i].dataSync();
            ref.forEach((r, k) => expect(Math.abs(got[k] - r)).toBeLessThan(REL * Math.max(1, Math.abs(r)) + 1e-7));
          });
          expect(opt.t).toBe(3);
          opt.dispose();
          vars.forEach((v) => v.dispose());
        }
      });
    }

    it(`${backend}: a non-finite gradient changes nothing and is reported per parameter`, async () => {
      await initBackend({ force: backend });
      const a = tf.tidy(() => tf.variable(tf.tensor([1, 2, 3, 4, 5])));
      const b = tf.tidy(() => tf.variable(tf.tensor([1, 2])));
      const opt = new Optimizer(optimizerConfig("adam"), [a, b], ["a", "b"]);
      const g1 = [tf.tensor([1, 1, 1, 1, 1]), tf.tensor([1, 1])];
      opt.step(g1, 0.1);
      const before = opt.getState();
      const pa = Array.from(a.dataSync());
      const g2 = [tf.tensor([1, 1, 1, 1, 1]), tf.tensor([NaN, Infinity])];
      const r = opt.step(g2, 0.1);
      expect(r.applied).toBe(false);
      expect(r.nonFinite).toEqual([0, 2]);
      expect(Array.from(a.dataSync())).toEqual(pa);
      expect(opt.getState()).toEqual(before);
      expect(opt.t).toBe(1);
      tf.dispose([...g1, ...g2]);
      opt.dispose();
      a.dispose();
      b.dispose();
    });

    it(`${backend}: getState/setState round-trips exactly`, async () => {
      await initBackend({ force: backend });
      const rng = new Rng(5);
      const mk = () => tf.tidy(() => tf.variable(tf.tensor(Array.from(rng.normals(9)), [3, 3])));
      const [x, y] = [mk(), mk()];
      y.assign(x);
      const o1 = new Optimizer(optimizerConfig("adam"), [x], ["w"]);
      const o2 = new Optimizer(optimizerConfig("adam"), [y], ["w"]);
      const g = tf.tensor(Array.from(rng.normals(9)), [3, 3]);
      o1.step([g], 0.01);
      o2.setState(o1.getState());
      y.assign(x);
      o1.step([g], 0.01);
      o2.step([g], 0.01);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([g, x, y]);
      o1.dispose();
      o2.dispose();
    });
  }
});

describe("learning-rate schedules", () => {
  const pos = (epoch: number, step: number) => ({ epoch, step, stepsPerEpoch: 10, epochs: 10 });
  // Relative tolerance 1e-12: the rates span 1e-1…1e-4, where toBeCloseTo's absolute ±0.005 cannot tell them apart.
  const expectLr = (got: number, want: number) =>
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
  it("constant, step and cosine", () => {
    expect(learningRate(0.1, scheduleConfig("constant"), pos(5, 50))).toBe(0.1);
    const st = scheduleConfig({ type: "step", milestones: [3, 6], gamma: 0.1 });
    expectLr(learningRate(0.1, st, pos(2, 29)), 0.1);
    expectLr(learningRate(0.1, st, pos(3, 30)), 0.01);
    expectLr(learningRate(0.1, st, pos(6, 60)), 0.001);
    expectLr(learningRate(0.1, st, pos(9, 99)), 0.001);
    const cos = scheduleConfig({ type: "cosine", finalLr: 1e-4 });
    expectLr(learningRate(0.1, cos, pos(0, 0)), 0.1);
    expectLr(learningRate(0.1, cos, pos(2, 25)), 1e-4 + (0.1 - 1e-4) * 0.5 * (1 + Math.SQRT1_2));
    expectLr(learningRate(0.1, cos, pos(5, 50)), (0.1 + 1e-4) / 2);
    expectLr(learningRate(0.1, cos, pos(9, 100)), 1e-4);
    // the final rate is the configured one, not a default
    expectLr(learningRate(0.1, scheduleConfig({ type: "cosine", finalLr: 1e-3 }), pos(9, 100)), 1e-3);
    const warm = scheduleConfig({ type: "cosine", warmupEpochs: 1 });
    expectLr(learningRate(0.1, warm, pos(0, 0)), 0.01);
    expectLr(learningRate(0.1, warm, pos(0, 5)), 0.055);
    expectLr(learningRate(0.1, warm, pos(0, 10)), 0.1);
  });
});
