/**
 * The training loop (never `model.fit`: its shuffle uses Math.random).
 *
 *   for epoch e = 0 … epochs−1:
 *     order = epochPermutation(seed, e, n)               (data.ts: depends only on seed and e)
 *     for each batch of `order`: lr = schedule(position); one TrainStep (forward, loss, grads, fused update)
 *     epoch record: mean train loss/accuracy over the epoch's batches, test loss/accuracy (eval mode), extras
 *     returned by `onEpoch`; then `onCheckpoint` (every `checkpointEvery` epochs and at the end)
 *
 * Initialisation is the model's business (`createModel(config, seed)` draws from subSeed(seed, "init")); pass the
 * same seed here for the data order. A checkpoint (params, optimizer state, epoch/step position, the records so far)
 * taken at an epoch boundary and passed back as `resume` continues exactly: same batches, same learning rates, same
 * optimizer moments, so the final numbers equal an uninterrupted run's bit for bit (same backend).
 *
 * Divergence: a non-finite loss or gradient throws `NonFiniteError` with a diagnostic (diverge.ts); so does, as a
 * `DivergenceError`, an epoch whose finite training loss or accuracy breaks a rule of `config.divergence` (a loss
 * explosion, an accuracy collapse; checked before the epoch's extra metrics are computed).
 * Memory: `tf.memory().numTensors` is the same after every epoch (tests/train checks it).
 */
import * as tf from "@tensorflow/tfjs";
import { type ProgressMode, ProgressBar, yieldToEventLoop } from "../display/progress";
import type { NamedArray, Network } from "../models/network";
import { type TrainConfig, type TrainConfigInput, trainConfig } from "./config";
import { TrainBatcher, type TrainData, epochPermutation, stepsPerEpoch } from "./data";
import { evaluate } from "./evaluate";
import { accelerateWasm, matmulEngine } from "../engine/wasm-accel";
import type { OptimizerState } from "./optimizers";
import { learningRate } from "./schedule";
import { checkDivergenceRules, DivergenceError, divergenceTracker, NonFiniteError } from "./diverge";
import { divergenceRules } from "./config";
import { TrainStep } from "./step";

/** One line of metrics.jsonl per epoch. Extra metrics from `onEpoch` are merged in. */
export interface EpochRecord {
  kind: "epoch";
  /** 1-based epoch just finished (0: the optional evaluation before training). */
  epoch: number;
  /** Global steps done. */
  step: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  /** Mean task loss over the epoch's training batches (parameters changing along the way; no regulariser). */
  train_loss: number;
  /** Fraction correct over the epoch's training batches (classification), else null. */
  train_acc: number | null;
  /** Mean regulariser value over the epoch (0 without one). */
  train_reg: number;
  test_loss: number | null;
  test_acc: number | null;
  /** Wall-clock seconds of the epoch (training + evaluation + callbacks); the only non-deterministic field. */
  wall_s: number;
  [metric: string]: number | string | null;
}

/** A step line (every `logEverySteps` steps). */
export interface StepRecord {
  kind: "step";
  epoch: number;
  step: number;
  lr: number;
  loss: number;
  acc: number | null;
  [metric: string]: number | string | null;
}

export type MetricRecord = EpochRecord | StepRecord;

/** Everything needed to continue a run exactly. */
export interface TrainCheckpoint {
  /** Completed epochs. */
  epoch: number;
  /** Completed steps. */
  step: number;
  weights: NamedArray[];
  optimizer: OptimizerState;
  records: MetricRecord[];
  lastFiniteLoss: number | null;
  lastFiniteStep: number | null;
}

export interface StepInfo {
  /** 1-based epoch, 1-based global step just done, 1-based batch within the epoch. */
  epoch: number;
  step: number;
  batch: number;
  loss: number;
  /** Batch accuracy (classification) or null. */
  acc: number | null;
  lr: number;
  size: number;
  model: Network;
}

export interface EpochInfo {
  epoch: number;
  step: number;
  /** The record so far (before extras are merged). */
  record: EpochRecord;
  model: Network;
}

