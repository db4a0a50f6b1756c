/**
 * Pure figure builders for curves, 2-D flow fields and paired comparisons: (records, options) → Figure.
 * They compute nothing about the models; notebooks pass in what the library measured.
 */
import { panelGrid } from "./grid";
import { axis, baseLayout, familyColor, Figure } from "./theme";

/** One line of a learning-curve plot. */
export interface Curve {
  /** Legend label, e.g. "plain, seed 3". */
  label: string;
  /** Colour family (plain / residual / hyper-residual / …). */
  family: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  dash?: "solid" | "dash" | "dot";
  /** Legend group; curves of one group toggle together. */
  group?: string;
  showLegend?: boolean;
  width?: number;
  opacity?: number;
}

export interface CurvesOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
  /** Horizontal reference lines (e.g. a target loss ε). */
  hLines?: Array<{ y: number; label: string }>;
  width?: number;
  height?: number;
}

/** Thins a long curve to at most `max` points (keeps the first and last; uniform in index). */
export function thin(x: ArrayLike<number>, y: ArrayLike<number>, max = 2000): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  const stride = Math.max(1, Math.ceil(n / max));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i += stride) {
    xs.push(x[i]);
    ys.push(y[i]);
  }
  if (n > 0 && xs[xs.length - 1] !== x[n - 1]) {
    xs.push(x[n - 1]);
    ys.push(y[n - 1]);
  }
  return { x: xs, y: ys };
}

export function curvesFigure(curves: Curve[], o: CurvesOptions): Figure {
  const data: Array<Record<string, unknown>> = curves.map((c) => {
    const t = thin(c.x, c.y);
    return {
      type: "scatter",
      mode: "lines",
      name: c.label,
      x: t.x,
      y: t.y,
      legendgroup: c.group ?? c.label,
      showlegend: c.showLegend ?? true,
      opacity: c.opacity ?? 1,
      line: { color: familyColor(c.family), dash: c.dash ?? "solid", width: c.width ?? 2 },
    };
  });
  const shapes = (o.hLines ?? []).map((h) => ({
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    y0: h.y,
    y1: h.y,
    line: { color: "#888", dash: "dot", width: 1 },
  }));
  const annotations = (o.hLines ?? []).map((h) => ({
    xref: "paper",
    x: 1,
    y: o.logY ? Math.log10(h.y) : h.y,
    text: h.label,
    showarrow: false,
    xanchor: "right",
    yanchor: "bottom",
    font: { size: 10, color: "#666" },
  }));
  return {
    data,
    layout: baseLayout(o.title, {
      width: o.width ?? 900,
      height: o.height ?? 480,
      xaxis: axis(o.xTitle, o.logX ? { type: "log" } : {}),
      yaxis: axis(o.yTitle, o.logY ? { type: "log", exponentformat: "power" } : {}),
      shapes,
      annotations,
    }),
  };
}

/** One panel of a flow-field figure: a scalar background, streamlines, singular lines, landmarks, a ghost. */
export interface FlowPanel {
  title: string;
  axisLabels: [string, string];
  /** Grid coordinates: a (columns) and b (rows). */
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  /** Background values, row-major [iB * nA + iA]. */
  z: ArrayLike<number>;
  streamlines: Array<{ x: ArrayLike<number>; y: ArrayLike<number> }>;
  /** Lines a = value (axis "a") or b = value (axis "b"). */
  lines: Array<{ axis: "a" | "b"; value: number; label: string }>;
  landmarks: Array<{ a: number; b: number; label: string }>;
  ghost?: { a: number; b: number; label: string };
}

export interface FlowOptions {
  title: string;
  /** Colour bar title of the background. */
  zTitle: string;
  cols: number;
  width?: number;
  height?: number;
  /** Shared colour range of the background. */
  zRange?: [number, number];
}

