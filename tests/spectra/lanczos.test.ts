import { describe, expect, it } from "vitest";
import { eigh } from "../../lib/src/linalg";
import { denseOperator, lanczos, vec } from "../../lib/src/spectra";
import { knownOperator } from "./helpers";
import { maxAbsDiff, randomSymmetric, spectralScale, tolFor } from "../linalg/helpers";

describe("Lanczos with full reorthogonalisation", () => {
  it("extreme Ritz values converge to the exact extremes (outliers 5 and −3 over a bulk in [−1, 1], n = 200)", async () => {
    const n = 200;
    const lambda = [5, -3, 4, ...Array.from({ length: n - 3 }, (_, i) => -1 + (2 * i) / (n - 4))];
    const { op } = knownOperator(1, lambda, true);
    const r = await lanczos(op, { seed: 3, steps: 40, keepBasis: true, ritzVectors: true });
    expect(r.steps).toBe(40);
    expect(r.stop).toBe("steps");
    expect(Math.abs(r.ritzValues[39] - 5)).toBeLessThan(1e-12);
    expect(Math.abs(r.ritzValues[38] - 4)).toBeLessThan(1e-12);
    expect(Math.abs(r.ritzValues[0] + 3)).toBeLessThan(1e-12);
    // interlacing: the largest Ritz value never decreases, the smallest never increases
    for (let j = 1; j < r.history.length; j++) {
      expect(r.history[j].max).toBeGreaterThanOrEqual(r.history[j - 1].max - 1e-13);
      expect(r.history[j].min).toBeLessThanOrEqual(r.history[j - 1].min + 1e-13);
    }
    // the basis stays orthonormal (full reorthogonalisation) and the Ritz residuals equal β_m|e_mᵀs|
    const Q = r.basis as Float64Array[];
    let orth = 0;
    for (let i = 0; i < Q.length; i++)
      for (let j = 0; j <= i; j++) orth = Math.max(orth, Math.abs(vec.dot(Q[i], Q[j]) - (i === j ? 1 : 0)));
    expect(orth).toBeLessThan(1e-14);
    const Y = r.ritzVectors as Float64Array[];
    for (const i of [0, 20, 39]) {
      const Ay = (await op.apply(Y[i])) as Float64Array;
      const res = vec.norm(vec.axpy(-r.ritzValues[i], Y[i], Ay.slice()));
      expect(Math.abs(res - r.ritzResiduals[i])).toBeLessThan(1e-12);
    }
  });

  it("with a full Krylov space (m = n) the Ritz values are all the eigenvalues (random symmetric, n = 50)", async () => {
    const n = 50;
    const A = randomSymmetric(77, n);
    const exact = eigh(A, n).values;
    const r = await lanczos(denseOperator(A, n), { seed: 5, steps: n });
    expect(maxAbsDiff(r.ritzValues, exact)).toBeLessThan(100 * tolFor(n) * spectralScale(exact));
    let total = 0;
    for (const w of r.ritzWeights) total += w;
    expect(total).toBeCloseTo(1, 14);
  });

  it("stops at breakdown when the start vector spans an invariant subspace", async () => {
    const n = 30;
    const lambda = [...Array(10).fill(2), ...Array(10).fill(-1), ...Array(10).fill(0.5)];
    const { op } = knownOperator(2, lambda);
    const r = await lanczos(op, { seed: 1, steps: 20 });
    expect(r.stop).toBe("breakdown");
    expect(r.steps).toBe(3); // three distinct eigenvalues
    expect(maxAbsDiff(r.ritzValues, [-1, 0.5, 2])).toBeLessThan(1e-13);
  });

  it("stops early on the residual rule when tol is given", async () => {
    const n = 100;
    const lambda = [10, -10, ...Array.from({ length: n - 2 }, (_, i) => Math.sin(i))];
    const { op } = knownOperator(3, lambda);
    const r = await lanczos(op, { seed: 2, steps: 100, tol: 1e-8 });
    expect(r.stop).toBe("converged");
    expect(r.steps).toBeLessThan(60);
    const last = r.history[r.history.length - 1];
    expect(last.maxResidual).toBeLessThanOrEqual(1e-8 * 10);
    expect(Math.abs(last.max - 10)).toBeLessThan(1e-10);
    expect(Math.abs(last.min + 10)).toBeLessThan(1e-10);
  });

  it("selective reorthogonalisation (DGKS) keeps the basis orthonormal and agrees with two passes every step", async () => {
    const n = 400;
    const A = randomSymmetric(8, n);
    const op = denseOperator(A, n);
    const orthOf = (Q: Float64Array[]) => {
      let e = 0;
      for (let i = 0; i < Q.length; i++)
        for (let j = 0; j <= i; j++) e = Math.max(e, Math.abs(vec.dot(Q[i], Q[j]) - (i === j ? 1 : 0)));
      return e;
    };
    const sel = await lanczos(op, { seed: 4, steps: 120, keepBasis: true });
    const two = await lanczos(op, { seed: 4, steps: 120, keepBasis: true, reorthogonalisation: "twice" });
    expect(two.reorthPasses).toBe(240);
    expect(sel.reorthPasses).toBeGreaterThanOrEqual(120);
    expect(sel.reorthPasses).toBeLessThan(240); // the second pass is the exception
    expect(orthOf(sel.basis as Float64Array[])).toBeLessThan(1e-14);
    const scale = spectralScale(eigh(A, n, { vectors: false }).values);
    expect(maxAbsDiff(sel.ritzValues, two.ritzValues) / scale).toBeLessThan(1e-12);
  });
});
