/**
 * Paper 1, Figs. E and G: the conditions each figure compares (Fig. F's grid: figf.ts), the extra data sets of Fig. G, and the statistics the
 * claim checks use (docs/spec/p1.md §1.3 "Fig. E", "Fig. F", "Fig. G"; every condition is PROPOSED there, not the paper's).
 *
 * Runs go through the shared protocol (data, model grid, per-epoch measures, run cache: data.ts, models.ts,
 * measures.ts, protocol.ts); this file only says *what* to run on top of it and *how to read it*. A condition is an architecture of the protocol plus the
 * model fields it changes (init, skip matrix, BatchNorm, bias regulariser), so equal conditions in two notebooks hash
 * to the same cached run (e.g. the plain and residual references of Figs. C, E and F).
 */
import type { InitInput, MlpConfigInput } from "../../models/config";
import { runSpec, type DataSpec, type RunData, type RunSpec } from "../../runs/spec";
import type { SweepSpec } from "../../runs/sweep";
import { mean } from "../../stats";
import { meanSem } from "./aggregate";
import { figGInputDim, type FigGDataSpec } from "./data";
import { p1MetricSet } from "./measures";
import { p1Model, type P1Arch } from "./models";
import { p1Num, p1RunSpec, type P1Protocol, type P1Record, type P1RunRequest } from "./protocol";
import type { GridRunRequest } from "../execute";

/** One experimental condition: a protocol architecture plus the model fields it overrides. */
export interface VariantCondition {
  /** Stable key (run labels, tables, colours). */
  key: string;
  /** Legend / table label. */
  label: string;
  /** The protocol architecture it starts from (gives the skip and, unless `init` is set, the protocol's init). */
  arch: P1Arch;
  /** Init override (else the protocol's init for `arch`: He, gain 1/√depth on skip nets). */
  init?: InitInput;
  /** Other model fields (skip matrix, batchNorm, biasRegularizer). */
  extra?: Partial<MlpConfigInput>;
  /** Colour family: "plain" / "residual" use the shared colours, anything else a palette colour. */
  family: string;
  /** Where the condition comes from (docs/spec/p1.md tag). */
  source: string;
}

/** Run requests (protocol runs, labelled by condition key) for conditions × seeds. */
export function variantRequests(
  p: P1Protocol,
  conditions: readonly VariantCondition[],
  seeds: readonly number[] = p.seeds,
): P1RunRequest[] {
  return conditionRequests(p, conditions, seeds, (c, seed) => ({
    condition: c.key,
    spec: p1RunSpec(p, c.arch, seed, { init: c.init, extra: c.extra }),
  }));
}

