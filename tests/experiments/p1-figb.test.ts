/**
 * The toy's shared-target pre-registration (experiments/p1/figb.ts): the fixed ε and thresholds, the verdicts on
 * synthetic runs where each claim holds or fails, and the measurement on real runs of the shared target.
 */
import { describe, expect, it } from "vitest";
import { type FigBRunRow, figBMeasure, figBPreregistration, figBSeeds, figBSetup } from "../../lib/src/experiments";
import { checkPreregistration, evaluateClaims } from "../../lib/src/report/prereg";
import { ToyModel, experimentModelConfig, overlapCriticalPoint, runExperiment } from "../../lib/src/toy";

describe("Fig. B (toy) pre-registration", () => {
  const setup = figBSetup();
  const p = figBPreregistration("quick", setup);

  it("fixes one shared plain target, ε at half its overlap saddle, and disjoint seed sets", () => {
    expect(() => checkPreregistration(p)).not.toThrow();
    expect(setup.experiment.model.teacher.arch).toBe("plain");
    const plain = new ToyModel(experimentModelConfig(setup.experiment, "plain"));
    const residual = new ToyModel(experimentModelConfig(setup.experiment, "residual"));
    expect(residual.teacherEnergy).toBeCloseTo(plain.teacherEnergy, 14); // one target: the same zero-network loss
    expect(setup.saddleLoss).toBeCloseTo(overlapCriticalPoint(plain.config).loss, 12);
    expect(setup.eps).toBe(setup.saddleLoss / 2);
    expect(setup.experiment.epsScale).toBe("absolute");
    expect(setup.ghostDistance).toBeCloseTo(Math.SQRT2 * 0.1, 14);
    expect(figBSeeds("quick").confirmation).toHaveLength(50);
    expect(figBSeeds("quick").confirmation[0]).toBe(1000);
    expect(p.claims.map((c) => [c.id, c.kind])).toEqual([
      ["S1", "sanity"],
      ["B1", "paper"],
      ["B2", "paper"],
      ["B3", "paper"],
    ]);
  });

  const seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const rows = (plainSteps: number, residualSteps: number, residualCos: number): FigBRunRow[] =>
    seeds.flatMap((seed) => [
      {
        arch: "plain",
        seed,
        stepsToEps: plainSteps * (1 + 0.05 * (seed % 3)),
        longestPlateau: 400 + seed,
        longestPlateauLoss: setup.saddleLoss * (1.02 + 0.01 * (seed % 4)),
        maxAbsCos: 0.99,
      },
      {
        arch: "residual",
        seed,
        stepsToEps: residualSteps * (1 + 0.04 * (seed % 5)),
        longestPlateau: 10,
        longestPlateauLoss: 0.01,
        maxAbsCos: residualCos,
      },
    ]);
  const exact = (distance: number, speed: number) => ({
    probes: [
      { arch: "plain", kind: "overlap-point", gradAlong: 0, curvatureAlong: 1e-16 },
      { arch: "plain", kind: "silent-unit", gradAlong: 1e-15, curvatureAlong: 0 },
      { arch: "residual", kind: "overlap-point", gradAlong: 0.08, curvatureAlong: 1 },
      { arch: "residual", kind: "silent-unit", gradAlong: 0.5, curvatureAlong: 1 },
    ],
    ghosts: ["elimination", "overlap"].map((plane) => ({ plane, arch: "residual", distance, speed })),
  });

  it("reproduces every claim when the residual student is faster, stays off the overlap and its slow points are weak ghosts", () => {
    const checks = evaluateClaims(p, figBMeasure(setup, rows(3000, 500, 0.6), exact(0.3, 0.1), seeds));
    expect(checks.map((c) => [c.id, c.verdict])).toEqual([
      ["S1", "reproduced"],
      ["B1", "reproduced"],
      ["B2", "reproduced"],
      ["B3", "reproduced"],
    ]);
  });

  it("does not reproduce the speed claim when the residual student is slower or never reaches ε, and flags a stationary ghost", () => {
    const slow = rows(500, Infinity, 0.99);
    const checks = evaluateClaims(p, figBMeasure(setup, slow, exact(0.05, 1e-12), seeds));
    expect(checks.find((c) => c.id === "B2")!.verdict).toBe("not reproduced");
    expect(checks.find((c) => c.id === "B3")!.verdict).toBe("not reproduced");
    const m = figBMeasure(setup, slow, exact(0.05, 1e-12), seeds);
    expect(m.numbers!.B2["never reached ε plain / residual"]).toBe("0 / 12");
    // a never-reached run counts at the step cap: the speed-up is log10(500…/cap), finite
    expect(m.estimates.B2["faster-to-eps"].estimate).toBeLessThan(-2);
    expect(() => figBMeasure(setup, slow, exact(0.3, 0.1), [99])).toThrow(/no plain run for seed 99/);
  });

  it("measures real runs of the shared target", () => {
    const runs = runExperiment({ ...setup.experiment, seeds: [0, 1, 2], steps: 4000 });
    const realRows: FigBRunRow[] = runs.map((r) => ({
      arch: r.arch,
      seed: r.seed,
      stepsToEps: r.stepsToEps ?? Infinity,
      longestPlateau: r.longestPlateau,
      longestPlateauLoss: r.longestPlateauLoss,
      maxAbsCos: r.closest.maxAbsCos,
    }));
    expect(runs.every((r) => r.epsAbs === setup.eps)).toBe(true);
    const m = figBMeasure(
      { ...setup, experiment: { ...setup.experiment, steps: 4000 } },
      realRows,
      exact(0.2, 1e-3),
      [0, 1, 2],
    );
    for (const e of Object.values(m.estimates.B2)) expect(Number.isFinite(e.estimate)).toBe(true);
    expect(m.estimates.B1["reach-overlap"].test).toMatch(/bootstrap over 3 initialisations/);
  });
});