export interface TrainOptions {
  /** Root seed: data order from subSeed(seed, "shuffle"). Use the seed the model was created with. */
  seed: number;
  /** Evaluated at the end of every epoch (eval mode). */
  test?: TrainData;
  /** Progress bar label. */
  label?: string;
  /**
   * Progress display: "auto" (default, or true) is on in notebooks (an HTML bar) and terminals (a line redrawn in
   * place) and plain lines every 10 s in CI logs (CI=true) and pipes (display/progress.ts `decideProgressMode`);
   * "notebook", "tty" or "lines" force one; false (or "off") for none. SKIPLAB_PROGRESS overrides every mode but off.
   */
  progress?: ProgressMode | boolean;
  /** Called after every step (await-ed). */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Called at every epoch end; returned numbers are merged into the epoch record (await-ed). */
  onEpoch?: (
    info: EpochInfo,
  ) => void | Record<string, number | string | null> | Promise<void | Record<string, number | string | null>>;
  /** Called with all records so far after each epoch's record is final (before `onCheckpoint`). */
  onRecords?: (records: MetricRecord[]) => void | Promise<void>;
  /** Also record an epoch-0 evaluation (train and test sets, eval mode) before the first step. */
  evalAtStart?: boolean;
  /** Continue from a checkpoint. */
  resume?: TrainCheckpoint | null;
  /** Called with a checkpoint every `checkpointEvery` epochs (default 1) and after the last epoch. */
  onCheckpoint?: (checkpoint: TrainCheckpoint) => void | Promise<void>;
  checkpointEvery?: number;
  /**
   * Faster wasm kernels (wasm-accel.ts: OpenBLAS matMul/transpose/sum, copy-free Identity/Cast): "auto" (default;
   * installed when the backend is wasm, BLAS when found; `SKIPLAB_ACCEL=0` turns it off), "on" (BLAS required), "off"
   * (leave the kernels as they are — it does not uninstall what an earlier call installed).
   */
  accelerate?: "auto" | "on" | "off";
  /** Fused optimizer kernel (default true). */
  fusedOptimizer?: boolean;
}

export interface TrainResult {
  /** All records (epoch and step lines) in order, including those of a resumed checkpoint. */
  records: MetricRecord[];
  /** The epoch records only. */
  epochs: EpochRecord[];
  /** The last epoch record (null when no epoch ran). */
  final: EpochRecord | null;
  steps: number;
  /** Wall seconds of this call (not of a resumed run's earlier part). */
  wallSeconds: number;
  /** The matmul engine used, e.g. "OpenBLAS via koffi (libopenblas.so.0, 1 thread)". */
  matmul: string;
  optimizerFused: boolean;
}

function accelMode(opt: TrainOptions["accelerate"]): "auto" | "on" | "off" {
  const env = (process.env.SKIPLAB_ACCEL ?? "").trim().toLowerCase();
  if (opt === "on" || opt === "off") return opt;
  if (env === "0" || env === "off" || env === "false") return "off";
  if (env === "1" || env === "on") return "on";
  return "auto";
}

