/**
 * Paper 2's conv-net experiments (Figs. 3–13, Tables I–III): the protocol per scale, its data, its runs and the
 * measures taken on the trained nets (docs/spec/p2.md §2.1, §2.4 item 2). One set of runs feeds notebooks 10
 * (training curves, tables), 11 (activation and weight distributions) and 12 (condition numbers).
 *
 * The nets are models/convnet.ts's bottleneck PlainNet / ResNet / ResNeXt (He et al.'s CIFAR layout; the PlainNet is
 * the ResNet without its shortcuts), trained with and without BN because the paper does not say whether its PlainNet
 * has BN. Every setting below is PROPOSED unless docs/spec/p2.md marks it FOUND (SGD momentum 0.9, weight decay
 * 1e-4, batch 128, lr 0.1 → 1e-4, 200 epochs, depth 164).
 */
import { convBlocksPerStage } from "../../models/convnet";
import type { ConvNetConfigInput } from "../../models/config";
import { countParams } from "../../models/create";
import {
  dataNameField,
  registerDataProvider,
  registerMetricSet,
  type DataSpec,
  runSpec,
  type RunSpec,
} from "../../runs/spec";
import type { ConfigSchema } from "../../util/schema";
import type { TrainConfigInput } from "../../train/config";
import { executeGrid, type GridExecuteSummary, type GridRecord, type GridRunRequest } from "../execute";
import { IMAGE_DATA_FIELDS, loadP1Data, type P1Dataset } from "../p1/data";
import { P2_NET_MEASURES, type P2NetMeasureOptions, p2NetMetricSet } from "./net-measures";
import type { P2Scale } from "./theory-prereg";

export type P2Family = "plain" | "resnet" | "resnext";
export const P2_FAMILIES: readonly P2Family[] = ["plain", "resnet", "resnext"];

/** Paper 2's image datasets (Fashion-MNIST stands in for MNIST offline). */
export type P2Dataset = "mnist" | "fashion-mnist" | "cifar10" | "cifar100";

/**
 * The data of a run (`p2-data` provider; every field in the run hash): a seeded stratified subset of `nTrain`
 * training and `nTest` test images (the whole split when they equal its size), optional area downsampling to
 * `downsample`² pixels, /255 and per-pixel standardisation with the training statistics. No augmentation (the paper's
 * "standard" CIFAR augmentation is not implemented: docs/spec/p2.md §2.1).
 */
export interface P2DataSpec {
  name: "p2-data";
  dataset: P2Dataset;
  nTrain: number;
  nTest: number;
  downsample: number | null;
  subsetSeed: number;
}

const NATIVE: Record<P2Dataset, { side: number; channels: number; classes: number; label: string }> = {
  mnist: { side: 28, channels: 1, classes: 10, label: "MNIST" },
  "fashion-mnist": { side: 28, channels: 1, classes: 10, label: "Fashion-MNIST" },
  cifar10: { side: 32, channels: 3, classes: 10, label: "CIFAR-10" },
  cifar100: { side: 32, channels: 3, classes: 100, label: "CIFAR-100" },
};

/** [height, width, channels] of a data spec's images. */
export function p2ImageShape(d: P2DataSpec): [number, number, number] {
  const n = NATIVE[d.dataset];
  const side = d.downsample ?? n.side;
  return [side, side, n.channels];
}

export function p2NumClasses(d: P2DataSpec): number {
  return NATIVE[d.dataset].classes;
}

/** "Fashion-MNIST, 2000 train / 1000 test, downsampled 14×14". */
export function describeP2Data(d: P2DataSpec): string {
  const [h, w] = p2ImageShape(d);
  return `${NATIVE[d.dataset].label}, ${d.nTrain} train / ${d.nTest} test${d.downsample !== null ? `, downsampled ${h}×${w}` : ""}`;
}

export const P2_DATA_SCHEMA: ConfigSchema = {
  where: "run config: data (p2-data)",
  title: "data — p2-data",
  doc: "Paper 2's images: paper 1's pipeline without PCA (subset, downsample, standardise).",
  fields: [
    dataNameField("p2-data"),
    { name: "dataset", kind: "string", values: Object.keys(NATIVE), required: true, doc: "The data set." },
    IMAGE_DATA_FIELDS.nTrain,
    IMAGE_DATA_FIELDS.nTest,
    IMAGE_DATA_FIELDS.downsample,
    IMAGE_DATA_FIELDS.subsetSeed,
  ],
};

