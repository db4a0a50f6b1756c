/**
 * Paper 1, Fig. 1 computed: the three singularity types (elimination, overlap, linear dependence) constructed in a
 * small layer, and the exact Hessian's null directions there, without and with an identity skip (docs/spec/p1.md §1.2.2,
 * DERIVED; the construction is ours, PROPOSED).
 *
 * Network (ours): x ∈ R⁴ → L1 (4 ReLU units, no skip: it may change the width) → L2 (4 ReLU units a, b, c, d: the
 * layer under study; plain x₂ = f(W₂ᵀx₁ + b₂), residual x₂ = f(W₂ᵀx₁ + b₂) + x₁) → linear read-out to 2 outputs;
 * 50 parameters. Loss ½·mean‖y − ŷ‖² (MSE) on N fixed Gaussian inputs.
 *
 * **Realisable targets.** At each constructed point the targets are the network's own outputs, y = f_θ*(x), so
 * θ* is a global minimum with zero loss and the Hessian equals the Gauss–Newton matrix JᵀJ/N exactly: its null space
 * is exactly the set of parameter directions that leave the outputs unchanged to first order on the data (the
 * non-identifiable directions). Each family (plain, residual) generates its own targets, so both are compared at
 * a zero-loss point.
 *
 * Counting. Null directions are eigenvalues |λ| < τ = `relTol`·max|λ| (default 1e-7, ~3× the float32 noise
 * floor of these assembled tfjs Hessians, curvature/exact.ts). Generic ReLU nets already have null directions (positive
 * rescaling of a unit's incoming weights and bias against its outgoing weights), so each case is compared with the
 * same family at a baseline point (`fig1Baseline`): **excess null directions** = count(case) − count(baseline).
 */
import * as tf from "@tensorflow/tfjs";
import { exactSpectrum } from "../../curvature/exact";
import { eigh } from "../../linalg/eigh";
import { hessianOperator } from "../../curvature/hessian";
import { createModel } from "../../models/create";
import type { Network } from "../../models/network";
import { networkParamSet } from "../../metrics/network-context";
import { Rng, subSeed } from "../../util/random";

export type Fig1Case = "generic" | "linear-regime" | "dead-unit" | "zero-outgoing" | "overlap" | "linear-dependence";
export const FIG1_CASES: readonly Fig1Case[] = [
  "generic",
  "linear-regime",
  "dead-unit",
  "zero-outgoing",
  "overlap",
  "linear-dependence",
];

/** The baseline each case is compared with: "linear-regime" (units a, b, c always active, J_c generic) for linear dependence, else "generic". */
export function fig1Baseline(kase: Fig1Case): Fig1Case {
  return kase === "linear-dependence" ? "linear-regime" : "generic";
}
export type Fig1Arch = "plain" | "residual";

export interface Fig1Config {
  /** Inputs N (x ~ N(0, I₄), seeded). PROPOSED: 64 ≫ 50 parameters / 2 outputs, so the GN rank is not data-limited. */
  samples: number;
  /** Seed of the inputs and of the generic parameters. */
  seed: number;
  /**
   * Null threshold τ = relTol·max|λ|. PROPOSED 1e-7: ~3× the float32 noise floor measured on these spectra
   * (noiseFloor/max|λ| ≈ 1e-8…4e-8); the spectra show a gap between ≲ 8e-8 and ≳ 9e-7 relative.
   */
  relTol: number;
  /** Linear-dependence coefficients: J_c = α J_a + β J_b, b_c = α b_a + β b_b (units in the linear regime). */
  alpha: number;
  beta: number;
}

export const FIG1_DEFAULTS: Fig1Config = { samples: 64, seed: 0, relTol: 1e-7, alpha: 0.6, beta: 0.4 };

const D = 4; // input dim = width (identity skip into L2 needs width(L1) = width(L2))
const K = 2; // outputs

/** Parameter names and shapes in `namedParams()` order. */
const SHAPES: Array<[string, number[]]> = [
  ["L1.W", [D, D]],
  ["L1.b", [D]],
  ["L2.W", [D, D]],
  ["L2.b", [D]],
  ["out.W", [D, K]],
  ["out.b", [K]],
];

