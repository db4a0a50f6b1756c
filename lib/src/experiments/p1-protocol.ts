/**
 * The shared protocol of paper 1's deep fully connected experiments (docs/spec/p1.md §1.3 Figs. C–G, §1.5, §1.6):
 * per-scale data, the plain / residual / hyper-residual model grid, run execution through the run cache with the
 * per-epoch singularity measures, and the aggregation helpers (mean ± s.e.m. over seeds, Spearman ρ).
 *
 * Nothing here is the paper's value unless said so: the paper's body was not retrievable (docs/spec/README.md §0.1), so every
 * default below is a **PROPOSED** choice (docs/spec/p1.md §1.3, §1.5, §1.6) and a config field, so a notebook can change it
 * and the change reaches the run hash.
 *
 * Content hashing. Data and measures are named, not embedded, in a run config:
 *   data:    { name: "p1-data", dataset, nTrain, nTest, downsample, pca, subsetSeed }   (provider `p1-data`)
 *   metrics: ["p1-measures-v1?probe=256&hess=mid&hessAt=0,1,5,10"]                       (registered on demand)
 * so two notebooks asking for the same run (Fig. C and Fig. D) share one cached result under data/runs/<hash>.
 *
 * Sharded sweeps. The generic `skiplab sweep` command does not import this module, so it does not know the
 * `p1-data` provider or the `p1-measures-v1?…` metrics. Use `p1SweepCommand` (same arguments, it registers them
 * first), e.g.
 *   node -e 'require("skiplab").p1SweepCommand(process.argv.slice(1)).then((c) => process.exit(c))' \
 *        sweeps/p1-figC-paper.json --shard 3/16
 * with a sweep file written by `writeP1Sweep` (see `p1SweepSpec`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadDataset } from "../data/load";
import { loadFashionMnist } from "../data/mnist";
import { downsample } from "../data/downsample";
import { pcaSplits } from "../data/pca";
import { standardizeSplits, toFloat32 } from "../data/standardize";
import { sampleSubset } from "../data/subsets";
import type { ClassificationDataset, Dataset } from "../data/dataset";
import { hessianDegeneracy } from "../metrics/singularity";
import { flattenDegeneracy, flattenSingularities, layerSingularities } from "../metrics/singularity";
import { networkContext } from "../metrics/network-context";
import type { InitInput, MlpConfigInput, SkipInput } from "../models/config";
import { executeRun, type ExecuteOptions, type RunResult } from "../runs/execute";
import { runSpec, registerDataProvider, registerMetric, type MetricContext, type RunData, type RunSpec } from "../runs/spec";
import { sweepCommand } from "../runs/cli";
import type { SweepSpec } from "../runs/sweep";
import type { TrainConfigInput } from "../train/config";
import type { TrainData } from "../train/data";
import { Rng, subSeed } from "../util/random";
import { mean, sem } from "../stats";

// ---------------------------------------------------------------------------------------------------------------
// scales and data

export type P1Scale = "smoke" | "quick" | "paper";

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
  const prep = [d.downsample !== null ? `downsampled ${d.downsample}×${d.downsample}` : null, d.pca !== null ? `PCA ${d.pca} (whitened)` : null]
    .filter(Boolean)
    .join(", ");
  const src = dataSources.get(dataKey(d));
  return `${names[d.dataset]}${src ? ` [${src}]` : ""}, ${d.nTrain} train / ${d.nTest} test${prep ? `, ${prep}` : ""}`;
}

const dataCache = new Map<string, RunData>();
const dataSources = new Map<string, string>();
const dataKey = (d: P1DataSpec) =>
  JSON.stringify([d.dataset, d.nTrain, d.nTest, d.downsample, d.pca, d.subsetSeed]);

function fetchHint(name: string): string {
  return `npx skiplab data fetch ${name}`;
}

function loadSplit(dataset: Exclude<P1Dataset, "synthetic">, split: "train" | "test"): ClassificationDataset {
  try {
    return dataset === "fashion-mnist" ? loadFashionMnist({ split }) : loadDataset(dataset, { split });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`p1-data: ${dataset} (${split}) is not available here. Fetch it first with \`${fetchHint(dataset)}\`.\n${msg}`);
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
  const means = rng.normals(classes * dim, 0, 2.5 / Math.sqrt(dim));
  const make = (m: number): TrainData => {
    const x = new Float32Array(m * dim); // [m, dim]
    const y = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const c = i % classes;
      y[i] = c;
      for (let j = 0; j < dim; j++) x[i * dim + j] = means[c * dim + j] + rng.normal();
    }
    return { x, y, n: m, dim, numClasses: classes };
  };
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
    let train: Dataset = sampleSubset(loadSplit(d.dataset, "train"), d.nTrain, { seed: d.subsetSeed, stratified: true }).data;
    let test: Dataset = sampleSubset(loadSplit(d.dataset, "test"), d.nTest, { seed: subSeed(d.subsetSeed, "test"), stratified: true }).data;
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

registerDataProvider(
  "p1-data",
  (spec) => loadP1Data(spec as unknown as P1DataSpec),
  "paper 1 deep-FC data: synthetic | fashion-mnist | cifar10 | cifar100, subset, downsample, standardise, PCA (dataset, nTrain, nTest, downsample, pca, subsetSeed)",
);

// ---------------------------------------------------------------------------------------------------------------
// model grid

/** The three architectures of Fig. C (docs/spec/p1.md §1.2.3). */
export type P1Arch = "plain" | "residual" | "hyper-residual";
export const P1_ARCHS: readonly P1Arch[] = ["plain", "residual", "hyper-residual"];

