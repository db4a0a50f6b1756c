/**
 * The dataframe seam: run records ⇄ danfo DataFrames. Notebooks analyse with danfo; everything else in the lib
 * speaks plain records (arrays of flat objects), so the dataframe library can be replaced by changing this file.
 *
 * danfojs-node is loaded lazily (it is large) and installed through the npm override in package.json that
 * points its tfjs-node dependency at plain @tensorflow/tfjs (see docs/stack.md#danfojs).
 */
import type { DataFrame } from "danfojs-node";
import { escapeHtml, showHtml, TABLE_STYLE } from "../display/html";
import { mean, median, sd, sem } from "../stats";

/** One row of a result table: flat, JSON-serialisable values. */
export type Scalar = number | string | boolean | null;
export type RecordRow = Record<string, Scalar>;

/**
 * Any danfo DataFrame, as the helpers below take it: its column names and its rows. danfojs-node's `DataFrame` (what
 * `toFrame`, `summarize` and `runsFrame` return) and danfojs-base's (what danfo's own methods return: `query`,
 * `groupby(…).agg/mean/…`, `sortValues`, `loc`, `head`…; danfojs-node declares them with its base class, whose
 * `toCSV` differs) are two unrelated types to TypeScript, so every helper that takes a frame takes this structural
 * type, which both satisfy: `sk.showTable(df.query(…))` type-checks without a cast. Helpers return danfojs-node's
 * `DataFrame`, with all of danfo's methods.
 */
export interface FrameLike {
  readonly columns: string[];
  /** One row per entry (danfo's `values` of a DataFrame is always two-dimensional). */
  readonly values: readonly unknown[];
}

type Danfo = typeof import("danfojs-node");
let danfo: Danfo | null = null;
/** The danfojs-node module (loaded on first use). */
export function dfd(): Danfo {
  if (!danfo) danfo = require("danfojs-node") as Danfo;
  return danfo;
}

/** Records → DataFrame. Every record must have the same keys; missing values are null. */
export function toFrame(records: RecordRow[], columns?: string[]): DataFrame {
  if (records.length === 0) throw new Error("toFrame: no records (a DataFrame needs at least one row)");
  const cols = columns ?? Array.from(new Set(records.flatMap((r) => Object.keys(r))));
  const rows = records.map((r) => cols.map((c) => (r[c] === undefined ? null : r[c])));
  return new (dfd().DataFrame)(rows, { columns: cols });
}

/** DataFrame → records (the inverse of `toFrame`). */
export function fromFrame(df: FrameLike): RecordRow[] {
  const cols = df.columns;
  const values = df.values as Scalar[][];
  return values.map((row) => Object.fromEntries(cols.map((c, j) => [c, row[j] ?? null])));
}

/**
 * Per-group statistics of one numeric column: n, mean, std (sample, n−1), sem = std/√n, min, median, max.
 * Non-finite values (e.g. Infinity for "never reached") are counted in `nonFinite` and left out of the moments.
 * Computed from the frame's rows so the definition is explicit; returned as a DataFrame sorted by the group key.
 */
export function summarize(df: FrameLike, by: string | string[], column: string): DataFrame {
  const keys = Array.isArray(by) ? by : [by];
  const groups = new Map<string, { key: RecordRow; values: number[]; nonFinite: number }>();
  for (const row of fromFrame(df)) {
    const key: RecordRow = Object.fromEntries(keys.map((k) => [k, row[k]]));
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, values: [], nonFinite: 0 }));
    const v = row[column];
    if (typeof v === "number" && Number.isFinite(v)) g.values.push(v);
    else g.nonFinite++;
  }
  const out: RecordRow[] = [];
  for (const id of Array.from(groups.keys()).sort()) {
    const { key, values, nonFinite } = groups.get(id)!;
    const n = values.length;
    out.push({
      ...key,
      n,
      nonFinite,
      mean: mean(values),
      std: sd(values),
      sem: sem(values),
      min: n ? Math.min(...values) : NaN,
      median: median(values),
      max: n ? Math.max(...values) : NaN,
    });
  }
  return toFrame(out);
}

/** An HTML table of a DataFrame (numbers to `digits` significant digits), for notebook display. */
export function frameHtml(df: FrameLike, digits = 4): string {
  const cols = df.columns;
  const fmt = (v: Scalar): string =>
    typeof v === "number"
      ? Number.isInteger(v)
        ? String(v)
        : Number.isFinite(v)
          ? v.toPrecision(digits)
          : String(v)
      : v === null
        ? ""
        : escapeHtml(String(v));
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = (df.values as Scalar[][]).map((r) => `<tr>${r.map((v) => `<td>${fmt(v)}</td>`).join("")}</tr>`).join("");
  return `${TABLE_STYLE}<table class="skiplab-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Shows a table in the notebook: rows (plain records, turned into a DataFrame) or a DataFrame, numbers to `digits`
 * significant digits. The one call notebooks use for tables.
 */
export function showTable(table: RecordRow[] | FrameLike, digits = 4): void {
  const df = Array.isArray(table) ? toFrame(table) : table;
  showHtml(frameHtml(df, digits));
}
