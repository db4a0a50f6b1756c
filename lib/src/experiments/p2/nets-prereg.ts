/**
 * The pre-registrations and measurements of paper 2's conv-net notebooks (nets.ts runs them): 10 (Figs. 3–4,
 * Tables I–III), 11 (Figs. 5–10) and 12 (Figs. 11–13). Every threshold is ours; the paper's numbers are quoted in
 * each claim (docs/spec/p2.md §2.2–2.3). Each BN setting is a separate criterion, since the paper does not say
 * whether its PlainNet had BN.
 *
 * A seed is one independent training run per arm (the arms of one seed share the data order, not the init), so
 * arms are compared with Welch's test over seeds; one-arm claims take a bootstrap over seeds.
 */
import type { Measured, PreregClaim, PreregCriterion, Preregistration } from "../../report/prereg";
import { bootstrapEffect, exactEffect, welchEffect } from "../../report/verdict";
import { mean } from "../../stats";
import { finalRecords } from "../execute";
import { p1Num } from "../p1/protocol";
import { type P2Family, type P2NetProtocol, type P2NetRecord, p2ArmLabel, p2NumClasses } from "./nets";
import type { P2Scale } from "./theory-prereg";

const ALPHA = 0.05;
const BN_SETTINGS = [true, false] as const;
const bnKey = (bn: boolean) => (bn ? "BN" : "noBN");
const FAMILY_NAME: Record<P2Family, string> = { plain: "PlainNet", resnet: "ResNet", resnext: "ResNeXt" };

/** The last epoch record of every run of paper 2's grid. */
export function p2FinalRecords(records: readonly P2NetRecord[]): P2NetRecord[] {
  return finalRecords(records);
}

/** One arm's final records on a seed set (in seed order); throws when a run is missing. */
export function p2Arm(
  finals: readonly P2NetRecord[],
  family: P2Family,
  bn: boolean,
  seeds: readonly number[],
): P2NetRecord[] {
  return seeds.map((s) => {
    const r = finals.find((f) => f.family === family && (f.bn === "BN") === bn && f.seed === s);
    if (!r) throw new Error(`p2: no finished run for ${p2ArmLabel(family, bn)}, seed ${s}`);
    return r;
  });
}

/** Names of the representations measured (stem, then blocks in order) and of the weight layers, from a record. */
export function p2RepNames(r: P2NetRecord): string[] {
  return Object.keys(r)
    .filter((k) => k.startsWith("kH."))
    .map((k) => k.slice(3));
}
export function p2WeightNames(r: P2NetRecord): string[] {
  return Object.keys(r)
    .filter((k) => k.startsWith("kW."))
    .map((k) => k.slice(3));
}

/** The range (max − min) of a representation's values over the probe. */
export function p2ActRange(r: P2NetRecord, rep: string): number {
  return p1Num(r[`act.${rep}.max`]) - p1Num(r[`act.${rep}.min`]);
}

/** The largest |weight| of the whole net. */
export function p2MaxAbsWeight(r: P2NetRecord): number {
  let m = 0;
  for (const l of p2WeightNames(r)) m = Math.max(m, Math.abs(p1Num(r[`w.${l}.min`])), Math.abs(p1Num(r[`w.${l}.max`])));
  return m;
}

/** The last block's name ("S3.B<n>"), the near-last layer of Figs. 5–10. */
export function p2LastBlock(r: P2NetRecord): string {
  const reps = p2RepNames(r);
  return reps[reps.length - 1];
}

const chanceOf = (p: P2NetProtocol) => 1 / p2NumClasses(p.data[0]);

// -------------------------------------------------------------------------------------------------------------
// Notebook 10: Figs. 3–4 and Tables I–III

