/**
 * Model configurations: plain typed objects that can be hashed (runs/hash.ts) and printed.
 *
 * Two families:
 *   - `mlp`: paper 1's deep fully connected nets (docs/spec/p1.md §1.2.3, §1.3 Figs. C–G, §1.4 v3-D): a first layer
 *     input → width without skip, then `depth − 1` width → width layers with the chosen skip, then a linear read-out.
 *   - `blocks`: paper 2's PlainNet / ResNet / ResNeXt families (docs/spec/p2.md §2.0–2.1) as MLPs: a stem layer
 *     input → width, then blocks of two weight layers each, then a linear read-out.
 *
 * `mlpConfig(partial)` / `blockNetConfig(partial)` fill every default, so two configs that mean the same model are the
 * same object (and hash the same). Layer indices are 1-based: hidden layer l computes x_l from x_{l−1}, x_0 = input.
 */
import { type ConfigSchema, type FieldSpec, checkConfig, fieldNames } from "../util/schema";

/** The unit nonlinearity f. relu is the default; tanh and sigmoid use second-order-safe gradients (activations.ts). */
export type Activation = "relu" | "leaky_relu" | "linear" | "tanh" | "sigmoid";

/** classification: softmax cross-entropy on integer labels; regression: mean squared error. */
export type Task = "classification" | "regression";

/**
 * How hidden layer l ≥ 2 adds its input back (layer 1 never has a skip: it changes the width).
 * Every skip is added after the nonlinearity: x_l = f(z_l) + S_l(x_{l−1}, …), z_l = W_l x_{l−1} + b_l.
 *
 * - `none`      plain:          x_l = f(z_l)
 * - `identity`  residual:       x_l = f(z_l) + x_{l−1}
 * - `hyper`     hyper-residual: x_l = f(z_l) + x_{l−1} + (1/(l−2)) Σ_{k=1}^{l−2} Q_k x_k   (l ≥ 3; l = 2 as identity)
 *     form `mean`:       Q_k = I (GPROF-NN's HyperResidualMLP, whose (1/(l−1)) Σ_{k=0}^{l−2} x_k includes the input
 *                        x_0; here x_0 has another width, so it is left out and the sum stays a mean of the terms)
 *     form `orthogonal`: Q_k a fixed random orthogonal matrix per source layer k (docs/spec/p1.md §1.2.3: "fixed random
 *                        (non-trained) matrices", unverified)
 * - `matrix`    x_l = f(z_l) + Q_l x_{l−1} with a fixed, non-trainable Q_l drawn per layer:
 *     `orthogonal`:  Haar-random orthogonal;
 *     `degenerate`:  Q = U diag(s) Vᵀ, U, V Haar-random, s ∈ {0, 1} with round(zeroFraction·width) zeros
 *                    (docs/spec/p1.md §1.3 Fig. G; zeroFraction 0 is orthogonal, 1 is plain);
 *     `mean`:        Q = (1/n) 1 1ᵀ, the symmetric skip that does not break permutation symmetry (docs/spec/p1.md §1.4 v3-D);
 *     `blend`:       Q = (1 − α)(1/n) 1 1ᵀ + α I, α = `blend` ∈ [0, 1]: the mean skip (α = 0) moved towards the identity
 *                    (α = 1), a skip that breaks the permutation symmetry weakly for small α (docs/spec/p1.md §1.4 v3-D).
 *                    Its singular values are 1 (the mean direction) and α (the n − 1 others);
 *     `rank1-positive`: Q = w wᵀ, w = |g|/‖g‖ with g ~ N(0, I) drawn per layer: rank 1 and norm 1 like the mean skip,
 *                    and like it aligned with the all-ones direction (E cos(w, 1) ≈ √(2/π) ≈ 0.8, which ReLU outputs,
 *                    all ≥ 0, lie close to), but different for every unit, so it breaks the symmetry: the mean skip's
 *                    matched control (docs/spec/p1.md §1.4 v3-D; ours).
 *   `scale` (optional, default 1; omitted when 1, so earlier runs keep their hashes) multiplies Q: e.g. −1 turns the
 *   mean skip into −(1/n)11ᵀ, which feeds the layer mean back with the opposite sign.
 */
export type SkipConfig =
  | { type: "none" }
  | { type: "identity" }
  | { type: "hyper"; form: "mean" | "orthogonal" }
  | {
      type: "matrix";
      matrix: "orthogonal" | "degenerate" | "mean" | "rank1-positive";
      zeroFraction: number;
      scale?: number;
    }
  | { type: "matrix"; matrix: "blend"; zeroFraction: number; blend: number; scale?: number };

/** The fixed skip matrices of `SkipConfig` "matrix". */
export type SkipMatrixKind = "orthogonal" | "degenerate" | "mean" | "blend" | "rank1-positive";
export const SKIP_MATRIX_KINDS: readonly SkipMatrixKind[] = [
  "orthogonal",
  "degenerate",
  "mean",
  "blend",
  "rank1-positive",
];

/**
 * Fixed, untrainable per-unit quantities that make the units of a layer differ without any skip: non-skip symmetry
 * breaking (docs/spec/p1.md §1.4 v3-E; every form is ours). Drawn once per hidden layer l and unit a from the model
 * seed (`subSeed(subSeed(seed, "init"), "unit-breaking")`), and applied as
 *   x_l = g_a · f_a(z_l + c_a) + S_l(…)
 * - `offsetStd` σ:  c_a ~ N(0, σ²), a fixed offset of the pre-activation (a bias that is not trained);
 * - `gainSpread` s: g_a ~ U(1 − s, 1 + s), a fixed gain on the unit's output;
 * - `slopeMax` m:   f_a(z) = max(z, α_a z), α_a ~ U(0, m), a leaky ReLU with its own slope (ReLU nets only).
 * A zero field is off. Absent (or all zero) means none, and a resolved config then omits the field, so runs from before
 * it keep their hashes.
 */
