/**
 * Mini-batches: seeded per-epoch shuffling, batches as index views, gathering into one reusable buffer, and a
 * fixed probe batch for metrics. Plain typed arrays; the training engine turns a gathered batch into tensors.
 *
 *   const plan = new BatchPlan({ n: train.n, batchSize: 128, seed, probeSize: 500 });
 *   const gather = new BatchGatherer(train, plan.batchSize);
 *   const probe = probeBatch(train, plan);                   // fixed: subSeed(seed, "probe")
 *   for (let epoch = 0; epoch < E; epoch++)
 *     for (const idx of plan.batches(epoch)) {               // order: subSeed(seed, "shuffle:" + epoch)
 *       const b = gather.gather(idx);                        // b.x: [b.size, d] view into a reused buffer
 *       ...
 *     }
 * Memory per epoch: one Int32Array of indices (reused); never a copy of the dataset.
 */
import { Rng, subSeed } from "../util/random";
import type { Dataset } from "./dataset";
import { DatasetError } from "./errors";

export interface BatchPlanOptions {
  /** Dataset size. */
  n: number;
  batchSize: number;
  /** Root seed: epoch e is shuffled by subSeed(seed, "shuffle:" + e), the probe drawn by subSeed(seed, "probe"). */
  seed: number;
  /** Size of the fixed probe set (0: none). Default 0. */
  probeSize?: number;
  /** Leave the probe samples out of the training batches. Default true. */
  holdOutProbe?: boolean;
  /** Drop the last, smaller batch of an epoch. Default false. */
  dropLast?: boolean;
}

export class BatchPlan {
  readonly n: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Probe sample indices, ascending, [probeSize]. */
  readonly probe: Int32Array;
  /** Indices that training batches draw from (all, or all but the probe), ascending. */
  readonly pool: Int32Array;
  private order: Int32Array;
  private orderEpoch = -1;

  constructor(opts: BatchPlanOptions) {
    const probeSize = opts.probeSize ?? 0;
    const bad = (what: string, expected: string, found: string): never => {
      throw new DatasetError({ code: "argument", what: `BatchPlan: ${what}`, file: "batches", expected, found, fix: "adjust the batch plan options" });
    };
    if (!(Number.isInteger(opts.n) && opts.n >= 1)) bad("dataset size must be a positive integer", "n >= 1", `${opts.n}`);
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) bad("batchSize must be a positive integer", ">= 1", `${opts.batchSize}`);
    if (!(Number.isInteger(probeSize) && probeSize >= 0 && probeSize < opts.n)) bad("probeSize out of range", `0..${opts.n - 1}`, `${probeSize}`);
    this.n = opts.n;
    this.batchSize = opts.batchSize;
    this.seed = opts.seed;
    this.dropLast = opts.dropLast ?? false;
    this.probe = new Rng(subSeed(opts.seed, "probe")).permutation(opts.n).slice(0, probeSize).sort();
    if ((opts.holdOutProbe ?? true) && probeSize > 0) {
      const inProbe = new Uint8Array(opts.n);
      for (const i of this.probe) inProbe[i] = 1;
      this.pool = new Int32Array(opts.n - probeSize);
      let k = 0;
      for (let i = 0; i < opts.n; i++) if (!inProbe[i]) this.pool[k++] = i;
    } else {
      this.pool = Int32Array.from({ length: opts.n }, (_, i) => i);
    }
    if (this.dropLast && this.pool.length < this.batchSize) {
      bad("dropLast with fewer training samples than one batch leaves no batches", `>= ${this.batchSize} samples`, `${this.pool.length}`);
    }
    this.order = new Int32Array(this.pool.length);
  }

  /** Batches per epoch. */
  get stepsPerEpoch(): number {
    return this.dropLast ? Math.floor(this.pool.length / this.batchSize) : Math.ceil(this.pool.length / this.batchSize);
  }

  /**
   * The sample order of `epoch`: a permutation of `pool` drawn from subSeed(seed, "shuffle:" + epoch) by
   * Fisher-Yates (the same draw as Rng.permutation). Written into `out` (default: an internal buffer reused
   * across epochs, so the result is valid until the next call with another epoch).
   */
  epochOrder(epoch: number, out?: Int32Array): Int32Array {
    if (!(Number.isInteger(epoch) && epoch >= 0)) {
      throw new DatasetError({ code: "argument", what: "epoch must be a non-negative integer", file: "batches", expected: ">= 0", found: `${epoch}`, fix: "count epochs from 0" });
    }
    const target = out ?? this.order;
    if (out === undefined && this.orderEpoch === epoch) return target;
    target.set(this.pool);
    const rng = new Rng(subSeed(this.seed, `shuffle:${epoch}`));
    for (let i = target.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = target[i];
      target[i] = target[j];
      target[j] = t;
    }
    if (out === undefined) this.orderEpoch = epoch;
    return target;
  }

  /** The batches of `epoch` as views (subarrays) into the epoch order; no copies. */
  *batches(epoch: number): Generator<Int32Array> {
    const order = this.epochOrder(epoch);
    const steps = this.stepsPerEpoch;
    for (let s = 0; s < steps; s++) {
      yield order.subarray(s * this.batchSize, Math.min((s + 1) * this.batchSize, order.length));
    }
  }
}

