/**
 * Aggregation for paper 1's figures: mean ± s.e.m. over seeds per group (statistics from the stats module).
 */
import { mean, sem } from "../../stats";
import { p1Num } from "./protocol";

/** One group's mean ± standard error of the mean (s.e.m. = sd/√n, sd with n − 1). */
export interface MeanSemRow {
  [key: string]: number | string | null;
  mean: number;
  sem: number;
  n: number;
}

/**
 * Mean ± s.e.m. of `value` over the rows of each group (`by` keys), e.g. over seeds per (arch, epoch). Non-finite
 * values are left out (and counted in `nonFinite`). Groups are sorted by their keys (numbers numerically).
 */
export function meanSem<R extends Record<string, unknown>>(
  rows: readonly R[],
  by: readonly string[],
  value: string,
): MeanSemRow[] {
  const groups = new Map<string, { key: Record<string, number | string | null>; v: number[]; bad: number }>();
  for (const r of rows) {
    const key = Object.fromEntries(by.map((k) => [k, (r[k] ?? null) as number | string | null]));
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, v: [], bad: 0 }));
    const x = p1Num(r[value]);
    if (Number.isFinite(x)) g.v.push(x);
    else g.bad++;
  }
  const out: MeanSemRow[] = [];
  for (const g of groups.values()) {
    out.push({ ...g.key, mean: mean(g.v), sem: sem(g.v), n: g.v.length, nonFinite: g.bad });
  }
  const cmp = (a: unknown, b: unknown) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
  out.sort((a, b) => {
    for (const k of by) {
      const c = cmp(a[k], b[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
  return out;
}

/** Spearman's ρ with a permutation p-value, and average ranks: from the stats module (kept here for notebooks). */
export { ranks, spearman } from "../../stats";
