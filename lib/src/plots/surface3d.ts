/**
 * Loss surfaces drawn as Li et al. (2018) and paper 3's Fig. 1 draw them: a 3-D surface per net with loss-landscape's
 * transform z = ln(min(L, 10) + 0.1) (h52vtp.py `--zmax 10 --log`), beside contour maps of the same grids and 1-D
 * slices through the centre. `(panels, options) → Figure`; nothing is computed here but the transform.
 */
import { logClipLoss } from "../metrics/surface-measures";
import { panelGrid } from "./grid";
import { axis, baseLayout, type Figure } from "./theme";

export interface SurfacePanel {
  title: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Row-major losses [y.length, x.length] (NaN: not computed). */
  losses: ArrayLike<number>;
}

function matrix(p: SurfacePanel, f: (v: number) => number | null): Array<Array<number | null>> {
  const nx = p.x.length;
  return Array.from({ length: p.y.length }, (_, j) =>
    Array.from({ length: nx }, (_, i) => {
      const v = p.losses[j * nx + i];
      return Number.isFinite(v) ? f(v) : null;
    }),
  );
}

/** One 3-D surface per panel, side by side, z = ln(min(L, 10) + 0.1), a shared colour scale. */
export function surface3dFigure(panels: SurfacePanel[], o: { title: string; width?: number; height?: number }): Figure {
  const n = panels.length;
  const gap = 0.04;
  const w = (1 - gap * (n - 1)) / n;
  const layout: Record<string, unknown> = {};
  const data = panels.map((p, k) => {
    const scene = k === 0 ? "scene" : `scene${k + 1}`;
    layout[scene] = {
      domain: { x: [k * (w + gap), k * (w + gap) + w], y: [0, 0.92] },
      xaxis: { title: { text: "α (direction 1)" } },
      yaxis: { title: { text: "β (direction 2)" } },
      zaxis: { title: { text: "ln(min(L, 10) + 0.1)" }, range: [Math.log(0.1), Math.log(10.1)] },
      camera: { eye: { x: 1.5, y: -1.5, z: 1.1 } },
      aspectratio: { x: 1, y: 1, z: 0.7 },
    };
    return {
      type: "surface",
      name: p.title,
      x: Array.from(p.x),
      y: Array.from(p.y),
      z: matrix(p, (v) => logClipLoss(v)),
      scene,
      colorscale: "Viridis",
      cmin: Math.log(0.1),
      cmax: Math.log(10.1),
      showscale: k === n - 1,
      contours: { z: { show: true, usecolormap: true, project: { z: true } } },
      hovertemplate: "α %{x:.2f}, β %{y:.2f}<br>ln(min(L,10)+0.1) %{z:.3f}<extra>" + p.title + "</extra>",
    };
  });
  const annotations = panels.map((p, k) => ({
    text: `<b>${p.title}</b>`,
    xref: "paper",
    yref: "paper",
    x: k * (w + gap) + w / 2,
    y: 0.98,
    xanchor: "center",
    showarrow: false,
    font: { size: 13 },
  }));
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      width: o.width ?? 1100,
      height: o.height ?? 560,
      margin: { l: 10, r: 10, t: 70, b: 80 },
    }),
  };
}

/** Contour maps of the losses (log-spaced levels between the grid's smallest loss and 10), one panel per surface. */
export function surfaceContourFigure(
  panels: SurfacePanel[],
  o: { title: string; width?: number; height?: number },
): Figure {
  const grid = panelGrid(panels.length, { cols: panels.length, gapX: 0.08 });
  const layout: Record<string, unknown> = {};
  const annotations: Array<Record<string, unknown>> = [];
  const data = panels.map((p, k) => {
    const cell = grid.cells[k];
    Object.assign(
      layout,
      cell.axes(axis("α (direction 1)"), axis(k === 0 ? "β (direction 2)" : "", { scaleanchor: cell.xa })),
    );
    annotations.push(cell.title(p.title));
    return {
      type: "contour",
      x: Array.from(p.x),
      y: Array.from(p.y),
      z: matrix(p, (v) => Math.log10(Math.min(v, 10))),
      colorscale: "Viridis",
      zmin: -2,
      zmax: 1,
      contours: { start: -2, end: 1, size: 0.1 },
      showscale: k === panels.length - 1,
      colorbar: { title: { text: "log₁₀ min(L, 10)" } },
      xaxis: cell.xa,
      yaxis: cell.ya,
      hovertemplate: "α %{x:.2f}, β %{y:.2f}<br>log₁₀ L %{z:.3f}<extra></extra>",
    };
  });
  return {
    data,
    layout: baseLayout(o.title, { ...layout, annotations, width: o.width ?? 1100, height: o.height ?? 520 }),
  };
}