/** Registration of notebook 10 (training curves and tables). */
export function p2TrainingPreregistration(scale: P2Scale, p: P2NetProtocol): Preregistration {
  const chance = chanceOf(p);
  const learn = chance + 0.1;
  const bnText = (bn: boolean) => (bn ? "with BN" : "without BN");
  const welchText = "Welch t-test over seeds, 95 % t interval";
  const claims: PreregClaim[] = [
    {
      id: "S1",
      figure: "P2 Figs. 3–4",
      claim: "Manipulation check: the nets with skips learn in this setup, with and without BN.",
      source: "ours (what the comparisons need)",
      kind: "sanity",
      criteria: BN_SETTINGS.flatMap((bn) =>
        (["resnet", "resnext"] as const).map((f) => ({
          id: `${f}-learns-${bnKey(bn)}`,
          estimate: `mean final training accuracy of ${FAMILY_NAME[f]} ${bnText(bn)} − ${learn.toFixed(2)} (chance + 0.1)`,
          test: "bootstrap over seeds, 95 % percentile interval",
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
        })),
      ),
    },
    {
      id: "N1",
      figure: "P2 Figs. 3–4, Tables I–III",
      claim:
        "Without skip connections the deep net fails to train: the PlainNet's training accuracy stays far below the ResNet's and the ResNeXt's (paper, 164 layers: 11.38 % vs 99.58 % / 100 % on MNIST; 10.26 % vs 99.93 % / 99.96 % on CIFAR-10).",
      source: "FOUND (Tables I–III, Figs. 3–4)",
      kind: "paper",
      manipulation: "S1",
      criteria: BN_SETTINGS.flatMap((bn) =>
        (["resnet", "resnext"] as const).map((f) => ({
          id: `below-${f}-${bnKey(bn)}`,
          estimate: `final training accuracy, PlainNet − ${FAMILY_NAME[f]}, ${bnText(bn)}`,
          test: welchText,
          expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0.1 },
        })),
      ),
    },
    {
      id: "N2",
      figure: "P2 Tables I–III",
      claim: `The PlainNet stays at chance level (paper: 11.38 % train on MNIST, 10.26 % on CIFAR-10, 1.00 % on CIFAR-100).`,
      source: "FOUND (Tables I–III)",
      kind: "paper",
      manipulation: "S1",
      criteria: BN_SETTINGS.map((bn) => ({
        id: `chance-${bnKey(bn)}`,
        estimate: `mean final training accuracy of the PlainNet ${bnText(bn)} − ${(chance + 0.05).toFixed(2)} (chance + 0.05)`,
        test: "bootstrap over seeds, 95 % percentile interval",
        expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
      })),
    },
    {
      id: "N3",
      figure: "P2 Figs. 3–4",
      claim:
        "The skip nets' training loss falls far below the PlainNet's (the paper's log-scale curves: orders of magnitude after 200 epochs).",
      source: "FOUND (Figs. 3–4 and their text)",
      kind: "paper",
      manipulation: "S1",
      criteria: BN_SETTINGS.flatMap((bn): PreregCriterion[] => [
        {
          id: `loss-higher-${bnKey(bn)}`,
          estimate: `log₁₀ final training loss, PlainNet − ResNet, ${bnText(bn)}`,
          test: welchText,
          expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
        },
        ...(scale === "paper"
          ? [
              {
                id: `orders-of-magnitude-${bnKey(bn)}`,
                estimate: `log₁₀ final training loss, PlainNet − ResNet, ${bnText(bn)}, minus 1`,
                test: welchText,
                expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
              },
            ]
          : []),
      ]),
    },
    {
      id: "N4",
      figure: "P2 Tables I–III",
      claim:
        "ResNeXt generalises better than ResNet (paper: test accuracy +0.12 points on MNIST, +0.36 on CIFAR-10, +0.92 on CIFAR-100).",
      source: "FOUND (Tables I–III)",
      kind: "paper",
      manipulation: "S1",
      criteria: [
        {
          id: "test-acc-BN",
          estimate: "final test accuracy, ResNeXt − ResNet, with BN (the paper's nets are the standard ones, with BN)",
          test: welchText,
          expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
        },
      ],
    },
  ];
  return {
    notebook: "10-p2-figs3-4-training",
    scale,
    seeds: p.seeds,
    claims,
    notes: protocolNotes(p),
  };
}

