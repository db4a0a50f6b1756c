/**
 * The registrations of v3-D, v3-E and v3-F (docs/spec/p1.md §1.4; notebooks 18, 19, 20) and the measurements that
 * turn a seed set's runs into the registered estimates. Written before any confirmation run (seeds 300–309 were never
 * run before these registrations); the designs were explored on seeds 0–1 only.
 *
 * Every claim is the v3 abstract's, in our operationalisation; every threshold is ours. α = 0.05 two-sided; smallest
 * effects of interest: 0.01 on training-curve AUCs (one percentage point of mean training accuracy), 0.05 on log₁₀
 * gradient ratios (a factor 1.12).
 */
import type { Measured, Preregistration } from "../../report/prereg";
import { bootstrapEffect, exactEffect, welchEffect, type EffectEstimate } from "../../report/verdict";
import { mean } from "../../stats";
import type { P1Scale } from "../p1/data";
import { recoveredEffect, spearmanEffect } from "../p1/prereg";
import { type V3Condition, type V3InitGradRow, type V3RunRow, type V3SkipSetup, v3InitRatioBySeed } from "./skips";

const ALPHA = 0.05;
const AUC_SESOI = 0.01;
const RATIO_SESOI = 0.05;
const WELCH = "Welch t-test over seeds, 95 % t interval";
const AUC = (e: number) => `training-curve AUC (mean train accuracy over epochs 1–${e})`;

/** Permutation check thresholds: a skip keeps the symmetry when the output moves < 1e-5 (float32 round-off), breaks it when > 1e-3. */
export const V3_PERMUTATION_KEEPS = 1e-5;
export const V3_PERMUTATION_BREAKS = 1e-3;

function seedsOf(s: V3SkipSetup): Preregistration["seeds"] {
  return { exploration: [...s.seeds.exploration], confirmation: [...s.seeds.confirmation] };
}

function col(rows: readonly V3RunRow[], seeds: readonly number[], condition: string, c: keyof V3RunRow & string) {
  return rows.filter((r) => r.condition === condition && seeds.includes(r.seed)).map((r) => Number(r[c]));
}

/** The permutation changes of a seed set: condition key → the change per seed (`v3PermutationChange`). */
export type V3PermutationChanges = Record<string, Record<number, number>>;

function worst(ch: V3PermutationChanges, keys: readonly string[], seeds: readonly number[], f: "max" | "min"): number {
  const v = keys.flatMap((k) => seeds.map((s) => ch[k]?.[s] ?? NaN));
  if (v.some((x) => !Number.isFinite(x))) return NaN;
  return f === "max" ? Math.max(...v) : Math.min(...v);
}

// ---------------------------------------------------------------------------------------------------------------
// v3-D

