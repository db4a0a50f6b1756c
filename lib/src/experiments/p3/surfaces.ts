/**
 * Paper 3 (Wang et al., IJCAI 2020), Fig. 1: loss surfaces with and without skips, the way Li et al. (2018) draw
 * them (docs/spec/p3.md §3.1), and what the pictures claim, measured per run (metrics/surface-measures.ts):
 * the non-convex share of the plane, the basin width, and the sharpness (the top Hessian eigenvalue at the minimum).
 *
 * Nets per scale (PROPOSED, ours unless docs/spec/p3.md marks them FOUND):
 * - smoke / quick / standard: paper 1's deep fully connected nets (experiments/p1/protocol.ts: depth 20 × width 16
 *   on Fashion-MNIST PCA 32 at quick), plain and with identity skips — the same runs as paper 1's notebooks. A conv
 *   pair at quick size (basic ResNet-32 and its no-shortcut twin, width 8, 6 epochs on 2,000 Fashion-MNIST images
 *   at 14×14) did not tell the two apart (non-convex share 0.046 vs 0.028 on seed 0) and its surfaces cost ~20 s
 *   each, so quick uses the deep MLPs, where the difference shows on the exploration seeds;
 * - paper: ResNet-56 and ResNet-56-noshort on CIFAR-10 with Li et al.'s training (SGD lr 0.1, momentum 0.9, batch
 *   128, weight decay 5e-4, 300 epochs; FOUND in the loss-landscape README except momentum and the schedule,
 *   RECALLED), surfaces of 51 × 51 points over the whole training set, one row per shard.
 */
import * as tf from "@tensorflow/tfjs";
import { lanczos } from "../../spectra/lanczos";
import { hessianOperator } from "../../curvature/hessian";
import { networkParamSet } from "../../metrics/network-context";
import { basinWidth, nonConvexFraction } from "../../metrics/surface-measures";
import type { Measured, Preregistration } from "../../report/prereg";
import { bootstrapEffect, welchEffect } from "../../report/verdict";
import { loadRunWithData, trainingSlice } from "../../runs/execute";
import { runSpec } from "../../runs/spec";
import type { AssembledSurface, SurfaceSpecInput } from "../../runs/surface";
import { mean } from "../../stats";
import type { TrainConfigInput } from "../../train/config";
import { executeGrid, finalRecords, type GridRecord, type GridRunRequest } from "../execute";
import { type P1Protocol, p1Protocol, p1RunSpec } from "../p1/protocol";
import { P1_CONFIRMATION_SEEDS } from "../p1/prereg";
import { registerP1Data } from "../p1/data";
import { type P2DataSpec, p2ImageShape, p2NumClasses, registerP2 } from "../p2/nets";
import type { Scale } from "../../report/context";

export type P3Scale = Scale;
/** With or without skip connections. */
export type P3Net = "no skip" | "skip";
export const P3_NETS: readonly P3Net[] = ["no skip", "skip"];

export interface P3ConvSetup {
  data: P2DataSpec;
  depth: number;
  width: number;
  train: TrainConfigInput;
}

export interface P3Protocol {
  /** "mlp": paper 1's deep FC protocol (`p1`); "conv": basic ResNets with and without shortcuts (`conv`). */
  kind: "mlp" | "conv";
  p1?: P1Protocol;
  conv?: P3ConvSetup;
  /** The 2-D grid: num × num points over [−range, range]² in filter-normalised units. */
  surface: { num: number; range: number; examples: number };
  /** Top Hessian eigenvalue by Lanczos (`steps` products) over the first `examples` training examples. */
  sharpness: { examples: number; steps: number };
  /** Basin width: the loss rise that ends the basin. */
  basinDelta: number;
  seeds: { exploration: number[]; confirmation: number[] };
  /** Concurrent surface processes. */
  shards: number;
}

