/**
 * What a run is: a complete config (model, training, data, metrics) plus a seed. Everything that changes the numbers
 * is in the config, so the content hash (hash.ts) identifies the result.
 *
 * Data and metrics are named, not embedded: `data: { name: "gaussian-mixture", n: 2000, … }` is resolved through a
 * registry of data providers, and `metrics: [{ name: "p1-measures", version: 1, params: { probe: 256, … } }]` through
 * a registry of metric sets computed at every epoch end. A metric set is a typed object hashed with the config: its
 * params are its options, and bumping its `version` is how a change in its definition reaches the hashes (a plain
 * string "x" means `{ name: "x", version: 1, params: {} }`). Experiments register theirs explicitly
 * (`registerDataProvider`, `registerMetricSet`); this file knows three synthetic data sets.
 */
import { type ConfigSchema, type FieldSpec, checkConfig } from "../util/schema";
import { type ModelConfig, type ModelConfigInput, modelConfig } from "../models/config";
import type { Network } from "../models/network";
import { type TrainConfig, type TrainConfigInput, trainConfig } from "../train/config";
import type { TrainData } from "../train/data";
import type { EpochRecord } from "../train/loop";
import { Rng } from "../util/random";
import { blobMeans, sampleBlobs } from "../data/gaussian-mixture";
import { runHash } from "./hash";

/** A data set named by a provider plus the provider's parameters (all part of the hash). */
export interface DataSpec {
  name: string;
  [param: string]: unknown;
}

export interface RunConfig {
  model: ModelConfig;
  train: TrainConfig;
  data: DataSpec;
  /** Record an epoch-0 evaluation before training (train and test loss/accuracy at initialisation). */
  evalAtStart: boolean;
  /** Metric sets computed at every epoch end; their outputs join the epoch records. */
  metrics: MetricSetRef[];
}

/** A metric set as a run config names it: registry name, definition version, options (all part of the hash). */
export interface MetricSetRef {
  name: string;
  version: number;
  params: Record<string, unknown>;
}

export interface RunConfigInput {
  model: ModelConfigInput | ModelConfig;
  train?: TrainConfigInput | TrainConfig;
  data: DataSpec;
  evalAtStart?: boolean;
  metrics?: Array<MetricSetRef | string>;
}

/** A run: its complete config, seed and hash. */
export interface RunSpec {
  config: RunConfig;
  seed: number;
  hash: string;
}

export const RUN_SCHEMA: ConfigSchema = {
  where: "run config",
  title: "run config",
  doc:
    "A complete run (`runs/spec.ts`): model, training, data and metric sets; with a seed it has a content hash, " +
    "the name of its directory in the run cache. A sweep file's `base` is one.",
  fields: [
    { name: "model", kind: "object", required: true, doc: "The model: see model — mlp, blocks, conv." },
    { name: "train", kind: "object", default: "{}", doc: "How it trains: see train." },
    {
      name: "data",
      kind: "object",
      required: true,
      doc: "`{ name, …params }`: a data provider and its parameters (see data).",
    },
    { name: "evalAtStart", kind: "boolean", default: "false", doc: "Record an epoch-0 evaluation before training." },
    {
      name: "metrics",
      kind: "array",
      type: "(name | { name, version, params })[]",
      default: "[]",
      doc: "Metric sets computed at every epoch end (registered by the experiments, e.g. p1-measures).",
    },
  ],
  hints: {
    seed: "a run's seed is not part of its config: pass it to runSpec(config, seed), or list it in a sweep file's `seeds`",
    seeds: "seeds belong to a sweep file (next to `base` and `grid`), not to a run config",
  },
};

/** The run schema without its required fields, to refuse unknown keys before the missing sections get their message. */
const RUN_SCHEMA_KEYS_ONLY: ConfigSchema = {
  ...RUN_SCHEMA,
  fields: RUN_SCHEMA.fields.map((f) => ({ ...f, required: false, kind: "any" })),
};

