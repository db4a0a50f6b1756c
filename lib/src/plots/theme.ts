/**
 * The shared look of every figure: one palette per architecture, one base layout.
 * Plot functions are pure: `(records, options) → Figure`; they never compute metrics, write files or display.
 */

/** A Plotly figure as plain JSON (what `Plotly.newPlot(div, data, layout, config)` takes). */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** Colours by model family, the same in every notebook. */
export const FAMILY_COLORS: Record<string, string> = {
  plain: "#d62728",
  residual: "#1f77b4",
  "hyper-residual": "#2ca02c",
  // paper 2's families: ResNet takes the residual colour, ResNeXt the hyper-residual one
  resnet: "#1f77b4",
  resnext: "#2ca02c",
  teacher: "#444444",
  ghost: "#ff7f0e",
  singular: "#7f7f7f",
};

export function familyColor(family: string): string {
  return FAMILY_COLORS[family] ?? "#9467bd";
}

/** Base layout: white background, readable fonts, room for a provenance footer. */
export function baseLayout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, x: 0.01, xanchor: "left", font: { size: 16 } },
    template: undefined,
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    font: { family: "Helvetica, Arial, sans-serif", size: 12, color: "#222" },
    margin: { l: 64, r: 24, t: 64, b: 90 },
    legend: { bgcolor: "rgba(255,255,255,0.8)" },
    ...extra,
  };
}

/** Axis style used everywhere. */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title },
    showgrid: true,
    gridcolor: "#e5e5e5",
    zeroline: false,
    linecolor: "#444",
    mirror: true,
    ticks: "outside",
    ...extra,
  };
}

/** What every figure states about how it was made. */
export interface Provenance {
  dataset: string;
  scale: string;
  seeds: string;
  backend: string;
  /** Anything else worth a reader's eye (e.g. "setup PROPOSED, not the paper's"). */
  note?: string;
}

export function provenanceText(p: Provenance): string {
  const parts = [`data: ${p.dataset}`, `scale: ${p.scale}`, `seeds: ${p.seeds}`, `backend: ${p.backend}`];
  if (p.note) parts.push(p.note);
  // Break into lines of at most ~110 characters so the footer never runs off the figure.
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + part.length + 3 <= 110) lines[last] += ` · ${part}`;
    else lines.push(part);
  }
  return lines.join("<br>");
}

/** Adds the provenance lines at the bottom of a figure, inside its bottom margin (returns a new figure). */
export function withProvenance(fig: Figure, p: Provenance): Figure {
  const text = provenanceText(p);
  const lines = text.split("<br>").length;
  const margin = { ...((fig.layout.margin as Record<string, number>) ?? {}) };
  const bottom = Math.max(margin.b ?? 90, 56 + 14 * lines);
  const height = fig.layout.height as number | undefined;
  const plotHeight = height ? height - bottom - (margin.t ?? 64) : 400;
  const annotations = [
    ...(((fig.layout.annotations as unknown[]) ?? []) as Array<Record<string, unknown>>),
    {
      text,
      xref: "paper",
      yref: "paper",
      x: 0,
      // just above the figure's bottom edge, whatever the margin
      y: -(bottom - 6) / Math.max(plotHeight, 1),
      xshift: -(margin.l ?? 64) + 8,
      xanchor: "left",
      yanchor: "bottom",
      align: "left",
      showarrow: false,
      font: { size: 10, color: "#666" },
    },
  ];
  return { ...fig, layout: { ...fig.layout, annotations, margin: { ...margin, b: bottom } } };
}