export interface UnitBreakingConfig {
  offsetStd: number;
  gainSpread: number;
  slopeMax: number;
}

/**
 * Weight initialisation of the hidden layers (biases start at `biasInit`; the read-out is always LeCun-normal,
 * N(0, 1/fan_in), with zero bias). n = width, fan_in = rows of W.
 *
 * - `he`             W ~ N(0, gain²·2/fan_in) (default gain 1)
 * - `orthogonal`     W = gain · (Haar-random matrix with orthonormal columns or rows)
 * - `identity`       W = I + eps·N(0, 1/n) on square layers (He on the first, non-square layer) — docs/spec/p1.md §1.3 Fig. E (4)
 * - `neg-identity`   W = −I + eps·N(0, 1/n) on square layers, "malicious": with an identity skip the effective map
 *                    W + I starts near zero (elimination) — docs/spec/p1.md §1.3 Fig. E (1)
 * - `negative-mean`  W ~ N(−mean, std²) (std default √(2/fan_in)): many dead ReLUs — docs/spec/p1.md §1.3 Fig. E (2)
 * - `duplicated`     a `base` init (He or orthogonal, scaled by `gain`, default 1), then round(fraction·n/2) disjoint
 *                    pairs of units get identical incoming weights and biases (J_a = J_b: overlap at init) —
 *                    docs/spec/p1.md §1.3 Fig. E (3)
 */
export type InitConfig =
  | { type: "he"; gain: number }
  | { type: "orthogonal"; gain: number }
  | { type: "identity"; eps: number }
  | { type: "neg-identity"; eps: number }
  | { type: "negative-mean"; mean: number; std: number | null }
  | { type: "duplicated"; fraction: number; base: "he" | "orthogonal"; gain: number };

/**
 * The forms of the bias regulariser (docs/spec/p1.md §1.3 Fig. F; the paper's form was not found, every form is ours):
 * - "l2": λ Σ_l Σ_a (b_{l,a} − β)² over every hidden-layer bias (not the read-out). A positive target β keeps units
 *   out of the never-active (eliminated) regime.
 * - "random": the same with a fixed per-unit target β_{l,a} ~ U(0, 2β), drawn once from the model seed
 *   (`subSeed(seed, "bias-reg-targets")`): the targets differ between units, so the penalty also breaks the
 *   permutation symmetry between the units of a layer (overlap).
 * - "hinge": λ Σ_l Σ_a max(0, β − mean_batch z_{l,a})² on the batch mean of every hidden unit's pre-activation (after
 *   BatchNorm where a layer has it): it acts only on units whose input to the nonlinearity sits below β on average,
 *   i.e. on units that are dying, through their weights as well as their bias.
 */
export type BiasRegularizerForm = "l2" | "random" | "hinge";
export const BIAS_REGULARIZER_FORMS: readonly BiasRegularizerForm[] = ["l2", "random", "hinge"];

/**
 * PROPOSED bias regulariser of docs/spec/p1.md §1.3 Fig. F, added to the training loss (forms: `BiasRegularizerForm`).
 * `form` absent means "l2", the original form: a resolved config omits it for "l2", so runs of that form keep the
 * hashes they had before the other forms existed.
 */
export interface BiasRegularizerConfig {
  /** The form (default "l2"; see `BiasRegularizerForm`). */
  form?: BiasRegularizerForm;
  /** λ, the penalty weight (docs/spec/p1.md suggests 1e-4 … 1e-2). */
  lambda: number;
  /** β, the target bias ("l2"), the mean per-unit target ("random") or the pre-activation floor ("hinge"). */
  target: number;
}

/** The resolved regulariser (form "l2" left implicit: module comment of `BiasRegularizerConfig`). */
export function resolveBiasRegularizer(r: BiasRegularizerConfig | null | undefined): BiasRegularizerConfig | null {
  if (!r) return null;
  checkConfig(r, BIAS_REGULARIZER_SCHEMA);
  const form = r.form ?? "l2";
  if (!BIAS_REGULARIZER_FORMS.includes(form))
    throw new Error(`model config: biasRegularizer.form '${form}' is not one of ${BIAS_REGULARIZER_FORMS.join(", ")}`);
  if (!(r.lambda >= 0) || !Number.isFinite(r.lambda))
    throw new Error(`model config: biasRegularizer.lambda must be a finite number ≥ 0, got ${r.lambda}`);
  if (!Number.isFinite(r.target))
    throw new Error(`model config: biasRegularizer.target must be a finite number, got ${r.target}`);
  if (form === "random" && r.target < 0)
    throw new Error(
      `model config: biasRegularizer.target must be ≥ 0 for the "random" form (targets ~ U(0, 2β)), got ${r.target}`,
    );
  return form === "l2" ? { lambda: r.lambda, target: r.target } : { form, lambda: r.lambda, target: r.target };
}

/** Paper 1's deep fully connected net. */
export interface MlpConfig {
  kind: "mlp";
  /** Features per input sample (3072 for flattened 32×32×3 images). */
  inputDim: number;
  /** Read-out width: number of classes (classification) or target dimension (regression). */
  outputDim: number;
  /** Number of hidden layers L (each with its own W_l, b_l). */
  depth: number;
  /** Units per hidden layer n. */
  width: number;
  activation: Activation;
  skip: SkipConfig;
  init: InitConfig;
  /** Initial value of every hidden bias (0 by default). */
  biasInit: number;
  /** Hidden layers (1-based) with BatchNorm on the pre-activation: z_l ← γ (z_l − μ)/√(σ² + 1e-5) + β. */
  batchNorm: number[];
  biasRegularizer: BiasRegularizerConfig | null;
  task: Task;
  /** Non-skip symmetry breaking (`UnitBreakingConfig`); absent: none. */
  unitBreaking?: UnitBreakingConfig;
}

