/**
 * The stats module against scipy.stats and numpy (an independent implementation, run in a subprocess on the same
 * seeded samples), against exact enumeration for permutation tests, and on cases built to show what group-aware
 * tests are for.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  bootstrapCI,
  bootstrapDiffCI,
  mean,
  median,
  pearson,
  permutationTest,
  quantile,
  ranks,
  sd,
  sem,
  signFlipTest,
  spearman,
  studentTCritical,
  studentTTwoSided,
  welch,
  withinGroupSlope,
} from "../../lib/src/stats";
import { Rng } from "../../lib/src/util/random";
import { bootstrapEffect, exactEffect, judge, pairedEffect } from "../../lib/src/report/verdict";
import { needs, pythonWith } from "../support/requirements";

const scipy = pythonWith("scipy.stats", "numpy");
const withScipy = needs(
  scipy !== null,
  "a Python with scipy and numpy (Debian: python3-scipy, which scripts/setup.sh installs)",
);

function sample(seed: number, n: number, mu = 0, sigma = 1): number[] {
  return Array.from(new Rng(seed).normals(n, mu, sigma));
}

/** Runs a Python snippet that reads JSON `data` from argv and prints JSON. */
function py(script: string, data: unknown): any {
  const r = spawnSync(
    scipy!,
    [
      "-c",
      `import json, sys\nimport numpy as np\nfrom scipy import stats\ndata = json.loads(sys.argv[1])\n${script}`,
      JSON.stringify(data),
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const close = (got: number, want: number, rel: number) =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(want)));

describe("summaries", () => {
  it("small exact cases", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(sem([1, 3])).toBeCloseTo(1, 14);
    expect(sd([1])).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 14);
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(pearson([1, 2, 3], [2, 2, 2])).toBeNaN();
  });

  withScipy("mean, s.d., s.e.m., quantiles and Pearson match numpy/scipy", () => {
    const x = sample(1, 37, 3, 2);
    const y = x.map((v, i) => v + sample(2, 37)[i]);
    const ref = py(
      `x = np.array(data["x"]); y = np.array(data["y"])
print(json.dumps([x.mean(), x.std(ddof=1), stats.sem(x), np.quantile(x, 0.1), np.quantile(x, 0.9), np.median(x), stats.pearsonr(x, y)[0]]))`,
      { x, y },
    );
    const ours = [mean(x), sd(x), sem(x), quantile(x, 0.1), quantile(x, 0.9), median(x), pearson(x, y)];
    ours.forEach((v, i) => close(v, ref[i], 1e-12));
  });
});

