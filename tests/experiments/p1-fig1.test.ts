/**
 * Paper 1's Fig. 1 constructions: the float32 exact Hessian (tfjs nested gradients) and an independent float64
 * Gauss–Newton matrix with a hand-written Jacobian agree on every null count, and the excess counts match the
 * derivation (`fig1PredictedExcess`) on every seed the quick notebook uses. (Before generic draws were also
 * required to have only the rescaling null directions, seed 2's residual point had an accidental extra one, which
 * shifted its excesses by ±1.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  FIG1_CASES,
  FIG1_DEFAULTS,
  fig1Analyse,
  fig1Baseline,
  fig1GaussNewton64,
  fig1PredictedExcess,
} from "../../lib/src/experiments";

describe("Fig. 1 constructed points", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  for (const seed of [0, 1, 2]) {
    it(`seed ${seed}: float32 Hessian and float64 Gauss–Newton null counts agree; excesses match the derivation`, async () => {
      const cfg = { ...FIG1_DEFAULTS, seed };
      const counts: Record<string, { f32: number; f64: number }> = {};
      for (const kase of FIG1_CASES)
        for (const arch of ["plain", "residual"] as const) {
          const r = await fig1Analyse(kase, arch, cfg);
          const g = fig1GaussNewton64(kase, arch, cfg);
          counts[`${kase}/${arch}`] = { f32: r.nullCount, f64: g.nullCount };
          // float64: the null eigenvalues are orders of magnitude below the rest
          expect(g.largestNull).toBeLessThan(1e-12);
          // and the generic points have only the rescalings
          if (kase === "generic") expect(g.nullCount).toBe(arch === "plain" ? 8 : 4);
          expect(g.smallestNonNull).toBeGreaterThan(1e-8);
        }
      const mismatched = Object.entries(counts).filter(([, c]) => c.f32 !== c.f64);
      expect(mismatched).toEqual([]);
      for (const kase of FIG1_CASES.filter((k) => k !== "generic" && k !== "linear-regime"))
        for (const arch of ["plain", "residual"] as const) {
          const excess = counts[`${kase}/${arch}`].f64 - counts[`${fig1Baseline(kase)}/${arch}`].f64;
          expect(excess, `${kase}/${arch}`).toBe(fig1PredictedExcess(kase, arch));
        }
    }, 60_000);
  }
});