/** Paper 2's block families as MLPs (docs/spec/p2.md §2.0, Fig. 2); a block is two weight layers. */
export interface BlockNetConfig {
  kind: "blocks";
  /**
   * `plain`:   x_j = f(W₂ f(W₁ x_{j−1} + b₁) + b₂)                 (PlainNet = the ResNet with its skips removed)
   * `resnet`:  x_j = f(W₂ f(W₁ x_{j−1} + b₁) + b₂) + x_{j−1}
   * `resnext`: x_j = f(Σ_{k=1}^{s} W₂ᵏ f(W₁ᵏ x_{j−1} + b₁ᵏ) + b₂) + x_{j−1},  W₁ᵏ: n → q, W₂ᵏ: q → n, q < n.
   * Skips are added after f, as in the `mlp` family. (With two layers per block the s paths are, as a function
   * class, one layer of width s·q — Xie et al. 2017 §3.3; the paths are kept separate so each has its own names.)
   */
  family: "plain" | "resnet" | "resnext";
  inputDim: number;
  outputDim: number;
  /** Units n of the stem and of every block output. */
  width: number;
  /** Number of blocks (weight layers = 1 stem + 2·blocks + 1 read-out). */
  blocks: number;
  /** ResNeXt cardinality s (number of paths); ignored by plain/resnet. */
  cardinality: number;
  /** ResNeXt path width q (< width); ignored by plain/resnet. */
  groupWidth: number;
  activation: Activation;
  /** Same choices as the `mlp` family; identity/neg-identity apply to square layers only. */
  init: InitConfig;
  biasInit: number;
  /** BatchNorm on every pre-activation of the stem and the blocks (paper 2's nets use BN; "with and without"). */
  batchNorm: boolean;
  biasRegularizer: BiasRegularizerConfig | null;
  task: Task;
}

/**
 * Papers 2 and 3's convolutional nets (docs/spec/p2.md §2.0, docs/spec/p3.md): PlainNet / ResNet / ResNeXt in He et
 * al.'s CIFAR layout — a 3×3 stem, three stages of blocks at widths w, 2w, 4w (stride 2 into stages 2 and 3), global
 * average pooling and a dense read-out (models/convnet.ts has the equations).
 */
export interface ConvNetConfig {
  kind: "conv";
  /** `plain`: no shortcuts at all (the ResNet with its shortcuts removed); `resnet`; `resnext` (bottleneck only). */
  family: "plain" | "resnet" | "resnext";
  /** `basic`: two 3×3 convs per block, depth 6n + 2; `bottleneck`: 1×1, 3×3, 1×1 (output 4× wider), depth 9n + 2. */
  block: "basic" | "bottleneck";
  /** [height, width, channels] of an input image; rows of x are the images flattened in HWC order. */
  inputShape: [number, number, number];
  /** h·w·c (derived from inputShape). */
  inputDim: number;
  outputDim: number;
  /** Weight layers counted as He et al. do: 6n + 2 (basic) or 9n + 2 (bottleneck), n blocks per stage. */
  depth: number;
  /** Stage-1 width (16 in He et al.'s CIFAR nets); stages 2 and 3 double it. */
  width: number;
  /** ResNeXt: groups of the 3×3 conv. */
  cardinality: number;
  /** ResNeXt: channels per group in stage 1 (doubling per stage). */
  groupWidth: number;
  /** How a residual block that changes shape adds its input: a 1×1 conv ("projection", He's option B) or
   *  subsampling plus zero channels ("zero-pad", option A). PROPOSED default: projection. */
  shortcut: "projection" | "zero-pad";
  /** BN after every conv (then the convs have no bias). */
  batchNorm: boolean;
  activation: Activation;
  /** He or orthogonal, over fan-in = kernel² · input channels per group. */
  init: InitConfig;
  /**
   * ResNet / ResNeXt: the initial scale of every residual branch's output — a factor on its last conv's weights
   * without BN, the initial γ of its last BN with BN (the plain net has no branch and ignores it). He-initialised
   * branches add their full variance at every block, so a deep net's activations grow with depth (without BN ~2^blocks,
   * and it diverges at once; with BN ~blocks, and it starts slowly); a gain of 1/√(blocks) keeps the growth to a
   * factor ≈ e (Hanin & Rolnick 2018; Fixup; with BN, the small-γ form of Goyal et al. 2017's zero-γ). Absent means 1
   * (a resolved config omits it then, so runs from before the field keep their hashes).
   */
  branchGain?: number;
  biasInit: number;
  biasRegularizer: BiasRegularizerConfig | null;
  task: Task;
}

export type ModelConfig = MlpConfig | BlockNetConfig | ConvNetConfig;

/** Partial configs as users write them: any field may be left out and takes its default. */
export type MlpConfigInput = Partial<Omit<MlpConfig, "kind" | "skip" | "init" | "unitBreaking">> & {
  kind?: "mlp";
  skip?: SkipInput;
  init?: InitInput;
  unitBreaking?: Partial<UnitBreakingConfig> | null;
};
export type BlockNetConfigInput = Partial<Omit<BlockNetConfig, "kind" | "init">> & { kind: "blocks"; init?: InitInput };
export type ConvNetConfigInput = Partial<Omit<ConvNetConfig, "kind" | "init" | "inputDim">> & {
  kind: "conv";
  init?: InitInput;
};
export type ModelConfigInput = MlpConfigInput | BlockNetConfigInput | ConvNetConfigInput;