export function v3DPreregistration(
  scale: P1Scale,
  s: V3SkipSetup,
  conditions: readonly V3Condition[],
): Preregistration {
  const E = s.protocol.train.epochs ?? 1;
  const skips = conditions.filter((c) => c.role === "skip" || c.key === "identity");
  const sym = skips.filter((c) => !c.breaksSymmetry).map((c) => c.key);
  const brk = skips.filter((c) => c.breaksSymmetry).map((c) => c.key);
  const alphas = [0, ...s.blends, 1];
  return {
    notebook: "18-p1v3-D-symmetric-skip",
    scale,
    seeds: seedsOf(s),
    claims: [
      {
        id: "SD1",
        figure: "P1 v3-D",
        claim:
          "Identity of the skips: permuting a hidden layer's units leaves the function of a net with a symmetric skip unchanged, and changes it with every other skip.",
        source: "ours (the definition of the control, docs/spec/p1.md §1.4 v3-D)",
        kind: "sanity",
        criteria: [
          {
            id: "symmetric-keeps",
            estimate: `log₁₀(${V3_PERMUTATION_KEEPS} / largest relative output change) over ${sym.join(", ")} and the seeds (a fresh net per seed, mid layer permuted)`,
            test: "exact computation (float32 forward), no sampling",
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
          },
          {
            id: "others-break",
            estimate: `log₁₀(smallest relative output change / ${V3_PERMUTATION_BREAKS}) over ${brk.join(", ")} and the seeds`,
            test: "exact computation (float32 forward), no sampling",
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
          },
        ],
      },
      {
        id: "SD2",
        figure: "P1 v3-D",
        claim:
          "Manipulation check: the identity skip speeds up training over the plain net (there is a benefit to share).",
        source: "ours",
        kind: "sanity",
        criteria: [
          {
            id: "identity>plain",
            estimate: `${AUC(E)}, identity − plain`,
            test: WELCH,
            expect: { direction: "positive", alpha: ALPHA, sesoi: AUC_SESOI },
          },
        ],
      },
      {
        id: "D1",
        figure: "P1 v3-D",
        claim:
          "Skip connections do not necessarily improve training: a skip that keeps the permutation symmetry, (1/n)11ᵀ, gives little or none of the identity skip's benefit.",
        source: "FOUND (v3 abstract); the symmetric skip and the tests are ours",
        kind: "paper",
        manipulation: "SD2",
        criteria: ["mean", "mean-neg"].flatMap((k) => [
          {
            id: `identity>${k}`,
            estimate: `${AUC(E)}, identity − ${k}`,
            test: WELCH,
            expect: { direction: "positive" as const, alpha: ALPHA, sesoi: AUC_SESOI },
          },
          {
            id: `${k}-recovers<half`,
            estimate: `share of the plain → identity AUC gap that ${k} recovers, (${k} − plain)/(identity − plain), minus 0.5`,
            test: "bootstrap over seeds (each condition resampled), 95 % percentile interval",
            expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
          },
        ]),
      },
      {
        id: "D2",
        figure: "P1 v3-D",
        claim:
          "…unless they help break symmetries: at equal rank, norm and alignment with the all-ones direction, the skip that breaks the symmetry (w wᵀ) trains faster than the one that keeps it ((1/n)11ᵀ).",
        source: "FOUND (v3 abstract); the matched pairs are ours",
        kind: "paper",
        manipulation: "SD1",
        criteria: [
          {
            id: "ww>mean",
            estimate: `${AUC(E)}, w wᵀ − (1/n)11ᵀ`,
            test: WELCH,
            expect: { direction: "positive", alpha: ALPHA, sesoi: AUC_SESOI },
          },
          {
            id: "ww-neg>mean-neg",
            estimate: `${AUC(E)}, −w wᵀ − (−(1/n)11ᵀ)`,
            test: WELCH,
            expect: { direction: "positive", alpha: ALPHA, sesoi: AUC_SESOI },
          },
        ],
      },
      {
        id: "D3",
        figure: "P1 v3-D",
        claim:
          "The more a skip breaks the symmetry, the more it helps: along (1 − α)(1/n)11ᵀ + αI, the training speed rises with α.",
        source:
          "FOUND (v3 abstract, implied); the path is ours. α also raises the skip's rank, so D3 cannot tell symmetry from degeneracy (D2 can)",
        kind: "paper",
        manipulation: "SD1",
        criteria: [
          {
            id: "rho(alpha,auc)>0",
            estimate: `Spearman ρ between α ∈ {${alphas.join(", ")}} (0: the mean skip, 1: the identity) and the ${AUC(E)}, over runs`,
            test: "Spearman ρ, permutation p (2000), bootstrap interval over runs",
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0.3 },
          },
        ],
      },
    ],
    notes: [
      `runs: the ${scale} paper-1 protocol (sk.p1Protocol, PROPOSED) at depth ${s.protocol.depth} × width ${s.protocol.width}; skips that pass only part of x_{l−1} get the variance-preserving branch gain (sk.experiments.v3BranchGain)`,
      "one run per (condition, seed); conditions share seeds but are separate nets, so every comparison is unpaired (Welch)",
      "D1 is inconclusive unless SD2 holds; D2 and D3 are inconclusive unless SD1 holds",
    ],
  };
}