function protocolNotes(p: P2NetProtocol): string[] {
  return [
    `nets: bottleneck PlainNet / ResNet / ResNeXt of depth ${p.depth}, width ${p.width} (ResNeXt ${p.cardinality} groups of ${p.groupWidth}), with and without BN; the residual branches start at gain 1/√blocks (the last conv's weights without BN, the last BN's γ with BN)`,
    `depth: ${p.depthRule}`,
    "one run per arm and seed; arms compared with Welch's test over seeds; a diverged run enters with its last recorded values",
    "thresholds ours: chance + 0.1 for 'learns', chance + 0.05 for 'at chance', a 0.1 accuracy gap as the smallest effect of interest",
  ];
}

/** The registered estimates of notebook 10 on one seed set. */
export function p2TrainingMeasure(
  p: P2NetProtocol,
  finals: readonly P2NetRecord[],
  seeds: readonly number[],
  scale: P2Scale,
): Measured {
  const chance = chanceOf(p);
  const acc = (f: P2Family, bn: boolean, key: "train_acc" | "test_acc" = "train_acc") =>
    p2Arm(finals, f, bn, seeds).map((r) => p1Num(r[key]));
  const logLoss = (f: P2Family, bn: boolean) => p2Arm(finals, f, bn, seeds).map((r) => Math.log10(p1Num(r.train_loss)));
  const est: Measured["estimates"] = { S1: {}, N1: {}, N2: {}, N3: {}, N4: {} };
  const numbers: NonNullable<Measured["numbers"]> = { S1: {}, N1: {}, N2: {}, N3: {}, N4: {} };
  const pct = (x: number[]) => `${(100 * mean(x)).toFixed(1)} %`;
  for (const bn of BN_SETTINGS) {
    const k = bnKey(bn);
    for (const f of ["resnet", "resnext"] as const) {
      est.S1[`${f}-learns-${k}`] = bootstrapEffect(acc(f, bn), mean, chance + 0.1, { what: "seeds" });
      est.N1[`below-${f}-${k}`] = welchEffect(acc("plain", bn), acc(f, bn));
    }
    est.N2[`chance-${k}`] = bootstrapEffect(acc("plain", bn), mean, chance + 0.05, { what: "seeds" });
    est.N3[`loss-higher-${k}`] = welchEffect(logLoss("plain", bn), logLoss("resnet", bn));
    if (scale === "paper")
      est.N3[`orders-of-magnitude-${k}`] = welchEffect(
        logLoss("plain", bn).map((v) => v - 1),
        logLoss("resnet", bn),
      );
    numbers.N1[`train acc PlainNet / ResNet / ResNeXt, ${bn ? "BN" : "no BN"}`] =
      `${pct(acc("plain", bn))} / ${pct(acc("resnet", bn))} / ${pct(acc("resnext", bn))}`;
    numbers.N3[`loss ratio PlainNet / ResNet, ${bn ? "BN" : "no BN"}`] =
      `${(10 ** (mean(logLoss("plain", bn)) - mean(logLoss("resnet", bn)))).toFixed(2)}×`;
  }
  est.N4["test-acc-BN"] = welchEffect(acc("resnext", true, "test_acc"), acc("resnet", true, "test_acc"));
  numbers.N4["test acc ResNeXt / ResNet, BN"] =
    `${pct(acc("resnext", true, "test_acc"))} / ${pct(acc("resnet", true, "test_acc"))}`;
  numbers.N2["chance"] = `${(100 * chance).toFixed(0)} %`;
  return { estimates: est, numbers };
}

// -------------------------------------------------------------------------------------------------------------
// Notebook 11: Figs. 5–10

