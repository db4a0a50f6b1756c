/**
 * The numbers read off a 2-D loss surface (metrics/surface-measures.ts) on analytic surfaces: a bowl has no negative
 * curvature and its exact curvatures, a saddle is non-convex everywhere, a bowl with ripples is non-convex in the
 * ripples, and the basin width of a·α² + b·β² at level δ is the mean of √(δ/a) and √(δ/b).
 */
import { describe, expect, it } from "vitest";
import { gridPoints } from "../../lib/src/metrics/loss-surface";
import { basinWidth, logClipLoss, nonConvexFraction, surfaceCurvature } from "../../lib/src/metrics/surface-measures";

const grid = (f: (a: number, b: number) => number, n = 41, r = 1) => {
  const x = gridPoints({ min: -r, max: r, num: n });
  const y = gridPoints({ min: -r, max: r, num: n });
  const losses = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) losses[j * n + i] = f(x[i], y[j]);
  return { x, y, losses };
};

describe("surface measures", () => {
  it("a rotated bowl: the plane's curvatures exactly (central differences are exact on quadratics), nothing non-convex", () => {
    // f = 3u² + v² with u, v the axes rotated by 30°: eigenvalues of the Hessian 6 and 2 everywhere
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const bowl = grid((a, b) => 3 * (c * a + s * b) ** 2 + (-s * a + c * b) ** 2);
    const { lmin, lmax } = surfaceCurvature(bowl);
    const inner = 20 * 41 + 20;
    expect(lmin[inner]).toBeCloseTo(2, 9);
    expect(lmax[inner]).toBeCloseTo(6, 9);
    expect(Number.isNaN(lmin[0])).toBe(true); // border
    expect(nonConvexFraction(bowl)).toBe(0);
  });

  it("a saddle is non-convex at every point; ripples on a bowl make part of it non-convex", () => {
    expect(nonConvexFraction(grid((a, b) => 2 + a * a - b * b))).toBe(1);
    // the threshold: a steep, flat-bottomed bowl (λ_min/λ_max = 1/200) is convex; a negative curvature of a
    // twentieth of the positive one (λ_min = −0.1, λ_max = 2) is below tol = 0.1 and does not count
    expect(nonConvexFraction(grid((a, b) => 2 + 100 * a * a + 0.5 * b * b))).toBe(0);
    expect(nonConvexFraction(grid((a, b) => 2 + a * a - 0.05 * b * b))).toBe(0);
    expect(
      nonConvexFraction(
        grid((a, b) => 2 + a * a - 0.05 * b * b),
        { tol: 0.01 },
      ),
    ).toBe(1);
    const rippled = nonConvexFraction(grid((a, b) => 2 + a * a + b * b + 0.05 * Math.sin(20 * a) * Math.sin(20 * b)));
    expect(rippled).toBeGreaterThan(0.2);
    expect(rippled).toBeLessThan(1);
    // points above maxLoss do not count: a saddle that is all above it leaves nothing to count
    expect(nonConvexFraction(grid((a, b) => 20 + a * a - b * b))).toBeNaN();
  });

  it("basin width: √(δ/a) along α and √(δ/b) along β, interpolated between grid points; the half-axis when never reached", () => {
    const w = basinWidth(
      grid((a, b) => 4 * a * a + 1 * b * b, 201),
      { delta: 0.25 },
    );
    expect(w).toBeCloseTo((0.25 + 0.25 + 0.5 + 0.5) / 4, 3);
    expect(
      basinWidth(
        grid(() => 1),
        { delta: 0.1 },
      ),
    ).toBe(1);
  });

  it("Li et al.'s 3-D transform clips at 10 and takes ln(L + 0.1)", () => {
    expect(logClipLoss(0.9)).toBeCloseTo(0, 12);
    expect(logClipLoss(1e6)).toBeCloseTo(Math.log(10.1), 12);
  });
});
