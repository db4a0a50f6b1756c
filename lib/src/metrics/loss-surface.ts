/**
 * Filter-normalised loss surfaces (Li, Xu, Taylor, Studer & Goldstein, NeurIPS 2018; docs/spec/p3.md §3.1), in 1-D and 2-D:
 *
 *   f(α)    = L(θ* + α δ)                  on a grid α ∈ [x.min, x.max]
 *   f(α, β) = L(θ* + α δ + β η)            on a grid (α, β) ∈ x × y
 *
 * δ, η: random Gaussian directions (seeded: `subSeed(seed, "surface-x")`, `"surface-y"`), **filter-normalised**:
 * for every filter i of every parameter tensor, δ_i ← δ_i · ‖θ*_i‖ / (‖δ_i‖ + 1e-10). A filter is one slice along
 * the tensor's last axis: for a dense W [fanIn, fanOut] that is one output unit's incoming weights W[:, a]; for a
 * tfjs conv kernel [kh, kw, in, out] one output channel. Tensors of rank ≤ 1 (biases, BatchNorm γ/β) get a zero
 * direction by default (Li et al.'s `--xignore biasbn`); with `ignore: "none"` their direction is a copy of θ*
 * (what Li et al.'s `normalize_directions_for_weights` does for them). `norm: "layer"` rescales whole tensors
 * instead, `norm: "none"` keeps the raw Gaussian.
 *
 * The loss is evaluated through `withParamValues`, so the parameters are left exactly as they were. Cost: one loss
 * evaluation per grid point (x.num · y.num of them).
 */
import { ensureFastKernels } from "../engine/wasm-accel";
import * as tf from "@tensorflow/tfjs";
import {
  flattenParams,
  LossFn,
  ParamFilter,
  ParamLayout,
  ParamSet,
  selectParams,
  withParamValues,
} from "../curvature/params";
import { Rng, subSeed } from "../util/random";

export interface GridAxis {
  min: number;
  max: number;
  /** Number of points, min and max included (≥ 1; 1 gives just min). */
  num: number;
}

export interface LossSurfaceOptions {
  /** Root seed for the directions. */
  seed: number;
  /** First axis (α along δ). */
  x: GridAxis;
  /** Second axis (β along η); omit for a 1-D curve. */
  y?: GridAxis;
  /** Parameters that get directions (default all); the others stay at θ*. */
  filter?: ParamFilter;
  /** "biasbn" (default): rank ≤ 1 tensors get zero directions; "none": they get a copy of θ*. */
  ignore?: "biasbn" | "none";
  /** "filter" (default), "layer" (whole tensor) or "none". */
  norm?: "filter" | "layer" | "none";
  /** Use these flat directions (length layout.dim) instead of random ones; no normalisation is applied. */
  directions?: Float64Array[];
  /** Called after each grid row (rows done, rows total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Only these rows j of the grid (indices into the y axis; default all). The other rows' losses are NaN. Sharded
   * surfaces (runs/surface.ts) compute disjoint row sets in separate processes from the same seed.
   */
  rows?: readonly number[];
  /** Called with each finished row's losses (x.num values), before the next row starts. */
  onRow?: (j: number, losses: Float64Array) => void | Promise<void>;
}

export interface LossSurface {
  /** Grid coordinates. */
  x: Float64Array;
  y: Float64Array | null;
  /** Losses, row-major [y.num, x.num] (one row for a 1-D curve): losses[j * x.length + i] = f(x_i, y_j). */
  losses: Float64Array;
  /** L(θ*). */
  centerLoss: number;
  /** The directions used, flat over `layout` (one or two). */
  directions: Float64Array[];
  layout: ParamLayout;
  /** Which filters normalisation and ignore rule were used, for the record. */
  norm: "filter" | "layer" | "none";
  ignore: "biasbn" | "none";
  seed: number;
  seconds: number;
}

/** The grid points of an axis. */
export function gridPoints(axis: GridAxis): Float64Array {
  if (!(Number.isInteger(axis.num) && axis.num >= 1))
    throw new Error(`gridPoints: num must be a positive integer, got ${axis.num}`);
  if (!(Number.isFinite(axis.min) && Number.isFinite(axis.max)))
    throw new Error("gridPoints: min and max must be finite");
  if (axis.num === 1) return Float64Array.of(axis.min);
  return Float64Array.from({ length: axis.num }, (_, i) => axis.min + ((axis.max - axis.min) * i) / (axis.num - 1));
}

/**
 * A filter-normalised random direction over `layout` (see the module comment), given the flat values θ* of the same
 * layout. Deterministic in `rng`'s state.
 */