/** A grid of flow-field panels (row-major). */
export function flowFieldFigure(panels: FlowPanel[], o: FlowOptions): Figure {
  const grid = panelGrid(panels.length, { cols: o.cols, gapX: 0.08, gapY: 0.12 });
  const rows = grid.rows;
  const data: Array<Record<string, unknown>> = [];
  const layoutExtra: Record<string, unknown> = {};
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  const zAll = panels.flatMap((p) => Array.from(p.z).filter(Number.isFinite));
  const zRange = o.zRange ?? [Math.min(...zAll), Math.max(...zAll)];
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const { xa, ya } = cell;
    Object.assign(
      layoutExtra,
      cell.axes(
        axis(p.axisLabels[0], { range: [p.a[0], p.a[p.a.length - 1]], showgrid: false }),
        axis(p.axisLabels[1], { range: [p.b[0], p.b[p.b.length - 1]], showgrid: false }),
      ),
    );
    const nA = p.a.length;
    const z: number[][] = [];
    for (let ib = 0; ib < p.b.length; ib++) z.push(Array.from(p.z).slice(ib * nA, (ib + 1) * nA));
    data.push({
      type: "heatmap",
      x: Array.from(p.a),
      y: Array.from(p.b),
      z,
      xaxis: xa,
      yaxis: ya,
      colorscale: "Viridis",
      zmin: zRange[0],
      zmax: zRange[1],
      showscale: i === 0,
      // title along the bar: a title on top of it is clipped at the figure's right edge when it is long
      colorbar: { title: { text: o.zTitle, side: "right" }, thickness: 14, len: 0.5 },
      hovertemplate: `${p.axisLabels[0]}=%{x:.3f}<br>${p.axisLabels[1]}=%{y:.3f}<br>${o.zTitle}=%{z:.3f}<extra></extra>`,
    });
    // All streamlines of a panel in one trace, separated by nulls.
    const sx: Array<number | null> = [];
    const sy: Array<number | null> = [];
    for (const s of p.streamlines) {
      const t = thin(s.x, s.y, 400);
      sx.push(...t.x, null);
      sy.push(...t.y, null);
    }
    data.push({
      type: "scatter",
      mode: "lines",
      x: sx,
      y: sy,
      xaxis: xa,
      yaxis: ya,
      line: { color: "rgba(255,255,255,0.75)", width: 1 },
      hoverinfo: "skip",
      showlegend: false,
    });
    // Arrow heads: a short segment's end at the middle of each streamline shows the direction of the flow.
    const ax: number[] = [];
    const ay: number[] = [];
    const ang: number[] = [];
    for (const s of p.streamlines) {
      const m = Math.floor(s.x.length / 2);
      if (s.x.length < 3) continue;
      const dx = s.x[m + 1] - s.x[m - 1];
      const dy = s.y[m + 1] - s.y[m - 1];
      // marker angle is in screen space, clockwise from up; the axes' aspect ratio is ignored (approximate)
      const sxr = p.a[p.a.length - 1] - p.a[0] || 1;
      const syr = p.b[p.b.length - 1] - p.b[0] || 1;
      ax.push(s.x[m]);
      ay.push(s.y[m]);
      ang.push((Math.atan2(dx / sxr, dy / syr) * 180) / Math.PI);
    }
    data.push({
      type: "scatter",
      mode: "markers",
      x: ax,
      y: ay,
      xaxis: xa,
      yaxis: ya,
      marker: { symbol: "triangle-up", size: 7, angle: ang, color: "white" },
      hoverinfo: "skip",
      showlegend: false,
    });
    for (const line of p.lines) {
      const sh =
        line.axis === "a"
          ? { x0: line.value, x1: line.value, y0: p.b[0], y1: p.b[p.b.length - 1] }
          : { x0: p.a[0], x1: p.a[p.a.length - 1], y0: line.value, y1: line.value };
      shapes.push({ type: "line", xref: xa, yref: ya, ...sh, line: { color: "#ff4d4d", dash: "dash", width: 2 } });
    }
    if (p.lines.length) {
      data.push({
        type: "scatter",
        mode: "lines",
        x: [null],
        y: [null],
        xaxis: xa,
        yaxis: ya,
        name: "singular line of the plain model",
        legendgroup: "singular",
        showlegend: i === 0,
        line: { color: "#ff4d4d", dash: "dash", width: 2 },
      });
    }
    data.push({
      type: "scatter",
      mode: "markers+text",
      x: p.landmarks.map((l) => l.a),
      y: p.landmarks.map((l) => l.b),
      text: p.landmarks.map((l) => l.label.split(" (")[0]),
      hovertext: p.landmarks.map((l) => l.label),
      hoverinfo: "text",
      textposition: "top center",
      textfont: { color: "white", size: 10 },
      xaxis: xa,
      yaxis: ya,
      marker: { symbol: "star", size: 12, color: "white", line: { color: "black", width: 1 } },
      name: "minima / teacher",
      legendgroup: "landmark",
      showlegend: i === 0,
    });
    if (p.ghost) {
      data.push({
        type: "scatter",
        mode: "markers",
        x: [p.ghost.a],
        y: [p.ghost.b],
        xaxis: xa,
        yaxis: ya,
        marker: { symbol: "x", size: 14, color: familyColor("ghost"), line: { color: "black", width: 1 } },
        name: "slowest point (ghost)",
        legendgroup: "ghost",
        showlegend: i === 0,
        hovertemplate: `${p.ghost.label}<extra></extra>`,
      });
    }
    annotations.push(cell.title(p.title, { dy: 0, yshift: 5, align: "center", size: 13 }));
  });
  return {
    data,
    layout: baseLayout(o.title, {
      width: o.width ?? 1000,
      height: o.height ?? 420 * rows + 80,
      ...layoutExtra,
      shapes,
      annotations,
      title: {
        text: o.title,
        x: 0.01,
        xanchor: "left",
        y: 0.99,
        yanchor: "top",
        yref: "container",
        font: { size: 16 },
      },
      legend: { orientation: "h", x: 0, y: 0.955, yanchor: "top", yref: "container" },
      margin: { l: 64, r: 24, t: 110, b: 90 },
    }),
  };
}

