/**
 * P2 Fig. 2: the PlainNet, ResNet and ResNeXt blocks as diagrams (docs/spec/p2.md §2.3 "Fig. 2"), drawn with Plotly
 * shapes and arrows. Each block maps h^{l−2} to h^l through two weight layers; the ResNet block adds the identity
 * (⊕), the ResNeXt block sums s parallel paths of two narrow (q-wide) layers and adds the identity.
 */
import { panelGrid } from "./grid";
import { baseLayout, familyColor, Figure } from "./theme";

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
  fill?: string;
}

const BOX_FILL = "#f3f6fb";
const SKIP = familyColor("residual");

/** The three block diagrams side by side; `cardinality` paths are drawn for ResNeXt (the middle one as "⋯" when > 3). */
export function blockDiagramsFigure(
  o: { cardinality?: number; width?: number; groupWidth?: number; height?: number } = {},
): Figure {
  const s = o.cardinality ?? 4;
  const n = o.width ?? 64;
  const q = o.groupWidth ?? 16;
  const grid = panelGrid(3, { gapX: 0.04 });
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {};
  const panels = [
    { title: "PlainNet block", caption: "h<sup>l</sup> = W₂ f(W₁ h<sup>l−2</sup>)" },
    { title: "ResNet block", caption: "h<sup>l</sup> = W₂ f(W₁ h<sup>l−2</sup>) ⊕ h<sup>l−2</sup>" },
    {
      title: `ResNeXt block (s = ${s}, q = ${q} < n = ${n})`,
      caption: "h<sup>l</sup> = Σ<sub>k</sub> W₂<sup>k</sup> f(W₁<sup>k</sup> h<sup>l−2</sup>) ⊕ h<sup>l−2</sup>",
    },
  ];
  panels.forEach((p, i) => {
    const cell = grid.cells[i];
    const ax = { visible: false, range: [0, 10], fixedrange: true };
    Object.assign(layout, cell.axes({ ...ax }, { ...ax, range: [0, 12] }));
    const xref = cell.xa;
    const yref = cell.ya;
    const box = (b: Box) => {
      shapes.push({
        type: "rect",
        xref,
        yref,
        x0: b.x - b.w / 2,
        x1: b.x + b.w / 2,
        y0: b.y - b.h / 2,
        y1: b.y + b.h / 2,
        line: { color: "#444", width: 1.2 },
        fillcolor: b.fill ?? BOX_FILL,
      });
      annotations.push({ xref, yref, x: b.x, y: b.y, text: b.text, showarrow: false, font: { size: 12 } });
    };
    const arrow = (x0: number, y0: number, x1: number, y1: number, color = "#444") =>
      annotations.push({
        xref,
        yref,
        axref: xref,
        ayref: yref,
        x: x1,
        y: y1,
        ax: x0,
        ay: y0,
        text: "",
        showarrow: true,
        arrowhead: 2,
        arrowsize: 1,
        arrowwidth: 1.4,
        arrowcolor: color,
      });
    const label = (x: number, y: number, text: string, size = 12, color = "#222") =>
      annotations.push({ xref, yref, x, y, text, showarrow: false, font: { size, color } });
    // ⊕ at (5, y), with the identity skip from the block input around the right at x = right
    const identitySum = (y: number, right: number) => {
      shapes.push({
        type: "circle",
        xref,
        yref,
        x0: 4.6,
        x1: 5.4,
        y0: y - 0.4,
        y1: y + 0.4,
        line: { color: SKIP, width: 1.6 },
      });
      label(5, y, "+", 16, SKIP);
      shapes.push({
        type: "path",
        xref,
        yref,
        path: `M 5.2 9.9 L ${right} 9.9 L ${right} ${y}`,
        line: { color: SKIP, width: 2 },
      });
      arrow(right, y, 5.4, y, SKIP);
      label(right + 0.6, (9.9 + y) / 2, "identity", 11, SKIP);
    };
    label(5, 11.5, `<b>${p.title}</b>`, 13);
    label(5, 0.35, p.caption, 12, "#333");
    label(5, 10.4, "h<sup>l−2</sup>  (n)");
    label(5, 1.3, "h<sup>l</sup>  (n)");
    const top = 9.9;
    const bottom = 1.8;
    if (i < 2) {
      box({ x: 5, y: 8.2, w: 3.2, h: 1.1, text: `W₁  (n × n)` });
      box({ x: 5, y: 6.5, w: 2.2, h: 0.9, text: "f (ReLU)", fill: "#fff" });
      box({ x: 5, y: 4.8, w: 3.2, h: 1.1, text: `W₂  (n × n)` });
      arrow(5, top, 5, 8.75);
      arrow(5, 7.65, 5, 6.95);
      arrow(5, 6.05, 5, 5.35);
      if (i === 0) arrow(5, 4.25, 5, bottom);
      else {
        identitySum(3.0, 8.2);
        arrow(5, 4.25, 5, 3.4);
        arrow(5, 2.6, 5, bottom);
      }
    } else {
      const shown = s <= 3 ? Array.from({ length: s }, (_, k) => `${k + 1}`) : ["1", "2", "⋯", `${s}`];
      const xs = shown.map((_, k) => 1.4 + (k * 5.2) / Math.max(1, shown.length - 1));
      shown.forEach((name, k) => {
        const x = xs[k];
        if (name === "⋯") {
          label(x, 6.5, "⋯", 18);
          return;
        }
        arrow(5, top, x, 8.75);
        box({ x, y: 8.2, w: 1.55, h: 1.1, text: `W₁<sup>${name}</sup><br>(q × n)` });
        box({ x, y: 6.5, w: 1.2, h: 0.8, text: "f", fill: "#fff" });
        box({ x, y: 4.8, w: 1.55, h: 1.1, text: `W₂<sup>${name}</sup><br>(n × q)` });
        arrow(x, 7.65, x, 6.9);
        arrow(x, 6.1, x, 5.35);
        arrow(x, 4.25, 4.2, 3.7);
      });
      box({ x: 4.2, y: 3.3, w: 1.2, h: 0.7, text: "Σ", fill: "#fff" });
      identitySum(2.3, 9.3);
      arrow(4.4, 2.95, 4.8, 2.7);
      arrow(5, 1.9, 5, 1.55);
    }
  });
  return {
    data: [],
    layout: baseLayout("P2 Fig. 2 — the three blocks (full networks stack many of them)", {
      ...layout,
      shapes,
      annotations,
      showlegend: false,
      height: o.height ?? 520,
      margin: { l: 20, r: 20, t: 60, b: 90 },
    }),
  };
}
