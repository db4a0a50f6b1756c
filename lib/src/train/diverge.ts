/**
 * Divergence detection: when a step's loss or a gradient entry is NaN or ±Inf, training stops with a
 * `NonFiniteError` that says where (epoch, step, batch), what went non-finite first (which layer's activations,
 * which parameters and gradients), and the last finite loss. The update of the failing step is not applied, so the
 * model still holds the parameters that produced the non-finite values.
 *
 * Beyond non-finite values, the rules of `DivergenceConfig` (train/config.ts: a loss explosion, an accuracy collapse)
 * are checked at every epoch end (`checkDivergenceRules`); a rule that fires stops the run with a `DivergenceError`,
 * a `NonFiniteError` whose diagnostic names the rule, so the run cache records it as "diverged" like any other.
 */
import * as tf from "@tensorflow/tfjs";
import type { Network } from "../models/network";
import type { DivergenceConfig } from "./config";

export interface NonFiniteDiagnostic {
  /** 1-based epoch and global step (the step that failed), 1-based batch within the epoch. */
  epoch: number;
  step: number;
  batch: number;
  /** The failing step's loss (may be finite when only gradients overflowed). */
  loss: number;
  /** Learning rate of the failing step. */
  lr: number;
  /** Last finite training loss and its step, or null when the first step failed. */
  lastFiniteLoss: number | null;
  lastFiniteStep: number | null;
  /** Parameters whose gradient had non-finite entries (null: not checked). */
  nonFiniteGradients: string[] | null;
  /** Parameters whose values are non-finite. */
  nonFiniteParams: string[];
  /** The first layer (forward order) whose activations on the failing batch are non-finite, and which part. */
  firstNonFiniteActivation: { layer: string; part: "z" | "h" | "x" | "output" } | null;
  /** Largest |value| per parameter at failure (helps tell overflow from NaN-producing data). */
  maxAbsParam: Record<string, number>;
  /** Largest finite |activation| per layer output (x) on the failing batch, in forward order, then "out". */
  maxAbsActivation: Record<string, number>;
}

export class NonFiniteError extends Error {
  /** The metric records written before the failure (filled in by the training loop). */
  records: Record<string, unknown>[] = [];
  constructor(readonly diagnostic: NonFiniteDiagnostic) {
    super(describeNonFinite(diagnostic));
    this.name = "NonFiniteError";
  }
}

/** What a divergence rule saw when it fired. */
export interface DivergenceRuleHit {
  rule: "lossFactor" | "accuracyDrop";
  /** The config value of the rule. */
  threshold: number;
  /** The epoch's value (training loss or accuracy) and what it was compared with. */
  value: number;
  reference: number;
  referenceEpoch: number;
  /** For lossFactor: the initial loss it also had to exceed. */
  initial?: number;
  message: string;
}

/** The state the rules follow over epochs: the initial loss, the lowest loss and the best accuracy so far. */
export interface DivergenceTracker {
  initialLoss: number | null;
  minLoss: number;
  minLossEpoch: number;
  bestAcc: number;
  bestAccEpoch: number;
}

export function divergenceTracker(): DivergenceTracker {
  return { initialLoss: null, minLoss: Infinity, minLossEpoch: -1, bestAcc: -Infinity, bestAccEpoch: -1 };
}

const g = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4));

/**
 * Checks one epoch's training loss and accuracy against the rules, then updates the tracker. Returns the rule that
 * fired (null: none). The initial loss must be set before (`tracker.initialLoss`: the loss before training, or the
 * first step's).
 */
export function checkDivergenceRules(
  t: DivergenceTracker,
  rules: DivergenceConfig,
  epoch: number,
  loss: number,
  acc: number | null,
): DivergenceRuleHit | null {
  let hit: DivergenceRuleHit | null = null;
  const f = rules.lossFactor;
  if (f !== null && Number.isFinite(t.minLoss) && t.initialLoss !== null) {
    if (loss > f * t.minLoss && loss > t.initialLoss)
      hit = {
        rule: "lossFactor",
        threshold: f,
        value: loss,
        reference: t.minLoss,
        referenceEpoch: t.minLossEpoch,
        initial: t.initialLoss,
        message:
          `Training diverged at epoch ${epoch}: the training loss ${g(loss)} is above ${f} × its lowest so far ` +
          `(${g(t.minLoss)} at epoch ${t.minLossEpoch}) and above its initial value (${g(t.initialLoss)}). ` +
          `Rule divergence.lossFactor = ${f} (train config; null turns it off). ` +
          `Hints: lower the learning rate, check the initialisation scale and the input standardisation.`,
      };
  }
  const d = rules.accuracyDrop;
  if (!hit && d !== null && acc !== null && Number.isFinite(acc) && t.bestAcc - acc >= d)
    hit = {
      rule: "accuracyDrop",
      threshold: d,
      value: acc,
      reference: t.bestAcc,
      referenceEpoch: t.bestAccEpoch,
      message:
        `Training diverged at epoch ${epoch}: the training accuracy ${g(acc)} is ${g(t.bestAcc - acc)} below its best ` +
        `(${g(t.bestAcc)} at epoch ${t.bestAccEpoch}), at least the ${d} that counts as a collapse. ` +
        `Rule divergence.accuracyDrop = ${d} (train config; null turns it off). Hints: lower the learning rate.`,
    };
  if (loss < t.minLoss) {
    t.minLoss = loss;
    t.minLossEpoch = epoch;
  }
  if (acc !== null && acc > t.bestAcc) {
    t.bestAcc = acc;
    t.bestAccEpoch = epoch;
  }
  return hit;
}