/** Paired comparison: one point per seed (x = method A, y = method B), with the diagonal y = x. */
export interface PairedPoint {
  x: number;
  y: number;
  label: string;
}

export function pairedScatterFigure(
  points: PairedPoint[],
  o: { title: string; xTitle: string; yTitle: string; log?: boolean; width?: number; height?: number; color?: string },
): Figure {
  const vals = points.flatMap((p) => [p.x, p.y]).filter((v) => Number.isFinite(v) && (!o.log || v > 0));
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const pad = o.log ? 1.5 : 0.05 * (hi - lo || 1);
  const range = o.log ? [lo / pad, hi * pad] : [lo - pad, hi + pad];
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        x: range,
        y: range,
        line: { color: "#888", dash: "dot" },
        name: "y = x",
        hoverinfo: "skip",
      },
      {
        type: "scatter",
        mode: "markers",
        x: points.map((p) => p.x),
        y: points.map((p) => p.y),
        text: points.map((p) => p.label),
        marker: { size: 9, color: o.color ?? familyColor("residual"), opacity: 0.8 },
        name: "one initialisation",
        hovertemplate: "%{text}<br>x=%{x}<br>y=%{y}<extra></extra>",
      },
    ],
    layout: baseLayout(o.title, {
      width: o.width ?? 560,
      height: o.height ?? 520,
      xaxis: axis(o.xTitle, o.log ? { type: "log", range: range.map(Math.log10), dtick: "D2" } : { range }),
      yaxis: axis(
        o.yTitle,
        o.log
          ? { type: "log", range: range.map(Math.log10), dtick: "D2", scaleanchor: "x" }
          : { range, scaleanchor: "x" },
      ),
    }),
  };
}

/** Bars of group means with ± s.e.m. error bars. */
export function meanSemBarFigure(
  groups: Array<{ label: string; family: string; mean: number; sem: number; n: number }>,
  o: { title: string; yTitle: string; logY?: boolean; width?: number; height?: number },
): Figure {
  return {
    data: [
      {
        type: "bar",
        x: groups.map((g) => g.label),
        y: groups.map((g) => g.mean),
        marker: { color: groups.map((g) => familyColor(g.family)) },
        error_y: { type: "data", array: groups.map((g) => g.sem), visible: true, color: "#333" },
        text: groups.map((g) => `n = ${g.n}`),
        textposition: "outside",
        showlegend: false,
      },
    ],
    layout: baseLayout(o.title, {
      width: o.width ?? 520,
      height: o.height ?? 440,
      xaxis: axis(""),
      yaxis: axis(o.yTitle, o.logY ? { type: "log" } : {}),
    }),
  };
}
