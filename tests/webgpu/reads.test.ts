/**
 * engine/read.ts: asynchronous reads return copies on every backend; synchronous reads give the same numbers where
 * they exist and a clear error (naming the async alternative) on webgpu.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  SyncReadError,
  readAllFloat32,
  readFloat32,
  readFloat32Sync,
  readScalar,
  syncReadsAvailable,
} from "../../lib/src/engine/read";
import { createModel } from "../../lib/src/models";
import { Optimizer, optimizerConfig } from "../../lib/src/train";
import { initTestBackend, testBackend } from "./helpers";

describe(`reads on ${testBackend()}`, () => {
  beforeAll(async () => {
    await initTestBackend();
  });

  it("readFloat32 / readScalar / readAllFloat32 read device tensors and return copies; no tensor is left behind", async () => {
    const before = tf.memory().numTensors;
    const a = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.fill([64, 64], 0.5))); // 4096 entries: computed on the device on webgpu
    const v = await readFloat32(a);
    expect(v.length).toBe(4096);
    expect(v.every((x) => x === 32)).toBe(true);
    v[0] = -1; // a copy: the tensor keeps its value
    expect((await readFloat32(a))[0]).toBe(32);
    const s = tf.sum(a);
    expect(await readScalar(s)).toBe(32 * 4096);
    const ints = tf.tensor1d([1, 2, 3], "int32");
    const [x, y] = await readAllFloat32([a, ints]);
    expect(x[5]).toBe(32);
    expect(Array.from(y)).toEqual([1, 2, 3]);
    expect(y).toBeInstanceOf(Float32Array);
    const empty = tf.tensor1d([]);
    await expect(readScalar(empty)).rejects.toThrow(/has no entries/);
    tf.dispose([a, s, ints, empty]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("readFloat32 copies on the cpu backend too, where t.data() hands out the tensor's own array", async () => {
    await tf.setBackend("cpu");
    try {
      const t = tf.tensor1d([1, 2, 3]);
      const c = await readFloat32(t);
      c[0] = 99;
      expect(Array.from(await t.data())).toEqual([1, 2, 3]);
      t.dispose();
    } finally {
      await initTestBackend();
    }
  });

  it("sync reads: the same numbers where the backend has them, a clear error on webgpu", async () => {
    const t = tf.tidy(() => tf.matMul(tf.ones([40, 40]), tf.ones([40, 40])));
    if (syncReadsAvailable()) {
      expect(Array.from(readFloat32Sync(t, "test"))).toEqual(Array.from(await readFloat32(t)));
    } else {
      expect(tf.getBackend()).toBe("webgpu");
      expect(() => readFloat32Sync(t, "myMetric", "`await myMetricAsync()`")).toThrow(SyncReadError);
      expect(() => readFloat32Sync(t, "myMetric", "`await myMetricAsync()`")).toThrow(
        /myMetric reads tensors synchronously[\s\S]*'webgpu'[\s\S]*await myMetricAsync\(\)/,
      );
    }
    expect(syncReadsAvailable("webgpu")).toBe(false);
    expect(syncReadsAvailable("wasm")).toBe(true);
    expect(syncReadsAvailable("cpu")).toBe(true);
    t.dispose();
  });

  it("Network.readWeights and Optimizer.readState equal their synchronous twins (wasm/cpu) and work on webgpu", async () => {
    const m = createModel({ inputDim: 6, outputDim: 3, depth: 2, width: 5, batchNorm: [1] }, 4);
    const opt = new Optimizer(
      optimizerConfig("adam"),
      m.params(),
      m.namedParams().map((p) => p.name),
      { fused: false },
    );
    const grads = m.params().map((p) => tf.onesLike(p));
    opt.step(grads, 1e-2);
    tf.dispose(grads);
    const w = await m.readWeights();
    const s = await opt.readState();
    expect(w.map((a) => a.name)).toEqual([...m.namedParams(), ...m.namedState()].map((p) => p.name));
    expect(s.t).toBe(1);
    expect(s.arrays.map((a) => a.name)).toContain("L1.W.m");
    expect(s.arrays.find((a) => a.name === "L1.W.m")!.data[0]).toBeCloseTo(0.1, 6); // m = (1 − β₁)·g
    if (syncReadsAvailable()) {
      expect(m.getWeights()).toEqual(w);
      expect(opt.getState()).toEqual(s);
    } else {
      expect(() => m.getWeights()).toThrow(/readWeights/);
      expect(() => opt.getState()).toThrow(/readState/);
    }
    // round trip through setWeights / setState
    const m2 = createModel({ inputDim: 6, outputDim: 3, depth: 2, width: 5, batchNorm: [1] }, 9);
    m2.setWeights(w);
    expect(await m2.readWeights()).toEqual(w);
    opt.dispose();
    m.dispose();
    m2.dispose();
  });
});
