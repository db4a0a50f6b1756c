/**
 * Paper 1, v3-D/E/F (docs/spec/p1.md §1.4): which skips help, whether other ways of breaking the symmetry between
 * units help too, and whether skips also help through gradient flow. Only the abstract's claims were found; every
 * condition, value and measure here is ours (PROPOSED in the spec).
 *
 * One set of runs serves the three notebooks (18 D, 19 E, 20 F): the shared paper-1 protocol (`p1Protocol`: data,
 * depth × width, Adam, the 1/√L branch gain of skip nets, the per-epoch singularity measures) plus a per-layer
 * gradient-norm metric set, over these conditions:
 *
 *   plain          x_l = f(z_l)                                          He init (gain 1)
 *   identity       x_l = f(z_l) + x_{l−1}                                He/√L (the protocol's residual net)
 *   orthogonal     x_l = f(z_l) + Q_l x_{l−1}, Q_l Haar-orthogonal        He/√L            breaks the symmetry, full rank
 *   mean           x_l = f(z_l) + (1/n) 1 1ᵀ x_{l−1}                     He·g_vp          symmetric, rank 1
 *   ww             x_l = f(z_l) + w wᵀ x_{l−1}, w = |g|/‖g‖ per layer     He·g_vp          breaks it, rank 1 (the mean's control)
 *   mean-neg, ww-neg   the same two with Q negated                      He·g_vp
 *   blend α        x_l = f(z_l) + ((1−α)(1/n)11ᵀ + αI) x_{l−1}           He·g_vp(α)       breaks it weakly for small α
 *   offsets        plain + fixed per-unit pre-activation offsets c_a ~ N(0, σ²)     He        non-skip breaking (v3-E)
 *   gains          plain + fixed per-unit output gains g_a ~ U(1 − s, 1 + s)        He
 *   slopes         plain + per-unit leaky-ReLU slopes α_a ~ U(0, m)                 He
 *
 * Branch gains. A skip that passes only part of x_{l−1} (mean, rank-1, blend) starves the layers of signal under the
 * skip nets' small branch gain 1/√L, which would confound "symmetric" with "starved". They get Fig. G's
 * variance-preserving gain instead (variants.ts `figGVarianceGain`): g² = 1/L + (1 − mean of Q's squared singular
 * values), so the forward variance per layer matches the identity skip's; mean and w wᵀ share it exactly.
 *
 * The matched pairs. The mean skip reads and writes along the all-ones direction, which ReLU outputs (all ≥ 0) lie
 * close to: fed back with a positive sign, the layer mean piles up with depth. Its control w wᵀ has the same rank,
 * norm and (nearly) the same alignment with the all-ones direction (E cos(w, 1) ≈ 0.8), but differs between units, so
 * it breaks the symmetry. Each pair is also run negated (−Q), where the layer mean is fed back with the opposite sign
 * and does not pile up. Within a pair only the symmetry differs; across signs, the pile-up.
 */
import * as tf from "@tensorflow/tfjs";
import type { InitInput, MlpConfigInput } from "../../models/config";
import { Mlp } from "../../models/mlp";
import type { Network } from "../../models/network";
import {
  registerMetricSet,
  type MetricContext,
  type MetricSet,
  type MetricSetRef,
  type RunSpec,
  runSpec,
  loadRunData,
} from "../../runs/spec";
import { mean } from "../../stats";
import { Rng, subSeed } from "../../util/random";
import { type P1DataSpec, type P1Scale, p1InputDim, p1NumClasses, registerP1Data } from "../p1/data";
import { p1MetricSet, probeBatch } from "../p1/measures";
import { p1Model } from "../p1/models";
import { type P1Protocol, p1Num, p1Protocol, type P1Record, type P1RunRequest } from "../p1/protocol";
import { curveAuc, variantRunRows, type VariantCondition, type VariantRunRow } from "../p1/variants";

/** The conditions' fixed per-unit breakers (config.ts `UnitBreakingConfig`), one per non-skip condition. */
export interface V3Breakers {
  /** σ of the fixed pre-activation offsets (ours: 0.5, about a third of a unit's pre-activation spread at He init). */
  offsetStd: number;
  /** s of the fixed output gains U(1 − s, 1 + s) (ours: 0.5). */
  gainSpread: number;
  /** m of the per-unit leaky slopes U(0, m) (docs/spec/p1.md §1.4 v3-E suggests 0.3). */
  slopeMax: number;
}