/**
 * The skip of each architecture (skips are added after the nonlinearity, layer 1 has none; models/config.ts):
 * plain none; residual identity x_l = f(z_l) + x_{l−1}; hyper-residual = residual + mean of all earlier hidden
 * layers, Q_k = I (GPROF-NN form; PROPOSED — the paper's Q_k were not found, docs/spec/p1.md §1.2.3).
 */
export function p1Skip(arch: P1Arch): SkipInput {
  switch (arch) {
    case "plain":
      return "none";
    case "residual":
      return "identity";
    case "hyper-residual":
      return { type: "hyper", form: "mean" };
  }
}

/** The architecture label of a resolved skip config (inverse of p1Skip; other skips get their type name). */
export function p1ArchOf(skip: { type: string }): string {
  return skip.type === "none" ? "plain" : skip.type === "identity" ? "residual" : skip.type === "hyper" ? "hyper-residual" : skip.type;
}

export interface P1ModelOptions {
  depth: number;
  width: number;
  inputDim: number;
  outputDim: number;
  /** Default He-normal, zero bias (PROPOSED, docs/spec/p1.md §1.3 Fig. C). */
  init?: InitInput;
  /** Extra model fields (batchNorm, biasRegularizer, biasInit, ...), for Figs. E–G. */
  extra?: Partial<MlpConfigInput>;
}

