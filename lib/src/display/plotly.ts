/**
 * Showing Plotly figures in notebooks so they render everywhere:
 *  (a) live in the classic notebook and JupyterLab: text/html with Plotly.newPlot. No figure output carries
 *      plotly.js itself; each carries a small loader that, when `window.Plotly` is missing, loads the pinned copy
 *      (lib/dist/assets/plotly.min.js, built from `plotly.js-dist`) once per page, from the first source that
 *      answers: the notebook server's /files/ route (from the notebook's own folder in the classic notebook, then
 *      from the server root, which is the project root under `npm run lab`; from the server root in JupyterLab), then `assets/plotly.min.js` beside the page (the HTML report), then the path from
 *      the kernel's folder to the asset (a page exported next to the notebook). So a figure is live in a second tab
 *      on the same kernel, after a re-run, and after a saved notebook is reopened, with nothing downloaded from the
 *      network and no notebook growing by megabytes per figure;
 *  (b) in the HTML report opened from disk with no network (the same HTML, exported by nbconvert; the report folder
 *      has assets/plotly.min.js);
 *  (c) as a static PNG where scripts do not run (a notebook opened cold, a code host) or plotly.js cannot be found:
 *      the image sits inside the figure's div until the script replaces it, and is also in the output's image/png
 *      entry.
 * Live figures are responsive: they fill the output area up to the figure's own width (layout.width), and follow
 * the window when it is resized; the height stays the figure's.
 *
 * This module owns display; plot functions elsewhere only build `Figure` objects.
 */
import { randomBytes } from "node:crypto";
import { relative } from "node:path";
import { plotlyScript, plotlyScriptPath, plotlyVersion } from "./assets";
import { renderStatic, StaticImageOptions } from "./static-image";
import type { Figure } from "../plots/theme";
import { escapeHtml, MimeBundle, tslabDisplay } from "./html";

export interface ShowOptions extends StaticImageOptions {
  /** Embed a static PNG fallback (default: on, unless SKIPLAB_STATIC_IMAGES=0). */
  staticImage?: boolean;
  /** Alt text of the static image (default: the figure title). */
  alt?: string;
}

/** Whether a figure draws with WebGL (3-D traces, gl scatter), which Chromium does not print. */
export function webglFigure(fig: Figure): boolean {
  return fig.data.some(
    (t) =>
      typeof t.type === "string" &&
      /^(surface|mesh3d|cone|streamtube|volume|isosurface|scatter3d)$|gl$/.test(t.type as string),
  );
}

/**
 * The path from the kernel's working folder (the notebook's folder) to the built plotly.js, "/"-separated, or null
 * when the asset is not built.
 */
export function plotlyRelativePath(cwd = process.cwd()): string | null {
  try {
    return relative(cwd, plotlyScriptPath()).split("\\").join("/");
  } catch {
    return null;
  }
}

/**
 * The loader each figure output carries (module comment, (a)): `window.__skiplabPlotly` holds the queue of figures
 * waiting for plotly.js and the load state; the first figure on a page without Plotly starts loading, the others
 * queue. `rel` is the path from the notebook's folder to the asset. Kept small: it is repeated in every output.
 */
function loaderJs(rel: string | null): string {
  return (
    `function skiplabPlotly(draw){if(window.Plotly){draw(window.Plotly);return;}` +
    `var L=window.__skiplabPlotly||(window.__skiplabPlotly={q:[],state:"idle",tried:[]});` +
    `if(L.state==="failed"){return;}L.q.push(draw);if(L.state!=="idle"){return;}L.state="loading";` +
    `var rel=${JSON.stringify(rel)},src=[],b=document.body,join=function(){return Array.prototype.join.call(arguments,"/").replace(/\\/+/g,"/");};` +
    // "a/b/../c" → "a/c"; null when the path leaves the server root
    `var norm=function(p){var o=[];var parts=p.split("/");for(var i=0;i<parts.length;i++){var x=parts[i];if(x===""||x==="."){continue;}if(x===".."){if(!o.length){return null;}o.pop();}else{o.push(x);}}return o.join("/");};` +
    `var nbp=b&&b.getAttribute("data-notebook-path"),base=(b&&b.getAttribute("data-base-url"))||"/";` +
    `if(nbp!==null){if(rel){var f=norm(join(nbp.split("/").slice(0,-1).join("/"),rel));if(f!==null){src.push(join(base,"files",f));}}src.push(join(base,"files/lib/dist/assets/plotly.min.js"));}` +
    `var cfg=document.getElementById("jupyter-config-data");if(cfg){try{src.push(join(JSON.parse(cfg.textContent).baseUrl||"/","files/lib/dist/assets/plotly.min.js"));}catch(e){}}` +
    `src.push("assets/plotly.min.js");if(rel){src.push(rel);}` +
    `var next=function(i){if(window.Plotly){done();return;}if(i>=src.length){L.state="failed";return;}L.tried.push(src[i]);` +
    `var s=document.createElement("script");s.src=src[i];s.onload=function(){window.Plotly?done():next(i+1);};s.onerror=function(){next(i+1);};document.head.appendChild(s);};` +
    `var done=function(){L.state="ready";var q=L.q;L.q=[];for(var k=0;k<q.length;k++){try{q[k](window.Plotly);}catch(e){console.error(e);}}};` +
    `next(0);}`
  );
}

/**
 * Builds the HTML of one figure: a div (holding the fallback image), and the script that draws it (loading plotly.js
 * first when the page has none: `loaderJs`). `includePlotly` inlines plotly.js itself, for a page that must stand
 * alone; `plotlyRel` overrides the kernel-folder-relative path of the asset (default: `plotlyRelativePath()`).
 */
export function figureHtml(
  fig: Figure,
  opts: { id?: string; pngBase64?: string; alt?: string; includePlotly?: boolean; plotlyRel?: string | null } = {},
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
  // responsive: the live plot fills its div (width 100 %, at most the figure's width) and follows window resizes
  const { width: _w, ...layout } = fig.layout;
  void _w;
  // JSON inside <script>: escape "</" so a string in the figure cannot close the tag.
  const json = JSON.stringify({
    data: fig.data,
    layout: { ...layout, autosize: true },
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
  const rel = opts.plotlyRel === undefined ? plotlyRelativePath() : opts.plotlyRel;
  return (
    style +
    `<div class="skiplab-figure" id="${id}" style="width:100%;max-width:${width}px;min-height:${opts.pngBase64 ? 0 : height}px">${img}</div>\n` +
    lib +
    `<script type="text/javascript">(function(){var el=document.getElementById(${JSON.stringify(id)});if(!el){return;}` +
    `var f=${json};` +
    `${loaderJs(rel)}` +
    `skiplabPlotly(function(P){var img=el.querySelector("img.skiplab-static");` +
    `if(img){el.removeChild(img);${keep}}el.style.minHeight="${height}px";el.style.height="${height}px";P.newPlot(el,f.data,f.layout,f.config);` +
    // printing narrows the page without a resize event: fit the plot to the printed width first
    `window.addEventListener("beforeprint",function(){try{P.Plots.resize(el);}catch(e){}});});})();</script>`
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
  const { bundle, staticError } = await figureBundle(fig, opts);
  kernel(bundle);
  if (staticError) kernel({ "text/plain": `note: no static image embedded for this figure — ${staticError}` });
}

function titleOf(fig: Figure): string | undefined {
  const t = fig.layout.title as string | { text?: string } | undefined;
  return typeof t === "string" ? t : t?.text;
}