describe("Welch's t-test", () => {
  withScipy("t, degrees of freedom and p match scipy.stats.ttest_ind(equal_var=False)", () => {
    const cases = [
      [sample(3, 8, 0.5), sample(4, 12, 0, 2)],
      [sample(5, 3, 1), sample(6, 3, 0)],
      [sample(7, 40, 0.1, 0.5), sample(8, 25, 0, 1.5)],
    ];
    const ref = py(
      `out = []
for a, b in data:
    a = np.array(a); b = np.array(b)
    r = stats.ttest_ind(a, b, equal_var=False)
    va = a.var(ddof=1) / len(a); vb = b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    out.append([float(r.statistic), float(r.pvalue), df])
print(json.dumps(out))`,
      cases,
    );
    cases.forEach(([a, b], i) => {
      const w = welch(a, b);
      close(w.t, ref[i][0], 1e-12);
      close(w.p, ref[i][1], 1e-9);
      close(w.df, ref[i][2], 1e-12);
    });
  });

  withScipy("the confidence interval is diff ± t.ppf((1 + level)/2, df)·se, as scipy computes it", () => {
    const cases = [
      [sample(11, 5, 0.4), sample(12, 6, 0, 2)],
      [sample(13, 3, 1), sample(14, 3, 0)],
    ];
    const ref = py(
      `out = []
for a, b in data:
    a = np.array(a); b = np.array(b)
    va = a.var(ddof=1) / len(a); vb = b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    d = a.mean() - b.mean(); h = stats.t.ppf(0.975, df) * np.sqrt(va + vb); h9 = stats.t.ppf(0.95, df) * np.sqrt(va + vb)
    out.append([d - h, d + h, d - h9, d + h9])
print(json.dumps(out))`,
      cases,
    );
    cases.forEach(([a, b], i) => {
      const w = welch(a, b);
      close(w.lo, ref[i][0], 1e-9);
      close(w.hi, ref[i][1], 1e-9);
      const w90 = welch(a, b, 0.9);
      close(w90.lo, ref[i][2], 1e-9);
      close(w90.hi, ref[i][3], 1e-9);
    });
  });

  withScipy("the critical t matches scipy's t.ppf over levels and degrees of freedom", () => {
    const grid: Array<[number, number]> = [];
    for (const df of [1, 2, 2.6, 5, 30, 1e4]) for (const level of [0.8, 0.9, 0.95, 0.99]) grid.push([level, df]);
    const ref = py("print(json.dumps([stats.t.ppf((1 + l) / 2, df) for l, df in data]))", grid);
    // 1e-7: the inverse is ill-conditioned in the heavy tails (df 1, level 0.99: t = 63.7), where scipy versions
    // themselves differ by ~1e-9 relative
    grid.forEach(([level, df], i) => close(studentTCritical(level, df), ref[i], 1e-7));
    expect(studentTCritical(0.95, 1)).toBeCloseTo(12.7062, 4);
  });

  withScipy("the t tail probability matches scipy's t.sf over a grid of t and df", () => {
    const grid: Array<[number, number]> = [];
    for (const df of [1, 2, 3.7, 10, 57.3, 1000]) for (const t of [0, 0.3, 1, 2.5, 6, 30]) grid.push([t, df]);
    const ref = py("print(json.dumps([2 * stats.t.sf(abs(t), df) for t, df in data]))", grid);
    grid.forEach(([t, df], i) => close(studentTTwoSided(t, df), ref[i], 1e-9));
  });

  it("drops non-finite values and reports the sample sizes; identical constant samples give NaN", () => {
    const w = welch([1, 2, NaN, 3], [4, 5, Infinity, 6]);
    expect([w.na, w.nb, w.diff]).toEqual([3, 3, -3]);
    expect(welch([1, 1], [1, 1]).p).toBeNaN();
    expect(welch([1, 1], [2, 2]).p).toBe(0);
  });
});

describe("permutation tests", () => {
  it("the difference-of-means p agrees with the exact p from all 70 splits of 4 + 4 values", () => {
    const a = [3.1, 2.4, 4.0, 3.6];
    const b = [2.2, 1.9, 3.0, 2.5];
    const pooled = [...a, ...b];
    const obs = mean(a) - mean(b);
    let hits = 0;
    let total = 0;
    for (let mask = 0; mask < 256; mask++) {
      if (mask.toString(2).split("1").length - 1 !== 4) continue;
      const x = pooled.filter((_, i) => mask & (1 << i));
      const y = pooled.filter((_, i) => !(mask & (1 << i)));
      total++;
      if (Math.abs(mean(x) - mean(y)) >= Math.abs(obs) - 1e-12) hits++;
    }
    expect(total).toBe(70);
    const r = permutationTest(a, b, { permutations: 20000, seed: 1 });
    expect(r.statistic).toBeCloseTo(obs, 14);
    expect(Math.abs(r.p - hits / total)).toBeLessThan(0.01);
  });

  it("within groups, a difference carried by the groups is not significant; pooled it is", () => {
    // Group g shifts every value by 3g; a draws mostly from high groups, b from low ones; within a group a ≈ b.
    const a: number[] = [];
    const b: number[] = [];
    const ga: number[] = [];
    const gb: number[] = [];
    const rng = new Rng(9);
    for (let g = 0; g < 4; g++) {
      const na = 1 + g * 2;
      const nb = 7 - g * 2;
      for (let k = 0; k < na; k++) (a.push(3 * g + rng.normal() * 0.3), ga.push(g));
      for (let k = 0; k < nb; k++) (b.push(3 * g + rng.normal() * 0.3), gb.push(g));
    }
    expect(permutationTest(a, b, { seed: 2, permutations: 4000 }).p).toBeLessThan(0.01);
    expect(permutationTest(a, b, { seed: 2, permutations: 4000, groups: [...ga, ...gb] }).p).toBeGreaterThan(0.1);
  });

  withScipy("Spearman's ρ matches scipy.stats.spearmanr, ties included", () => {
    const x = [1, 2, 2, 3, 5, 8, 8, 9, 12, 13];
    const y = [2, 1, 4, 3, 7, 7, 9, 8, 15, 11];
    const ref = py("print(json.dumps(float(stats.spearmanr(data[0], data[1])[0])))", [x, y]);
    const r = spearman(x, y, { permutations: 5000, seed: 3 });
    close(r.rho, ref, 1e-12);
    expect(r.n).toBe(10);
    expect(r.p).toBeLessThan(0.01);
  });

  it("Spearman within groups: a correlation that only the group means carry is not evidence", () => {
    const x: number[] = [];
    const y: number[] = [];
    const g: number[] = [];
    const rng = new Rng(11);
    for (let k = 0; k < 5; k++)
      for (let j = 0; j < 6; j++) (x.push(k + rng.normal() * 0.1), y.push(k + rng.normal() * 0.1), g.push(k));
    // ... but inside each group x and y are independent noise
    expect(spearman(x, y, { seed: 4 }).p).toBeLessThan(0.01);
    expect(spearman(x, y, { seed: 4, groups: g }).p).toBeGreaterThan(0.05);
    expect(spearman([1, 2], [3, 4]).rho).toBeNaN();
    expect(spearman([1, 1, 1, 1], [1, 2, 3, 4]).p).toBeNaN();
  });
});

