/**
 * Training configuration: a plain typed object (hashable with the model config, see runs/hash.ts).
 * `trainConfig(partial)` fills every default so equal meanings give equal objects.
 */
import { type ConfigSchema, checkConfig, fieldNames } from "../util/schema";

/** Adam (Kingma & Ba 2015) with PyTorch's update rule; `decoupled` weight decay turns it into AdamW. */
export interface AdamConfig {
  type: "adam";
  /** Base learning rate (the schedule multiplies/anneals it). docs/spec/p1.md §1.3 Fig. C: 1e-3. */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 weight decay: added to the gradient (coupled), or p ← p(1 − lr·wd) (decoupled, AdamW). */
  weightDecay: number;
  decoupled: boolean;
}

/** SGD with (optionally Nesterov) momentum and L2 weight decay, PyTorch semantics (dampening 0). */
export interface SgdConfig {
  type: "sgd";
  /** Base learning rate. docs/spec/p2.md §2.1 (paper 2): 0.1 annealed to 1e-4. */
  lr: number;
  /** Momentum μ (paper 2: 0.9); 0 is plain SGD. */
  momentum: number;
  nesterov: boolean;
  /** L2 weight decay added to the gradient (paper 2: 1e-4). */
  weightDecay: number;
}

export type OptimizerConfig = AdamConfig | SgdConfig;

/**
 * Learning-rate schedules (lr_base from the optimizer):
 *   constant  lr = lr_base
 *   step      lr = lr_base · gamma^(number of milestones ≤ epoch)   (epoch 0-based, changes at epoch boundaries)
 *   cosine    per step: lr = final + (lr_base − final)·½(1 + cos(π·t/T)), t = step, T = total steps, after an optional
 *             linear warm-up from lr_base/10 over `warmupEpochs`
 */
export type ScheduleConfig =
  | { type: "constant" }
  | { type: "step"; milestones: number[]; gamma: number }
  | { type: "cosine"; finalLr: number; warmupEpochs: number };

export interface TrainConfig {
  /** Passes over the training set. */
  epochs: number;
  /** Examples per step. */
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Drop the last incomplete batch of each epoch (default false: it is a smaller step). */
  dropLast: boolean;
  /** Also log a step record every this many steps (0: epoch records only). */
  logEverySteps: number;
  /** Batch size of evaluation passes (test set; no gradients, so it can be larger). */
  evalBatchSize: number;
  /**
   * Divergence beyond non-finite values (`DivergenceConfig`); absent means the defaults, and a resolved config omits
   * it then, so runs from before the rules keep their hashes.
   */
  divergence?: DivergenceConfig;
}

/**
 * Rules that stop a run as diverged (status "diverged", never "done") although its loss is still finite; each is
 * checked on the training loss and accuracy at every epoch end (train/diverge.ts `checkDivergenceRules`). null turns a
 * rule off.
 * - `lossFactor` f: the epoch's training loss is above f × its lowest value so far **and** above its initial value
 *   (the loss before training, or the first step's) — an explosion, not the noise of a nearly perfect fit.
 * - `accuracyDrop` d (classification): the epoch's training accuracy is at least d below the best so far — a collapse.
 */
export interface DivergenceConfig {
  lossFactor: number | null;
  accuracyDrop: number | null;
}

/** The default rules: a loss 100× its lowest and above its start; an accuracy 50 points below its best. */
export const DEFAULT_DIVERGENCE: Readonly<DivergenceConfig> = { lossFactor: 100, accuracyDrop: 0.5 };

/** The rules a config applies (the defaults where it has none). */
export function divergenceRules(c: TrainConfig): DivergenceConfig {
  return c.divergence ?? { ...DEFAULT_DIVERGENCE };
}

export type OptimizerInput =
  | "adam"
  | "sgd"
  | (Partial<Omit<AdamConfig, "type">> & { type: "adam" })
  | (Partial<Omit<SgdConfig, "type">> & { type: "sgd" });

export type ScheduleInput =
  | "constant"
  | "cosine"
  | { type: "constant" }
  | { type: "step"; milestones?: number[]; gamma?: number }
  | { type: "cosine"; finalLr?: number; warmupEpochs?: number };

export type TrainConfigInput = Partial<Omit<TrainConfig, "optimizer" | "schedule" | "divergence">> & {
  optimizer?: OptimizerInput;
  schedule?: ScheduleInput;
  divergence?: Partial<DivergenceConfig>;
};

