/**
 * Static images of Plotly figures, rendered by a headless Chromium (Debian's `chromium`, driven by playwright-core).
 * Used as the fallback inside every displayed figure, for viewers that do not run scripts (a notebook opened
 * cold, a code host), and for PNG export. One browser is started lazily per process and reused.
 */
import { existsSync } from "node:fs";
import { plotlyScriptPath } from "./assets";
import type { Figure } from "../plots/theme";

const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** Flags for a headless Chromium on a machine with a closed network and no GPU. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** The Chromium executable: `SKIPLAB_CHROMIUM`, else the usual system paths, else null. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | null {
  const forced = env.SKIPLAB_CHROMIUM;
  if (forced) return existsSync(forced) ? forced : null;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

interface PageLike {
  setContent(html: string): Promise<void>;
  addScriptTag(opts: { path: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}
interface BrowserLike {
  newPage(): Promise<PageLike>;
  close(): Promise<void>;
}

let browserPromise: Promise<{ browser: BrowserLike; page: PageLike }> | null = null;

async function page(executablePath: string): Promise<PageLike> {
  if (!browserPromise) {
    browserPromise = (async () => {
      const { chromium } = require("playwright-core") as { chromium: { launch(o: object): Promise<BrowserLike> } };
      const browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
      const p = await browser.newPage();
      await p.setContent("<!doctype html><html><body></body></html>");
      await p.addScriptTag({ path: plotlyScriptPath() });
      process.once("beforeExit", () => void browser.close().catch(() => undefined));
      return { browser, page: p };
    })();
    browserPromise.catch(() => {
      browserPromise = null;
    });
  }
  return (await browserPromise).page;
}

/** Closes the shared browser (tests and CLI commands call this before exiting). */
export async function closeStaticRenderer(): Promise<void> {
  if (!browserPromise) return;
  const { browser } = await browserPromise;
  browserPromise = null;
  await browser.close();
}

export interface StaticImageOptions {
  width?: number;
  height?: number;
  /** Pixel density: 2 gives a sharp image on high-DPI screens and in PDFs. */
  scale?: number;
  format?: "png" | "svg";
}

export class StaticImageUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StaticImageUnavailableError";
  }
}

/**
 * Renders a figure to PNG bytes (or SVG text as UTF-8 bytes) with `Plotly.toImage` in headless Chromium.
 * Throws `StaticImageUnavailableError` saying how to install Chromium when none is found.
 */
export async function renderStatic(fig: Figure, opts: StaticImageOptions = {}): Promise<Uint8Array> {
  const exe = findChromium();
  if (!exe) {
    throw new StaticImageUnavailableError(
      "No Chromium found for static figure images. Install it (Debian: `apt-get install chromium`; conda: " +
        "`conda install -c conda-forge chromium` is not available, use your system's Chromium) or point SKIPLAB_CHROMIUM at a Chrome/Chromium binary.",
    );
  }
  const p = await page(exe);
  const width = opts.width ?? (fig.layout.width as number | undefined) ?? 900;
  const height = opts.height ?? (fig.layout.height as number | undefined) ?? 520;
  const format = opts.format ?? "png";
  const dataUrl = await p.evaluate(
    async (a: { fig: Figure; width: number; height: number; scale: number; format: string }) => {
      const P = (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly;
      return P.toImage(
        { data: a.fig.data, layout: a.fig.layout },
        { format: a.format, width: a.width, height: a.height, scale: a.scale },
      );
    },
    { fig, width, height, scale: opts.scale ?? 2, format },
  );
  if (format === "svg") return new TextEncoder().encode(decodeURIComponent(dataUrl.slice(dataUrl.indexOf(",") + 1)));
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(",") + 1), "base64");
}