/** One request per condition × seed (conditions outer), at the protocol's depth and width. */
function conditionRequests(
  p: P1Protocol,
  conditions: readonly VariantCondition[],
  seeds: readonly number[],
  make: (c: VariantCondition, seed: number) => Pick<P1RunRequest, "condition" | "spec">,
): P1RunRequest[] {
  return conditions.flatMap((c) =>
    seeds.map((seed) => ({ arch: c.arch, depth: p.depth, width: p.width, seed, ...make(c, seed) })),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Fig. E — malicious initialisations

export interface FigEOptions {
  /** ε of W = −I + ε·N(0, 1/n) (docs/spec/p1.md: ε ∈ {0.01, 0.1}). */
  negIdentityEps: number[];
  /** μ of W ~ N(−μ, σ²), σ the normal residual init's std (docs/spec/p1.md: μ ∈ {0.05, 0.1}). */
  negativeMean: number[];
  /** Fraction of units in duplicated pairs (J_a = J_b at init). */
  duplicatedFraction: number;
  /** ε of the plain net's identity init W = I + ε·N(0, 1/n). */
  identityEps: number[];
  /** Also a plain net with an orthogonal init (ours: a second well-conditioned plain init). */
  plainOrthogonal: boolean;
}

/**
 * Fig. E conditions. References: the normally initialised residual (protocol init, He with gain 1/√depth) and plain
 * (He) nets. Malicious residual inits: W = −I + εN (effective map W + I ≈ 0 at init: elimination), negative-mean
 * weights with the residual's std (dead ReLUs: elimination), duplicated units (overlap). The lib's `duplicated` init
 * has no gain (He gain 1 only), so it is paired with its own control, a residual net with He gain 1: the pair isolates
 * the duplication from the gain. Plain nets with residual-like identity inits W = I + εN (and optionally orthogonal).
 */
export function figEConditions(p: P1Protocol, o: FigEOptions): VariantCondition[] {
  const n = p.width;
  const residualStd = Math.sqrt(2 / n) / Math.sqrt(p.depth); // He std of a square layer × the protocol's 1/√depth gain
  const out: VariantCondition[] = [
    {
      key: "residual",
      label: "residual (He/√L)",
      arch: "residual",
      family: "residual",
      source: "reference (protocol init)",
    },
    { key: "plain", label: "plain (He)", arch: "plain", family: "plain", source: "reference (protocol init)" },
  ];
  for (const eps of o.negIdentityEps) {
    out.push({
      key: `res-negid-${eps}`,
      label: `residual, W = −I + ${eps}N`,
      arch: "residual",
      init: { type: "neg-identity", eps },
      family: "malicious",
      source: "PROPOSED (docs/spec/p1.md §1.3 Fig. E 1)",
    });
  }
  for (const mean of o.negativeMean) {
    out.push({
      key: `res-negmean-${mean}`,
      label: `residual, W ~ N(−${mean}, σ²)`,
      arch: "residual",
      init: { type: "negative-mean", mean, std: residualStd },
      family: "malicious",
      source: "PROPOSED (docs/spec/p1.md §1.3 Fig. E 2)",
    });
  }
  out.push({
    key: `res-dup-${o.duplicatedFraction}`,
    label: `residual, He/√L, ${Math.round(100 * o.duplicatedFraction)} % duplicated`,
    arch: "residual",
    init: { type: "duplicated", fraction: o.duplicatedFraction, base: "he", gain: 1 / Math.sqrt(p.depth) },
    family: "malicious",
    source: "PROPOSED (docs/spec/p1.md §1.3 Fig. E 3)",
  });
  for (const eps of o.identityEps) {
    out.push({
      key: `plain-id-${eps}`,
      label: `plain, W = I + ${eps}N`,
      arch: "plain",
      init: { type: "identity", eps },
      family: "plain-init",
      source: "PROPOSED (docs/spec/p1.md §1.3 Fig. E 4)",
    });
  }
  if (o.plainOrthogonal)
    out.push({
      key: "plain-orth",
      label: "plain, orthogonal",
      arch: "plain",
      init: { type: "orthogonal", gain: 1 },
      family: "plain-init",
      source: "ours",
    });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Fig. G — degenerate skip matrices on several data sets

/**
 * The He gain of the residual branch that keeps a degenerate-skip layer's forward variance at that of the
 * orthogonal skip (p = 0) under the protocol's gain 1/√L. With x_l = f(W x_{l−1}) + Q x_{l−1}, a He-initialised
 * ReLU branch of gain g carries ≈ g²·Var(x) and a skip with a fraction p of zero singular values (the rest 1)
 * carries (1 − p)·Var(x), so Var(x_l)/Var(x_{l−1}) ≈ g² + 1 − p. Keeping it at 1/L + 1 gives g = √(p + 1/L): 1/√L at
 * p = 0, and ≈ 1 (the standard He gain) at p = 1. Under the fixed gain 1/√L instead, the directions Q zeroes shrink
 * by ≈ 1/L per layer, so a trend of accuracy with p there measures signal loss as much as degeneracy.
 */
export function figGVarianceGain(p: number, depth: number): number {
  return Math.sqrt(p + 1 / depth);
}

/**
 * Fig. G conditions: x_l = f(W_l x_{l−1} + b_l) + Q_l x_{l−1}, Q_l = U diag(s) Vᵀ (U, V Haar-random, fixed) with a
 * fraction p of zero singular values (p = 0: random orthogonal skip; p = 1: Q = 0, a plain net that keeps the skip
 * nets' init), all with the protocol's residual init; plus the identity-skip and the plain (He) references.
 */
export function figGConditions(
  fractions: readonly number[],
  o: { identity: boolean; plain: boolean; variancePreserving?: { fractions: readonly number[]; depth: number } } = {
    identity: true,
    plain: true,
  },
): VariantCondition[] {
  const skip = (p: number) => ({ skip: { type: "matrix" as const, matrix: "degenerate" as const, zeroFraction: p } });
  const out: VariantCondition[] = fractions.map((p) => ({
    key: `p=${p}`,
    label: `Q with p = ${p} zero s.v.`,
    arch: "residual" as const,
    extra: skip(p),
    family: "degenerate",
    source: "PROPOSED (docs/spec/p1.md §1.3 Fig. G)",
  }));
  // The variance-preserving control (module comment of `figGVarianceGain`): same skips, branch gain √(p + 1/L).
  for (const p of o.variancePreserving?.fractions ?? []) {
    const gain = figGVarianceGain(p, o.variancePreserving!.depth);
    out.push({
      key: `vp p=${p}`,
      label: `Q with p = ${p} zero s.v., branch gain ${gain.toFixed(2)}`,
      arch: "residual",
      init: { type: "he", gain },
      extra: skip(p),
      family: "degenerate-vp",
      source: "ours (variance-preserving control, docs/spec/p1.md §1.3 Fig. G)",
    });
  }
  if (o.identity)
    out.push({ key: "identity", label: "identity skip", arch: "residual", family: "residual", source: "reference" });
  if (o.plain) out.push({ key: "plain", label: "plain (He)", arch: "plain", family: "plain", source: "reference" });
  return out;
}

/** The run spec of a condition on any Fig. G data set (the protocol's model, training and measures). */
export function figGRunSpec(p: P1Protocol, data: FigGDataSpec, c: VariantCondition, seed: number): RunSpec {
  if (data.name === "p1-data") return p1RunSpec({ ...p, data }, c.arch, seed, { init: c.init, extra: c.extra });
  const base = p1RunSpec(p, c.arch, seed, { init: c.init, extra: c.extra }); // for the protocol's init of the arch
  const model = p1Model(c.arch, {
    depth: p.depth,
    width: p.width,
    inputDim: figGInputDim(data),
    outputDim: 10,
    init: (base.config.model as { init: InitInput }).init,
    extra: c.extra,
  });
  return runSpec(
    { model, train: p.train, data: { ...data } as DataSpec, evalAtStart: true, metrics: [p1MetricSet(p.measures)] },
    seed,
  );
}

/** Run requests for datasets × conditions × seeds; `condition` is "<dataset key>|<condition key>". */
export function figGRequests(
  p: P1Protocol,
  datasets: ReadonlyArray<{ key: string; data: FigGDataSpec }>,
  conditions: readonly VariantCondition[],
  seeds: readonly number[] = p.seeds,
): P1RunRequest[] {
  return datasets.flatMap((d) =>
    conditionRequests(p, conditions, seeds, (c, seed) => ({
      condition: `${d.key}|${c.key}`,
      spec: figGRunSpec(p, d.data, c, seed),
    })),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// statistics for the claim checks

/**
 * Fraction of the plain → residual gap a variant recovers: (v − plain)/(residual − plain). 0 = no better than plain,
 * 1 = as good as residual, > 1 better than residual. NaN when the gap is not positive (no benefit to recover).
 */
export function gapRecovered(variant: number, plain: number, residual: number): number {
  const gap = residual - plain;
  return gap > 0 ? (variant - plain) / gap : NaN;
}

/**
 * Normalised area under a per-epoch curve: the mean of the values at epochs 1..E (each epoch's training accuracy is
 * already an average over that epoch's batches). It is 1 only if every epoch was perfect; it rewards fast training.
 */
export function curveAuc(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** How many adjacent pairs (in x order) move in `direction`, out of how many. */
export function monotoneSteps(
  means: readonly number[],
  direction: "decreasing" | "increasing",
): { holds: number; pairs: number } {
  let holds = 0;
  for (let i = 1; i < means.length; i++)
    if (direction === "decreasing" ? means[i] < means[i - 1] : means[i] > means[i - 1]) holds++;
  return { holds, pairs: Math.max(0, means.length - 1) };
}

// ---------------------------------------------------------------------------------------------------------------
// reading the runs

/** One row per run: the numbers the claim checks use. */
export interface VariantRunRow {
  [key: string]: number | string;
  condition: string;
  seed: number;
  hash: string;
  status: string;
  /** Last epoch's training / test accuracy. */
  trainAcc: number;
  testAcc: number;
  /** Mean training accuracy over epochs 1..E (`curveAuc`): rewards fast training. */
  auc: number;
  /** Hessian degenerate fraction of the mid-layer block (|λ| < 1e-4·max|λ|) at epoch 0 and at the last epoch. */
  degInit: number;
  degFinal: number;
  /** Mean over hidden layers of the dead-unit fraction (elimination) at epoch 0 and at the end. */
  deadInit: number;
  deadFinal: number;
  /** Mean over hidden layers of the fraction of unit pairs with activity cosine > 0.99 (overlap), epoch 0 / end. */
  overlapInit: number;
  overlapFinal: number;
}

/**
 * The mid-layer Hessian's degenerate fraction (|λ| < 1e-4·max|λ|) of an epoch record, NaN where it was not computed.
 * Where the whole block's Hessian is exactly zero (max|λ| = 0: e.g. every ReLU dead, or a saturated softmax) the
 * relative threshold τ = 1e-4·max|λ| is 0 and the stored fraction reads 0, although every eigenvalue is zero; such a
 * block is fully degenerate, so this returns 1 there.
 */
export function degenerateFraction(r: Record<string, unknown>): number {
  const deg = p1Num(r["hess.mid.deg_rel"]);
  return Number.isFinite(deg) && p1Num(r["hess.mid.max_abs"]) === 0 ? 1 : deg;
}

/** Per-run summary rows of protocol records (module comment of `VariantRunRow`). */
export function variantRunRows(records: readonly P1Record[]): VariantRunRow[] {
  const byRun = new Map<string, P1Record[]>();
  for (const r of records) {
    const list = byRun.get(r.hash) ?? [];
    list.push(r);
    byRun.set(r.hash, list);
  }
  const out: VariantRunRow[] = [];
  for (const [hash, rs] of byRun) {
    rs.sort((a, b) => a.epoch - b.epoch);
    const first = rs.find((r) => r.epoch === 0) ?? rs[0];
    const last = rs[rs.length - 1];
    out.push({
      condition: last.condition,
      seed: last.seed,
      hash,
      status: last.status,
      trainAcc: p1Num(last.train_acc),
      testAcc: p1Num(last.test_acc),
      auc: curveAuc(rs.filter((r) => r.epoch >= 1).map((r) => p1Num(r.train_acc))),
      degInit: degenerateFraction(first),
      degFinal: degenerateFraction(last),
      deadInit: p1Num(first["layers.dead_frac_mean"]),
      deadFinal: p1Num(last["layers.dead_frac_mean"]),
      overlapInit: p1Num(first["layers.act_overlap_frac_mean"]),
      overlapFinal: p1Num(last["layers.act_overlap_frac_mean"]),
    });
  }
  return out.sort((a, b) => (a.condition === b.condition ? a.seed - b.seed : a.condition.localeCompare(b.condition)));
}

/** Values of one column of the run rows of a condition (in seed order). */
export function conditionValues(
  rows: readonly VariantRunRow[],
  condition: string,
  column: keyof VariantRunRow & string,
): number[] {
  return rows.filter((r) => r.condition === condition).map((r) => Number(r[column]));
}

/**
 * Mean ± s.e.m. over seeds of a per-epoch metric, per condition, at the epochs where the metric was recorded
 * (e.g. the Hessian only at some epochs).
 */
export function conditionCurves(
  records: readonly P1Record[],
  conditions: readonly string[],
  metric: string,
): Array<{ condition: string; x: number[]; mean: number[]; sem: number[] }> {
  // the Hessian's degenerate fraction goes through `degenerateFraction` (an all-zero block counts as fully degenerate)
  const value = (r: P1Record) => (metric === "hess.mid.deg_rel" ? degenerateFraction(r) : p1Num(r[metric]));
  return conditions.map((condition) => {
    const rs = records
      .filter((r) => r.condition === condition && Number.isFinite(value(r)))
      .map((r) => ({ epoch: r.epoch, v: value(r) }));
    const ms = meanSem(rs, ["epoch"], "v").filter((m) => Number.isFinite(m.mean));
    return { condition, x: ms.map((m) => Number(m.epoch)), mean: ms.map((m) => m.mean), sem: ms.map((m) => m.sem) };
  });
}

/**
 * Sweep files (runs/sweep.ts) that compute exactly `requests` (same hashes): one per distinct rest of the config
 * (data, training, measures), the grid over whole model configs × the seeds, for any paper's grid. Run with
 * `npx skiplab sweep FILE --shard i/N` (every experiment's data providers and metric sets are registered), then
 * re-render the notebook, which reads the cache.
 */
export function variantSweepSpecs(requests: readonly GridRunRequest[], name: string): SweepSpec[] {
  const groups = new Map<string, { base: GridRunRequest; models: Map<string, unknown>; seeds: Set<number> }>();
  for (const r of requests) {
    const key = JSON.stringify({ ...r.spec.config, model: null });
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { base: r, models: new Map(), seeds: new Set() }));
    g.models.set(JSON.stringify(r.spec.config.model), r.spec.config.model);
    g.seeds.add(r.seed);
  }
  return [...groups.values()].map((g, i) => ({
    name: groups.size > 1 ? `${name}-${i}` : name,
    base: JSON.parse(JSON.stringify(g.base.spec.config)),
    grid: { model: [...g.models.values()] },
    seeds: [...g.seeds].sort((a, b) => a - b),
  }));
}