/** Everything the v3-D/E/F notebooks share. Every value is ours (PROPOSED). */
export interface V3SkipSetup {
  /** The paper-1 protocol at this scale (seeds replaced by the registration's). */
  protocol: P1Protocol;
  /** α of the blended skips (0 and 1 are the mean and identity skips, always run). */
  blends: number[];
  breakers: V3Breakers;
  /** Probe batch of the gradient norms (the first `probe` training examples, as the singularity measures). */
  gradProbe: number;
  /** v3-F: depths of the gradient sweep at initialisation (no training). */
  initDepths: number[];
  /** v3-F: random nets per (condition, depth) in the sweep at initialisation. */
  initNets: number;
  seeds: { exploration: number[]; confirmation: number[] };
}

/**
 * Per scale:
 * - smoke: the smoke protocol (blobs, depth 6 × 12, 4 epochs), blend 0.1, seeds 0 / 300–301, sweep depths 3–12;
 * - quick (and standard): the quick protocol (Fashion-MNIST 4000, PCA 32, depth 20 × 16, 10 epochs), the mid-layer
 *   Hessian at the last epoch only (the budget), blend 0.1; exploration seeds 0–1, confirmation seeds 300–305 (never
 *   run before this registration); sweep depths 5–40, 4 nets each;
 * - paper: the paper protocol (CIFAR-100, depth 30 × 64, 100 epochs), blends 0.05–0.5, exploration 0–1,
 *   confirmation 300–309; sweep depths 5–160, 16 nets each.
 */
export function v3SkipSetup(scale: P1Scale): V3SkipSetup {
  const base = p1Protocol(scale);
  const breakers: V3Breakers = { offsetStd: 0.5, gainSpread: 0.5, slopeMax: 0.3 };
  switch (scale) {
    case "smoke":
      return {
        protocol: { ...base, measures: { ...base.measures, hessAt: [] } },
        blends: [0.1],
        breakers,
        gradProbe: 96,
        initDepths: [3, 6, 12],
        initNets: 3,
        seeds: { exploration: [0], confirmation: [300, 301] },
      };
    case "quick":
    case "standard":
      return {
        protocol: { ...base, measures: { ...base.measures, hessAt: [] } },
        blends: [0.1],
        breakers,
        gradProbe: 128,
        initDepths: [5, 10, 20, 40],
        initNets: 4,
        seeds: { exploration: [0, 1], confirmation: [300, 301, 302, 303, 304, 305] },
      };
    case "paper":
      return {
        protocol: base,
        blends: [0.05, 0.1, 0.25, 0.5],
        breakers,
        gradProbe: 512,
        initDepths: [5, 10, 20, 40, 80, 160],
        initNets: 16,
        seeds: { exploration: [0, 1], confirmation: [300, 301, 302, 303, 304, 305, 306, 307, 308, 309] },
      };
  }
}

/** Every seed of the setup, exploration first. */
export function v3Seeds(s: V3SkipSetup): number[] {
  return [...s.seeds.exploration, ...s.seeds.confirmation];
}

/** Mean squared singular value of a skip of width n: identity/orthogonal 1, mean and rank-1 1/n, blend (1 + (n−1)α²)/n. */
export function v3SkipPassedVariance(
  kind: "identity" | "orthogonal" | "mean" | "rank-1" | "blend",
  n: number,
  blend = 0,
): number {
  if (kind === "identity" || kind === "orthogonal") return 1;
  if (kind === "blend") return (1 + (n - 1) * blend * blend) / n;
  return 1 / n;
}

/** The variance-preserving branch gain √(1/L + 1 − passed) (module comment; Fig. G's `figGVarianceGain` for rank-deficient skips). */
export function v3BranchGain(passed: number, depth: number): number {
  return Math.sqrt(1 / depth + (1 - passed));
}

/** A v3 condition: a protocol architecture plus the fields it changes, with its role in the claims. */
export interface V3Condition extends VariantCondition {
  /** "reference" (plain, identity), "skip" (v3-D), "breaker" (v3-E). */
  role: "reference" | "skip" | "breaker";
  /** Does the condition break the permutation symmetry of a layer's units? (the mean skip does not; plain does not). */
  breaksSymmetry: boolean;
  /** Skips that pass part of x_{l−1}: the mean squared singular value of Q, for the variance-preserving gain. */
  passed?: number;
}

