/**
 * Paper 1's earliest versions (v1–v4, "Skip Connections as Effective Symmetry-Breaking"; docs/spec/p1.md §1.4 v3-A):
 * the symmetries of a layer's units and the skips that break them. Only the abstract was found, so this schematic is
 * ours. It is drawn in the conventions of the Fig. 1 schematic (schematic.ts: node rows, weight kinds
 * normal / zero / tied / free and their colours, skips as blue dashed curves, a caption under each panel), one panel
 * per symmetry, each with the plain net on the left and the same net with skips on the right:
 *
 *   (a) permutation: swapping units a and b (rows of W_l, columns of W_{l+1}) leaves a plain layer unchanged; an
 *       identity skip binds unit i to input coordinate i. Its fixed set J_a = J_b is the overlap singularity.
 *   (b) rescaling: W_l → c·W_l, W_{l+1} → W_{l+1}/c (ReLU or linear units) leaves a plain net unchanged; a
 *       DenseNet-like skip carries layer l's output onward without the 1/c.
 *   (c) elimination: J_a = 0 frees w_a, w_a = 0 frees J_a; a skip keeps the unit's value flowing.
 *   (d) linear dependence: J_c = αJ_a + βJ_b (linear units) frees (w_a, w_b, w_c) along (α, β, −1); skips add a
 *       different input to each unit.
 *
 * Also here: the bar chart of the computed null-space dimensions per singular configuration, plain vs skips
 * (experiments/p1v3/symmetries.ts), so that the notebook's two v3-A figures share one module.
 */
import { panelGrid } from "./grid";
import {
  drawSchematicNet,
  schematicCaption,
  schematicLegend,
  SCHEMATIC_EDGE_STYLE,
  SCHEMATIC_SKIP_STYLE,
  type SchematicEdge,
  type SchematicNet,
  type SchematicNode,
  schematicLayer,
} from "./schematic";
import { axis, baseLayout, familyColor, type Figure } from "./theme";

/** A mark placed in a sub-net's [0, 1] coordinates: a symbol or short note (e.g. the swap a ↔ b). */
export interface V3SymMark {
  x: number;
  y: number;
  text: string;
  color?: string;
  /** Which end of the text sits at x (default "center"). */
  anchor?: "left" | "center" | "right";
}

/** One side of a panel: a net in its own [0, 1]² coordinates, a heading and marks. */
export interface V3SymSide extends SchematicNet {
  heading: string;
  marks?: V3SymMark[];
}

export interface V3SymPanel {
  title: string;
  caption: string;
  plain: V3SymSide;
  skip: V3SymSide;
}

const X3 = ["x₁", "x₂", "x₃"];
const ABC = ["a", "b", "c"];

/** Input row, hidden units a, b, c, one output: the Fig. 1 net. */
function threeLayer(): SchematicNode[] {
  return [...schematicLayer("x", X3, 0.06), ...schematicLayer("h", ABC, 0.5), ...schematicLayer("y", ["y"], 0.93)];
}

/** Every weight between two rows, with overrides per (from, to). */
function dense(
  from: string,
  to: string,
  nFrom: number,
  nTo: number,
  kind: (i: number, j: number) => SchematicEdge["kind"] = () => "normal",
  label: (i: number, j: number) => string | undefined = () => undefined,
): SchematicEdge[] {
  const out: SchematicEdge[] = [];
  for (let j = 0; j < nTo; j++)
    for (let i = 0; i < nFrom; i++) {
      const l = label(i, j);
      out.push({ from: `${from}${i}`, to: `${to}${j}`, kind: kind(i, j), ...(l ? { label: l } : {}) });
    }
  return out;
}

const PURPLE = SCHEMATIC_EDGE_STYLE.tied.color;
const RED = SCHEMATIC_EDGE_STYLE.free.color;
const identitySkips = (from: string, to: string, n = 3) =>
  Array.from({ length: n }, (_, i) => ({ from: `${from}${i}`, to: `${to}${i}` }));

