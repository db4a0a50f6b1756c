/**
 * The panel grid under every multi-panel figure: domains tile the area without overlap, axis ids pair up with
 * their layout keys, and each figure builder puts every trace on an axis pair that the layout defines.
 */
import { describe, expect, it } from "vitest";
import { flowFieldFigure } from "../../lib/src/plots/curves";
import { panelGrid } from "../../lib/src/plots/grid";
import { meanSemPanelsFigure, recoveredGapFigure } from "../../lib/src/plots/p1-variants";
import { bandPanelsFigure, spectraPanelsFigure } from "../../lib/src/plots/p1";
import { singularitySchematicFigure } from "../../lib/src/plots/schematic";
import type { Figure } from "../../lib/src/plots/theme";

describe("panelGrid", () => {
  it("7 panels in 3 columns: 3 rows, row-major, gaps exact, domains inside [0, 1]", () => {
    const g = panelGrid(7, { cols: 3, gapX: 0.1, gapY: 0.2 });
    expect([g.rows, g.cols]).toEqual([3, 3]);
    expect(g.cells.map((c) => [c.row, c.col])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
    ]);
    const w = (1 - 0.2) / 3;
    const h = (1 - 0.4) / 3;
    for (const c of g.cells) {
      expect(c.x[1] - c.x[0]).toBeCloseTo(w, 12);
      expect(c.y[1] - c.y[0]).toBeCloseTo(h, 12);
      expect(c.x[0]).toBeGreaterThanOrEqual(0);
      expect(c.x[1]).toBeLessThanOrEqual(1 + 1e-12);
      expect(c.y[0]).toBeGreaterThanOrEqual(-1e-12);
    }
    expect(g.cells[1].x[0] - g.cells[0].x[1]).toBeCloseTo(0.1, 12);
    expect(g.cells[0].y[0] - g.cells[3].y[1]).toBeCloseTo(0.2, 12);
    expect(g.cells[0].y[1]).toBe(1);
    expect(g.cells[6].y[0]).toBeCloseTo(0, 12);
  });

  it("axis ids and layout keys pair up: x/y, then x2/y2 …; each axis is anchored on its partner", () => {
    const g = panelGrid(3, { y: [0.2, 0.9] });
    expect(g.cells.map((c) => `${c.xa},${c.ya}`)).toEqual(["x,y", "x2,y2", "x3,y3"]);
    const axes = g.cells[1].axes({ title: "a" }, { type: "log" });
    expect(axes).toEqual({
      xaxis2: { title: "a", domain: g.cells[1].x, anchor: "y2" },
      yaxis2: { type: "log", domain: g.cells[1].y, anchor: "x2" },
    });
    expect(g.cells[1].y[0]).toBeCloseTo(0.2, 12);
    expect(g.cells[1].y[1]).toBe(0.9);
    const t = g.cells[2].title("T", { align: "center" });
    expect(t).toMatchObject({ text: "<b>T</b>", x: (g.cells[2].x[0] + g.cells[2].x[1]) / 2, xanchor: "center" });
  });

  it("refuses a grid it cannot lay out", () => {
    expect(() => panelGrid(3, { cols: 0 })).toThrow(/at least one column/);
    expect(() => panelGrid(2.5)).toThrow(/whole number/);
  });
});

/** Every trace's axes exist in the layout with a domain, and no two panels' domains overlap. */
function expectConsistentPanels(fig: Figure): void {
  const layout = fig.layout as Record<string, { domain?: [number, number] } | undefined>;
  const key = (id: string, axisName: "x" | "y") => `${axisName}axis${id.slice(1)}`;
  for (const t of fig.data as Array<{ xaxis?: string; yaxis?: string }>) {
    expect(layout[key(t.xaxis ?? "x", "x")]?.domain, `layout for ${t.xaxis}`).toBeDefined();
    expect(layout[key(t.yaxis ?? "y", "y")]?.domain, `layout for ${t.yaxis}`).toBeDefined();
  }
  const boxes = Object.keys(layout)
    .filter((k) => /^xaxis\d*$/.test(k))
    .map((k) => ({ x: layout[k]!.domain!, y: layout[`y${k.slice(1)}`]!.domain! }));
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const overlapX = Math.min(a.x[1], b.x[1]) - Math.max(a.x[0], b.x[0]);
      const overlapY = Math.min(a.y[1], b.y[1]) - Math.max(a.y[0], b.y[0]);
      expect(overlapX > 1e-9 && overlapY > 1e-9, `panels ${i} and ${j} overlap`).toBe(false);
    }
}

describe("figure builders lay their panels out on the grid", () => {
  it("spectra, bands, mean ± s.e.m. panels, recovered-gap bars, the schematic", () => {
    const series = [{ label: "plain", family: "plain", relAbs: [1e-12, 1e-3, 1] }];
    expectConsistentPanels(
      spectraPanelsFigure(
        Array.from({ length: 5 }, (_, i) => ({ title: `p${i}`, series, tau: 1e-6 })),
        { title: "t", cols: 2 },
      ),
    );
    const curves = [{ label: "plain", family: "plain", x: [0, 1], mean: [1, 2], sem: [0.1, 0.1] }];
    expectConsistentPanels(
      bandPanelsFigure(
        [0, 1, 2].map((i) => ({ title: `p${i}`, yTitle: "y", curves })),
        { title: "t", xTitle: "epoch" },
      ),
    );
    expectConsistentPanels(
      meanSemPanelsFigure(
        [0, 1, 2, 3].map((i) => ({
          title: `p${i}`,
          xTitle: "x",
          yTitle: "y",
          series: [{ label: "a", color: "#123456", x: [0, 1], mean: [1, 2], sem: [0.1, 0.2] }],
        })),
        { title: "t", style: "band", cols: 3 },
      ),
    );
    const bars = [{ label: "v", color: "#123456", mean: 0.5, sem: 0.1, n: 3, points: [0.4, 0.5, 0.6] }];
    expectConsistentPanels(
      recoveredGapFigure(
        [
          { title: "a", bars },
          { title: "b", bars },
        ],
        { title: "t", xTitle: "R" },
      ),
    );
    expectConsistentPanels(singularitySchematicFigure());
    const flow = (title: string) => ({
      title,
      axisLabels: ["a", "b"] as [string, string],
      a: [0, 1],
      b: [0, 1],
      z: [0, 1, 2, 3],
      streamlines: [{ x: [0, 0.5], y: [0, 0.5] }],
      lines: [{ axis: "a" as const, value: 0.5, label: "a = ½" }],
      landmarks: [{ a: 0.2, b: 0.2, label: "start" }],
      ghost: { a: 0.5, b: 0.5, label: "ghost" },
    });
    expectConsistentPanels(flowFieldFigure([flow("p"), flow("q"), flow("r")], { title: "t", zTitle: "loss", cols: 2 }));
  });
});