/** Offsets of each parameter in the flat vector, and a human label of every flat index ("L2.W[i→a]", …). */
export function fig1Layout(): { offset: Record<string, number>; labels: string[]; dim: number } {
  const offset: Record<string, number> = {};
  const labels: string[] = [];
  let o = 0;
  const unit = "abcd";
  for (const [name, shape] of SHAPES) {
    offset[name] = o;
    const size = shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < size; i++) {
      if (name === "L2.W") labels.push(`J_${unit[i % D]}`);
      else if (name === "L2.b") labels.push(`b_${unit[i]}`);
      else if (name === "out.W") labels.push(`w_${unit[Math.floor(i / K)]}`);
      else labels.push(name.startsWith("L1") ? "L1" : "out.b");
    }
    o += size;
  }
  return { offset, labels, dim: o };
}

/** The fixed inputs x ~ N(0, I₄), [samples, 4] row-major. */
export function fig1Inputs(cfg: Fig1Config = FIG1_DEFAULTS): Float32Array {
  return new Float32Array(new Rng(subSeed(cfg.seed, "fig1-inputs")).normals(cfg.samples * D));
}

/** Fraction of inputs on which each unit of L1 and L2 is active (plain pre-activations; float64). */
export function fig1Activity(
  p: Record<string, Float32Array>,
  x: Float32Array,
): { L1: number[]; L2: number[]; minCoActive: number } {
  const n = x.length / D;
  const a1 = new Array<number>(D).fill(0);
  const a2 = new Array<number>(D).fill(0);
  const co = new Array<number>(D * D).fill(0); // [L1 unit i, L2 unit a]: inputs on which both are active
  for (let s = 0; s < n; s++) {
    const x1 = new Array<number>(D).fill(0);
    for (let a = 0; a < D; a++) {
      let z = p["L1.b"][a];
      for (let i = 0; i < D; i++) z += x[s * D + i] * p["L1.W"][i * D + a];
      x1[a] = Math.max(z, 0);
      if (z > 0) a1[a]++;
    }
    for (let a = 0; a < D; a++) {
      let z = p["L2.b"][a];
      for (let i = 0; i < D; i++) z += x1[i] * p["L2.W"][i * D + a];
      if (z > 0) {
        a2[a]++;
        for (let i = 0; i < D; i++) if (x1[i] > 0) co[i * D + a]++;
      }
    }
  }
  // the skip is added after f, so the pre-activations of L2 are the same for both families
  return { L1: a1.map((c) => c / n), L2: a2.map((c) => c / n), minCoActive: Math.min(...co) };
}

/** L1 outputs x₁ = f(W₁ᵀx + b₁), [n, 4] (float64). */
function layer1(p: Record<string, Float32Array>, x: Float32Array): Float64Array {
  const n = x.length / D;
  const out = new Float64Array(n * D);
  for (let s = 0; s < n; s++)
    for (let a = 0; a < D; a++) {
      let z = p["L1.b"][a];
      for (let i = 0; i < D; i++) z += x[s * D + i] * p["L1.W"][i * D + a];
      out[s * D + a] = Math.max(z, 0);
    }
  return out;
}

/**
 * The parameter values (flat per name) of a constructed point. The generic part is drawn (seeded) until every unit
 * of L1 and L2 is active on between 25 % and 75 % of the inputs, every (L1 unit, L2 unit) pair is active together
 * on at least 8 inputs (so a generic point has no accidental dead, always-linear or partly eliminated unit, which
 * would add null directions of its own), and the float64 Gauss–Newton matrix has exactly the rescaling null
 * directions in both families (8 plain, 4 residual); then the case's construction is applied.
 */
