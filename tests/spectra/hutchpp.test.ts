import { describe, expect, it } from "vitest";
import { hutchinson, hutchpp } from "../../lib/src/spectra";
import { knownOperator, meanAndSe } from "./helpers";

describe("Hutch++", () => {
  // PSD, fast-decaying spectrum: where Hutch++ beats Hutchinson
  const n = 200;
  const lambda = Array.from({ length: n }, (_, i) => 100 / (1 + i) ** 2);
  const exact = lambda.reduce((a, b) => a + b, 0);
  const { op } = knownOperator(6, lambda);

  it("is within 4 standard errors of the exact trace and far tighter than Hutchinson at the same budget", async () => {
    const r = await hutchpp(op, { seed: 1, matvecs: 60 });
    expect(r.matvecs).toBe(60);
    expect(r.rank).toBe(20);
    expect(r.estimate).toBeCloseTo(r.lowRank + r.residual, 10);
    expect(Math.abs(r.estimate - exact)).toBeLessThan(4 * r.stdError);
    const h = await hutchinson(op, { seed: 1, probes: 60 });
    expect(r.stdError).toBeLessThan(h.stdError / 10);
  });

  it("is unbiased: the mean over 30 seeds is within 4 standard errors", async () => {
    const ests: number[] = [];
    for (let s = 0; s < 30; s++) ests.push((await hutchpp(op, { seed: 200 + s, matvecs: 30 })).estimate);
    const { mean, se } = meanAndSe(ests);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
  });

  it("is exact for a low-rank operator whose range the sketch captures", async () => {
    const low = [5, -3, 2, 1, 0.5, ...Array(45).fill(0)];
    const { op: lowOp } = knownOperator(7, low);
    const r = await hutchpp(lowOp, { seed: 3, matvecs: 30 });
    expect(r.rank).toBe(5);
    expect(Math.abs(r.estimate - 5.5)).toBeLessThan(1e-10);
    expect(r.matvecs).toBe(30); // unused low-rank products go to the residual phase
  });
});
