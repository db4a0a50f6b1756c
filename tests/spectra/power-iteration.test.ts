import { describe, expect, it } from "vitest";
import { eigh } from "../../lib/src/linalg";
import { powerIteration, vec } from "../../lib/src/spectra";
import { knownOperator } from "./helpers";

/** Spectrum: outliers 10, −8, 6, 5 and a bulk in [−1, 1]. */
function spectrum(n: number): number[] {
  const bulk = Array.from({ length: n - 4 }, (_, i) => -1 + (2 * i) / (n - 5));
  return [10, -8, 6, 5, ...bulk];
}

describe("power iteration with deflation", () => {
  it("top-3 by magnitude: 10, −8, 6 with their eigenvectors (n = 100, async operator)", async () => {
    const n = 100;
    const lambda = spectrum(n);
    const { op, Q } = knownOperator(1, lambda, true);
    const r = await powerIteration(op, { seed: 7, k: 3, tol: 1e-10, maxIter: 500 });
    expect(r.converged).toEqual([true, true, true]);
    const expected = [10, -8, 6];
    const cols = [0, 1, 2]; // the outliers are the first entries of lambda → columns of Q
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(r.values[j] - expected[j])).toBeLessThan(1e-9 * 10);
      const q = Q.subarray(cols[j] * n, (cols[j] + 1) * n);
      expect(Math.abs(Math.abs(vec.dot(r.vectors[j], q)) - 1)).toBeLessThan(1e-8);
      // per-iteration history ends at the returned value, and the last residual met the rule
      const h = r.history[j];
      expect(h[h.length - 1].value).toBe(r.values[j]);
      expect(h[h.length - 1].residual).toBeLessThanOrEqual(1e-10 * Math.abs(r.values[j]));
    }
    expect(r.matvecs).toBe(r.history.reduce((s, h) => s + h.length, 0));
  });

  it("largest algebraic top-3: 10, 6, 5 (the −8 is skipped)", async () => {
    const n = 60;
    const { op } = knownOperator(2, spectrum(n));
    const r = await powerIteration(op, { seed: 3, k: 3, which: "largest", tol: 1e-10, maxIter: 2000 });
    expect(r.converged.every(Boolean)).toBe(true);
    expect(r.values.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([10, 6, 5]);
  });

  it("largest algebraic when the dominant eigenvalue is negative (−10 dominant, top-2 = 3, 2)", async () => {
    const lambda = [-10, 3, 2, ...Array.from({ length: 37 }, (_, i) => -1 + i / 36)];
    const { op } = knownOperator(3, lambda);
    const r = await powerIteration(op, { seed: 1, k: 2, which: "largest", tol: 1e-10, maxIter: 3000 });
    expect(r.shift).toBeCloseTo(10, 6);
    expect(Math.abs(r.values[0] - 3)).toBeLessThan(1e-7);
    expect(Math.abs(r.values[1] - 2)).toBeLessThan(1e-7);
  });

  it("agrees with the exact eigendecomposition on a random-looking spectrum (top-5 by magnitude)", async () => {
    const n = 80;
    const lambda = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * Math.pow(0.8, i) * 20);
    const { op, A } = knownOperator(4, lambda);
    const exact = Array.from(eigh(A, n).values)
      .sort((a, b) => Math.abs(b) - Math.abs(a))
      .slice(0, 5);
    const r = await powerIteration(op, { seed: 11, k: 5, tol: 1e-11, maxIter: 1000 });
    for (let j = 0; j < 5; j++) expect(Math.abs(r.values[j] - exact[j])).toBeLessThan(1e-8 * 20);
  });

  it("is reproducible for a seed and reports non-convergence honestly", async () => {
    const { op } = knownOperator(5, spectrum(40));
    const a = await powerIteration(op, { seed: 9, k: 2 });
    const b = await powerIteration(op, { seed: 9, k: 2 });
    expect(a.values).toEqual(b.values);
    const c = await powerIteration(op, { seed: 9, k: 1, maxIter: 2, tol: 1e-14 });
    expect(c.converged).toEqual([false]);
    expect(c.history[0].length).toBe(2);
  });
});
