/**
 * End-to-end Fig. B check on the default teacher (σ_init = 0.1, η = 0.05, 20 seeds, same θ_0 for both students).
 * It pins what the dynamics actually do, including the negative result:
 *  - ε above L_lin (the loss of the best linear fit): the residual student is ~5× faster for every seed — the plain
 *    student starts at the elimination singularity J = 0, w = 0 and must escape it; the skip fits the linear part
 *    at once.
 *  - ε = 0.5·L_lin (default; below the plain overlap saddle): the residual student is faster for most seeds, and the
 *    plain student's plateau sits at the overlap saddle's loss.
 *  - ε = 0.15·L_lin: the residual student is SLOWER for most seeds and some runs never get there: with v_1 ≠ v_2 the
 *    skip turns the plain model's second global minimum and its overlap saddle into spurious strict local minima.
 */
import { describe, expect, it } from "vitest";
import {
  compareArchs,
  defaultExperiment,
  buildModel,
  modelConfig,
  newtonRefine,
  overlapCriticalPoint,
  runExperiment,
} from "../../lib/src/toy";

const base = defaultExperiment({ steps: 30000 });

describe("Fig. B end to end (default teacher, 20 seeds)", () => {
  it("ε = L_lin: residual reaches ε first for ≥ 18/20 seeds, ≥ 3× sooner at the median (elimination escape)", () => {
    const recs = runExperiment({ ...base, eps: 1 });
    const cmp = compareArchs(recs);
    expect(cmp.pairs).toBe(20);
    expect(cmp.bFaster).toBeGreaterThanOrEqual(18);
    const [p, r] = ["plain", "residual"].map((a) => cmp.summaries.find((s) => s.arch === a)!);
    expect(p.medianStepsToEps / r.medianStepsToEps).toBeGreaterThan(3);
  });

  it("ε = 0.5·L_lin (default): residual faster for ≥ 15/20; the plain plateau sits at the overlap saddle", () => {
    const recs = runExperiment(base);
    const cmp = compareArchs(recs);
    expect(cmp.bFaster).toBeGreaterThanOrEqual(15);
    const plain = recs.filter((r) => r.arch === "plain");
    const resid = recs.filter((r) => r.arch === "residual");
    const saddle = overlapCriticalPoint(modelConfig("plain")).loss; // 9.42e-3
    const withPlateau = plain.filter((r) => r.longestPlateau >= 150);
    expect(withPlateau.length).toBeGreaterThanOrEqual(15);
    for (const r of withPlateau) expect(Math.abs(r.longestPlateauLoss - saddle) / saddle).toBeLessThan(0.1);
    expect(resid.filter((r) => r.plateauSteps === 0).length).toBeGreaterThanOrEqual(15);
    // on the way the plain units become (anti)parallel: |cos(J_1, J_2)| > 0.9 in every run
    for (const r of plain) expect(r.closest.maxAbsCos).toBeGreaterThan(0.9);
  });

  it("NEGATIVE: ε = 0.15·L_lin: residual slower for ≥ 15/20 and ≥ 2 residual runs never get there", () => {
    const recs = runExperiment({ ...base, eps: 0.15 });
    const cmp = compareArchs(recs);
    expect(cmp.pairs - cmp.bFaster - cmp.ties).toBeGreaterThanOrEqual(15);
    expect(cmp.summaries.find((s) => s.arch === "residual")!.failures).toBeGreaterThanOrEqual(2);
    expect(cmp.summaries.find((s) => s.arch === "plain")!.failures).toBe(0);
  });

  it("NEGATIVE: the residual traps are strict local minima (J_1 ∥ J_2 at L = 3.84e-3; unit-swapped at L = 7.19e-4)", () => {
    const recs = runExperiment({ ...base, seeds: [0, 4] });
    const m = buildModel(modelConfig("residual"));
    const found = recs
      .filter((r) => r.arch === "residual")
      .map((r) => newtonRefine(m, r.finalTheta))
      .sort((a, b) => b.loss - a.loss);
    expect(found[0].loss).toBeCloseTo(3.839e-3, 5);
    expect(found[1].loss).toBeCloseTo(7.191e-4, 6);
    for (const f of found) {
      expect(f.gradNorm).toBeLessThan(1e-12);
      expect(f.eigenvalues[0]).toBeGreaterThan(1e-4);
    }
    // the first has J_1 ∥ J_2
    const th = found[0].theta;
    const cos = (th[0] * th[2] + th[1] * th[3]) / (Math.hypot(th[0], th[1]) * Math.hypot(th[2], th[3]));
    expect(cos).toBeGreaterThan(0.999);
  });
});
