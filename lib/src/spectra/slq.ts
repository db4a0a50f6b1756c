/**
 * Stochastic Lanczos quadrature (SLQ; Lin, Saad & Yang 2016; Ghorbani, Krishnan & Xiao 2019; PyHessian `density`):
 * the spectral density φ(t) = (1/n) Σᵢ δ(t − λᵢ) of a symmetric operator, estimated from a few Lanczos runs.
 *
 * For each probe l (a normalised Rademacher vector v_l), m Lanczos steps give Tₘ = S diag(θ) Sᵀ, and
 *     v_lᵀ f(A) v_l ≈ Σᵢ τᵢ f(θᵢ),   nodes θᵢ = Ritz values,   weights τᵢ = (e₁ᵀ sᵢ)²,
 * the m-point Gauss quadrature of v_l's spectral measure μ_l = Σⱼ (v_lᵀuⱼ)² δ_{λⱼ}. Since E[(vᵀuⱼ)²] = 1/n for a
 * normalised Rademacher v, averaging over probes estimates φ: φ ≈ (1/n_v) Σ_l Σᵢ τᵢ^{(l)} δ_{θᵢ^{(l)}}.
 * The weights are the squared FIRST components of the eigenvectors of Tₘ: PyHessian squared the whole eigenvector
 * matrix for a while (issue #17, fixed in PR #23), which is exactly the bug this module's tests guard against.
 *
 * **Stopping rule**: each probe runs `steps` Lanczos steps, or fewer at breakdown (its Krylov space is invariant, so
 * its quadrature is then exact); `probes` probes in total.
 */
import { Rng, subSeed } from "../util/random";
import { lanczos } from "./lanczos";
import { SymOperator } from "./operator";
import { rademacher } from "../linalg/vector";

export interface SlqOptions {
  /** Root seed; probes come from `subSeed(seed, "slq")`. */
  seed: number;
  /** Number of probe vectors n_v. */
  probes: number;
  /** Lanczos steps per probe m (≤ dim). */
  steps: number;
}

export interface SlqResult {
  /** Operator dimension n. */
  dim: number;
  /** Per probe: the quadrature nodes (Ritz values, ascending). */
  nodes: Float64Array[];
  /** Per probe: the quadrature weights (e₁ᵀsᵢ)², each summing to 1. */
  weights: Float64Array[];
  /** Per probe: Lanczos steps taken and why it stopped. */
  runs: { steps: number; stop: "steps" | "breakdown" | "converged" }[];
  /** Per probe: the extreme Ritz values after each Lanczos step (the per-iteration estimates). */
  history: { min: number; max: number }[][];
  /** Operator products spent. */
  matvecs: number;
}

/** Stochastic Lanczos quadrature of the spectral density; see the module comment. */
export async function slq(op: SymOperator, options: SlqOptions): Promise<SlqResult> {
  const { probes, steps } = options;
  if (!(Number.isInteger(probes) && probes >= 1))
    throw new Error(`slq: probes must be a positive integer, got ${probes}`);
  const rng = new Rng(subSeed(options.seed, "slq"));
  const out: SlqResult = { dim: op.dim, nodes: [], weights: [], runs: [], history: [], matvecs: 0 };
  for (let l = 0; l < probes; l++) {
    const v = rademacher(rng, op.dim);
    const run = await lanczos(op, { seed: options.seed, steps, start: v });
    out.nodes.push(run.ritzValues);
    out.weights.push(run.ritzWeights);
    out.runs.push({ steps: run.steps, stop: run.stop });
    out.history.push(run.history.map((h) => ({ min: h.min, max: h.max })));
    out.matvecs += run.steps;
  }
  return out;
}

/**
 * Σ-quadrature of tr f(A) from an SLQ result: tr f(A) ≈ n·(1/n_v) Σ_l Σᵢ τᵢ^{(l)} f(θᵢ^{(l)}), with its standard
 * error across probes. f = x ↦ x gives the trace, f = log gives log det (for A ≻ 0), f = x ↦ x² gives ‖A‖_F².
 */
export function slqQuadrature(
  result: SlqResult,
  f: (x: number) => number,
): { estimate: number; stdError: number; perProbe: Float64Array } {
  const perProbe = Float64Array.from(result.nodes, (nodes, l) => {
    let s = 0;
    for (let i = 0; i < nodes.length; i++) s += result.weights[l][i] * f(nodes[i]);
    return result.dim * s;
  });
  const k = perProbe.length;
  let mean = 0;
  for (const x of perProbe) mean += x / k;
  let ss = 0;
  for (const x of perProbe) ss += (x - mean) * (x - mean);
  return { estimate: mean, stdError: k > 1 ? Math.sqrt(ss / (k - 1) / k) : NaN, perProbe };
}

export interface DensityOptions {
  /** Number of grid points (default 1000). */
  points?: number;
  /** Gaussian kernel standard deviation (default 1% of the node range, or 1e-3 if all nodes coincide). */
  sigma?: number;
  /** Grid range (default [min node − 5σ, max node + 5σ]). */
  range?: readonly [number, number];
}

export interface Density {
  /** Grid points t_k, evenly spaced. */
  grid: Float64Array;
  /** φ_σ(t_k) = (1/n_v) Σ_l Σᵢ τᵢ N(t_k; θᵢ, σ²), which integrates to 1 over ℝ. */
  density: Float64Array;
  /** The kernel width used. */
  sigma: number;
  /** ∫ φ_σ over the grid (trapezoid rule): ≈ 1 unless the range cuts off mass. */
  mass: number;
}

/**
 * The SLQ density broadened by a Gaussian kernel, on a grid, for plotting. Multiply by n for eigenvalue counts
 * per unit; plot on a log scale to see the bulk near zero and the outliers together (as PyHessian's figures do).
 */
export function slqDensity(result: SlqResult, options: DensityOptions = {}): Density {
  let lo = Infinity;
  let hi = -Infinity;
  for (const nodes of result.nodes)
    for (const x of nodes) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  if (!Number.isFinite(lo)) throw new Error("slqDensity: the result has no nodes");
  const sigma = options.sigma ?? (hi > lo ? 0.01 * (hi - lo) : 1e-3 * Math.max(1, Math.abs(lo)));
  if (!(sigma > 0)) throw new Error(`slqDensity: sigma must be positive, got ${sigma}`);
  const [a, b] = options.range ?? [lo - 5 * sigma, hi + 5 * sigma];
  const points = options.points ?? 1000;
  if (!(Number.isInteger(points) && points >= 2))
    throw new Error(`slqDensity: points must be an integer ≥ 2, got ${points}`);
  const grid = new Float64Array(points);
  for (let k = 0; k < points; k++) grid[k] = a + ((b - a) * k) / (points - 1);
  const density = new Float64Array(points);
  const norm = 1 / (sigma * Math.sqrt(2 * Math.PI) * result.nodes.length);
  for (let l = 0; l < result.nodes.length; l++) {
    const nodes = result.nodes[l];
    const w = result.weights[l];
    for (let i = 0; i < nodes.length; i++) {
      const c = w[i] * norm;
      if (c === 0) continue;
      for (let k = 0; k < points; k++) {
        const z = (grid[k] - nodes[i]) / sigma;
        if (z > -40 && z < 40) density[k] += c * Math.exp(-0.5 * z * z);
      }
    }
  }
  let mass = 0;
  const h = (b - a) / (points - 1);
  for (let k = 0; k + 1 < points; k++) mass += 0.5 * h * (density[k] + density[k + 1]);
  return { grid, density, sigma, mass };
}
