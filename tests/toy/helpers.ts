/** Shared helpers of the toy-model tests (not a test file itself). */
import { Rng, subSeed } from "../../lib/src/util/random";
import { ToyModel } from "../../lib/src/toy";

/** Central finite-difference gradient of the exact loss. */
export function fdGradient(model: ToyModel, theta: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(theta.length);
  const t = Float64Array.from(theta);
  for (let q = 0; q < theta.length; q++) {
    t[q] = theta[q] + h;
    const lp = model.loss(t);
    t[q] = theta[q] - h;
    const lm = model.loss(t);
    t[q] = theta[q];
    g[q] = (lp - lm) / (2 * h);
  }
  return g;
}

/** ‖a − b‖ / ‖b‖. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let q = 0; q < a.length; q++) {
    num += (a[q] - b[q]) ** 2;
    den += b[q] ** 2;
  }
  return Math.sqrt(num / den);
}

/** A seeded random parameter vector with O(1) entries (a generic point, not near any singular set). */
export function randomTheta(model: ToyModel, seed: number, std = 0.8): Float64Array {
  return new Rng(subSeed(seed, "probe")).normals(model.paramCount, 0, std);
}
