/**
 * Evaluation passes: loss and accuracy of a model over a whole dataset in eval mode (BatchNorm running statistics),
 * in order, without gradients.
 */
import * as tf from "@tensorflow/tfjs";
import { correctCount } from "../models/loss";
import type { Network } from "../models/network";
import { TrainBatcher, type TrainData } from "./data";

export interface EvalResult {
  /** Mean task loss (softmax cross-entropy or MSE, without the regulariser). */
  loss: number;
  /** Fraction correct (classification), else null. */
  acc: number | null;
  n: number;
}

/** Mean loss and accuracy over `data` (eval mode), in batches of `batchSize`. */
export async function evaluate(
  model: Network,
  data: TrainData,
  options: { batchSize?: number; training?: boolean } = {},
): Promise<EvalResult> {
  const task = model.config.task;
  const gather = new TrainBatcher(data, task, model.config.outputDim);
  const bs = Math.max(1, options.batchSize ?? 1000);
  const identity = new Int32Array(data.n);
  for (let i = 0; i < data.n; i++) identity[i] = i;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.n; start += bs) {
    const size = Math.min(bs, data.n - start);
    const b = gather.gather(identity, start, size);
    const stats = tf.tidy(() => {
      const x = tf.tensor2d(b.x, [size, gather.dim]);
      const target = tf.tensor2d(b.target, [size, gather.targetDim]);
      const { output } = model.forward(x, { training: options.training ?? false, updateStats: false });
      const loss = model.loss(output, target);
      const c = task === "classification" ? correctCount(output, tf.tensor1d(b.labels, "int32")) : tf.scalar(0);
      return tf.stack([loss, c]);
    });
    const [l, c] = await stats.data();
    stats.dispose();
    lossSum += l * size;
    correct += c;
  }
  return {
    loss: lossSum / Math.max(1, data.n),
    acc: task === "classification" ? correct / Math.max(1, data.n) : null,
    n: data.n,
  };
}
