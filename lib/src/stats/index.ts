/**
 * The statistics every claim check uses, in one place: summaries (mean, sample s.d., s.e.m., median, quantiles),
 * Welch's unequal-variance t-test with its confidence interval, the within-group (fixed-effects) slope, permutation tests for a difference of means and for Spearman's ρ (both optionally
 * within groups, so that runs sharing a group are never exchanged across groups), and seeded percentile bootstrap
 * confidence intervals (optionally resampling whole groups). Non-finite values are dropped by the functions that
 * take samples, and counted where a caller needs to know.
 *
 * Checked against scipy.stats and numpy (tests/stats): ttest_ind(equal_var=False), t.sf, t.ppf, spearmanr, a
 * least-squares fit with group dummies, and exact enumeration of small permutation distributions.
 */
import { Rng, subSeed } from "../util/random";

/** The finite values of a sample. */
export function finite(x: readonly number[]): number[] {
  return x.filter((v) => Number.isFinite(v));
}

export function mean(x: readonly number[]): number {
  return x.length ? x.reduce((a, b) => a + b, 0) / x.length : NaN;
}

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than 2 values. */
export function sd(x: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
}

/** Standard error of the mean, sd/√n; NaN for fewer than 2 values. */
export function sem(x: readonly number[]): number {
  return x.length > 1 ? sd(x) / Math.sqrt(x.length) : NaN;
}