/** A skip as written by users: a type name or a partial object. */
export type SkipInput =
  | SkipConfig["type"]
  | { type: "none" }
  | { type: "identity" }
  | { type: "hyper"; form?: "mean" | "orthogonal" }
  | { type: "matrix"; matrix?: SkipMatrixKind; zeroFraction?: number; blend?: number; scale?: number };

export type InitInput =
  | InitConfig["type"]
  | { type: "he"; gain?: number }
  | { type: "orthogonal"; gain?: number }
  | { type: "identity"; eps?: number }
  | { type: "neg-identity"; eps?: number }
  | { type: "negative-mean"; mean?: number; std?: number | null }
  | { type: "duplicated"; fraction?: number; base?: "he" | "orthogonal"; gain?: number };

export function resolveSkip(s: SkipInput | undefined): SkipConfig {
  const o = typeof s === "string" ? { type: s } : (s ?? { type: "none" });
  checkConfig(o, SKIP_SCHEMA);
  switch (o.type) {
    case "none":
    case "identity":
      return { type: o.type };
    case "hyper":
      return { type: "hyper", form: (o as { form?: "mean" | "orthogonal" }).form ?? "mean" };
    case "matrix": {
      const m = o as { matrix?: SkipMatrixKind; zeroFraction?: number; blend?: number; scale?: number };
      const matrix = m.matrix ?? "orthogonal";
      if (!SKIP_MATRIX_KINDS.includes(matrix))
        throw new Error(`Unknown skip matrix '${matrix}': use ${SKIP_MATRIX_KINDS.join(", ")}`);
      const scale = m.scale ?? 1;
      if (!Number.isFinite(scale)) throw new Error(`model config: skip.scale must be a finite number, got ${scale}`);
      const scaled = scale === 1 ? {} : { scale }; // one hash per meaning
      if (matrix === "blend") {
        const blend = m.blend ?? 0.1;
        if (!(blend >= 0 && blend <= 1)) throw new Error(`model config: skip.blend must be in [0, 1], got ${blend}`);
        return { type: "matrix", matrix, zeroFraction: 0, blend, ...scaled };
      }
      return { type: "matrix", matrix, zeroFraction: matrix === "degenerate" ? (m.zeroFraction ?? 0.5) : 0, ...scaled };
    }
    default:
      throw new Error(`Unknown skip type '${(o as { type: string }).type}': use none, identity, hyper or matrix`);
  }
}

export function resolveInit(i: InitInput | undefined): InitConfig {
  const o = typeof i === "string" ? { type: i } : (i ?? { type: "he" });
  checkConfig(o, INIT_SCHEMA);
  const a = o as Record<string, unknown>;
  switch (o.type) {
    case "he":
    case "orthogonal":
      return { type: o.type, gain: (a.gain as number | undefined) ?? 1 };
    case "identity":
    case "neg-identity":
      return { type: o.type, eps: (a.eps as number | undefined) ?? 0.1 };
    case "negative-mean":
      return {
        type: "negative-mean",
        mean: (a.mean as number | undefined) ?? 0.1,
        std: (a.std as number | null | undefined) ?? null,
      };
    case "duplicated":
      return {
        type: "duplicated",
        fraction: (a.fraction as number | undefined) ?? 0.5,
        base: (a.base as "he" | "orthogonal" | undefined) ?? "he",
        gain: (a.gain as number | undefined) ?? 1,
      };
    default:
      throw new Error(
        `Unknown init type '${(o as { type: string }).type}': use he, orthogonal, identity, neg-identity, negative-mean or duplicated`,
      );
  }
}

/** The resolved unit breaking: every field a finite number ≥ 0 (default 0); null when all are 0 (module comment of `UnitBreakingConfig`). */
export function resolveUnitBreaking(u: Partial<UnitBreakingConfig> | null | undefined): UnitBreakingConfig | null {
  if (!u) return null;
  checkConfig(u, UNIT_BREAKING_SCHEMA);
  const r: UnitBreakingConfig = {
    offsetStd: u.offsetStd ?? 0,
    gainSpread: u.gainSpread ?? 0,
    slopeMax: u.slopeMax ?? 0,
  };
  for (const [k, v] of Object.entries(r))
    if (!(Number.isFinite(v) && v >= 0))
      throw new Error(`model config: unitBreaking.${k} must be a finite number ≥ 0, got ${v}`);
  if (r.gainSpread >= 1)
    throw new Error(
      `model config: unitBreaking.gainSpread must be below 1 (gains U(1 − s, 1 + s) stay positive), got ${r.gainSpread}`,
    );
  return r.offsetStd || r.gainSpread || r.slopeMax ? r : null;
}

const ACTIVATIONS: readonly Activation[] = ["relu", "leaky_relu", "linear", "tanh", "sigmoid"];

/** Fields every model family shares. */
const COMMON_FIELDS = {
  outputDim: (d: string): FieldSpec => ({
    name: "outputDim",
    kind: "integer",
    default: d,
    doc: "Read-out width: classes (classification) or target dimension (regression).",
  }),
  activation: {
    name: "activation",
    kind: "string",
    values: ACTIVATIONS,
    default: '"relu"',
    doc: "The unit nonlinearity; tanh and sigmoid use second-order-safe gradients.",
  } as FieldSpec,
  init: (d: string): FieldSpec => ({
    name: "init",
    kind: "any",
    type: "name | object",
    default: d,
    doc: "Weight initialisation of the hidden layers: see model.init.",
  }),
  biasInit: { name: "biasInit", kind: "number", default: "0", doc: "Initial value of every hidden bias." } as FieldSpec,
  biasRegularizer: {
    name: "biasRegularizer",
    kind: "object",
    nullable: true,
    default: "null",
    doc: "A penalty on hidden biases (PROPOSED, docs/spec/p1.md §1.3 Fig. F): see model.biasRegularizer.",
  } as FieldSpec,
  task: {
    name: "task",
    kind: "string",
    values: ["classification", "regression"],
    default: '"classification"',
    doc: "classification: softmax cross-entropy on integer labels; regression: mean squared error.",
  } as FieldSpec,
};