/** The conditions of v3-D/E/F (module comment), in display order. */
export function v3Conditions(s: V3SkipSetup): V3Condition[] {
  const n = s.protocol.width;
  const src = "ours (docs/spec/p1.md §1.4 v3-D, PROPOSED)";
  const out: V3Condition[] = [
    {
      key: "plain",
      label: "plain (He)",
      arch: "plain",
      family: "plain",
      source: "reference",
      role: "reference",
      breaksSymmetry: false,
    },
    {
      key: "identity",
      label: "identity skip (He/√L)",
      arch: "residual",
      family: "residual",
      source: "reference",
      role: "reference",
      breaksSymmetry: true,
    },
    {
      key: "orthogonal",
      label: "orthogonal skip (He/√L)",
      arch: "residual",
      extra: { skip: { type: "matrix", matrix: "orthogonal" } },
      family: "orthogonal",
      source: src,
      role: "skip",
      breaksSymmetry: true,
    },
    ...([1, -1] as const).flatMap((sign): V3Condition[] => [
      {
        key: sign > 0 ? "mean" : "mean-neg",
        label: sign > 0 ? "symmetric mean skip (1/n)11ᵀ" : "symmetric, negated −(1/n)11ᵀ",
        arch: "residual",
        passed: v3SkipPassedVariance("rank-1", n),
        extra: { skip: { type: "matrix", matrix: "mean", ...(sign < 0 ? { scale: -1 } : {}) } },
        family: sign > 0 ? "mean" : "mean-neg",
        source: src,
        role: "skip",
        breaksSymmetry: false,
      },
      {
        key: sign > 0 ? "ww" : "ww-neg",
        label: sign > 0 ? "its control w wᵀ (w > 0 random)" : "its control, negated −w wᵀ",
        arch: "residual",
        passed: v3SkipPassedVariance("rank-1", n),
        extra: { skip: { type: "matrix", matrix: "rank1-positive", ...(sign < 0 ? { scale: -1 } : {}) } },
        family: sign > 0 ? "ww" : "ww-neg",
        source: src,
        role: "skip",
        breaksSymmetry: true,
      },
    ]),
    ...s.blends.map((a): V3Condition => ({
      key: `blend-${a}`,
      label: `blended skip, α = ${a}`,
      arch: "residual",
      passed: v3SkipPassedVariance("blend", n, a),
      extra: { skip: { type: "matrix", matrix: "blend", blend: a } },
      family: "blend",
      source: src,
      role: "skip",
      breaksSymmetry: true,
    })),
  ];
  const esrc = "ours (docs/spec/p1.md §1.4 v3-E, PROPOSED)";
  const b = s.breakers;
  const breaker = (key: string, label: string, unitBreaking: Partial<V3Breakers>): V3Condition => ({
    key,
    label,
    arch: "plain",
    extra: { unitBreaking },
    family: key,
    source: esrc,
    role: "breaker",
    breaksSymmetry: true,
  });
  out.push(
    breaker("offsets", `plain + fixed offsets N(0, ${b.offsetStd}²)`, { offsetStd: b.offsetStd }),
    breaker("gains", `plain + fixed gains U(${1 - b.gainSpread}, ${1 + b.gainSpread})`, { gainSpread: b.gainSpread }),
    breaker("slopes", `plain + leaky slopes U(0, ${b.slopeMax})`, { slopeMax: b.slopeMax }),
  );
  return out;
}

/**
 * The model config of a condition at a depth (the protocol's width and data shapes). Init: He with gain 1 for plain
 * nets, 1/√L for full skips, the variance-preserving `v3BranchGain(passed, L)` for partial ones (module comment).
 */