export function fig1Params(kase: Fig1Case, cfg: Fig1Config = FIG1_DEFAULTS): Record<string, Float32Array> {
  const x = fig1Inputs(cfg);
  let p: Record<string, Float32Array> = {};
  for (let attempt = 0; attempt < 1000; attempt++) {
    p = drawGeneric(new Rng(subSeed(cfg.seed, `fig1-params:${attempt}`)));
    const act = fig1Activity(p, x);
    if (
      [...act.L1, ...act.L2].every((f) => f >= 0.25 && f <= 0.75) &&
      act.minCoActive >= 8 &&
      // no accidental symmetry: only the rescalings of the hidden units are null (plain: 8; residual: L1's 4, since
      // the skip breaks L2's), in exact float64 arithmetic
      gaussNewton64(p, x, "plain", 1e-10).nullCount === 2 * D &&
      gaussNewton64(p, x, "residual", 1e-10).nullCount === D
    )
      break;
    if (attempt === 999) throw new Error("fig1Params: no generic draw with every unit partly active in 1000 attempts");
  }
  return construct(kase, p, cfg, layer1(p, x));
}

function drawGeneric(rng: Rng): Record<string, Float32Array> {
  const p: Record<string, Float32Array> = {};
  for (const [name, shape] of SHAPES) {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 2 ? shape[0] : 1;
    p[name] = new Float32Array(rng.normals(size, 0, name.endsWith(".b") ? 0.3 : Math.sqrt(1 / fanIn)));
  }
  return p;
}

function construct(
  kase: Fig1Case,
  p: Record<string, Float32Array>,
  cfg: Fig1Config,
  x1: Float64Array,
): Record<string, Float32Array> {
  const n = x1.length / D;
  /** A bias that keeps unit a active on every input: 1 + max_s max(0, −J_a·x₁,s). */
  const linearBias = (a: number) => {
    let worst = 0;
    for (let s = 0; s < n; s++) {
      let z = 0;
      for (let i = 0; i < D; i++) z += x1[s * D + i] * p["L2.W"][i * D + a];
      worst = Math.max(worst, -z);
    }
    return 1 + worst;
  };
  const W2 = p["L2.W"]; // [fanIn i, unit a] → W2[i*D + a]
  const col = (a: number) => Array.from({ length: D }, (_, i) => W2[i * D + a]);
  const setCol = (a: number, v: number[]) => v.forEach((x, i) => (W2[i * D + a] = x));
  const wOut = p["out.W"]; // [unit a, output k] → wOut[a*K + k]
  switch (kase) {
    case "generic":
      break;
    case "dead-unit": // unit a never active: J_a = 0, b_a = −1 (z_a = −1 on every input)
      setCol(0, [0, 0, 0, 0]);
      p["L2.b"][0] = -1;
      break;
    case "zero-outgoing": // w_a = 0
      for (let k = 0; k < K; k++) wOut[0 * K + k] = 0;
      break;
    case "overlap": // J_a = J_b, b_a = b_b (w_a ≠ w_b stays generic)
      setCol(1, col(0));
      p["L2.b"][1] = p["L2.b"][0];
      break;
    case "linear-regime": // units a, b, c active on every input (J_c generic)
      for (let a = 0; a < 3; a++) p["L2.b"][a] = linearBias(a);
      break;
    case "linear-dependence": {
      // units a, b in the linear regime (biases with z > 0 on every input), J_c = αJ_a + βJ_b, b_c = αb_a + βb_b
      // (so z_c = αz_a + βz_b > 0 too, and h_c = αh_a + βh_b exactly)
      p["L2.b"][0] = linearBias(0);
      p["L2.b"][1] = linearBias(1);
      const ja = col(0);
      const jb = col(1);
      setCol(
        2,
        ja.map((v, i) => cfg.alpha * v + cfg.beta * jb[i]),
      );
      p["L2.b"][2] = cfg.alpha * p["L2.b"][0] + cfg.beta * p["L2.b"][1];
      break;
    }
  }
  return p;
}

