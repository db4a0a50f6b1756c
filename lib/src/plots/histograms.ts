/**
 * Histogram panels from pre-binned counts (paper 2's Figs. 5–10: the values of a layer's activations or weights).
 * Counts, not raw values, go into the figure, so a panel over a million activations stays small. Each panel has its
 * own x range (the families' ranges differ by orders of magnitude) and a log count axis, and its title carries the
 * range of the values, the number the paper quotes.
 */
import { panelGrid } from "./grid";
import { axis, baseLayout, type Figure } from "./theme";

/** Counts of values in equal bins between `lo` and `hi`. */
export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
  /** Values counted (finite ones), and the smallest and largest of them. */
  n: number;
  min: number;
  max: number;
}

/**
 * Bins `values` into `bins` equal bins spanning their min and max (a constant array gets one bin of width 1).
 * Non-finite values are left out and counted in `n` only if finite.
 */
export function histogram(values: ArrayLike<number>, bins = 60): Histogram {
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (n === 0) return { lo: 0, hi: 1, counts, n, min: NaN, max: NaN };
  const lo = min;
  const hi = max > min ? max : min + 1;
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  return { lo, hi, counts, n, min, max };
}

export interface HistogramPanel {
  title: string;
  xTitle: string;
  color: string;
  hist: Histogram;
}

/** Panels of bar histograms (row-major, `cols` per row), log-scaled counts, the range in each title. */
export function histogramPanelsFigure(
  panels: HistogramPanel[],
  o: { title: string; cols: number; width?: number; height?: number },
): Figure {
  const cols = Math.max(1, Math.min(o.cols, panels.length));
  const grid = panelGrid(panels.length, { cols, gapX: 0.07, gapY: 0.2 });
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const h = p.hist;
    const w = (h.hi - h.lo) / h.counts.length;
    Object.assign(layout, cell.axes(axis(p.xTitle), axis(i % cols === 0 ? "count" : "", { type: "log" })));
    const range = Number.isFinite(h.max - h.min) ? fmt(h.max - h.min) : "n/a";
    annotations.push(
      cell.title(`${p.title}<br><span style="font-size:11px">range ${range} [${fmt(h.min)}, ${fmt(h.max)}]</span>`),
    );
    data.push({
      type: "bar",
      x: h.counts.map((_, j) => h.lo + (j + 0.5) * w),
      y: h.counts.map((c) => (c > 0 ? c : null)),
      width: w,
      marker: { color: p.color, line: { width: 0 } },
      showlegend: false,
      hovertemplate: "%{x:.4g}: %{y} values<extra></extra>",
      xaxis: cell.xa,
      yaxis: cell.ya,
    });
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      bargap: 0,
      width: o.width ?? 1080,
      height: o.height ?? 300 * grid.rows + 120,
      margin: { l: 64, r: 24, t: 110, b: 90 },
    }),
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(+v.toPrecision(4));
}
