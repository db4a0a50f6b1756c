import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { ProgressBar, formatDuration } from "../../lib/src/display/progress";
import { type ModelConfigInput, createModel } from "../../lib/src/models";
import { loadRunData } from "../../lib/src/runs/spec";
import {
  type MetricRecord,
  NonFiniteError,
  type TrainCheckpoint,
  type TrainData,
  epochPermutation,
  evaluate,
  train,
} from "../../lib/src/train";

const strip = (rs: MetricRecord[]) => rs.map(({ wall_s, ...r }) => r);

describe("training loop", () => {
  let data: { train: TrainData; test?: TrainData };
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    data = await loadRunData({ name: "gaussian-mixture", n: 512, nTest: 128, dim: 16, classes: 4, separation: 4 });
  });
  // block nets count blocks, not layers: no depth field (configs refuse fields they do not know)
  const model = (extra: ModelConfigInput = {}, seed = 0) =>
    createModel(
      {
        inputDim: 16,
        outputDim: 4,
        ...(extra.kind === "blocks" ? {} : { depth: 3 }),
        width: 16,
        ...extra,
      } as ModelConfigInput,
      seed,
    );
  const cfg = { epochs: 4, batchSize: 64, optimizer: { type: "adam" as const, lr: 1e-2 } };

  it("learns a separable problem; records, callbacks and test evaluation work; the tensor count is flat across epochs", async () => {
    const m = model({ skip: "identity", batchNorm: [2] });
    const counts: number[] = [];
    let steps = 0;
    const res = await train(m, data.train, cfg, {
      seed: 1,
      test: data.test,
      progress: false,
      evalAtStart: true,
      onStep: () => void steps++,
      onEpoch: ({ epoch }) => {
        counts.push(tf.memory().numTensors);
        return { my_metric: epoch * 10 };
      },
    });
    expect(steps).toBe(4 * 8);
    expect(res.epochs.map((r) => r.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(res.final!.my_metric).toBe(40);
    expect(res.final!.train_acc!).toBeGreaterThan(0.9);
    expect(res.final!.test_acc!).toBeGreaterThan(0.85);
    expect(res.final!.train_loss).toBeLessThan(res.epochs[0].train_loss);
    expect(new Set(counts.slice(1)).size).toBe(1); // flat after epoch 0 (epoch 0 runs before the optimizer exists)
    const before = tf.memory().numTensors;
    const ev = await evaluate(m, data.test!);
    expect(ev.acc).toBeCloseTo(res.final!.test_acc!, 10);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });

  it("keeps the tensor count flat for every model family and optimizer", async () => {
    for (const [extra, opt] of [
      [{ skip: { type: "hyper", form: "orthogonal" } }, "adam"],
      [
        {
          skip: { type: "matrix", matrix: "degenerate", zeroFraction: 0.5 },
          biasRegularizer: { lambda: 1e-3, target: 0.1 },
        },
        "sgd",
      ],
      [
        { kind: "blocks", family: "resnext", blocks: 2, width: 8, cardinality: 2, groupWidth: 2, batchNorm: true },
        "adam",
      ],
      [{ biasRegularizer: { form: "random", lambda: 1e-2, target: 0.5 } }, "adam"],
      [{ biasRegularizer: { form: "hinge", lambda: 1e-2, target: 0.5 }, batchNorm: [1] }, "adam"],
    ] as [ModelConfigInput, "adam" | "sgd"][]) {
      const m = model(extra);
      const counts: number[] = [];
      await train(
        m,
        data.train,
        { ...cfg, epochs: 3, optimizer: opt },
        { seed: 0, progress: false, onEpoch: () => void counts.push(tf.memory().numTensors) },
      );
      expect(new Set(counts).size, JSON.stringify(extra)).toBe(1);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it("is deterministic: same seed → identical records; another seed → other data order", async () => {
    const a = await train(model(), data.train, cfg, { seed: 5, progress: false });
    const b = await train(model(), data.train, cfg, { seed: 5, progress: false });
    expect(strip(b.records)).toEqual(strip(a.records));
    expect(Array.from(epochPermutation(5, 0, 10))).not.toEqual(Array.from(epochPermutation(6, 0, 10)));
    expect(Array.from(epochPermutation(5, 0, 10))).not.toEqual(Array.from(epochPermutation(5, 1, 10)));
    tf.disposeVariables();
  });

  it("resumes exactly from a checkpoint after an interruption", async () => {
    const full = model();
    const whole = await train(full, data.train, { ...cfg, logEverySteps: 5 }, { seed: 3, progress: false });
    const finalWeights = full.getWeights();
    full.dispose();

    const m = model();
    let saved: TrainCheckpoint | null = null;
    await expect(
      train(
        m,
        data.train,
        { ...cfg, logEverySteps: 5 },
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
    const fresh = model(); // a new process would rebuild the model from the config
    const rest = await train(
      fresh,
      data.train,
      { ...cfg, logEverySteps: 5 },
      { seed: 3, progress: false, resume: saved },
    );
    expect(strip(rest.records)).toEqual(strip(whole.records));
    expect(fresh.getWeights()).toEqual(finalWeights);
    fresh.dispose();
  });

  it("stops a diverging run with a diagnostic (huge learning rate), leaving no tensors behind", async () => {
    const m = model({ depth: 6 });
    const before = tf.memory().numTensors;
    let err: NonFiniteError | null = null;
    try {
      await train(
        m,
        data.train,
        { epochs: 3, batchSize: 64, optimizer: { type: "sgd", lr: 1e6, momentum: 0 } },
        { seed: 0, progress: false },
      );
    } catch (e) {
      err = e as NonFiniteError;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    const d = err!.diagnostic;
    expect(d.epoch).toBe(1);
    expect(d.step).toBeGreaterThan(1);
    expect(d.lastFiniteStep).toBe(d.step - 1);
    expect(Number.isFinite(d.lastFiniteLoss!)).toBe(true);
    // where it blew up: a non-finite activation, or finite ones so large that the loss overflowed
    expect(
      d.firstNonFiniteActivation !== null || (d.nonFiniteGradients ?? []).length > 0 || d.maxAbsActivation.out > 1e6,
    ).toBe(true);
    expect(Object.keys(d.maxAbsActivation)).toEqual(["L1", "L2", "L3", "L4", "L5", "L6", "out"]);
    expect(err!.message).toMatch(/diverged at epoch 1, step \d+/);
    expect(err!.message).toMatch(/Last finite loss/);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it("trains regression with MSE", async () => {
    const reg = await loadRunData({ name: "teacher-regression", n: 256, dim: 8, outputs: 2 });
    const m = createModel({ inputDim: 8, outputDim: 2, depth: 2, width: 16, task: "regression" }, 0);
    const res = await train(m, reg.train, { epochs: 5, batchSize: 32 }, { seed: 0, progress: false });
    expect(res.final!.train_acc).toBeNull();
    expect(res.final!.train_loss).toBeLessThan(res.epochs[0].train_loss);
    m.dispose();
  });
});

describe("progress bar", () => {
  it("prints lines in lines mode, throttled, with loss, accuracy and ETA", () => {
    const out: string[] = [];
    const stream = { write: (s: string) => out.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
    let now = 0;
    const bar = new ProgressBar({
      total: 100,
      label: "t",
      mode: "lines",
      stream,
      lineIntervalMs: 1000,
      now: () => now,
      env: {},
    });
    expect(bar.mode).toBe("lines");
    bar.update({ step: 1, loss: 2.3, acc: 0.1, epoch: 1, epochs: 2 });
    now = 500;
    bar.update({ step: 2, loss: 2.2 });
    now = 5000;
    bar.update({ step: 50, loss: 1.5, acc: 0.5, epoch: 1, epochs: 2 });
    bar.log("epoch 1 done");
    bar.finish();
    expect(out.length).toBe(4);
    expect(out[1]).toMatch(/ 50% · epoch 1\/2 · step 50\/100 · loss 1\.500 · acc 50\.0% · 0:05 elapsed · ETA 0:05/);
    expect(out[2]).toBe("epoch 1 done\n");
  });

  it("rewrites one line on a TTY and obeys SKIPLAB_PROGRESS", () => {
    const out: string[] = [];
    const stream = { write: (s: string) => out.push(s), isTTY: true } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar({ total: 10, mode: "auto", stream, env: {}, minIntervalMs: 0 });
    expect(bar.mode).toBe("tty");
    bar.update({ step: 3 });
    expect(out[0].startsWith("\r")).toBe(true);
    expect(new ProgressBar({ total: 10, stream, env: { SKIPLAB_PROGRESS: "off" } }).mode).toBe("off");
    expect(new ProgressBar({ total: 10, stream, env: { SKIPLAB_PROGRESS: "lines" } }).mode).toBe("lines");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});