/** Paper 1 defaults (docs/spec/p1.md §1.3 Fig. C, PROPOSED protocol): 30 × 128 ReLU, CIFAR-100 shapes, He init, plain. */
export const MLP_SCHEMA: ConfigSchema = {
  where: "model config (mlp)",
  title: "model — mlp",
  doc:
    'Paper 1\'s deep fully connected net (`kind` absent or "mlp"): a first layer input → width, `depth − 1` width → ' +
    "width layers with the chosen skip, a linear read-out (defaults: the proposed protocol of docs/spec/p1.md §1.3 Fig. C).",
  fields: [
    { name: "kind", kind: "string", values: ["mlp"], default: '"mlp"', doc: "The model family." },
    { name: "inputDim", kind: "integer", default: "3072", doc: "Features per input sample." },
    COMMON_FIELDS.outputDim("100"),
    { name: "depth", kind: "integer", default: "30", doc: "Hidden layers L." },
    { name: "width", kind: "integer", default: "128", doc: "Units per hidden layer." },
    COMMON_FIELDS.activation,
    {
      name: "skip",
      kind: "any",
      type: '"none" | "identity" | "hyper" | "matrix" | object',
      default: '"none"',
      doc: "How hidden layers l ≥ 2 add their input back, after the nonlinearity: see model.skip.",
    },
    COMMON_FIELDS.init('"he"'),
    COMMON_FIELDS.biasInit,
    {
      name: "batchNorm",
      kind: "array",
      type: "integer[]",
      default: "[]",
      doc: "Hidden layers (1-based) with BatchNorm on the pre-activation.",
    },
    COMMON_FIELDS.biasRegularizer,
    COMMON_FIELDS.task,
    {
      name: "unitBreaking",
      kind: "object",
      nullable: true,
      default: "none",
      doc: "Fixed per-unit offsets, gains and leaky slopes that break the symmetry without a skip: see model.unitBreaking.",
    },
  ],
};

/** Paper 2's block families as MLPs. */
export const BLOCK_NET_SCHEMA: ConfigSchema = {
  where: "model config (blocks)",
  title: "model — blocks",
  doc:
    'Paper 2\'s PlainNet / ResNet / ResNeXt families as MLPs (`kind: "blocks"`, docs/spec/p2.md §2.0): a stem ' +
    "input → width, blocks of two weight layers, a linear read-out.",
  fields: [
    { name: "kind", kind: "string", values: ["blocks"], default: "—", doc: "Selects this family (absent: mlp)." },
    {
      name: "family",
      kind: "string",
      values: ["plain", "resnet", "resnext"],
      default: '"resnet"',
      doc: "Which block.",
    },
    { name: "inputDim", kind: "integer", default: "3072", doc: "Features per input sample." },
    COMMON_FIELDS.outputDim("10"),
    { name: "width", kind: "integer", default: "32", doc: "Units of the stem and of every block output." },
    { name: "blocks", kind: "integer", default: "25", doc: "Blocks (weight layers = 2·blocks + 2)." },
    { name: "cardinality", kind: "integer", default: "4", doc: "ResNeXt paths s." },
    { name: "groupWidth", kind: "integer", default: "⌊width/4⌋", doc: "ResNeXt path width q (< width)." },
    COMMON_FIELDS.activation,
    COMMON_FIELDS.init('"he"'),
    COMMON_FIELDS.biasInit,
    {
      name: "batchNorm",
      kind: "boolean",
      default: "false",
      doc: "BatchNorm on every pre-activation of stem and blocks.",
    },
    COMMON_FIELDS.biasRegularizer,
    COMMON_FIELDS.task,
  ],
};

/** Papers 2 and 3's convolutional nets. */
export const CONV_NET_SCHEMA: ConfigSchema = {
  where: "model config (conv)",
  title: "model — conv",
  doc:
    "Papers 2 and 3's convolutional PlainNet / ResNet / ResNeXt in He et al.'s CIFAR layout (`kind: \"conv\"`, " +
    "docs/spec/p2.md §2.0, docs/spec/p3.md): a 3×3 stem, three stages at widths w, 2w, 4w, global average pooling.",
  fields: [
    { name: "kind", kind: "string", values: ["conv"], default: "—", doc: "Selects this family (absent: mlp)." },
    {
      name: "family",
      kind: "string",
      values: ["plain", "resnet", "resnext"],
      default: '"resnet"',
      doc: "plain has no shortcuts; resnext needs bottleneck blocks.",
    },
    {
      name: "block",
      kind: "string",
      values: ["basic", "bottleneck"],
      default: '"basic" ("bottleneck" for resnext)',
      doc: "Two 3×3 convs (depth 6n + 2) or 1×1, 3×3, 1×1 (depth 9n + 2).",
    },
    {
      name: "inputShape",
      kind: "array",
      type: "[height, width, channels]",
      default: "[28, 28, 1]",
      doc: "Image shape; rows of x are images in HWC order.",
    },
    {
      name: "inputDim",
      kind: "integer",
      default: "derived",
      doc: "height·width·channels (derived; a resolved config carries it).",
    },
    COMMON_FIELDS.outputDim("10"),
    { name: "depth", kind: "integer", default: "20", doc: "Weight layers as He et al. count them: 6n + 2 or 9n + 2." },
    { name: "width", kind: "integer", default: "16", doc: "Stage-1 channels; stages 2 and 3 double it." },
    { name: "cardinality", kind: "integer", default: "4", doc: "ResNeXt groups of the 3×3 conv." },
    { name: "groupWidth", kind: "integer", default: "4", doc: "ResNeXt channels per group in stage 1." },
    {
      name: "shortcut",
      kind: "string",
      values: ["projection", "zero-pad"],
      default: '"projection"',
      doc: "How a block that changes shape adds its input (He's option B or A). PROPOSED default.",
    },
    { name: "batchNorm", kind: "boolean", default: "true", doc: "BN after every conv (the convs then have no bias)." },
    COMMON_FIELDS.activation,
    COMMON_FIELDS.init('"he"'),
    {
      name: "branchGain",
      kind: "number",
      default: "1",
      doc: "Initial scale of every residual branch's output (1/√blocks keeps deep nets' activations bounded).",
    },
    COMMON_FIELDS.biasInit,
    COMMON_FIELDS.biasRegularizer,
    COMMON_FIELDS.task,
  ],
};

