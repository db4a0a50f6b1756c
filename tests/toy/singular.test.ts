import { describe, expect, it } from "vitest";
import { buildModel, modelConfig, overlapCriticalPoint, singularityChecks } from "../../lib/src/toy";

describe("singular directions (feeds the claim check)", () => {
  const plain = singularityChecks(buildModel(modelConfig("plain")));
  const resid = singularityChecks(buildModel(modelConfig("residual")));
  const probe = (c: typeof plain, kind: string) => c.probes.find((p) => p.kind === kind)!;

  it("the plain overlap saddle is a critical point with J_1 = J_2", () => {
    const s = overlapCriticalPoint(modelConfig("plain"));
    expect(s.gradNorm).toBeLessThan(1e-12);
    expect(s.theta[0]).toBe(s.theta[2]);
    expect(s.theta[1]).toBe(s.theta[3]);
  });

  it("overlap, plain: ∇L·u = uᵀHu = 0 exactly along u = e_w1 − e_w2; a null vector of H at the saddle", () => {
    for (const kind of ["overlap-saddle", "overlap-point"]) {
      const p = probe(plain, kind);
      expect(Math.abs(p.gradAlong)).toBeLessThan(1e-15);
      expect(Math.abs(p.curvatureAlong)).toBeLessThan(1e-15);
    }
    const s = probe(plain, "overlap-saddle");
    expect(s.hessianResidual).toBeLessThan(1e-8);
    expect(s.minAbsEigenvalue).toBeLessThan(1e-8);
    expect(s.nullAlignment).toBeGreaterThan(1 - 1e-8);
    // away from the saddle u is flat to second order but not a null vector (H u = (F, −F)/√2 ≠ 0)
    expect(probe(plain, "overlap-point").hessianResidual).toBeGreaterThan(1e-2);
  });

  it("overlap, residual: the same direction has nonzero slope and curvature and H has no null direction", () => {
    for (const kind of ["overlap-saddle", "overlap-point"]) {
      const p = probe(resid, kind);
      expect(Math.abs(p.gradAlong)).toBeGreaterThan(0.1);
      // uᵀQu = ½(Q_11 + Q_22 − 2Q_12) = s² = 1 exactly when J_1 = J_2
      expect(p.curvatureAlong).toBeCloseTo(1, 12);
      expect(p.minAbsEigenvalue).toBeGreaterThan(1e-3);
    }
  });

  it("silent unit (J_1 = 0): plain ∂L/∂w_1 = ∂²L/∂w_1² = 0; residual both nonzero", () => {
    const p = probe(plain, "silent-unit");
    expect(p.gradAlong).toBe(0);
    expect(p.curvatureAlong).toBe(0);
    const r = probe(resid, "silent-unit");
    expect(Math.abs(r.gradAlong)).toBeGreaterThan(0.1);
    expect(r.curvatureAlong).toBeCloseTo(1, 12); // Q_11 = s² at J_1 = 0
  });

  it("zero out-weight (w_1 = 0) and the corner: an exact Hessian null direction in J_1, for plain and residual alike", () => {
    for (const c of [plain, resid]) {
      for (const kind of ["zero-out-weight", "elimination-corner"]) {
        const p = probe(c, kind);
        expect(Math.abs(p.gradAlong)).toBeLessThan(1e-15);
        expect(p.hessianResidual).toBeLessThan(1e-9);
        expect(p.nullAlignment).toBeGreaterThan(1 - 1e-9);
      }
    }
  });
});
