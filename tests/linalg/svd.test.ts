import { describe, expect, it } from "vitest";
import { eigvalsh, svd, svdvals } from "../../lib/src/linalg";
import { BACKENDS, matmul, maxAbsDiff, orthogonalityError, randomMatrix, tolFor } from "./helpers";

/** max |A − U diag(σ) Vᵀ| for column-major U (m×k), V (n×k). */
function reconstructionError(
  A: Float64Array,
  m: number,
  n: number,
  s: Float64Array,
  U: Float64Array,
  V: Float64Array,
): number {
  const k = s.length;
  let r = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let c = 0; c < k; c++) x += U[c * m + i] * s[c] * V[c * n + j];
      r = Math.max(r, Math.abs(x - A[i * n + j]));
    }
  }
  return r;
}

/** A rank-r m×n matrix B·C with Gaussian factors. */
function lowRank(seed: number, m: number, n: number, r: number): Float64Array {
  return matmul(randomMatrix(seed, m, r), randomMatrix(seed + 1, r, n), m, r, n);
}

describe("svd: invariants", () => {
  for (const [backend, test] of BACKENDS) {
    for (const [m, n] of [
      [5, 5],
      [50, 20],
      [20, 50],
      [200, 200],
      [300, 40],
    ] as const) {
      test(`${backend}, ${m}×${n}: A = U Σ Vᵀ, UᵀU = VᵀV = I, σ descending`, () => {
        const A = randomMatrix(m * 1000 + n, m, n);
        const k = Math.min(m, n);
        const r = svd(A, m, n, { vectors: true, backend });
        expect(r.backend).toBe(backend);
        expect(r.values.length).toBe(k);
        const tol = tolFor(Math.max(m, n));
        const s1 = r.values[0];
        expect(reconstructionError(A, m, n, r.values, r.u as Float64Array, r.v as Float64Array)).toBeLessThan(tol * s1);
        expect(orthogonalityError(r.u as Float64Array, m, k)).toBeLessThan(tol);
        expect(orthogonalityError(r.v as Float64Array, n, k)).toBeLessThan(tol);
        for (let i = 1; i < k; i++) expect(r.values[i]).toBeLessThanOrEqual(r.values[i - 1]);
        expect(maxAbsDiff(svdvals(A, m, n, { backend }), r.values)).toBeLessThan(tol * s1);
      });
    }

    test(`${backend}: singular values are √eig(AᵀA) (60×25)`, () => {
      const [m, n] = [60, 25];
      const A = randomMatrix(42, m, n);
      const AtA = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) for (let p = 0; p < m; p++) AtA[i * n + j] += A[p * n + i] * A[p * n + j];
      const lam = eigvalsh(AtA, n, { backend }).reverse(); // descending
      const s = svdvals(A, m, n, { backend });
      // eig(AᵀA) has absolute error ≈ ε·σ₁², so compare σ² with it
      expect(
        maxAbsDiff(
          s.map((x) => x * x),
          lam,
        ),
      ).toBeLessThan(tolFor(m) * s[0] * s[0]);
    });

    test(`${backend}: rank-deficient inputs (rank 5 of 40×30 and of 30×40) give k − 5 round-off singular values and orthonormal U, V`, () => {
      for (const [m, n] of [
        [40, 30],
        [30, 40],
      ] as const) {
        const A = lowRank(7, m, n, 5);
        const r = svd(A, m, n, { vectors: true, backend });
        const k = Math.min(m, n);
        const tol = tolFor(Math.max(m, n));
        expect(r.values[4]).toBeGreaterThan(1e-3 * r.values[0]);
        for (let i = 5; i < k; i++) expect(r.values[i]).toBeLessThan(tol * r.values[0]);
        expect(reconstructionError(A, m, n, r.values, r.u as Float64Array, r.v as Float64Array)).toBeLessThan(
          tol * r.values[0],
        );
        expect(orthogonalityError(r.u as Float64Array, m, k)).toBeLessThan(tol);
        expect(orthogonalityError(r.v as Float64Array, n, k)).toBeLessThan(tol);
      }
    });

    test(`${backend}: zero matrix, zero columns, a single row/column`, () => {
      const Z = svd(new Float64Array(12), 4, 3, { vectors: true, backend });
      expect(Array.from(Z.values)).toEqual([0, 0, 0]);
      expect(orthogonalityError(Z.u as Float64Array, 4, 3)).toBeLessThan(tolFor(4));
      expect(orthogonalityError(Z.v as Float64Array, 3, 3)).toBeLessThan(tolFor(4));
      // exactly zero columns 1 and 3
      const A = randomMatrix(3, 6, 4);
      for (let i = 0; i < 6; i++) A[i * 4 + 1] = A[i * 4 + 3] = 0;
      const r = svd(A, 6, 4, { vectors: true, backend });
      expect(r.values[2]).toBe(0);
      expect(r.values[3]).toBe(0);
      expect(orthogonalityError(r.v as Float64Array, 4, 4)).toBeLessThan(tolFor(6));
      expect(reconstructionError(A, 6, 4, r.values, r.u as Float64Array, r.v as Float64Array)).toBeLessThan(
        tolFor(6) * r.values[0],
      );
      expect(() => svd(Float64Array.of(1, NaN), 1, 2, { backend })).toThrow(/non-finite/);
      const row = Float64Array.of(3, 4);
      expect(svdvals(row, 1, 2, { backend })[0]).toBeCloseTo(5, 14);
      expect(svdvals(row, 2, 1, { backend })[0]).toBeCloseTo(5, 14);
    });
  }

  it("JS keeps high relative accuracy on a graded matrix (σ from 1 to 1e-12)", () => {
    const n = 12;
    // A = U diag(σ) Vᵀ with known σ: use a diagonal scaled by orthogonal-like Hadamard rotations is overkill;
    // a diagonal matrix with permuted rows tests the relative accuracy directly.
    const sigma = Array.from({ length: n }, (_, i) => Math.pow(10, -i));
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) A[((i * 5) % n) * n + i] = sigma[i]; // 5 is coprime with 12: a permutation
    const s = svdvals(A, n, n, { backend: "js" });
    for (let i = 0; i < n; i++) expect(Math.abs(s[i] - sigma[i]) / sigma[i]).toBeLessThan(1e-14);
  });
});
