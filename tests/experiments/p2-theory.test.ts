/**
 * Paper 2's linear theory (experiments/p2/theory.ts) against ground truth: digamma at known values, the Fuss–Catalan
 * numbers and density (moments by quadrature, and of sampled Gaussian products), the Rudelson–Vershynin bounds, the
 * Lyapunov prediction of the plain product's numerical rank, and the residual products staying full rank.
 */
import { describe, expect, it } from "vitest";
import {
  digamma,
  fussCatalanDensity,
  fussCatalanMoment,
  gaussianLyapunov,
  gaussianProductSpectrum,
  p2LinearProduct,
  predictedRank,
  predictedRankBand,
  rudelsonVershynin,
  trigamma,
} from "../../lib/src/experiments/p2/theory";
import { Rng } from "../../lib/src/util/random";

describe("paper 2 linear theory", () => {
  it("digamma matches its closed forms", () => {
    const gamma = 0.5772156649015329;
    expect(digamma(1)).toBeCloseTo(-gamma, 10);
    expect(digamma(0.5)).toBeCloseTo(-gamma - 2 * Math.log(2), 10);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 10);
    expect(digamma(3.5) - digamma(2.5)).toBeCloseTo(1 / 2.5, 12); // ψ(x+1) = ψ(x) + 1/x
    expect(() => digamma(0)).toThrow(/x > 0/);
  });

  it("trigamma matches its closed forms and the derivative of digamma", () => {
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 11);
    expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 11);
    expect(trigamma(2.5) - trigamma(3.5)).toBeCloseTo(1 / 2.5 ** 2, 12); // ψ′(x) = ψ′(x+1) + 1/x²
    const h = 1e-5;
    expect(trigamma(7.3)).toBeCloseTo((digamma(7.3 + h) - digamma(7.3 - h)) / (2 * h), 8);
    expect(() => trigamma(-1)).toThrow(/x > 0/);
  });

  it("the CLT band's variances: ln of the k-volume W spans grows by ½ Σ ln χ²_{n−j}/n, variance Σ ψ′((n − j)/2)/4", () => {
    // Monte Carlo over one Gaussian step (the band multiplies the per-step variance by m): k = 1 is the top direction,
    // k = 2 adds the second (the band's ln σ_1/σ_2 uses both)
    const n = 8;
    const trials = 4000;
    const rng = new Rng(11);
    const logs: number[][] = [[], []];
    for (let t = 0; t < trials; t++) {
      const a = rng.normals(n).map((v) => v / Math.sqrt(n)); // W e1
      const b = rng.normals(n).map((v) => v / Math.sqrt(n)); // W e2
      const aa = a.reduce((s, v) => s + v * v, 0);
      const bb = b.reduce((s, v) => s + v * v, 0);
      const ab = a.reduce((s, v, i) => s + v * b[i], 0);
      logs[0].push(0.5 * Math.log(aa));
      logs[1].push(0.5 * Math.log(aa * bb - ab * ab));
    }
    const variance = (x: number[]) => {
      const m = x.reduce((s, v) => s + v, 0) / x.length;
      return x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1);
    };
    expect(variance(logs[0]) / (trigamma(n / 2) / 4)).toBeCloseTo(1, 1);
    expect(variance(logs[1]) / ((trigamma(n / 2) + trigamma((n - 1) / 2)) / 4)).toBeCloseTo(1, 1);
    // the band: full rank before any block, widening with depth, always containing the central prediction
    expect(predictedRankBand(16, 0, 1e-7)).toEqual({ lo: 16, hi: 16 });
    for (const m of [5, 20, 60, 150]) {
      const b = predictedRankBand(16, m, 1e-7, { inputKappa: 3 });
      expect(b.lo).toBeLessThanOrEqual(predictedRank(16, m, 1e-7));
      expect(b.hi).toBeGreaterThanOrEqual(predictedRank(16, m, 1e-7));
    }
  });

  it("Fuss–Catalan: the numbers, and the density's mass and moments by quadrature", () => {
    expect([1, 2, 3, 4].map((k) => fussCatalanMoment(1, k))).toEqual([1, 2, 5, 14]); // Catalan
    expect([1, 2, 3, 4].map((k) => fussCatalanMoment(2, k))).toEqual([1, 3, 12, 55]);
    for (const s of [1, 2, 3]) {
      const d = fussCatalanDensity(s, 6000);
      let m0 = 0;
      let m1 = 0;
      let m2 = 0;
      for (let i = 1; i < d.length; i++) {
        const dx = d[i].x - d[i - 1].x;
        const p = (d[i].p + d[i - 1].p) / 2;
        const x = (d[i].x + d[i - 1].x) / 2;
        m0 += p * dx;
        m1 += p * x * dx;
        m2 += p * x * x * dx;
      }
      expect(m0).toBeGreaterThan(0.99); // the integrable singularity at 0 loses a little mass to the grid
      expect(m1).toBeCloseTo(fussCatalanMoment(s, 1), 2);
      expect(m2 / fussCatalanMoment(s, 2)).toBeCloseTo(1, 2);
      expect(d[d.length - 1].x).toBeLessThanOrEqual((s + 1) ** (s + 1) / s ** s + 1e-9);
    }
  });

  it("the squared singular values of a product of Gaussians have the Fuss–Catalan moments (Lemma 1)", () => {
    for (const s of [1, 2]) {
      const x = gaussianProductSpectrum(300, s, 3);
      const m = (k: number) => x.reduce((a, v) => a + v ** k, 0) / x.length;
      expect(m(1)).toBeCloseTo(1, 1);
      expect(Math.abs(m(2) / fussCatalanMoment(s, 2) - 1)).toBeLessThan(0.05);
    }
  });

  it("Rudelson–Vershynin: √b − √a ≲ σ_min ≤ σ_max ≲ √b + √a for a × b Gaussians", () => {
    for (const [a, b] of [
      [10, 40],
      [30, 60],
      [50, 200],
    ]) {
      const r = rudelsonVershynin(a, b, 7);
      expect(r.sigmaMin).toBeGreaterThan(0.85 * r.lower);
      expect(r.sigmaMax).toBeLessThan(1.05 * r.upper);
      expect(r.sigmaMin).toBeLessThan(r.sigmaMax);
    }
  });

  it("the plain product loses rank as the Lyapunov spectrum predicts; the residual products stay full rank", () => {
    const n = 16;
    const N = 48;
    const depths = [0, 5, 20, 60, 150, 400, 800];
    const o = { width: n, batch: N, depths, cardinality: 4, groupWidth: 4 };
    const tol = Math.max(n, N) * 2 ** -52;
    const plain = p2LinearProduct("plain", o, 1);
    expect(plain.map((p) => p.depth)).toEqual(depths);
    expect(plain[0].rank64).toBe(n);
    for (const p of plain) expect(Math.abs(p.rank64 - predictedRank(n, p.depth, tol))).toBeLessThanOrEqual(2);
    for (let i = 1; i < plain.length; i++) expect(plain[i].rank64).toBeLessThanOrEqual(plain[i - 1].rank64);
    expect(plain[plain.length - 1].rank64).toBeLessThanOrEqual(2);
    expect(plain[plain.length - 1].rank32).toBe(1);
    for (const family of ["resnet", "resnext"] as const) {
      const r = p2LinearProduct(family, { ...o, depths: [0, 20, 60] }, 1);
      for (const p of r) {
        expect(p.rank64, family).toBe(n);
        expect(p.kappa, family).toBeLessThan(1e3);
      }
    }
    // Lyapunov exponents are ordered and the top one is ½[ln(2/n) + ψ(n/2)]
    const l = gaussianLyapunov(n);
    expect(l[0]).toBeCloseTo(0.5 * (Math.log(2 / n) + digamma(n / 2)), 12);
    expect(l.every((v, i) => i === 0 || v < l[i - 1])).toBe(true);
  });

  it("refuses what it cannot compute", () => {
    const o = { width: 8, batch: 4, depths: [1], cardinality: 2, groupWidth: 4 };
    expect(() => p2LinearProduct("plain", o, 0)).toThrow(/at least the width/);
    expect(() => p2LinearProduct("resnext", { ...o, batch: 8, groupWidth: 8 }, 0)).toThrow(/q < n/);
    expect(() => p2LinearProduct("plain", { ...o, batch: 8, depths: [3, 2] }, 0)).toThrow(/ascending/);
  });
});
