/**
 * Reading stored runs back: `loadRuns(dir | hashes | specs)` → run records, `runRows(runs)` → one flat row per
 * run × epoch (config fields as dotted columns), `runsFrame(runs)` → the same as one danfo DataFrame.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DataFrame } from "danfojs-node";
import { type RecordRow, type Scalar, toFrame } from "../frames/danfo";
import type { MetricRecord } from "../train/loop";
import {
  CONFIG_FILE,
  DONE_FILE,
  type DoneInfo,
  METRICS_FILE,
  RunDamagedError,
  checkRun,
  readMetrics,
  repairOrClearHint,
} from "./execute";
import { runsRoot } from "./files";
import type { RunConfig } from "./spec";

export interface RunRecord {
  hash: string;
  dir: string;
  seed: number;
  config: RunConfig;
  /** done / diverged (finished), partial (has a checkpoint), new (config only). */
  status: "done" | "diverged" | "partial" | "new";
  done: DoneInfo | null;
  records: MetricRecord[];
}

export interface LoadRunsOptions {
  /** Runs root when `source` lists hashes (default: runsRoot()). */
  dir?: string;
  /** Also return unfinished runs (default false). */
  includeUnfinished?: boolean;
}

function loadOne(dir: string): RunRecord | null {
  const cfgFile = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(cfgFile) && !fs.existsSync(path.join(dir, DONE_FILE))) return null;
  // the records are what is read: metrics.jsonl is checked against done.json's sizes, counts and sha256
  const check = checkRun(dir);
  if (check.status === "damaged") throw new RunDamagedError(check.hash, dir, check.problems, repairOrClearHint(dir));
  const stored = check.stored!;
  const done = check.done;
  return {
    hash: stored.hash,
    dir,
    seed: stored.seed,
    config: stored.config,
    status: check.status as RunRecord["status"],
    done,
    records: done ? check.records! : readMetrics(path.join(dir, METRICS_FILE)),
  };
}

/**
 * Loads runs: from a runs directory (every sub-folder with a config.json), or from a list of hashes / objects with
 * a `hash` (e.g. the RunSpecs of a sweep) under `options.dir`. Finished runs only unless `includeUnfinished`.
 * Sorted by hash for a directory; in the given order for a list. Each run is checked (`checkRun`: config.json and
 * done.json parse, metrics.jsonl has the size, record counts and sha256 that done.json records); a damaged run throws
 * a RunDamagedError naming the file and the command that clears it (nothing damaged is returned).
 */
export function loadRuns(source?: string | (string | { hash: string })[], options: LoadRunsOptions = {}): RunRecord[] {
  let dirs: string[];
  if (source === undefined || typeof source === "string") {
    const root = runsRoot(source ?? options.dir);
    dirs = fs.existsSync(root)
      ? fs
          .readdirSync(root)
          .sort()
          .map((d) => path.join(root, d))
      : [];
  } else {
    const root = runsRoot(options.dir);
    dirs = source.map((s) => path.join(root, typeof s === "string" ? s : s.hash));
  }
  const out: RunRecord[] = [];
  for (const d of dirs) {
    const r = loadOne(d);
    if (!r) {
      if (Array.isArray(source)) {
        if (options.includeUnfinished) continue;
        throw new Error(`loadRuns: no run at ${d} (not computed yet?)`);
      }
      continue;
    }
    if (!options.includeUnfinished && (r.status === "partial" || r.status === "new")) {
      if (Array.isArray(source)) throw new Error(`loadRuns: run ${r.hash} is not finished (${r.status})`);
      continue;
    }
    out.push(r);
  }
  return out;
}

/** Flattens an object to dotted keys; arrays and nested arrays become JSON strings. */
export function flattenConfig(obj: unknown, prefix = "", out: Record<string, Scalar> = {}): Record<string, Scalar> {
  if (obj === null || obj === undefined) {
    if (prefix) out[prefix] = null;
    return out;
  }
  if (Array.isArray(obj)) {
    out[prefix] = JSON.stringify(obj);
    return out;
  }
  if (typeof obj === "object") {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>))
      flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out[prefix] = obj as Scalar;
  return out;
}

export interface RunRowsOptions {
  /** Which records: "epoch" (default) or "step". */
  kind?: "epoch" | "step";
  /**
   * Which config columns: "varying" (default: those that differ between the runs given), "all", or a list of dotted
   * paths (e.g. ["model.skip.type", "model.depth"]).
   */
  configColumns?: "varying" | "all" | string[];
}

/** One row per run × record: hash, seed, status, the chosen config columns, then the record's fields. */
export function runRows(runs: RunRecord[], options: RunRowsOptions = {}): RecordRow[] {
  const kind = options.kind ?? "epoch";
  const flat = runs.map((r) => flattenConfig(r.config));
  let cols: string[];
  const choice = options.configColumns ?? "varying";
  if (choice === "all") cols = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  else if (choice === "varying") {
    const all = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
    cols = all.filter((c) => new Set(flat.map((f) => JSON.stringify(f[c] ?? null))).size > 1);
  } else cols = choice;
  const rows: RecordRow[] = [];
  runs.forEach((r, i) => {
    const base: RecordRow = { hash: r.hash, seed: r.seed, status: r.status };
    for (const c of cols) base[c] = flat[i][c] ?? null;
    for (const rec of r.records) {
      if (rec.kind !== kind) continue;
      const row: RecordRow = { ...base };
      for (const [k, v] of Object.entries(rec)) if (k !== "kind") row[k] = (v ?? null) as Scalar;
      rows.push(row);
    }
  });
  return rows;
}

/** All the runs' records as one danfo DataFrame (one row per run × epoch; see `runRows`). */
export function runsFrame(runs: RunRecord[], options: RunRowsOptions = {}): DataFrame {
  const rows = runRows(runs, options);
  return toFrame(rows);
}
