/**
 * The panel grid every multi-panel figure is laid out on: n panels row-major in `cols` columns, each with its own
 * pair of Plotly axes placed by domain (paper coordinates), so any panel can hold any trace type.
 *
 *   const grid = panelGrid(panels.length, { cols: 3 });
 *   grid.cells.forEach((cell, i) => {
 *     Object.assign(layout, cell.axes(axis("epoch"), axis("loss", { type: "log" })));
 *     data.push({ type: "scatter", x, y, xaxis: cell.xa, yaxis: cell.ya });
 *     annotations.push(cell.title(panels[i].title));
 *   });
 */

/** One panel's place in the grid. */
export interface PanelCell {
  index: number;
  row: number;
  col: number;
  /** Axis ids for traces and shapes: "x" and "y" for the first panel, then "x2" and "y2", … */
  xa: string;
  ya: string;
  /** The panel's domains in paper coordinates. */
  x: [number, number];
  y: [number, number];
  /**
   * The layout entries of the panel's two axes ("xaxis"/"yaxis", then "xaxis2"/"yaxis2", …): the given settings
   * with this panel's domain and anchor. Merge the result into the figure's layout.
   */
  axes(xAxis: Record<string, unknown>, yAxis: Record<string, unknown>): Record<string, Record<string, unknown>>;
  /** A bold panel title just above the panel's top edge, left-aligned (or centred) on it. */
  title(text: string, o?: PanelTitleOptions): Record<string, unknown>;
}

export interface PanelTitleOptions {
  /** Height above the panel's top edge, in paper coordinates (default 0.005). */
  dy?: number;
  /** Further shift upwards in pixels (default 0). */
  yshift?: number;
  align?: "left" | "center";
  /** Font size (default 12). */
  size?: number;
}

export interface PanelGridOptions {
  /** Panels per row (default: all in one row). */
  cols?: number;
  /** Gap between columns and between rows, as fractions of the plotting area (defaults 0.08 and 0.12). */
  gapX?: number;
  gapY?: number;
  /** The vertical band the grid occupies, in paper coordinates (default [0, 1]). */
  y?: [number, number];
}

export interface PanelGrid {
  rows: number;
  cols: number;
  cells: PanelCell[];
}

/** Lays out `n` panels; see the module comment. */
export function panelGrid(n: number, o: PanelGridOptions = {}): PanelGrid {
  const cols = o.cols ?? Math.max(1, n);
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(cols) && cols >= 1)) {
    throw new Error(`panelGrid: need a whole number of panels and at least one column (got n = ${n}, cols = ${cols})`);
  }
  const rows = Math.max(1, Math.ceil(n / cols));
  const gapX = o.gapX ?? 0.08;
  const gapY = o.gapY ?? 0.12;
  const [bottom, top] = o.y ?? [0, 1];
  const w = (1 - gapX * (cols - 1)) / cols;
  const h = (top - bottom - gapY * (rows - 1)) / rows;
  const cells = Array.from({ length: n }, (_, index): PanelCell => {
    const row = Math.floor(index / cols);
    const col = index % cols;
    const suffix = index === 0 ? "" : String(index + 1);
    const xa = `x${suffix}`;
    const ya = `y${suffix}`;
    const x0 = col * (w + gapX);
    const y1 = top - row * (h + gapY);
    const x: [number, number] = [x0, x0 + w];
    const y: [number, number] = [y1 - h, y1];
    return {
      index,
      row,
      col,
      xa,
      ya,
      x,
      y,
      axes: (xAxis, yAxis) => ({
        [`xaxis${suffix}`]: { ...xAxis, domain: x, anchor: ya },
        [`yaxis${suffix}`]: { ...yAxis, domain: y, anchor: xa },
      }),
      title: (text, t = {}) => ({
        text: `<b>${text}</b>`,
        xref: "paper",
        yref: "paper",
        x: t.align === "center" ? x0 + w / 2 : x0,
        y: y1 + (t.dy ?? 0.005),
        ...(t.yshift ? { yshift: t.yshift } : {}),
        xanchor: t.align === "center" ? "center" : "left",
        yanchor: "bottom",
        showarrow: false,
        font: { size: t.size ?? 12 },
      }),
    };
  });
  return { rows, cols, cells };
}
