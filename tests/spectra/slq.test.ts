import { describe, expect, it } from "vitest";
import { eigh } from "../../lib/src/linalg";
import { hutchinson, lanczos, slq, slqDensity, slqQuadrature, vec } from "../../lib/src/spectra";
import { Rng, subSeed } from "../../lib/src/util/random";
import { knownOperator, trace } from "./helpers";

describe("stochastic Lanczos quadrature", () => {
  it("with a full Krylov space reproduces the exact spectral measure: nodes = λᵢ, weights = (q·vᵢ)²", async () => {
    const lambda = [-2, -0.5, 0.1, 0.7, 1.3, 2.2, 3, 4.5];
    const n = lambda.length;
    const { op, A } = knownOperator(11, lambda);
    const exact = eigh(A, n, { vectors: true });
    const V = exact.vectors as Float64Array;
    // the probe slq() draws: Rademacher from subSeed(seed, "slq"), normalised
    const seed = 5;
    const q = vec.rademacher(new Rng(subSeed(seed, "slq")), n);
    vec.normalise(q);
    const r = await slq(op, { seed, probes: 1, steps: n });
    expect(r.runs[0].steps).toBe(n);
    const nodes = r.nodes[0];
    const weights = r.weights[0];
    for (let i = 0; i < n; i++) {
      expect(Math.abs(nodes[i] - exact.values[i])).toBeLessThan(1e-13);
      const qv = vec.dot(q, V.subarray(i * n, (i + 1) * n));
      expect(Math.abs(weights[i] - qv * qv)).toBeLessThan(1e-13);
    }
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    // PyHessian's bug (squaring every entry of the eigenvector matrix) gives weight 1 per node; ours do not
    expect(Math.max(...weights)).toBeLessThan(0.9);
  });

  it("the same holds through lanczos() with an explicit start vector", async () => {
    const lambda = [1, 2, 3, 5, 8];
    const { op, A } = knownOperator(12, lambda);
    const start = Float64Array.of(1, -2, 0.5, 3, 1);
    const r = await lanczos(op, { seed: 0, steps: 5, start });
    const exact = eigh(A, 5, { vectors: true });
    const q = vec.clone(start);
    vec.normalise(q);
    for (let i = 0; i < 5; i++) {
      const qv = vec.dot(q, (exact.vectors as Float64Array).subarray(i * 5, i * 5 + 5));
      expect(Math.abs(r.ritzWeights[i] - qv * qv)).toBeLessThan(1e-13);
    }
  });

  it("quadrature of f(x) = x is exactly the Hutchinson sample of each probe; log det and the CDF are close", async () => {
    const n = 150;
    const lambda = Array.from({ length: n }, (_, i) => 0.1 + (i < 140 ? i / 140 : 5 + i - 140));
    const { op, A } = knownOperator(13, lambda);
    const r = await slq(op, { seed: 21, probes: 8, steps: 25 });
    expect(r.matvecs).toBe(8 * 25);
    const tr = slqQuadrature(r, (x) => x);
    const rng = new Rng(subSeed(21, "slq"));
    for (let l = 0; l < 8; l++) {
      const z = vec.rademacher(rng, n);
      const zAz = vec.dot(z, (await op.apply(z)) as Float64Array);
      expect(Math.abs(tr.perProbe[l] - zAz)).toBeLessThan(1e-9 * Math.abs(zAz));
    }
    expect(Math.abs(tr.estimate - trace(A, n))).toBeLessThan(4 * tr.stdError);
    const logdet = lambda.reduce((s, x) => s + Math.log(x), 0);
    const ld = slqQuadrature(r, Math.log);
    expect(Math.abs(ld.estimate - logdet)).toBeLessThan(4 * ld.stdError + 1e-6 * Math.abs(logdet));
    // spectral CDF at t = 1: exact fraction 140/150 eigenvalues below; Gauss quadrature of a step is O(1/m)-accurate
    let F = 0;
    r.nodes.forEach((nodes, l) => nodes.forEach((x, i) => (F += x <= 1.15 ? r.weights[l][i] / r.nodes.length : 0)));
    expect(Math.abs(F - 140 / 150)).toBeLessThan(0.05);
    // same seed, same answer
    expect((await slq(op, { seed: 21, probes: 8, steps: 25 })).nodes).toEqual(r.nodes);
    // the per-iteration history of each probe ends at its extreme nodes
    const h = r.history[0];
    expect(h[h.length - 1].max).toBe(r.nodes[0][r.nodes[0].length - 1]);
    const hh = await hutchinson(op, { seed: 1, probes: 8 });
    expect(hh.matvecs).toBe(8);
  });

  it("slqDensity integrates to 1 and has the mean of the quadrature measure", async () => {
    const lambda = Array.from({ length: 60 }, (_, i) => Math.cos(i) * 3);
    const { op } = knownOperator(14, lambda);
    const r = await slq(op, { seed: 2, probes: 4, steps: 20 });
    const d = slqDensity(r, { points: 4000 });
    expect(Math.abs(d.mass - 1)).toBeLessThan(1e-6);
    expect(d.density.every((x) => x >= 0)).toBe(true);
    const h = d.grid[1] - d.grid[0];
    let mean = 0;
    for (let k = 0; k < d.grid.length; k++) mean += h * d.grid[k] * d.density[k];
    const quadMean = slqQuadrature(r, (x) => x).estimate / r.dim;
    expect(Math.abs(mean - quadMean)).toBeLessThan(1e-6);
    expect(() => slqDensity(r, { sigma: 0 })).toThrow(/sigma/);
  });
});
