/**
 * Paper 2's linear-theory notebook (08): its scales, pre-registration and measurement (theory.ts computes; every
 * setting is PROPOSED in docs/spec/p2.md §2.4 item 1, and every threshold is ours).
 *
 * The claims are about deterministic products once the seed is fixed, so a seed is a replicate: the exploration seeds
 * are those the setup was looked at on, the confirmation seeds were not run before this registration.
 *
 * This is the second registration. The first checked T1 (the plain rank against the Lyapunov prediction) with an
 * ad-hoc tolerance of ±2.5 ranks and gave "partly reproduced" on its confirmation seeds 100–107 (largest gap 4). The
 * prediction's own uncertainty is a CLT band (theory.ts `predictedRankBand`); T1 now checks the share of points
 * outside that band, on fresh confirmation seeds 200–207 (the band was looked at on seeds 0–2 and the spent 100–107:
 * 2 of 176 points outside, each by one rank). Nothing else changed.
 */
import { defaultRtol } from "../../linalg/rank";
import type { Measured, Preregistration } from "../../report/prereg";
import { exactEffect, pairedEffect } from "../../report/verdict";
import {
  fussCatalanMoment,
  gaussianLyapunov,
  gaussianProductSpectrum,
  type P2DepthPoint,
  type P2LinearFamily,
  type P2LinearOptions,
  predictedRankBand,
  rudelsonVershynin,
} from "./theory";
import type { Scale } from "../../report/context";

export type P2Scale = Scale;

/** The theory notebook's settings per scale. */
export interface P2TheorySetup {
  linear: P2LinearOptions;
  /** Depths of the plain product (it runs deeper than the residual ones, to show the rank reaching 1). */
  plainDepths: number[];
  /** Depths of the ResNet and ResNeXt products. */
  residualDepths: number[];
  /** Depth at which κ must exceed the float32 limit 1e7 in the plain product. */
  kappaDepth: number;
  seeds: { exploration: number[]; confirmation: number[] };
  /** Fuss–Catalan check: matrix size and orders s. */
  fussCatalan: { n: number; orders: number[] };
  /** Rudelson–Vershynin check: a × b shapes. */
  rvShapes: Array<[number, number]>;
}

/** Settings per scale: quick/standard/paper use the spec's n = 64, N = 256, s = 4, q = 16; smoke a small copy. */
export function p2TheorySetup(scale: P2Scale): P2TheorySetup {
  if (scale === "smoke")
    return {
      linear: { width: 16, batch: 48, depths: [], cardinality: 4, groupWidth: 4 },
      plainDepths: [0, 1, 2, 5, 10, 20, 60, 150, 400, 800],
      residualDepths: [0, 5, 10, 20, 40, 60],
      kappaDepth: 10,
      seeds: { exploration: [0, 1], confirmation: [200, 201, 202, 203, 204, 205] },
      fussCatalan: { n: 120, orders: [1, 2, 3] },
      rvShapes: [
        [10, 40],
        [20, 40],
        [30, 120],
      ],
    };
  return {
    linear: { width: 64, batch: 256, depths: [], cardinality: 4, groupWidth: 16 },
    plainDepths: [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500],
    residualDepths: [0, 1, 2, 5, 10, 20, 50, 100],
    kappaDepth: 10,
    // registration 2 (module comment): fresh confirmation seeds; 100–107 (100–119 at paper scale) are spent
    seeds: {
      exploration: [0, 1, 2],
      confirmation:
        scale === "paper" ? Array.from({ length: 20 }, (_, i) => 200 + i) : [200, 201, 202, 203, 204, 205, 206, 207],
    },
    fussCatalan: { n: 400, orders: [1, 2, 3] },
    rvShapes: [
      [16, 64],
      [32, 64],
      [64, 256],
      [16, 256],
    ],
  };
}