/** Registration of notebook 11 (activation and weight ranges). */
export function p2ActivationsPreregistration(scale: P2Scale, p: P2NetProtocol): Preregistration {
  const welchText = "Welch t-test over seeds, 95 % t interval";
  const bnText = (bn: boolean) => (bn ? "with BN" : "without BN");
  return {
    notebook: "11-p2-figs5-10-activations-weights",
    scale,
    seeds: p.seeds,
    claims: [
      {
        id: "A1",
        figure: "P2 Figs. 5, 7, 9",
        claim:
          "The PlainNet's first-layer activations span a far larger range than the ResNet's (paper, MNIST: about 1.7 million against about 6).",
        source: "FOUND (text on Figs. 5 and 7)",
        kind: "paper",
        criteria: BN_SETTINGS.map((bn) => ({
          id: `first-layer-${bnKey(bn)}`,
          estimate: `log₁₀ range of the first layer's (stem's) outputs over the probe, PlainNet − ResNet, ${bnText(bn)}`,
          test: welchText,
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0.3 },
        })),
      },
      {
        id: "A2",
        figure: "P2 Figs. 6, 8, 10",
        claim:
          "The PlainNet's weights grow far larger than the ResNet's (paper: mostly between −200,000 and 200,000; ResNet 'reasonable').",
        source: "FOUND (text on Fig. 6)",
        kind: "paper",
        criteria: BN_SETTINGS.map((bn) => ({
          id: `max-weight-${bnKey(bn)}`,
          estimate: `log₁₀ of the largest |weight| in the net, PlainNet − ResNet, ${bnText(bn)}`,
          test: welchText,
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0.3 },
        })),
      },
      {
        id: "A3",
        figure: "P2 Figs. 7, 9",
        claim:
          "The ResNet's activations stay in a small range, in the first layer and near the last (paper: a range of about 6 in both), and the ResNeXt's behave alike.",
        source: "FOUND (text on Figs. 7 and 9)",
        kind: "paper",
        criteria: BN_SETTINGS.flatMap((bn) =>
          (["resnet", "resnext"] as const).flatMap((f) =>
            (["first", "last"] as const).map((where) => ({
              id: `${f}-${where}-${bnKey(bn)}`,
              estimate: `mean log₁₀ range of the ${where === "first" ? "first layer's" : "last block's"} outputs of the ${FAMILY_NAME[f]} ${bnText(bn)} − log₁₀ 60 (within 10× of the quoted 6)`,
              test: "bootstrap over seeds, 95 % percentile interval",
              expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
            })),
          ),
        ),
      },
    ],
    notes: [
      ...protocolNotes(p),
      `ranges over a probe of the first ${p.measures.probe} training images, BN in inference mode, at the end of training; "first layer" = the stem conv's output (after BN and ReLU), "near the last" = the last block's output (the paper's layer 160 of 164)`,
    ],
  };
}

export function p2ActivationsMeasure(
  p: P2NetProtocol,
  finals: readonly P2NetRecord[],
  seeds: readonly number[],
): Measured {
  const logRange = (f: P2Family, bn: boolean, where: "first" | "last") =>
    p2Arm(finals, f, bn, seeds).map((r) => Math.log10(p2ActRange(r, where === "first" ? "stem" : p2LastBlock(r))));
  const logW = (f: P2Family, bn: boolean) => p2Arm(finals, f, bn, seeds).map((r) => Math.log10(p2MaxAbsWeight(r)));
  const est: Measured["estimates"] = { A1: {}, A2: {}, A3: {} };
  const numbers: NonNullable<Measured["numbers"]> = { A1: {}, A2: {}, A3: {} };
  const geo = (x: number[]) => (10 ** mean(x)).toPrecision(3);
  for (const bn of BN_SETTINGS) {
    const k = bnKey(bn);
    const b = bn ? "BN" : "no BN";
    est.A1[`first-layer-${k}`] = welchEffect(logRange("plain", bn, "first"), logRange("resnet", bn, "first"));
    est.A2[`max-weight-${k}`] = welchEffect(logW("plain", bn), logW("resnet", bn));
    for (const f of ["resnet", "resnext"] as const)
      for (const where of ["first", "last"] as const)
        est.A3[`${f}-${where}-${k}`] = bootstrapEffect(logRange(f, bn, where), mean, Math.log10(60), { what: "seeds" });
    numbers.A1[`first-layer range PlainNet / ResNet / ResNeXt, ${b} (geometric mean)`] =
      `${geo(logRange("plain", bn, "first"))} / ${geo(logRange("resnet", bn, "first"))} / ${geo(logRange("resnext", bn, "first"))}`;
    numbers.A2[`largest |w| PlainNet / ResNet / ResNeXt, ${b}`] =
      `${geo(logW("plain", bn))} / ${geo(logW("resnet", bn))} / ${geo(logW("resnext", bn))}`;
    numbers.A3[`last-block range PlainNet / ResNet / ResNeXt, ${b}`] =
      `${geo(logRange("plain", bn, "last"))} / ${geo(logRange("resnet", bn, "last"))} / ${geo(logRange("resnext", bn, "last"))}`;
  }
  return { estimates: est, numbers };
}