export const SKIP_SCHEMA: ConfigSchema = {
  where: "model config: skip",
  title: "model.skip",
  doc:
    'A skip as a name (`"identity"`) or an object. none: x_l = f(z_l); identity: + x_{l−1}; hyper: + x_{l−1} + the ' +
    "mean of Q_k x_k over earlier layers; matrix: + Q_l x_{l−1} with a fixed, untrained Q_l (models/config.ts has the equations).",
  fields: [
    { name: "type", kind: "string", values: ["none", "identity", "hyper", "matrix"], required: true, doc: "The skip." },
    {
      name: "form",
      kind: "string",
      values: ["mean", "orthogonal"],
      default: '"mean"',
      doc: "hyper: Q_k = I or a fixed random orthogonal matrix.",
    },
    {
      name: "matrix",
      kind: "string",
      values: SKIP_MATRIX_KINDS,
      default: '"orthogonal"',
      doc: "matrix: Haar orthogonal, degenerate (some singular values 0), mean (1/n)11ᵀ, blend (1 − α)(1/n)11ᵀ + αI, rank1-positive w wᵀ.",
    },
    {
      name: "zeroFraction",
      kind: "number",
      default: "0.5 (degenerate)",
      doc: "degenerate: the fraction of singular values set to 0, in [0, 1].",
    },
    { name: "blend", kind: "number", default: "0.1 (blend)", doc: "blend: α in [0, 1]." },
    { name: "scale", kind: "number", default: "1", doc: "A factor on Q (−1 negates the skip)." },
  ],
};

export const INIT_SCHEMA: ConfigSchema = {
  where: "model config: init",
  title: "model.init",
  doc: 'Weight initialisation of the hidden layers, as a name (`"orthogonal"`) or an object; the read-out is always LeCun-normal with zero bias.',
  fields: [
    {
      name: "type",
      kind: "string",
      values: ["he", "orthogonal", "identity", "neg-identity", "negative-mean", "duplicated"],
      required: true,
      doc: "he N(0, gain²·2/fan_in); orthogonal; identity / neg-identity ±I + eps·N(0, 1/n); negative-mean N(−mean, std²); duplicated (pairs of units with identical weights).",
    },
    { name: "gain", kind: "number", default: "1", doc: "he, orthogonal, duplicated: a factor on the weights." },
    { name: "eps", kind: "number", default: "0.1", doc: "identity, neg-identity: the size of the noise." },
    { name: "mean", kind: "number", default: "0.1", doc: "negative-mean: the weights' mean is −mean." },
    {
      name: "std",
      kind: "number",
      nullable: true,
      default: "null (√(2/fan_in))",
      doc: "negative-mean: the weights' standard deviation.",
    },
    {
      name: "fraction",
      kind: "number",
      default: "0.5",
      doc: "duplicated: the fraction of units in duplicated pairs, in [0, 1].",
    },
    {
      name: "base",
      kind: "string",
      values: ["he", "orthogonal"],
      default: '"he"',
      doc: "duplicated: the init before duplicating.",
    },
  ],
};

export const BIAS_REGULARIZER_SCHEMA: ConfigSchema = {
  where: "model config: biasRegularizer",
  title: "model.biasRegularizer",
  doc: "A penalty on the hidden biases added to the training loss (PROPOSED, docs/spec/p1.md §1.3 Fig. F; every form is ours).",
  fields: [
    {
      name: "form",
      kind: "string",
      values: BIAS_REGULARIZER_FORMS,
      default: '"l2"',
      doc: "l2: λΣ(b − β)²; random: per-unit targets ~ U(0, 2β); hinge: λΣ max(0, β − mean z)².",
    },
    { name: "lambda", kind: "number", required: true, doc: "λ ≥ 0, the penalty weight." },
    {
      name: "target",
      kind: "number",
      required: true,
      doc: "β: the target bias, mean target, or pre-activation floor.",
    },
  ],
};

export const UNIT_BREAKING_SCHEMA: ConfigSchema = {
  where: "model config: unitBreaking",
  title: "model.unitBreaking",
  doc: "Fixed, untrained per-unit quantities that make a layer's units differ without a skip (docs/spec/p1.md §1.4 v3-E; ours). 0 is off.",
  fields: [
    {
      name: "offsetStd",
      kind: "number",
      default: "0",
      doc: "σ: a fixed pre-activation offset c_a ~ N(0, σ²) per unit.",
    },
    {
      name: "gainSpread",
      kind: "number",
      default: "0",
      doc: "s < 1: a fixed output gain g_a ~ U(1 − s, 1 + s) per unit.",
    },
    {
      name: "slopeMax",
      kind: "number",
      default: "0",
      doc: "m: a leaky-ReLU slope α_a ~ U(0, m) per unit (ReLU nets only).",
    },
  ],
};

