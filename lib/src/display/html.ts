/**
 * Showing HTML and mime bundles in the running tslab kernel, and the small HTML helpers every notebook table uses.
 */

/** A mime bundle as Jupyter's display_data carries it. */
export type MimeBundle = Record<string, string>;

/** Displays any mime bundle in the running tslab kernel; returns false outside a notebook. */
export function displayBundle(bundle: MimeBundle): boolean {
  const kernel = tslabDisplay();
  if (!kernel) return false;
  kernel(bundle);
  return true;
}

/** Shows HTML in a notebook (or prints its text outside one). */
export function showHtml(html: string, plain?: string): void {
  if (!displayBundle({ "text/html": html, "text/plain": plain ?? stripTags(html) }))
    console.log(plain ?? stripTags(html));
}

export type BundleSink = (bundle: MimeBundle) => void;

/**
 * tslab's public `display` sends one mime type per output; multi-mime bundles go through the kernel's
 * display writer (tslab 1.0.22, pinned). Returns null outside a tslab kernel.
 */
export function tslabDisplay(): BundleSink | null {
  // Only look at the module if the kernel already loaded it: requiring it here would pull in tslab's compiler.
  let path: string;
  try {
    path = require.resolve("tslab/dist/jupyter");
  } catch {
    return null;
  }
  const jupyter = require.cache[path]?.exports as
    { lastWriteDisplayData?: ((d: object, update: boolean) => void) | null } | undefined;
  const write = jupyter?.lastWriteDisplayData;
  if (typeof write !== "function") return null;
  return (bundle) => write({ data: bundle, metadata: {}, transient: {} }, false);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function stripTags(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Table style shared by the notebook tables (nbconvert's CSS centres and strips them otherwise). */
export const TABLE_STYLE =
  "<style>.skiplab-table{border-collapse:collapse;margin:.5em 0;font-size:13px}" +
  ".skiplab-table th,.skiplab-table td{border:1px solid #ccc !important;padding:4px 8px !important;text-align:left !important;vertical-align:top !important}" +
  ".skiplab-table th{background:#f4f4f4}</style>";
