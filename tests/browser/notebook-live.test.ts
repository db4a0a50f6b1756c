/**
 * A live notebook in a real browser (issue: "live notebooks that stay live"): Debian's classic Notebook server, started
 * as `npm run lab` starts it (cli/lab.ts `startNotebookServer`: kernel, save hooks, trust), driven by Chromium through
 * playwright-core. One notebook that trains a small run (the progress display), draws two figures (one wider than
 * the output area) and a table, then:
 *   1. Run All in a first tab: every figure drawn live (SVG traces, no static fallback), the progress display shown,
 *      the table styled, the figures within the output area at a narrow and a wide window;
 *   2. the same notebook in a second tab on the same kernel, Run All: the figures draw live there too;
 *   3. re-run the first figure cell, save, reload: still live, and the saved file carries no plotly.js;
 *   4. add a cell, run it, save, reload: the notebook is still trusted and every figure live.
 * Runs with `npm run test:browser` (CI runs it as its own stage); skipped with a named reason where Chromium or the
 * classic Notebook is missing (with CI=true it fails instead).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { findLabPython, startNotebookServer, type NotebookServer } from "../../lib/src/cli/lab";
import { CHROMIUM_FLAGS, findChromium } from "../../lib/src/display/static-image";
import { projectRoot } from "../../lib/src/report/context";
import { needs } from "../support/requirements";

const chromium = findChromium();
const lab = findLabPython();
const live = needs(
  chromium !== null && lab !== null && lab.notebook !== null,
  "Chromium and the classic Notebook (Debian: chromium, jupyter-notebook; scripts/setup.sh installs both)",
);

const NOTEBOOK = "zz-browser-live-check.ipynb";

/** The notebook under test: imports, a training run, two figures (one 1200 px wide), a table. */
function notebookJson(): string {
  const code = (id: string, src: string) => ({
    cell_type: "code",
    execution_count: null,
    id,
    metadata: {},
    outputs: [],
    source: src,
  });
  const figure = (title: string, width: number) =>
    `await sk.show({ data: [{ type: "scatter", mode: "lines+markers", x: [1, 2, 3, 4], y: [2, 1, 3, 2], name: "a" }, { type: "bar", x: [1, 2, 3, 4], y: [1, 2, 1, 2], name: "b" }], layout: { title: { text: ${JSON.stringify(title)} }, width: ${width}, height: 360 } });`;
  const meta = JSON.parse(readFileSync(join(projectRoot(), "notebooks", "01-toy-model-ghosts.ipynb"), "utf8")).metadata;
  return JSON.stringify(
    {
      cells: [
        { cell_type: "markdown", id: "md", metadata: {}, source: "# live check" },
        code("setup", 'import * as sk from "skiplab";\nconst backend = await sk.initBackend();'),
        code(
          "train",
          'const ex = await sk.p1Execute(sk.p1Grid(sk.p1Protocol("smoke"), { archs: ["plain"], seeds: [0] }));\nconsole.log(`${ex.computed} computed`);',
        ),
        code("fig-wide", figure("a wide figure", 1200)),
        code("fig-small", figure("a small figure", 500)),
        code("table", 'sk.showTable([{ condition: "plain", acc: 0.5 }, { condition: "residual", acc: 0.8 }]);'),
      ],
      metadata: meta,
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

let server: NotebookServer | null = null;
let browser: Browser | null = null;
let runs = "";
const path = () => join(projectRoot(), "notebooks", NOTEBOOK);

beforeAll(async () => {
  if (!chromium || !lab?.notebook) return;
  // served exactly as `npm run lab` serves the project (its root, its kernel, its save hooks), with the notebook
  // under test beside the project's notebooks (never committed: .gitignore) and its runs in a fresh cache
  writeFileSync(path(), notebookJson());
  runs = mkdtempSync(join(tmpdir(), "skiplab-live-runs-"));
  process.env.SKIPLAB_RUNS_DIR = runs;
  server = await startNotebookServer({ trust: [path()] });
  const { chromium: pw } = await import("playwright-core");
  browser = await pw.launch({ executablePath: chromium, args: CHROMIUM_FLAGS, headless: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(path(), { force: true });
  if (runs) rmSync(runs, { recursive: true, force: true });
});

/** Opens the notebook in a new tab and waits for its kernel. */
async function open(width = 1400): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height: 1000 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(server!.urlFor(`notebooks/notebooks/${NOTEBOOK}`));
  await page.waitForFunction(
    () => {
      const nb = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } }).Jupyter
        ?.notebook;
      return !!nb?.kernel && nb.kernel.is_connected();
    },
    null,
    { timeout: 60_000 },
  );
  return page;
}

/** Runs cells (all, or those at `indices`) and waits until every one has finished. */
async function run(page: Page, indices?: number[]): Promise<void> {
  await page.evaluate((ix) => {
    const nb = (window as unknown as { Jupyter: { notebook: Record<string, (...a: unknown[]) => unknown> } }).Jupyter
      .notebook;
    if (!ix) nb.execute_all_cells();
    else for (const i of ix) (nb.get_cell(i) as { execute(): void }).execute();
  }, indices ?? null);
  await page.waitForFunction(
    (ix) => {
      const nb = (window as unknown as { Jupyter: { notebook: { get_cells(): Array<Record<string, unknown>> } } })
        .Jupyter.notebook;
      const idle = document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon");
      const cells = nb.get_cells().filter((_, i) => !ix || ix.includes(i));
      return idle && cells.every((c) => c.cell_type !== "code" || typeof c.input_prompt_number === "number");
    },
    indices ?? null,
    { timeout: 120_000, polling: 250 },
  );
}

/** Saves through the UI's own call and waits for it. */
async function save(page: Page): Promise<void> {
  await page.evaluate(() =>
    (
      window as unknown as { Jupyter: { notebook: { save_notebook(): Promise<unknown> } } }
    ).Jupyter.notebook.save_notebook(),
  );
}

/** What the page shows: live figures, static fallbacks, errors, progress displays, styled tables, trust. */
async function state(page: Page, figures = 2) {
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll(".skiplab-figure .svg-container").length >= n ||
      (window as unknown as { __skiplabPlotly?: { state: string } }).__skiplabPlotly?.state === "failed",
    figures,
    { timeout: 30_000 },
  );
  return page.evaluate(() => ({
    live: document.querySelectorAll(".skiplab-figure .svg-container").length,
    traces: document.querySelectorAll(".skiplab-figure .trace").length,
    fallbacks: document.querySelectorAll(".skiplab-figure img.skiplab-static").length,
    errors: document.querySelectorAll(".output_error").length,
    progress: document.querySelectorAll(".output_area progress").length,
    tables: document.querySelectorAll("table.skiplab-table").length,
    trusted: (window as unknown as { Jupyter: { notebook: { trusted: boolean } } }).Jupyter.notebook.trusted,
    // for the failure message: where plotly.js was looked for, and the first error shown
    loader: JSON.stringify((window as unknown as { __skiplabPlotly?: unknown }).__skiplabPlotly ?? null),
    firstError:
      (document.querySelector(".output_error, .output_stderr") as HTMLElement | null)?.innerText.slice(0, 300) ?? "",
  }));
}

