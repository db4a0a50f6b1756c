/** The loss-surface figures (plots/surface3d.ts): one 3-D scene per net with loss-landscape's transform, and contours. */
import { describe, expect, it } from "vitest";
import { surface3dFigure, surfaceContourFigure } from "../../lib/src/plots/surface3d";

const panel = (title: string, f: (a: number, b: number) => number) => {
  const x = [-1, 0, 1];
  const y = [-1, 0, 1];
  const losses: number[] = [];
  for (const b of y) for (const a of x) losses.push(f(a, b));
  return { title, x, y, losses };
};

describe("surface figures", () => {
  it("3-D: a scene per panel, z = ln(min(L, 10) + 0.1) row by row, missing points as gaps, one colour bar", () => {
    const fig = surface3dFigure(
      [panel("skip", (a, b) => a * a + b * b), panel("no skip", (a) => (a > 0 ? 1e3 : NaN))],
      {
        title: "t",
      },
    );
    expect(fig.data.map((d) => d.scene)).toEqual(["scene", "scene2"]);
    expect(fig.layout.scene).toBeDefined();
    expect(fig.layout.scene2).toBeDefined();
    const z0 = fig.data[0].z as number[][];
    expect(z0[0][0]).toBeCloseTo(Math.log(2.1), 12); // row j = 0 is y = −1: f(−1, −1) = 2
    expect(z0[1][1]).toBeCloseTo(Math.log(0.1), 12);
    const z1 = fig.data[1].z as Array<Array<number | null>>;
    expect(z1[0]).toEqual([null, null, Math.log(10.1)]); // NaN → gap; 1000 clipped at 10
    expect(fig.data.map((d) => d.showscale)).toEqual([false, true]);
  });

  it("contours: one panel per surface on log₁₀ of the clipped loss", () => {
    const fig = surfaceContourFigure([panel("a", () => 100), panel("b", () => 0.1)], { title: "t" });
    expect(fig.data.map((d) => d.type)).toEqual(["contour", "contour"]);
    expect((fig.data[0].z as number[][])[2][2]).toBe(1);
    expect((fig.data[1].z as number[][])[0][0]).toBeCloseTo(-1, 12);
  });
});