/** Fills every default (so equal meanings hash equal). */
export function resolveRunConfig(input: RunConfigInput | RunConfig): RunConfig {
  if (!input || typeof input !== "object" || Array.isArray(input))
    throw new Error(`run config: must be an object with \`model\` and \`data\` sections, got ${JSON.stringify(input)}`);
  checkConfig(input, RUN_SCHEMA_KEYS_ONLY);
  const missing = (["model", "data"] as const).filter((k) => !input[k]);
  if (missing.length)
    throw new Error(
      `run config: missing section${missing.length > 1 ? "s" : ""} ${missing.map((k) => `\`${k}\``).join(" and ")} (a run needs \`model\` and \`data\`; \`train\`, \`evalAtStart\` and \`metrics\` have defaults)`,
    );
  checkConfig(input, RUN_SCHEMA);
  // in the order a config reads: model, train, then data
  const model = modelConfig(input.model as ModelConfigInput);
  const train = trainConfig((input.train ?? {}) as TrainConfigInput);
  if (typeof input.data.name !== "string") throw new Error("run config: data.name must name a data provider");
  checkDataSpec(input.data, false);
  return {
    model,
    train,
    data: JSON.parse(JSON.stringify(input.data)) as DataSpec,
    evalAtStart: input.evalAtStart ?? false,
    metrics: (input.metrics ?? []).map(metricSetRef),
  };
}

/** A run spec from a (partial) config and a seed. */
export function runSpec(config: RunConfigInput | RunConfig, seed: number): RunSpec {
  if (!Number.isInteger(seed)) throw new Error(`run: seed must be an integer, got ${seed}`);
  const c = resolveRunConfig(config);
  return { config: c, seed, hash: runHash(c, seed) };
}

// ---------------------------------------------------------------------------------------------------------------
// data providers

export interface RunData {
  train: TrainData;
  test?: TrainData;
}

export type DataProvider = (spec: DataSpec) => RunData | Promise<RunData>;

const providers = new Map<string, { provider: DataProvider; description: string; schema?: ConfigSchema }>();

/**
 * Registers (or replaces) the provider for a data name. With a `schema` (whose fields include `name`), a data spec
 * naming this provider is checked against it: unknown parameters are refused with the closest known one, missing
 * required ones and wrong types are named.
 */
export function registerDataProvider(
  name: string,
  provider: DataProvider,
  description = "",
  schema?: ConfigSchema,
): void {
  providers.set(name, { provider, description, schema });
}

/** Names, descriptions and schemas of the registered providers. */
export function dataProviders(): { name: string; description: string; schema?: ConfigSchema }[] {
  return [...providers.entries()].map(([name, p]) => ({ name, description: p.description, schema: p.schema }));
}

/**
 * Checks a data spec against its provider's schema. `required`: an unregistered provider is an error (else it is
 * checked when it is loaded: experiments register theirs before running).
 */
export function checkDataSpec(spec: DataSpec, required = true): void {
  const p = providers.get(spec.name);
  if (!p) {
    if (!required) return;
    throw new Error(
      `No data provider '${spec.name}'. Registered: ${[...providers.keys()].join(", ")}. ` +
        "Register one with registerDataProvider(name, (spec) => ({ train, test })) before running.",
    );
  }
  if (p.schema) checkConfig(spec, p.schema, `run config: data (${spec.name})`);
}

/** The `name` field of a data provider's schema. */
export function dataNameField(name: string): FieldSpec {
  return { name: "name", kind: "string", values: [name], required: true, doc: "The data provider." };
}

/** Loads the data a spec names. */
export async function loadRunData(spec: DataSpec): Promise<RunData> {
  checkDataSpec(spec);
  return providers.get(spec.name)!.provider(spec);
}

