/**
 * Paper 1's data, as the `p1-data` run-data provider reads it: per-scale datasets (synthetic stand-in, Fashion-MNIST,
 * CIFAR-10/100 through the registry), seeded stratified subsets, downsampling, standardisation and whitened PCA. Every
 * choice is PROPOSED (docs/spec/p1.md §1.3, §1.6) and part of the run hash.
 */
import { loadDataset } from "../../data/load";
import { loadFashionMnist } from "../../data/mnist";
import { downsample } from "../../data/downsample";
import { pcaSplits } from "../../data/pca";
import { standardizeSplits, toFloat32 } from "../../data/standardize";
import { sampleSubset } from "../../data/subsets";
import type { ClassificationDataset, Dataset } from "../../data/dataset";
import { dataNameField, registerDataProvider, registerMetricSet, type DataSpec, type RunData } from "../../runs/spec";
import type { ConfigSchema, FieldSpec } from "../../util/schema";
import { P1_MEASURES } from "./measures";
import { teacherStudent } from "../../data/teacher-student";
import { blobMeans, sampleBlobs } from "../../data/gaussian-mixture";
import type { TrainData } from "../../train/data";
import { Rng, subSeed } from "../../util/random";
import type { Scale } from "../../report/context";

/** Paper 1's scales (report/context.ts `Scale`); "standard" runs quick's protocol (`p1Protocol`). */
export type P1Scale = Scale;

/** Which images: a synthetic stand-in (smoke), Fashion-MNIST (offline, quick), CIFAR (paper; fetch first). */
export type P1Dataset = "synthetic" | "fashion-mnist" | "cifar10" | "cifar100";

/**
 * The data of a run, as the `p1-data` provider reads it (every field is part of the run hash).
 * Pipeline: load → seeded stratified subset of nTrain (train) and nTest (test) → optional area downsampling to
 * `downsample`² pixels → /255 → per-feature standardisation (train statistics) → optional PCA to `pca` components
 * fitted on the train subset, whitened (unit variance per component).
 */
export interface P1DataSpec {
  name: "p1-data";
  /** PROPOSED: quick uses Fashion-MNIST (offline), paper CIFAR-100 (docs/spec/p1.md §1.3 Fig. C), smoke synthetic blobs. */
  dataset: P1Dataset;
  /** Training examples (a seeded stratified subset; must be divisible by the number of classes). PROPOSED. */
  nTrain: number;
  /** Test examples (seeded stratified subset of the test split). PROPOSED. */
  nTest: number;
  /** Side length after area downsampling (null: keep the native resolution). PROPOSED. */
  downsample: number | null;
  /** PCA components (null: no PCA; the input dim is then channels × side²). PROPOSED: keeps exact Hessians tractable. */
  pca: number | null;
  /** Seed of the subset draw and of the PCA start block (independent of the run seeds). */
  subsetSeed: number;
}

/** Input dimension a data spec produces. */
export function p1InputDim(d: P1DataSpec): number {
  if (d.pca !== null) return d.pca;
  if (d.dataset === "synthetic") return 32;
  const channels = d.dataset === "fashion-mnist" ? 1 : 3;
  const side = d.downsample ?? (d.dataset === "fashion-mnist" ? 28 : 32);
  return channels * side * side;
}

/** Number of classes of a data spec (CIFAR-100: the 100 fine labels). */
export function p1NumClasses(d: P1DataSpec): number {
  return d.dataset === "cifar100" ? 100 : 10;
}

/** A human-readable description for figure provenance, e.g. "Fashion-MNIST (Debian copy), 4000/1000, 7×7 → PCA 32". */
export function describeP1Data(d: P1DataSpec): string {
  const names: Record<P1Dataset, string> = {
    synthetic: "synthetic Gaussian blobs (stand-in, not images)",
    "fashion-mnist": "Fashion-MNIST",
    cifar10: "CIFAR-10",
    cifar100: "CIFAR-100",
  };
  const prep = [
    d.downsample !== null ? `downsampled ${d.downsample}×${d.downsample}` : null,
    d.pca !== null ? `PCA ${d.pca} (whitened)` : null,
  ]
    .filter(Boolean)
    .join(", ");
  const src = dataSources.get(dataKey(d));
  return `${names[d.dataset]}${src ? ` [${src}]` : ""}, ${d.nTrain} train / ${d.nTest} test${prep ? `, ${prep}` : ""}`;
}

