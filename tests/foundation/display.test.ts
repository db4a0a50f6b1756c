import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { figureHtml, figureBundle } from "../../lib/src/display/plotly";
import { plotlyScriptPath } from "../../lib/src/display/assets";
import { CHROMIUM_FLAGS, closeStaticRenderer, findChromium, renderStatic } from "../../lib/src/display/static-image";
import { linkPlotly } from "../../lib/src/cli/reproduce";
import { baseLayout, Figure, withProvenance } from "../../lib/src/plots/theme";
import { needs } from "../support/requirements";

const fig: Figure = withProvenance(
  {
    data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2], name: "a </script> name" }],
    layout: baseLayout("display test", { width: 500, height: 320 }),
  },
  { dataset: "none", scale: "smoke", seeds: "0", backend: "cpu" },
);
const chromium = findChromium();

afterAll(async () => {
  await closeStaticRenderer();
});

describe("figure HTML", () => {
  it("holds the fallback image inside the figure div and escapes '</' in the figure JSON", () => {
    const html = figureHtml(fig, { id: "f1", pngBase64: "AAAA" });
    expect(html).toMatch(
      /<div class="skiplab-figure" id="f1"[^>]*><img class="skiplab-static" alt="display test" src="data:image\/png;base64,AAAA"/,
    );
    expect(html).toContain("a <\\/script> name");
    expect(html).not.toContain("data-skiplab-plotly"); // plotly.js only when asked
    expect(figureHtml(fig, { includePlotly: true })).toContain('data-skiplab-plotly="');
  });

  it("the report links the inlined plotly.js to the shared local copy", () => {
    const page = `<p>x</p>${figureHtml(fig, { includePlotly: true })}<p>y</p>`;
    const linked = linkPlotly(page, "assets/plotly.min.js");
    expect(linked).toContain('<script type="text/javascript" src="assets/plotly.min.js"></script>');
    expect(linked.length).toBeLessThan(20_000);
    expect(linked).toContain("window.Plotly.newPlot");
  });
});

const withChromium = needs(
  chromium !== null,
  "Chromium (Debian: chromium, which scripts/setup.sh installs; or SKIPLAB_CHROMIUM=/path/to/chrome)",
);

/** A page holding one figure's HTML, with plotly.js from disk. */
function figurePage(figureHtmlText: string): string {
  const page = join(mkdtempSync(join(tmpdir(), "skiplab-display-")), "page.html");
  writeFileSync(
    page,
    `<!doctype html><html><body><script src="${pathToFileURL(plotlyScriptPath()).href}"></script>${figureHtmlText}</body></html>`,
  );
  return page;
}

function launch() {
  const { chromium: pw } = require("playwright-core");
  return pw.launch({ executablePath: chromium!, args: CHROMIUM_FLAGS, headless: true });
}

describe("rendered in headless Chromium", () => {
  withChromium("renders a static PNG of the figure", async () => {
    const png = await renderStatic(fig, { width: 500, height: 320, scale: 1 });
    expect(Array.from(png.slice(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR width/height
    const dv = new DataView(png.buffer, png.byteOffset);
    expect([dv.getUint32(16), dv.getUint32(20)]).toEqual([500, 320]);
  });

  withChromium(
    "draws live with scripts on (offline, plotly.js from disk) and shows the static image with scripts off",
    async () => {
      const { bundle, staticError } = await figureBundle(fig, { width: 500, height: 320, scale: 1 });
      expect(staticError).toBeUndefined();
      expect(bundle["image/png"]).toBeTruthy();
      const page = figurePage(bundle["text/html"]);
      const browser = await launch();
      try {
        const live = await browser.newPage();
        await live.goto(pathToFileURL(page).href);
        await live.waitForSelector(".skiplab-figure .main-svg", { timeout: 20_000 });
        expect(await live.locator(".skiplab-figure img.skiplab-static").count()).toBe(0);
        expect(await live.locator(".skiplab-figure .scatterlayer .trace").count()).toBe(1);
        const ctx = await browser.newContext({ javaScriptEnabled: false });
        const cold = await ctx.newPage();
        await cold.goto(pathToFileURL(page).href);
        const natural = await cold
          .locator(".skiplab-figure img.skiplab-static")
          .evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth]);
        expect(natural).toEqual([true, 500]); // rendered at scale 1: 500 px wide
      } finally {
        await browser.close();
      }
    },
  );

  withChromium(
    "a WebGL figure (a 3-D surface) keeps its static image for print, where the live plot is hidden; a 2-D one does not",
    async () => {
      const surface: Figure = {
        data: [
          {
            type: "surface",
            z: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
        layout: baseLayout("3-D", { width: 400, height: 300 }),
      };
      expect(figureHtml(fig, { pngBase64: "AAAA" })).not.toContain("skiplab-print-only");
      const { bundle } = await figureBundle(surface, { width: 400, height: 300, scale: 1 });
      const page = figurePage(bundle["text/html"]);
      const browser = await launch();
      try {
        const p = await browser.newPage();
        await p.goto(pathToFileURL(page).href);
        await p.waitForSelector("img.skiplab-print-only", { state: "attached", timeout: 20_000 });
        const shown = () =>
          p.evaluate(() => [
            getComputedStyle(document.querySelector(".skiplab-figure")!).display,
            getComputedStyle(document.querySelector("img.skiplab-print-only")!).display,
          ]);
        expect(await shown()).toEqual(["block", "none"]); // on screen: the live plot
        await p.emulateMedia({ media: "print" });
        expect(await shown()).toEqual(["none", "block"]); // in print: the image
      } finally {
        await browser.close();
      }
    },
  );
});
