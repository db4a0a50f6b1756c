/**
 * Plateau metrics of one loss curve L_0, L_1, …, L_T (one entry per GD step).
 *
 * Definitions [PROPOSED; the paper's are not known]:
 *  - stepsToLoss(ε): the first t with L_t < ε, or null if the curve never gets there.
 *  - a "plateau step" is a step t (0 ≤ t < T) whose relative loss change is slow,
 *        |L_{t+1} − L_t| / (L_t − offset) < r,
 *    while the loss is still above the floor, L_t > floor. `offset` is the irreducible loss (σ²/2 with output
 *    noise, else 0), `floor` defaults to ε, so the final convergence tail below the target never counts.
 *    plateauSteps = the number of plateau steps; longestPlateau = the longest run of consecutive plateau steps.
 *  - r is per step: slow GD (small η) has small per-step changes everywhere, so scale r with η
 *    (r = ρ·η makes the threshold a rate per unit of gradient-flow time, independent of η).
 *
 * A run stuck above the floor until T counts all those steps, which is the honest reading (it never escaped).
 */

/** Options of `plateauMetrics`. */
export interface ToyPlateauOptions {
  /** ε: the target loss of stepsToLoss. */
  eps: number;
  /** r: per-step relative-rate threshold below which a step is a plateau step. */
  rateThreshold: number;
  /** Steps with L_t ≤ floor never count as plateau. Default: eps. */
  floor?: number;
  /** Irreducible loss subtracted before taking the relative rate (σ²/2 with noise). Default 0. */
  offset?: number;
}

/** Plateau metrics of one loss curve. */
export interface ToyPlateauMetrics {
  /** First step with L < eps, or null if never. */
  stepsToEps: number | null;
  /** Number of plateau steps (see module doc). */
  plateauSteps: number;
  /** Length of the longest contiguous run of plateau steps. */
  longestPlateau: number;
  /** First step of that run (−1 if none). */
  longestPlateauStart: number;
  /** Mean loss over that run (NaN if none): the height of the plateau. */
  longestPlateauLoss: number;
  /** The floor used. */
  floor: number;
  /** Loss at the last step. */
  finalLoss: number;
  /** Smallest loss on the curve. */
  minLoss: number;
}

/** First t with loss[t] < eps, or null. */
export function stepsToLoss(loss: ArrayLike<number>, eps: number): number | null {
  for (let t = 0; t < loss.length; t++) if (loss[t] < eps) return t;
  return null;
}

/** Plateau metrics of a loss curve (see module doc for the definitions). */
export function plateauMetrics(loss: ArrayLike<number>, opts: ToyPlateauOptions): ToyPlateauMetrics {
  const floor = opts.floor ?? opts.eps;
  const offset = opts.offset ?? 0;
  const r = opts.rateThreshold;
  let plateauSteps = 0;
  let run = 0;
  let runStart = -1;
  let best = 0;
  let bestStart = -1;
  let minLoss = Infinity;
  for (let t = 0; t < loss.length; t++) if (loss[t] < minLoss) minLoss = loss[t];
  for (let t = 0; t + 1 < loss.length; t++) {
    const L = loss[t];
    const excess = L - offset;
    const slow = L > floor && excess > 0 && Math.abs(loss[t + 1] - L) < r * excess;
    if (slow) {
      plateauSteps++;
      if (run === 0) runStart = t;
      run++;
      if (run > best) {
        best = run;
        bestStart = runStart;
      }
    } else {
      run = 0;
    }
  }
  let plateauLoss = NaN;
  if (best > 0) {
    let acc = 0;
    for (let t = bestStart; t < bestStart + best; t++) acc += loss[t];
    plateauLoss = acc / best;
  }
  return {
    stepsToEps: stepsToLoss(loss, opts.eps),
    plateauSteps,
    longestPlateau: best,
    longestPlateauStart: bestStart,
    longestPlateauLoss: plateauLoss,
    floor,
    finalLoss: loss.length > 0 ? loss[loss.length - 1] : NaN,
    minLoss,
  };
}