export function v3ModelConfig(s: V3SkipSetup, c: V3Condition, depth = s.protocol.depth): MlpConfigInput {
  const p = s.protocol;
  const gain = c.arch === "plain" ? 1 : c.passed !== undefined ? v3BranchGain(c.passed, depth) : 1 / Math.sqrt(depth);
  const init: InitInput = { type: "he", gain };
  return p1Model(c.arch, {
    depth,
    width: p.width,
    inputDim: p1InputDim(p.data),
    outputDim: p1NumClasses(p.data),
    init,
    extra: c.extra,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// per-layer gradient norms

export interface V3GradOptions {
  /** The first `probe` training examples. */
  probe: number;
}

/**
 * Gradient flow on the probe batch (mean cross-entropy, evaluation mode):
 *   "delta.L<l>"  the back-propagated error at hidden layer l's pre-activation, RMS over examples of ‖∂ℓ_i/∂z_l‖
 *                 (ℓ_i one example's loss; measured by differentiating a zero shift of z_l, `ForwardOptions.zShift`);
 *   "grad.L<l>", "grad.out"  ‖∂L/∂W_l‖_F, which also scales with the activity entering the layer;
 *   "delta.log_ratio" = log₁₀(δ_1/δ_L): negative when the error shrinks on its way down to the first layer (vanishing
 *                 gradients), positive when it grows (exploding);
 *   "grad.log_ratio"  = log₁₀(‖∂L/∂W_2‖/‖∂L/∂W_L‖), the first and last square hidden layers (layer 1's W is
 *                 input × width).
 */
export function v3GradNorms(model: Network, x: tf.Tensor2D, y: tf.Tensor1D): Record<string, number> {
  const named = model.namedParams().filter((p) => p.name.endsWith(".W"));
  const hidden = model.layers.filter((l) => /^L\d+$/.test(l.name)).map((l) => l.name);
  const B = x.shape[0];
  const units = model.layers.find((l) => l.name === hidden[0])?.W?.shape[1] ?? 0;
  const { wNorms, dNorms } = tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => model.loss(model.forward(x).output, y),
      named.map((p) => p.variable),
    );
    const shifts = hidden.map(() => tf.zeros([B, units]) as tf.Tensor2D);
    const dz = tf.grads((...s: tf.Tensor[]) => {
      const zShift = Object.fromEntries(hidden.map((h, i) => [h, s[i] as tf.Tensor2D]));
      return model.loss(model.forward(x, { zShift }).output, y);
    })(shifts);
    return {
      wNorms: named.map((p) => Math.sqrt(tf.sum(tf.square(grads[p.variable.name])).dataSync()[0])),
      // ∂L/∂z_i = (1/B) ∂ℓ_i/∂z_i, so the RMS over examples of ‖∂ℓ_i/∂z‖ is √B·‖∂L/∂Z‖_F
      dNorms: dz.map((g) => Math.sqrt(B * tf.sum(tf.square(g)).dataSync()[0])),
    };
  });
  const out: Record<string, number> = {};
  named.forEach((p, i) => (out[`grad.${p.name.slice(0, -2)}`] = wNorms[i]));
  hidden.forEach((h, i) => (out[`delta.${h}`] = dNorms[i]));
  const L = hidden.length;
  if (L >= 2) out["delta.log_ratio"] = Math.log10(out["delta.L1"] / out[`delta.L${L}`]);
  if (L >= 3) out["grad.log_ratio"] = Math.log10(out["grad.L2"] / out[`grad.L${L}`]);
  return out;
}

/** The gradient-norm metric set (registered by `registerP1v3`). Bump `version` when its output changes. */
export const V3_GRAD_NORMS: MetricSet<V3GradOptions> = {
  name: "p1v3-grad-norms",
  version: 1,
  compute: (ctx: MetricContext, o: V3GradOptions) => {
    const { x, y } = probeBatch(ctx.data.train, o.probe);
    try {
      return v3GradNorms(ctx.model, x, y);
    } finally {
      x.dispose();
      y.dispose();
    }
  },
  description:
    "paper 1 v3-F: per-layer back-propagated errors ‖∂ℓ/∂z_l‖ and gradient norms ‖∂L/∂W_l‖ on the probe batch, and their first-to-last log ratios",
};

export function v3GradMetricSet(o: V3GradOptions): MetricSetRef {
  return { name: V3_GRAD_NORMS.name, version: V3_GRAD_NORMS.version, params: { probe: o.probe } };
}

/** Registers what v3's runs need: paper 1's data providers and measures, and the gradient norms (idempotent). */
export function registerP1v3(): void {
  registerP1Data();
  registerMetricSet(V3_GRAD_NORMS);
}