/** A gathered batch. x: float32 [size, d]; y: Int32Array [size] or Float32Array [size, yDim]. */
export interface Batch {
  x: Float32Array;
  y: Int32Array | Float32Array;
  size: number;
  /** Dataset indices of the rows. */
  indices: Int32Array;
}

/**
 * Copies the rows of a batch into buffers allocated once ([maxBatch, d] float32; uint8 inputs are converted
 * numerically, 0..255). The returned arrays are views into those buffers: valid until the next gather().
 */
export class BatchGatherer {
  private readonly xBuf: Float32Array;
  private readonly yBuf: Int32Array | Float32Array;
  private readonly iBuf: Int32Array;

  constructor(readonly ds: Dataset, readonly maxBatch: number) {
    this.xBuf = new Float32Array(maxBatch * ds.d);
    this.yBuf = ds.y instanceof Int32Array ? new Int32Array(maxBatch * ds.yDim) : new Float32Array(maxBatch * ds.yDim);
    this.iBuf = new Int32Array(maxBatch);
  }

  gather(indices: ArrayLike<number>): Batch {
    const m = indices.length;
    if (m > this.maxBatch) {
      throw new DatasetError({ code: "argument", what: "Batch larger than the gather buffer", file: this.ds.name, expected: `<= ${this.maxBatch} rows`, found: `${m}`, fix: "create the BatchGatherer with maxBatch = the plan's batchSize" });
    }
    const { d, yDim, x, y, n } = this.ds;
    for (let r = 0; r < m; r++) {
      const i = indices[r];
      if (!(i >= 0 && i < n)) {
        throw new DatasetError({ code: "argument", what: "Batch index out of range", file: this.ds.name, expected: `0..${n - 1}`, found: `${i}`, fix: "use indices from a BatchPlan built with this dataset's n" });
      }
      this.iBuf[r] = i;
      if (x instanceof Float32Array) this.xBuf.set(x.subarray(i * d, (i + 1) * d), r * d);
      else for (let j = 0; j < d; j++) this.xBuf[r * d + j] = x[i * d + j];
      if (yDim === 1) this.yBuf[r] = y[i];
      else this.yBuf.set(y.subarray(i * yDim, (i + 1) * yDim), r * yDim);
    }
    return {
      x: this.xBuf.subarray(0, m * d),
      y: this.yBuf.subarray(0, m * yDim),
      size: m,
      indices: this.iBuf.subarray(0, m),
    };
  }
}

/** The plan's fixed probe set, gathered into fresh arrays (owned by the caller, stable across epochs). */
export function probeBatch(ds: Dataset, plan: BatchPlan): Batch {
  if (plan.n !== ds.n) {
    throw new DatasetError({ code: "argument", what: "Batch plan and dataset disagree on the dataset size", file: ds.name, expected: `n = ${plan.n}`, found: `n = ${ds.n}`, fix: "build the BatchPlan with { n: dataset.n }" });
  }
  const g = new BatchGatherer(ds, Math.max(1, plan.probe.length));
  const b = g.gather(plan.probe);
  return { x: b.x.slice(), y: b.y.slice(), size: b.size, indices: b.indices.slice() };
}
