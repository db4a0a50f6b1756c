/**
 * Per-layer singularity measures in one call (docs/spec/p1.md §1.5, §2): elimination, overlap (of activities and of
 * incoming weights), linear dependence, and condition numbers of the weights and of the hidden representation; and
 * per-block Hessian degeneracy from exact spectra. `flattenSingularities` turns the result into the flat
 * `{ "L3.dead_frac": …, … }` record the training loop logs.
 */
import { exactSpectrum, ExactSpectrum } from "../curvature/exact";
import { hessianOperator } from "../curvature/hessian";
import type { LossFn, ParamFilter, ParamSet } from "../curvature/params";
import { conditionNumber, ConditionOptions, ConditionResult } from "./condition";
import { degeneracyStats, DegeneracyOptions, DegeneracyStats } from "./degeneracy";
import { eliminationStats, EliminationOptions, EliminationStats, incomingWeightNorms } from "./elimination";
import { linearDependenceStats, LinearDependenceOptions, LinearDependenceStats } from "./linear-dependence";
import type { Matrix } from "./matrix";
import { overlapStats, OverlapOptions, OverlapStats } from "./overlap";

/** What one layer exposes on the probe batch. Every field is optional; measures whose input is absent are skipped. */
export interface LayerProbe {
  name: string;
  /** The units' own nonlinearity outputs h = f(z), [N, units] (before any skip is added). */
  activity?: Matrix;
  /** The layer output the next layer reads (after the skip), [N, units], for κ(H). Defaults to `activity`. */
  representation?: Matrix;
  /** Incoming weights W [fanIn, units]. */
  weights?: Matrix;
}

export interface LayerSingularityOptions {
  elimination?: EliminationOptions;
  overlap?: OverlapOptions;
  linearDependence?: LinearDependenceOptions;
  /** For κ(W) and κ(H) (default: float32 criterion, see condition.ts). */
  condition?: ConditionOptions;
}

export interface LayerSingularity {
  name: string;
  elimination?: EliminationStats;
  /** ‖J_a‖ per unit, with summary statistics. */
  incomingNorms?: { norms: Float64Array; min: number; mean: number; max: number };
  activityOverlap?: OverlapStats;
  weightOverlap?: OverlapStats;
  linearDependence?: LinearDependenceStats;
  weightCondition?: ConditionResult;
  representationCondition?: ConditionResult;
}

/** Every activation/weight measure of every layer (module comment). */
export function layerSingularities(
  layers: readonly LayerProbe[],
  options: LayerSingularityOptions = {},
): LayerSingularity[] {
  return layers.map((l) => {
    const out: LayerSingularity = { name: l.name };
    if (l.activity) {
      out.elimination = eliminationStats(l.activity, options.elimination);
      out.activityOverlap = overlapStats(l.activity, options.overlap);
      out.linearDependence = linearDependenceStats(l.activity, options.linearDependence);
    }
    const rep = l.representation ?? l.activity;
    if (rep) out.representationCondition = conditionNumber(rep, options.condition);
    if (l.weights) {
      const norms = incomingWeightNorms(l.weights);
      let min = Infinity;
      let max = 0;
      let mean = 0;
      for (const v of norms) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        mean += v / norms.length;
      }
      out.incomingNorms = { norms, min, mean, max };
      out.weightOverlap = overlapStats(l.weights, options.overlap);
      out.weightCondition = conditionNumber(l.weights, options.condition);
    }
    return out;
  });
}

/** A record value: numbers, with Infinity kept (JSON writers should map it, e.g. to the string "Infinity"). */
export type MeasureValue = number | string | null;
export type MeasureRecord = Record<string, MeasureValue>;

/**
 * Flat scalar summary of `layerSingularities`, keys "<layer>.<measure>":
 *   rare_frac, dead_frac, active_mean            elimination (fractions of units)
 *   norm_min, norm_mean, norm_max                ‖J_a‖
 *   act_maxsim_mean, act_overlap_frac            overlap of activity vectors
 *   w_maxsim_mean, w_overlap_frac                overlap of incoming weights
 *   small_sv_frac, eff_rank_norm                 linear dependence
 *   kappa_W, kappa_H                             condition numbers (Infinity when numerically singular)
 */