/** The `p2-data` run-data provider: paper 1's image pipeline without PCA (experiments/p1/data.ts `loadP1Data`). */
export const P2_DATA_PROVIDER = {
  name: "p2-data",
  schema: P2_DATA_SCHEMA,
  provider: (spec: DataSpec) => {
    const d = spec as unknown as P2DataSpec;
    if (!(d.dataset in NATIVE))
      throw new Error(`p2-data: dataset '${String(d.dataset)}' is not one of ${Object.keys(NATIVE).join(", ")}`);
    return loadP1Data({
      name: "p1-data",
      dataset: d.dataset as P1Dataset, // the pipeline loads any registry name (mnist through data/load.ts)
      nTrain: d.nTrain,
      nTest: d.nTest,
      downsample: d.downsample,
      pca: null,
      subsetSeed: d.subsetSeed,
    });
  },
  description: "paper 2 images: mnist | fashion-mnist | cifar10 | cifar100, subset, downsample, standardise",
} as const;

/** Registers what paper 2's runs need: the `p2-data` provider and the `p2-net-measures` metric set (idempotent). */
export function registerP2(): void {
  registerDataProvider(P2_DATA_PROVIDER.name, P2_DATA_PROVIDER.provider, P2_DATA_PROVIDER.description, P2_DATA_SCHEMA);
  registerMetricSet(P2_NET_MEASURES);
}

/** Everything the runs of one scale share. */
export interface P2NetProtocol {
  /** One entry per dataset (paper: MNIST, CIFAR-10, CIFAR-100; quick: Fashion-MNIST). */
  data: P2DataSpec[];
  /** Bottleneck depth 9n + 2. */
  depth: number;
  /** Stage-1 inner width (bottleneck outputs are 4× wider; stages 2 and 3 double it). */
  width: number;
  /** ResNeXt: groups of the 3×3 conv and channels per group (stage 1); q = groupWidth < n. */
  cardinality: number;
  groupWidth: number;
  families: P2Family[];
  /** With and without BN (the paper does not say whether its PlainNet has BN). */
  batchNorm: boolean[];
  /**
   * The initial scale of the residual branches (models/config.ts `branchGain`: the last conv's weights without BN, the
   * last BN's γ with BN). PROPOSED 1/√(blocks): with gain 1 a depth-56 ResNet diverged at once without BN and, with BN,
   * started from a training loss above chance's and learned erratically (16–69 % after 4 epochs over three seeds).
   */
  branchGain: "inv-sqrt-blocks" | number;
  train: TrainConfigInput;
  measures: P2NetMeasureOptions;
  seeds: { exploration: number[]; confirmation: number[] };
  /** How the depth was chosen, for the notebook. */
  depthRule: string;
}

