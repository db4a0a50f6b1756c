/**
 * Prints the report to PDF with headless Chromium (nbconvert's webpdf needs pyppeteer, which is absent): the index
 * and every rendered notebook, each waited on until its Plotly figures have drawn, then joined into one
 * `report.pdf` with poppler's `pdfunite` when it is installed (the per-page PDFs stay either way).
 */
import { spawnSync } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { CHROMIUM_FLAGS, findChromium } from "../display/static-image";

export interface PdfResult {
  /** One PDF per page, in order. */
  pages: string[];
  /** The joined PDF, or null when pdfunite is missing (then `note` says so). */
  joined: string | null;
  note?: string;
}

/** Prints each HTML page to the PDF path beside it (`x.html` → `x.pdf`) and joins them into `joinedPath`. */
export async function printPdf(htmlPages: string[], joinedPath: string): Promise<PdfResult> {
  const exe = findChromium();
  if (!exe) throw new Error("Printing the report to PDF needs Chromium: `apt-get install chromium`, or set SKIPLAB_CHROMIUM.");
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_FLAGS, headless: true });
  const pages: string[] = [];
  try {
    // the window as wide as the printed page lays out (A4 less the margins, at scale 0.72: ≈ 1018 CSS px), so the
    // responsive figures are drawn to fit the printed width (display/plotly.ts)
    const context = await browser.newContext({ viewport: { width: 1010, height: 1600 } });
    for (const html of htmlPages) {
      const page = await context.newPage();
      await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
      // every live figure replaces its fallback image once Plotly has drawn it
      await page.waitForFunction(() => document.querySelectorAll(".skiplab-figure img.skiplab-static").length === 0, undefined, { timeout: 60_000 }).catch(() => undefined);
      const pdf = html.replace(/\.html$/, ".pdf");
      await page.pdf({ path: pdf + ".tmp", format: "A4", printBackground: true, scale: 0.72, margin: { top: "10mm", bottom: "10mm", left: "8mm", right: "8mm" } });
      renameSync(pdf + ".tmp", pdf);
      pages.push(pdf);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const unite = spawnSync("pdfunite", [...pages, joinedPath + ".tmp"], { encoding: "utf8" });
  if (unite.error || unite.status !== 0 || !existsSync(joinedPath + ".tmp")) {
    return { pages, joined: null, note: "pdfunite (Debian: poppler-utils) not available: one PDF per page was written, not a joined report.pdf" };
  }
  renameSync(joinedPath + ".tmp", joinedPath);
  return { pages, joined: joinedPath };
}
