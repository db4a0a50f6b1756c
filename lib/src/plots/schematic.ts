/**
 * The schematic of P1 Fig. 1 (v8): the three singularities of a fully connected layer, drawn with Plotly shapes.
 * Nodes a, b, c of a hidden layer with incoming weights J and outgoing weights w (docs/spec/p1.md §1.2.1); skip
 * connections are drawn as blue curves from the layer's input into the units.
 *
 *   (a) elimination: J_a = 0 makes w_a non-identifiable; w_a = 0 makes J_a non-identifiable
 *   (b) overlap: J_a = J_b, so only w_a + w_b matters
 *   (c) linear dependence: J_c = α J_a + β J_b (linear units), so w_a, w_b, w_c trade along one direction
 */
import { panelGrid } from "./grid";
import { baseLayout, familyColor, Figure } from "./theme";

/** A node of a schematic net, in its panel's [0, 1] axis coordinates. */
export interface SchematicNode {
  id: string;
  x: number;
  y: number;
  label: string;
}

/** A weight of a schematic net. */
export interface SchematicEdge {
  from: string;
  to: string;
  label?: string;
  /** "normal", "zero" (a weight that is 0), "tied" (constrained equal / dependent), "free" (non-identifiable). */
  kind: "normal" | "zero" | "tied" | "free";
}

/** A net drawn in one panel: its nodes, weights and skip connections (blue curves from `from` into `to`). */
export interface SchematicNet {
  nodes: SchematicNode[];
  edges: SchematicEdge[];
  skips: Array<{ from: string; to: string }>;
}

type Node = SchematicNode;

interface PanelSpec extends SchematicNet {
  title: string;
  caption: string;
}

/** The line style of each weight kind (shared by every schematic). */
export const SCHEMATIC_EDGE_STYLE: Record<SchematicEdge["kind"], { color: string; dash: string; width: number }> = {
  normal: { color: "#555", dash: "solid", width: 1.5 },
  zero: { color: "#bbb", dash: "dot", width: 1.5 },
  tied: { color: "#9467bd", dash: "solid", width: 2.5 },
  free: { color: "#d62728", dash: "solid", width: 3 },
};

const EDGE_STYLE = SCHEMATIC_EDGE_STYLE;

/** The line style of skip connections. */
export const SCHEMATIC_SKIP_STYLE = { color: familyColor("residual"), width: 2.5, dash: "dash" };

/** A panel's caption, centred under the panel spanning paper x-range `x`, its top at paper height `y`. */
export function schematicCaption(x: readonly [number, number], y: number, text: string): Record<string, unknown> {
  return {
    xref: "paper",
    yref: "paper",
    x: (x[0] + x[1]) / 2,
    xanchor: "center",
    y,
    yanchor: "top",
    text,
    showarrow: false,
    align: "center",
    font: { size: 11, color: "#333" },
  };
}

/** Legend-only traces for the line styles of the weights and the skips (`tied`: how the figure names tied weights). */
export function schematicLegend(tied: string): Array<Record<string, unknown>> {
  const entries: Array<[string, { color: string; dash: string; width: number }]> = [
    ["weight", SCHEMATIC_EDGE_STYLE.normal],
    ["zero weight", SCHEMATIC_EDGE_STYLE.zero],
    [tied, SCHEMATIC_EDGE_STYLE.tied],
    ["non-identifiable weights", SCHEMATIC_EDGE_STYLE.free],
    ["skip connection", { ...SCHEMATIC_SKIP_STYLE }],
  ];
  return entries.map(([name, line]) => ({
    type: "scatter",
    mode: "lines",
    x: [null],
    y: [null],
    name,
    line,
    showlegend: true,
  }));
}

/** A row of nodes `${prefix}0`, `${prefix}1`, … evenly spread over [x0, x1] at height y (one node: centred). */
export function schematicLayer(prefix: string, labels: string[], y: number, x0 = 0.15, x1 = 0.85): Node[] {
  return labels.map((label, i) => ({
    id: `${prefix}${i}`,
    x: labels.length === 1 ? 0.5 : x0 + ((x1 - x0) * i) / (labels.length - 1),
    y,
    label,
  }));
}