// ---------------------------------------------------------------------------------------------------------------
// runs

/** The run spec of a condition and seed: the protocol's training, data and measures, plus the gradient norms. */
export function v3RunSpec(s: V3SkipSetup, c: V3Condition, seed: number): RunSpec {
  const p = s.protocol;
  return runSpec(
    {
      model: v3ModelConfig(s, c),
      train: p.train,
      data: { ...p.data },
      evalAtStart: true,
      metrics: [p1MetricSet(p.measures), v3GradMetricSet({ probe: s.gradProbe })],
    },
    seed,
  );
}

/** Conditions × seeds (every seed of the setup unless given), labelled by condition key. */
export function v3Requests(s: V3SkipSetup, conditions: readonly V3Condition[], seeds = v3Seeds(s)): P1RunRequest[] {
  return conditions.flatMap((c) =>
    seeds.map((seed) => ({
      arch: c.arch,
      depth: s.protocol.depth,
      width: s.protocol.width,
      seed,
      condition: c.key,
      spec: v3RunSpec(s, c, seed),
    })),
  );
}

/** One row per run: the Fig. C–G summary (`VariantRunRow`) plus v3's gradient and overlap summaries. */
export type V3RunRow = VariantRunRow & {
  /** delta.log_ratio (back-propagated error, first vs last hidden layer) before training and at the end. */
  deltaRatioInit: number;
  deltaRatioFinal: number;
  /** grad.log_ratio (weight gradients, layer 2 vs last) before training and at the end. */
  gradRatioInit: number;
  gradRatioFinal: number;
  /** Mean over epochs 1..E of the layer-mean max activity similarity (act_maxsim_mean): how alike units stay. */
  maxsimAuc: number;
  maxsimInit: number;
  /** Mean over epochs 1..E of the layer-mean fraction of overlapping unit pairs (activity cosine > 0.99). */
  overlapAuc: number;
};

export function v3RunRows(records: readonly P1Record[]): V3RunRow[] {
  const byHash = new Map<string, P1Record[]>();
  for (const r of records) byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), r]);
  return variantRunRows(records).map((row) => {
    const rs = [...byHash.get(row.hash)!].sort((a, b) => a.epoch - b.epoch);
    const first = rs.find((r) => r.epoch === 0) ?? rs[0];
    const last = rs[rs.length - 1];
    const trained = rs.filter((r) => r.epoch >= 1);
    return {
      ...row,
      deltaRatioInit: p1Num(first["delta.log_ratio"]),
      deltaRatioFinal: p1Num(last["delta.log_ratio"]),
      gradRatioInit: p1Num(first["grad.log_ratio"]),
      gradRatioFinal: p1Num(last["grad.log_ratio"]),
      maxsimAuc: curveAuc(trained.map((r) => p1Num(r["layers.act_maxsim_mean_mean"]))),
      maxsimInit: p1Num(first["layers.act_maxsim_mean_mean"]),
      overlapAuc: curveAuc(trained.map((r) => p1Num(r["layers.act_overlap_frac_mean"]))),
    };
  });
}

/** Per-layer gradient norms of one epoch record (hidden layers 1..L in order). */
export function v3GradProfile(r: P1Record, depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => p1Num(r[`grad.L${i + 1}`]));
}

// ---------------------------------------------------------------------------------------------------------------
// v3-F: the gradient sweep at initialisation (no training)

export interface V3InitGradRow {
  condition: string;
  depth: number;
  /** The seed whose sub-seeds drew this net, and the net's index under it. */
  seed: number;
  net: number;
  /** delta.log_ratio = log₁₀(δ_1/δ_L) at initialisation (`v3GradNorms`). */
  logRatio: number;
  /** δ_l (RMS over the probe examples of ‖∂ℓ/∂z_l‖), l = 1..depth. */
  profile: number[];
}

/**
 * Gradient norms at initialisation of fresh nets of every condition at every depth of `setup.initDepths`, on the
 * protocol's probe batch; nets are seeded `subSeed(seed, "v3-init-grad") + k`, k = 0..initNets − 1, so a seed set
 * draws nets the training runs never used.
 */
