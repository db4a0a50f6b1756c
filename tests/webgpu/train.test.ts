/**
 * The training engine on the test backend (webgpu with SKIPLAB_TEST_BACKEND=webgpu, else wasm): it learns, keeps the
 * tensor count flat, checkpoints (asynchronous reads) and resumes exactly, agrees with the cpu backend step for
 * step, and the toy Monte Carlo check has an asynchronous twin that equals the synchronous one.
 * On webgpu the optimizer runs as tf ops (the fused kernel is wasm/cpu only: Optimizer.isFused).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { syncReadsAvailable } from "../../lib/src/engine/read";
import { type ModelConfigInput, createModel } from "../../lib/src/models";
import { loadRunData } from "../../lib/src/runs/spec";
import { type MetricRecord, type TrainCheckpoint, type TrainData, evaluate, train } from "../../lib/src/train";
import { modelConfig } from "../../lib/src/toy/config";
import { initParams } from "../../lib/src/toy/init";
import { ToyModel } from "../../lib/src/toy/model";
import { monteCarloLoss, monteCarloLossAsync } from "../../lib/src/toy/tf-check";
import { initTestBackend, relErr, testBackend } from "./helpers";

const strip = (rs: MetricRecord[]) => rs.map(({ wall_s, ...r }) => r);

describe(`training on ${testBackend()}`, () => {
  let data: { train: TrainData; test?: TrainData };
  beforeAll(async () => {
    await initTestBackend();
    data = await loadRunData({ name: "gaussian-mixture", n: 256, nTest: 64, dim: 48, classes: 4, separation: 4 });
  });
  // width 48 and batch 64: the matmuls exceed tfjs-webgpu's 1000-entry CPU hand-off, so they run on the device
  const model = (extra: ModelConfigInput = {}, seed = 0) =>
    createModel({ inputDim: 48, outputDim: 4, depth: 3, width: 48, ...extra } as ModelConfigInput, seed);
  const cfg = { epochs: 3, batchSize: 64, optimizer: { type: "adam" as const, lr: 1e-2 } };

  it("learns; callbacks, evaluation and checkpoints work; the tensor count is flat across epochs", async () => {
    const m = model({ skip: "identity", batchNorm: [2] });
    const counts: number[] = [];
    const checkpoints: TrainCheckpoint[] = [];
    const res = await train(m, data.train, cfg, {
      seed: 1,
      test: data.test,
      progress: false,
      evalAtStart: true,
      onEpoch: () => void counts.push(tf.memory().numTensors),
      onCheckpoint: (c) => void checkpoints.push(c),
    });
    expect(res.epochs.map((r) => r.epoch)).toEqual([0, 1, 2, 3]);
    expect(res.final!.train_acc!).toBeGreaterThan(0.9);
    expect(res.final!.train_loss).toBeLessThan(res.epochs[0].train_loss);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const last = checkpoints[2];
    expect(last.weights.map((w) => w.name)).toContain("L2.bn.mean");
    expect(last.optimizer.t).toBe(res.steps);
    expect(last.weights).toEqual(await m.readWeights());
    const ev = await evaluate(m, data.test!);
    expect(ev.acc).toBeCloseTo(res.final!.test_acc!, 10);
    m.dispose();
  });

  it("resumes exactly from a checkpoint after an interruption (same backend)", async () => {
    const full = model();
    const whole = await train(full, data.train, { ...cfg, logEverySteps: 2 }, { seed: 3, progress: false });
    const finalWeights = await full.readWeights();
    full.dispose();
    const m = model();
    let saved: TrainCheckpoint | null = null;
    await expect(
      train(
        m,
        data.train,
        { ...cfg, logEverySteps: 2 },
        {
          seed: 3,
          progress: false,
          onCheckpoint: (c) => void (saved = c),
          onStep: ({ epoch }) => {
            if (epoch === 3) throw new Error("simulated kill");
          },
        },
      ),
    ).rejects.toThrow("simulated kill");
    expect(saved!.epoch).toBe(2);
    m.dispose();
    const fresh = model();
    const rest = await train(
      fresh,
      data.train,
      { ...cfg, logEverySteps: 2 },
      { seed: 3, progress: false, resume: saved },
    );
    expect(strip(rest.records)).toEqual(strip(whole.records));
    expect(await fresh.readWeights()).toEqual(finalWeights);
    fresh.dispose();
  });

  it("agrees with the cpu backend after a few Adam and SGD steps (same init, same batches)", async () => {
    for (const optimizer of [
      { type: "adam" as const, lr: 1e-3 },
      { type: "sgd" as const, lr: 0.05, momentum: 0.9 },
    ]) {
      const run = async () => {
        const m = model({ skip: "identity" }, 7);
        const r = await train(m, data.train, { epochs: 1, batchSize: 64, optimizer }, { seed: 2, progress: false });
        const w = await m.readWeights();
        m.dispose();
        return { loss: r.final!.train_loss, w };
      };
      const here = await run();
      await tf.setBackend("cpu");
      let cpu: Awaited<ReturnType<typeof run>>;
      try {
        cpu = await run();
      } finally {
        await initTestBackend();
      }
      expect(Math.abs(here.loss - cpu.loss) / cpu.loss, optimizer.type).toBeLessThan(1e-5);
      for (let i = 0; i < cpu.w.length; i++) {
        // 4 steps: float32 round-off of different summation orders, amplified a little by Adam's normalisation
        expect(await relErr(here.w[i].data, cpu.w[i].data), `${optimizer.type} ${cpu.w[i].name}`).toBeLessThan(1e-4);
      }
    }
  });

  it("toy Monte Carlo check: the async twin equals the sync one (wasm/cpu) and agrees with the closed form", async () => {
    const toy = new ToyModel(modelConfig("residual"));
    const theta = initParams(toy.config, 5, 0.8);
    const before = tf.memory().numTensors;
    const r = await monteCarloLossAsync(toy, theta, 100_000, 1, 25_000);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.backend).toBe(testBackend());
    expect(Math.abs(r.z)).toBeLessThan(4);
    if (syncReadsAvailable()) expect(monteCarloLoss(toy, theta, 100_000, 1, 25_000)).toEqual(r);
    else expect(() => monteCarloLoss(toy, theta, 1000, 1)).toThrow(/monteCarloLossAsync/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