/** The MLP config of one architecture at a depth/width (ReLU, classification). */
export function p1Model(arch: P1Arch, o: P1ModelOptions): MlpConfigInput {
  return {
    kind: "mlp",
    inputDim: o.inputDim,
    outputDim: o.outputDim,
    depth: o.depth,
    width: o.width,
    activation: "relu",
    skip: p1Skip(arch),
    init: o.init ?? "he",
    task: "classification",
    ...(o.extra ?? {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// per-epoch measures

/** Options of the per-epoch singularity measures (all part of the metric name, hence of the run hash). */
export interface P1MeasureOptions {
  /** Probe batch: the first `probe` training examples (the subset is already random). PROPOSED 256–512. */
  probe: number;
  /**
   * Hessian block: "mid" = the weight matrix W of the middle hidden layer L_{⌈depth/2⌉} (width² parameters, all
   * others held fixed; docs/spec/p1.md §1.5.1 option b); "all" = every parameter of the (small) net (option a); "none".
   */
  hess: "mid" | "all" | "none";
  /** Epochs (0 = before training) at which the Hessian is computed; the last epoch is always added. PROPOSED. */
  hessAt: number[];
}

/** Canonical metric name for the options; registers the metric on first use. */
export function p1MetricName(o: P1MeasureOptions): string {
  const at = [...new Set(o.hessAt)].sort((a, b) => a - b).join(",");
  const name = `p1-measures-v1?probe=${o.probe}&hess=${o.hess}&hessAt=${at}`;
  ensureMetric(name, { ...o, hessAt: at ? at.split(",").map(Number) : [] });
  return name;
}

/** Parses a metric name built by p1MetricName (so a sweep CLI can register metrics named in a file). */
export function parseP1MetricName(name: string): P1MeasureOptions | null {
  const m = /^p1-measures-v1\?probe=(\d+)&hess=(mid|all|none)&hessAt=([\d,]*)$/.exec(name);
  if (!m) return null;
  return { probe: Number(m[1]), hess: m[2] as P1MeasureOptions["hess"], hessAt: m[3] ? m[3].split(",").map(Number) : [] };
}

const registered = new Set<string>();

function ensureMetric(name: string, o: P1MeasureOptions): void {
  if (registered.has(name)) return;
  registered.add(name);
  registerMetric(name, (ctx) => p1Measures(ctx, o));
}

/** Mean of finite numeric values of keys ending in `suffix` among the hidden layers "L<k>.". */
function layerMean(r: Record<string, unknown>, suffix: string): number | null {
  let s = 0;
  let n = 0;
  for (const [k, v] of Object.entries(r)) {
    if (/^L\d+\./.test(k) && k.endsWith(`.${suffix}`) && typeof v === "number" && Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : null;
}

/**
 * The measures at one epoch end: per hidden layer elimination / overlap / linear dependence / κ (keys
 * "L<k>.<measure>", metrics/singularity.ts) and their means over layers ("layers.<measure>_mean"); at the epochs in
 * `hessAt` (and the last) the exact Hessian spectrum of the chosen block ("hess.<block>.<stat>": deg_rel, deg_abs_*,
 * neg_rel, max_abs, noise, …). Parameters are only read.
 */
async function p1Measures(ctx: MetricContext, o: P1MeasureOptions): Promise<Record<string, number | string | null>> {
  const train = ctx.data.train;
  const dim = train.dim ?? train.d ?? train.x.length / train.n;
  const n = Math.min(o.probe, train.n);
  const xs = new Float32Array(n * dim);
  for (let i = 0; i < n * dim; i++) xs[i] = train.x[i];
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) ys[i] = Number(train.y[i]);
  const x = tf.tensor2d(xs, [n, dim]);
  const y = tf.tensor1d(ys, "int32");
  try {
    const mctx = networkContext(ctx.model as never, { x, y }, { step: ctx.step, epoch: ctx.epoch });
    const rows = layerSingularities(await mctx.layers!());
    const out: Record<string, number | string | null> = flattenSingularities(rows);
    for (const m of ["dead_frac", "rare_frac", "act_overlap_frac", "act_maxsim_mean", "small_sv_frac", "eff_rank_norm"]) {
      out[`layers.${m}_mean`] = layerMean(out, m);
    }
    const last = ctx.config.train.epochs;
    if (o.hess !== "none" && (o.hessAt.includes(ctx.epoch) || ctx.epoch === last)) {
      const depth = (ctx.config.model as { depth?: number }).depth ?? 1;
      const mid = `L${Math.ceil(depth / 2)}.W`;
      const blocks = o.hess === "all" ? ("all" as const) : { mid: (name: string) => name === mid };
      const t0 = performance.now();
      const deg = await hessianDegeneracy(mctx.loss!, mctx.params, { blocks, maxDim: 4200, keepValues: false });
      Object.assign(out, flattenDegeneracy(deg));
      out["hess.seconds"] = (performance.now() - t0) / 1000;
    }
    for (const [k, v] of Object.entries(out)) if (typeof v === "number" && !Number.isFinite(v)) out[k] = v > 0 ? "Infinity" : "-Infinity";
    return out;
  } finally {
    x.dispose();
    y.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// protocol and runs

/** Everything one figure's runs share. Every field is PROPOSED (docs/spec/p1.md §1.3, §1.6). */
export interface P1Protocol {
  data: P1DataSpec;
  depth: number;
  width: number;
  archs: P1Arch[];
  seeds: number[];
  train: TrainConfigInput;
  measures: P1MeasureOptions;
  /** Override the init of every architecture (default: see `skipGain`). */
  init?: InitInput;
  /**
   * He-normal gain of the hidden layers of the residual and hyper-residual nets (plain nets always get gain 1, the
   * standard He init). PROPOSED: "inv-sqrt-depth" = 1/√depth, the usual stabilising scale for residual branches
   * (Hanin & Rolnick 2018; Fixup): with gain 1 and skips added after ReLU the activations grow ~2^depth and a
   * depth-20 residual net barely trains (measured while building this protocol: 18 % vs 80 % train accuracy on
   * the quick Fashion-MNIST setting after 10 epochs). The paper's init was not found.
   */
  skipGain: "inv-sqrt-depth" | number;
}

/** The init a protocol gives an architecture at a depth (module comment of `P1Protocol.skipGain`). */
export function p1Init(p: P1Protocol, arch: P1Arch, depth: number): InitInput {
  if (p.init !== undefined) return p.init;
  if (arch === "plain") return { type: "he", gain: 1 };
  const gain = p.skipGain === "inv-sqrt-depth" ? 1 / Math.sqrt(depth) : p.skipGain;
  return { type: "he", gain };
}

/**
 * Default protocol per scale (notebooks print it and may override fields):
 * - smoke: synthetic blobs, 600/200 examples, depth 6 × width 12, 3 epochs, 2 seeds — seconds;
 * - quick: Fashion-MNIST 4000/1000 subset, PCA 32, depth 20 × width 16, 10 epochs, 3 seeds — minutes on 2 cores
 *   (the exact Hessian of the 16×16 mid-layer block, 256 parameters, costs ~1 s per checkpoint);
 * - paper: CIFAR-100 full (50000/10000), 3072 inputs, depth 30 × width 64, 100 epochs, 5 seeds (docs/spec/p1.md §1.3,
 *   PROPOSED) — a GPU or a sharded sweep. Width 64, not docs/spec/p1.md's proposed 128, so that the mid-layer block
 *   (64² = 4,096 parameters) stays within exact assembly (maxDim 4200; 128² = 16,384 would be recorded "skipped").
 */
export function p1Protocol(scale: P1Scale): P1Protocol {
  switch (scale) {
    case "smoke":
      return {
        data: { name: "p1-data", dataset: "synthetic", nTrain: 600, nTest: 200, downsample: null, pca: 16, subsetSeed: 0 },
        depth: 6,
        width: 12,
        archs: [...P1_ARCHS],
        seeds: [0, 1],
        train: { epochs: 4, batchSize: 32, optimizer: { type: "adam", lr: 3e-3 } },
        measures: { probe: 96, hess: "mid", hessAt: [0] },
        skipGain: "inv-sqrt-depth",
      };
    case "quick":
      return {
        data: { name: "p1-data", dataset: "fashion-mnist", nTrain: 4000, nTest: 1000, downsample: null, pca: 32, subsetSeed: 0 },
        depth: 20,
        width: 16,
        archs: [...P1_ARCHS],
        seeds: [0, 1, 2],
        train: { epochs: 10, batchSize: 128, optimizer: { type: "adam", lr: 1e-3 } },
        measures: { probe: 128, hess: "mid", hessAt: [0, 1, 3] },
        skipGain: "inv-sqrt-depth",
      };
    case "paper":
      return {
        data: { name: "p1-data", dataset: "cifar100", nTrain: 50000, nTest: 10000, downsample: null, pca: null, subsetSeed: 0 },
        depth: 30,
        width: 64,
        archs: [...P1_ARCHS],
        seeds: [0, 1, 2, 3, 4],
        train: { epochs: 100, batchSize: 128, optimizer: { type: "adam", lr: 1e-3 } },
        measures: { probe: 512, hess: "mid", hessAt: [0, 1, 10, 30] },
        skipGain: "inv-sqrt-depth",
      };
  }
}

/** One run of a protocol grid, with its labels. */
export interface P1RunRequest {
  arch: P1Arch;
  depth: number;
  width: number;
  seed: number;
  /** Free label for the figure (e.g. an init condition of Fig. E). */
  condition: string;
  spec: RunSpec;
}

/** The run spec of one (arch, depth, seed) cell of a protocol (evalAtStart: epoch 0 is recorded). */
export function p1RunSpec(p: P1Protocol, arch: P1Arch, seed: number, over: { depth?: number; width?: number; init?: InitInput; extra?: Partial<MlpConfigInput> } = {}): RunSpec {
  const model = p1Model(arch, {
    depth: over.depth ?? p.depth,
    width: over.width ?? p.width,
    inputDim: p1InputDim(p.data),
    outputDim: p1NumClasses(p.data),
    init: over.init ?? p1Init(p, arch, over.depth ?? p.depth),
    extra: over.extra,
  });
  return runSpec({ model, train: p.train, data: { ...p.data }, evalAtStart: true, metrics: [p1MetricName(p.measures)] }, seed);
}

/** The cartesian grid archs × depths × seeds of a protocol (depths default to [p.depth]). */
export function p1Grid(p: P1Protocol, o: { depths?: number[]; archs?: P1Arch[]; seeds?: number[] } = {}): P1RunRequest[] {
  const out: P1RunRequest[] = [];
  for (const depth of o.depths ?? [p.depth])
    for (const arch of o.archs ?? p.archs)
      for (const seed of o.seeds ?? p.seeds)
        out.push({ arch, depth, width: p.width, seed, condition: arch, spec: p1RunSpec(p, arch, seed, { depth }) });
  return out;
}

/** One epoch record of one run, flattened, with the run's labels. */
export interface P1Record {
  hash: string;
  arch: string;
  condition: string;
  depth: number;
  width: number;
  seed: number;
  status: string;
  epoch: number;
  train_acc: number | null;
  train_loss: number;
  test_acc: number | null;
  test_loss: number | null;
  [metric: string]: number | string | null;
}

export interface P1ExecuteSummary {
  records: P1Record[];
  /** Per run: hash, labels, fromCache, wall seconds of the computing session. */
  runs: Array<{ hash: string; arch: string; condition: string; depth: number; seed: number; fromCache: boolean; wallSeconds: number; status: string }>;
  /** Runs computed now / taken from the cache. */
  computed: number;
  cached: number;
  seconds: number;
}

/**
 * Executes (or reads from the run cache) every request in order and returns one flat record per run × epoch.
 * A run with a stored done.json is never recomputed. By default (`quiet`, the default) the per-epoch progress
 * display is switched off for the call (also overriding SKIPLAB_PROGRESS, which the headless reproduce command sets
 * to "lines") and one line per computed run is printed instead; `quiet: false` keeps the progress display.
 */
export async function p1Execute(
  requests: readonly P1RunRequest[],
  options: Omit<ExecuteOptions, "data" | "label"> & { quiet?: boolean } = {},
): Promise<P1ExecuteSummary> {
  const t0 = performance.now();
  const records: P1Record[] = [];
  const runs: P1ExecuteSummary["runs"] = [];
  let computed = 0;
  const { quiet = true, ...execOptions } = options;
  const saved = process.env.SKIPLAB_PROGRESS;
  if (quiet) process.env.SKIPLAB_PROGRESS = "off";
  try {
    for (const r of requests) {
      const label = `${r.condition} L=${r.depth} seed ${r.seed}`;
      const res: RunResult = await executeRun(r.spec, { progress: false, ...execOptions, label });
      if (!res.fromCache) {
        computed++;
        if (quiet) {
          const acc = res.final?.train_acc;
          console.log(`${label}: ${res.status} in ${res.done.wallSeconds.toFixed(1)} s, final train acc ${typeof acc === "number" ? acc.toFixed(3) : "n/a"} (${res.hash})`);
        }
      }
      runs.push({ hash: res.hash, arch: r.arch, condition: r.condition, depth: r.depth, seed: r.seed, fromCache: res.fromCache, wallSeconds: res.done.wallSeconds, status: res.status });
      for (const rec of res.records) {
        if ((rec as { kind?: string }).kind !== "epoch") continue;
        records.push({ ...(rec as Record<string, number | string | null>), hash: res.hash, arch: r.arch, condition: r.condition, depth: r.depth, width: r.width, seed: r.seed, status: res.status } as P1Record);
      }
    }
  } finally {
    if (quiet) {
      if (saved === undefined) delete process.env.SKIPLAB_PROGRESS;
      else process.env.SKIPLAB_PROGRESS = saved;
    }
  }
  return { records, runs, computed, cached: requests.length - computed, seconds: (performance.now() - t0) / 1000 };
}

/** The last epoch record of every run (for scatter plots across runs). */
export function p1FinalRecords(records: readonly P1Record[]): P1Record[] {
  const last = new Map<string, P1Record>();
  for (const r of records) {
    const prev = last.get(r.hash);
    if (!prev || r.epoch > prev.epoch) last.set(r.hash, r);
  }
  return [...last.values()];
}

/** Numeric value of a record field ("Infinity" strings → Infinity; missing → NaN). */
export function p1Num(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// sweeps (paper scale, sharded)

/**
 * A sweep file (runs/sweep.ts) for a protocol over archs × depths × seeds, runnable with `p1SweepCommand`. The grid
 * is over whole model configs (the init gain depends on arch and depth, so skip and depth cannot vary separately);
 * its runs have exactly the hashes of `p1Grid` (the notebooks then read them from the cache).
 */
export function p1SweepSpec(p: P1Protocol, name: string, o: { depths?: number[] } = {}): SweepSpec {
  const first = p1RunSpec(p, p.archs[0], p.seeds[0]);
  const base = JSON.parse(JSON.stringify(first.config));
  const models: unknown[] = [];
  for (const depth of o.depths ?? [p.depth]) for (const arch of p.archs) models.push(p1RunSpec(p, arch, p.seeds[0], { depth }).config.model);
  return { name, base, grid: { model: models }, seeds: p.seeds };
}

/** Writes `p1SweepSpec` to a JSON file (creating folders); returns the path. */
export function writeP1Sweep(file: string, spec: SweepSpec): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(spec, null, 2) + "\n");
  return file;
}

/**
 * `skiplab sweep` with paper 1's data provider and measures registered: registers every `p1-measures-v1?…` metric
 * named in the sweep file, then runs the generic sweep command (same arguments: FILE [--shard i/N] [--list] …).
 */
export async function p1SweepCommand(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith("--") && a.endsWith(".json"));
  if (file && fs.existsSync(file)) {
    const spec = JSON.parse(fs.readFileSync(file, "utf8")) as SweepSpec;
    for (const m of spec.base.metrics ?? []) {
      const o = parseP1MetricName(m);
      if (o) p1MetricName(o);
    }
  }
  return sweepCommand(argv);
}

// ---------------------------------------------------------------------------------------------------------------
// aggregation

/** One group's mean ± standard error of the mean (s.e.m. = sd/√n, sd with n − 1). */
export interface MeanSemRow {
  [key: string]: number | string | null;
  mean: number;
  sem: number;
  n: number;
}

/**
 * Mean ± s.e.m. of `value` over the rows of each group (`by` keys), e.g. over seeds per (arch, epoch). Non-finite
 * values are left out (and counted in `nonFinite`). Groups are sorted by their keys (numbers numerically).
 */
export function meanSem<R extends Record<string, unknown>>(rows: readonly R[], by: readonly string[], value: string): MeanSemRow[] {
  const groups = new Map<string, { key: Record<string, number | string | null>; v: number[]; bad: number }>();
  for (const r of rows) {
    const key = Object.fromEntries(by.map((k) => [k, (r[k] ?? null) as number | string | null]));
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, v: [], bad: 0 }));
    const x = p1Num(r[value]);
    if (Number.isFinite(x)) g.v.push(x);
    else g.bad++;
  }
  const out: MeanSemRow[] = [];
  for (const g of groups.values()) {
    out.push({ ...g.key, mean: mean(g.v), sem: sem(g.v), n: g.v.length, nonFinite: g.bad });
  }
  const cmp = (a: unknown, b: unknown) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)));
  out.sort((a, b) => {
    for (const k of by) {
      const c = cmp(a[k], b[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
  return out;
}

/** Spearman's ρ with a permutation p-value, and average ranks: from the stats module (kept here for notebooks). */
export { ranks, spearman } from "../stats";