describe("bootstrap confidence intervals", () => {
  it("the 95 % percentile interval of a mean covers the true mean about 95 % of the time", () => {
    let covered = 0;
    for (let s = 0; s < 200; s++) {
      const ci = bootstrapCI(sample(100 + s, 30, 1, 2), { resamples: 1000, seed: s });
      if (ci.lo <= 1 && 1 <= ci.hi) covered++;
    }
    // percentile intervals undercover slightly at n = 30; a binomial 99 % band around 0.93 is about ±0.05
    expect(covered / 200).toBeGreaterThan(0.87);
    expect(covered / 200).toBeLessThan(0.99);
  });

  it("its width is close to 2·1.96·s.e.m. for a normal sample; the difference interval to 2·1.96·√(sem_a² + sem_b²)", () => {
    const x = sample(5, 200, 0, 3);
    const ci = bootstrapCI(x, { resamples: 4000, seed: 1 });
    expect(ci.estimate).toBe(mean(x));
    close(ci.hi - ci.lo, 2 * 1.96 * sem(x), 0.1);
    const y = sample(6, 150, 1, 1);
    const d = bootstrapDiffCI(x, y, { resamples: 4000, seed: 2 });
    close(d.hi - d.lo, 2 * 1.96 * Math.hypot(sem(x), sem(y)), 0.1);
    expect(d.estimate).toBeCloseTo(mean(x) - mean(y), 14);
  });

  it("resampling whole groups widens the interval when values within a group are alike", () => {
    const x: number[] = [];
    const g: number[] = [];
    const rng = new Rng(12);
    for (let k = 0; k < 8; k++) {
      const shift = rng.normal() * 2;
      for (let j = 0; j < 5; j++) (x.push(shift + rng.normal() * 0.2), g.push(k));
    }
    const iid = bootstrapCI(x, { resamples: 3000, seed: 1 });
    const cluster = bootstrapCI(x, { resamples: 3000, seed: 1, groups: g });
    expect(cluster.hi - cluster.lo).toBeGreaterThan(1.8 * (iid.hi - iid.lo));
    expect(bootstrapCI(x, { seed: 3, resamples: 500 })).toEqual(bootstrapCI(x, { seed: 3, resamples: 500 }));
  });
});

