/**
 * How a claim gets its verdict: pre-registered criteria, each judged from an estimate with its confidence interval
 * and p-value, combined by one fixed rule.
 *
 * A criterion predicts the sign of an effect (a difference, a slope, a correlation) and names, in advance, the
 * significance level α and the smallest effect of interest (SESOI, ≥ 0, in the estimate's units). Its outcome:
 *   pass          p < α and the estimate has the predicted sign;
 *   fail          the whole confidence interval lies short of the SESOI on the predicted side (the effect is
 *                 confidently absent, too small to matter, or reversed);
 *   inconclusive  neither: the data cannot tell (too few seeds for the noise), the usual case at small n.
 * A claim's verdict from its criteria' outcomes:
 *   reproduced          every criterion passed;
 *   partly reproduced   some passed, not all;
 *   not reproduced      none passed and at least one failed;
 *   inconclusive        none passed and none failed, or the claim's manipulation check did not take;
 *   not tested          the claim was not run (e.g. at this scale).
 * A manipulation check or an identity is a sanity check (`kind: "sanity"`): it gets a verdict by the same rule but
 * is reported apart from the paper's claims.
 */

import { bootstrapCI, quantile, signFlipTest, welch } from "../stats";
import { Rng, subSeed } from "../util/random";

export type Verdict = "reproduced" | "partly reproduced" | "not reproduced" | "inconclusive" | "not tested";
export const VERDICTS: readonly Verdict[] = [
  "reproduced",
  "partly reproduced",
  "not reproduced",
  "inconclusive",
  "not tested",
];

export type Outcome = "pass" | "fail" | "inconclusive";

/** What a criterion predicts, fixed before any result is seen. */
export interface Expectation {
  /** The predicted sign of the estimate. */
  direction: "positive" | "negative";
  /** Significance level (e.g. 0.05). */
  alpha: number;
  /** Smallest effect of interest, in the estimate's units (≥ 0). */
  sesoi: number;
}

/** An estimate with its two-sided confidence interval and p-value (from Welch, a permutation test, a bootstrap…). */
export interface EffectEstimate {
  estimate: number;
  lo: number;
  hi: number;
  p: number;
  /** The test and interval used, for the reader, e.g. "Welch t (df 6.3), 95 % t interval". */
  test: string;
}

/** A criterion's outcome from its estimate (see the module comment). Non-finite numbers are inconclusive. */
export function judge(e: EffectEstimate, x: Expectation): Outcome {
  if (!(x.sesoi >= 0) || !(x.alpha > 0 && x.alpha < 1)) {
    throw new Error(`judge: SESOI must be ≥ 0 and α in (0, 1), got SESOI ${x.sesoi}, α ${x.alpha}`);
  }
  const s = x.direction === "positive" ? 1 : -1;
  const est = s * e.estimate;
  // the interval's far end on the predicted side
  const far = s === 1 ? e.hi : -e.lo;
  if (!Number.isFinite(est) || Number.isNaN(far)) return "inconclusive";
  if (Number.isFinite(e.p) && e.p < x.alpha && est > 0) return "pass";
  if (far < x.sesoi) return "fail";
  return "inconclusive";
}

/** A claim's verdict from its criteria's outcomes (module comment); `manipulationTook: false` makes it inconclusive. */
export function claimVerdict(outcomes: readonly Outcome[], manipulationTook = true): Verdict {
  if (outcomes.length === 0) throw new Error("claimVerdict: a claim needs at least one criterion");
  if (!manipulationTook) return "inconclusive";
  const pass = outcomes.filter((o) => o === "pass").length;
  const fail = outcomes.filter((o) => o === "fail").length;
  if (pass === outcomes.length) return "reproduced";
  if (pass > 0) return "partly reproduced";
  return fail > 0 ? "not reproduced" : "inconclusive";
}

/** Welch's test of mean(a) − mean(b) as an estimate for `judge`: the difference, its 95 % t interval and p. */
export function welchEffect(a: readonly number[], b: readonly number[]): EffectEstimate {
  const w = welch(a, b);
  return {
    estimate: w.diff,
    lo: w.lo,
    hi: w.hi,
    p: w.p,
    test: `Welch t = ${w.t.toFixed(2)}, df ${w.df.toFixed(1)}, n = ${w.na} + ${w.nb}`,
  };
}

/**
 * A paired effect for `judge`: the mean of paired differences d (e.g. plain − residual from the same
 * initialisation), its 95 % percentile bootstrap interval over pairs and the sign-flip permutation p.
 */
export function pairedEffect(d: readonly number[], seed = 0): EffectEstimate {
  const t = signFlipTest(d, { seed });
  const ci = bootstrapCI(d, { seed, resamples: 4000 });
  return {
    estimate: t.statistic,
    lo: ci.lo,
    hi: ci.hi,
    p: t.p,
    test: `paired sign-flip test (${t.exact ? "exact" : "10000 permutations"}), 95 % bootstrap interval, n = ${t.n} pairs`,
  };
}

/**
 * A statistic of one sample minus a null value, for `judge`: its 95 % percentile bootstrap interval and a two-sided
 * bootstrap p (twice the smaller share of resampled estimates on either side of 0, plus 1/B).
 */
export function bootstrapEffect(
  x: readonly number[],
  statistic: (x: readonly number[]) => number,
  nullValue: number,
  o: { seed?: number; what?: string } = {},
): EffectEstimate {
  const B = 4000;
  const data = x.filter(Number.isFinite);
  const rng = new Rng(subSeed(o.seed ?? 0, "bootstrap-effect"));
  const boots: number[] = [];
  for (let r = 0; r < B; r++) {
    const s: number[] = [];
    for (let k = 0; k < data.length; k++) s.push(data[rng.int(data.length)]);
    boots.push(statistic(s) - nullValue);
  }
  const finiteBoots = boots.filter(Number.isFinite);
  const share = finiteBoots.filter((v) => v <= 0).length / finiteBoots.length;
  return {
    estimate: statistic(data) - nullValue,
    lo: quantile(finiteBoots, 0.025),
    hi: quantile(finiteBoots, 0.975),
    p: Math.min(1, 2 * Math.min(share, 1 - share) + 1 / B),
    test: `bootstrap over ${data.length} ${o.what ?? "values"} (${B} resamples), 95 % percentile interval`,
  };
}

/**
 * A deterministic quantity (no sampling: an exact float64 computation) as an estimate for `judge`: the interval
 * is the value itself and p is 0, so the criterion passes or fails on the sign alone.
 */
export function exactEffect(value: number, what = "exact float64 computation, no sampling"): EffectEstimate {
  return { estimate: value, lo: value, hi: value, p: Number.isFinite(value) ? 0 : NaN, test: what };
}