/** The predicted non-identifiable directions of a case in the plain layer (docs/spec/p1.md §1.2.2), as flat vectors. */
export function fig1Predicted(
  kase: Fig1Case,
  cfg: Fig1Config = FIG1_DEFAULTS,
): Array<{ label: string; u: Float64Array }> {
  const { offset, dim } = fig1Layout();
  const e = (entries: Array<[number, number]>) => {
    const u = new Float64Array(dim);
    for (const [i, v] of entries) u[i] = v;
    return u;
  };
  const J = (i: number, a: number) => offset["L2.W"] + i * D + a;
  const b = (a: number) => offset["L2.b"] + a;
  const w = (a: number, k: number) => offset["out.W"] + a * K + k;
  const out: Array<{ label: string; u: Float64Array }> = [];
  switch (kase) {
    case "dead-unit":
      for (let i = 0; i < D; i++) out.push({ label: `J_a[${i}] (incoming)`, u: e([[J(i, 0), 1]]) });
      out.push({ label: "b_a", u: e([[b(0), 1]]) });
      for (let k = 0; k < K; k++) out.push({ label: `w_a[${k}] (outgoing)`, u: e([[w(0, k), 1]]) });
      break;
    case "zero-outgoing":
      for (let i = 0; i < D; i++) out.push({ label: `J_a[${i}] (incoming)`, u: e([[J(i, 0), 1]]) });
      out.push({ label: "b_a", u: e([[b(0), 1]]) });
      break;
    case "overlap":
      for (let k = 0; k < K; k++)
        out.push({
          label: `w_a[${k}] − w_b[${k}]`,
          u: e([
            [w(0, k), 1],
            [w(1, k), -1],
          ]),
        });
      break;
    case "linear-dependence":
      for (let k = 0; k < K; k++)
        out.push({
          label: `α w_a[${k}] + β w_b[${k}] − w_c[${k}]`,
          u: e([
            [w(0, k), cfg.alpha],
            [w(1, k), cfg.beta],
            [w(2, k), -1],
          ]),
        });
      break;
    case "generic":
    case "linear-regime":
      break;
  }
  return out;
}

/** Result of one (case, family). */
export interface Fig1Result {
  kase: Fig1Case;
  arch: Fig1Arch;
  /** Eigenvalues of the exact Hessian, ascending. */
  eigenvalues: number[];
  maxAbs: number;
  tau: number;
  noiseFloor: number;
  nullCount: number;
  /** Largest |λ| counted as null and smallest |λ| above τ: the spectral gap around the threshold. */
  largestNull: number;
  smallestNonNull: number;
  /** Per predicted direction: ‖P_null u‖/‖u‖ (1: inside the null space) and uᵀHu/(‖u‖² max|λ|). */
  predicted: Array<{ label: string; inNull: number; rayleigh: number }>;
  /** Null-space mass (Σ over null eigenvectors of squared components) per parameter group (J_a, b_a, w_a, …, L1, out.b). */
  nullMass: Record<string, number>;
  /** Training loss at the point (0 up to float32 round-off: the targets are the net's own outputs). */
  loss: number;
}

