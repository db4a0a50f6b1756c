import { describe, expect, it } from "vitest";
import { Rng, subSeed } from "../../lib/src/util/random";
import { eigenvector, hessian, jacobiEigen, matVec, buildModel, modelConfig } from "../../lib/src/toy";
import { randomTheta } from "./helpers";

describe("Jacobi symmetric eigen-solver", () => {
  it("A·V = V·D, VᵀV = I, ascending, on seeded random symmetric matrices up to 20×20", () => {
    const rng = new Rng(subSeed(1, "probe"));
    for (const n of [1, 2, 5, 12, 20]) {
      const A = new Float64Array(n * n);
      for (let r = 0; r < n; r++) for (let c = r; c < n; c++) A[r * n + c] = A[c * n + r] = rng.normal();
      const e = jacobiEigen(A, n);
      for (let q = 1; q < n; q++) expect(e.values[q]).toBeGreaterThanOrEqual(e.values[q - 1]);
      for (let c = 0; c < n; c++) {
        const v = eigenvector(e, c);
        const Av = matVec(A, v);
        for (let r = 0; r < n; r++) expect(Math.abs(Av[r] - e.values[c] * v[r])).toBeLessThan(1e-12);
        for (let c2 = 0; c2 < n; c2++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += v[r] * e.vectors[r * n + c2];
          expect(Math.abs(dot - (c === c2 ? 1 : 0))).toBeLessThan(1e-13);
        }
      }
    }
  });

  it("recovers exact zero and repeated eigenvalues", () => {
    // rank-1 matrix u uᵀ with |u|² = 3: eigenvalues 0, 0, 3
    const A = Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const e = jacobiEigen(A, 3);
    expect(Math.abs(e.values[0])).toBeLessThan(1e-15);
    expect(Math.abs(e.values[1])).toBeLessThan(1e-15);
    expect(e.values[2]).toBeCloseTo(3, 14);
  });
});

describe("toy Hessian", () => {
  for (const arch of ["plain", "residual"] as const) {
    it(`${arch}: symmetric and equal to second differences of the exact loss`, () => {
      const m = buildModel(modelConfig(arch));
      const th = randomTheta(m, 11);
      const H = hessian(m, th);
      const P = m.paramCount;
      const h = 1e-4;
      const t = Float64Array.from(th);
      const L = (): number => m.loss(t);
      for (let r = 0; r < P; r++) {
        for (let c = 0; c < P; c++) {
          expect(H[r * P + c]).toBe(H[c * P + r]);
          // ∂²L/∂θ_r∂θ_c by the 4-point formula (r ≠ c) or the 3-point one (r = c)
          let fd: number;
          if (r === c) {
            const l0 = L();
            t[r] = th[r] + h;
            const lp = L();
            t[r] = th[r] - h;
            const lm = L();
            t[r] = th[r];
            fd = (lp - 2 * l0 + lm) / (h * h);
          } else {
            const f = (dr: number, dc: number): number => {
              t[r] = th[r] + dr;
              t[c] = th[c] + dc;
              const v = L();
              t[r] = th[r];
              t[c] = th[c];
              return v;
            };
            fd = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h);
          }
          expect(Math.abs(H[r * P + c] - fd)).toBeLessThan(1e-6);
        }
      }
    });
  }

  it("is positive definite at the teacher (an isolated global minimum) for the residual model", () => {
    const m = buildModel(modelConfig("residual"));
    const e = jacobiEigen(hessian(m, m.teacherTheta()), m.paramCount);
    expect(e.values[0]).toBeGreaterThan(1e-3);
  });
});