export function v3DMeasure(
  rows: readonly V3RunRow[],
  perm: V3PermutationChanges,
  seeds: readonly number[],
  s: V3SkipSetup,
  conditions: readonly V3Condition[],
): Measured {
  const auc = (k: string) => col(rows, seeds, k, "auc");
  const skips = conditions.filter((c) => c.role === "skip" || c.key === "identity");
  const sym = skips.filter((c) => !c.breaksSymmetry).map((c) => c.key);
  const brk = skips.filter((c) => c.breaksSymmetry).map((c) => c.key);
  const keeps = worst(perm, sym, seeds, "max");
  const breaks = worst(perm, brk, seeds, "min");
  const path = [{ a: 0, k: "mean" }, ...s.blends.map((a) => ({ a, k: `blend-${a}` })), { a: 1, k: "identity" }];
  const xs = path.flatMap((p) => auc(p.k).map(() => p.a));
  const ys = path.flatMap((p) => auc(p.k));
  const d1: Record<string, EffectEstimate> = {};
  for (const k of ["mean", "mean-neg"]) {
    d1[`identity>${k}`] = welchEffect(auc("identity"), auc(k));
    d1[`${k}-recovers<half`] = recoveredEffect(auc(k), auc("plain"), auc("identity"), 0.5, 1);
  }
  return {
    estimates: {
      SD1: {
        "symmetric-keeps": exactEffect(Math.log10(V3_PERMUTATION_KEEPS / keeps), "exact computation (float32 forward)"),
        "others-break": exactEffect(Math.log10(breaks / V3_PERMUTATION_BREAKS), "exact computation (float32 forward)"),
      },
      SD2: { "identity>plain": welchEffect(auc("identity"), auc("plain")) },
      D1: d1,
      D2: {
        "ww>mean": welchEffect(auc("ww"), auc("mean")),
        "ww-neg>mean-neg": welchEffect(auc("ww-neg"), auc("mean-neg")),
      },
      D3: { "rho(alpha,auc)>0": spearmanEffect(xs, ys, 3) },
    },
    numbers: {
      SD1: {
        "largest change, symmetric skips": keeps.toExponential(2),
        "smallest change, other skips": breaks.toExponential(2),
      },
      D1: Object.fromEntries(
        ["plain", "identity", "mean", "mean-neg"].map((k) => [`AUC ${k}`, mean(auc(k)).toFixed(3)]),
      ),
      D2: Object.fromEntries(["mean", "ww", "mean-neg", "ww-neg"].map((k) => [`AUC ${k}`, mean(auc(k)).toFixed(3)])),
      D3: Object.fromEntries(path.map((p) => [`AUC α = ${p.a}`, mean(auc(p.k)).toFixed(3)])),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// v3-E

const BREAKERS = ["offsets", "gains", "slopes"] as const;

export function v3EPreregistration(
  scale: P1Scale,
  s: V3SkipSetup,
  conditions: readonly V3Condition[],
): Preregistration {
  const E = s.protocol.train.epochs ?? 1;
  const label = (k: string) => conditions.find((c) => c.key === k)?.label ?? k;
  return {
    notebook: "19-p1v3-E-other-symmetry-breaking",
    scale,
    seeds: seedsOf(s),
    claims: [
      ...BREAKERS.map((b) => ({
        id: `SE-${b}`,
        figure: "P1 v3-E",
        claim: `Manipulation check: ${label(b)} breaks the permutation symmetry of the plain net's units (permuting a layer's units changes the function).`,
        source: "ours",
        kind: "sanity" as const,
        criteria: [
          {
            id: "breaks",
            estimate: `log₁₀(smallest relative output change / ${V3_PERMUTATION_BREAKS}) over the seeds (a fresh net per seed, mid layer permuted)`,
            test: "exact computation (float32 forward), no sampling",
            expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
          },
        ],
      })),
      {
        id: "SE-overlap",
        figure: "P1 v3-E",
        claim:
          "Sanity (descriptive, gates nothing): each breaker keeps the units' activities less alike over training than in the plain net.",
        source: "ours",
        kind: "sanity",
        criteria: BREAKERS.map((b) => ({
          id: `${b}<plain`,
          estimate: `mean over epochs 1–${E} of the layer-mean largest activity cosine between a unit and any other (act_maxsim_mean), ${b} − plain`,
          test: WELCH,
          expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0.005 },
        })),
      },
      ...BREAKERS.map((b) => ({
        id: `E-${b}`,
        figure: "P1 v3-E",
        claim: `Alternative (non-skip) symmetry breaking also helps: ${label(b)} trains faster than the plain net.`,
        source: "FOUND (v3 abstract); the method and the test are ours",
        kind: "paper" as const,
        manipulation: `SE-${b}`,
        criteria: [
          {
            id: `${b}>plain`,
            estimate: `${AUC(E)}, ${b} − plain`,
            test: WELCH,
            expect: { direction: "positive" as const, alpha: ALPHA, sesoi: AUC_SESOI },
          },
        ],
      })),
    ],
    notes: [
      `breakers (ours): fixed offsets c_a ~ N(0, ${s.breakers.offsetStd}²), fixed gains U(${1 - s.breakers.gainSpread}, ${1 + s.breakers.gainSpread}), leaky-ReLU slopes U(0, ${s.breakers.slopeMax}) per unit, on the plain net with its He init`,
      "fresh forward noise was not tested: i.i.d. noise is permutation-symmetric in distribution, so the expected loss keeps the symmetry",
      "the residual (identity-skip) net is shown for reference; the tests compare each breaker with the plain net, unpaired (Welch)",
    ],
  };
}

export function v3EMeasure(rows: readonly V3RunRow[], perm: V3PermutationChanges, seeds: readonly number[]): Measured {
  const v = (k: string, c: keyof V3RunRow & string) => col(rows, seeds, k, c);
  const est: Measured["estimates"] = {};
  const numbers: NonNullable<Measured["numbers"]> = {};
  for (const b of BREAKERS) {
    const breaks = worst(perm, [b], seeds, "min");
    est[`SE-${b}`] = {
      breaks: exactEffect(Math.log10(breaks / V3_PERMUTATION_BREAKS), "exact computation (float32 forward)"),
    };
    numbers[`SE-${b}`] = { "smallest change": breaks.toExponential(2) };
    est[`E-${b}`] = { [`${b}>plain`]: welchEffect(v(b, "auc"), v("plain", "auc")) };
    numbers[`E-${b}`] = {
      [`AUC ${b}`]: mean(v(b, "auc")).toFixed(3),
      "AUC plain": mean(v("plain", "auc")).toFixed(3),
      "AUC identity": mean(v("identity", "auc")).toFixed(3),
    };
  }
  est["SE-overlap"] = Object.fromEntries(
    BREAKERS.map((b) => [`${b}<plain`, welchEffect(v(b, "maxsimAuc"), v("plain", "maxsimAuc"))]),
  );
  numbers["SE-overlap"] = Object.fromEntries(
    ["plain", ...BREAKERS, "identity"].map((k) => [`act_maxsim ${k}`, mean(v(k, "maxsimAuc")).toFixed(3)]),
  );
  return { estimates: est, numbers };
}

// ---------------------------------------------------------------------------------------------------------------
// v3-F

export function v3FPreregistration(
  scale: P1Scale,
  s: V3SkipSetup,
  conditions: readonly V3Condition[],
): Preregistration {
  const E = s.protocol.train.epochs ?? 1;
  const deep = Math.max(...s.initDepths);
  const ratio = "log₁₀(δ_1/δ_L), δ_l the RMS over probe examples of the back-propagated error ‖∂ℓ/∂z_l‖";
  const label = (k: string) => conditions.find((c) => c.key === k)?.label ?? k;
  return {
    notebook: "20-p1v3-F-vanishing-gradients",
    scale,
    seeds: seedsOf(s),
    claims: [
      {
        id: "SF1",
        figure: "P1 v3-F",
        claim: `Manipulation check: the plain net has vanishing gradients at initialisation at depth ${deep} (its error shrinks on the way down).`,
        source: "ours",
        kind: "sanity",
        criteria: [
          {
            id: "plain-vanishes",
            estimate: `${ratio}, plain, depth ${deep}, at initialisation (per seed: mean over ${s.initNets} nets)`,
            test: "bootstrap over seeds, 95 % percentile interval",
            expect: { direction: "negative", alpha: ALPHA, sesoi: RATIO_SESOI },
          },
        ],
      },
      {
        id: "F1",
        figure: "P1 v3-F",
        claim:
          "Skip connections help with vanishing gradients: more of the error reaches the first layer with an identity skip than without.",
        source: "FOUND (v3 abstract); the measure is ours",
        kind: "paper",
        manipulation: "SF1",
        criteria: [
          {
            id: `init@${deep}`,
            estimate: `${ratio}, identity − plain, depth ${deep}, at initialisation (per seed: mean over ${s.initNets} nets)`,
            test: WELCH,
            expect: { direction: "positive", alpha: ALPHA, sesoi: RATIO_SESOI },
          },
          {
            id: `trained@${s.protocol.depth}`,
            estimate: `${ratio}, identity − plain, depth ${s.protocol.depth}, after ${E} epochs (the training runs)`,
            test: WELCH,
            expect: { direction: "positive", alpha: ALPHA, sesoi: RATIO_SESOI },
          },
        ],
      },
      {
        id: "F2",
        figure: "P1 v3-F",
        claim:
          "…beyond symmetry breaking: breaking the symmetry without a skip does not restore the gradient flow that the skip gives.",
        source: "FOUND (v3 abstract); the breakers and the measure are ours",
        kind: "paper",
        manipulation: "SF1",
        criteria: BREAKERS.map((b) => ({
          id: `identity>${b}@${deep}`,
          estimate: `${ratio}, identity − ${label(b)}, depth ${deep}, at initialisation`,
          test: WELCH,
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: RATIO_SESOI },
        })),
      },
      {
        id: "F3",
        figure: "P1 v3-F",
        claim:
          "The skip's benefit to training goes beyond symmetry breaking: the identity skip trains faster than each non-skip symmetry breaker.",
        source: "FOUND (v3 abstract); the comparison is ours",
        kind: "paper",
        criteria: BREAKERS.map((b) => ({
          id: `identity>${b}`,
          estimate: `${AUC(E)}, identity − ${b}`,
          test: WELCH,
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: AUC_SESOI },
        })),
      },
    ],
    notes: [
      `gradient sweep at initialisation (no training): depths ${s.initDepths.join(", ")}, ${s.initNets} fresh nets per (condition, depth, seed), the protocol's probe batch of ${s.gradProbe} training examples; one value per seed (the mean over its nets) is the unit of the tests`,
      `training runs: the v3-D/E runs (depth ${s.protocol.depth}), measured before training and after every epoch`,
      "the identity skip adds I to every layer's Jacobian, so the error can also grow on its way down; a positive identity − plain difference is what 'helps with vanishing gradients' predicts whatever the plain net does, SF1 checks that there is a vanishing to help with",
    ],
  };
}