/** Panel (b)'s net: x → layer 1 (a, b, c; weights × c) → layer 2 (d, e, f; weights × 1/c) → y. */
function rescalingSide(heading: string, skips: boolean): V3SymSide {
  const scale = (text: string, y: number): V3SymMark => ({ x: 0.93, y, text, color: PURPLE, anchor: "left" });
  return {
    heading,
    nodes: [
      ...schematicLayer("x", X3, 0.05),
      ...schematicLayer("h", ABC, 0.36),
      ...schematicLayer("g", ["d", "e", "f"], 0.66),
      ...schematicLayer("y", ["y"], 0.94),
    ],
    edges: [...dense("x", "h", 3, 3, () => "tied"), ...dense("h", "g", 3, 3, () => "tied"), ...dense("g", "y", 3, 1)],
    skips: skips ? identitySkips("h", "g") : [],
    marks: [
      scale("× c", 0.2),
      scale("× 1/c", 0.51),
      ...(skips ? [{ x: -0.02, y: 0.51, text: "no 1/c", color: SCHEMATIC_SKIP_STYLE.color }] : []),
    ],
  };
}

/** The four panels (exported for the tests: one node marker, one line per weight, one curve per skip). */
export const V3SYM_SCHEMATIC_PANELS: V3SymPanel[] = [
  {
    title: "(a) permutation of units (→ overlap)",
    caption:
      "Plain: swapping units a and b (their rows of W₁ and<br>" +
      "columns of W₂) leaves the function unchanged. Its fixed set<br>" +
      "J_a = J_b is the overlap singularity, where only w_a + w_b<br>" +
      "matters. Skip: x₁ still enters the first unit and x₂ the<br>" +
      "second, so the swap changes the function.",
    plain: {
      heading: "plain",
      nodes: threeLayer(),
      edges: [...dense("x", "h", 3, 3), ...dense("h", "y", 3, 1)],
      skips: [],
      marks: [{ x: 0.325, y: 0.58, text: "⇄ swap", color: PURPLE }],
    },
    skip: {
      heading: "identity skips",
      nodes: threeLayer(),
      edges: [...dense("x", "h", 3, 3), ...dense("h", "y", 3, 1)],
      skips: identitySkips("x", "h"),
      marks: [{ x: 0.325, y: 0.58, text: "⇄ swap ✗", color: RED }],
    },
  },
  {
    title: "(b) rescaling (ReLU or linear units)",
    caption:
      "Plain: W₁ → c·W₁ and W₂ → W₂/c (c > 0) leaves the function<br>" +
      "unchanged, since relu(c·z) = c·relu(z). DenseNet-like skips<br>" +
      "also carry layer 1's output straight on to later layers,<br>" +
      "where no 1/c compensates: the rescaling changes the function.",
    plain: rescalingSide("plain", false),
    skip: rescalingSide("DenseNet-like skips", true),
  },
  {
    title: "(c) elimination",
    caption:
      "Plain: J_a = 0 silences unit a, so its outgoing weights w_a<br>" +
      "are free; likewise w_a = 0 leaves its incoming weights J_a free.<br>" +
      "Skip: a receives x₁ whatever J_a, so w_a stays identifiable<br>" +
      "(and a skip out of a, past w_a, keeps J_a identifiable).",
    plain: {
      heading: "plain",
      nodes: threeLayer(),
      edges: [
        ...dense("x", "h", 3, 3, (_, j) => (j === 0 ? "zero" : "normal")),
        ...dense(
          "h",
          "y",
          3,
          1,
          (i) => (i === 0 ? "free" : "normal"),
          (i) => (i === 0 ? "w_a free" : undefined),
        ),
      ],
      skips: [],
      marks: [{ x: 0.325, y: 0.28, text: "J_a = 0", color: "#777" }],
    },
    skip: {
      heading: "identity skip into a",
      nodes: threeLayer(),
      edges: [
        ...dense("x", "h", 3, 3, (_, j) => (j === 0 ? "zero" : "normal")),
        ...dense(
          "h",
          "y",
          3,
          1,
          () => "normal",
          (i) => (i === 0 ? "w_a identifiable" : undefined),
        ),
      ],
      skips: [{ from: "x0", to: "h0" }],
      marks: [{ x: 0.325, y: 0.28, text: "J_a = 0", color: "#777" }],
    },
  },
  {
    title: "(d) linear dependence (linear units)",
    caption:
      "Plain: J_c = αJ_a + βJ_b makes h_c = αh_a + βh_b, so<br>" +
      "(w_a, w_b, w_c) can move along (α, β, −1) without changing<br>" +
      "the function. Skips add x_a, x_b, x_c to the three units:<br>" +
      "h_c ≠ αh_a + βh_b, and the move changes the function.",
    plain: {
      heading: "plain",
      nodes: threeLayer(),
      edges: [
        ...dense(
          "x",
          "h",
          3,
          3,
          (_, j) => (j === 2 ? "tied" : "normal"),
          (i, j) => (i === 2 && j === 2 ? "J_c" : undefined),
        ),
        ...dense(
          "h",
          "y",
          3,
          1,
          () => "free",
          (i) => (i === 2 ? "(α, β, −1)" : undefined),
        ),
      ],
      skips: [],
    },
    skip: {
      heading: "identity skips",
      nodes: threeLayer(),
      edges: [
        ...dense(
          "x",
          "h",
          3,
          3,
          (_, j) => (j === 2 ? "tied" : "normal"),
          (i, j) => (i === 2 && j === 2 ? "J_c" : undefined),
        ),
        ...dense("h", "y", 3, 1),
      ],
      skips: identitySkips("x", "h"),
    },
  },
];