export async function v3InitGradients(
  s: V3SkipSetup,
  conditions: readonly V3Condition[],
  seeds: readonly number[],
): Promise<V3InitGradRow[]> {
  registerP1v3();
  const data = await loadRunData({ ...(s.protocol.data as P1DataSpec) });
  const { x, y } = probeBatch(data.train, s.gradProbe);
  const out: V3InitGradRow[] = [];
  try {
    for (const seed of seeds)
      for (const depth of s.initDepths)
        for (const c of conditions)
          for (let k = 0; k < s.initNets; k++) {
            const net = (subSeed(seed, "v3-init-grad") + k) >>> 0;
            const m = new Mlp(v3ModelConfig(s, c, depth), net);
            try {
              const g = v3GradNorms(m, x, y);
              out.push({
                condition: c.key,
                depth,
                seed,
                net: k,
                logRatio: g["delta.log_ratio"] ?? NaN,
                profile: Array.from({ length: depth }, (_, i) => g[`delta.L${i + 1}`]),
              });
            } finally {
              m.dispose();
            }
          }
  } finally {
    x.dispose();
    y.dispose();
  }
  return out;
}

/** Mean of logRatio over the nets of one seed, per (condition, depth): one value per seed, the unit of the tests. */
export function v3InitRatioBySeed(
  rows: readonly V3InitGradRow[],
  condition: string,
  depth: number,
  seeds: readonly number[],
): number[] {
  return seeds.map((seed) =>
    mean(rows.filter((r) => r.condition === condition && r.depth === depth && r.seed === seed).map((r) => r.logRatio)),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// v3-D: the permutation check (an identity of each skip)

/**
 * The relative change of a freshly initialised net's output when the units of hidden layer `layer` are permuted
 * (columns of W_l, entries of b_l, rows of W_{l+1}): ≈ 1e-7 (float32 round-off) for a skip that keeps the permutation
 * symmetry, O(1) for one that breaks it. `x` are the inputs; the permutation is drawn from `seed`.
 */
export function v3PermutationChange(config: MlpConfigInput, seed: number, layer: number, x: number[][]): number {
  const m = new Mlp(config, seed);
  try {
    const c = m.config;
    const n = c.width;
    const perm = new Rng(subSeed(seed, "v3-permutation")).permutation(n);
    const xt = tf.tensor2d(x);
    const y0 = tf.tidy(() => m.forward(xt).output.dataSync() as Float32Array);
    const next = layer < c.depth ? `L${layer + 1}.W` : "out.W";
    m.setWeights(
      m.getWeights().map((a) => {
        const d = Float32Array.from(a.data);
        if (a.name === `L${layer}.W`) {
          const rows = a.shape[0];
          for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) d[i * n + j] = a.data[i * n + perm[j]];
        } else if (a.name === `L${layer}.b`) {
          for (let j = 0; j < n; j++) d[j] = a.data[perm[j]];
        } else if (a.name === next) {
          const cols = a.shape[1];
          for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = a.data[perm[i] * cols + j];
        }
        return { ...a, data: d };
      }),
    );
    const y1 = tf.tidy(() => m.forward(xt).output.dataSync() as Float32Array);
    xt.dispose();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < y0.length; i++) {
      diff = Math.max(diff, Math.abs(y0[i] - y1[i]));
      scale = Math.max(scale, Math.abs(y0[i]));
    }
    return diff / scale;
  } finally {
    m.dispose();
  }
}

/**
 * `v3PermutationChange` of every condition and seed: the mid hidden layer of a fresh net (the run's own init, same
 * seed) permuted, on 16 Gaussian inputs. Condition key → seed → relative output change.
 */
export function v3PermutationChanges(
  s: V3SkipSetup,
  conditions: readonly V3Condition[],
  seeds: readonly number[],
): Record<string, Record<number, number>> {
  const dim = p1InputDim(s.protocol.data);
  const out: Record<string, Record<number, number>> = {};
  for (const c of conditions) {
    out[c.key] = {};
    for (const seed of seeds) {
      const rng = new Rng(subSeed(seed, "v3-permutation-inputs"));
      const x = Array.from({ length: 16 }, () => Array.from(rng.normals(dim)));
      out[c.key][seed] = v3PermutationChange(v3ModelConfig(s, c), seed, Math.ceil(s.protocol.depth / 2), x);
    }
  }
  return out;
}