/** Trains `model` on `data` under `config`. See the module comment. */
export async function train(
  model: Network,
  data: TrainData,
  configInput: TrainConfigInput | TrainConfig,
  options: TrainOptions,
): Promise<TrainResult> {
  const config = trainConfig(configInput as TrainConfigInput);
  const t0 = performance.now();
  const mode = accelMode(options.accelerate);
  if (mode !== "off" && tf.getBackend() === "wasm") accelerateWasm({ required: mode === "on" });

  const task = model.config.task;
  const gather = new TrainBatcher(data, task, model.config.outputDim);
  const spe = stepsPerEpoch(data.n, config.batchSize, config.dropLast);
  if (spe === 0) throw new Error(`train: ${data.n} examples make no full batch of ${config.batchSize} (dropLast)`);
  const stepper = new TrainStep(model, config.optimizer, { fused: options.fusedOptimizer });

  let startEpoch = 0;
  let step = 0;
  const records: MetricRecord[] = [];
  const rules = divergenceRules(config);
  const tracker = divergenceTracker();
  if (options.resume) {
    const r = options.resume;
    model.setWeights(r.weights);
    stepper.optimizer.setState(r.optimizer);
    startEpoch = r.epoch;
    step = r.step;
    records.push(...r.records.map((x) => ({ ...x })));
    stepper.lastFiniteLoss = r.lastFiniteLoss;
    stepper.lastFiniteStep = r.lastFiniteStep;
  }

  const bar = new ProgressBar({
    total: config.epochs * spe,
    label: options.label ?? "train",
    mode:
      options.progress === false
        ? "off"
        : options.progress === true || options.progress === undefined
          ? "auto"
          : options.progress,
  });
  // Asynchronous reads: a checkpoint must also work on webgpu, which has no dataSync (engine/read.ts).
  const checkpoint = async (epochsDone: number): Promise<TrainCheckpoint> => ({
    epoch: epochsDone,
    step,
    weights: await model.readWeights(),
    optimizer: await stepper.optimizer.readState(),
    records: records.map((x) => ({ ...x })),
    lastFiniteLoss: stepper.lastFiniteLoss,
    lastFiniteStep: stepper.lastFiniteStep,
  });

  try {
    if (options.evalAtStart && startEpoch === 0 && !records.some((r) => r.kind === "epoch" && r.epoch === 0)) {
      const te = performance.now();
      const tr = await evaluate(model, data, { batchSize: config.evalBatchSize });
      const ts = options.test ? await evaluate(model, options.test, { batchSize: config.evalBatchSize }) : null;
      const rec: EpochRecord = {
        kind: "epoch",
        epoch: 0,
        step: 0,
        lr: learningRate(config.optimizer.lr, config.schedule, {
          epoch: 0,
          step: 0,
          stepsPerEpoch: spe,
          epochs: config.epochs,
        }),
        train_loss: tr.loss,
        train_acc: tr.acc,
        train_reg: 0,
        test_loss: ts ? ts.loss : null,
        test_acc: ts ? ts.acc : null,
        wall_s: 0,
      };
      const extra = options.onEpoch
        ? await options.onEpoch({ epoch: 0, step: 0, record: { ...rec }, model })
        : undefined;
      if (extra) Object.assign(rec, extra);
      rec.wall_s = (performance.now() - te) / 1000;
      records.push(rec);
      if (Number.isFinite(tr.loss)) {
        tracker.initialLoss = tr.loss;
        checkDivergenceRules(tracker, rules, 0, tr.loss, tr.acc ?? null); // only records the start
      }
      if (options.onRecords) await options.onRecords(records.map((x) => ({ ...x })));
    }

    for (let e = startEpoch; e < config.epochs; e++) {
      const te = performance.now();
      const order = epochPermutation(options.seed, e, data.n);
      let lossSum = 0;
      let regSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = config.optimizer.lr;
      for (let bi = 0; bi < spe; bi++) {
        const start = bi * config.batchSize;
        const size = Math.min(config.batchSize, data.n - start);
        lr = learningRate(config.optimizer.lr, config.schedule, {
          epoch: e,
          step,
          stepsPerEpoch: spe,
          epochs: config.epochs,
        });
        const batch = gather.gather(order, start, size);
        let s: Awaited<ReturnType<TrainStep["run"]>>;
        try {
          s = await stepper.run(batch, gather.dim, gather.targetDim, lr, {
            epoch: e + 1,
            step: step + 1,
            batch: bi + 1,
          });
        } catch (err) {
          if (err instanceof NonFiniteError) {
            err.records = records.map((x) => ({ ...x }));
            bar.log(`stopped: non-finite loss or gradient at epoch ${e + 1}, step ${step + 1}`);
          }
          throw err;
        }
        step++;
        if (tracker.initialLoss === null) tracker.initialLoss = s.loss; // no loss before training: the first step's
        lossSum += s.loss * size;
        regSum += s.reg * size;
        correct += s.correct;
        seen += size;
        const acc = task === "classification" ? s.correct / size : null;
        if (config.logEverySteps > 0 && step % config.logEverySteps === 0) {
          records.push({ kind: "step", epoch: e + 1, step, lr, loss: s.loss, acc });
        }
        if (options.onStep)
          await options.onStep({ epoch: e + 1, step, batch: bi + 1, loss: s.loss, acc, lr, size, model });
        const rendered = bar.update({
          step,
          epoch: e + 1,
          epochs: config.epochs,
          loss: lossSum / seen,
          acc: task === "classification" ? correct / seen : undefined,
        });
        if (rendered) await yieldToEventLoop();
      }
      const test = options.test ? await evaluate(model, options.test, { batchSize: config.evalBatchSize }) : null;
      const rec: EpochRecord = {
        kind: "epoch",
        epoch: e + 1,
        step,
        lr,
        train_loss: lossSum / seen,
        train_acc: task === "classification" ? correct / seen : null,
        train_reg: regSum / seen,
        test_loss: test ? test.loss : null,
        test_acc: test ? test.acc : null,
        wall_s: 0,
      };
      const hit = checkDivergenceRules(tracker, rules, e + 1, rec.train_loss, rec.train_acc);
      if (hit) {
        rec.wall_s = (performance.now() - te) / 1000;
        records.push(rec);
        bar.log(
          `stopped: ${hit.rule === "lossFactor" ? "the training loss exploded" : "the training accuracy collapsed"} at epoch ${e + 1}`,
        );
        const maxAbsParam: Record<string, number> = {};
        for (const p of model.namedParams()) {
          const m = tf.tidy(() => tf.max(tf.abs(p.variable)));
          maxAbsParam[p.name] = (await m.data())[0];
          m.dispose();
        }
        const err = new DivergenceError(
          {
            epoch: e + 1,
            step,
            batch: spe,
            loss: rec.train_loss,
            lr,
            lastFiniteLoss: rec.train_loss,
            lastFiniteStep: step,
            nonFiniteGradients: null,
            nonFiniteParams: [],
            firstNonFiniteActivation: null,
            maxAbsParam,
            maxAbsActivation: {},
            rule: hit,
          },
          hit,
        );
        err.records = records.map((x) => ({ ...x }));
        throw err;
      }
      const extra = options.onEpoch
        ? await options.onEpoch({ epoch: e + 1, step, record: { ...rec }, model })
        : undefined;
      if (extra) Object.assign(rec, extra);
      rec.wall_s = (performance.now() - te) / 1000;
      records.push(rec);
      bar.log(epochSummary(rec, config));
      if (options.onRecords) await options.onRecords(records.map((x) => ({ ...x })));
      const every = Math.max(1, options.checkpointEvery ?? 1);
      if (options.onCheckpoint && ((e + 1) % every === 0 || e + 1 === config.epochs))
        await options.onCheckpoint(await checkpoint(e + 1));
    }
    bar.finish();
  } finally {
    bar.finish();
    stepper.dispose();
  }
  const epochs = records.filter((r): r is EpochRecord => r.kind === "epoch");
  return {
    records,
    epochs,
    final: epochs.length ? epochs[epochs.length - 1] : null,
    steps: step,
    wallSeconds: (performance.now() - t0) / 1000,
    matmul: matmulEngine(),
    optimizerFused: stepper.optimizer.isFused,
  };
}

function epochSummary(r: EpochRecord, c: TrainConfig): string {
  const f = (x: number | null, pct = false) => (x === null ? "–" : pct ? `${(100 * x).toFixed(2)}%` : x.toPrecision(4));
  const parts = [`epoch ${r.epoch}/${c.epochs}`, `train loss ${f(r.train_loss)}`];
  if (r.train_acc !== null) parts.push(`acc ${f(r.train_acc, true)}`);
  if (r.test_loss !== null) parts.push(`test loss ${f(r.test_loss)}`);
  if (r.test_acc !== null) parts.push(`acc ${f(r.test_acc, true)}`);
  parts.push(`${r.wall_s.toFixed(1)} s`);
  return parts.join(" · ");
}
