/**
 * Pure figure builders for paper 1's Fig. 1 spectra, Fig. C mean ± s.e.m. curves and Fig. D scatter.
 * (records, options) → Figure; nothing is computed about models here.
 */
import { panelGrid } from "./grid";
import { axis, baseLayout, familyColor, Figure } from "./theme";

/** One panel of sorted spectra: a line per family of |λ|/max|λ| against eigenvalue rank, and the null threshold. */
export interface SpectrumPanel {
  title: string;
  series: Array<{ label: string; family: string; relAbs: number[] }>;
  /** Relative null threshold (drawn as a dotted line). */
  tau: number;
}

/** A grid of log-scale sorted-spectrum panels (row-major, `cols` per row). */
export function spectraPanelsFigure(
  panels: SpectrumPanel[],
  o: { title: string; cols: number; width?: number; height?: number },
): Figure {
  const grid = panelGrid(panels.length, { cols: o.cols, gapX: 0.07, gapY: 0.12 });
  const rows = grid.rows;
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  const shapes: Array<Record<string, unknown>> = [];
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const { xa, ya } = cell;
    Object.assign(
      layout,
      cell.axes(
        axis("eigenvalue rank (ascending |λ|)", { title: { text: "rank (ascending |λ|)", font: { size: 11 } } }),
        axis("|λ| / max|λ|", {
          type: "log",
          exponentformat: "power",
          range: [-19, 0.3],
          dtick: 3,
          title: { text: "|λ| / max|λ|", font: { size: 11 } },
        }),
      ),
    );
    for (const s of p.series) {
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: s.label,
        legendgroup: s.label,
        showlegend: i === 0,
        x: s.relAbs.map((_, j) => j + 1),
        y: s.relAbs.map((v) => Math.max(v, 1e-19)),
        xaxis: xa,
        yaxis: ya,
        marker: { size: 4, color: familyColor(s.family) },
        line: { color: familyColor(s.family), width: 1.5 },
      });
    }
    shapes.push({
      type: "line",
      xref: `${xa} domain`,
      yref: ya,
      x0: 0,
      x1: 1,
      y0: p.tau,
      y1: p.tau,
      line: { color: "#888", dash: "dot", width: 1 },
    });
    annotations.push(cell.title(p.title));
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      shapes,
      width: o.width ?? 1200,
      height: o.height ?? 330 * rows + 140,
      margin: { l: 64, r: 24, t: 120, b: 90 },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.04, yanchor: "bottom" },
    }),
  };
}

/** A mean ± s.e.m. curve (band) per group. */
export interface BandCurve {
  label: string;
  family: string;
  x: number[];
  mean: number[];
  sem: number[];
  dash?: "solid" | "dash" | "dot";
}

/** Panels of mean ± s.e.m. bands (one panel per metric), sharing the x axis title. */
export function bandPanelsFigure(
  panels: Array<{ title: string; yTitle: string; curves: BandCurve[]; logY?: boolean; yRange?: [number, number] }>,
  o: { title: string; xTitle: string; width?: number; height?: number },
): Figure {
  const grid = panelGrid(panels.length, { gapX: 0.08 });
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const { xa, ya } = cell;
    Object.assign(
      layout,
      cell.axes(
        axis(o.xTitle),
        axis(p.yTitle, { ...(p.logY ? { type: "log" } : {}), ...(p.yRange ? { range: p.yRange } : {}) }),
      ),
    );
    annotations.push(cell.title(p.title, { dy: 0.01 }));
    for (const c of p.curves) {
      const color = familyColor(c.family);
      const lo = c.mean.map((m, j) => m - (Number.isFinite(c.sem[j]) ? c.sem[j] : 0));
      const hi = c.mean.map((m, j) => m + (Number.isFinite(c.sem[j]) ? c.sem[j] : 0));
      data.push({
        type: "scatter",
        mode: "lines",
        x: [...c.x, ...[...c.x].reverse()],
        y: [...hi, ...[...lo].reverse()],
        fill: "toself",
        fillcolor: hexAlpha(color, 0.18),
        line: { width: 0 },
        hoverinfo: "skip",
        showlegend: false,
        legendgroup: c.label,
        xaxis: xa,
        yaxis: ya,
      });
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: c.label,
        x: c.x,
        y: c.mean,
        legendgroup: c.label,
        showlegend: i === 0,
        line: { color, dash: c.dash ?? "solid", width: 2 },
        marker: { size: 5, color },
        xaxis: xa,
        yaxis: ya,
      });
    }
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      width: o.width ?? 1200,
      height: o.height ?? 480,
      margin: { l: 64, r: 24, t: 110, b: 110 },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.08, yanchor: "bottom" },
    }),
  };
}

function hexAlpha(hex: string, a: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${a})`;
}

/** A scatter of one point per run, coloured by family, marker symbol by a second key (e.g. depth). */
export function runScatterFigure(
  points: Array<{ x: number; y: number; family: string; symbolKey: string; text: string }>,
  o: { title: string; xTitle: string; yTitle: string; width?: number; height?: number; logX?: boolean },
): Figure {
  const symbols = ["circle", "square", "diamond", "triangle-up", "x", "star"];
  const keys = [...new Set(points.map((p) => p.symbolKey))];
  const groups = new Map<string, typeof points>();
  for (const p of points) {
    const g = `${p.family}|${p.symbolKey}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(p);
  }
  const data = [...groups.entries()].map(([g, ps]) => {
    const [family, key] = g.split("|");
    return {
      type: "scatter",
      mode: "markers",
      name: `${family}, ${key}`,
      x: ps.map((p) => p.x),
      y: ps.map((p) => p.y),
      text: ps.map((p) => p.text),
      marker: {
        color: familyColor(family),
        symbol: symbols[keys.indexOf(key) % symbols.length],
        size: 10,
        opacity: 0.85,
        line: { width: 1, color: "#333" },
      },
    };
  });
  return {
    data,
    layout: baseLayout(o.title, {
      width: o.width ?? 900,
      height: o.height ?? 560,
      xaxis: axis(o.xTitle, o.logX ? { type: "log" } : {}),
      yaxis: axis(o.yTitle),
    }),
  };
}
