import { describe, expect, it } from "vitest";
import { gradientDescent, initParams, buildModel, modelConfig, plateauMetrics, stepsToLoss } from "../../lib/src/toy";

describe("gradient descent", () => {
  const gd = { lr: 0.05, steps: 3000, recordEvery: 500, lossFloor: null };

  it("initParams gives the same θ_0 for plain and residual, and different θ_0 for different seeds", () => {
    const a = initParams(modelConfig("plain"), 3, 0.1);
    const b = initParams(modelConfig("residual"), 3, 0.1);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(initParams(modelConfig("plain"), 4, 0.1))).not.toEqual(Array.from(a));
  });

  for (const arch of ["plain", "residual"] as const) {
    it(`${arch}: runs from the same seeded init are bit-identical and the loss decreases`, () => {
      const m = buildModel(modelConfig(arch));
      const r1 = gradientDescent(m, initParams(m.config, 5, 0.1), gd);
      const r2 = gradientDescent(m, initParams(m.config, 5, 0.1), gd);
      expect(r1.loss.length).toBe(3001);
      expect(Array.from(r1.loss)).toEqual(Array.from(r2.loss));
      expect(Array.from(r1.snapshots)).toEqual(Array.from(r2.snapshots));
      expect(Array.from(r1.snapshotSteps)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000]);
      // small-lr GD on a smooth loss is monotone
      for (let t = 1; t < r1.loss.length; t++) expect(r1.loss[t]).toBeLessThanOrEqual(r1.loss[t - 1] + 1e-15);
      expect(r1.loss[3000]).toBeLessThan(0.05 * r1.loss[0]);
    });
  }

  it("stops early below lossFloor and records the final θ", () => {
    const m = buildModel(modelConfig("plain"));
    const r = gradientDescent(m, initParams(m.config, 5, 0.1), { ...gd, steps: 100000, lossFloor: 1e-3 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.loss.length).toBe(r.stepsRun + 1);
    expect(r.loss[r.stepsRun]).toBeLessThan(1e-3);
    expect(r.loss[r.stepsRun - 1]).toBeGreaterThanOrEqual(1e-3);
    expect(r.snapshotSteps[r.snapshotSteps.length - 1]).toBe(r.stepsRun);
    expect(m.loss(r.finalTheta)).toBe(r.loss[r.stepsRun]);
  });

  it("closest-approach metrics match a direct scan of the snapshots (recordEvery = 1)", () => {
    const m = buildModel(modelConfig("plain"));
    const r = gradientDescent(m, initParams(m.config, 2, 0.1), {
      lr: 0.05,
      steps: 400,
      recordEvery: 1,
      lossFloor: null,
    });
    const P = m.paramCount;
    let minW = Infinity;
    let minOdd = Infinity;
    for (let s = 0; s < r.snapshotSteps.length; s++) {
      const th = r.snapshots.subarray(s * P, (s + 1) * P);
      minW = Math.min(minW, Math.abs(th[4]), Math.abs(th[5]));
      minOdd = Math.min(minOdd, Math.hypot(th[0] - th[2], th[1] - th[3]), Math.hypot(th[0] + th[2], th[1] + th[3]));
    }
    expect(r.closest.minOutWeight).toBe(minW);
    expect(r.closest.minOverlapOdd).toBeCloseTo(minOdd, 15);
    expect(r.closest.minOverlapOdd).toBeLessThanOrEqual(r.closest.minOverlap);
  });
});

describe("plateau metrics", () => {
  // Synthetic curve: fast decay 1 → 0.1 over 100 steps, flat plateau at 0.1 (tiny slope) for 500 steps,
  // fast decay to 1e-4 over 100 steps, then a slow tail below ε.
  const curve: number[] = [];
  for (let t = 0; t < 100; t++) curve.push(Math.exp((-t * Math.log(10)) / 100));
  for (let t = 0; t < 500; t++) curve.push(0.1 * (1 - 1e-6 * t));
  for (let t = 0; t < 100; t++) curve.push(0.1 * Math.exp((-t * Math.log(1000)) / 100));
  for (let t = 0; t < 300; t++) curve.push(1e-4 * (1 - 1e-5 * t));
  const loss = Float64Array.from(curve);

  it("stepsToLoss finds the first crossing, or null", () => {
    expect(stepsToLoss(loss, 0.05)).toBe(600 + Math.ceil((Math.log(2) / Math.log(1000)) * 100));
    expect(stepsToLoss(loss, 1e-9)).toBeNull();
  });

  it("counts exactly the plateau, not the tail below the floor", () => {
    const pm = plateauMetrics(loss, { eps: 1e-3, rateThreshold: 1e-3 });
    // plateau steps: t = 100..599 (the step 99 → 100 still drops 2.3%; the tail below ε = 1e-3 never counts)
    expect(pm.longestPlateau).toBe(500);
    expect(pm.longestPlateauStart).toBe(100);
    expect(pm.plateauSteps).toBe(500);
    expect(pm.longestPlateauLoss).toBeCloseTo(0.1, 4);
    expect(pm.stepsToEps).toBe(stepsToLoss(loss, 1e-3));
  });

  it("a run stuck above the floor counts all its steps; the offset sets the irreducible loss", () => {
    const stuck = new Float64Array(200).fill(0.5);
    expect(plateauMetrics(stuck, { eps: 1e-3, rateThreshold: 1e-3 }).plateauSteps).toBe(199);
    // 0.5 + 0.01·e^{−t/10}: relative to L the change is tiny, relative to L − 0.5 it is 10%/step
    const noisy = Float64Array.from({ length: 50 }, (_, t) => 0.5 + 0.01 * Math.exp(-t / 10));
    expect(plateauMetrics(noisy, { eps: 0.5, floor: 0, rateThreshold: 1e-2 }).plateauSteps).toBe(49);
    expect(plateauMetrics(noisy, { eps: 0.5, floor: 0, offset: 0.5, rateThreshold: 1e-2 }).plateauSteps).toBe(0);
  });
});