/** A run stopped by a divergence rule: a `NonFiniteError` (so the run cache records "diverged") naming the rule. */
export class DivergenceError extends NonFiniteError {
  constructor(
    diagnostic: NonFiniteDiagnostic & { rule: DivergenceRuleHit },
    readonly hit: DivergenceRuleHit,
  ) {
    super(diagnostic);
    this.name = "DivergenceError";
    this.message = hit.message;
  }
}

export function describeNonFinite(d: NonFiniteDiagnostic): string {
  const lines = [
    `Training diverged at epoch ${d.epoch}, step ${d.step} (batch ${d.batch} of the epoch), lr ${d.lr}: loss = ${d.loss}.`,
    d.lastFiniteLoss === null
      ? "No finite loss was seen (the first step failed)."
      : `Last finite loss: ${d.lastFiniteLoss} at step ${d.lastFiniteStep}.`,
    d.firstNonFiniteActivation
      ? `First non-finite activation: ${d.firstNonFiniteActivation.layer} (${d.firstNonFiniteActivation.part}).`
      : "All activations on the failing batch are finite.",
    d.nonFiniteGradients === null
      ? "Gradients were not inspected (the loss was already non-finite, or this backend has no fused gradient check)."
      : d.nonFiniteGradients.length
        ? `Non-finite gradients: ${summarizeNames(d.nonFiniteGradients)}.`
        : "All gradients are finite.",
    d.nonFiniteParams.length
      ? `Non-finite parameters: ${summarizeNames(d.nonFiniteParams)}.`
      : "All parameters are finite (the update of this step was not applied).",
  ];
  const big = Object.entries(d.maxAbsParam).sort((a, b) => b[1] - a[1])[0];
  if (big) lines.push(`Largest parameter magnitude: ${big[0]} (max |θ| = ${big[1].toExponential(3)}).`);
  const acts = Object.entries(d.maxAbsActivation);
  if (acts.length) {
    const firstHuge = acts.find(([, v]) => v > 1e6);
    lines.push(
      `Activation scale (max |x| per layer): ${acts.map(([k, v]) => `${k} ${v.toExponential(1)}`).join(", ")}` +
        (firstHuge ? ` — first above 1e6: ${firstHuge[0]}.` : "."),
    );
  }
  lines.push("Hints: lower the learning rate, check the initialisation scale and the input standardisation.");
  return lines.join("\n");
}

function summarizeNames(names: string[]): string {
  return names.length <= 8 ? names.join(", ") : `${names.slice(0, 8).join(", ")} and ${names.length - 8} more`;
}

async function allFinite(t: tf.Tensor): Promise<boolean> {
  const r = tf.tidy(() => tf.all(tf.isFinite(t)));
  const v = (await r.data())[0];
  r.dispose();
  return v === 1;
}

/** Inspects the model on the failing batch and builds the diagnostic. */
export async function diagnoseNonFinite(
  model: Network,
  x: tf.Tensor2D,
  where: Omit<NonFiniteDiagnostic, "nonFiniteParams" | "firstNonFiniteActivation" | "maxAbsParam" | "maxAbsActivation">,
): Promise<NonFiniteDiagnostic> {
  const nonFiniteParams: string[] = [];
  const maxAbsParam: Record<string, number> = {};
  for (const p of model.namedParams()) {
    if (!(await allFinite(p.variable))) nonFiniteParams.push(p.name);
    const m = tf.tidy(() => tf.max(tf.abs(p.variable)));
    maxAbsParam[p.name] = (await m.data())[0];
    m.dispose();
  }
  let first: NonFiniteDiagnostic["firstNonFiniteActivation"] = null;
  // tidy keeps only what it returns: the activations and the output (disposed below)
  const { output, activations } = tf.tidy(
    () =>
      model.forward(x, {
        training: true,
        updateStats: false,
        returnActivations: true,
      }) as unknown as tf.TensorContainer,
  ) as unknown as ReturnType<Network["forward"]>;
  const maxAbsActivation: Record<string, number> = {};
  const finiteMax = async (t: tf.Tensor): Promise<number> => {
    const m = tf.tidy(() => tf.max(tf.where(tf.isFinite(t), tf.abs(t), tf.zerosLike(t))));
    const v = (await m.data())[0];
    m.dispose();
    return v;
  };
  try {
    for (const a of activations) maxAbsActivation[a.name] = await finiteMax(a.x);
    maxAbsActivation.out = await finiteMax(output);
    outer: for (const a of activations) {
      for (const part of ["z", "h", "x"] as const) {
        const t = a[part];
        if (t && !(await allFinite(t))) {
          first = { layer: a.name, part };
          break outer;
        }
      }
    }
    if (!first && !(await allFinite(output))) first = { layer: "out", part: "output" };
  } finally {
    const seen = new Set<tf.Tensor>();
    for (const t of [output, ...activations.flatMap((a) => [a.z, a.h, a.x])]) {
      if (t && !seen.has(t) && t !== x) {
        seen.add(t);
        t.dispose();
      }
    }
  }
  return { ...where, nonFiniteParams, firstNonFiniteActivation: first, maxAbsParam, maxAbsActivation };
}
