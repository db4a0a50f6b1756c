import { describe, expect, it } from "vitest";
import {
  cond,
  condFromSingularValues,
  defaultRtol,
  effectiveRank,
  effectiveRankFromSingularValues,
  numericalRank,
  numericalRankFromSingularValues,
} from "../../lib/src/linalg";
import { matmul, randomMatrix } from "./helpers";

function diag(d: number[]): Float64Array {
  const n = d.length;
  const A = new Float64Array(n * n);
  d.forEach((x, i) => (A[i * n + i] = x));
  return A;
}

describe("condition number", () => {
  it("σ_max/σ_min of a diagonal matrix, sign-insensitive", () => {
    expect(cond(diag([1, -2, 10, 5]), 4, 4, { backend: "js" })).toBeCloseTo(10, 12);
    expect(cond(diag([1, -2, 10, 5]), 4, 4)).toBeCloseTo(10, 12);
  });

  it("is Infinity for a singular matrix (exact zero and rank-deficient product)", () => {
    expect(cond(diag([1, 0, 3]), 3, 3)).toBe(Infinity);
    const A = matmul(randomMatrix(1, 20, 4), randomMatrix(2, 4, 20), 20, 4, 20); // rank 4 of 20
    expect(cond(A, 20, 20)).toBe(Infinity);
    expect(cond(A, 20, 20, { backend: "js" })).toBe(Infinity);
    expect(cond(new Float64Array(9), 3, 3)).toBe(Infinity);
  });

  it("uses σ_min ≤ rtol·σ_max with rtol = max(m, n)·ε by default, configurable", () => {
    expect(defaultRtol(3, 7)).toBe(7 * Number.EPSILON);
    const s = [1, 1e-15];
    expect(condFromSingularValues(s, defaultRtol(10, 10))).toBe(Infinity); // 1e-15 ≤ 2.2e-15
    expect(condFromSingularValues(s, defaultRtol(2, 2))).toBeCloseTo(1e15, 0); // 1e-15 > 4.4e-16
    expect(cond(diag([1, 1e-9]), 2, 2, { rtol: 1e-8 })).toBe(Infinity);
    expect(cond(diag([1, 1e-9]), 2, 2)).toBeCloseTo(1e9, 3);
  });

  it("handles rectangular matrices with σ_min = σ_min(m, n)", () => {
    const A = Float64Array.of(3, 0, 0, 4, 0, 0); // 3×2, σ = 4, 3
    expect(cond(A, 3, 2)).toBeCloseTo(4 / 3, 14);
  });
});

describe("numerical and effective rank", () => {
  it("numericalRank counts σ above max(atol, rtol·σ_max)", () => {
    const A = matmul(randomMatrix(3, 30, 6), randomMatrix(4, 6, 25), 30, 6, 25);
    expect(numericalRank(A, 30, 25)).toBe(6);
    expect(numericalRank(A, 30, 25, { backend: "js" })).toBe(6);
    expect(numericalRankFromSingularValues([3, 2, 1e-3, 0], 1e-2)).toBe(2);
    expect(numericalRankFromSingularValues([3, 2, 1e-3, 0], 0, 1.5)).toBe(2);
    expect(numericalRankFromSingularValues([3, 2, 1e-3, 0], 0)).toBe(3);
  });

  it("effectiveRank is n for the identity, 1 for rank one, exp(entropy) in between", () => {
    const n = 9;
    expect(effectiveRank(diag(Array(n).fill(2)), n, n)).toBeCloseTo(n, 12);
    const u = randomMatrix(5, n, 1);
    const v = randomMatrix(6, 1, n);
    expect(effectiveRank(matmul(u, v, n, 1, n), n, n)).toBeCloseTo(1, 10);
    // σ = (1, 1, √2): p = σ²/Σσ² = (1/4, 1/4, 1/2), H = 1.5 log 2, exp H = 2√2
    expect(effectiveRankFromSingularValues([1, 1, Math.SQRT2])).toBeCloseTo(2 * Math.SQRT2, 14);
    // power 1 (Roy & Vetterli): p ∝ σ
    expect(effectiveRankFromSingularValues([2, 2, 0], 1)).toBeCloseTo(2, 14);
    expect(effectiveRankFromSingularValues([0, 0])).toBe(0);
    expect(effectiveRankFromSingularValues([1e300, 1e300])).toBeCloseTo(2, 14); // no overflow
  });
});