export const MLP_FIELDS = fieldNames(MLP_SCHEMA);
export const BLOCK_NET_FIELDS = fieldNames(BLOCK_NET_SCHEMA);
export const CONV_NET_FIELDS = fieldNames(CONV_NET_SCHEMA);

export function mlpConfig(input: MlpConfigInput = {}): MlpConfig {
  checkConfig(input, MLP_SCHEMA);
  const c: MlpConfig = {
    kind: "mlp",
    inputDim: input.inputDim ?? 3072,
    outputDim: input.outputDim ?? 100,
    depth: input.depth ?? 30,
    width: input.width ?? 128,
    activation: input.activation ?? "relu",
    skip: resolveSkip(input.skip),
    init: resolveInit(input.init),
    biasInit: input.biasInit ?? 0,
    batchNorm: [...(input.batchNorm ?? [])].sort((a, b) => a - b),
    biasRegularizer: resolveBiasRegularizer(input.biasRegularizer),
    task: input.task ?? "classification",
  };
  const ub = resolveUnitBreaking(input.unitBreaking);
  if (ub) c.unitBreaking = ub; // omitted when off: one hash per meaning
  validateMlp(c);
  return c;
}

/** Paper 2 defaults, reduced (docs/spec/p2.md §2.4): width 32, 25 blocks (≈ 52 weight layers), ResNeXt s = 4, q = 8. */
export function blockNetConfig(input: Omit<BlockNetConfigInput, "kind"> & { kind?: "blocks" }): BlockNetConfig {
  checkConfig(input, BLOCK_NET_SCHEMA);
  const width = input.width ?? 32;
  const c: BlockNetConfig = {
    kind: "blocks",
    family: input.family ?? "resnet",
    inputDim: input.inputDim ?? 3072,
    outputDim: input.outputDim ?? 10,
    width,
    blocks: input.blocks ?? 25,
    cardinality: input.cardinality ?? 4,
    groupWidth: input.groupWidth ?? Math.max(1, Math.floor(width / 4)),
    activation: input.activation ?? "relu",
    init: resolveInit(input.init),
    biasInit: input.biasInit ?? 0,
    batchNorm: input.batchNorm ?? false,
    biasRegularizer: resolveBiasRegularizer(input.biasRegularizer),
    task: input.task ?? "classification",
  };
  validateBlocks(c);
  return c;
}

/** ResNet-20 on 28×28×1 images (Fashion-MNIST), 10 classes, BN, He init, projection shortcuts. */
export function convNetConfig(input: Omit<ConvNetConfigInput, "kind"> & { kind?: "conv" }): ConvNetConfig {
  checkConfig(input, CONV_NET_SCHEMA);
  const inputShape = input.inputShape ?? [28, 28, 1];
  const c: ConvNetConfig = {
    kind: "conv",
    family: input.family ?? "resnet",
    block: input.block ?? (input.family === "resnext" ? "bottleneck" : "basic"),
    inputShape: [inputShape[0], inputShape[1], inputShape[2]],
    inputDim: inputShape[0] * inputShape[1] * inputShape[2],
    outputDim: input.outputDim ?? 10,
    depth: input.depth ?? 20,
    width: input.width ?? 16,
    cardinality: input.cardinality ?? 4,
    groupWidth: input.groupWidth ?? 4,
    shortcut: input.shortcut ?? "projection",
    batchNorm: input.batchNorm ?? true,
    activation: input.activation ?? "relu",
    init: resolveInit(input.init),
    // one hash per meaning: the default gain, and any gain of the plain net (no branch), are left implicit
    ...(input.branchGain !== undefined && input.branchGain !== 1 && (input.family ?? "resnet") !== "plain"
      ? { branchGain: input.branchGain }
      : {}),
    biasInit: input.biasInit ?? 0,
    biasRegularizer: resolveBiasRegularizer(input.biasRegularizer),
    task: input.task ?? "classification",
  };
  validateConv(c);
  return c;
}

/** Fills the defaults of the family `kind` names (default "mlp"). */
export function modelConfig(input: ModelConfigInput): ModelConfig {
  const kind = (input as { kind?: unknown } | null)?.kind;
  if (kind !== undefined && kind !== "mlp" && kind !== "blocks" && kind !== "conv")
    throw new Error(`model config: "kind" must be one of "mlp", "blocks", "conv", got ${JSON.stringify(kind)}`);
  if (input.kind === "blocks") return blockNetConfig(input);
  if (input.kind === "conv") return convNetConfig(input);
  return mlpConfig(input as MlpConfigInput);
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`model config: ${name} must be a positive integer, got ${v}`);
}

function validateCommon(c: ModelConfig): void {
  positiveInt("inputDim", c.inputDim);
  positiveInt("outputDim", c.outputDim);
  positiveInt("width", c.width);
  const acts: Activation[] = ["relu", "leaky_relu", "linear", "tanh", "sigmoid"];
  if (!acts.includes(c.activation))
    throw new Error(`model config: activation '${c.activation}' is not one of ${acts.join(", ")}`);
  if (c.task !== "classification" && c.task !== "regression")
    throw new Error(`model config: task must be classification or regression`);
  const i = c.init;
  if (i.type === "duplicated" && !(i.fraction >= 0 && i.fraction <= 1))
    throw new Error("model config: init.fraction must be in [0, 1]");
}

