import { copyFileSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { figureHtml, figureBundle, plotlyRelativePath } from "../../lib/src/display/plotly";
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
    expect(linked).toContain("P.newPlot(el");
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

/**
 * The loader (display/plotly.ts, module comment (a)): no figure output carries plotly.js; each loads the pinned copy
 * when the page has none, from the notebook server's /files/ route, the report's assets/ folder, or the path from the
 * kernel's folder. Pages here are built the way each host serves them.
 */
describe("plotly.js loader", () => {
  const page = (body: string, attrs = "") =>
    `<!doctype html><html><head></head><body ${attrs}><div style="width:700px">${body}</div></body></html>`;
  const two = () =>
    figureHtml(fig, { id: "a", pngBase64: "AAAA", plotlyRel: "../lib/dist/assets/plotly.min.js" }) +
    figureHtml(fig, { id: "b", pngBase64: "AAAA", plotlyRel: "../lib/dist/assets/plotly.min.js" });
  const drawn = async (p: import("playwright-core").Page) => {
    await p.waitForSelector("#a .main-svg", { timeout: 20_000 });
    await p.waitForSelector("#b .main-svg", { timeout: 20_000 });
    return p.evaluate(() => ({
      traces: document.querySelectorAll(".skiplab-figure .scatterlayer .trace").length,
      images: document.querySelectorAll(".skiplab-figure img.skiplab-static").length,
      loads: Array.from(document.querySelectorAll("script[src]")).filter((x) =>
        /plotly\.min\.js/.test((x as HTMLScriptElement).src),
      ).length,
    }));
  };

  it("the output carries no plotly.js, only the loader, and the path from the kernel's folder to the asset", () => {
    const html = figureHtml(fig, { pngBase64: "AAAA" });
    expect(html.length).toBeLessThan(8_000);
    expect(html).toContain(JSON.stringify(plotlyRelativePath()));
    expect(plotlyRelativePath(join(__dirname, "..", "..", "notebooks"))).toBe("../lib/dist/assets/plotly.min.js");
  });

  withChromium("in the report (assets/ beside the page): both figures draw, plotly.js is loaded once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplab-loader-report-"));
    mkdirSync(join(dir, "assets"));
    copyFileSync(plotlyScriptPath(), join(dir, "assets", "plotly.min.js"));
    writeFileSync(join(dir, "page.html"), page(two()));
    const browser = await launch();
    try {
      const p = await browser.newPage();
      await p.goto(pathToFileURL(join(dir, "page.html")).href);
      expect(await drawn(p)).toEqual({ traces: 2, images: 0, loads: 1 });
    } finally {
      await browser.close();
    }
  });

  withChromium(
    "under a notebook server: from /files/, relative to the notebook's folder; twice in two tabs; static where nothing answers",
    async () => {
      // a server whose root holds proj/notebooks/x.ipynb and proj/lib/dist/assets/plotly.min.js, like the classic
      // notebook's /files/ route under a base URL
      const asset = readFileSync(plotlyScriptPath());
      const requests: string[] = [];
      let body = "";
      const server: Server = createServer((req, res) => {
        requests.push(req.url ?? "");
        if (req.url === "/base/files/proj/lib/dist/assets/plotly.min.js") {
          res.writeHead(200, { "content-type": "application/javascript" });
          res.end(asset);
        } else if (req.url === "/base/notebooks/proj/notebooks/x.ipynb") {
          res.writeHead(200, { "content-type": "text/html" });
          res.end(body);
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      const browser = await launch();
      try {
        body = page(two(), 'data-base-url="/base/" data-notebook-path="proj/notebooks/x.ipynb"');
        const url = `http://127.0.0.1:${port}/base/notebooks/proj/notebooks/x.ipynb`;
        for (const tab of [await browser.newPage(), await browser.newPage()]) {
          await tab.goto(url);
          expect(await drawn(tab)).toEqual({ traces: 2, images: 0, loads: 1 });
        }
        expect(requests.filter((u) => u.endsWith("plotly.min.js"))).toEqual([
          "/base/files/proj/lib/dist/assets/plotly.min.js",
          "/base/files/proj/lib/dist/assets/plotly.min.js",
        ]);
        // nothing answers (a notebook outside any project): every source is tried once, the static images stay
        body = page(two(), 'data-base-url="/base/" data-notebook-path="elsewhere/x.ipynb"');
        const p = await browser.newPage();
        await p.goto(url);
        await p.waitForFunction(
          () => (window as unknown as { __skiplabPlotly?: { state: string } }).__skiplabPlotly?.state === "failed",
          null,
          { timeout: 20_000 },
        );
        expect(await p.locator(".skiplab-figure img.skiplab-static").count()).toBe(2);
        expect(
          await p.evaluate(() => (window as unknown as { __skiplabPlotly: { tried: string[] } }).__skiplabPlotly.tried),
        ).toEqual([
          "/base/files/lib/dist/assets/plotly.min.js", // elsewhere/ + ../lib/…
          "/base/files/lib/dist/assets/plotly.min.js", // the server root, as under `npm run lab`
          "assets/plotly.min.js",
          "../lib/dist/assets/plotly.min.js",
        ]);
      } finally {
        await browser.close();
        server.close();
      }
    },
  );

  withChromium("the live figure fits a narrow output area and grows to its own width in a wide one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplab-loader-width-"));
    mkdirSync(join(dir, "assets"));
    copyFileSync(plotlyScriptPath(), join(dir, "assets", "plotly.min.js"));
    const wide: Figure = { ...fig, layout: { ...fig.layout, width: 1200 } };
    writeFileSync(
      join(dir, "page.html"),
      `<!doctype html><html><body style="margin:0"><div id="area">${figureHtml(wide, { id: "w" })}</div></body></html>`,
    );
    const browser = await launch();
    try {
      const p = await browser.newPage({ viewport: { width: 600, height: 800 } });
      await p.goto(pathToFileURL(join(dir, "page.html")).href);
      await p.waitForSelector("#w .main-svg", { timeout: 20_000 });
      const svgWidth = () =>
        p.evaluate(() => (document.querySelector("#w .main-svg") as SVGElement).getBoundingClientRect().width);
      expect(await svgWidth()).toBeLessThanOrEqual(600);
      expect(await svgWidth()).toBeGreaterThan(500);
      await p.setViewportSize({ width: 1600, height: 800 });
      await p.waitForFunction(
        () => (document.querySelector("#w .main-svg") as SVGElement).getBoundingClientRect().width > 1100,
        null,
        { timeout: 10_000 },
      );
      expect(await svgWidth()).toBeLessThanOrEqual(1200);
    } finally {
      await browser.close();
    }
  });
});