export function v3FMeasure(
  rows: readonly V3RunRow[],
  init: readonly V3InitGradRow[],
  seeds: readonly number[],
  s: V3SkipSetup,
): Measured {
  const deep = Math.max(...s.initDepths);
  const atInit = (k: string) => v3InitRatioBySeed(init, k, deep, seeds);
  const trained = (k: string) => col(rows, seeds, k, "deltaRatioFinal");
  const auc = (k: string) => col(rows, seeds, k, "auc");
  return {
    estimates: {
      SF1: { "plain-vanishes": bootstrapEffect(atInit("plain"), mean, 0, { what: "seeds" }) },
      F1: {
        [`init@${deep}`]: welchEffect(atInit("identity"), atInit("plain")),
        [`trained@${s.protocol.depth}`]: welchEffect(trained("identity"), trained("plain")),
      },
      F2: Object.fromEntries(
        BREAKERS.map((b) => [`identity>${b}@${deep}`, welchEffect(atInit("identity"), atInit(b))]),
      ),
      F3: Object.fromEntries(BREAKERS.map((b) => [`identity>${b}`, welchEffect(auc("identity"), auc(b))])),
    },
    numbers: {
      SF1: { [`log ratio, plain, depth ${deep}`]: mean(atInit("plain")).toFixed(3) },
      F1: {
        [`init: identity / plain`]: `${mean(atInit("identity")).toFixed(3)} / ${mean(atInit("plain")).toFixed(3)}`,
        [`trained: identity / plain`]: `${mean(trained("identity")).toFixed(3)} / ${mean(trained("plain")).toFixed(3)}`,
      },
      F2: Object.fromEntries(BREAKERS.map((b) => [`log ratio at init, ${b}`, mean(atInit(b)).toFixed(3)])),
      F3: Object.fromEntries(["identity", ...BREAKERS].map((k) => [`AUC ${k}`, mean(auc(k)).toFixed(3)])),
    },
  };
}
