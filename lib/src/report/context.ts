/**
 * The run context a notebook executes in: which scale, which notebook, where the project is.
 * `npm run reproduce` passes these through the environment; interactively they default to `quick`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The scales a notebook runs at: smoke (seconds, CI), quick (reduced size, minutes on 2 cores; the default),
 * standard (quick's protocol plus the searches that do not fit quick's budget, e.g. Fig. F's pre-registered grid;
 * tens of minutes), paper (the paper-scale protocol: a GPU or a sharded sweep).
 */
export type Scale = "smoke" | "quick" | "standard" | "paper";
export const SCALES: readonly Scale[] = ["smoke", "quick", "standard", "paper"];

/** A per-scale config: smoke, quick and paper are required; `standard` falls back to `quick` where not given. */
export type ScaleConfigs<T> = Record<Exclude<Scale, "standard">, T> & { standard?: T };

/** Reads `SKIPLAB_SCALE` (default `quick`), failing on an unknown value. */
export function currentScale(env: Record<string, string | undefined> = process.env): Scale {
  const v = (env.SKIPLAB_SCALE ?? "quick").trim();
  if (!(SCALES as readonly string[]).includes(v)) {
    throw new Error(`SKIPLAB_SCALE='${v}' is not a scale; use one of ${SCALES.join(", ")}.`);
  }
  return v as Scale;
}

/** Picks the entry of a per-scale config for the current scale (`standard` falls back to `quick`). */
export function atScale<T>(configs: ScaleConfigs<T>, scale: Scale = currentScale()): T {
  if (scale === "standard") return "standard" in configs && configs.standard !== undefined ? configs.standard : configs.quick;
  return configs[scale];
}

/**
 * The project root: `SKIPLAB_ROOT`, else the nearest folder upwards from `from` whose package.json declares
 * workspaces (the skip-singularities checkout).
 */
export function projectRoot(from: string = process.cwd(), env: Record<string, string | undefined> = process.env): string {
  if (env.SKIPLAB_ROOT) return resolve(env.SKIPLAB_ROOT);
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // an unreadable package.json is not the root; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(`No skip-singularities project found above ${from} (looked for a package.json with "workspaces"). Run from inside the checkout or set SKIPLAB_ROOT.`);
    }
    dir = up;
  }
}
