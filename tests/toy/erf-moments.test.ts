import { describe, expect, it } from "vitest";
import { erf, pairMoment, steinMoment, unit } from "../../lib/src/toy";

describe("erf and the closed-form Gaussian moments", () => {
  it("erf matches reference values to ~1e-15", () => {
    // reference values (Abramowitz & Stegun table / mpmath)
    const ref: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
      [-1, -0.8427007929497149],
      [7, 1],
    ];
    for (const [x, y] of ref) expect(Math.abs(erf(x) - y)).toBeLessThan(2e-15);
  });

  it("g(u) = erf(u/√2) is odd with g′(0) = √(2/π)", () => {
    expect(unit(-0.7)).toBe(-unit(0.7));
    const h = 1e-6;
    expect((unit(h) - unit(-h)) / (2 * h)).toBeCloseTo(Math.sqrt(2 / Math.PI), 9);
  });

  it("pair moment: G(a, a) → 2/π·asin(|a|²/(1+|a|²)), G(0, b) = 0, G(a, b) = G(b, a)", () => {
    const a = [0.3, -1.2];
    const b = [1.1, 0.4];
    expect(pairMoment([0, 0], b)).toBe(0);
    expect(pairMoment(a, b)).toBe(pairMoment(b, a));
    const aa = 0.09 + 1.44;
    expect(pairMoment(a, a)).toBeCloseTo((2 / Math.PI) * Math.asin(aa / (1 + aa)), 15);
    // large-norm limit: g → sign, E[sign(a·x) sign(b·x)] = 1 − 2·angle/π
    const big = 1e6;
    const cosab = (a[0] * b[0] + a[1] * b[1]) / (Math.hypot(...a) * Math.hypot(...b));
    expect(
      pairMoment(
        a.map((x) => x * big),
        b.map((x) => x * big),
      ),
    ).toBeCloseTo(1 - (2 * Math.acos(cosab)) / Math.PI, 6);
  });

  it("Stein term S(a)_j = √(2/π) a_j/√(1+|a|²)", () => {
    expect(steinMoment([3, 4], 1)).toBeCloseTo((Math.sqrt(2 / Math.PI) * 4) / Math.sqrt(26), 15);
  });
});