describe("within-group slope", () => {
  /** 4 groups of 5: group offsets in x and y that alone would make a strong pooled correlation. */
  function grouped(seed: number, within: number) {
    const rng = new Rng(seed);
    const x: number[] = [];
    const y: number[] = [];
    const g: string[] = [];
    for (let k = 0; k < 4; k++)
      for (let i = 0; i < 5; i++) {
        const xi = 3 * k + rng.normal();
        x.push(xi);
        y.push(-5 * k + within * (xi - 3 * k) + 0.5 * rng.normal());
        g.push(`g${k}`);
      }
    return { x, y, g };
  }

  withScipy("slope, standard error, interval and t p-value match a least-squares fit with group dummies", () => {
    const { x, y, g } = grouped(21, 0.7);
    const r = withinGroupSlope(x, y, g, { permutations: 200 });
    const ref = py(
      `x = np.array(data["x"]); y = np.array(data["y"]); g = data["g"]
levels = sorted(set(g))
X = np.column_stack([x] + [[1.0 if gi == l else 0.0 for gi in g] for l in levels])
beta, res, rank, sv = np.linalg.lstsq(X, y, rcond=None)
df = len(y) - X.shape[1]
s2 = ((y - X @ beta) ** 2).sum() / df
se = np.sqrt(s2 * np.linalg.inv(X.T @ X)[0, 0])
h = stats.t.ppf(0.975, df) * se
print(json.dumps([beta[0], se, beta[0] - h, beta[0] + h, 2 * stats.t.sf(abs(beta[0] / se), df), df]))`,
      { x, y, g },
    );
    close(r.slope, ref[0], 1e-10);
    close(r.se, ref[1], 1e-10);
    close(r.lo, ref[2], 1e-9);
    close(r.hi, ref[3], 1e-9);
    close(r.pT, ref[4], 1e-8);
    expect(r.df).toBe(ref[5]);
    expect(r.groups).toBe(4);
  });

  it("group differences alone are not evidence: pooled the correlation is strong, within groups there is none", () => {
    const { x, y, g } = grouped(22, 0);
    expect(spearman(x, y).rho).toBeLessThan(-0.7);
    const r = withinGroupSlope(x, y, g, { permutations: 2000 });
    expect(r.p).toBeGreaterThan(0.05);
    expect(r.lo).toBeLessThan(0);
    expect(r.hi).toBeGreaterThan(0);
  });

  it("a real within-group relation is found, with the permutation and t p-values agreeing", () => {
    const { x, y, g } = grouped(23, 0.8);
    const r = withinGroupSlope(x, y, g, { permutations: 2000 });
    expect(r.p).toBeLessThan(0.01);
    expect(r.pT).toBeLessThan(0.01);
    expect(r.lo).toBeGreaterThan(0);
  });

  it("rejects mismatched lengths", () => {
    expect(() => withinGroupSlope([1, 2], [1, 2, 3], ["a", "a"])).toThrow(/differ in length/);
  });
});

describe("paired sign-flip test and the effects built on it", () => {
  withScipy("exact p matches scipy.stats.permutation_test over all sign patterns", () => {
    for (const seed of [1, 2, 3]) {
      const d = sample(40 + seed, 11, 0.4, 1);
      const r = signFlipTest(d);
      expect(r.exact).toBe(true);
      const ref = py(
        "d = np.array(data)\nr = stats.permutation_test((d,), np.mean, permutation_type='samples', n_resamples=np.inf)\nprint(json.dumps(float(r.pvalue)))",
        d,
      );
      close(r.p, ref, 1e-12);
      close(r.statistic, mean(d), 1e-14);
    }
  });

  withScipy("the Monte Carlo p (n > 16) agrees with scipy's exact-distribution estimate within its error", () => {
    const d = sample(50, 40, 0.25, 1);
    const r = signFlipTest(d, { permutations: 20000 });
    expect(r.exact).toBe(false);
    const ref = py(
      "d = np.array(data)\nr = stats.permutation_test((d,), np.mean, permutation_type='samples', n_resamples=200000, random_state=1)\nprint(json.dumps(float(r.pvalue)))",
      d,
    );
    expect(Math.abs(r.p - ref)).toBeLessThan(4 * Math.sqrt((ref * (1 - ref)) / 20000) + 0.002);
  });

  it("pairedEffect, bootstrapEffect and exactEffect feed judge() as documented", () => {
    const strong = pairedEffect(sample(60, 30, 1, 0.5));
    expect(strong.p).toBeLessThan(0.001);
    expect(strong.lo).toBeGreaterThan(0.5);
    expect(judge(strong, { direction: "positive", alpha: 0.05, sesoi: 0.1 })).toBe("pass");
    const none = pairedEffect(sample(61, 30, 0, 0.05));
    expect(judge(none, { direction: "positive", alpha: 0.05, sesoi: 0.2 })).toBe("fail");
    // a median above 3 by about 1: the interval excludes 0, the bootstrap p is small
    const m = bootstrapEffect(sample(62, 60, 4, 1), median, 3, { what: "runs" });
    expect(m.estimate).toBeGreaterThan(0.6);
    expect(m.lo).toBeGreaterThan(0.3);
    expect(m.p).toBeLessThan(0.01);
    expect(m.test).toMatch(/bootstrap over 60 runs/);
    expect(judge(exactEffect(0.2), { direction: "positive", alpha: 0.05, sesoi: 0 })).toBe("pass");
    expect(judge(exactEffect(-0.2), { direction: "positive", alpha: 0.05, sesoi: 0 })).toBe("fail");
    expect(judge(exactEffect(NaN), { direction: "positive", alpha: 0.05, sesoi: 0 })).toBe("inconclusive");
  });
});
