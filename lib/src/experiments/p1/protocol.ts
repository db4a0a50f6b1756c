/**
 * Paper 1's run protocol: what one figure's runs share (scale presets), the run specs and grids, execution through
 * the run cache, and the per-epoch records the claim checks read. Every field is PROPOSED (docs/spec/p1.md §1.3,
 * §1.6) and a config field.
 */
import type { InitInput, MlpConfigInput } from "../../models/config";
import { runSpec, type RunSpec } from "../../runs/spec";
import { executeGrid, finalRecords, type GridExecuteSummary, type GridRecord } from "../execute";
import type { TrainConfigInput } from "../../train/config";
import { P1DataSpec, P1Scale, p1InputDim, p1NumClasses, registerP1Data } from "./data";
import { P1Arch, P1_ARCHS, p1Model } from "./models";
import { P1MeasureOptions, p1MetricSet } from "./measures";

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
 * - standard: quick's protocol unchanged (the standard scale adds searches on top of it, not a different protocol);
 * - paper: CIFAR-100 full (50000/10000), 3072 inputs, depth 30 × width 64, 100 epochs, 5 seeds (docs/spec/p1.md §1.3,
 *   PROPOSED) — a GPU or a sharded sweep. Width 64, not docs/spec/p1.md's proposed 128, so that the mid-layer block
 *   (64² = 4,096 parameters) stays within exact assembly (maxDim 4200; 128² = 16,384 would be recorded "skipped").
 */
export function p1Protocol(scale: P1Scale): P1Protocol {
  switch (scale) {
    case "smoke":
      return {
        data: {
          name: "p1-data",
          dataset: "synthetic",
          nTrain: 600,
          nTest: 200,
          downsample: null,
          pca: 16,
          subsetSeed: 0,
        },
        depth: 6,
        width: 12,
        archs: [...P1_ARCHS],
        seeds: [0, 1],
        train: { epochs: 4, batchSize: 32, optimizer: { type: "adam", lr: 3e-3 } },
        measures: { probe: 96, hess: "mid", hessAt: [0] },
        skipGain: "inv-sqrt-depth",
      };
    case "quick":
    case "standard": // quick's protocol: standard only adds searches (Fig. F's grid), so both share every cached run
      return {
        data: {
          name: "p1-data",
          dataset: "fashion-mnist",
          nTrain: 4000,
          nTest: 1000,
          downsample: null,
          pca: 32,
          subsetSeed: 0,
        },
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
        data: {
          name: "p1-data",
          dataset: "cifar100",
          nTrain: 50000,
          nTest: 10000,
          downsample: null,
          pca: null,
          subsetSeed: 0,
        },
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
export function p1RunSpec(
  p: P1Protocol,
  arch: P1Arch,
  seed: number,
  over: { depth?: number; width?: number; init?: InitInput; extra?: Partial<MlpConfigInput> } = {},
): RunSpec {
  const model = p1Model(arch, {
    depth: over.depth ?? p.depth,
    width: over.width ?? p.width,
    inputDim: p1InputDim(p.data),
    outputDim: p1NumClasses(p.data),
    init: over.init ?? p1Init(p, arch, over.depth ?? p.depth),
    extra: over.extra,
  });
  return runSpec(
    { model, train: p.train, data: { ...p.data }, evalAtStart: true, metrics: [p1MetricSet(p.measures)] },
    seed,
  );
}

/** The cartesian grid archs × depths × seeds of a protocol (depths default to [p.depth]). */
export function p1Grid(
  p: P1Protocol,
  o: { depths?: number[]; archs?: P1Arch[]; seeds?: number[] } = {},
): P1RunRequest[] {
  const out: P1RunRequest[] = [];
  for (const depth of o.depths ?? [p.depth])
    for (const arch of o.archs ?? p.archs)
      for (const seed of o.seeds ?? p.seeds)
        out.push({ arch, depth, width: p.width, seed, condition: arch, spec: p1RunSpec(p, arch, seed, { depth }) });
  return out;
}

/** One epoch record of one run, flattened, with the run's labels (the grid executor's record). */
export type P1Record = GridRecord;

/**
 * Paper 1's runs through the grid executor (experiments/execute.ts `executeGrid`), its data and measures registered.
 * The options are executeGrid's: by default a live progress display in a notebook or a terminal and one line per
 * computed run in CI logs and pipes; `quiet: true` always gives the lines, `quiet: false` always the display.
 */
export async function p1Execute(
  requests: readonly P1RunRequest[],
  options: Parameters<typeof executeGrid>[1] = {},
): Promise<P1ExecuteSummary> {
  registerP1Data();
  return (await executeGrid(requests, options)) as P1ExecuteSummary;
}

export type P1ExecuteSummary = Omit<GridExecuteSummary, "records"> & { records: P1Record[] };

/** The last epoch record of every run (for scatter plots across runs). */
export function p1FinalRecords(records: readonly P1Record[]): P1Record[] {
  return finalRecords(records);
}

/** Numeric value of a record field ("Infinity" strings → Infinity; missing → NaN). */
export function p1Num(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return NaN;
}