function validateMlp(c: MlpConfig): void {
  validateCommon(c);
  positiveInt("depth", c.depth);
  for (const l of c.batchNorm) {
    if (!Number.isInteger(l) || l < 1 || l > c.depth)
      throw new Error(`model config: batchNorm layer ${l} is not a hidden layer 1..${c.depth}`);
  }
  if (new Set(c.batchNorm).size !== c.batchNorm.length) throw new Error("model config: batchNorm lists a layer twice");
  const s = c.skip;
  if (s.type === "matrix" && s.matrix === "degenerate" && !(s.zeroFraction >= 0 && s.zeroFraction <= 1)) {
    throw new Error(`model config: skip.zeroFraction must be in [0, 1], got ${s.zeroFraction}`);
  }
  if (c.unitBreaking && c.unitBreaking.slopeMax > 0 && c.activation !== "relu")
    throw new Error(
      `model config: unitBreaking.slopeMax gives each unit its own leaky-ReLU slope, so it needs activation "relu", not "${c.activation}"`,
    );
}

function validateBlocks(c: BlockNetConfig): void {
  validateCommon(c);
  positiveInt("blocks", c.blocks);
  if (!["plain", "resnet", "resnext"].includes(c.family))
    throw new Error(`model config: family '${c.family}' is not plain, resnet or resnext`);
  if (c.family === "resnext") {
    positiveInt("cardinality", c.cardinality);
    positiveInt("groupWidth", c.groupWidth);
  }
}

function validateConv(c: ConvNetConfig): void {
  validateCommon(c);
  for (const [i, v] of c.inputShape.entries()) positiveInt(`inputShape[${i}]`, v);
  if (!["plain", "resnet", "resnext"].includes(c.family))
    throw new Error(`model config: family '${c.family}' is not plain, resnet or resnext`);
  if (c.block !== "basic" && c.block !== "bottleneck")
    throw new Error(`model config: block '${c.block}' is not basic or bottleneck`);
  if (c.family === "resnext" && c.block !== "bottleneck")
    throw new Error("model config: ResNeXt blocks are bottlenecks (block: 'bottleneck')");
  const per = c.block === "basic" ? 6 : 9;
  if (!Number.isInteger((c.depth - 2) / per) || c.depth < per + 2) {
    throw new Error(
      `model config: a ${c.block} conv net has depth ${per}n + 2 (e.g. ${per + 2}, ${3 * per + 2}, ${9 * per + 2}), got ${c.depth}`,
    );
  }
  if (c.shortcut !== "projection" && c.shortcut !== "zero-pad")
    throw new Error(`model config: shortcut '${c.shortcut}' is not projection or zero-pad`);
  if (c.init.type !== "he" && c.init.type !== "orthogonal")
    throw new Error(`model config: conv nets take init he or orthogonal, not '${c.init.type}'`);
  if (c.branchGain !== undefined && !(Number.isFinite(c.branchGain) && c.branchGain >= 0))
    throw new Error(`model config: branchGain must be a finite number ≥ 0, got ${c.branchGain}`);
  if (c.family === "resnext") {
    positiveInt("cardinality", c.cardinality);
    positiveInt("groupWidth", c.groupWidth);
  }
}

/** Number of zero singular values a degenerate skip matrix of width n gets: round(zeroFraction·n). */
export function degenerateZeros(width: number, zeroFraction: number): number {
  return Math.round(zeroFraction * width);
}

/** A one-line description, e.g. "mlp 30×128 relu, skip identity, init he(gain 1), 0.88 M params". */
export function describeModelConfig(c: ModelConfig): string {
  const init = Object.entries(c.init)
    .filter(([k]) => k !== "type")
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const parts: string[] = [];
  if (c.kind === "mlp") {
    const s = c.skip;
    const skip =
      s.type === "hyper"
        ? `hyper(${s.form})`
        : s.type === "matrix"
          ? `matrix(${s.matrix}${s.matrix === "degenerate" ? ` p=${s.zeroFraction}` : ""}${s.matrix === "blend" ? ` α=${s.blend}` : ""}${s.scale !== undefined && s.scale !== 1 ? ` ×${s.scale}` : ""})`
          : s.type;
    parts.push(`mlp ${c.inputDim}→${c.depth}×${c.width}→${c.outputDim} ${c.activation}`, `skip ${skip}`);
    if (c.batchNorm.length) parts.push(`BN at ${c.batchNorm.join(",")}`);
    const u = c.unitBreaking;
    if (u)
      parts.push(
        `unit breaking ${[u.offsetStd ? `offsets σ=${u.offsetStd}` : "", u.gainSpread ? `gains ±${u.gainSpread}` : "", u.slopeMax ? `slopes ≤${u.slopeMax}` : ""].filter(Boolean).join(", ")}`,
      );
  } else if (c.kind === "conv") {
    const [h, w, ch] = c.inputShape;
    parts.push(
      `conv ${c.family}-${c.depth} (${c.block}) ${h}×${w}×${ch}→${c.outputDim}, width ${c.width} ${c.activation}`,
    );
    if (c.family === "resnext") parts.push(`cardinality ${c.cardinality}×${c.groupWidth}`);
    if (c.family !== "plain") parts.push(`${c.shortcut} shortcuts`);
    if (c.family !== "plain" && c.branchGain !== undefined) parts.push(`branch gain ${+c.branchGain.toPrecision(3)}`);
    if (c.batchNorm) parts.push("BN");
  } else {
    parts.push(`${c.family} ${c.inputDim}→stem ${c.width}, ${c.blocks} blocks→${c.outputDim} ${c.activation}`);
    if (c.family === "resnext") parts.push(`s=${c.cardinality}, q=${c.groupWidth}`);
    if (c.batchNorm) parts.push("BN");
  }
  parts.push(`init ${c.init.type}${init ? `(${init})` : ""}`);
  if (c.biasRegularizer)
    parts.push(
      `bias reg ${c.biasRegularizer.form ?? "l2"} λ=${c.biasRegularizer.lambda} β=${c.biasRegularizer.target}`,
    );
  return parts.join(", ");
}