/** Linear-interpolation quantile (numpy's default, type 7), q in [0, 1]. */
export function quantile(x: readonly number[], q: number): number {
  if (!x.length) return NaN;
  const s = [...x].sort((a, b) => a - b);
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

export function median(x: readonly number[]): number {
  const n = x.length;
  if (!n) return NaN;
  const s = [...x].sort((a, b) => a - b);
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * The lower median: the ⌊(n − 1)/2⌋-th smallest value (an observed value even for even n, so it is defined for
 * samples holding ±Infinity, e.g. "never reached" times).
 */
export function lowerMedian(x: readonly number[]): number {
  if (!x.length) return NaN;
  return [...x].sort((a, b) => a - b)[Math.floor((x.length - 1) / 2)];
}

/** Average ranks (1-based; ties get the mean of their ranks). */
export function ranks(x: readonly number[]): number[] {
  const idx = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson's correlation; NaN when either variable is constant. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

// ---- distributions -------------------------------------------------------------------------------------------

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-14). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const lnFront = a * Math.log(x) + b * Math.log(1 - x) - logGamma(a) - logGamma(b) + logGamma(a + b);
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < tiny ? tiny : d;
  d = 1 / d;
  f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = 1 + num / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return (Math.exp(lnFront) * f) / a;
}

/** Two-sided tail probability of Student's t with `df` degrees of freedom: P(|T| ≥ |t|). */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The critical value of a two-sided interval: the t with P(|T| ≥ t) = 1 − level, for `df` degrees of freedom
 * (e.g. 12.706 for level 0.95 and df 1; 1.960 as df → ∞). Bisection on `studentTTwoSided`, to 1e-12 relative.
 */
export function studentTCritical(level: number, df: number): number {
  if (!(level > 0 && level < 1) || !(df > 0)) return NaN;
  const target = 1 - level;
  let lo = 0;
  let hi = 1;
  while (studentTTwoSided(hi, df) > target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---- tests ---------------------------------------------------------------------------------------------------

export interface WelchResult {
  /** mean(a) − mean(b). */
  diff: number;
  /** Standard error of the difference, √(s_a²/n_a + s_b²/n_b). */
  se: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** Confidence interval of the difference, diff ± t_crit(level, df)·se. */
  lo: number;
  hi: number;
  level: number;
  na: number;
  nb: number;
}

/**
 * Welch's two-sample t-test (unequal variances) on the finite values of a and b, with a `level` (default 0.95)
 * confidence interval of mean(a) − mean(b); needs ≥ 2 values in each.
 */
export function welch(a: readonly number[], b: readonly number[], level = 0.95): WelchResult {
  const x = finite(a);
  const y = finite(b);
  const diff = mean(x) - mean(y);
  const va = x.length > 1 ? sd(x) ** 2 / x.length : NaN;
  const vb = y.length > 1 ? sd(y) ** 2 / y.length : NaN;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (x.length - 1) + vb ** 2 / (y.length - 1));
  let t = diff / se;
  if (se === 0) t = diff === 0 ? NaN : Math.sign(diff) * Infinity;
  const half = se === 0 ? 0 : studentTCritical(level, df) * se;
  return {
    diff,
    se,
    t,
    df,
    p: se === 0 ? (diff === 0 ? NaN : 0) : studentTTwoSided(t, df),
    lo: diff - half,
    hi: diff + half,
    level,
    na: x.length,
    nb: y.length,
  };
}

/** Group labels: runs with the same label are exchangeable with each other only. */
export type Groups = readonly (string | number)[];

/** Indices by group (in first-seen order), or one group of all indices. */
function strata(n: number, groups?: Groups): number[][] {
  if (!groups) return [Array.from({ length: n }, (_, i) => i)];
  if (groups.length !== n) throw new Error(`groups has ${groups.length} labels for ${n} values`);
  const by = new Map<string | number, number[]>();
  groups.forEach((g, i) => {
    const list = by.get(g);
    if (list) list.push(i);
    else by.set(g, [i]);
  });
  return [...by.values()];
}

/** `values` with each stratum's entries shuffled among themselves. */
function shuffleWithin<T>(values: readonly T[], parts: number[][], rng: Rng): T[] {
  const out = [...values];
  for (const part of parts) {
    const perm = rng.permutation(part.length);
    for (let k = 0; k < part.length; k++) out[part[k]] = values[part[perm[k]]];
  }
  return out;
}

export interface PermutationOptions {
  /** Number of seeded random permutations (default 10000). */
  permutations?: number;
  seed?: number;
  /** Exchange values only within these groups (one label per value, in the order of the pooled data). */
  groups?: Groups;
}

export interface PermutationResult {
  statistic: number;
  /** Two-sided p = (1 + #{|T_perm| ≥ |T|}) / (1 + permutations). */
  p: number;
  permutations: number;
}

/**
 * Permutation test of mean(a) − mean(b): labels are reshuffled (within `groups`, which then label a followed by b),
 * two-sided. Non-finite values are dropped together with their group labels.
 */
export function permutationTest(
  a: readonly number[],
  b: readonly number[],
  o: PermutationOptions = {},
): PermutationResult {
  const pooledAll = [...a, ...b];
  const keep = pooledAll.map((v) => Number.isFinite(v));
  const pooled = pooledAll.filter((_, i) => keep[i]);
  const isA = pooledAll.map((_, i) => i < a.length).filter((_, i) => keep[i]);
  const groups = o.groups?.filter((_, i) => keep[i]);
  const stat = (labels: readonly boolean[]) => {
    let sa = 0;
    let na = 0;
    let sb = 0;
    let nb = 0;
    labels.forEach((l, i) => (l ? ((sa += pooled[i]), na++) : ((sb += pooled[i]), nb++)));
    return sa / na - sb / nb;
  };
  const observed = stat(isA);
  const perms = o.permutations ?? 10000;
  const rng = new Rng(subSeed(o.seed ?? 0, "permutation-test"));
  const parts = strata(pooled.length, groups);
  let hits = 0;
  for (let t = 0; t < perms; t++)
    if (Math.abs(stat(shuffleWithin(isA, parts, rng))) >= Math.abs(observed) - 1e-12) hits++;
  return { statistic: observed, p: (1 + hits) / (1 + perms), permutations: perms };
}

export interface SpearmanResult {
  rho: number;
  /** Two-sided permutation p-value; NaN when ρ is undefined. */
  p: number;
  /** Finite pairs used. */
  n: number;
}

/**
 * Spearman's ρ (Pearson correlation of average ranks) of the finite pairs, with a two-sided permutation p-value:
 * p = (1 + #{|ρ_perm| ≥ |ρ|}) / (1 + permutations), from seeded shuffles of y (within `groups` when given, so a
 * correlation carried by group differences alone is not counted as evidence). Fewer than 3 pairs: NaN.
 */
export function spearman(x: readonly number[], y: readonly number[], o: PermutationOptions = {}): SpearmanResult {
  const keep = x.map((v, i) => Number.isFinite(v) && Number.isFinite(y[i]));
  const pairs = x.map((v, i) => [v, y[i]] as const).filter((_, i) => keep[i]);
  const n = pairs.length;
  if (n < 3) return { rho: NaN, p: NaN, n };
  const rx = ranks(pairs.map((p) => p[0]));
  const ry = ranks(pairs.map((p) => p[1]));
  const rho = pearson(rx, ry);
  const perms = o.permutations ?? 2000;
  const rng = new Rng(subSeed(o.seed ?? 0, "spearman"));
  // Without groups the one stratum is every pair, and shuffling it is exactly one seeded permutation of y.
  const parts = strata(
    n,
    o.groups?.filter((_, i) => keep[i]),
  );
  let hits = 0;
  for (let t = 0; t < perms; t++)
    if (Math.abs(pearson(rx, shuffleWithin(ry, parts, rng))) >= Math.abs(rho) - 1e-12) hits++;
  return { rho, p: Number.isNaN(rho) ? NaN : (1 + hits) / (1 + perms), n };
}

export interface BootstrapOptions {
  /** Resamples (default 10000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  seed?: number;
  /** Resample whole groups (cluster bootstrap) instead of single values. */
  groups?: Groups;
}

export interface BootstrapResult {
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  resamples: number;
}

/** Percentile bootstrap confidence interval of `statistic` over one sample (default statistic: the mean). */
export function bootstrapCI(
  x: readonly number[],
  o: BootstrapOptions & { statistic?: (x: readonly number[]) => number } = {},
): BootstrapResult {
  const keep = x.map((v) => Number.isFinite(v));
  const data = x.filter((_, i) => keep[i]);
  const statistic = o.statistic ?? mean;
  const parts = strata(
    data.length,
    o.groups?.filter((_, i) => keep[i]),
  );
  const B = o.resamples ?? 10000;
  const level = o.level ?? 0.95;
  const rng = new Rng(subSeed(o.seed ?? 0, "bootstrap"));
  const stats: number[] = [];
  for (let r = 0; r < B; r++) {
    const sample: number[] = [];
    if (o.groups)
      for (let k = 0; k < parts.length; k++) for (const i of parts[rng.int(parts.length)]) sample.push(data[i]);
    else for (let k = 0; k < data.length; k++) sample.push(data[rng.int(data.length)]);
    stats.push(statistic(sample));
  }
  const alpha = (1 - level) / 2;
  return { estimate: statistic(data), lo: quantile(stats, alpha), hi: quantile(stats, 1 - alpha), level, resamples: B };
}

/** Percentile bootstrap interval of mean(a) − mean(b), resampling each sample independently. */
export function bootstrapDiffCI(
  a: readonly number[],
  b: readonly number[],
  o: Omit<BootstrapOptions, "groups"> = {},
): BootstrapResult {
  const x = finite(a);
  const y = finite(b);
  const B = o.resamples ?? 10000;
  const level = o.level ?? 0.95;
  const rng = new Rng(subSeed(o.seed ?? 0, "bootstrap-diff"));
  const draw = (v: number[]) => {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += v[rng.int(v.length)];
    return s / v.length;
  };
  const stats: number[] = [];
  for (let r = 0; r < B; r++) stats.push(draw(x) - draw(y));
  const alpha = (1 - level) / 2;
  return {
    estimate: mean(x) - mean(y),
    lo: quantile(stats, alpha),
    hi: quantile(stats, 1 - alpha),
    level,
    resamples: B,
  };
}

export interface WithinGroupSlopeResult {
  /** Least-squares slope of y on x with one intercept per group (x and y centred within each group). */
  slope: number;
  /** Its standard error and t-based confidence interval, with df = n − groups − 1. */
  se: number;
  lo: number;
  hi: number;
  level: number;
  df: number;
  /** Two-sided p from the t distribution. */
  pT: number;
  /** Two-sided permutation p: x shuffled within each group, the slope recomputed. */
  p: number;
  permutations: number;
  /** Finite pairs used, and the groups they fall in. */
  n: number;
  groups: number;
}

/**
 * Is y related to x *within* groups? The slope of y on x with a separate intercept for every group (a fixed-effects
 * regression: what the groups differ by, e.g. architecture and depth, cannot carry it), with a t-based interval and
 * a permutation p-value that shuffles x only within groups. Groups with one pair contribute nothing. Non-finite
 * pairs are dropped with their labels.
 */
export function withinGroupSlope(
  x: readonly number[],
  y: readonly number[],
  groups: Groups,
  o: { permutations?: number; seed?: number; level?: number } = {},
): WithinGroupSlopeResult {
  if (x.length !== y.length || groups.length !== x.length)
    throw new Error(`withinGroupSlope: x, y and groups differ in length (${x.length}, ${y.length}, ${groups.length})`);
  const keep = x.map((v, i) => Number.isFinite(v) && Number.isFinite(y[i]));
  const xs = x.filter((_, i) => keep[i]);
  const ys = y.filter((_, i) => keep[i]);
  const parts = strata(
    xs.length,
    groups.filter((_, i) => keep[i]),
  );
  const centre = (v: readonly number[]) => {
    const out = [...v];
    for (const part of parts) {
      const m = mean(part.map((i) => v[i]));
      for (const i of part) out[i] = v[i] - m;
    }
    return out;
  };
  const yc = centre(ys);
  const slopeOf = (xv: readonly number[]) => {
    const xc = centre(xv);
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < xc.length; i++) {
      sxy += xc[i] * yc[i];
      sxx += xc[i] * xc[i];
    }
    return { slope: sxy / sxx, sxx, xc };
  };
  const level = o.level ?? 0.95;
  const { slope, sxx, xc } = slopeOf(xs);
  const n = xs.length;
  const g = parts.length;
  const df = n - g - 1;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (yc[i] - slope * xc[i]) ** 2;
  const se = df > 0 ? Math.sqrt(rss / df / sxx) : NaN;
  const half = studentTCritical(level, df) * se;
  const perms = o.permutations ?? 10000;
  const rng = new Rng(subSeed(o.seed ?? 0, "within-group-slope"));
  let hits = 0;
  if (Number.isFinite(slope))
    for (let t = 0; t < perms; t++)
      if (Math.abs(slopeOf(shuffleWithin(xs, parts, rng)).slope) >= Math.abs(slope) - 1e-12) hits++;
  return {
    slope,
    se,
    lo: slope - half,
    hi: slope + half,
    level,
    df,
    pT: df > 0 && se > 0 ? studentTTwoSided(slope / se, df) : NaN,
    p: Number.isFinite(slope) ? (1 + hits) / (1 + perms) : NaN,
    permutations: perms,
    n,
    groups: g,
  };
}

export interface SignFlipResult {
  /** Mean of the finite paired differences. */
  statistic: number;
  /** Two-sided p: exact over all 2^n sign patterns for n ≤ 16, else (1 + hits)/(1 + permutations). */
  p: number;
  n: number;
  exact: boolean;
}

/**
 * Paired sign-flip permutation test of mean(d) = 0 for paired differences d (H0: each d_i is symmetric about 0,
 * e.g. two conditions run from the same initialisation). Non-finite differences are dropped; zeros count (they
 * never change sign). Exact enumeration up to 16 pairs, seeded Monte Carlo beyond.
 */
export function signFlipTest(d: readonly number[], o: PermutationOptions = {}): SignFlipResult {
  const x = d.filter(Number.isFinite);
  const n = x.length;
  if (n === 0) return { statistic: NaN, p: NaN, n, exact: true };
  const observed = Math.abs(x.reduce((a, b) => a + b, 0));
  const tol = 1e-12 * Math.max(1, observed);
  if (n <= 16) {
    let hits = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -x[i] : x[i];
      if (Math.abs(s) >= observed - tol) hits++;
    }
    return { statistic: observed === 0 ? 0 : x.reduce((a, b) => a + b, 0) / n, p: hits / total, n, exact: true };
  }
  const perms = o.permutations ?? 10000;
  const rng = new Rng(subSeed(o.seed ?? 0, "sign-flip"));
  let hits = 0;
  for (let t = 0; t < perms; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.uniform() < 0.5 ? -x[i] : x[i];
    if (Math.abs(s) >= observed - tol) hits++;
  }
  return { statistic: x.reduce((a, b) => a + b, 0) / n, p: (1 + hits) / (1 + perms), n, exact: false };
}