const PANELS: PanelSpec[] = [
  {
    title: "(a) elimination",
    caption:
      "J_a = 0: unit a is silent, so w_a is free.<br>w_a = 0: then J_a is free.<br>A skip keeps a active → w_a identifiable.",
    nodes: [
      ...schematicLayer("x", ["x₁", "x₂", "x₃"], 0.08),
      ...schematicLayer("h", ["a", "b", "c"], 0.5),
      ...schematicLayer("y", ["y"], 0.9),
    ],
    edges: [
      { from: "x0", to: "h0", kind: "zero" },
      { from: "x1", to: "h0", kind: "zero", label: "J_a = 0" },
      { from: "x2", to: "h0", kind: "zero" },
      { from: "x0", to: "h1", kind: "normal" },
      { from: "x1", to: "h1", kind: "normal" },
      { from: "x2", to: "h1", kind: "normal" },
      { from: "x0", to: "h2", kind: "normal" },
      { from: "x1", to: "h2", kind: "normal" },
      { from: "x2", to: "h2", kind: "normal" },
      { from: "h0", to: "y0", kind: "free", label: "w_a free" },
      { from: "h1", to: "y0", kind: "normal" },
      { from: "h2", to: "y0", kind: "normal" },
    ],
    skips: [{ from: "x0", to: "h0" }],
  },
  {
    title: "(b) overlap",
    caption:
      "J_a = J_b: h_a ≡ h_b, so only w_a + w_b<br>matters (w_a − w_b is free). Different skips<br>into a and b make h_a ≠ h_b.",
    nodes: [
      ...schematicLayer("x", ["x₁", "x₂", "x₃"], 0.08),
      ...schematicLayer("h", ["a", "b", "c"], 0.5),
      ...schematicLayer("y", ["y"], 0.9),
    ],
    edges: [
      { from: "x0", to: "h0", kind: "tied" },
      { from: "x1", to: "h0", kind: "tied" },
      { from: "x2", to: "h0", kind: "tied", label: "J_a" },
      { from: "x0", to: "h1", kind: "tied", label: "J_b = J_a" },
      { from: "x1", to: "h1", kind: "tied" },
      { from: "x2", to: "h1", kind: "tied" },
      { from: "x0", to: "h2", kind: "normal" },
      { from: "x1", to: "h2", kind: "normal" },
      { from: "x2", to: "h2", kind: "normal" },
      { from: "h0", to: "y0", kind: "free", label: "w_a" },
      { from: "h1", to: "y0", kind: "free", label: "w_b" },
      { from: "h2", to: "y0", kind: "normal" },
    ],
    skips: [
      { from: "x0", to: "h0" },
      { from: "x1", to: "h1" },
    ],
  },
  {
    title: "(c) linear dependence",
    caption:
      "J_c = α J_a + β J_b (linear units):<br>h_c = α h_a + β h_b, so (w_a, w_b, w_c) ∝<br>(α, β, −1) is free. Skips make the units<br>less dependent.",
    nodes: [
      ...schematicLayer("x", ["x₁", "x₂", "x₃"], 0.08),
      ...schematicLayer("h", ["a", "b", "c"], 0.5),
      ...schematicLayer("y", ["y"], 0.9),
    ],
    edges: [
      { from: "x0", to: "h0", kind: "normal" },
      { from: "x1", to: "h0", kind: "normal" },
      { from: "x2", to: "h0", kind: "normal" },
      { from: "x0", to: "h1", kind: "normal" },
      { from: "x1", to: "h1", kind: "normal" },
      { from: "x2", to: "h1", kind: "normal" },
      { from: "x0", to: "h2", kind: "tied" },
      { from: "x1", to: "h2", kind: "tied" },
      { from: "x2", to: "h2", kind: "tied", label: "J_c" },
      { from: "h0", to: "y0", kind: "free" },
      { from: "h1", to: "y0", kind: "free" },
      { from: "h2", to: "y0", kind: "free", label: "w free along (α, β, −1)" },
    ],
    skips: [
      { from: "x0", to: "h0" },
      { from: "x1", to: "h1" },
      { from: "x2", to: "h2" },
    ],
  },
];

