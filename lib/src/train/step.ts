/**
 * One training step — forward, loss (+ regulariser), gradients, optimizer update — on a gathered batch.
 * Separate from the loop so benchmarks and metrics can drive steps themselves.
 *
 * Tensor discipline: everything the step creates lives in one `tf.tidy`, except the gradients and a packed
 * [loss, correct, regulariser] tensor, which are disposed right after use; the tensor count is the same after every
 * step.
 */
import * as tf from "@tensorflow/tfjs";
import { correctCount } from "../models/loss";
import type { Network } from "../models/network";
import type { OptimizerConfig } from "./config";
import type { TrainBatch } from "./data";
import { NonFiniteError, diagnoseNonFinite } from "./diverge";
import { Optimizer } from "./optimizers";

export interface StepStats {
  /** Task loss of the batch (mean over its examples, without the regulariser). */
  loss: number;
  /** Correct predictions in the batch (classification; 0 for regression). */
  correct: number;
  /** Regulariser value (0 without one). */
  reg: number;
  size: number;
}

/** Where a step is, for the divergence diagnostic. */
export interface StepPosition {
  epoch: number;
  step: number;
  batch: number;
}

export class TrainStep {
  readonly optimizer: Optimizer;
  private readonly params: tf.Variable[];
  private readonly names: string[];
  /** Last finite loss and its (1-based global) step, for diagnostics. */
  lastFiniteLoss: number | null = null;
  lastFiniteStep: number | null = null;

  constructor(
    readonly model: Network,
    optimizer: OptimizerConfig,
    options: { fused?: boolean } = {},
  ) {
    const named = model.namedParams();
    this.params = named.map((p) => p.variable);
    this.names = named.map((p) => p.name);
    this.optimizer = new Optimizer(optimizer, this.params, this.names, { fused: options.fused });
  }

  /** Runs one step with learning rate `lr`. Throws `NonFiniteError` (without updating) on a non-finite loss or gradient. */
  async run(batch: TrainBatch, dim: number, targetDim: number, lr: number, where: StepPosition): Promise<StepStats> {
    const model = this.model;
    const classification = model.config.task === "classification";
    const size = batch.size;
    const { stats, grads } = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [size, dim]); // [B, d]
      const target = tf.tensor2d(batch.target, [size, targetDim]); // one-hot [B, C] or targets [B, k]
      const labels = classification ? tf.tensor1d(batch.labels, "int32") : null;
      let packed: tf.Tensor | null = null;
      const { grads: g } = tf.variableGrads(() => {
        const { output, activations } = model.forward(x, {
          training: true,
          returnActivations: model.regularizerNeedsActivations,
        });
        const loss = model.loss(output, target);
        const reg = model.regularizer(activations);
        const correct = labels ? correctCount(output, labels) : tf.scalar(0);
        packed = tf.keep(tf.stack([loss, correct, reg ?? tf.scalar(0)]));
        return reg ? tf.add(loss, reg) : loss;
      }, this.params);
      return { stats: packed! as tf.Tensor, grads: this.params.map((p) => g[p.name] ?? tf.zerosLike(p)) };
    });
    const [loss, correct, reg] = await stats.data();
    stats.dispose();
    if (!Number.isFinite(loss) || !Number.isFinite(reg)) {
      grads.forEach((g) => g.dispose());
      throw await this.fail(batch, dim, lr, where, loss + reg, null);
    }
    const report = this.optimizer.step(grads, lr);
    grads.forEach((g) => g.dispose());
    if (!report.applied) {
      const bad = this.names.filter((_, i) => (report.nonFinite?.[i] ?? 0) > 0);
      throw await this.fail(batch, dim, lr, where, loss, bad);
    }
    this.lastFiniteLoss = loss;
    this.lastFiniteStep = where.step;
    return { loss, correct, reg, size };
  }

  private async fail(
    batch: TrainBatch,
    dim: number,
    lr: number,
    where: StepPosition,
    loss: number,
    badGrads: string[] | null,
  ): Promise<NonFiniteError> {
    const x = tf.tensor2d(batch.x, [batch.size, dim]);
    try {
      const d = await diagnoseNonFinite(this.model, x, {
        ...where,
        loss,
        lr,
        lastFiniteLoss: this.lastFiniteLoss,
        lastFiniteStep: this.lastFiniteStep,
        nonFiniteGradients: badGrads ?? (this.optimizer.isFused ? [] : null),
      });
      if (badGrads === null && this.optimizer.isFused) d.nonFiniteGradients = null; // loss failed first: gradients not inspected
      return new NonFiniteError(d);
    } finally {
      x.dispose();
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