export function optimizerConfig(o: OptimizerInput = "adam"): OptimizerConfig {
  const v = typeof o === "string" ? ({ type: o } as { type: "adam" | "sgd" }) : o;
  if (v && typeof v === "object" && (v.type === "adam" || v.type === "sgd"))
    checkConfig(v, v.type === "sgd" ? SGD_SCHEMA : ADAM_SCHEMA);
  if (v.type === "adam") {
    const a = v as Partial<AdamConfig>;
    return {
      type: "adam",
      lr: a.lr ?? 1e-3,
      beta1: a.beta1 ?? 0.9,
      beta2: a.beta2 ?? 0.999,
      eps: a.eps ?? 1e-8,
      weightDecay: a.weightDecay ?? 0,
      decoupled: a.decoupled ?? false,
    };
  }
  if (v.type === "sgd") {
    const s = v as Partial<SgdConfig>;
    return {
      type: "sgd",
      lr: s.lr ?? 0.1,
      momentum: s.momentum ?? 0.9,
      nesterov: s.nesterov ?? false,
      weightDecay: s.weightDecay ?? 0,
    };
  }
  throw new Error(`Unknown optimizer '${(v as { type: string }).type}': use adam or sgd`);
}

export function scheduleConfig(s: ScheduleInput = "constant"): ScheduleConfig {
  if (typeof s === "object") checkConfig(s, SCHEDULE_SCHEMA);
  const v = typeof s === "string" ? ({ type: s } as { type: "constant" | "cosine" }) : s;
  switch (v.type) {
    case "constant":
      return { type: "constant" };
    case "step": {
      const st = v as { milestones?: number[]; gamma?: number };
      return { type: "step", milestones: [...(st.milestones ?? [])].sort((a, b) => a - b), gamma: st.gamma ?? 0.1 };
    }
    case "cosine": {
      const c = v as { finalLr?: number; warmupEpochs?: number };
      return { type: "cosine", finalLr: c.finalLr ?? 0, warmupEpochs: c.warmupEpochs ?? 0 };
    }
    default:
      throw new Error(`Unknown schedule '${(v as { type: string }).type}': use constant, step or cosine`);
  }
}

export const ADAM_SCHEMA: ConfigSchema = {
  where: "train config: optimizer (adam)",
  title: "train.optimizer — Adam",
  doc: 'Adam (Kingma & Ba 2015) with PyTorch\'s update rule; `optimizer: "adam"` takes every default.',
  fields: [
    { name: "type", kind: "string", values: ["adam"], required: true, doc: "Selects Adam." },
    { name: "lr", kind: "number", default: "0.001", doc: "Base learning rate (the schedule scales it); > 0." },
    { name: "beta1", kind: "number", default: "0.9", doc: "First-moment decay." },
    { name: "beta2", kind: "number", default: "0.999", doc: "Second-moment decay." },
    { name: "eps", kind: "number", default: "1e-8", doc: "Added to the root of the second moment." },
    { name: "weightDecay", kind: "number", default: "0", doc: "L2 weight decay (coupled: added to the gradient)." },
    { name: "decoupled", kind: "boolean", default: "false", doc: "Decoupled weight decay p ← p(1 − lr·wd): AdamW." },
  ],
};

export const SGD_SCHEMA: ConfigSchema = {
  where: "train config: optimizer (sgd)",
  title: "train.optimizer — SGD",
  doc: 'SGD with (optionally Nesterov) momentum, PyTorch semantics (dampening 0); `optimizer: "sgd"` takes every default.',
  fields: [
    { name: "type", kind: "string", values: ["sgd"], required: true, doc: "Selects SGD." },
    { name: "lr", kind: "number", default: "0.1", doc: "Base learning rate; > 0." },
    { name: "momentum", kind: "number", default: "0.9", doc: "Momentum μ; 0 is plain SGD." },
    { name: "nesterov", kind: "boolean", default: "false", doc: "Nesterov momentum." },
    { name: "weightDecay", kind: "number", default: "0", doc: "L2 weight decay added to the gradient." },
  ],
};

export const SCHEDULE_SCHEMA: ConfigSchema = {
  where: "train config: schedule",
  title: "train.schedule",
  doc:
    'The learning-rate schedule: `"constant"`, `"cosine"` or an object. step: lr = lr_base · gamma^(milestones ≤ epoch); ' +
    "cosine: per step from lr_base to `finalLr`, after an optional linear warm-up from lr_base/10.",
  fields: [
    { name: "type", kind: "string", values: ["constant", "step", "cosine"], required: true, doc: "The schedule." },
    {
      name: "milestones",
      kind: "array",
      type: "integer[]",
      default: "[]",
      doc: "step: the epochs (0-based) at which lr is multiplied by `gamma`.",
    },
    { name: "gamma", kind: "number", default: "0.1", doc: "step: the factor at each milestone." },
    { name: "finalLr", kind: "number", default: "0", doc: "cosine: the learning rate at the last step." },
    { name: "warmupEpochs", kind: "number", default: "0", doc: "cosine: epochs of linear warm-up." },
  ],
};

