/**
 * Hutchinson's stochastic trace estimator: tr(A) ≈ (1/m) Σᵢ zᵢᵀ A zᵢ with Rademacher probes zᵢ (entries ±1).
 * Unbiased; Var(zᵀAz) = 2(‖A‖_F² − Σᵢ Aᵢᵢ²) for Rademacher probes. PyHessian's `trace()`, with seeded probes and a
 * standard-error stopping rule instead of "relative change of the running mean".
 *
 * **Stopping rule**: after `probes` samples, or earlier, once at least `minProbes` samples are in and the standard
 * error of the mean s/√m ≤ rtol·|mean| (only when `rtol` is given).
 */
import { Rng, subSeed } from "../util/random";
import { SymOperator, applyOperator, withRelease } from "./operator";
import { dot, rademacher } from "../linalg/vector";

export interface HutchinsonOptions {
  /** Root seed; probes come from `subSeed(seed, "hutchinson")`. */
  seed: number;
  /** Maximum number of probes (= operator products). */
  probes: number;
  /** Optional early stop when stdError ≤ rtol·|estimate|. */
  rtol?: number;
  /** Probes always taken before the early stop may trigger (default 10). */
  minProbes?: number;
}

export interface TraceEstimate {
  /** The trace estimate (mean of the samples). */
  estimate: number;
  /** Standard error of the mean, s/√m (NaN with a single sample). */
  stdError: number;
  /** The samples zᵢᵀAzᵢ. */
  samples: Float64Array;
  /** Running estimate after each probe: history[i] = mean of samples[0..i]. */
  history: Float64Array;
  /** Operator products spent. */
  matvecs: number;
}

/** Hutchinson trace estimate; see the module comment for the stopping rule. */
export async function hutchinson(op: SymOperator, options: HutchinsonOptions): Promise<TraceEstimate> {
  return withRelease(op, async () => {
    const { probes } = options;
    if (!(Number.isInteger(probes) && probes >= 1))
      throw new Error(`hutchinson: probes must be a positive integer, got ${probes}`);
    const minProbes = options.minProbes ?? 10;
    const rng = new Rng(subSeed(options.seed, "hutchinson"));
    const samples: number[] = [];
    const history: number[] = [];
    let mean = 0;
    let m2 = 0; // Welford: running sum of squared deviations
    for (let i = 0; i < probes; i++) {
      const z = rademacher(rng, op.dim);
      const x = dot(z, await applyOperator(op, z)); // zᵀ A z
      samples.push(x);
      const delta = x - mean;
      mean += delta / samples.length;
      m2 += delta * (x - mean);
      history.push(mean);
      if (options.rtol !== undefined && samples.length >= Math.max(2, minProbes)) {
        const se = Math.sqrt(m2 / (samples.length - 1) / samples.length);
        if (se <= options.rtol * Math.abs(mean)) break;
      }
    }
    const m = samples.length;
    return {
      estimate: mean,
      stdError: m > 1 ? Math.sqrt(m2 / (m - 1) / m) : NaN,
      samples: Float64Array.from(samples),
      history: Float64Array.from(history),
      matvecs: m,
    };
  });
}