// -------------------------------------------------------------------------------------------------------------
// Notebook 12: Figs. 11–13

/** Mean over the conv layers (stem, blocks, projections; not the read-out) of log₁₀ κ(W). */
export function p2MeanLogKappaW(r: P2NetRecord): number {
  const ks = p2WeightNames(r)
    .filter((l) => l !== "out")
    .map((l) => Math.log10(p1Num(r[`kW.${l}`])));
  return mean(ks);
}

/** Fraction of the block representations in the second half of the net whose κ(H) is infinite. */
export function p2InfiniteDeepFraction(r: P2NetRecord): number {
  const reps = p2RepNames(r).filter((n) => n !== "stem");
  const deep = reps.slice(Math.floor(reps.length / 2));
  return deep.filter((n) => p1Num(r[`kH.${n}`]) === Infinity).length / deep.length;
}

/** Number of representations (stem and blocks) whose κ(H) is infinite. */
export function p2InfiniteCount(r: P2NetRecord): number {
  return p2RepNames(r).filter((n) => p1Num(r[`kH.${n}`]) === Infinity).length;
}

/** Mean over the blocks of log₁₀ σ_max/σ_min of H (the raw ratio, finite unless σ_min = 0). */
export function p2MeanLogKappaH(r: P2NetRecord): number {
  return mean(
    p2RepNames(r)
      .filter((n) => n !== "stem")
      .map((n) => Math.log10(p1Num(r[`kHraw.${n}`]))),
  );
}

/** Registration of notebook 12 (condition numbers). */
export function p2ConditionPreregistration(scale: P2Scale, p: P2NetProtocol): Preregistration {
  const welchText = "Welch t-test over seeds, 95 % t interval";
  const bnText = (bn: boolean) => (bn ? "with BN" : "without BN");
  return {
    notebook: "12-p2-figs11-13-condition-numbers",
    scale,
    seeds: p.seeds,
    claims: [
      {
        id: "K1",
        figure: "P2 Figs. 11–12",
        claim: "The PlainNet's layer weights are far worse conditioned than the ResNet's and the ResNeXt's.",
        source: "FOUND (text on Fig. 11; values not found)",
        kind: "paper",
        criteria: BN_SETTINGS.flatMap((bn) =>
          (["resnet", "resnext"] as const).map((f) => ({
            id: `kappaW-above-${f}-${bnKey(bn)}`,
            estimate: `mean over conv layers of log₁₀ κ(W) (C_out × k·k·C_in/groups unfolding), PlainNet − ${FAMILY_NAME[f]}, ${bnText(bn)}`,
            test: welchText,
            expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
          })),
        ),
      },
      {
        id: "K2",
        figure: "P2 Fig. 13",
        claim:
          "The PlainNet's hidden representations become singular in the deep layers: κ(H) is infinite from about the middle of the net on (paper: from layer 80 of 164 on CIFAR-10, 100 on CIFAR-100).",
        source: "FOUND (Fig. 13 and its caption)",
        kind: "paper",
        criteria: BN_SETTINGS.map((bn) => ({
          id: `infinite-deep-${bnKey(bn)}`,
          estimate: `mean fraction of the PlainNet's block outputs in the second half of the net with κ(H) = ∞ (σ_min ≤ ${p.measures.rtol}·σ_max), ${bnText(bn)}, minus 0.5`,
          test: "bootstrap over seeds, 95 % percentile interval",
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
        })),
      },
      {
        id: "K3",
        figure: "P2 Fig. 13",
        claim: "The ResNet's and ResNeXt's representations never become singular: κ(H) stays finite at every layer.",
        source: "FOUND (Fig. 13 and its text)",
        kind: "paper",
        criteria: BN_SETTINGS.flatMap((bn) =>
          (["resnet", "resnext"] as const).map((f) => ({
            id: `finite-${f}-${bnKey(bn)}`,
            estimate: `largest number of representations with κ(H) = ∞ in one ${FAMILY_NAME[f]} ${bnText(bn)} over the seeds, minus 0.5`,
            test: "exact count over the seed set (worst case)",
            expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
          })),
        ),
      },
      {
        id: "K4",
        figure: "P2 Fig. 13, Corollary 2",
        claim: "ResNeXt's representations are better conditioned than ResNet's: κ(H) of ResNeXt < κ(H) of ResNet.",
        source: "FOUND (Fig. 13 text, Corollary 2)",
        kind: "paper",
        criteria: BN_SETTINGS.map((bn) => ({
          id: `resnext-below-resnet-${bnKey(bn)}`,
          estimate: `mean over blocks of log₁₀ σ_max/σ_min of H, ResNet − ResNeXt, ${bnText(bn)}`,
          test: welchText,
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
        })),
      },
    ],
    notes: [
      ...protocolNotes(p),
      `κ(H) on a probe of the first ${p.measures.probe} training images, H = [N, C·H·W] of the stem and of every block's output (after ReLU), uncentred, BN in inference mode; infinite when σ_min ≤ ${p.measures.rtol}·σ_max (the float32 limit, docs/spec/p2.md §2.4)`,
    ],
  };
}

