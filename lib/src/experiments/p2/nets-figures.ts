/**
 * What notebooks 10–12 draw from paper 2's runs: learning-curve panels (Figs. 3–4), per-layer κ panels (Figs. 11–13),
 * the values behind the histograms of Figs. 5–10 (read back from the runs' final checkpoints), and the paper-vs-ours
 * rows of Tables I–III. The paper's numbers are docs/spec/p2.md §2.2's.
 */
import * as tf from "@tensorflow/tfjs";
import { loadRunWithData, trainingSlice } from "../../runs/execute";
import type { MeanSemPanel, MeanSemSeries } from "../../plots/p1-variants";
import { familyColor } from "../../plots/theme";
import { mean, sem } from "../../stats";
import { p1Num } from "../p1/protocol";
import { type P2Family, type P2NetRecord, p2ArmLabel, registerP2 } from "./nets";
import { p2Arm, p2RepNames, p2WeightNames } from "./nets-prereg";
import { p2Representations, p2WeightMatrix } from "./net-measures";

const NAME: Record<P2Family, string> = { plain: "PlainNet", resnet: "ResNet", resnext: "ResNeXt" };

/** The colour of a family in every paper-2 figure. */
export function p2Color(f: P2Family): string {
  return familyColor(f);
}

/** Per BN setting, a training-loss panel (log y) and a training-accuracy panel; mean ± s.e.m. over `seeds`. */
export function p2CurvePanels(
  records: readonly P2NetRecord[],
  families: readonly P2Family[],
  seeds: readonly number[],
): MeanSemPanel[] {
  const panels: MeanSemPanel[] = [];
  for (const bn of [true, false]) {
    const series = (key: "train_loss" | "train_acc"): MeanSemSeries[] =>
      families.map((f) => {
        const rs = records.filter((r) => r.family === f && (r.bn === "BN") === bn && seeds.includes(r.seed));
        const epochs = [...new Set(rs.map((r) => r.epoch))].sort((a, b) => a - b);
        const at = (e: number) => rs.filter((r) => r.epoch === e).map((r) => p1Num(r[key]));
        return {
          label: NAME[f],
          color: p2Color(f),
          x: epochs,
          mean: epochs.map((e) => mean(at(e))),
          sem: epochs.map((e) => sem(at(e))),
        };
      });
    const b = bn ? "with BN" : "without BN";
    panels.push(
      {
        title: `Training loss, ${b}`,
        xTitle: "epoch",
        yTitle: "training loss (log)",
        logY: true,
        series: series("train_loss"),
      },
      {
        title: `Training accuracy, ${b}`,
        xTitle: "epoch",
        yTitle: "training accuracy",
        series: series("train_acc"),
        yRange: [0, 1],
      },
    );
  }
  return panels;
}

/** The value plotted for an infinite κ (above the float32 limit 1e7, so the markers sit at the top of a panel). */
export const P2_INFINITE_KAPPA_Y = 3e8;

/**
 * Per BN setting, a panel of κ against layer: "kW" over the weight layers of the main path (stem, block convs,
 * read-out; the ResNets' projection shortcuts are left out so that layer i is the same conv in every family),
 * "kH" over the representations (stem, block outputs). Mean of log₁₀ κ over the seeds where finite (a gap where every
 * seed is infinite); each infinite κ is a marker at the top of the panel (`P2_INFINITE_KAPPA_Y`).
 */
export function p2KappaPanels(
  finals: readonly P2NetRecord[],
  which: "kW" | "kH",
  families: readonly P2Family[],
  seeds: readonly number[],
): MeanSemPanel[] {
  return [true, false].map((bn) => {
    const series: MeanSemSeries[] = families.map((f) => {
      const arm = p2Arm(finals, f, bn, seeds);
      // weights: the main path only (stem, block convs, read-out), so that layer i is the same conv in every family
      const names = which === "kW" ? p2WeightNames(arm[0]).filter((n) => !n.endsWith(".proj")) : p2RepNames(arm[0]);
      const logs = names.map((n) => arm.map((r) => Math.log10(p1Num(r[`${which}.${n}`]))));
      const points: NonNullable<MeanSemSeries["points"]> = [];
      logs.forEach((ls, i) =>
        ls.forEach((v, s) => {
          if (v === Infinity)
            points.push({ x: i, y: P2_INFINITE_KAPPA_Y, label: `${names[i]}: κ = ∞ (seed ${seeds[s]})` });
        }),
      );
      const finite = logs.map((ls) => ls.filter(Number.isFinite));
      return {
        label: NAME[f],
        color: p2Color(f),
        x: names.map((_, i) => i),
        mean: finite.map((ls) => (ls.length ? 10 ** mean(ls) : NaN)),
        sem: finite.map(() => 0),
        points,
      };
    });
    return {
      title: `${which === "kW" ? "κ(W) of every weight layer" : "κ(H) of the stem and every block output"}, ${bn ? "with BN" : "without BN"}`,
      xTitle:
        which === "kW" ? "weight layer (stem = 0, … , read-out last)" : "representation (stem = 0, block 1, 2, …)",
      yTitle: which === "kW" ? "κ(W) (geometric mean over seeds)" : "κ(H) (geometric mean over seeds)",
      logY: true,
      series,
      hLines: which === "kH" ? [{ y: 1e7, label: "float32 limit 1e7: markers above = ∞" }] : undefined,
    };
  });
}

