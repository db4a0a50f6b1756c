// Builds the lib's static assets into lib/dist/assets, and makes the `skiplab` command executable (npm links the
// bin at install time, before tsc has written it). Assets: a minified plotly.js from the pinned plotly.js-dist
// package (the notebooks and the report embed or link it; no CDN is ever used).
import { createRequire } from "node:module";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "lib", "dist", "assets");
const src = require.resolve("plotly.js-dist/plotly.js");
const version = require("plotly.js-dist/package.json").version;
const out = join(outDir, "plotly.min.js");
const stamp = join(outDir, "plotly.version");

let upToDate = false;
try {
  upToDate = readFileSync(stamp, "utf8") === version && statSync(out).size > 0;
} catch {}
if (!upToDate) {
  const esbuild = require("esbuild");
  const { code } = esbuild.transformSync(readFileSync(src, "utf8"), { minify: true, legalComments: "inline" });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(out + ".tmp", code);
  renameSync(out + ".tmp", out);
  writeFileSync(stamp, version);
  console.log(`build-assets: plotly.js ${version} minified to ${(code.length / 1e6).toFixed(1)} MB`);
}

const bin = join(root, "lib", "dist", "cli", "main.js");
if (existsSync(bin)) chmodSync(bin, 0o755);