export function flattenSingularities(rows: readonly LayerSingularity[], prefix = ""): MeasureRecord {
  const r: MeasureRecord = {};
  for (const l of rows) {
    const k = (m: string) => `${prefix}${l.name}.${m}`;
    if (l.elimination) {
      r[k("rare_frac")] = l.elimination.rareUnitFraction;
      r[k("dead_frac")] = l.elimination.deadUnitFraction;
      r[k("active_mean")] = l.elimination.meanActiveFraction;
    }
    if (l.incomingNorms) {
      r[k("norm_min")] = l.incomingNorms.min;
      r[k("norm_mean")] = l.incomingNorms.mean;
      r[k("norm_max")] = l.incomingNorms.max;
    }
    if (l.activityOverlap) {
      r[k("act_maxsim_mean")] = l.activityOverlap.meanMaxSimilarity;
      r[k("act_overlap_frac")] = l.activityOverlap.overlapPairFraction;
    }
    if (l.weightOverlap) {
      r[k("w_maxsim_mean")] = l.weightOverlap.meanMaxSimilarity;
      r[k("w_overlap_frac")] = l.weightOverlap.overlapPairFraction;
    }
    if (l.linearDependence) {
      r[k("small_sv_frac")] = l.linearDependence.smallFraction;
      r[k("eff_rank_norm")] = l.linearDependence.normalizedEffectiveRank;
    }
    if (l.weightCondition) r[k("kappa_W")] = l.weightCondition.kappa;
    if (l.representationCondition) r[k("kappa_H")] = l.representationCondition.kappa;
  }
  return r;
}

/** The layer a parameter belongs to, by the models' naming ("L3.W" → "L3", "B2.L1.bn.gamma" → "B2.L1"). */
export function layerOfParam(name: string): string {
  return name.replace(/\.(bn\.[A-Za-z]+|[A-Za-z]+)$/, "");
}

/** Layer names in first-appearance order of a ParamSet's parameter names. */
export function layerNames(set: ParamSet): string[] {
  const out: string[] = [];
  for (const n of set.names) {
    const l = layerOfParam(n);
    if (!out.includes(l)) out.push(l);
  }
  return out;
}

export interface HessianDegeneracyOptions {
  /**
   * Blocks whose Hessian is diagonalised: a map name → filter, "layers" (one block per layer, the default), or
   * "all" (the whole model). Each block's Hessian holds the other parameters fixed.
   */
  blocks?: Record<string, ParamFilter> | "layers" | "all";
  degeneracy?: DegeneracyOptions;
  /** Skip (with a note) blocks larger than this (default 3000 parameters). */
  maxDim?: number;
  /** Keep the eigenvalues in the result (default true). */
  keepValues?: boolean;
}

export interface BlockDegeneracy {
  block: string;
  dim: number;
  /** Null when the block was skipped for size. */
  stats: DegeneracyStats | null;
  values?: Float64Array;
  asymmetry?: number;
  noiseFloor?: number;
  seconds?: number;
  note?: string;
}

/** Exact Hessian spectra of parameter blocks and their degeneracy statistics. */
export async function hessianDegeneracy(
  loss: LossFn,
  set: ParamSet,
  options: HessianDegeneracyOptions = {},
): Promise<BlockDegeneracy[]> {
  const blocksOpt = options.blocks ?? "layers";
  const blocks: Record<string, ParamFilter> =
    blocksOpt === "all"
      ? { all: "*" }
      : blocksOpt === "layers"
        ? Object.fromEntries(layerNames(set).map((l) => [l, (n: string) => layerOfParam(n) === l]))
        : blocksOpt;
  const maxDim = options.maxDim ?? 3000;
  const out: BlockDegeneracy[] = [];
  for (const [block, filter] of Object.entries(blocks)) {
    const op = hessianOperator(loss, set, { filter });
    if (op.dim > maxDim) {
      out.push({ block, dim: op.dim, stats: null, note: `skipped: ${op.dim} parameters > maxDim ${maxDim}` });
      continue;
    }
    const spec: ExactSpectrum = await exactSpectrum(op, { maxDim });
    out.push({
      block,
      dim: op.dim,
      stats: degeneracyStats(spec.values, { ...options.degeneracy, noiseFloor: spec.noiseFloor }),
      values: options.keepValues === false ? undefined : spec.values,
      asymmetry: spec.asymmetry,
      noiseFloor: spec.noiseFloor,
      seconds: spec.assemblySeconds + spec.eighSeconds,
    });
  }
  return out;
}

/**
 * Flat summary of `hessianDegeneracy`, keys "hess.<block>.<stat>": deg_abs_<τ>, neg_abs_<τ> for every absolute τ,
 * deg_rel, neg_rel (relative τ), max_abs, min, max, noise.
 */
export function flattenDegeneracy(blocks: readonly BlockDegeneracy[], prefix = "hess."): MeasureRecord {
  const r: MeasureRecord = {};
  for (const b of blocks) {
    const k = (m: string) => `${prefix}${b.block}.${m}`;
    if (!b.stats) {
      r[k("skipped")] = b.note ?? "skipped";
      continue;
    }
    for (const a of b.stats.absolute) {
      r[k(`deg_abs_${a.tau.toExponential(0)}`)] = a.degenerateFraction;
      r[k(`neg_abs_${a.tau.toExponential(0)}`)] = a.negativeFraction;
    }
    r[k("deg_rel")] = b.stats.relative.degenerateFraction;
    r[k("neg_rel")] = b.stats.relative.negativeFraction;
    r[k("max_abs")] = b.stats.maxAbs;
    r[k("min")] = b.stats.min;
    r[k("max")] = b.stats.max;
    if (b.noiseFloor !== undefined) r[k("noise")] = b.noiseFloor;
  }
  return r;
}