const dataCache = new Map<string, RunData>();
const dataSources = new Map<string, string>();
const dataKey = (d: P1DataSpec) => JSON.stringify([d.dataset, d.nTrain, d.nTest, d.downsample, d.pca, d.subsetSeed]);

function fetchHint(name: string): string {
  return `npx skiplab data fetch ${name}`;
}

function loadSplit(dataset: Exclude<P1Dataset, "synthetic">, split: "train" | "test"): ClassificationDataset {
  try {
    return dataset === "fashion-mnist" ? loadFashionMnist({ split }) : loadDataset(dataset, { split });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(
      `p1-data: ${dataset} (${split}) is not available here. Fetch it first with \`${fetchHint(dataset)}\`.\n${msg}`,
    );
  }
}

function toTrainData(ds: Dataset, numClasses: number): TrainData {
  if (!(ds.x instanceof Float32Array)) throw new Error("p1-data: expected float32 inputs after preprocessing");
  return { x: ds.x, y: ds.y as Int32Array, n: ds.n, dim: ds.d, numClasses };
}

/** Synthetic stand-in: 10 Gaussian blobs in 32 (or `pca`) dimensions, moderate overlap (train accuracy < 100 %). */
function syntheticData(d: P1DataSpec): RunData {
  const dim = d.pca ?? 32;
  const classes = 10;
  const rng = new Rng(subSeed(d.subsetSeed, "p1-synthetic"));
  const means = blobMeans(rng, classes, dim, { scale: 2.5 / Math.sqrt(dim) });
  const make = (m: number): TrainData => ({
    ...sampleBlobs(rng, means, classes, m, { noise: 1, labels: "interleaved" }),
    n: m,
    dim,
    numClasses: classes,
  });
  return { train: make(d.nTrain), test: make(d.nTest) };
}

/** Loads (and memoises, per process) the data a P1DataSpec describes. See `P1DataSpec` for the pipeline. */
export function loadP1Data(d: P1DataSpec): RunData {
  const key = dataKey(d);
  const hit = dataCache.get(key);
  if (hit) return hit;
  let out: RunData;
  if (d.dataset === "synthetic") {
    out = syntheticData(d);
    dataSources.set(key, "synthetic");
  } else {
    const classes = p1NumClasses(d);
    let train: Dataset = sampleSubset(loadSplit(d.dataset, "train"), d.nTrain, {
      seed: d.subsetSeed,
      stratified: true,
    }).data;
    let test: Dataset = sampleSubset(loadSplit(d.dataset, "test"), d.nTest, {
      seed: subSeed(d.subsetSeed, "test"),
      stratified: true,
    }).data;
    dataSources.set(key, train.source ?? d.dataset);
    if (d.downsample !== null) {
      train = downsample(train, { height: d.downsample });
      test = downsample(test, { height: d.downsample });
    }
    if (!(train.x instanceof Float32Array)) train = toFloat32(train);
    else train = { ...train, x: scaleCopy(train.x, 1 / 255) };
    if (!(test.x instanceof Float32Array)) test = toFloat32(test);
    else test = { ...test, x: scaleCopy(test.x, 1 / 255) };
    const st = standardizeSplits(train, test);
    train = st.train;
    test = st.test;
    if (d.pca !== null) {
      const p = pcaSplits(train, test, d.pca, { seed: d.subsetSeed, whiten: true });
      train = p.train;
      test = p.test;
    }
    out = { train: toTrainData(train, classes), test: toTrainData(test, classes) };
  }
  dataCache.set(key, out);
  return out;
}

function scaleCopy(x: Float32Array, s: number): Float32Array {
  const o = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = x[i] * s;
  return o;
}