export const DIVERGENCE_SCHEMA: ConfigSchema = {
  where: "train config: divergence",
  title: "train.divergence",
  doc:
    "Rules that stop a run as `diverged` (never `done`) although its loss is still finite, checked at every epoch end " +
    "(non-finite losses always stop a run). null turns a rule off; an absent section means the defaults.",
  fields: [
    {
      name: "lossFactor",
      kind: "number",
      nullable: true,
      default: "100",
      doc: "The epoch's training loss is above this factor × its lowest so far and above its initial value; > 1.",
    },
    {
      name: "accuracyDrop",
      kind: "number",
      nullable: true,
      default: "0.5",
      doc: "Classification: the epoch's training accuracy is at least this far below its best; in (0, 1].",
    },
  ],
};

/** Defaults: docs/spec/p1.md §1.3 Fig. C's proposed protocol (Adam 1e-3, batch 128), 10 epochs, constant lr. */
export const TRAIN_SCHEMA: ConfigSchema = {
  where: "train config",
  title: "train",
  doc: "How a run trains (`train/config.ts`; defaults: the proposed protocol of docs/spec/p1.md §1.3 Fig. C).",
  fields: [
    { name: "epochs", kind: "integer", default: "10", doc: "Passes over the training set; ≥ 0." },
    { name: "batchSize", kind: "integer", default: "128", doc: "Examples per step; ≥ 1." },
    { name: "optimizer", kind: "any", type: '"adam" | "sgd" | object', default: '"adam"', doc: "See train.optimizer." },
    {
      name: "schedule",
      kind: "any",
      type: '"constant" | "cosine" | object',
      default: '"constant"',
      doc: "See train.schedule.",
    },
    { name: "dropLast", kind: "boolean", default: "false", doc: "Drop the last incomplete batch of each epoch." },
    {
      name: "logEverySteps",
      kind: "integer",
      default: "0",
      doc: "Also log a step record every this many steps (0: epoch records only).",
    },
    { name: "evalBatchSize", kind: "integer", default: "1000", doc: "Batch size of evaluation passes." },
    { name: "divergence", kind: "object", default: "the defaults", doc: "See train.divergence." },
  ],
};

/** The train config's field names. */
export const TRAIN_FIELDS = fieldNames(TRAIN_SCHEMA);

export function trainConfig(input: TrainConfigInput = {}): TrainConfig {
  checkConfig(input, TRAIN_SCHEMA);
  if (input.divergence) checkConfig(input.divergence, DIVERGENCE_SCHEMA);
  const c: TrainConfig = {
    epochs: input.epochs ?? 10,
    batchSize: input.batchSize ?? 128,
    optimizer: optimizerConfig(input.optimizer),
    schedule: scheduleConfig(input.schedule),
    dropLast: input.dropLast ?? false,
    logEverySteps: input.logEverySteps ?? 0,
    evalBatchSize: input.evalBatchSize ?? 1000,
  };
  if (!Number.isInteger(c.epochs) || c.epochs < 0)
    throw new Error(`train config: epochs must be a non-negative integer, got ${c.epochs}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1)
    throw new Error(`train config: batchSize must be a positive integer, got ${c.batchSize}`);
  if (!(c.optimizer.lr > 0)) throw new Error(`train config: optimizer.lr must be > 0, got ${c.optimizer.lr}`);
  if (input.divergence) {
    const d: DivergenceConfig = {
      lossFactor:
        input.divergence.lossFactor === undefined ? DEFAULT_DIVERGENCE.lossFactor : input.divergence.lossFactor,
      accuracyDrop:
        input.divergence.accuracyDrop === undefined ? DEFAULT_DIVERGENCE.accuracyDrop : input.divergence.accuracyDrop,
    };
    if (d.lossFactor !== null && !(Number.isFinite(d.lossFactor) && d.lossFactor > 1))
      throw new Error(`train config: divergence.lossFactor must be a number > 1 or null (off), got ${d.lossFactor}`);
    if (d.accuracyDrop !== null && !(d.accuracyDrop > 0 && d.accuracyDrop <= 1))
      throw new Error(`train config: divergence.accuracyDrop must be in (0, 1] or null (off), got ${d.accuracyDrop}`);
    // one hash per meaning: the default rules are left implicit
    if (d.lossFactor !== DEFAULT_DIVERGENCE.lossFactor || d.accuracyDrop !== DEFAULT_DIVERGENCE.accuracyDrop)
      c.divergence = d;
  }
  return c;
}
