/**
 * The theorem check's float64 net (experiments/p3/theorem.ts): its hand-written gradient against central differences
 * (with and without the skip branch), training lowering the loss, and the barrier measure on known cases (a minimum
 * to itself: 0; a path the optimised bend can bypass: lower than the straight segment).
 */
import { describe, expect, it } from "vitest";
import {
  type P3TheoremNet,
  bezierPoint,
  p3TheoremBarrier,
  p3TheoremData,
  p3TheoremInit,
  p3TheoremLoss,
  p3TheoremParamCount,
  p3TheoremTrain,
  p3BarrierSlope,
  p3TheoremMeasure,
  p3TheoremPreregistration,
  p3TheoremSetup,
  type P3TheoremRun,
} from "../../lib/src/experiments/p3/theorem";
import { evaluateClaims } from "../../lib/src/report/prereg";

const data = p3TheoremData(3, 40, { teacher: 4, noise: 0.05, seed: 1 });

describe("P3 theorem check: the two-branch net", () => {
  for (const net of [
    { n: 3, depth: 2, width: 5, m: 4 },
    { n: 3, depth: 2, width: 5, m: 0 },
    { n: 3, depth: 0, width: 5, m: 3 },
  ] as P3TheoremNet[]) {
    it(`gradient = central differences (depth ${net.depth}, m = ${net.m})`, () => {
      const theta = p3TheoremInit(net, 2);
      expect(theta.length).toBe(p3TheoremParamCount(net));
      const g = new Float64Array(theta.length);
      p3TheoremLoss(net, theta, data, g);
      const h = 1e-6;
      for (let i = 0; i < theta.length; i++) {
        const tp = Float64Array.from(theta);
        const tm = Float64Array.from(theta);
        tp[i] += h;
        tm[i] -= h;
        const fd = (p3TheoremLoss(net, tp, data) - p3TheoremLoss(net, tm, data)) / (2 * h);
        expect(g[i], `parameter ${i}`).toBeCloseTo(fd, 6);
      }
    });
  }

  it("training lowers the loss; the barrier of a minimum to itself is 0 and the Bézier path is no higher than the segment", () => {
    const net = { n: 3, depth: 1, width: 6, m: 8 };
    const a0 = p3TheoremInit(net, 3);
    const a = p3TheoremTrain(net, a0, data, { steps: 400, lr: 1e-2 });
    expect(a.loss).toBeLessThan(p3TheoremLoss(net, a0, data) / 2);
    const self = p3TheoremBarrier(net, a.theta, a.theta, data, { steps: 20, lr: 1e-2, samples: 4, grid: 10, seed: 0 });
    expect(Math.abs(self.linear)).toBeLessThan(1e-12);
    const b = p3TheoremTrain(net, p3TheoremInit(net, 4), data, { steps: 400, lr: 1e-2 });
    const r = p3TheoremBarrier(net, a.theta, b.theta, data, { steps: 200, lr: 1e-2, samples: 8, grid: 40, seed: 0 });
    expect(r.ends[0]).toBeCloseTo(a.loss, 12);
    expect(r.linear).toBeGreaterThan(0);
    expect(r.bezier).toBeLessThan(r.linear);
    const mid = bezierPoint(a.theta, a.theta, b.theta, 1);
    expect(Array.from(mid)).toEqual(Array.from(b.theta));
  });
});

describe("P3 theorem check: the claim code", () => {
  const setup = p3TheoremSetup("quick");
  const seeds = [1, 2, 3, 4, 5];
  /** Runs whose largest barrier is c·m^slope for m > 0 and `noSkip` at m = 0. */
  const runs = (slope: number, noSkip: number) =>
    new Map(
      seeds.map((seed) => [
        seed,
        setup.ms.map((m): P3TheoremRun => ({
          seed,
          m,
          losses: [0.003, 0.004],
          bezier: [m === 0 ? noSkip : 0.01 * (1 + 0.05 * seed) * m ** slope, 1e-5],
          linear: [1],
          seconds: 0,
        })),
      ]),
    );
  const verdicts = (r: Map<number, P3TheoremRun[]>) =>
    Object.fromEntries(
      evaluateClaims(p3TheoremPreregistration("quick", setup), p3TheoremMeasure(setup, r, seeds)).map((c) => [
        c.id,
        c.verdict,
      ]),
    );

  it("the least-squares slope of log barrier on log m is the power law's exponent", () => {
    expect(p3BarrierSlope(runs(-0.5, 1).get(1)!)).toBeCloseTo(-0.5, 12);
  });

  it("falling barriers below the no-skip net's reproduce T1 and T2; rising ones above it do not", () => {
    expect(verdicts(runs(-0.5, 1))).toEqual({ S1: "reproduced", T1: "reproduced", T2: "reproduced" });
    const up = verdicts(runs(0.5, 1e-4));
    expect(up.T1).toBe("not reproduced");
    expect(up.T2).toBe("not reproduced");
  });
});