/** Fields of the image pipeline shared by `p1-data`, `p1v-data` and paper 2's `p2-data`. */
export const IMAGE_DATA_FIELDS = {
  nTrain: {
    name: "nTrain",
    kind: "integer",
    required: true,
    doc: "Training examples: a seeded stratified subset (divisible by the number of classes).",
  } as FieldSpec,
  nTest: {
    name: "nTest",
    kind: "integer",
    required: true,
    doc: "Test examples: a seeded stratified subset.",
  } as FieldSpec,
  downsample: {
    name: "downsample",
    kind: "integer",
    nullable: true,
    required: true,
    doc: "Side length after area downsampling (null: native resolution).",
  } as FieldSpec,
  pca: {
    name: "pca",
    kind: "integer",
    nullable: true,
    required: true,
    doc: "PCA components, whitened (null: no PCA).",
  } as FieldSpec,
  subsetSeed: {
    name: "subsetSeed",
    kind: "integer",
    required: true,
    doc: "Seed of the subset draw and the PCA start block (independent of the run seeds).",
  } as FieldSpec,
};

export const P1_DATA_SCHEMA: ConfigSchema = {
  where: "run config: data (p1-data)",
  title: "data — p1-data",
  doc: "Paper 1's image pipeline (experiments/p1/data.ts): subset, downsample, standardise, PCA; every field is PROPOSED per scale in docs/spec/p1.md §1.3.",
  fields: [
    dataNameField("p1-data"),
    {
      name: "dataset",
      kind: "string",
      values: ["synthetic", "fashion-mnist", "cifar10", "cifar100"],
      required: true,
      doc: "synthetic: Gaussian blobs (no download); the others from the data registry.",
    },
    IMAGE_DATA_FIELDS.nTrain,
    IMAGE_DATA_FIELDS.nTest,
    IMAGE_DATA_FIELDS.downsample,
    IMAGE_DATA_FIELDS.pca,
    IMAGE_DATA_FIELDS.subsetSeed,
  ],
};

/** The `p1-data` run-data provider (registered by `registerP1Data`). */
export const P1_DATA_PROVIDER = {
  name: "p1-data",
  schema: P1_DATA_SCHEMA,
  provider: (spec: DataSpec) => loadP1Data(spec as unknown as P1DataSpec),
  description:
    "paper 1 deep-FC data: synthetic | fashion-mnist | cifar10 | cifar100, subset, downsample, standardise, PCA (dataset, nTrain, nTest, downsample, pca, subsetSeed)",
} as const;

// Fig. G's extra datasets

/**
 * Data sets of Fig. G beyond the protocol's `p1-data` ones (provider `p1v-data`, every field in the run hash):
 * - `teacher-student`: x ~ N(0, I_dim), label = argmax of a random ReLU teacher MLP with `teacherWidths` hidden
 *   layers (data/teacher-student.ts) — a seeded synthetic classification task (ours);
 * - `svhn`, `stl10`: the registry images through the protocol's pipeline (subset → optional downsampling → /255 →
 *   standardise → optional PCA); fetch them first (`npx skiplab data fetch svhn`).
 */
export interface P1VariantDataSpec {
  name: "p1v-data";
  dataset: "teacher-student" | "svhn" | "stl10";
  nTrain: number;
  nTest: number;
  /** teacher-student: input dimension; images: ignored (set by downsample/pca). */
  dim: number;
  downsample: number | null;
  pca: number | null;
  subsetSeed: number;
  /** teacher-student: hidden widths of the teacher ([] = linear teacher). */
  teacherWidths: number[];
}

export type FigGDataSpec = P1DataSpec | P1VariantDataSpec;

function teacherData(d: P1VariantDataSpec): RunData {
  const ts = teacherStudent({
    inputDim: d.dim,
    widths: d.teacherWidths,
    outputDim: 10,
    activation: "relu",
    seed: d.subsetSeed,
    nTrain: d.nTrain,
    nTest: d.nTest,
    task: "classification",
  });
  const conv = (ds: typeof ts.train): TrainData => ({
    x: ds.x as Float32Array,
    y: ds.y as Int32Array,
    n: ds.n,
    dim: ds.d,
    numClasses: 10,
  });
  return { train: conv(ts.train), test: conv(ts.test) };
}

const variantCache = new Map<string, RunData>();