/** Width of each live figure and of the output area it sits in. */
async function widths(page: Page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll(".skiplab-figure")).map((el) => ({
      figure: (el.querySelector(".main-svg") as SVGElement).getBoundingClientRect().width,
      area: (el.closest(".output_subarea") as HTMLElement).getBoundingClientRect().width,
    })),
  );
}

describe("a live notebook in the classic Notebook and Chromium", () => {
  live(
    "Run All: figures live, progress shown, table styled, figures within the output area at two widths",
    async () => {
      const page = await open(900);
      await run(page);
      const s = await state(page);
      expect(s).toMatchObject({ live: 2, fallbacks: 0, errors: 0, trusted: true });
      expect(s.traces).toBeGreaterThanOrEqual(4);
      expect(s.progress).toBeGreaterThanOrEqual(1);
      expect(s.tables).toBeGreaterThanOrEqual(1);
      for (const w of await widths(page)) expect(w.figure).toBeLessThanOrEqual(w.area + 1); // narrow window: fits
      await page.locator(".skiplab-figure").first().scrollIntoViewIfNeeded();
      await page.screenshot({
        path: join(process.env.SKIPLAB_BROWSER_SHOTS ?? tmpdir(), "live-notebook-narrow.png"),
        fullPage: true,
      });
      const narrow = await widths(page);
      await page.setViewportSize({ width: 1800, height: 1000 });
      // the wide figure follows its output area as the window widens (the classic Notebook caps the area's width)
      await page.waitForFunction(
        (before) => {
          const el = document.querySelector(".skiplab-figure") as HTMLElement;
          const fig = (el.querySelector(".main-svg") as SVGElement).getBoundingClientRect().width;
          const area = (el.closest(".output_subarea") as HTMLElement).getBoundingClientRect().width;
          return area > before + 50 && fig >= Math.min(area, 1200) - 30;
        },
        narrow[0].area,
        { timeout: 10_000 },
      );
      const wide = await widths(page);
      for (const w of wide) expect(w.figure).toBeLessThanOrEqual(w.area + 1);
      expect(wide[0].figure).toBeGreaterThan(narrow[0].figure + 50); // the wide figure grows to use the room
      expect(wide[1].figure).toBeLessThanOrEqual(501); // the small one stays at its own width
      // a picture of the live notebook, for a reader of the CI run ($SKIPLAB_BROWSER_SHOTS, else the temp folder)
      await page.locator(".skiplab-figure").first().scrollIntoViewIfNeeded();
      await page.screenshot({
        path: join(process.env.SKIPLAB_BROWSER_SHOTS ?? tmpdir(), "live-notebook-wide.png"),
        fullPage: true,
      });
      await page.close();
    },
  );

  let tab: Page | null = null;

  live("a second tab on the same kernel: Run All draws live there too", async () => {
    tab = await open();
    await run(tab);
    expect(await state(tab)).toMatchObject({ live: 2, fallbacks: 0, errors: 0 });
  });

  live("re-run a figure cell, save, reload: still live, and the file carries no plotly.js", async () => {
    const page = tab!;
    await run(page, [3]);
    await save(page);
    await page.reload();
    await page.waitForFunction(() => !!(window as unknown as { Jupyter?: { notebook?: unknown } }).Jupyter?.notebook);
    expect(await state(page)).toMatchObject({ live: 2, fallbacks: 0, trusted: true });
    const saved = readFileSync(path(), "utf8");
    expect(saved).not.toContain("data-skiplab-plotly");
    expect(saved.length).toBeLessThan(1_500_000); // two figures' static PNGs, not plotly.js (4.9 MB) per figure
  });

  live("add a cell, run it, save, reload: still trusted, every figure live", async () => {
    const page = tab!;
    const n = await page.evaluate(() => {
      const nb = (window as unknown as { Jupyter: { notebook: Record<string, (...a: unknown[]) => unknown> } }).Jupyter
        .notebook;
      const cell = nb.insert_cell_at_bottom("code") as { set_text(t: string): void };
      cell.set_text('sk.showTable([{ added: "in the browser" }]);');
      return (nb.ncells as () => number)();
    });
    await run(page, [n - 1]);
    await save(page);
    await page.reload();
    await page.waitForFunction(() => !!(window as unknown as { Jupyter?: { notebook?: unknown } }).Jupyter?.notebook);
    const s = await state(page);
    expect(s).toMatchObject({ live: 2, fallbacks: 0, trusted: true });
    expect(s.tables).toBeGreaterThanOrEqual(2);
    const saved = JSON.parse(readFileSync(path(), "utf8"));
    expect(saved.nbformat_minor).toBeGreaterThanOrEqual(5);
    expect(saved.cells.every((c: { id?: unknown }) => typeof c.id === "string")).toBe(true);
    await page.close();
  });
});
