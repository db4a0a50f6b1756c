import { describe, expect, it } from "vitest";
import { denseOperator, hutchinson } from "../../lib/src/spectra";
import { knownOperator, meanAndSe, trace } from "./helpers";
import { randomSymmetric } from "../linalg/helpers";

describe("Hutchinson trace estimator", () => {
  const n = 100;
  const A = randomSymmetric(31, n);
  const exact = trace(A, n);
  const op = denseOperator(A, n);

  it("is within 4 standard errors of the exact trace, with the theoretical variance 2(‖A‖_F² − Σ A_ii²)", async () => {
    const r = await hutchinson(op, { seed: 1, probes: 2000 });
    expect(r.matvecs).toBe(2000);
    expect(r.history[r.history.length - 1]).toBe(r.estimate);
    expect(Math.abs(r.estimate - exact)).toBeLessThan(4 * r.stdError);
    let fro = 0;
    let diag = 0;
    for (let i = 0; i < n * n; i++) fro += A[i] * A[i];
    for (let i = 0; i < n; i++) diag += A[i * n + i] ** 2;
    const seTheory = Math.sqrt((2 * (fro - diag)) / 2000);
    expect(r.stdError / seTheory).toBeGreaterThan(0.85);
    expect(r.stdError / seTheory).toBeLessThan(1.15);
  });

  it("is unbiased: the mean over 40 seeds of 25-probe estimates is within 4 standard errors", async () => {
    const ests: number[] = [];
    for (let s = 0; s < 40; s++) ests.push((await hutchinson(op, { seed: 100 + s, probes: 25 })).estimate);
    const { mean, se } = meanAndSe(ests);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
  });

  it("stops early once stdError ≤ rtol·|estimate|", async () => {
    const { op: psd } = knownOperator(
      2,
      Array.from({ length: 50 }, (_, i) => 1 + i / 50),
    );
    const r = await hutchinson(psd, { seed: 4, probes: 5000, rtol: 0.01, minProbes: 10 });
    expect(r.matvecs).toBeLessThan(5000);
    expect(r.stdError).toBeLessThanOrEqual(0.01 * Math.abs(r.estimate));
  });
});
