/**
 * Batches: seeded per-epoch shuffles (same seed same order, different epochs different orders, every index exactly
 * once), a fixed held-out probe, index views without copies, one reusable gather buffer.
 */
import { describe, expect, it } from "vitest";
import { Rng, subSeed } from "../../lib/src/util/random";
import { BatchGatherer, BatchPlan, checkDataset, DatasetError, probeBatch, type Dataset } from "../../lib/src/data";

function dataset(n: number, d: number, uint8 = false): Dataset {
  const x = uint8 ? Uint8Array.from({ length: n * d }, (_, i) => Math.floor(i / d) % 256) : Float32Array.from({ length: n * d }, (_, i) => Math.floor(i / d) + (i % d) / 10);
  return checkDataset({
    name: "b", split: "train", x, y: Int32Array.from({ length: n }, (_, i) => i % 7), n, d, shape: [d], layout: "flat",
    task: "classification", numClasses: 7, yDim: 1,
  });
}

describe("BatchPlan", () => {
  const plan = new BatchPlan({ n: 1003, batchSize: 100, seed: 42, probeSize: 50 });

  it("visits every training index exactly once per epoch, never the probe", () => {
    for (const epoch of [0, 1, 7]) {
      const seen = new Int32Array(1003);
      let batches = 0;
      for (const b of plan.batches(epoch)) {
        batches++;
        for (const i of b) seen[i]++;
      }
      expect(batches).toBe(plan.stepsPerEpoch);
      expect(plan.stepsPerEpoch).toBe(Math.ceil(953 / 100));
      for (const i of plan.probe) expect(seen[i]).toBe(0);
      expect(Array.from(seen).filter((c, i) => c !== 1 && !plan.probe.includes(i))).toEqual([]);
    }
  });

  it("same seed and epoch give the same order; other epochs and seeds differ", () => {
    const other = new BatchPlan({ n: 1003, batchSize: 100, seed: 42, probeSize: 50 });
    expect(Array.from(other.epochOrder(3))).toEqual(Array.from(plan.epochOrder(3)));
    const e0 = Array.from(plan.epochOrder(0));
    const e1 = Array.from(plan.epochOrder(1));
    expect(e0).not.toEqual(e1);
    const seed2 = new BatchPlan({ n: 1003, batchSize: 100, seed: 43, probeSize: 50 });
    expect(Array.from(seed2.epochOrder(0))).not.toEqual(e0);
  });

  it("epoch e is pool permuted by Rng(subSeed(seed, 'shuffle:' + e))", () => {
    const perm = new Rng(subSeed(42, "shuffle:5")).permutation(plan.pool.length);
    const expected = Array.from(perm, (p) => plan.pool[p]);
    expect(Array.from(plan.epochOrder(5))).toEqual(expected);
  });

  it("the probe is fixed by subSeed(seed, 'probe'), sorted, and independent of the epoch", () => {
    const expected = Array.from(new Rng(subSeed(42, "probe")).permutation(1003).slice(0, 50)).sort((a, b) => a - b);
    expect(Array.from(plan.probe)).toEqual(expected);
    expect(plan.pool.length + plan.probe.length).toBe(1003);
    const kept = new BatchPlan({ n: 1003, batchSize: 100, seed: 42, probeSize: 50, holdOutProbe: false });
    expect(Array.from(kept.probe)).toEqual(expected);
    expect(kept.pool.length).toBe(1003);
  });

  it("batches are views into one reused order buffer (no copies)", () => {
    const it1 = plan.batches(2);
    const a = it1.next().value as Int32Array;
    const b = it1.next().value as Int32Array;
    expect(a.buffer).toBe(b.buffer);
    expect(a.length).toBe(100);
    const last = Array.from(plan.batches(2)).pop()!;
    expect(last.length).toBe(953 - 900);
    const dropped = new BatchPlan({ n: 1003, batchSize: 100, seed: 42, probeSize: 50, dropLast: true });
    expect(dropped.stepsPerEpoch).toBe(9);
    expect(Array.from(dropped.batches(0)).every((x) => x.length === 100)).toBe(true);
  });

  it("rejects impossible options", () => {
    expect(() => new BatchPlan({ n: 10, batchSize: 0, seed: 1 })).toThrow(DatasetError);
    expect(() => new BatchPlan({ n: 10, batchSize: 2, seed: 1, probeSize: 10 })).toThrow(DatasetError);
    expect(() => plan.epochOrder(-1)).toThrow(DatasetError);
  });
});

describe("gathering", () => {
  it("gathers the right rows into one buffer reused across batches", () => {
    const ds = dataset(200, 3);
    const plan = new BatchPlan({ n: 200, batchSize: 32, seed: 1 });
    const g = new BatchGatherer(ds, 32);
    let buffer: ArrayBufferLike | null = null;
    for (const idx of plan.batches(0)) {
      const b = g.gather(idx);
      buffer ??= b.x.buffer;
      expect(b.x.buffer).toBe(buffer);
      expect(b.size).toBe(idx.length);
      for (let r = 0; r < b.size; r++) {
        expect(b.x[r * 3]).toBe(idx[r]);
        expect(b.x[r * 3 + 2]).toBeCloseTo(idx[r] + 0.2, 5);
        expect(b.y[r]).toBe(idx[r] % 7);
      }
    }
    expect(() => g.gather(new Int32Array(33))).toThrow(DatasetError);
  });

  it("converts uint8 inputs to float32 values, and handles regression targets", () => {
    const ds = dataset(10, 2, true);
    const b = new BatchGatherer(ds, 4).gather([9, 3]);
    expect(b.x).toBeInstanceOf(Float32Array);
    expect(Array.from(b.x)).toEqual([9, 9, 3, 3]);
    const reg = checkDataset({ ...dataset(5, 2), task: "regression", y: Float32Array.from({ length: 10 }, (_, i) => i), yDim: 2, numClasses: 0 });
    const rb = new BatchGatherer(reg, 2).gather([4, 1]);
    expect(Array.from(rb.y)).toEqual([8, 9, 2, 3]);
  });

  it("the probe batch is a stable copy", () => {
    const ds = dataset(300, 2);
    const plan = new BatchPlan({ n: 300, batchSize: 64, seed: 9, probeSize: 20 });
    const p1 = probeBatch(ds, plan);
    const p2 = probeBatch(ds, new BatchPlan({ n: 300, batchSize: 8, seed: 9, probeSize: 20 }));
    expect(Array.from(p1.indices)).toEqual(Array.from(p2.indices));
    expect(Array.from(p1.x)).toEqual(Array.from(p2.x));
    const g = new BatchGatherer(ds, 64);
    g.gather(plan.epochOrder(0).subarray(0, 64)); // gathering training batches does not disturb the probe
    expect(Array.from(p1.x)).toEqual(Array.from(p2.x));
    expect(() => probeBatch(dataset(10, 2), plan)).toThrow(DatasetError);
  });
});