/**
 * The shapes (weights as lines, skips as blue dashed Bézier curves bulging left), the weight labels and the node
 * trace of one schematic net on the axes (xa, ya): the drawing conventions of every schematic.
 */
export function drawSchematicNet(
  p: SchematicNet,
  xa: string,
  ya: string,
  o: { nodeSize?: number; skipBulge?: number; labelSize?: number } = {},
): { data: Array<Record<string, unknown>>; shapes: unknown[]; annotations: unknown[] } {
  const data: Array<Record<string, unknown>> = [];
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  const at = (id: string) => p.nodes.find((q) => q.id === id)!;
  for (const e of p.edges) {
    const a = at(e.from);
    const b = at(e.to);
    const s = EDGE_STYLE[e.kind];
    shapes.push({ type: "line", xref: xa, yref: ya, x0: a.x, y0: a.y, x1: b.x, y1: b.y, line: s, layer: "below" });
    if (e.label) {
      annotations.push({
        xref: xa,
        yref: ya,
        x: 0.5 * (a.x + b.x),
        y: 0.5 * (a.y + b.y),
        text: e.label,
        showarrow: false,
        font: { size: o.labelSize ?? 10, color: s.color },
        bgcolor: "rgba(255,255,255,0.85)",
      });
    }
  }
  for (const sk of p.skips) {
    const a = at(sk.from);
    const b = at(sk.to);
    // a quadratic Bézier bulging left of the straight path: the skip connection into the unit
    const cx = Math.min(a.x, b.x) - (o.skipBulge ?? 0.12);
    const cy = 0.5 * (a.y + b.y);
    shapes.push({
      type: "path",
      xref: xa,
      yref: ya,
      path: `M ${a.x},${a.y} Q ${cx},${cy} ${b.x},${b.y - 0.05}`,
      line: { ...SCHEMATIC_SKIP_STYLE },
      layer: "below",
    });
  }
  data.push({
    type: "scatter",
    mode: "markers+text",
    xaxis: xa,
    yaxis: ya,
    x: p.nodes.map((q) => q.x),
    y: p.nodes.map((q) => q.y),
    text: p.nodes.map((q) => q.label),
    textposition: "middle center",
    textfont: { size: 12, color: "#111" },
    marker: { size: o.nodeSize ?? 30, color: "white", line: { color: "#333", width: 1.5 } },
    hoverinfo: "skip",
    showlegend: false,
  });
  return { data, shapes, annotations };
}

/** The three-panel singularity schematic (pure: no data needed). */
export function singularitySchematicFigure(opts: { width?: number; height?: number } = {}): Figure {
  const grid = panelGrid(PANELS.length, { gapX: 0.05, y: [0.22, 0.92] });
  const data: Array<Record<string, unknown>> = [];
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  const layout: Record<string, unknown> = {};
  PANELS.forEach((p, i) => {
    const cell = grid.cells[i];
    const { xa, ya } = cell;
    Object.assign(
      layout,
      cell.axes(
        { range: [-0.05, 1.05], visible: false, fixedrange: true },
        { range: [-0.05, 1.02], visible: false, fixedrange: true },
      ),
    );
    const net = drawSchematicNet(p, xa, ya);
    shapes.push(...net.shapes);
    annotations.push(...net.annotations);
    data.push(...net.data);
    annotations.push(cell.title(p.title, { dy: 0.02, align: "center", size: 14 }));
    annotations.push(schematicCaption(cell.x, 0.19, p.caption));
  });
  data.push(...schematicLegend("tied / dependent weights"));
  return {
    data,
    layout: baseLayout("Fig. 1 — singularities of a fully connected layer, and skip connections", {
      ...layout,
      width: opts.width ?? 1050,
      height: opts.height ?? 460,
      shapes,
      annotations,
      legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top" },
      margin: { l: 20, r: 20, t: 60, b: 50 },
    }),
  };
}
