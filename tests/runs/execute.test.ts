/**
 * Runs as data: a killed run resumes from its last checkpoint and finishes with the same numbers as an uninterrupted
 * one; a finished run is never recomputed; a diverging run is recorded as such; concurrent runs are locked.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { type MetricRecord } from "../../lib/src/train";
import {
  CHECKPOINT_FILE,
  DONE_FILE,
  type RunConfigInput,
  acquireLock,
  executeRun,
  loadRunModel,
  readMetrics,
  registerMetric,
  runSpec,
} from "../../lib/src/runs";
import { RunLockedError } from "../../lib/src/runs/files";
import { trainingSlice } from "../../lib/src/runs/execute";

const strip = (rs: MetricRecord[]) => rs.map(({ wall_s, ...r }) => r);

const config: RunConfigInput = {
  model: { inputDim: 12, outputDim: 3, depth: 3, width: 12, skip: "identity", batchNorm: [2] },
  train: { epochs: 4, batchSize: 32, optimizer: { type: "adam", lr: 3e-3 }, logEverySteps: 7 },
  data: { name: "gaussian-mixture", n: 256, nTest: 64, dim: 12, classes: 3 },
  evalAtStart: true,
  metrics: ["test-norm"],
};

describe("executeRun", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-runs-"));
    // a registered metric: the Frobenius norm of the first layer's weights
    registerMetric("test-norm", ({ model }) => ({
      w1_norm: tf.tidy(() => tf.norm(model.layer("L1").W!).dataSync()[0]),
    }));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("an uninterrupted run and a killed-then-resumed run end with identical metrics and parameters", async () => {
    const spec = runSpec(config, 7);
    const a = await executeRun(spec, { dir: path.join(root, "a"), progress: false });
    expect(a.status).toBe("done");
    expect(a.fromCache).toBe(false);
    expect(a.records.filter((r) => r.kind === "epoch").map((r) => r.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(a.final!.w1_norm).toBeGreaterThan(0);
    expect(a.records.some((r) => r.kind === "step")).toBe(true);

    // kill 1: an exception in the epoch callback of epoch 3 (before its checkpoint) → resumes from epoch 2
    const dirB = path.join(root, "b");
    await expect(
      executeRun(spec, {
        dir: dirB,
        progress: false,
        onEpoch: ({ epoch }) => {
          if (epoch === 3) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const partial = path.join(dirB, spec.hash);
    expect(fs.existsSync(path.join(partial, DONE_FILE))).toBe(false);
    expect(fs.existsSync(path.join(partial, CHECKPOINT_FILE))).toBe(true);
    expect(fs.existsSync(path.join(partial, "lock"))).toBe(false);
    // kill 2 in the resumed session: during epoch 4 (after epoch 3's checkpoint)
    await expect(
      executeRun(spec, {
        dir: dirB,
        progress: false,
        onStep: ({ epoch }) => {
          if (epoch === 4) throw new Error("killed again");
        },
      }),
    ).rejects.toThrow("killed again");
    expect(readMetrics(path.join(partial, "metrics.jsonl")).filter((r) => r.kind === "epoch").length).toBe(4); // epochs 0–3
    const b = await executeRun(spec, { dir: dirB, progress: false });
    expect(b.done.resumedFrom).toBe(3);
    expect(strip(b.records)).toEqual(strip(a.records));
    expect(strip(readMetrics(path.join(partial, "metrics.jsonl")))).toEqual(strip(a.records));
    const ma = loadRunModel(spec.hash, path.join(root, "a"));
    const mb = loadRunModel(spec.hash, dirB);
    expect(mb.getWeights()).toEqual(ma.getWeights());
    ma.dispose();
    mb.dispose();
  });

  it("a finished run is returned from disk without computing anything", async () => {
    const dir = path.join(root, "c");
    const first = await executeRun({ ...config, seed: 1 }, { dir, progress: false });
    let steps = 0;
    const again = await executeRun({ ...config, seed: 1 }, { dir, progress: false, onStep: () => void steps++ });
    expect(steps).toBe(0);
    expect(again.fromCache).toBe(true);
    expect(again.hash).toBe(first.hash);
    expect(strip(again.records)).toEqual(strip(first.records));
    expect(JSON.parse(fs.readFileSync(path.join(dir, first.hash, "config.json"), "utf8")).config).toEqual(first.config);
  });

  it("records a diverging run as finished with status 'diverged' and the diagnostic", async () => {
    const dir = path.join(root, "d");
    const bad: RunConfigInput = {
      ...config,
      train: { epochs: 2, batchSize: 32, optimizer: { type: "sgd", lr: 1e7, momentum: 0 } },
      metrics: [],
    };
    const r = await executeRun({ ...bad, seed: 0 }, { dir, progress: false });
    expect(r.status).toBe("diverged");
    expect(r.done.diagnostic!.step).toBeGreaterThan(1);
    expect(r.done.message).toMatch(/diverged/);
    const again = await executeRun({ ...bad, seed: 0 }, { dir, progress: false });
    expect(again.fromCache).toBe(true);
    expect(again.status).toBe("diverged");
  });

  it("a run locked by a live process is not computed twice", async () => {
    const dir = path.join(root, "e");
    const spec = runSpec(config, 3);
    const release = acquireLock(path.join(dir, spec.hash));
    await expect(executeRun(spec, { dir, progress: false })).rejects.toBeInstanceOf(RunLockedError);
    release();
    expect((await executeRun(spec, { dir, progress: false })).status).toBe("done");
  });

  it("leaves no tensors behind", () => {
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe("trainingSlice", () => {
  it("gives int32 class labels for Int32Array and Uint8Array labels, and float targets for Float32Array", async () => {
    await initBackend({ force: "cpu" });
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    for (const y of [Int32Array.from([2, 0, 1, 2]), Uint8Array.from([2, 0, 1, 2])]) {
      const s = trainingSlice({ x, y, n: 4 }, 1, 2);
      expect(s.y.dtype).toBe("int32");
      expect(Array.from(s.y.dataSync())).toEqual([0, 1]);
      expect(s.x.shape).toEqual([2, 3]);
      tf.dispose([s.x, s.y]);
    }
    const r = trainingSlice({ x, y: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), n: 4 }, 2, 2);
    expect(r.y.shape).toEqual([2, 2]);
    expect(Array.from(r.y.dataSync())).toEqual([5, 6, 7, 8]);
    tf.dispose([r.x, r.y]);
  });
});
