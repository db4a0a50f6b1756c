/**
 * Showing Plotly figures in notebooks so they render everywhere:
 *  (a) live in JupyterLab and the classic notebook (text/html with Plotly.newPlot, plotly.js inlined from the
 *      pinned `plotly.js-dist` package, once per kernel session);
 *  (b) in the HTML report opened from disk with no network (the same HTML, exported by nbconvert);
 *  (c) as a static PNG where scripts do not run (a notebook opened cold, a code host): the image sits inside the
 *      figure's div until the script replaces it, and is also in the output's image/png entry.
 *
 * This module owns display; plot functions elsewhere only build `Figure` objects.
 */
import { randomBytes } from "node:crypto";
import { plotlyScript, plotlyVersion } from "./assets";
import { renderStatic, StaticImageOptions } from "./static-image";
import type { Figure } from "../plots/theme";
import { escapeHtml, MimeBundle, tslabDisplay } from "./html";

export interface ShowOptions extends StaticImageOptions {
  /** Embed a static PNG fallback (default: on, unless SKIPLAB_STATIC_IMAGES=0). */
  staticImage?: boolean;
  /** Alt text of the static image (default: the figure title). */
  alt?: string;
}

let plotlyShipped = false;

/** Whether a figure draws with WebGL (3-D traces, gl scatter), which Chromium does not print. */
export function webglFigure(fig: Figure): boolean {
  return fig.data.some(
    (t) =>
      typeof t.type === "string" &&
      /^(surface|mesh3d|cone|streamtube|volume|isosurface|scatter3d)$|gl$/.test(t.type as string),
  );
}

/** Builds the HTML of one figure: a div (holding the fallback image), and the script that draws it. */
export function figureHtml(
  fig: Figure,
  opts: { id?: string; pngBase64?: string; alt?: string; includePlotly?: boolean } = {},
): string {
  const id = opts.id ?? `skiplab-fig-${randomBytes(6).toString("hex")}`;
  const width = (fig.layout.width as number | undefined) ?? 900;
  const height = (fig.layout.height as number | undefined) ?? 520;
  const alt = escapeHtml(opts.alt ?? titleOf(fig) ?? "figure");
  const img = opts.pngBase64
    ? `<img class="skiplab-static" alt="${alt}" src="data:image/png;base64,${opts.pngBase64}" style="width:100%;max-width:${width}px;height:auto">`
    : "";
  const lib = opts.includePlotly
    ? `<script type="text/javascript" data-skiplab-plotly="${plotlyVersion()}">${plotlyScript()}</script>\n`
    : "";
  // JSON inside <script>: escape "</" so a string in the figure cannot close the tag.
  const json = JSON.stringify({
    data: fig.data,
    layout: fig.layout,
    config: { responsive: true, displaylogo: false, ...(fig.config ?? {}) },
  }).replace(/<\//g, "<\\/");
  // WebGL figures (3-D surfaces) print blank from Chromium: their static image stays beside the live plot, shown
  // only in print, and the live plot is hidden in print
  const gl = webglFigure(fig) && opts.pngBase64 !== undefined;
  const keep = gl
    ? `img.className="skiplab-print-only";el.parentNode.insertBefore(img,el.nextSibling);el.classList.add("skiplab-screen-only");`
    : "";
  const style = gl
    ? `<style>.skiplab-print-only{display:none}@media print{.skiplab-print-only{display:block!important}.skiplab-screen-only{display:none!important}}</style>\n`
    : "";
  return (
    style +
    `<div class="skiplab-figure" id="${id}" style="width:100%;max-width:${width}px;min-height:${opts.pngBase64 ? 0 : height}px">${img}</div>\n` +
    lib +
    `<script type="text/javascript">(function(){var el=document.getElementById(${JSON.stringify(id)});` +
    `if(!el||!window.Plotly){return;}var f=${json};var img=el.querySelector("img.skiplab-static");` +
    `if(img){el.removeChild(img);${keep}}el.style.minHeight="${height}px";window.Plotly.newPlot(el,f.data,f.layout,f.config);})();</script>`
  );
}

/** The full mime bundle for a figure: text/html (live + fallback), image/png, text/plain. */
export async function figureBundle(
  fig: Figure,
  opts: ShowOptions & { includePlotly?: boolean } = {},
): Promise<{ bundle: MimeBundle; staticError?: string }> {
  let png: string | undefined;
  let staticError: string | undefined;
  const wantStatic = opts.staticImage ?? process.env.SKIPLAB_STATIC_IMAGES !== "0";
  if (wantStatic) {
    try {
      png = Buffer.from(await renderStatic(fig, opts)).toString("base64");
    } catch (e) {
      staticError = (e as Error).message;
    }
  }
  const bundle: MimeBundle = {
    "text/html": figureHtml(fig, { pngBase64: png, alt: opts.alt, includePlotly: opts.includePlotly }),
    "text/plain": `<Plotly figure: ${titleOf(fig) ?? "untitled"}; ${fig.data.length} traces>`,
  };
  if (png) bundle["image/png"] = png;
  return { bundle, staticError };
}

/**
 * Displays a figure in the running tslab kernel (live plot + static fallback). Outside a notebook it prints a
 * one-line description instead, so library code that shows figures also runs from scripts and tests.
 */
export async function show(fig: Figure, opts: ShowOptions = {}): Promise<void> {
  const kernel = tslabDisplay();
  if (!kernel) {
    console.log(`[figure] ${titleOf(fig) ?? "untitled"} (${fig.data.length} traces; displayed only inside a notebook)`);
    return;
  }
  const { bundle, staticError } = await figureBundle(fig, { ...opts, includePlotly: !plotlyShipped });
  plotlyShipped = true;
  kernel(bundle);
  if (staticError) kernel({ "text/plain": `note: no static image embedded for this figure — ${staticError}` });
}

function titleOf(fig: Figure): string | undefined {
  const t = fig.layout.title as string | { text?: string } | undefined;
  return typeof t === "string" ? t : t?.text;
}