const ALPHA = 0.05;
export function p2TheoryPreregistration(scale: P2Scale, setup: P2TheorySetup): Preregistration {
  const { width: n, batch: N, cardinality: s, groupWidth: q } = setup.linear;
  const deepest = setup.residualDepths[setup.residualDepths.length - 1];
  return {
    notebook: "08-p2-linear-theory",
    scale,
    seeds: setup.seeds,
    claims: [
      {
        id: "S1",
        figure: "P2 Lemma 1, Theorem 5",
        claim:
          "The tools of the proofs hold numerically: the squared singular values of a product of Gaussian matrices have the Fuss–Catalan moments (Lemma 1), and Gaussian matrices obey the Rudelson–Vershynin bounds (Theorem 5).",
        source: "FOUND (Lemma 1, Theorem 5 of the paper, from the literature); check ours",
        kind: "sanity",
        criteria: [
          {
            id: "fuss-catalan",
            estimate: `largest relative error of the first two moments of x = σ² against C((s+1)k, k)/(sk + 1), s ∈ {${setup.fussCatalan.orders.join(", ")}}, n = ${setup.fussCatalan.n}, minus 0.05`,
            test: "exact float64 computation on the confirmation seeds",
            expect: { direction: "negative", alpha: ALPHA, sesoi: 0 },
          },
          {
            id: "rudelson-vershynin",
            estimate:
              "largest violation of √b − √a ≤ σ_min and σ_max ≤ √b + √a, relative to the bound (E σ is bounded; one draw may cross by its fluctuation), minus 0.1",
            test: "exact float64 computation on the confirmation seeds",
            expect: { direction: "negative", alpha: ALPHA, sesoi: 0 },
          },
        ],
      },
      {
        id: "T1",
        figure: "P2 Theorem 2",
        claim:
          "In a deep linear PlainNet the hidden representation H^m becomes singular: its numerical rank falls toward 1 with depth, and its condition number passes any finite-precision limit.",
        source:
          "FOUND (Theorem 2; §2.0); the Lyapunov prediction of the rate and its CLT band are ours (Newman 1986; Akemann, Burda & Kieburg 2014)",
        kind: "paper",
        criteria: [
          {
            id: "rank-in-band",
            estimate: `share of the (depth, seed) points, depths ${setup.plainDepths.join(", ")}, whose numerical rank (float64 tolerance) lies outside the 95 % band of the Lyapunov CLT prediction (shown below), minus 0.1`,
            test: "exact float64 computation",
            expect: { direction: "negative", alpha: ALPHA, sesoi: 0 },
          },
          {
            id: "rank32-in-band",
            estimate: `the same at the float32 threshold (σ > 1e-7·σ_max), where the prediction reaches rank 1 at depth m₁ = ⌈ln 1e7/(λ₁ − λ₂)⌉ (shown below), minus 0.1`,
            test: "exact float64 computation",
            expect: { direction: "negative", alpha: ALPHA, sesoi: 0 },
          },
          {
            id: "kappa-past-float32",
            estimate: `log₁₀ of the smallest κ(H^m) over seeds at depth ${setup.kappaDepth}, minus 7 (the float32 limit)`,
            test: "exact float64 computation",
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
          },
        ],
      },
      {
        id: "T2",
        figure: "P2 Theorems 3–4",
        claim:
          "In linear ResNets and ResNeXts every direction survives: H^m stays full rank, with a bounded condition number.",
        source: "FOUND (Theorems 3 and 4; §2.0)",
        kind: "paper",
        criteria: (["resnet", "resnext"] as const).flatMap((f) => [
          {
            id: `${f}-full-rank`,
            estimate: `smallest numerical rank (float64) of the ${f} H^m over depths up to ${deepest} and seeds, minus ${n - 0.5}`,
            test: "exact float64 computation",
            expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
          },
          {
            id: `${f}-bounded-kappa`,
            estimate: `log₁₀ of the largest κ(H^m) of the ${f} product up to depth ${deepest}, minus 3`,
            test: "exact float64 computation",
            expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
          },
        ]),
      },
      {
        id: "T3",
        figure: "P2 Corollary 2",
        claim: "ResNeXt's narrower paths (q < n) give its representations a smaller condition number than ResNet's.",
        source: "FOUND (Corollary 2: κ(H_r) > κ(H_c) because q < n); the matched branch variance is ours",
        kind: "paper",
        criteria: [
          {
            id: "resnext-below-resnet",
            estimate: `log₁₀ κ(ResNet H^m) − log₁₀ κ(ResNeXt H^m) at depth ${deepest}, same input, same branch energy (s = ${s} paths of width q = ${q}, n = ${n})`,
            test: "paired sign-flip test over seeds, 95 % bootstrap interval",
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0.02 },
          },
        ],
      },
    ],
    notes: [
      `linear blocks of n = ${n} units on a batch of N = ${N} Gaussian inputs, float64; one block = one matrix (the paper's analysis replaces a block's two layers by their product); H renormalised after every block`,
      `residual branch gain g = 1/√${deepest} (ours: keeps (I + gW)^m from growing); ResNeXt paths n → q → q → n with the branch energy of ResNet's`,
      "numerical rank: σ > max(n, N)·ε₆₄·σ_max (numpy's default); float32 threshold 1e-7·σ_max (docs/spec/p2.md §2.4)",
      "thresholds ours; the deterministic criteria take the worst case over the seed set",
      "registration 2: registration 1 checked the plain rank against the Lyapunov prediction with an ad-hoc tolerance of ±2.5 and gave T1 'partly reproduced' on seeds 100–107 (largest gap 4); the tolerance is now the prediction's own 95 % CLT band (ln σ_1/σ_i ~ N(m(λ_1 − λ_i), m[ψ′(n/2) + ψ′((n − i + 1)/2)]/4), widened by the input's κ), checked as a coverage share on fresh confirmation seeds; 100–107 are spent",
    ],
  };
}

/** The runs of one seed: the three products at their depths. */
export type P2TheoryRuns = Record<P2LinearFamily, Map<number, P2DepthPoint[]>>;