export function filterNormalizedDirection(
  rng: Rng,
  layout: ParamLayout,
  theta: Float64Array,
  options: { ignore?: "biasbn" | "none"; norm?: "filter" | "layer" | "none" } = {},
): Float64Array {
  const ignore = options.ignore ?? "biasbn";
  const normKind = options.norm ?? "filter";
  const d = new Float64Array(layout.dim);
  for (const s of layout.slices) {
    const o = s.offset;
    if (s.shape.length <= 1) {
      if (ignore === "none") for (let i = 0; i < s.size; i++) d[o + i] = theta[o + i];
      continue; // biasbn: zero
    }
    for (let i = 0; i < s.size; i++) d[o + i] = rng.normal();
    if (normKind === "none") continue;
    // element k of a row-major tensor belongs to filter k mod F, F = size of the last axis
    const F = normKind === "filter" ? s.shape[s.shape.length - 1] : 1;
    const dn = new Float64Array(F);
    const wn = new Float64Array(F);
    for (let i = 0; i < s.size; i++) {
      const f = i % F;
      dn[f] += d[o + i] ** 2;
      wn[f] += theta[o + i] ** 2;
    }
    for (let f = 0; f < F; f++) {
      dn[f] = Math.sqrt(wn[f]) / (Math.sqrt(dn[f]) + 1e-10); // δ_f ← δ_f · ‖θ_f‖ / (‖δ_f‖ + 1e-10)
    }
    for (let i = 0; i < s.size; i++) d[o + i] *= dn[i % F];
  }
  return d;
}

async function lossAt(loss: LossFn, set: ParamSet, layout: ParamLayout, theta: Float64Array): Promise<number> {
  const t = withParamValues(set, layout, theta, (params) => tf.tidy(() => loss(params)));
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

/** A filter-normalised 1-D or 2-D loss surface around the current parameters (module comment). */
export async function lossSurface(loss: LossFn, set: ParamSet, options: LossSurfaceOptions): Promise<LossSurface> {
  ensureFastKernels(); // OpenBLAS matMuls on wasm, as the curvature operators (SKIPLAB_ACCEL=0 keeps tfjs')
  const t0 = performance.now();
  const layout = selectParams(set, options.filter);
  const theta = flattenParams(set, layout);
  const ignore = options.ignore ?? "biasbn";
  const norm = options.norm ?? "filter";
  const twoD = options.y !== undefined;
  let directions: Float64Array[];
  if (options.directions) {
    directions = options.directions;
    if (directions.length !== (twoD ? 2 : 1))
      throw new Error(`lossSurface: ${directions.length} directions for a ${twoD ? 2 : 1}-D grid`);
    directions.forEach((d) => {
      if (d.length !== layout.dim) throw new Error(`lossSurface: direction length ${d.length}, expected ${layout.dim}`);
    });
  } else {
    directions = [
      filterNormalizedDirection(new Rng(subSeed(options.seed, "surface-x")), layout, theta, { ignore, norm }),
    ];
    if (twoD)
      directions.push(
        filterNormalizedDirection(new Rng(subSeed(options.seed, "surface-y")), layout, theta, { ignore, norm }),
      );
  }
  const xs = gridPoints(options.x);
  const ys = twoD ? gridPoints(options.y!) : null;
  const rows = ys ? ys.length : 1;
  const todo = options.rows ? [...options.rows] : Array.from({ length: rows }, (_, j) => j);
  for (const j of todo)
    if (!(Number.isInteger(j) && j >= 0 && j < rows)) throw new Error(`lossSurface: row ${j} is not in 0..${rows - 1}`);
  const losses = new Float64Array(rows * xs.length).fill(NaN);
  const point = new Float64Array(layout.dim);
  for (const [done, j] of todo.entries()) {
    const b = ys ? ys[j] : 0;
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i];
      for (let k = 0; k < point.length; k++)
        point[k] = theta[k] + a * directions[0][k] + (ys ? b * directions[1][k] : 0);
      losses[j * xs.length + i] = await lossAt(loss, set, layout, point);
    }
    await options.onRow?.(j, losses.slice(j * xs.length, (j + 1) * xs.length));
    options.onProgress?.(done + 1, todo.length);
  }
  const centerLoss = await lossAt(loss, set, layout, theta);
  return {
    x: xs,
    y: ys,
    losses,
    centerLoss,
    directions,
    layout,
    norm,
    ignore,
    seed: options.seed,
    seconds: (performance.now() - t0) / 1000,
  };
}