export function p2ConditionMeasure(
  p: P2NetProtocol,
  finals: readonly P2NetRecord[],
  seeds: readonly number[],
): Measured {
  const arm = (f: P2Family, bn: boolean) => p2Arm(finals, f, bn, seeds);
  const est: Measured["estimates"] = { K1: {}, K2: {}, K3: {}, K4: {} };
  const numbers: NonNullable<Measured["numbers"]> = { K1: {}, K2: {}, K3: {}, K4: {} };
  const fmt = (x: number[]) => mean(x).toFixed(2);
  for (const bn of BN_SETTINGS) {
    const k = bnKey(bn);
    const b = bn ? "BN" : "no BN";
    const kw = (f: P2Family) => arm(f, bn).map(p2MeanLogKappaW);
    const kh = (f: P2Family) => arm(f, bn).map(p2MeanLogKappaH);
    for (const f of ["resnet", "resnext"] as const) {
      est.K1[`kappaW-above-${f}-${k}`] = welchEffect(kw("plain"), kw(f));
      const worst = Math.max(...arm(f, bn).map(p2InfiniteCount));
      est.K3[`finite-${f}-${k}`] = exactEffect(worst - 0.5, "exact count over the seed set");
    }
    const frac = arm("plain", bn).map(p2InfiniteDeepFraction);
    est.K2[`infinite-deep-${k}`] = bootstrapEffect(frac, mean, 0.5, { what: "seeds" });
    est.K4[`resnext-below-resnet-${k}`] = welchEffect(kh("resnet"), kh("resnext"));
    numbers.K1[`mean log₁₀ κ(W) PlainNet / ResNet / ResNeXt, ${b}`] =
      `${fmt(kw("plain"))} / ${fmt(kw("resnet"))} / ${fmt(kw("resnext"))}`;
    numbers.K2[`PlainNet deep blocks with κ(H) = ∞, ${b}`] = `${(100 * mean(frac)).toFixed(0)} %`;
    numbers.K3[`infinite κ(H) per run, PlainNet / ResNet / ResNeXt, ${b} (mean)`] =
      `${fmt(arm("plain", bn).map(p2InfiniteCount))} / ${fmt(arm("resnet", bn).map(p2InfiniteCount))} / ${fmt(arm("resnext", bn).map(p2InfiniteCount))}`;
    numbers.K4[`mean log₁₀ κ(H) PlainNet / ResNet / ResNeXt, ${b}`] =
      `${fmt(kh("plain"))} / ${fmt(kh("resnet"))} / ${fmt(kh("resnext"))}`;
  }
  return { estimates: est, numbers };
}