/** The registered estimates on one seed set. */
export function p2TheoryMeasure(setup: P2TheorySetup, runs: P2TheoryRuns, seeds: readonly number[]): Measured {
  const { width: n, batch: N } = setup.linear;
  const tol = defaultRtol(n, N);
  const of = (f: P2LinearFamily, seed: number) => {
    const r = runs[f].get(seed);
    if (!r) throw new Error(`p2TheoryMeasure: no ${f} product for seed ${seed}`);
    return r;
  };
  const plain = seeds.map((s) => of("plain", s));
  // coverage of the CLT band: κ(X) of each seed's input batch is its depth-0 point's κ
  const outside = (which: "rank64" | "rank32", t: number) => {
    const points = plain.flatMap((r) => {
      const x = r.find((p) => p.depth === 0);
      if (!x) throw new Error("p2TheoryMeasure: the plain depths must include 0 (the input batch)");
      return r.map((p) => {
        const b = predictedRankBand(n, p.depth, t, { inputKappa: x.kappa });
        return p[which] < b.lo || p[which] > b.hi;
      });
    });
    return points.filter(Boolean).length / points.length;
  };
  const out64 = outside("rank64", tol);
  const out32 = outside("rank32", 1e-7);
  const l = gaussianLyapunov(n);
  const rankOneDepth = Math.ceil(Math.log(1e7) / (l[0] - l[1]));
  const kappaAt = Math.min(...plain.map((r) => r.find((p) => p.depth === setup.kappaDepth)?.kappa ?? NaN));
  const full = (f: P2LinearFamily) => Math.min(...seeds.flatMap((s) => of(f, s).map((p) => p.rank64)));
  const worstKappa = (f: P2LinearFamily) => Math.max(...seeds.flatMap((s) => of(f, s).map((p) => p.kappa)));
  const deepest = (f: P2LinearFamily, s: number) => of(f, s)[of(f, s).length - 1].kappa;
  const diff = seeds.map((s) => Math.log10(deepest("resnet", s)) - Math.log10(deepest("resnext", s)));
  // sanity: Fuss–Catalan moments and Rudelson–Vershynin bounds, on the same seeds
  let fcErr = 0;
  for (const s of seeds)
    for (const order of setup.fussCatalan.orders) {
      const x = gaussianProductSpectrum(setup.fussCatalan.n, order, s);
      for (const k of [1, 2]) {
        const m = x.reduce((a, v) => a + v ** k, 0) / x.length;
        fcErr = Math.max(fcErr, Math.abs(m / fussCatalanMoment(order, k) - 1));
      }
    }
  let rvViolation = 0;
  for (const s of seeds)
    for (const [a, b] of setup.rvShapes) {
      const r = rudelsonVershynin(a, b, s);
      rvViolation = Math.max(rvViolation, (r.lower - r.sigmaMin) / r.lower, (r.sigmaMax - r.upper) / r.upper);
    }
  const log10 = (v: number) => Math.log10(v);
  return {
    estimates: {
      S1: { "fuss-catalan": exactEffect(fcErr - 0.05), "rudelson-vershynin": exactEffect(rvViolation - 0.1) },
      T1: {
        "rank-in-band": exactEffect(out64 - 0.1),
        "rank32-in-band": exactEffect(out32 - 0.1),
        "kappa-past-float32": exactEffect(log10(kappaAt) - 7),
      },
      T2: Object.fromEntries(
        (["resnet", "resnext"] as const).flatMap((f) => [
          [`${f}-full-rank`, exactEffect(full(f) - (n - 0.5))],
          [`${f}-bounded-kappa`, exactEffect(log10(worstKappa(f)) - 3)],
        ]),
      ),
      T3: { "resnext-below-resnet": pairedEffect(diff, 8) },
    },
    numbers: {
      S1: { "largest relative moment error": fcErr, "largest relative RV violation": rvViolation },
      T1: {
        "share of points outside the band (float64 rank)": out64,
        "share of points outside the band (float32 rank)": out32,
        "depth where the float32 prediction reaches rank 1": rankOneDepth,
        [`smallest κ at depth ${setup.kappaDepth}`]: kappaAt,
      },
      T2: {
        "smallest rank resnet / resnext": `${full("resnet")} / ${full("resnext")} of ${n}`,
        "largest κ resnet / resnext": `${worstKappa("resnet").toFixed(2)} / ${worstKappa("resnext").toFixed(2)}`,
      },
      T3: {
        "mean κ resnet / resnext at the deepest depth": `${(seeds.reduce((a, s) => a + deepest("resnet", s), 0) / seeds.length).toFixed(2)} / ${(seeds.reduce((a, s) => a + deepest("resnext", s), 0) / seeds.length).toFixed(2)}`,
        "seeds with κ resnext < κ resnet": `${diff.filter((d) => d > 0).length}/${diff.length}`,
      },
    },
  };
}
