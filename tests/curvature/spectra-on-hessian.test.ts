/**
 * The matrix-free spectral algorithms of `spectra/` run on curvature operators and are checked against the exact
 * eigendecomposition of the assembled Hessian: Lanczos extremes, full-Lanczos Ritz pairs and weights, and the SLQ
 * quadrature (weights = squared first components of Tₘ's eigenvectors = (qᵀ Ritz vector)²), whose m-node rule must
 * reproduce the moments qᵀHᵏq exactly for k ≤ 2m − 1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { exactSpectrum, hessianOperator, type ExactSpectrum } from "../../lib/src/curvature";
import { denseOperator, lanczos, powerIteration, slq, vec } from "../../lib/src/spectra";
import { Rng, subSeed } from "../../lib/src/util/random";
import { tinyNet, type TinyNet } from "./helpers";

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe("Lanczos and SLQ on the Hessian operator vs the exact eigendecomposition", () => {
  let net: TinyNet;
  let exact: ExactSpectrum;
  let n: number;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    // MSE at a generic point: an indefinite Hessian without structural zero eigenvalues. 4 → 7 → 2: 51 parameters.
    net = tinyNet({ seed: 31, inputDim: 4, hidden: [7], outputs: 2, batch: 64, task: "mse" });
    exact = await exactSpectrum(hessianOperator(net.loss, net.set), { vectors: true, keepMatrix: true });
    n = exact.n;
  });
  afterAll(() => net.dispose());

  it("matrix-free Lanczos on the HVP finds both extreme eigenvalues", async () => {
    const op = hessianOperator(net.loss, net.set);
    const r = await lanczos(op, { seed: 1, steps: 30 });
    const lo = exact.values[0];
    const hi = exact.values[n - 1];
    expect(lo).toBeLessThan(0); // indefinite: both ends are informative
    expect(Math.abs(r.ritzValues[r.ritzValues.length - 1] - hi)).toBeLessThan(1e-5 * exact.maxAbs);
    expect(Math.abs(r.ritzValues[0] - lo)).toBeLessThan(1e-5 * exact.maxAbs);
    const p = await powerIteration(op, { seed: 2, maxIter: 300, tol: 1e-5 });
    const dominant = Math.abs(hi) >= Math.abs(lo) ? hi : lo;
    expect(Math.abs(p.values[0] - dominant)).toBeLessThan(1e-4 * exact.maxAbs);
  });

  it("full Lanczos on the assembled operator: Ritz values are the eigenvalues, weights (qᵀuᵢ)²", async () => {
    const q = new Rng(3).normals(n);
    const qn = Math.sqrt(dot(q, q));
    const r = await lanczos(denseOperator(exact.matrix!, n), { seed: 0, steps: n, start: q, ritzVectors: true });
    expect(r.steps).toBe(n);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(r.ritzValues[i] - exact.values[i])).toBeLessThan(1e-9 * exact.maxAbs);
      const u = exact.vectors!.subarray(i * n, (i + 1) * n);
      const w = (dot(q, u) / qn) ** 2; // squared component of the start vector on eigenvector i
      expect(Math.abs(r.ritzWeights[i] - w)).toBeLessThan(1e-8);
      // the weight is also the squared first component of the Ritz vector: (qᵀ y_i)²
      expect(Math.abs(r.ritzWeights[i] - (dot(q, r.ritzVectors![i]) / qn) ** 2)).toBeLessThan(1e-8);
    }
  });

  it("SLQ nodes and weights form the Gauss rule of each probe's spectral measure", async () => {
    const m = 6;
    const seed = 4;
    const res = await slq(hessianOperator(net.loss, net.set), { seed, probes: 2, steps: m });
    // reproduce the probes: normalised Rademacher vectors from subSeed(seed, "slq")
    const rng = new Rng(subSeed(seed, "slq"));
    for (let l = 0; l < 2; l++) {
      const v = vec.rademacher(rng, n);
      const vn = Math.sqrt(dot(v, v));
      const mu = new Float64Array(n); // exact spectral measure of the probe: μ_j = (vᵀu_j)²
      for (let j = 0; j < n; j++) mu[j] = (dot(v, exact.vectors!.subarray(j * n, (j + 1) * n)) / vn) ** 2;
      const s = exact.maxAbs;
      for (let k = 0; k <= 2 * m - 1; k++) {
        let quad = 0;
        for (let i = 0; i < m; i++) quad += res.weights[l][i] * (res.nodes[l][i] / s) ** k;
        let mom = 0;
        for (let j = 0; j < n; j++) mom += mu[j] * (exact.values[j] / s) ** k;
        expect(Math.abs(quad - mom), `probe ${l}, moment ${k}`).toBeLessThan(1e-5);
      }
      // squaring the whole eigenvector matrix (PyHessian issue #17) would break the first moment
      expect(res.weights[l].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });
});