/** Loads (memoised per process) a `p1v-data` spec. */
export function loadVariantData(d: P1VariantDataSpec): RunData {
  const key = JSON.stringify(d);
  const hit = variantCache.get(key);
  if (hit) return hit;
  const out =
    d.dataset === "teacher-student"
      ? teacherData(d)
      : // svhn / stl10: the protocol's image pipeline (its loader calls loadDataset for any registry name)
        loadP1Data({
          name: "p1-data",
          dataset: d.dataset as unknown as P1DataSpec["dataset"],
          nTrain: d.nTrain,
          nTest: d.nTest,
          downsample: d.downsample,
          pca: d.pca,
          subsetSeed: d.subsetSeed,
        });
  variantCache.set(key, out);
  return out;
}

export const P1_VARIANT_DATA_SCHEMA: ConfigSchema = {
  where: "run config: data (p1v-data)",
  title: "data — p1v-data",
  doc: "Paper 1 Fig. G's extra data sets (ours): a synthetic teacher–student task, SVHN and STL-10 through the image pipeline.",
  fields: [
    dataNameField("p1v-data"),
    {
      name: "dataset",
      kind: "string",
      values: ["teacher-student", "svhn", "stl10"],
      required: true,
      doc: "The data set.",
    },
    IMAGE_DATA_FIELDS.nTrain,
    IMAGE_DATA_FIELDS.nTest,
    { name: "dim", kind: "integer", required: true, doc: "teacher-student: input dimension (images: ignored)." },
    IMAGE_DATA_FIELDS.downsample,
    IMAGE_DATA_FIELDS.pca,
    IMAGE_DATA_FIELDS.subsetSeed,
    {
      name: "teacherWidths",
      kind: "array",
      type: "integer[]",
      required: true,
      doc: "teacher-student: the teacher's hidden widths ([]: a linear teacher).",
    },
  ],
};

/** The `p1v-data` run-data provider of Fig. G's extra datasets (registered by `registerP1Data`). */
export const P1_VARIANT_DATA_PROVIDER = {
  name: "p1v-data",
  schema: P1_VARIANT_DATA_SCHEMA,
  provider: (spec: DataSpec) => loadVariantData(spec as unknown as P1VariantDataSpec),
  description:
    "paper 1 Fig. G extra data: teacher-student (synthetic classification) | svhn | stl10 (dataset, nTrain, nTest, dim, downsample, pca, subsetSeed, teacherWidths)",
} as const;

/** Input dimension of a Fig. G data spec. */
export function figGInputDim(d: FigGDataSpec): number {
  if (d.name === "p1-data") return p1InputDim(d);
  if (d.dataset === "teacher-student") return d.dim;
  if (d.pca !== null) return d.pca;
  return 3 * (d.downsample ?? (d.dataset === "stl10" ? 96 : 32)) ** 2;
}

/** One-line description of a Fig. G data spec (for provenance). */
export function describeFigGData(d: FigGDataSpec): string {
  if (d.name === "p1-data") return describeP1Data(d);
  if (d.dataset === "teacher-student") {
    return `synthetic teacher–student classification (x ~ N(0, I_${d.dim}), 10 classes = argmax of a random ReLU teacher ${[d.dim, ...d.teacherWidths, 10].join("→")}), ${d.nTrain} train / ${d.nTest} test`;
  }
  const prep = [
    d.downsample !== null ? `downsampled ${d.downsample}×${d.downsample}` : null,
    d.pca !== null ? `PCA ${d.pca} (whitened)` : null,
  ]
    .filter(Boolean)
    .join(", ");
  return `${d.dataset.toUpperCase()}, ${d.nTrain} train / ${d.nTest} test${prep ? `, ${prep}` : ""}`;
}

/** Number of classes of a Fig. G data spec. */
export function figGNumClasses(d: FigGDataSpec): number {
  return d.name === "p1-data" ? p1NumClasses(d) : 10;
}

/**
 * Registers what paper 1's runs need: the run-data providers `p1-data` and `p1v-data` and the metric set
 * `p1-measures` (idempotent; no import registers anything).
 */
export function registerP1Data(): void {
  for (const p of [P1_DATA_PROVIDER, P1_VARIANT_DATA_PROVIDER])
    registerDataProvider(p.name, p.provider, p.description, p.schema);
  registerMetricSet(P1_MEASURES);
}