/** Builds the constructed network of a family, its realisable data, and the exact Hessian analysis (module comment). */
export async function fig1Analyse(
  kase: Fig1Case,
  arch: Fig1Arch,
  cfg: Fig1Config = FIG1_DEFAULTS,
): Promise<Fig1Result> {
  const model: Network = createModel(
    {
      kind: "mlp",
      inputDim: D,
      outputDim: K,
      depth: 2,
      width: D,
      activation: "relu",
      skip: arch === "plain" ? "none" : "identity",
      task: "regression",
    },
    cfg.seed,
  );
  const params = fig1Params(kase, cfg);
  for (const { name, variable } of model.namedParams())
    variable.assign(tf.tensor(params[name], variable.shape as number[]));
  const x = tf.tensor2d(fig1Inputs(cfg), [cfg.samples, D]);
  const y = tf.tidy(() => model.forward(x, { training: false }).output); // realisable targets [N, K]
  try {
    const lossFn = () => model.loss(model.forward(x, { training: false, updateStats: false }).output, y as tf.Tensor2D);
    const loss = tf.tidy(() => lossFn().dataSync()[0]);
    const op = hessianOperator(lossFn, networkParamSet(model));
    const spec = await exactSpectrum(op, { vectors: true });
    const n = spec.n;
    const tau = cfg.relTol * spec.maxAbs;
    const nullIdx: number[] = [];
    let largestNull = 0;
    let smallestNonNull = Infinity;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(spec.values[i]);
      if (a < tau) {
        nullIdx.push(i);
        largestNull = Math.max(largestNull, a);
      } else smallestNonNull = Math.min(smallestNonNull, a);
    }
    const vec = (i: number) => spec.vectors!.subarray(i * n, (i + 1) * n);
    const { labels } = fig1Layout();
    const nullMass: Record<string, number> = {};
    for (const i of nullIdx) {
      const v = vec(i);
      for (let j = 0; j < n; j++) nullMass[labels[j]] = (nullMass[labels[j]] ?? 0) + v[j] * v[j];
    }
    const predicted = fig1Predicted(kase, cfg).map(({ label, u }) => {
      const nu = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
      let proj = 0;
      for (const i of nullIdx) {
        const v = vec(i);
        let d = 0;
        for (let j = 0; j < n; j++) d += v[j] * u[j];
        proj += d * d;
      }
      let ray = 0; // uᵀHu = Σ λ_i (v_i·u)²
      for (let i = 0; i < n; i++) {
        const v = vec(i);
        let d = 0;
        for (let j = 0; j < n; j++) d += v[j] * u[j];
        ray += spec.values[i] * d * d;
      }
      return { label, inNull: Math.sqrt(proj) / nu, rayleigh: ray / (nu * nu * spec.maxAbs) };
    });
    return {
      kase,
      arch,
      eigenvalues: Array.from(spec.values),
      maxAbs: spec.maxAbs,
      tau,
      noiseFloor: spec.noiseFloor,
      nullCount: nullIdx.length,
      largestNull,
      smallestNonNull,
      predicted,
      nullMass,
      loss,
    };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}

/**
 * The predicted excess null count of a case per family (docs/spec/p1.md §1.2.2; residual per the identity-skip
 * argument), over the case's baseline (`fig1Baseline`).
 *
 * Linear dependence is compared with the linear regime, where units a, b, c are active on every input: their outputs
 * are then affine in x₁, and mixing their incoming weights by any invertible 3×3 map A while mixing their outgoing
 * weights by A⁻¹ leaves the network unchanged. That symmetry already holds the (α, β, −1) directions of the
 * dependence J_c = αJ_a + βJ_b, so the dependence adds no null direction of its own: 0, in both families. (The
 * directions are null in the plain layer and not in the residual one, which the in-null fractions show.)
 */
export function fig1PredictedExcess(kase: Fig1Case, arch: Fig1Arch): number {
  const plain: Record<Fig1Case, number> = {
    generic: 0,
    "linear-regime": 0,
    // J_a, b_a (and for a dead unit w_a) become free; unit a's rescaling symmetry (J_a, b_a)·c, w_a/c, already null
    // at the generic point, is now among them, so one fewer is new
    "dead-unit": D + 1 + K - 1,
    "zero-outgoing": D + 1 - 1,
    overlap: K,
    "linear-dependence": 0,
  };
  // with the skip: a dead unit keeps J_a, b_a non-identifiable (f′ = 0) but w_a becomes identifiable (x₁,a ≠ 0);
  // w_a = 0 still hides J_a, b_a; overlap and linear dependence are broken by the distinct skip inputs. The skip
  // also breaks unit a's rescaling symmetry (w_a multiplies f(z_a) + x₁,a), so nothing is subtracted here.
  const residual: Record<Fig1Case, number> = {
    generic: 0,
    "linear-regime": 0,
    "dead-unit": D + 1,
    "zero-outgoing": D + 1,
    overlap: 0,
    "linear-dependence": 0,
  };
  return (arch === "plain" ? plain : residual)[kase];
}

/**
 * An independent float64 check of a constructed point: the Gauss–Newton matrix Σ_s Σ_k ∇out_k ∇out_kᵀ, with the
 * Jacobian written out by hand in float64 (no tfjs), and its null count at `relTol64`·max|λ|. At the zero-loss points
 * of this figure it equals the Hessian up to the loss's constant factor, so its null count is the float32 Hessian's
 * (`fig1Analyse`) without float32 round-off: with ~1e-16 relative noise the null eigenvalues sit ~10 orders of
 * magnitude below the rest.
 */
