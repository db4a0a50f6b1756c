/**
 * Full-batch gradient descent on the exact toy loss, θ ← θ − η ∇L(θ), recording the loss at every step and
 * θ every `recordEvery` steps, and tracking the closest approach to the singular manifolds:
 *
 *   overlap      min_t min_{i<j} ‖J_i − J_j‖, and the odd-aware versions below
 *   elimination  min_t min_i |w_i|,   min_t min_i ‖J_i‖
 *
 * g = erf(·/√2) is odd, so a plain unit (J, w) computes the same function as (−J, −w): the plain model's overlap
 * manifold is J_i = ±J_j, and in practice plain students sit on the sign-flipped branch J_2 ≈ −J_1 during
 * their plateau. The odd-aware metrics use min(‖J_i − J_j‖, ‖J_i + J_j‖) and |cos(J_i, J_j)|.
 *
 * The step loop allocates nothing (one gradient buffer, preallocated loss and snapshot arrays).
 */
import { ToyModel } from "./model";

/** Gradient-descent settings. */
export interface ToyGDConfig {
  /** η: learning rate (step size of the Euler discretisation of the gradient flow dθ/dt = −∇L). */
  lr: number;
  /** Maximum number of GD steps. */
  steps: number;
  /** m: θ is stored every m steps (step 0 included), plus the final θ. */
  recordEvery: number;
  /** Stop as soon as L(θ_t) < lossFloor; null runs all steps. */
  lossFloor: number | null;
  /**
   * Closest-approach metrics are taken over steps t ≥ trackFromStep. With a small init every unit starts near
   * J = 0, w = 0 and J_1 ≈ J_2 in absolute terms, so t = 0 trivially minimises the raw distances; a positive
   * value (or the relative overlap) measures the approach made by the dynamics. Default 0.
   */
  trackFromStep?: number;
}

/** Closest approach of a trajectory to the singular manifolds (over t ≥ trackFromStep). */
export interface ToyClosestApproach {
  /** min_t min_{i<j} ‖J_i − J_j‖ (overlap); Infinity when k = 1. */
  minOverlap: number;
  /** Step at which minOverlap was attained. */
  minOverlapStep: number;
  /** min_t min_{i<j} min(‖J_i − J_j‖, ‖J_i + J_j‖): odd-aware overlap; Infinity when k = 1. */
  minOverlapOdd: number;
  /** Step at which minOverlapOdd was attained. */
  minOverlapOddStep: number;
  /** min_t min_{i<j} min(‖J_i − J_j‖, ‖J_i + J_j‖) / max(‖J_i‖, ‖J_j‖): scale-free, odd-aware (0 = J_i = ±J_j). */
  minRelOverlap: number;
  /** Step at which minRelOverlap was attained. */
  minRelOverlapStep: number;
  /** max_t max_{i<j} |cos(J_i, J_j)|: direction-only overlap (1 = parallel or antiparallel). */
  maxAbsCos: number;
  /** Step at which maxAbsCos was attained. */
  maxAbsCosStep: number;
  /** min_t min_i |w_i| (elimination by zero outgoing weight). */
  minOutWeight: number;
  /** Step at which minOutWeight was attained. */
  minOutWeightStep: number;
  /** min_t min_i ‖J_i‖ (elimination by a silent unit). */
  minInNorm: number;
  /** Step at which minInNorm was attained. */
  minInNormStep: number;
}

/** One GD trajectory. */
export interface ToyRun {
  /** loss[t] = L(θ_t), t = 0..stepsRun (θ_t is the parameter after t updates). */
  loss: Float64Array;
  /** Number of updates made. */
  stepsRun: number;
  /** True when L fell below lossFloor before `steps`. */
  stoppedEarly: boolean;
  /** True when L or θ became non-finite (run stopped there). */
  diverged: boolean;
  /** Steps at which θ was stored. */
  snapshotSteps: Int32Array;
  /** Stored θ's, row-major [snapshot, P]. */
  snapshots: Float64Array;
  /** θ after the last update. */
  finalTheta: Float64Array;
  /** Closest approach to the singular manifolds. */
  closest: ToyClosestApproach;
}