const PAPER_TRAIN: TrainConfigInput = {
  epochs: 200,
  batchSize: 128,
  optimizer: { type: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
  schedule: { type: "cosine", finalLr: 1e-4, warmupEpochs: 0 },
};

/**
 * The protocol per scale:
 * - smoke: Fashion-MNIST 200/100 at 8×8, depth 11, width 4, 2 epochs, one exploration and two confirmation seeds;
 * - quick / standard: Fashion-MNIST 2000/1000 at 14×14, depth 56 (bottleneck, 18 blocks), width 4 (ResNeXt 2 groups
 *   of 2), 4 epochs of the paper's optimiser with its lr annealed over them, seeds 0–1 explore and 200–203 confirm
 *   (seeds 100–103 were looked at while the branch gain was being chosen, so they confirm nothing);
 * - paper: MNIST, CIFAR-10, CIFAR-100 in full, depth 164, width 16 (ResNeXt 4 groups of 6), the paper's optimiser for
 *   200 epochs; seeds 0 explores and 100–102 confirm.
 */
export function p2NetProtocol(scale: P2Scale): P2NetProtocol {
  const common = {
    families: [...P2_FAMILIES],
    batchNorm: [true, false],
    branchGain: "inv-sqrt-blocks" as const,
  };
  if (scale === "smoke")
    return {
      ...common,
      data: [{ name: "p2-data", dataset: "fashion-mnist", nTrain: 200, nTest: 100, downsample: 8, subsetSeed: 0 }],
      depth: 11,
      width: 4,
      cardinality: 2,
      groupWidth: 2,
      train: { ...PAPER_TRAIN, epochs: 2, batchSize: 50 },
      measures: { probe: 64, rtol: 1e-7 },
      seeds: { exploration: [0], confirmation: [100, 101] },
      depthRule: "smoke: the smallest bottleneck net (depth 11), only to exercise the code",
    };
  if (scale === "paper")
    return {
      ...common,
      data: (["mnist", "cifar10", "cifar100"] as const).map((dataset) => ({
        name: "p2-data" as const,
        dataset,
        nTrain: dataset === "mnist" ? 60000 : 50000,
        nTest: 10000,
        downsample: null,
        subsetSeed: 0,
      })),
      depth: 164,
      width: 16,
      // 4 groups of 6: as many parameters as the ResNet (1.71 M vs 1.70 M on CIFAR; the paper's 2.5 M vs 2.6 M), q = 6 < n = 16
      cardinality: 4,
      groupWidth: 6,
      train: PAPER_TRAIN,
      measures: { probe: 512, rtol: 1e-7 },
      seeds: { exploration: [0], confirmation: [100, 101, 102] },
      depthRule: "paper: depth 164, the paper's (FOUND)",
    };
  return {
    ...common,
    data: [{ name: "p2-data", dataset: "fashion-mnist", nTrain: 2000, nTest: 1000, downsample: 14, subsetSeed: 0 }],
    depth: 56,
    width: 4,
    cardinality: 2,
    groupWidth: 2,
    train: { ...PAPER_TRAIN, epochs: 4 },
    measures: { probe: 256, rtol: 1e-7 },
    seeds: { exploration: [0, 1], confirmation: [200, 201, 202, 203] },
    depthRule: P2_DEPTH_RULE,
  };
}

/** How the quick depth was chosen (the screening that fixed it is in docs/spec/p2.md §2.4). */
export const P2_DEPTH_RULE =
  "the deepest bottleneck depth 9n + 2 whose 36 runs fit the quick budget (≈ 15 s a run on one core), provided the PlainNet without BN stays within 5 points of chance there on the first exploration seed; notebook 10's depth screening (depths 20, 29, 38, 56) shows the rule applied";

/** The depths of the screening that shows how the quick depth was chosen (bottleneck 9n + 2, up to the quick depth). */
export const P2_DEPTH_LADDER: readonly number[] = [20, 29, 38, 56];

/** The depths screened for a protocol: the ladder up to its depth, and its depth. */
export function p2ScreenedDepths(p: P2NetProtocol): number[] {
  return [...new Set([...P2_DEPTH_LADDER.filter((d) => d < p.depth), p.depth])];
}

/**
 * The depth screening: PlainNet and ResNet, with and without BN, at every depth of `P2_DEPTH_LADDER` up to the
 * protocol's, on the first exploration seed (the runs at the protocol's depth are the main grid's own).
 */
export function p2DepthScreeningRequests(p: P2NetProtocol): P2NetRequest[] {
  const seed = p.seeds.exploration[0] ?? p.seeds.confirmation[0];
  const out: P2NetRequest[] = [];
  for (const depth of p2ScreenedDepths(p))
    for (const bn of p.batchNorm)
      for (const family of ["plain", "resnet"] as const) {
        const q = { ...p, depth };
        out.push({
          arch: family,
          condition: p2ArmLabel(family, bn),
          depth,
          width: p.width,
          seed,
          family,
          batchNorm: bn,
          dataset: p.data[0].dataset,
          spec: p2NetRunSpec(q, p.data[0], family, bn, seed),
        });
      }
  return out;
}

/**
 * The depth rule applied to the screening's final records: the deepest screened depth (up to the protocol's) at which
 * the PlainNet without BN stays within 5 points of chance — the depth the rule picks, to compare with the protocol's.
 */
export function p2DepthRuleChoice(p: P2NetProtocol, finals: readonly P2NetRecord[]): number | null {
  const chance = 1 / p2NumClasses(p.data[0]);
  const ok = p2ScreenedDepths(p).filter((d) => {
    const r = finals.find((f) => f.family === "plain" && f.bn === "no BN" && f.depth === d);
    return r !== undefined && typeof r.train_acc === "number" && r.train_acc <= chance + 0.05;
  });
  return ok.length ? ok[ok.length - 1] : null;
}

/** The arm of a run, e.g. "ResNet, BN". */
export function p2ArmLabel(family: P2Family, batchNorm: boolean): string {
  const name = { plain: "PlainNet", resnet: "ResNet", resnext: "ResNeXt" }[family];
  return `${name}, ${batchNorm ? "BN" : "no BN"}`;
}

/** The model config of one (family, BN) arm of a protocol on one dataset. */
export function p2NetModel(p: P2NetProtocol, d: P2DataSpec, family: P2Family, batchNorm: boolean): ConvNetConfigInput {
  const base: ConvNetConfigInput = {
    kind: "conv",
    family,
    block: "bottleneck",
    depth: p.depth,
    width: p.width,
    cardinality: p.cardinality,
    groupWidth: p.groupWidth,
    shortcut: "projection",
    batchNorm,
    inputShape: p2ImageShape(d),
    outputDim: p2NumClasses(d),
    init: "he",
  };
  if (family === "plain") return base;
  const blocks = 3 * convBlocksPerStage({ depth: p.depth, block: "bottleneck" });
  return { ...base, branchGain: p.branchGain === "inv-sqrt-blocks" ? 1 / Math.sqrt(blocks) : p.branchGain };
}

/** One run of paper 2's grid, with its labels (`arch` = family, `condition` = arm label). */
export interface P2NetRequest extends GridRunRequest {
  family: P2Family;
  batchNorm: boolean;
  dataset: P2Dataset;
}

/** The run spec of one arm and seed (no epoch-0 evaluation: BN's running statistics are not estimated yet). */
export function p2NetRunSpec(
  p: P2NetProtocol,
  d: P2DataSpec,
  family: P2Family,
  batchNorm: boolean,
  seed: number,
): RunSpec {
  return runSpec(
    {
      model: p2NetModel(p, d, family, batchNorm),
      train: p.train,
      data: { ...d },
      evalAtStart: false,
      metrics: [p2NetMetricSet(p.measures)],
    },
    seed,
  );
}

/** Every run of a protocol: datasets × BN × families × seeds (exploration then confirmation). */
export function p2NetRequests(p: P2NetProtocol, o: { seeds?: number[] } = {}): P2NetRequest[] {
  const seeds = o.seeds ?? [...p.seeds.exploration, ...p.seeds.confirmation];
  const out: P2NetRequest[] = [];
  for (const d of p.data)
    for (const bn of p.batchNorm)
      for (const family of p.families)
        for (const seed of seeds)
          out.push({
            arch: family,
            condition: p2ArmLabel(family, bn),
            depth: p.depth,
            width: p.width,
            seed,
            family,
            batchNorm: bn,
            dataset: d.dataset,
            spec: p2NetRunSpec(p, d, family, bn, seed),
          });
  return out;
}

/** A record of paper 2's grid with the run's family, BN ("BN" / "no BN") and dataset. */
export interface P2NetRecord extends GridRecord {
  family: P2Family;
  bn: "BN" | "no BN";
  dataset: P2Dataset;
}

export type P2NetSummary = Omit<GridExecuteSummary, "records"> & { records: P2NetRecord[] };

/** Runs (or reads from the cache) paper 2's grid; see experiments/execute.ts `executeGrid` for the options. */
export async function p2NetExecute(
  requests: readonly P2NetRequest[],
  options: Parameters<typeof executeGrid>[1] = {},
): Promise<P2NetSummary> {
  registerP2();
  const res = await executeGrid(requests, options);
  const byHash = new Map(requests.map((r) => [r.spec.hash, r]));
  return {
    ...res,
    records: res.records.map((r) => {
      const q = byHash.get(r.hash)!;
      return { ...r, family: q.family, bn: q.batchNorm ? "BN" : "no BN", dataset: q.dataset } as P2NetRecord;
    }),
  };
}

/** Parameter counts of a protocol's nets (on the first dataset by default), for the tables. */
export function p2ParamCounts(p: P2NetProtocol, d: P2DataSpec = p.data[0]): Record<P2Family, number> {
  const out = {} as Record<P2Family, number>;
  for (const f of p.families) out[f] = countParams(p2NetModel(p, d, f, true));
  return out;
}
