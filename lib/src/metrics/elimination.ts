/**
 * Elimination singularities (docs/spec/p1.md §1.2.2, §1.5.2): a unit that is (almost) never active contributes nothing,
 * so its outgoing weights are unidentifiable (and, for a dead ReLU, its incoming weights too).
 *
 *   active fraction of unit a   p_a = #{ n : h_na > θ } / N          (θ = 0: a ReLU output is active when > 0)
 *   rare units                  #{ a : p_a < 1% } / units
 *   dead units                  #{ a : p_a = 0 } / units
 *   incoming-weight norms       ‖J_a‖₂ = ‖W[:, a]‖₂   (W [fanIn, fanOut])
 *
 * Pass the unit's own nonlinearity output h = f(z) (or the pre-activation z with θ = 0 for ReLU), **not** the layer
 * output after a skip connection is added: the measure is about the unit, and a skip keeps the layer output alive.
 */
import { checkMatrix, Matrix } from "./matrix";

export interface EliminationOptions {
  /** A unit is active on input n when h_na > activeThreshold (default 0). */
  activeThreshold?: number;
  /** "Rare" means active on fewer than this fraction of inputs (default 0.01). */
  rareFraction?: number;
}

export interface EliminationStats {
  units: number;
  samples: number;
  /** Per unit: fraction of probe inputs on which it is active. */
  activeFraction: Float64Array;
  /** Units active on < rareFraction of inputs: count and fraction of units. */
  rareCount: number;
  rareUnitFraction: number;
  /** Units active on no input: count and fraction of units. */
  deadCount: number;
  deadUnitFraction: number;
  /** Mean active fraction over units. */
  meanActiveFraction: number;
  rareFractionThreshold: number;
}

/** Elimination statistics of an activity matrix h [N, units] (module comment). */
export function eliminationStats(h: Matrix, options: EliminationOptions = {}): EliminationStats {
  checkMatrix("eliminationStats", h);
  const theta = options.activeThreshold ?? 0;
  const rare = options.rareFraction ?? 0.01;
  const { rows: n, cols: units } = h;
  if (n === 0) throw new Error("eliminationStats: no probe inputs (0 rows)");
  const active = new Float64Array(units);
  for (let i = 0; i < n; i++) {
    const row = i * units;
    for (let a = 0; a < units; a++) if (h.data[row + a] > theta) active[a]++;
  }
  let rareCount = 0;
  let deadCount = 0;
  let mean = 0;
  for (let a = 0; a < units; a++) {
    active[a] /= n;
    if (active[a] < rare) rareCount++;
    if (active[a] === 0) deadCount++;
    mean += active[a] / units;
  }
  return {
    units,
    samples: n,
    activeFraction: active,
    rareCount,
    rareUnitFraction: units ? rareCount / units : NaN,
    deadCount,
    deadUnitFraction: units ? deadCount / units : NaN,
    meanActiveFraction: units ? mean : NaN,
    rareFractionThreshold: rare,
  };
}

/** ‖J_a‖₂ for every unit a: the Euclidean norms of the columns of W [fanIn, fanOut]. */
export function incomingWeightNorms(W: Matrix): Float64Array {
  checkMatrix("incomingWeightNorms", W);
  const out = new Float64Array(W.cols);
  for (let i = 0; i < W.rows; i++) {
    const row = i * W.cols;
    for (let a = 0; a < W.cols; a++) out[a] += W.data[row + a] ** 2;
  }
  for (let a = 0; a < W.cols; a++) out[a] = Math.sqrt(out[a]);
  return out;
}