/** Runs GD from θ_0 (not modified). */
export function gradientDescent(model: ToyModel, theta0: Float64Array, cfg: ToyGDConfig): ToyRun {
  const { lr, steps, recordEvery } = cfg;
  if (!(lr > 0)) throw new Error(`toy.gradientDescent: lr must be > 0, got ${lr}`);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`toy.gradientDescent: steps must be an integer ≥ 0`);
  if (!(Number.isInteger(recordEvery) && recordEvery >= 1))
    throw new Error(`toy.gradientDescent: recordEvery must be ≥ 1`);
  const floor = cfg.lossFloor ?? -Infinity;
  const trackFrom = cfg.trackFromStep ?? 0;
  const P = model.paramCount;
  const { d, k } = model;
  const wOff = model.wOffset;
  const theta = Float64Array.from(theta0);
  const grad = new Float64Array(P);
  const loss = new Float64Array(steps + 1);
  const maxSnaps = Math.floor(steps / recordEvery) + 2;
  const snapshots = new Float64Array(maxSnaps * P);
  const snapshotSteps = new Int32Array(maxSnaps);
  let nSnap = 0;

  let minOverlap = Infinity;
  let minOverlapStep = -1;
  let minOdd = Infinity;
  let minOddStep = -1;
  let maxCos = 0;
  let maxCosStep = -1;
  let minRel = Infinity;
  let minRelStep = -1;
  let minW = Infinity;
  let minWStep = -1;
  let minJ = Infinity;
  let minJStep = -1;

  let t = 0;
  let stoppedEarly = false;
  let diverged = false;
  for (;;) {
    const L = model.lossGrad(theta, grad);
    loss[t] = L;
    if (t % recordEvery === 0) {
      snapshots.set(theta, nSnap * P);
      snapshotSteps[nSnap++] = t;
    }
    if (!Number.isFinite(L)) {
      diverged = true;
      break;
    }
    if (t >= trackFrom) {
      // elimination: min_i |w_i|, min_i ‖J_i‖
      for (let i = 0; i < k; i++) {
        const aw = Math.abs(theta[wOff + i]);
        if (aw < minW) {
          minW = aw;
          minWStep = t;
        }
        let nn = 0;
        for (let m = 0; m < d; m++) nn += theta[i * d + m] * theta[i * d + m];
        const nJ = Math.sqrt(nn);
        if (nJ < minJ) {
          minJ = nJ;
          minJStep = t;
        }
        // overlap: ‖J_i − J_j‖ for j > i
        for (let j = i + 1; j < k; j++) {
          let dd = 0;
          let ss = 0;
          let mm = 0;
          let ij = 0;
          for (let m = 0; m < d; m++) {
            const a = theta[i * d + m];
            const b = theta[j * d + m];
            dd += (a - b) * (a - b);
            ss += (a + b) * (a + b);
            mm += b * b;
            ij += a * b;
          }
          const dist = Math.sqrt(dd);
          if (dist < minOverlap) {
            minOverlap = dist;
            minOverlapStep = t;
          }
          const odd = Math.sqrt(Math.min(dd, ss));
          if (odd < minOdd) {
            minOdd = odd;
            minOddStep = t;
          }
          const nI = Math.sqrt(mm);
          const cosAbs = nJ > 0 && nI > 0 ? Math.abs(ij) / (nJ * nI) : 0;
          if (cosAbs > maxCos) {
            maxCos = cosAbs;
            maxCosStep = t;
          }
          const scale = Math.max(nJ, nI);
          const rel = scale > 0 ? odd / scale : 0;
          if (rel < minRel) {
            minRel = rel;
            minRelStep = t;
          }
        }
      }
    }
    if (L < floor) {
      stoppedEarly = true;
      break;
    }
    if (t === steps) break;
    for (let q = 0; q < P; q++) theta[q] -= lr * grad[q];
    t++;
  }
  if (snapshotSteps[nSnap - 1] !== t) {
    snapshots.set(theta, nSnap * P);
    snapshotSteps[nSnap++] = t;
  }
  return {
    loss: t === steps ? loss : loss.slice(0, t + 1),
    stepsRun: t,
    stoppedEarly,
    diverged,
    snapshotSteps: snapshotSteps.slice(0, nSnap),
    snapshots: snapshots.slice(0, nSnap * P),
    finalTheta: theta,
    closest: {
      minOverlap,
      minOverlapStep,
      minOverlapOdd: minOdd,
      minOverlapOddStep: minOddStep,
      minRelOverlap: minRel,
      minRelOverlapStep: minRelStep,
      maxAbsCos: maxCos,
      maxAbsCosStep: maxCosStep,
      minOutWeight: minW,
      minOutWeightStep: minWStep,
      minInNorm: minJ,
      minInNormStep: minJStep,
    },
  };
}