/** Where the two sides of a panel sit on its x axis. */
const SIDES: Array<["plain" | "skip", number, number]> = [
  ["plain", 0.0, 0.42],
  ["skip", 0.58, 1.0],
];

/** The four-panel schematic of v3-A (pure: no data needed). */
export function v3SymSchematicFigure(opts: { width?: number; height?: number } = {}): Figure {
  const panels = V3SYM_SCHEMATIC_PANELS;
  const grid = panelGrid(panels.length, { cols: 2, gapX: 0.07, gapY: 0.2, y: [0.15, 0.95] });
  const data: Array<Record<string, unknown>> = [];
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  const layout: Record<string, unknown> = {};
  panels.forEach((p, k) => {
    const cell = grid.cells[k];
    const { xa, ya } = cell;
    Object.assign(
      layout,
      cell.axes(
        { range: [-0.06, 1.02], visible: false, fixedrange: true },
        { range: [-0.02, 1.04], visible: false, fixedrange: true },
      ),
    );
    for (const [which, x0, x1] of SIDES) {
      const side = p[which];
      const map = (x: number) => x0 + (x1 - x0) * x;
      const net: SchematicNet = {
        nodes: side.nodes.map((q) => ({ ...q, x: map(q.x) })),
        edges: side.edges,
        skips: side.skips,
      };
      const drawn = drawSchematicNet(net, xa, ya, { nodeSize: 26, skipBulge: 0.07, labelSize: 10 });
      shapes.push(...drawn.shapes);
      annotations.push(...drawn.annotations);
      data.push(...drawn.data);
      annotations.push({
        xref: xa,
        yref: ya,
        x: map(0.5),
        y: 1.03,
        yanchor: "bottom",
        text: `<i>${side.heading}</i>`,
        showarrow: false,
        font: { size: 11, color: "#555" },
      });
      for (const m of side.marks ?? [])
        annotations.push({
          xref: xa,
          yref: ya,
          x: map(m.x),
          y: m.y,
          text: m.text,
          xanchor: m.anchor ?? "center",
          showarrow: false,
          font: { size: 11, color: m.color ?? "#333" },
          bgcolor: "rgba(255,255,255,0.9)",
        });
    }
    // a thin divider between the two sides
    shapes.push({
      type: "line",
      xref: xa,
      yref: ya,
      x0: 0.5,
      x1: 0.5,
      y0: 0,
      y1: 1,
      line: { color: "#ddd", width: 1, dash: "dot" },
      layer: "below",
    });
    annotations.push(cell.title(p.title, { dy: 0.035, align: "center", size: 14 }));
    annotations.push(schematicCaption(cell.x, cell.y[0] - 0.012, p.caption));
  });
  data.push(...schematicLegend("tied / dependent / jointly rescaled weights"));
  return {
    data,
    layout: baseLayout("v3-A — symmetries of a net's units, and the skips that break them (our schematic)", {
      ...layout,
      width: opts.width ?? 1000,
      height: opts.height ?? 1100,
      shapes,
      annotations,
      legend: { orientation: "h", x: 0, y: -0.005, yanchor: "top" },
      margin: { l: 20, r: 20, t: 70, b: 40 },
    }),
  };
}

