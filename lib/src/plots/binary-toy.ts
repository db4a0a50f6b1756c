/**
 * Figures of the binary-weight toy model (paper 1's v1–v4, item v3-B; experiments/p1v3/binary.ts): fibre-size
 * distributions on log–log axes, and strip plots of per-teacher landscape measures with their mean ± s.e.m.
 * Pure builders: numbers in (counts, per-teacher values, precomputed means), Plotly figure out.
 */
import { panelGrid } from "./grid";
import { axis, baseLayout, type Figure } from "./theme";

/** One architecture's fibre-size distribution: [fibre size, number of functions of that size]. */
export interface V3BinaryFibreSeries {
  label: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
  dash?: "solid" | "dash" | "dot";
  symbol?: string;
  /** Line width and marker size (defaults 1.5 and 6): draw a series that another may cover wider. */
  width?: number;
  size?: number;
}

/**
 * Panels (one per case) of fibre-size distributions: x = configurations per function (log), y = number of functions
 * with that fibre size (log), one line per architecture. A legend entry is shown once per label.
 */
export function v3BinaryFibreFigure(
  panels: ReadonlyArray<{ title: string; series: readonly V3BinaryFibreSeries[] }>,
  o: { title: string; cols: number; width?: number; height?: number },
): Figure {
  const grid = panelGrid(panels.length, { cols: Math.max(1, Math.min(o.cols, panels.length)), gapX: 0.07, gapY: 0.2 });
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  const height = o.height ?? 380 * grid.rows + 160;
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    Object.assign(
      layout,
      cell.axes(
        axis("configurations per function (fibre size)", { type: "log", exponentformat: "power" }),
        axis(cell.col === 0 ? "number of functions" : "", { type: "log", exponentformat: "power" }),
      ),
    );
    annotations.push(cell.title(p.title));
    for (const s of p.series) {
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: s.label,
        x: s.points.map((q) => q[0]),
        y: s.points.map((q) => q[1]),
        line: { color: s.color, width: s.width ?? 1.5, dash: s.dash ?? "solid" },
        marker: { color: s.color, size: s.size ?? 6, symbol: s.symbol ?? "circle" },
        legendgroup: s.label,
        showlegend: !seen.has(s.label),
        hovertemplate: `${s.label}<br>%{y} functions of %{x} configurations<extra></extra>`,
        xaxis: cell.xa,
        yaxis: cell.ya,
      });
      seen.add(s.label);
    }
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      width: o.width ?? 1080,
      height,
      // room below for the x titles and a provenance footer; the legend in a row between the title and the panels
      margin: { l: 70, r: 24, t: 120, b: 140 },
      legend: legendRow(height),
    }),
  };
}

/** One group (an architecture) of a strip panel: one value per teacher, and their mean ± s.e.m. (computed by the caller). */
export interface V3BinaryStripGroup {
  label: string;
  color: string;
  values: readonly number[];
  /** Hover text per value (e.g. "teacher 104"). */
  texts?: readonly string[];
  mean: number;
  sem: number;
}

export interface V3BinaryStripPanel {
  title: string;
  yTitle: string;
  groups: readonly V3BinaryStripGroup[];
  logY?: boolean;
  /** Fixed y range (log₁₀ units when logY). */
  yRange?: [number, number];
}

/**
 * Panels of strip plots: per group a column of faint dots (one per teacher, spread by a fixed jitter) and a black
 * mean ± s.e.m. marker beside them.
 */
export function v3BinaryStripFigure(
  panels: readonly V3BinaryStripPanel[],
  o: { title: string; cols: number; width?: number; height?: number },
): Figure {
  const grid = panelGrid(panels.length, { cols: Math.max(1, Math.min(o.cols, panels.length)), gapX: 0.07, gapY: 0.1 });
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  let meanShown = false;
  const height = o.height ?? 300 * grid.rows + 200;
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const labels = p.groups.map((g) => g.label);
    Object.assign(
      layout,
      cell.axes(
        axis("", {
          tickvals: labels.map((_, k) => k),
          ticktext: labels,
          range: [-0.6, labels.length - 0.4],
          showgrid: false,
        }),
        axis(p.yTitle, {
          ...(p.logY ? { type: "log", exponentformat: "power" } : {}),
          ...(p.yRange ? { range: p.yRange } : {}),
        }),
      ),
    );
    annotations.push(cell.title(p.title));
    p.groups.forEach((g, k) => {
      // a fixed, spread-out jitter (golden-ratio sequence) to the left of the column centre
      const x = g.values.map((_, j) => k - 0.08 - 0.22 * ((j * 0.6180339887) % 1));
      data.push({
        type: "scatter",
        mode: "markers",
        name: g.label,
        x,
        y: g.values,
        text: g.texts ?? g.values.map(() => ""),
        marker: { color: g.color, size: 6, opacity: 0.55 },
        hovertemplate: "%{text}<br>%{y}<extra></extra>",
        showlegend: false,
        xaxis: cell.xa,
        yaxis: cell.ya,
      });
      data.push({
        type: "scatter",
        mode: "markers",
        name: "mean ± s.e.m. over teachers",
        x: [k + 0.12],
        y: [g.mean],
        error_y: {
          type: "data",
          array: [Number.isFinite(g.sem) ? g.sem : 0],
          visible: true,
          color: "#222",
          thickness: 1.5,
          width: 5,
        },
        marker: { color: "#222", size: 9, symbol: "diamond" },
        hovertemplate: `${g.label}: mean %{y}<extra></extra>`,
        legendgroup: "mean",
        showlegend: !meanShown,
        xaxis: cell.xa,
        yaxis: cell.ya,
      });
      meanShown = true;
    });
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      width: o.width ?? 1080,
      height,
      margin: { l: 70, r: 24, t: 120, b: 120 },
      legend: legendRow(height),
    }),
  };
}

/** A horizontal legend about 64 px below the figure's top edge: under the title, above the panel titles. */
function legendRow(height: number): Record<string, unknown> {
  return { orientation: "h", x: 0, xref: "paper", y: 1 - 64 / height, yanchor: "top", yref: "container" };
}
