/**
 * Where the lib's built assets live (made by `npm run build`: scripts/build-assets.mjs).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Absolute path of the minified plotly.js built from the pinned `plotly.js-dist` package. */
export function plotlyScriptPath(): string {
  // Compiled: lib/dist/display/assets.js → lib/dist/assets. From source (tests): lib/src/display → lib/dist/assets.
  const candidates = [
    join(__dirname, "..", "assets", "plotly.min.js"),
    join(__dirname, "..", "..", "dist", "assets", "plotly.min.js"),
  ];
  const p = candidates.find((c) => existsSync(c));
  if (!p) {
    throw new Error(
      `plotly.js asset missing (looked at ${candidates.join(", ")}). Build the lib first: \`npm run build\` in the project root.`,
    );
  }
  return p;
}

let cached: string | null = null;
/** The minified plotly.js source text (read once). */
export function plotlyScript(): string {
  if (cached === null) cached = readFileSync(plotlyScriptPath(), "utf8");
  return cached;
}

/** The plotly.js version the assets were built from. */
export function plotlyVersion(): string {
  return (require("plotly.js-dist/package.json") as { version: string }).version;
}
