import { describe, expect, it } from "vitest";
import { eigh, eigvalsh, eighTridiagonal, symmetrize, symmetryError } from "../../lib/src/linalg";
import { Rng, subSeed } from "../../lib/src/util/random";
import {
  BACKENDS,
  HAVE_LAPACK,
  eigResidual,
  maxAbsDiff,
  orthogonalityError,
  randomSymmetric,
  spectralScale,
  tolFor,
  withSpectrum,
} from "./helpers";

describe("eigh: invariants on seeded random symmetric matrices", () => {
  for (const [backend, test] of BACKENDS) {
    for (const n of [5, 50, 200]) {
      test(`${backend}, n = ${n}: A·V = V·D and VᵀV = I within 4·max(n,10)·ε, values ascending`, () => {
        const A = randomSymmetric(n, n);
        const r = eigh(A, n, { vectors: true, backend });
        expect(r.backend).toBe(backend);
        expect(r.values.length).toBe(n);
        expect(r.vectors?.length).toBe(n * n);
        const V = r.vectors as Float64Array;
        const scale = spectralScale(r.values);
        expect(eigResidual(A, n, r.values, V)).toBeLessThan(tolFor(n) * scale);
        expect(orthogonalityError(V, n, n)).toBeLessThan(tolFor(n));
        for (let i = 1; i < n; i++) expect(r.values[i]).toBeGreaterThanOrEqual(r.values[i - 1]);
        // values-only path gives the same values
        const w = eigvalsh(A, n, { backend });
        expect(maxAbsDiff(w, r.values)).toBeLessThan(tolFor(n) * scale);
      });
    }
  }

  it("auto reports which backend ran", () => {
    const r = eigh(randomSymmetric(3, 4), 4);
    expect(r.backend).toBe(HAVE_LAPACK ? "lapack" : "js");
    expect(r.vectors).toBeUndefined();
  });

  for (const [backend, test] of BACKENDS) {
    test(`${backend}: does not modify its input`, () => {
      const A = randomSymmetric(9, 30);
      const copy = A.slice();
      eigh(A, 30, { vectors: true, backend });
      expect(A).toEqual(copy);
    });
  }
});

describe("eigh: known spectra", () => {
  for (const [backend, test] of BACKENDS) {
    test(`${backend}: a permuted diagonal matrix returns its sorted diagonal and unit vectors`, () => {
      const n = 40;
      const rng = new Rng(subSeed(1, "diag"));
      const d = Array.from({ length: n }, () => rng.normal() * 10);
      const A = new Float64Array(n * n);
      d.forEach((x, i) => (A[i * n + i] = x));
      const r = eigh(A, n, { vectors: true, backend });
      const sorted = [...d].sort((a, b) => a - b);
      expect(maxAbsDiff(r.values, sorted)).toBeLessThan(tolFor(n) * spectralScale(sorted));
      const V = r.vectors as Float64Array;
      for (let i = 0; i < n; i++) {
        const j = d.indexOf(sorted[i]);
        expect(Math.abs(Math.abs(V[i * n + j]) - 1)).toBeLessThan(tolFor(n));
      }
    });

    test(`${backend}: a rank-deficient matrix has exactly k zero eigenvalues (n = 60, k = 7)`, () => {
      const n = 60;
      const k = 7;
      const rng = new Rng(subSeed(2, "rank"));
      // nonzero eigenvalues bounded away from 0: |λ| ∈ [0.5, 3], both signs
      const lambda = Array.from({ length: n }, (_, i) =>
        i < k ? 0 : (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + 2.5 * rng.uniform()),
      );
      const { A } = withSpectrum(3, lambda);
      const r = eigh(A, n, { vectors: true, backend });
      const scale = spectralScale(lambda);
      const zeroTol = tolFor(n) * scale;
      expect(r.values.filter((x) => Math.abs(x) <= zeroTol).length).toBe(k);
      expect(
        maxAbsDiff(
          r.values,
          [...lambda].sort((a, b) => a - b),
        ),
      ).toBeLessThan(tolFor(n) * scale);
      expect(eigResidual(A, n, r.values, r.vectors as Float64Array)).toBeLessThan(tolFor(n) * scale);
      expect(orthogonalityError(r.vectors as Float64Array, n, n)).toBeLessThan(tolFor(n));
    });

    test(`${backend}: repeated eigenvalues (multiplicities 10, 25, 1, 14) keep an orthonormal eigenbasis`, () => {
      const lambda = [...Array(10).fill(-2), ...Array(25).fill(1), 3, ...Array(14).fill(5)];
      const n = lambda.length;
      const { A } = withSpectrum(4, lambda);
      const r = eigh(A, n, { vectors: true, backend });
      expect(
        maxAbsDiff(
          r.values,
          [...lambda].sort((a, b) => a - b),
        ),
      ).toBeLessThan(tolFor(n) * 5);
      expect(eigResidual(A, n, r.values, r.vectors as Float64Array)).toBeLessThan(tolFor(n) * 5);
      expect(orthogonalityError(r.vectors as Float64Array, n, n)).toBeLessThan(tolFor(n));
    });

    test(`${backend}: edge cases n = 0, 1, 2, the zero and identity matrices, huge and tiny scales`, () => {
      expect(eigh(new Float64Array(0), 0, { vectors: true, backend }).values.length).toBe(0);
      const one = eigh(Float64Array.of(-3), 1, { vectors: true, backend });
      expect(Array.from(one.values)).toEqual([-3]);
      expect(Math.abs((one.vectors as Float64Array)[0])).toBe(1);
      const two = eigh(Float64Array.of(2, 1, 1, 2), 2, { vectors: true, backend });
      expect(maxAbsDiff(two.values, [1, 3])).toBeLessThan(4 * Number.EPSILON * 3);
      const n = 8;
      const Z = eigh(new Float64Array(n * n), n, { vectors: true, backend });
      expect(Array.from(Z.values)).toEqual(Array(n).fill(0));
      expect(orthogonalityError(Z.vectors as Float64Array, n, n)).toBeLessThan(tolFor(n));
      const I = new Float64Array(n * n);
      for (let i = 0; i < n; i++) I[i * n + i] = 1;
      expect(maxAbsDiff(eigh(I, n, { backend }).values, Array(n).fill(1))).toBeLessThan(tolFor(n));
      for (const s of [1e150, 1e-150]) {
        const A = randomSymmetric(5, n).map((x) => x * s);
        const ref = eigvalsh(randomSymmetric(5, n), n, { backend });
        const w = eigvalsh(A, n, { backend });
        expect(
          maxAbsDiff(
            w.map((x) => x / s),
            ref,
          ),
        ).toBeLessThan(tolFor(n) * spectralScale(ref));
      }
    });

    test(`${backend}: reads only the lower triangle (garbage above the diagonal is ignored)`, () => {
      const n = 20;
      const A = randomSymmetric(6, n);
      const B = A.slice();
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) B[i * n + j] = 1e6 * (i - j);
      expect(maxAbsDiff(eigvalsh(B, n, { backend }), eigvalsh(A, n, { backend }))).toBeLessThan(tolFor(n) * 10);
    });
  }

  it("rejects a wrong shape", () => {
    expect(() => eigh(new Float64Array(5), 2)).toThrow(/2×2/);
  });
  for (const [backend, test] of BACKENDS) {
    test(`${backend}: rejects non-finite entries`, () => {
      expect(() => eigh(Float64Array.of(1, NaN, NaN, 1), 2, { backend })).toThrow(/non-finite/);
      expect(() => eigh(Float64Array.of(1, 0, Infinity, 1), 2, { backend })).toThrow(/non-finite/);
    });
  }
});