function num(spec: DataSpec, key: string, def: number): number {
  const v = spec[key];
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new Error(`data '${spec.name}': ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * gaussian-mixture: `classes` Gaussian blobs in `dim` dimensions. Class means μ_c ~ N(0, separation²/dim · I) (so
 * ‖μ_a − μ_b‖ ≈ separation·√2), x = μ_y + noise·N(0, I), labels uniform. Train (`n`) and test (`nTest`) sets come from
 * one stream seeded by `seed` (default 0, independent of the run seed). Drawn by data/gaussian-mixture.ts's
 * `blobMeans` ({ scale }) and `sampleBlobs` (random labels); note that `separation` here is not the exact distance
 * between means that `gaussianMixture({ separation })` gives.
 */
function gaussianMixtureProvider(spec: DataSpec): RunData {
  const n = num(spec, "n", 2000);
  const nTest = num(spec, "nTest", 0);
  const dim = num(spec, "dim", 32);
  const classes = num(spec, "classes", 10);
  const separation = num(spec, "separation", 3);
  const noise = num(spec, "noise", 1);
  const rng = new Rng(num(spec, "seed", 0));
  const means = blobMeans(rng, classes, dim, { scale: separation / Math.sqrt(dim) });
  const make = (m: number): TrainData => ({
    ...sampleBlobs(rng, means, classes, m, { noise, labels: "random" }),
    n: m,
    dim,
    numClasses: classes,
  });
  const train = make(n);
  return nTest > 0 ? { train, test: make(nTest) } : { train };
}

/** random-labels: x ~ N(0, I), labels uniform and independent of x (pure memorisation). */
function randomLabels(spec: DataSpec): RunData {
  const n = num(spec, "n", 1000);
  const dim = num(spec, "dim", 32);
  const classes = num(spec, "classes", 10);
  const rng = new Rng(num(spec, "seed", 0));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(classes);
  return { train: { x, y, n, dim, numClasses: classes } };
}

/**
 * teacher-regression: x ~ N(0, I), y = tanh(x·A)·B/√hidden + noise·N(0, I), A [dim, hidden] and B [hidden, outputs]
 * standard normal scaled by 1/√dim and 1, drawn from `seed`.
 */
function teacherRegression(spec: DataSpec): RunData {
  const n = num(spec, "n", 1000);
  const nTest = num(spec, "nTest", 0);
  const dim = num(spec, "dim", 16);
  const hidden = num(spec, "hidden", 8);
  const outputs = num(spec, "outputs", 1);
  const noise = num(spec, "noise", 0);
  const rng = new Rng(num(spec, "seed", 0));
  const A = rng.normals(dim * hidden, 0, 1 / Math.sqrt(dim));
  const B = rng.normals(hidden * outputs, 0, 1 / Math.sqrt(hidden));
  const make = (m: number): TrainData => {
    const x = new Float32Array(m * dim);
    const y = new Float32Array(m * outputs);
    const h = new Float64Array(hidden);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < dim; j++) x[i * dim + j] = rng.normal();
      for (let k = 0; k < hidden; k++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += x[i * dim + j] * A[j * hidden + k];
        h[k] = Math.tanh(s);
      }
      for (let o = 0; o < outputs; o++) {
        let s = 0;
        for (let k = 0; k < hidden; k++) s += h[k] * B[k * outputs + o];
        y[i * outputs + o] = s + noise * rng.normal();
      }
    }
    return { x, y, n: m, dim };
  };
  const train = make(n);
  return nTest > 0 ? { train, test: make(nTest) } : { train };
}

const SYNTHETIC = {
  n: (d: string): FieldSpec => ({ name: "n", kind: "integer", default: d, doc: "Training examples." }),
  nTest: { name: "nTest", kind: "integer", default: "0", doc: "Test examples (0: no test set)." } as FieldSpec,
  dim: (d: string): FieldSpec => ({ name: "dim", kind: "integer", default: d, doc: "Input dimension." }),
  classes: { name: "classes", kind: "integer", default: "10", doc: "Classes (labels 0 … classes − 1)." } as FieldSpec,
  seed: {
    name: "seed",
    kind: "integer",
    default: "0",
    doc: "Seed of the data draw (independent of the run seed).",
  } as FieldSpec,
};

export const GAUSSIAN_MIXTURE_SCHEMA: ConfigSchema = {
  where: "run config: data (gaussian-mixture)",
  title: "data — gaussian-mixture",
  doc: "Synthetic classification: `classes` Gaussian blobs, means μ_c ~ N(0, separation²/dim·I), x = μ_y + noise·N(0, I), labels uniform.",
  fields: [
    dataNameField("gaussian-mixture"),
    SYNTHETIC.n("2000"),
    SYNTHETIC.nTest,
    SYNTHETIC.dim("32"),
    SYNTHETIC.classes,
    {
      name: "separation",
      kind: "number",
      default: "3",
      doc: "Scale of the class means (‖μ_a − μ_b‖ ≈ separation·√2).",
    },
    { name: "noise", kind: "number", default: "1", doc: "Standard deviation of the noise around each mean." },
    SYNTHETIC.seed,
  ],
};

export const RANDOM_LABELS_SCHEMA: ConfigSchema = {
  where: "run config: data (random-labels)",
  title: "data — random-labels",
  doc: "Synthetic memorisation: x ~ N(0, I), labels uniform and independent of x.",
  fields: [dataNameField("random-labels"), SYNTHETIC.n("1000"), SYNTHETIC.dim("32"), SYNTHETIC.classes, SYNTHETIC.seed],
};

export const TEACHER_REGRESSION_SCHEMA: ConfigSchema = {
  where: "run config: data (teacher-regression)",
  title: "data — teacher-regression",
  doc: "Synthetic regression: x ~ N(0, I), y = tanh(x·A)·B + noise·N(0, I), with a random teacher A, B drawn from `seed`.",
  fields: [
    dataNameField("teacher-regression"),
    SYNTHETIC.n("1000"),
    SYNTHETIC.nTest,
    SYNTHETIC.dim("16"),
    { name: "hidden", kind: "integer", default: "8", doc: "The teacher's hidden units." },
    { name: "outputs", kind: "integer", default: "1", doc: "Target dimension." },
    { name: "noise", kind: "number", default: "0", doc: "Standard deviation of the label noise." },
    SYNTHETIC.seed,
  ],
};

registerDataProvider(
  "gaussian-mixture",
  gaussianMixtureProvider,
  "synthetic classification: Gaussian blobs (n, nTest, dim, classes, separation, noise, seed)",
  GAUSSIAN_MIXTURE_SCHEMA,
);
registerDataProvider(
  "random-labels",
  randomLabels,
  "synthetic memorisation: Gaussian inputs, uniform random labels (n, dim, classes, seed)",
  RANDOM_LABELS_SCHEMA,
);
registerDataProvider(
  "teacher-regression",
  teacherRegression,
  "synthetic regression: a random tanh teacher (n, nTest, dim, hidden, outputs, noise, seed)",
  TEACHER_REGRESSION_SCHEMA,
);

// ---------------------------------------------------------------------------------------------------------------
// metrics

export interface MetricContext {
  epoch: number;
  step: number;
  /** The epoch record so far (train/test loss and accuracy). */
  record: EpochRecord;
  model: Network;
  data: RunData;
  seed: number;
  config: RunConfig;
}

/** A metric: extra numbers for an epoch record (e.g. Hessian degeneracy, dead-unit fractions). */
export type MetricFn = (
  ctx: MetricContext,
) => Record<string, number | string | null> | Promise<Record<string, number | string | null>>;

/** A metric set: named, versioned, computed from the run's state and the options a run config gives it. */
export interface MetricSet<P = Record<string, unknown>> {
  name: string;
  version: number;
  compute: (ctx: MetricContext, params: P) => ReturnType<MetricFn>;
  description?: string;
}

/** The canonical reference form of a metric set entry (a string is version 1 without options). */
export function metricSetRef(m: MetricSetRef | string): MetricSetRef {
  if (typeof m === "string") return { name: m, version: 1, params: {} };
  if (!m || typeof m.name !== "string" || !Number.isInteger(m.version)) {
    throw new Error(
      `run config: a metric set needs { name: string, version: integer, params }, got ${JSON.stringify(m)}`,
    );
  }
  return { name: m.name, version: m.version, params: JSON.parse(JSON.stringify(m.params ?? {})) };
}

const metricSets = new Map<string, MetricSet>();
const key = (name: string, version: number) => `${name}@${version}`;

/** Registers (or replaces) a metric set; run configs name it as `{ name, version, params }`. */
export function registerMetricSet<P>(set: MetricSet<P>): void {
  metricSets.set(key(set.name, set.version), set as unknown as MetricSet);
}

/** Registers a metric without options: `metrics: ["name"]` in a run config (version 1). */
export function registerMetric(name: string, fn: MetricFn): void {
  registerMetricSet({ name, version: 1, compute: (ctx) => fn(ctx) });
}

/** The function computing a run config's metric set entry. */
export function getMetric(ref: MetricSetRef | string): MetricFn {
  const r = metricSetRef(ref);
  const m = metricSets.get(key(r.name, r.version));
  if (!m) {
    throw new Error(
      `No metric set '${r.name}' version ${r.version}. Registered: ${[...metricSets.keys()].join(", ") || "(none)"}. ` +
        `Register it with registerMetricSet({ name, version, compute }) (experiments: registerExperiments()).`,
    );
  }
  return (ctx) => m.compute(ctx, r.params);
}
