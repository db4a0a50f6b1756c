/**
 * Sweeps: a grid of runs (the cartesian product of config values × seeds), and deterministic shards of it.
 *
 *   {
 *     "name": "fig-c-quick",
 *     "base":  { "model": { "depth": 20, "width": 64, "inputDim": 32, "outputDim": 10 },
 *                "train": { "epochs": 5, "batchSize": 128 },
 *                "data":  { "name": "gaussian-mixture", "n": 2000, "dim": 32, "classes": 10 } },
 *     "grid":  { "model.skip": ["none", "identity", { "type": "hyper", "form": "mean" }],
 *                "train.optimizer.lr": [1e-3, 1e-4] },
 *     "seeds": [0, 1, 2]                      (or a count: 3 → seeds 0, 1, 2)
 *   }
 *
 * Grid keys are dotted paths into the run config; each value replaces what is at that path (a string met on the
 * way, like `optimizer: "adam"`, becomes `{ type: "adam" }` so deeper keys can be set). Runs whose complete configs
 * coincide are kept once.
 *
 * Sharding: `shard(runs, i, N)` sorts the runs by hash and keeps those whose rank is ≡ i (mod N), i = 0 … N−1. The
 * shards are disjoint, their union is the sweep, their sizes differ by at most one, and the split does not depend on
 * the order in which the grid was written.
 */
import { type ConfigSchema, checkConfig, fieldNames } from "../util/schema";
import { type RunConfigInput, type RunSpec, runSpec } from "./spec";

export interface SweepSpec {
  name?: string;
  /** Runs root for this sweep (the CLI's --dir wins). */
  dir?: string;
  base: RunConfigInput;
  grid?: Record<string, unknown[]>;
  /** Seeds, or a count n meaning 0 … n−1. Default [0]. */
  seeds?: number[] | number;
}

/** One run of a sweep, with the grid values that produced it. */
export interface SweepRun extends RunSpec {
  /** The grid point: dotted path → value (seed included). */
  point: Record<string, unknown>;
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Sets `value` at a dotted path inside `obj` (creating objects; a string on the way becomes { type: string }). */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let cur: Record<string, unknown> = obj;
  keys.slice(0, -1).forEach((k) => {
    const next = cur[k];
    if (typeof next === "string") cur[k] = { type: next };
    else if (next === undefined || next === null || typeof next !== "object") cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  });
  cur[keys[keys.length - 1]] = clone(value);
}

/** The seeds of a sweep spec. */
export function sweepSeeds(spec: SweepSpec): number[] {
  const s = spec.seeds ?? [0];
  if (typeof s === "number") {
    if (!Number.isInteger(s) || s < 1) throw new Error(`sweep: seeds must be a positive count or a list, got ${s}`);
    return Array.from({ length: s }, (_, i) => i);
  }
  if (!Array.isArray(s) || s.length === 0 || s.some((x) => !Number.isInteger(x)))
    throw new Error("sweep: seeds must be a non-empty list of integers");
  return s;
}

export const SWEEP_SCHEMA: ConfigSchema = {
  where: "sweep",
  title: "sweep file",
  doc:
    "A JSON file for `skiplab sweep FILE`: one run config (`base`), a grid of values over its fields and a list of " +
    "seeds; every combination is one run, stored under its content hash.",
  fields: [
    { name: "name", kind: "string", default: "the file name", doc: "A label for progress lines." },
    { name: "dir", kind: "string", default: "the runs root", doc: "Runs root for this sweep (`--dir` overrides it)." },
    {
      name: "base",
      kind: "object",
      required: true,
      doc: "The run config every grid point starts from (see run config).",
    },
    {
      name: "grid",
      kind: "object",
      type: "{ path: value[] }",
      default: "{}",
      doc: 'Dotted paths into `base` with the values to try, e.g. `{ "model.depth": [10, 20] }`; the first key varies slowest.',
    },
    {
      name: "seeds",
      kind: "any",
      type: "integer[] | integer",
      default: "[0]",
      doc: "The seeds, or a count n for 0 … n − 1.",
    },
  ],
  hints: { seed: "a sweep lists its seeds in `seeds` (a list, or a count n for 0 … n−1)" },
};

/** All runs of a sweep, in grid order (first key slowest), seeds innermost; duplicates removed. */
export function expandSweep(spec: SweepSpec): SweepRun[] {
  if (!spec || typeof spec !== "object" || Array.isArray(spec))
    throw new Error(
      "sweep: a sweep file holds one object with `base` (a run config), and optionally `grid`, `seeds`, `name`, `dir`",
    );
  // a missing base gets its own explanation (unknown fields first: a misspelt "base" is named as such)
  const onlyKnown = Object.keys(spec).every((k) => fieldNames(SWEEP_SCHEMA).includes(k));
  if (onlyKnown && !spec.base)
    throw new Error(
      "sweep: missing section `base`, the run config every grid point starts from (`model`, `data`, and optionally `train`, `evalAtStart`, `metrics`)",
    );
  checkConfig(spec, SWEEP_SCHEMA);
  const grid = Object.entries(spec.grid ?? {});
  for (const [k, v] of grid)
    if (!Array.isArray(v) || v.length === 0) throw new Error(`sweep: grid '${k}' must be a non-empty list`);
  const seeds = sweepSeeds(spec);
  const points: Record<string, unknown>[] = [{}];
  for (const [k, values] of grid) {
    const next: Record<string, unknown>[] = [];
    for (const p of points) for (const v of values) next.push({ ...p, [k]: v });
    points.splice(0, points.length, ...next);
  }
  const out: SweepRun[] = [];
  const seen = new Set<string>();
  for (const p of points) {
    const config = clone(spec.base) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(p)) setPath(config, k, v);
    for (const seed of seeds) {
      const r = runSpec(config as unknown as RunConfigInput, seed);
      if (seen.has(r.hash)) continue;
      seen.add(r.hash);
      out.push({ ...r, point: { ...p, seed } });
    }
  }
  return out;
}

/** Parses "i/N" (0 ≤ i < N). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`--shard must look like i/N (e.g. 0/8), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`--shard ${text}: need 0 ≤ i < N (shards are numbered from 0)`);
  return { index, count };
}

/** The runs of shard i of N (see the module comment), sorted by hash. */
export function shard<T extends { hash: string }>(runs: T[], index: number, count: number): T[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`shard: need integers 0 ≤ index < count, got ${index}/${count}`);
  }
  const sorted = [...runs].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  return sorted.filter((_, rank) => rank % count === index);
}