/** The values behind Figs. 5–10 for one run: first-layer and last-block activations, and their layers' weights. */
export interface P2LayerValues {
  hash: string;
  label: string;
  activations: { first: Float32Array; last: Float32Array };
  weights: { first: Float32Array; last: Float32Array };
  names: { first: string; last: string; firstWeights: string; lastWeights: string };
}

/**
 * Reads a finished run's final checkpoint back and computes, on the probe (the first `probe` training images, BN in
 * inference mode), the stem's and the last block's outputs, with the stem conv's and the last block's last conv's
 * weights.
 */
export async function p2LayerValues(hash: string, probe: number, dir?: string): Promise<P2LayerValues> {
  registerP2();
  const { model, stored, data } = await loadRunWithData(hash, dir);
  try {
    const { x, y } = trainingSlice(data.train, 0, Math.min(probe, data.train.n));
    const reps = p2Representations(model, x);
    tf.dispose([x, y]);
    const first = reps[0];
    const last = reps[reps.length - 1];
    const convs = model.layers.filter((l) => l.name !== "out" && !l.name.endsWith(".proj"));
    const lastConv = convs[convs.length - 1];
    const m = stored.config.model;
    const family = (m.kind === "conv" ? m.family : "plain") as P2Family;
    const bn = m.kind === "conv" ? m.batchNorm : false;
    return {
      hash,
      label: `${p2ArmLabel(family, bn)}, seed ${stored.seed}`,
      activations: { first: Float32Array.from(first.m.data), last: Float32Array.from(last.m.data) },
      weights: {
        first: Float32Array.from(p2WeightMatrix(model.layers[0].W!).data),
        last: Float32Array.from(p2WeightMatrix(lastConv.W!).data),
      },
      names: { first: first.name, last: last.name, firstWeights: model.layers[0].name, lastWeights: lastConv.name },
    };
  } finally {
    model.dispose();
  }
}

/** The paper's Tables I–III (docs/spec/p2.md §2.2): train and test accuracy (%) and parameter count. */
export const P2_PAPER_TABLES: ReadonlyArray<{
  table: string;
  dataset: string;
  family: P2Family;
  train: number;
  test: number;
  params: string;
}> = [
  { table: "I", dataset: "MNIST", family: "plain", train: 11.38, test: 11.35, params: "2.5M" },
  { table: "I", dataset: "MNIST", family: "resnet", train: 99.58, test: 99.6, params: "2.6M" },
  { table: "I", dataset: "MNIST", family: "resnext", train: 100, test: 99.72, params: "2.5M" },
  { table: "II", dataset: "CIFAR-10", family: "plain", train: 10.26, test: 10.16, params: "2.5M" },
  { table: "II", dataset: "CIFAR-10", family: "resnet", train: 99.93, test: 93.53, params: "2.6M" },
  { table: "II", dataset: "CIFAR-10", family: "resnext", train: 99.96, test: 93.89, params: "2.5M" },
  { table: "III", dataset: "CIFAR-100", family: "plain", train: 1.0, test: 1.12, params: "2.5M" },
  { table: "III", dataset: "CIFAR-100", family: "resnet", train: 99.83, test: 75.72, params: "2.6M" },
  { table: "III", dataset: "CIFAR-100", family: "resnext", train: 99.94, test: 76.64, params: "2.5M" },
];

/**
 * The paper's Table IV (ImageNet, top-1 accuracy %, 101-layer nets) — out of reach here: ≈ 1.2e19 FLOP per model for
 * 200 epochs (docs/spec/p2.md §2.2), several GPU-days each. Shown with its configuration, never run.
 */
export const P2_PAPER_TABLE_IV: ReadonlyArray<{ family: P2Family; train: number; test: number; params: string }> = [
  { family: "plain", train: 15.37, test: 14.94, params: "44.1M" },
  { family: "resnet", train: 88.56, test: 77.32, params: "44.5M" },
  { family: "resnext", train: 89.74, test: 78.48, params: "44.3M" },
];

/** Our rows of the tables: per arm, final train and test accuracy (mean ± s.e.m. over `seeds`, %) and parameters. */
export function p2OurTableRows(
  finals: readonly P2NetRecord[],
  families: readonly P2Family[],
  seeds: readonly number[],
  params: Record<P2Family, number>,
): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  for (const bn of [true, false])
    for (const f of families) {
      const arm = p2Arm(finals, f, bn, seeds);
      const pm = (k: "train_acc" | "test_acc") => {
        const v = arm.map((r) => 100 * p1Num(r[k]));
        return `${mean(v).toFixed(1)} ± ${sem(v).toFixed(1)}`;
      };
      rows.push({
        model: p2ArmLabel(f, bn),
        "train acc (%)": pm("train_acc"),
        "test acc (%)": pm("test_acc"),
        params: params[f],
        diverged: arm.filter((r) => r.status !== "done").length,
      });
    }
  return rows;
}
