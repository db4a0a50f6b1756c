/**
 * The minimal dataset the training loop needs, and seeded batching.
 *
 * Any object with these fields works, including the data layer's `Dataset` (lib/src/data), whose `d` is accepted
 * in place of `dim`:
 *
 *   x  [n, dim] row-major features (Float32Array; a Uint8Array is used as is, 0..255 — standardise first)
 *   y  classification: class indices [n] (Int32Array, Uint8Array, or a Float32Array of integers)
 *      regression:     targets [n, yDim] row-major (Float32Array)
 *
 * Data order: epoch e visits the examples in `epochPermutation(seed, e, n)`, a Fisher–Yates permutation drawn from
 * `Rng(subSeed(subSeed(seed, "shuffle"), "epoch:" + e))`. A permutation depends only on (seed, epoch), so a run
 * resumed at epoch e sees exactly the batches an uninterrupted run would have seen.
 */
import { Rng, subSeed } from "../util/random";

export interface TrainData {
  x: Float32Array | Uint8Array;
  y: Int32Array | Uint8Array | Float32Array;
  /** Number of examples. */
  n: number;
  /** Features per example (or `d`, as the data layer names it). */
  dim?: number;
  d?: number;
  /** Number of classes (classification; default: the model's output width). */
  numClasses?: number;
}

/** Features per example of a dataset (its `dim` or `d`, else x.length / n). */
export function dataDim(data: TrainData): number {
  const d = data.dim ?? data.d ?? data.x.length / Math.max(1, data.n);
  if (!Number.isInteger(d) || d * data.n !== data.x.length) {
    throw new Error(`dataset: x has ${data.x.length} values, which is not n (${data.n}) × dim (${d})`);
  }
  return d;
}

/** The permutation of 0..n−1 that epoch `epoch` (0-based) visits. */
export function epochPermutation(seed: number, epoch: number, n: number): Int32Array {
  return new Rng(subSeed(subSeed(seed, "shuffle"), `epoch:${epoch}`)).permutation(n);
}

/** Number of steps in one epoch. */
export function stepsPerEpoch(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** A gathered batch, in reusable buffers (valid until the next `gather`). */
export interface TrainBatch {
  size: number;
  /** [size, dim] features. */
  x: Float32Array;
  /** Classification: [size, classes] one-hot rows; regression: [size, yDim] targets. */
  target: Float32Array;
  /** Classification: [size] class indices (else empty). */
  labels: Int32Array;
}

/** Copies the rows `indices[start, start + size)` of a dataset into reusable buffers. */
export class TrainBatcher {
  readonly dim: number;
  readonly targetDim: number;
  private readonly buffers = new Map<number, TrainBatch>();

  constructor(
    readonly data: TrainData,
    readonly task: "classification" | "regression",
    outputDim: number,
  ) {
    this.dim = dataDim(data);
    if (task === "classification") {
      this.targetDim = data.numClasses ?? outputDim;
      if (this.targetDim !== outputDim)
        throw new Error(`dataset has ${this.targetDim} classes but the model has ${outputDim} outputs`);
      if (data.y.length !== data.n) throw new Error(`dataset: ${data.y.length} labels for ${data.n} examples`);
    } else {
      this.targetDim = data.y.length / Math.max(1, data.n);
      if (this.targetDim !== outputDim)
        throw new Error(
          `dataset targets have ${this.targetDim} values per example but the model has ${outputDim} outputs`,
        );
    }
  }

  private buffer(size: number): TrainBatch {
    let b = this.buffers.get(size);
    if (!b) {
      b = {
        size,
        x: new Float32Array(size * this.dim),
        target: new Float32Array(size * this.targetDim),
        labels: new Int32Array(this.task === "classification" ? size : 0),
      };
      this.buffers.set(size, b);
    }
    return b;
  }

  gather(indices: ArrayLike<number>, start: number, size: number): TrainBatch {
    const b = this.buffer(size);
    const { x, y } = this.data;
    const d = this.dim;
    const k = this.targetDim;
    if (this.task === "classification") b.target.fill(0);
    for (let r = 0; r < size; r++) {
      const i = indices[start + r];
      if (x instanceof Float32Array) b.x.set(x.subarray(i * d, (i + 1) * d), r * d);
      else for (let j = 0; j < d; j++) b.x[r * d + j] = x[i * d + j];
      if (this.task === "classification") {
        const label = y[i];
        if (!(label >= 0 && label < k) || !Number.isInteger(label))
          throw new Error(`dataset: label ${label} of example ${i} is not a class in 0..${k - 1}`);
        b.labels[r] = label;
        b.target[r * k + label] = 1;
      } else {
        b.target.set((y as Float32Array).subarray(i * k, (i + 1) * k), r * k);
      }
    }
    return b;
  }
}