export function fig1GaussNewton64(
  kase: Fig1Case,
  arch: Fig1Arch,
  cfg: Fig1Config = FIG1_DEFAULTS,
  relTol64 = 1e-10,
): GaussNewton64 {
  return gaussNewton64(fig1Params(kase, cfg), fig1Inputs(cfg), arch, relTol64);
}

export interface GaussNewton64 {
  nullCount: number;
  maxAbs: number;
  /** Largest null and smallest non-null |λ|, relative to max|λ|. */
  largestNull: number;
  smallestNonNull: number;
  /** Null-space mass per parameter group (as `Fig1Result.nullMass`). */
  nullMass: Record<string, number>;
}

function gaussNewton64(
  p: Record<string, Float32Array>,
  x: Float32Array,
  arch: Fig1Arch,
  relTol64: number,
): GaussNewton64 {
  const { offset, dim } = fig1Layout();
  const n = x.length / D;
  const H = new Float64Array(dim * dim);
  const g = new Float64Array(dim);
  const W1 = p["L1.W"];
  const b1 = p["L1.b"];
  const W2 = p["L2.W"];
  const b2 = p["L2.b"];
  const Wo = p["out.W"];
  for (let s = 0; s < n; s++) {
    const xs = Array.from({ length: D }, (_, j) => x[s * D + j]);
    const z1 = Array.from({ length: D }, (_, i) => xs.reduce((t, v, j) => t + v * W1[j * D + i], b1[i]));
    const x1 = z1.map((z) => Math.max(z, 0));
    const z2 = Array.from({ length: D }, (_, a) => x1.reduce((t, v, i) => t + v * W2[i * D + a], b2[a]));
    const x2 = z2.map((z, a) => Math.max(z, 0) + (arch === "residual" ? x1[a] : 0));
    for (let k = 0; k < K; k++) {
      g.fill(0);
      g[offset["out.b"] + k] = 1;
      for (let a = 0; a < D; a++) g[offset["out.W"] + a * K + k] = x2[a];
      const dz2 = z2.map((z, a) => (z > 0 ? Wo[a * K + k] : 0)); // ∂out_k/∂z2_a
      for (let a = 0; a < D; a++) {
        g[offset["L2.b"] + a] = dz2[a];
        for (let i = 0; i < D; i++) g[offset["L2.W"] + i * D + a] = dz2[a] * x1[i];
      }
      for (let i = 0; i < D; i++) {
        let dx1 = arch === "residual" ? Wo[i * K + k] : 0; // ∂out_k/∂x1_i
        for (let a = 0; a < D; a++) dx1 += dz2[a] * W2[i * D + a];
        const dz1 = z1[i] > 0 ? dx1 : 0;
        g[offset["L1.b"] + i] = dz1;
        for (let j = 0; j < D; j++) g[offset["L1.W"] + j * D + i] = dz1 * xs[j];
      }
      for (let r = 0; r < dim; r++) {
        const gr = g[r];
        if (gr === 0) continue;
        for (let c = 0; c < dim; c++) H[r * dim + c] += gr * g[c];
      }
    }
  }
  const { values, vectors } = eigh(H, dim, { vectors: true });
  const labels = fig1Layout().labels;
  const nullMass: Record<string, number> = {};
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const tau = relTol64 * maxAbs;
  let nullCount = 0;
  let largestNull = 0;
  let smallestNonNull = Infinity;
  values.forEach((v, i) => {
    const a = Math.abs(v);
    if (a < tau) {
      nullCount++;
      largestNull = Math.max(largestNull, a);
      for (let j = 0; j < dim; j++) nullMass[labels[j]] = (nullMass[labels[j]] ?? 0) + vectors![i * dim + j] ** 2;
    } else smallestNonNull = Math.min(smallestNonNull, a);
  });
  return { nullCount, maxAbs, largestNull: largestNull / maxAbs, smallestNonNull: smallestNonNull / maxAbs, nullMass };
}