/** One bar group of the null-count figure: a configuration, an architecture, its per-seed counts. */
export interface V3SymNullBar {
  configuration: string;
  arch: "plain" | "residual" | "dense";
  /** Null count at the configuration, per seed. */
  count: number[];
  /** Excess over the same net at generic parameters, per seed. */
  excess: number[];
  /** The derivation's excess (a marker), if any. */
  predicted?: number;
}

const ARCH_FAMILY: Record<V3SymNullBar["arch"], string> = {
  plain: "plain",
  residual: "residual",
  dense: "hyper-residual",
};

/**
 * Two panels of grouped bars per singular configuration, one bar per architecture: the null-space dimension of the
 * outputs' Jacobian at the configuration, and its excess over the generic net (the derivation's prediction as a
 * black tick on each bar). Bars are the mean over seeds; the text on each bar gives the range when seeds differ.
 * The x axis is numeric (configuration i at x = i) so that the ticks sit exactly on their bars.
 */
export function v3SymNullCountFigure(
  bars: V3SymNullBar[],
  o: { title: string; width?: number; height?: number },
): Figure {
  const grid = panelGrid(2, { cols: 2, gapX: 0.1 });
  const configs = [...new Set(bars.map((b) => b.configuration))];
  const archs = (["plain", "residual", "dense"] as const).filter((a) => bars.some((b) => b.arch === a));
  const groupWidth = 0.8; // 1 − bargap
  const barWidth = groupWidth / archs.length;
  const offset = (j: number) => (j - (archs.length - 1) / 2) * barWidth;
  const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
  const text = (v: number[]) =>
    Math.min(...v) === Math.max(...v) ? String(v[0]) : `${Math.min(...v)}–${Math.max(...v)}`;
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const annotations: unknown[] = [];
  const panels: Array<["count" | "excess", string, string]> = [
    ["count", "null directions at the configuration", "null-space dimension"],
    ["excess", "excess over the same net at generic parameters", "extra null directions"],
  ];
  const top = Math.max(1, ...bars.flatMap((b) => [...b.count, ...b.excess, b.predicted ?? 0]));
  panels.forEach(([key, title, yTitle], k) => {
    const cell = grid.cells[k];
    Object.assign(
      layout,
      cell.axes(
        axis("", {
          tickvals: configs.map((_, i) => i),
          ticktext: configs,
          range: [-0.6, configs.length - 0.4],
          showgrid: false,
        }),
        axis(yTitle, { range: [0, top * 1.15 + 0.5] }),
      ),
    );
    annotations.push(cell.title(title, { dy: 0.02 }));
    archs.forEach((arch, j) => {
      const rows = configs.map((c) => bars.find((b) => b.configuration === c && b.arch === arch));
      data.push({
        type: "bar",
        xaxis: cell.xa,
        yaxis: cell.ya,
        x: configs.map((_, i) => i + offset(j)),
        y: rows.map((r) => (r ? mean(r[key]) : null)),
        width: barWidth * 0.95,
        text: rows.map((r) => (r ? text(r[key]) : "")),
        textposition: "outside",
        cliponaxis: false,
        name: arch,
        legendgroup: arch,
        showlegend: k === 0,
        marker: { color: familyColor(ARCH_FAMILY[arch]) },
        customdata: configs,
        hovertemplate: `${arch}, %{customdata}: %{text}<extra></extra>`,
      });
      if (key === "excess") {
        const pts = configs.map((c, i) => ({ i, b: rows[i] })).filter((q) => q.b?.predicted !== undefined);
        data.push({
          type: "scatter",
          mode: "markers",
          xaxis: cell.xa,
          yaxis: cell.ya,
          x: pts.map((q) => q.i + offset(j)),
          y: pts.map((q) => q.b!.predicted),
          marker: { symbol: "line-ew", size: 26, color: "#111", line: { color: "#111", width: 3 } },
          name: "predicted by the derivation",
          legendgroup: "predicted",
          showlegend: j === 0,
          hovertemplate: `predicted, ${arch}: %{y}<extra></extra>`,
        });
      }
    });
  });
  return {
    data,
    layout: baseLayout(o.title, {
      ...layout,
      annotations,
      width: o.width ?? 1000,
      height: o.height ?? 520,
      // inside the excess panel's upper right, where its bars leave room
      legend: { x: 0.99, xanchor: "right", y: 0.97, yanchor: "top", bordercolor: "#ccc", borderwidth: 1 },
    }),
  };
}