describe("eighTridiagonal and symmetrize", () => {
  it("tridiagonal solver matches the dense solver on the same matrix, with vectors", () => {
    const n = 30;
    const rng = new Rng(subSeed(7, "tri"));
    const d = rng.normals(n);
    const e = rng.normals(n - 1);
    const [d0, e0] = [d.slice(), e.slice()];
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) T[i * n + i] = d[i];
    for (let i = 0; i + 1 < n; i++) T[(i + 1) * n + i] = T[i * n + i + 1] = e[i];
    const r = eighTridiagonal(d, e, { vectors: true });
    const ref = eigh(T, n, { backend: "js" });
    expect(maxAbsDiff(r.values, ref.values)).toBeLessThan(tolFor(n) * spectralScale(ref.values));
    expect(eigResidual(T, n, r.values, r.vectors as Float64Array)).toBeLessThan(tolFor(n) * spectralScale(ref.values));
    expect(orthogonalityError(r.vectors as Float64Array, n, n)).toBeLessThan(tolFor(n));
    expect(d).toEqual(d0); // inputs untouched
    expect(e).toEqual(e0);
  });

  it("Wilkinson's W21+ (pairs of nearly equal eigenvalues) is solved to full accuracy", () => {
    const n = 21;
    const d = Array.from({ length: n }, (_, i) => Math.abs(10 - i));
    const e = Array(n - 1).fill(1);
    const r = eighTridiagonal(d, e, { vectors: true });
    // the two largest eigenvalues of W21+ agree to ≈ 1e-14 (10.746194182903393 and …322)
    expect(r.values[n - 1]).toBeCloseTo(10.746194182903393, 12);
    expect(r.values[n - 2]).toBeCloseTo(10.746194182903322, 12);
    expect(orthogonalityError(r.vectors as Float64Array, n, n)).toBeLessThan(tolFor(n));
  });

  it("symmetrize returns (A + Aᵀ)/2 and symmetryError measures the asymmetry", () => {
    const A = Float64Array.of(1, 2, 4, 3);
    expect(symmetryError(A, 2)).toBeCloseTo(2 / 4, 15);
    const S = symmetrize(A, 2);
    expect(Array.from(S)).toEqual([1, 3, 3, 3]);
    expect(symmetryError(S, 2)).toBe(0);
    symmetrize(A, 2, A);
    expect(Array.from(A)).toEqual([1, 3, 3, 3]);
  });
});