/** The protocol per scale (module comment). */
export function p3Protocol(scale: P3Scale): P3Protocol {
  if (scale === "paper")
    return {
      kind: "conv",
      conv: {
        data: { name: "p2-data", dataset: "cifar10", nTrain: 50000, nTest: 10000, downsample: null, subsetSeed: 0 },
        depth: 56,
        width: 16,
        train: {
          epochs: 300,
          batchSize: 128,
          optimizer: { type: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
          schedule: { type: "step", milestones: [150, 225, 275], gamma: 0.1 },
        },
      },
      surface: { num: 51, range: 1, examples: 50000 },
      sharpness: { examples: 5000, steps: 30 },
      basinDelta: 0.1,
      seeds: { exploration: [0], confirmation: [100, 101, 102] },
      shards: 51,
    };
  const p1 = p1Protocol(scale);
  return {
    kind: "mlp",
    p1,
    surface: scale === "smoke" ? { num: 9, range: 1, examples: 200 } : { num: 21, range: 1, examples: 1000 },
    sharpness: scale === "smoke" ? { examples: 200, steps: 10 } : { examples: 1000, steps: 20 },
    basinDelta: 0.1,
    seeds: { exploration: scale === "smoke" ? [0] : [0, 1], confirmation: [...P1_CONFIRMATION_SEEDS[scale]] },
    shards: 2,
  };
}

/** A run of paper 3's grid (`arch` is the model family, `condition` the net: "skip" / "no skip"). */
export interface P3Request extends GridRunRequest {
  net: P3Net;
}

/** Both nets on every seed (exploration then confirmation). */
export function p3Requests(p: P3Protocol, seeds = [...p.seeds.exploration, ...p.seeds.confirmation]): P3Request[] {
  const out: P3Request[] = [];
  for (const net of P3_NETS)
    for (const seed of seeds) {
      if (p.kind === "mlp") {
        const arch = net === "skip" ? "residual" : "plain";
        const q = p.p1!;
        out.push({ arch, condition: net, net, depth: q.depth, width: q.width, seed, spec: p1RunSpec(q, arch, seed) });
      } else {
        const c = p.conv!;
        const spec = runSpec(
          {
            model: {
              kind: "conv",
              family: net === "skip" ? "resnet" : "plain",
              block: "basic",
              depth: c.depth,
              width: c.width,
              batchNorm: true,
              inputShape: p2ImageShape(c.data),
              outputDim: p2NumClasses(c.data),
            },
            train: c.train,
            data: { ...c.data },
          },
          seed,
        );
        out.push({
          arch: net === "skip" ? "resnet" : "plain",
          condition: net,
          net,
          depth: c.depth,
          width: c.width,
          seed,
          spec,
        });
      }
    }
  return out;
}

export type P3Record = GridRecord & { net: P3Net };

/** Trains (or reads from the cache) paper 3's runs; see experiments/execute.ts for the options. */
export async function p3Execute(
  requests: readonly P3Request[],
  options: Parameters<typeof executeGrid>[1] = {},
): Promise<{ records: P3Record[]; finals: P3Record[]; computed: number; cached: number; seconds: number }> {
  registerP1Data();
  registerP2();
  const res = await executeGrid(requests, options);
  const net = new Map(requests.map((r) => [r.spec.hash, r.net]));
  const records = res.records.map((r) => ({ ...r, net: net.get(r.hash)! }) as P3Record);
  return { records, finals: finalRecords(records), computed: res.computed, cached: res.cached, seconds: res.seconds };
}

/** The surface of a run: the run's seed draws its directions (each replicate has its own pair). */
export function p3SurfaceSpec(p: P3Protocol, r: Pick<P3Request, "spec" | "seed">): SurfaceSpecInput {
  const axis = { min: -p.surface.range, max: p.surface.range, num: p.surface.num };
  return { run: r.spec.hash, examples: p.surface.examples, seed: r.seed, x: axis, y: { ...axis } };
}

/**
 * The top eigenvalue of the Hessian of the training loss at the run's final parameters, over its first `examples`
 * training examples (BN in inference mode), by Lanczos with `steps` products.
 */
export async function p3Sharpness(hash: string, p: P3Protocol, dir?: string): Promise<number> {
  registerP1Data();
  registerP2();
  const { model, data } = await loadRunWithData(hash, dir);
  const { x, y } = trainingSlice(data.train, 0, Math.min(p.sharpness.examples, data.train.n));
  try {
    const loss = () =>
      model.loss(model.forward(x, { training: false, updateStats: false }).output, y as tf.Tensor1D) as tf.Scalar;
    const op = hessianOperator(loss, networkParamSet(model));
    const res = await lanczos(op, { seed: 0, steps: Math.min(p.sharpness.steps, op.dim), tol: 1e-4 });
    return res.ritzValues[res.ritzValues.length - 1];
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** What is measured per run. */
export interface P3Row {
  net: P3Net;
  seed: number;
  hash: string;
  status: string;
  trainAcc: number;
  trainLoss: number;
  /** Loss at the surface's centre (the run's final parameters, BN in inference mode, the surface's examples). */
  centreLoss: number;
  nonConvex: number;
  basin: number;
  sharpness: number;
}

export function p3Row(p: P3Protocol, f: P3Record, s: AssembledSurface, sharpness: number): P3Row {
  const c = s.losses[Math.floor(s.y.length / 2) * s.x.length + Math.floor(s.x.length / 2)];
  return {
    net: f.net,
    seed: f.seed,
    hash: f.hash,
    status: f.status,
    trainAcc: typeof f.train_acc === "number" ? f.train_acc : NaN,
    trainLoss: f.train_loss,
    centreLoss: c,
    nonConvex: nonConvexFraction(s),
    basin: basinWidth(s, { delta: p.basinDelta }),
    sharpness,
  };
}

const ALPHA = 0.05;

/** Registration of notebook 14 (every threshold ours). */
export function p3Preregistration(scale: P3Scale, p: P3Protocol): Preregistration {
  const welchText = "Welch t-test over seeds, 95 % t interval";
  const nets =
    p.kind === "mlp"
      ? `depth-${p.p1!.depth} MLPs of width ${p.p1!.width}`
      : `ResNet-${p.conv!.depth} and its no-shortcut twin`;
  return {
    notebook: "14-p3-fig1-loss-surfaces",
    scale,
    seeds: p.seeds,
    claims: [
      {
        id: "S1",
        figure: "P3 Fig. 1",
        claim:
          "Manipulation check: both nets train (final training accuracy above chance + 0.1), so both surfaces are around trained parameters.",
        source: "ours (what the comparison needs)",
        kind: "sanity",
        criteria: P3_NETS.map((net) => ({
          id: `trains-${net === "skip" ? "skip" : "noskip"}`,
          estimate: `mean final training accuracy of the net ${net === "skip" ? "with" : "without"} skips − 0.2`,
          test: "bootstrap over seeds, 95 % percentile interval",
          expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
        })),
      },
      {
        id: "F1",
        figure: "P3 Fig. 1",
        claim:
          "Without skip connections the loss surface is chaotic and non-convex; with them it is a smooth, near-convex bowl.",
        source: "FOUND (Fig. 1 panels and caption, after Li et al. 2018)",
        kind: "paper",
        manipulation: "S1",
        criteria: [
          {
            id: "nonconvex-share",
            estimate: `share of the plane's grid points (loss < 10) with λ_min < −0.1·|λ_max| of the plane's Hessian, without − with skips (${nets})`,
            test: welchText,
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0.02 },
          },
        ],
      },
      {
        id: "F2",
        figure: "P3 Fig. 1",
        claim: "With skip connections the minimum sits in a wider basin.",
        source: "FOUND (Fig. 1: the smooth wide bowl with skips); the measure is ours",
        kind: "paper",
        manipulation: "S1",
        criteria: [
          {
            id: "basin-width",
            estimate: `basin width (mean distance along the four half-axes to a rise of ${p.basinDelta} in loss), with − without skips`,
            test: welchText,
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
          },
        ],
      },
      {
        id: "F3",
        figure: "P3 Fig. 1",
        claim: "With skip connections the minimum is flatter: a smaller top Hessian eigenvalue.",
        source: "ours, after Li et al. 2018 (sharpness is not measured in the paper)",
        kind: "paper",
        manipulation: "S1",
        criteria: [
          {
            id: "sharpness",
            estimate: `log₁₀ of the top Hessian eigenvalue at the final parameters (Lanczos, ${p.sharpness.steps} products, first ${p.sharpness.examples} training examples), without − with skips`,
            test: welchText,
            expect: { direction: "positive", alpha: ALPHA, sesoi: 0 },
          },
        ],
      },
    ],
    notes: [
      `surfaces: ${p.surface.num} × ${p.surface.num} points over [−${p.surface.range}, ${p.surface.range}]², two Gaussian directions per run (seeded by the run's seed), filter-normalised, biases and BN parameters left out (Li et al.'s --xnorm filter --xignore biasbn), the loss over the first ${p.surface.examples} training examples`,
      "one run per net and seed; the nets compared with Welch's test over seeds",
      "thresholds ours: non-convex = negative curvature at least a tenth of the positive one; SESOI 0.02 on the non-convex share",
    ],
  };
}

export function p3Measure(rows: readonly P3Row[], seeds: readonly number[]): Measured {
  const of = (net: P3Net, k: keyof P3Row) =>
    seeds.map((s) => {
      const r = rows.find((q) => q.net === net && q.seed === s);
      if (!r) throw new Error(`p3Measure: no row for the net ${net}, seed ${s}`);
      return r[k] as number;
    });
  const log = (x: number[]) => x.map((v) => Math.log10(v));
  const fmt = (x: number[]) => mean(x).toPrecision(3);
  return {
    estimates: {
      S1: {
        "trains-skip": bootstrapEffect(of("skip", "trainAcc"), mean, 0.2, { what: "seeds" }),
        "trains-noskip": bootstrapEffect(of("no skip", "trainAcc"), mean, 0.2, { what: "seeds" }),
      },
      F1: { "nonconvex-share": welchEffect(of("no skip", "nonConvex"), of("skip", "nonConvex")) },
      F2: { "basin-width": welchEffect(of("skip", "basin"), of("no skip", "basin")) },
      F3: { sharpness: welchEffect(log(of("no skip", "sharpness")), log(of("skip", "sharpness"))) },
    },
    numbers: {
      S1: { "train acc without / with skips": `${fmt(of("no skip", "trainAcc"))} / ${fmt(of("skip", "trainAcc"))}` },
      F1: {
        "non-convex share without / with skips": `${fmt(of("no skip", "nonConvex"))} / ${fmt(of("skip", "nonConvex"))}`,
      },
      F2: { "basin width without / with skips": `${fmt(of("no skip", "basin"))} / ${fmt(of("skip", "basin"))}` },
      F3: {
        "top Hessian eigenvalue without / with skips (geometric mean)": `${(10 ** mean(log(of("no skip", "sharpness")))).toPrecision(3)} / ${(10 ** mean(log(of("skip", "sharpness")))).toPrecision(3)}`,
      },
    },
  };
}
