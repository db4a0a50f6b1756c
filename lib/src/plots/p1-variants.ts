/**
 * Pure figure builders for paper 1's variant figures (Figs. E, F, G): panels of mean ± s.e.m. curves (shaded bands
 * or error bars) and a bar chart of "fraction of the plain → residual gap recovered" with reference lines.
 * `(series, options) → Figure`; nothing here computes a metric, writes a file or displays.
 */
import { panelGrid } from "./grid";
import { axis, baseLayout, familyColor, Figure } from "./theme";

/** Colours of the variant conditions; plain/residual/hyper-residual keep the shared family colours. */
const VARIANT_PALETTE = ["#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

/**
 * A colour per condition key: the family colour for "plain", "residual", "hyper-residual", else the i-th colour of a
 * fixed palette (pass the condition's index among the non-family conditions, so colours are stable across figures).
 */
export function variantColor(key: string, index: number): string {
  if (key === "plain" || key === "residual" || key === "hyper-residual") return familyColor(key);
  return VARIANT_PALETTE[((index % VARIANT_PALETTE.length) + VARIANT_PALETTE.length) % VARIANT_PALETTE.length];
}

/** One mean ± s.e.m. series of a panel. */
export interface MeanSemSeries {
  label: string;
  color: string;
  x: ArrayLike<number>;
  mean: ArrayLike<number>;
  /** Standard error of the mean at each x (0 or NaN: no band / bar). */
  sem: ArrayLike<number>;
  dash?: "solid" | "dash" | "dot" | "dashdot";
  /** Individual runs drawn as faint markers (e.g. one per seed) at (x, y). */
  points?: Array<{ x: number; y: number; label?: string }>;
}

export interface MeanSemPanel {
  title: string;
  xTitle: string;
  yTitle: string;
  series: MeanSemSeries[];
  logY?: boolean;
  /** Fixed y range (in data units; log10 units when logY). */
  yRange?: [number, number];
  /** Horizontal reference lines. */
  hLines?: Array<{ y: number; label: string }>;
}

export interface MeanSemPanelsOptions {
  title: string;
  /** "band": a line with a shaded ±s.e.m. band (learning curves); "errorbars": markers + bars (sweeps). */
  style: "band" | "errorbars";
  cols: number;
  width?: number;
  height?: number;
}

function hexToRgba(hex: string, alpha: number): string {
  const h = hex.replace("#", "");
  const v = parseInt(
    h.length === 3
      ? h
          .split("")
          .map((c) => c + c)
          .join("")
      : h,
    16,
  );
  return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${alpha})`;
}

/**
 * A grid of panels (row-major), each with mean ± s.e.m. series. A label's legend entry is shown once (first panel it
 * appears in); clicking it toggles the label in every panel.
 */
export function meanSemPanelsFigure(panels: MeanSemPanel[], o: MeanSemPanelsOptions): Figure {
  const grid = panelGrid(panels.length, { cols: Math.max(1, Math.min(o.cols, panels.length)), gapX: 0.08, gapY: 0.14 });
  const rows = grid.rows;
  const data: Array<Record<string, unknown>> = [];
  const layoutExtra: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  const shapes: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const { xa, ya } = cell;
    Object.assign(
      layoutExtra,
      cell.axes(
        axis(p.xTitle),
        axis(p.yTitle, {
          ...(p.logY ? { type: "log", exponentformat: "power" } : {}),
          ...(p.yRange ? { range: p.yRange } : {}),
        }),
      ),
    );
    annotations.push(cell.title(p.title));
    for (const hl of p.hLines ?? []) {
      shapes.push({
        type: "line",
        xref: `${xa} domain`,
        yref: ya,
        x0: 0,
        x1: 1,
        y0: hl.y,
        y1: hl.y,
        line: { color: "#888", dash: "dot", width: 1 },
      });
      annotations.push({
        text: hl.label,
        xref: `${xa} domain`,
        yref: ya,
        x: 1,
        y: p.logY ? Math.log10(hl.y) : hl.y,
        xanchor: "right",
        yanchor: "bottom",
        showarrow: false,
        font: { size: 10, color: "#666" },
      });
    }
    for (const s of p.series) {
      const xs = Array.from(s.x);
      const mean = Array.from(s.mean);
      const sem = Array.from(s.sem, (v) => (Number.isFinite(v) ? v : 0));
      const show = !seen.has(s.label);
      seen.add(s.label);
      if (o.style === "band") {
        const upper = mean.map((m, j) => m + sem[j]);
        const lower = mean.map((m, j) => m - sem[j]);
        const bandLo = p.logY ? lower.map((v, j) => (v > 0 ? v : mean[j])) : lower;
        data.push({
          type: "scatter",
          mode: "lines",
          x: [...xs, ...xs.slice().reverse()],
          y: [...upper, ...bandLo.slice().reverse()],
          fill: "toself",
          fillcolor: hexToRgba(s.color, 0.18),
          line: { width: 0 },
          hoverinfo: "skip",
          showlegend: false,
          legendgroup: s.label,
          xaxis: xa,
          yaxis: ya,
        });
        data.push({
          type: "scatter",
          mode: "lines",
          name: s.label,
          x: xs,
          y: mean,
          line: { color: s.color, width: 2, dash: s.dash ?? "solid" },
          legendgroup: s.label,
          showlegend: show,
          xaxis: xa,
          yaxis: ya,
        });
      } else {
        data.push({
          type: "scatter",
          mode: "lines+markers",
          name: s.label,
          x: xs,
          y: mean,
          line: { color: s.color, width: 2, dash: s.dash ?? "solid" },
          marker: { size: 8, color: s.color },
          error_y: { type: "data", array: sem, visible: true, color: s.color, thickness: 1.5, width: 4 },
          legendgroup: s.label,
          showlegend: show,
          xaxis: xa,
          yaxis: ya,
        });
      }
      if (s.points && s.points.length) {
        data.push({
          type: "scatter",
          mode: "markers",
          name: `${s.label} (runs)`,
          x: s.points.map((q) => q.x),
          y: s.points.map((q) => q.y),
          text: s.points.map((q) => q.label ?? ""),
          marker: { size: 5, color: s.color, opacity: 0.45, symbol: "circle-open" },
          hovertemplate: "%{text}<br>x=%{x}<br>y=%{y}<extra></extra>",
          legendgroup: s.label,
          showlegend: false,
          xaxis: xa,
          yaxis: ya,
        });
      }
    }
  });
  return {
    data,
    layout: baseLayout(o.title, {
      width: o.width ?? 1080,
      height: o.height ?? 420 * rows + 80,
      ...layoutExtra,
      annotations,
      shapes,
      margin: { l: 64, r: 24, t: 90, b: 90 },
      // legend to the right of the panels (Plotly widens the right margin for it)
      legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top", bgcolor: "rgba(255,255,255,0.8)", font: { size: 11 } },
    }),
  };
}

/** One bar of a gap-recovered chart. */
export interface RecoveredBar {
  label: string;
  color: string;
  mean: number;
  sem: number;
  n: number;
  /** Per-seed values, drawn as dots over the bar. */
  points?: number[];
}

/**
 * Horizontal bars of the fraction of the plain → residual gap a variant recovers (0 = plain, 1 = residual), with the
 * two reference lines and an optional threshold line (e.g. the "much of the benefit" criterion).
 */
export function recoveredGapFigure(
  groups: Array<{ title: string; bars: RecoveredBar[] }>,
  o: { title: string; xTitle: string; threshold?: { x: number; label: string }; width?: number; height?: number },
): Figure {
  const grid = panelGrid(groups.length, { gapX: 0.1 });
  const data: Array<Record<string, unknown>> = [];
  const layoutExtra: Record<string, unknown> = {};
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  groups.forEach((g, i) => {
    const cell = grid.cells[i];
    const { xa, ya } = cell;
    const vals = g.bars
      .flatMap((b) => [
        b.mean - (Number.isFinite(b.sem) ? b.sem : 0),
        b.mean + (Number.isFinite(b.sem) ? b.sem : 0),
        ...(b.points ?? []),
      ])
      .filter(Number.isFinite);
    const lo = Math.min(-0.2, ...vals.map((v) => v - 0.05));
    const hi = Math.max(1.15, ...vals.map((v) => v + 0.05));
    Object.assign(
      layoutExtra,
      cell.axes(
        axis(o.xTitle, { zeroline: false, range: [lo, hi] }),
        // the bar labels once, on the first panel (every panel has the same bars)
        axis("", { autorange: "reversed", automargin: true, showgrid: false, showticklabels: i === 0 }),
      ),
    );
    annotations.push(cell.title(g.title, { dy: 0 }));
    data.push({
      type: "bar",
      orientation: "h",
      x: g.bars.map((b) => b.mean),
      y: g.bars.map((b) => b.label),
      marker: { color: g.bars.map((b) => b.color), opacity: 0.85 },
      error_x: {
        type: "data",
        array: g.bars.map((b) => (Number.isFinite(b.sem) ? b.sem : 0)),
        visible: true,
        color: "#333",
      },
      showlegend: false,
      xaxis: xa,
      yaxis: ya,
      customdata: g.bars.map((b) => b.n),
      hovertemplate: "%{y}: R = %{x:.3f} (n = %{customdata})<extra></extra>",
    });
    const px: number[] = [];
    const py: string[] = [];
    for (const b of g.bars)
      for (const v of b.points ?? []) {
        px.push(v);
        py.push(b.label);
      }
    if (px.length)
      data.push({
        type: "scatter",
        mode: "markers",
        x: px,
        y: py,
        marker: { size: 6, color: "#222", opacity: 0.6 },
        showlegend: false,
        xaxis: xa,
        yaxis: ya,
        hovertemplate: "seed value %{x:.3f}<extra></extra>",
      });
    const ref = [
      { x: 0, label: "plain", color: familyColor("plain"), dash: "solid" },
      { x: 1, label: "residual", color: familyColor("residual"), dash: "solid" },
      ...(o.threshold ? [{ x: o.threshold.x, label: o.threshold.label, color: "#888", dash: "dot" }] : []),
    ];
    for (const r of ref) {
      shapes.push({
        type: "line",
        xref: xa,
        yref: `${ya} domain`,
        x0: r.x,
        x1: r.x,
        y0: 0,
        y1: 1,
        line: { color: r.color, dash: r.dash, width: 1.5 },
      });
      annotations.push({
        text: r.label,
        xref: xa,
        yref: `${ya} domain`,
        x: r.x,
        y: 1,
        xanchor: "left",
        yanchor: "top",
        showarrow: false,
        font: { size: 10, color: r.color },
        textangle: 0,
      });
    }
  });
  return {
    data,
    layout: baseLayout(o.title, {
      width: o.width ?? 1080,
      height: o.height ?? 420,
      ...layoutExtra,
      shapes,
      annotations,
      bargap: 0.35,
      margin: { l: 200, r: 40, t: 80, b: 90 },
    }),
  };
}

/** One heatmap panel: z[i][j] at (x[j], y[i]); null or a non-finite value is drawn as an empty cell. */
export interface HeatmapPanel {
  title: string;
  xTitle: string;
  yTitle: string;
  x: string[];
  y: string[];
  z: Array<Array<number | null>>;
  /** Cells outlined and labelled (e.g. the selected setting), by their x and y labels. */
  marked?: Array<{ x: string; y: string; label: string }>;
  /** Text shown in an empty cell (e.g. "diverged"); default none. */
  emptyText?: string;
}

/**
 * Heatmap panels on one shared colour scale (row-major, `cols` per row), each cell labelled with its value, marked
 * cells outlined in black. The colour range is the finite values' range unless `zRange` is given.
 */
export function heatmapPanelsFigure(
  panels: HeatmapPanel[],
  o: {
    title: string;
    zTitle: string;
    cols: number;
    zRange?: [number, number];
    width?: number;
    height?: number;
    digits?: number;
  },
): Figure {
  const grid = panelGrid(panels.length, { cols: o.cols, gapX: 0.07, gapY: 0.09 });
  const finite = panels.flatMap((p) => p.z.flat()).filter((v): v is number => v !== null && Number.isFinite(v));
  const zRange = o.zRange ?? [Math.min(...finite), Math.max(...finite)];
  const digits = o.digits ?? 2;
  const data: Array<Record<string, unknown>> = [];
  const layoutExtra: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  const shapes: Array<Record<string, unknown>> = [];
  panels.forEach((p, k) => {
    const cell = grid.cells[k];
    const { xa, ya } = cell;
    // row labels once per grid row where a panel repeats its left neighbour's (they would overlap that panel)
    const left = cell.col > 0 ? panels[k - 1] : null;
    const repeatsLeft = left !== null && left.y.length === p.y.length && left.y.every((v, i) => v === p.y[i]);
    Object.assign(
      layoutExtra,
      cell.axes(
        axis(p.xTitle, { type: "category", showgrid: false, tickangle: 0, automargin: true }),
        axis(p.yTitle, { type: "category", showgrid: false, automargin: true, showticklabels: !repeatsLeft }),
      ),
    );
    annotations.push(cell.title(p.title, { dy: 0.004 }));
    const z = p.z.map((row) => row.map((v) => (v !== null && Number.isFinite(v) ? v : null)));
    data.push({
      type: "heatmap",
      x: p.x,
      y: p.y,
      z,
      text: z.map((row) => row.map((v) => (v === null ? (p.emptyText ?? "") : v.toFixed(digits)))),
      texttemplate: "%{text}",
      textfont: { size: 10 },
      coloraxis: "coloraxis",
      xgap: 1,
      ygap: 1,
      xaxis: xa,
      yaxis: ya,
      hovertemplate: `%{y}, %{x}: %{text}<extra>${p.title}</extra>`,
    });
    for (const m of p.marked ?? []) {
      const j = p.x.indexOf(m.x);
      const i = p.y.indexOf(m.y);
      if (i < 0 || j < 0) continue;
      shapes.push({
        type: "rect",
        xref: xa,
        yref: ya,
        x0: j - 0.5,
        x1: j + 0.5,
        y0: i - 0.5,
        y1: i + 0.5,
        line: { color: "#000", width: 2.5 },
      });
      data.push({
        type: "scatter",
        mode: "markers",
        x: [m.x],
        y: [m.y],
        marker: { size: 1, opacity: 0 },
        showlegend: false,
        xaxis: xa,
        yaxis: ya,
        hovertemplate: `${m.label}<extra></extra>`,
      });
    }
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layoutExtra,
      annotations,
      shapes,
      coloraxis: {
        colorscale: "Viridis",
        cmin: zRange[0],
        cmax: zRange[1],
        colorbar: { title: { text: o.zTitle, side: "right" }, thickness: 14, len: 0.6 },
      },
      width: o.width,
      height: o.height ?? 300 * grid.rows + 120,
      margin: { l: 70, r: 30, t: 80, b: 110 },
    }),
  };
}
