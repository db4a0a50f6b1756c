/**
 * Running one run as data: results live under `<runs root>/<hash>/`:
 *
 *   config.json      the complete config, seed, full hash and code version (written first)
 *   metrics.jsonl    one JSON line per epoch (and per logged step), rewritten atomically after every epoch
 *   checkpoint.bin   the latest checkpoint (checkpoint.ts): params, optimizer state, epoch/step position, records
 *   done.json        written last: status ("done" or "diverged"), final record, steps, wall time, backend
 *   lock             while a process computes the run
 *
 * A run with done.json is never recomputed: `executeRun` returns its stored results. A run with a checkpoint but no
 * done.json (interrupted) resumes from the checkpoint and ends with the same numbers as an uninterrupted run (same
 * backend): the checkpoint's records are authoritative, so metric lines written after it are dropped on resume.
 * Divergence (NonFiniteError) is a result, not a failure: done.json gets status "diverged" and the diagnostic.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { backendReport } from "../engine/ladder";
import type { ProgressMode } from "../display/progress";
import { createModel } from "../models/create";
import type { Network } from "../models/network";
import type { TrainData } from "../train/data";
import { type NonFiniteDiagnostic, NonFiniteError } from "../train/diverge";
import { convEngine, matmulEngine } from "../engine/wasm-accel";
import { type EpochInfo, type EpochRecord, type MetricRecord, type StepInfo, train } from "../train/loop";
import { readTrainCheckpoint, writeTrainCheckpoint } from "./checkpoint";
import {
  acquireLock,
  parseJsonLines,
  readJson,
  runsRoot,
  toJsonLines,
  writeFileAtomic,
  writeJsonAtomic,
} from "./files";
import { codeVersion, runHashFull } from "./hash";
import {
  type RunConfig,
  type RunConfigInput,
  type RunData,
  type RunSpec,
  getMetric,
  loadRunData,
  runSpec,
} from "./spec";

export const CONFIG_FILE = "config.json";
export const METRICS_FILE = "metrics.jsonl";
export const CHECKPOINT_FILE = "checkpoint.bin";
export const DONE_FILE = "done.json";

/** config.json */
export interface StoredConfig {
  hash: string;
  hashFull: string;
  seed: number;
  config: RunConfig;
  code: { lib: string; format: number };
  createdAt: string;
}

/** done.json */
export interface DoneInfo {
  hash: string;
  status: "done" | "diverged";
  /** Completed epochs and steps. */
  epochs: number;
  steps: number;
  /** The last epoch record (null if none finished). */
  final: EpochRecord | null;
  finishedAt: string;
  /** Wall seconds of the session that finished the run (earlier, interrupted sessions are not counted). */
  wallSeconds: number;
  /** Epoch the finishing session resumed from (null: it ran from the start). */
  resumedFrom: number | null;
  backend: string;
  matmul: string;
  /** Conv models: the convolution engine, e.g. "oneDNN 2.6.3 (libdnnl.so.2, 1 thread)". */
  conv?: string;
  /** For status "diverged": where and how. */
  diagnostic?: NonFiniteDiagnostic;
  message?: string;
}

export interface RunResult {
  hash: string;
  dir: string;
  seed: number;
  config: RunConfig;
  status: "done" | "diverged";
  /** True when done.json already existed and nothing was computed. */
  fromCache: boolean;
  done: DoneInfo;
  records: MetricRecord[];
  final: EpochRecord | null;
}

export interface ExecuteOptions {
  /** Runs root (default: $SKIPLAB_RUNS_DIR or <checkout>/data/runs). */
  dir?: string;
  /** Use this data instead of the provider named in config.data (it must be what config.data describes). */
  data?: RunData;
  progress?: ProgressMode | boolean;
  label?: string;
  /** Extra per-epoch numbers merged into the records. Not part of the hash: prefer registered metrics. */
  onEpoch?: (
    info: EpochInfo,
  ) => void | Record<string, number | string | null> | Promise<void | Record<string, number | string | null>>;
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Checkpoint every this many epochs (default 1); the last epoch is always checkpointed. */
  checkpointEvery?: number;
  accelerate?: "auto" | "on" | "off";
  /** Rethrow NonFiniteError after recording the divergence (default false). */
  throwOnDiverge?: boolean;
}

/** Paths of a run's files. */
export function runPaths(hash: string, dir?: string) {
  const d = path.join(runsRoot(dir), hash);
  return {
    dir: d,
    config: path.join(d, CONFIG_FILE),
    metrics: path.join(d, METRICS_FILE),
    checkpoint: path.join(d, CHECKPOINT_FILE),
    done: path.join(d, DONE_FILE),
  };
}

/** The metric records stored for a run (empty when none). */
export function readMetrics(file: string): MetricRecord[] {
  return fs.existsSync(file) ? parseJsonLines<MetricRecord>(fs.readFileSync(file, "utf8")) : [];
}

function isSpec(x: unknown): x is RunSpec {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as RunSpec).hash === "string" &&
    typeof (x as RunSpec).seed === "number" &&
    "config" in x
  );
}

/**
 * Computes a run (or returns its stored result). `run` is a RunSpec, or a (partial) config with `seed`.
 * See the module comment for the files and the resume/caching rules.
 */
export async function executeRun(
  run: RunSpec | (RunConfigInput & { seed: number }),
  options: ExecuteOptions = {},
): Promise<RunResult> {
  const spec = isSpec(run) ? runSpec(run.config, run.seed) : runSpec(run, run.seed);
  const paths = runPaths(spec.hash, options.dir);
  const cached = (): RunResult => {
    const done = readJson<DoneInfo>(paths.done);
    const records = readMetrics(paths.metrics);
    return {
      hash: spec.hash,
      dir: paths.dir,
      seed: spec.seed,
      config: spec.config,
      status: done.status,
      fromCache: true,
      done,
      records,
      final: done.final,
    };
  };
  if (fs.existsSync(paths.done)) return cached();

  const release = acquireLock(paths.dir);
  let model: Network | null = null;
  try {
    if (fs.existsSync(paths.done)) return cached(); // finished by another process while we waited
    if (!fs.existsSync(paths.config)) {
      const stored: StoredConfig = {
        hash: spec.hash,
        hashFull: runHashFull(spec.config, spec.seed),
        seed: spec.seed,
        config: spec.config,
        code: codeVersion(),
        createdAt: new Date().toISOString(),
      };
      writeJsonAtomic(paths.config, stored);
    }
    let resume = null;
    if (fs.existsSync(paths.checkpoint)) {
      const { checkpoint, meta } = readTrainCheckpoint(paths.checkpoint);
      if (meta.hash !== spec.hash)
        throw new Error(`${paths.checkpoint} belongs to run ${String(meta.hash)}, not ${spec.hash}`);
      resume = checkpoint;
      writeFileAtomic(paths.metrics, toJsonLines(checkpoint.records)); // drop lines written after the checkpoint
    } else if (fs.existsSync(paths.metrics)) {
      fs.rmSync(paths.metrics); // lines from a session that never checkpointed
    }

    const data = options.data ?? (await loadRunData(spec.config.data));
    const dim = data.train.dim ?? data.train.d ?? data.train.x.length / data.train.n;
    if (dim !== spec.config.model.inputDim) {
      throw new Error(
        `run ${spec.hash}: the data has ${dim} features per example but model.inputDim is ${spec.config.model.inputDim}`,
      );
    }
    model = createModel(spec.config.model, spec.seed);
    const metricFns = spec.config.metrics.map((ref) => ({ name: ref.name, fn: getMetric(ref) }));
    const t0 = performance.now();
    const onEpoch = async (info: EpochInfo) => {
      const extra: Record<string, number | string | null> = {};
      for (const { fn } of metricFns) {
        Object.assign(
          extra,
          await fn({
            epoch: info.epoch,
            step: info.step,
            record: info.record,
            model: info.model,
            data,
            seed: spec.seed,
            config: spec.config,
          }),
        );
      }
      const user = options.onEpoch ? await options.onEpoch(info) : undefined;
      if (user) Object.assign(extra, user);
      return extra;
    };
    let status: DoneInfo["status"] = "done";
    let records: MetricRecord[] = [];
    let diagnostic: NonFiniteDiagnostic | undefined;
    let message: string | undefined;
    let steps = 0;
    let matmul = "";
    let divergeError: NonFiniteError | null = null;
    try {
      const result = await train(model, data.train, spec.config.train, {
        seed: spec.seed,
        test: data.test,
        label: options.label ?? `run ${spec.hash}`,
        progress: options.progress,
        onStep: options.onStep,
        onEpoch,
        evalAtStart: spec.config.evalAtStart,
        resume,
        checkpointEvery: options.checkpointEvery ?? 1,
        onRecords: (r) => writeFileAtomic(paths.metrics, toJsonLines(r)),
        onCheckpoint: (c) => writeTrainCheckpoint(paths.checkpoint, c, { hash: spec.hash }),
        accelerate: options.accelerate,
      });
      records = result.records;
      steps = result.steps;
      matmul = result.matmul;
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      status = "diverged";
      divergeError = e;
      diagnostic = e.diagnostic;
      message = e.message;
      records = e.records as MetricRecord[];
      steps = e.diagnostic.step - 1;
      matmul = matmulEngine();
      writeFileAtomic(paths.metrics, toJsonLines(records));
    }
    const epochsDone = records.filter((r): r is EpochRecord => r.kind === "epoch");
    const final = epochsDone.length ? epochsDone[epochsDone.length - 1] : null;
    const done: DoneInfo = {
      hash: spec.hash,
      status,
      epochs: final ? final.epoch : 0,
      steps,
      final,
      finishedAt: new Date().toISOString(),
      wallSeconds: (performance.now() - t0) / 1000,
      resumedFrom: resume ? resume.epoch : null,
      backend: backendReport()?.description ?? tf.getBackend(),
      matmul,
      ...(spec.config.model.kind === "conv" ? { conv: convEngine() } : {}),
      ...(diagnostic ? { diagnostic, message } : {}),
    };
    writeJsonAtomic(paths.done, done);
    if (status === "diverged" && options.throwOnDiverge) throw divergeError;
    return {
      hash: spec.hash,
      dir: paths.dir,
      seed: spec.seed,
      config: spec.config,
      status,
      fromCache: false,
      done,
      records,
      final,
    };
  } finally {
    model?.dispose();
    release();
  }
}

/**
 * A finished run read back for measuring: its model with the final parameters, its stored config and its data (the
 * run's data provider must be registered).
 */
export async function loadRunWithData(
  hash: string,
  dir?: string,
): Promise<{ model: Network; stored: StoredConfig; data: RunData }> {
  const stored = readJson<StoredConfig>(runPaths(hash, dir).config);
  const data = await loadRunData(stored.config.data);
  return { model: loadRunModel(hash, dir), stored, data };
}

/**
 * Training examples [start, start + count) as tensors: x [count, dim], and y as int32 labels [count]
 * (classification) or float targets [count, outputs] (regression). The caller disposes both.
 */
export function trainingSlice(train: TrainData, start: number, count: number): { x: tf.Tensor2D; y: tf.Tensor } {
  const dim = train.x.length / train.n;
  const x = tf.tensor2d(Float32Array.from(train.x.subarray(start * dim, (start + count) * dim)), [count, dim]);
  if (train.y instanceof Int32Array) return { x, y: tf.tensor1d(train.y.subarray(start, start + count), "int32") };
  const out = train.y.length / train.n;
  return { x, y: tf.tensor2d(Float32Array.from(train.y.subarray(start * out, (start + count) * out)), [count, out]) };
}

/** Rebuilds a run's model with the parameters of its latest checkpoint (the final ones for a finished run). */
export function loadRunModel(hash: string, dir?: string): Network {
  const paths = runPaths(hash, dir);
  const stored = readJson<StoredConfig>(paths.config);
  if (!fs.existsSync(paths.checkpoint)) throw new Error(`run ${hash} has no checkpoint (${paths.checkpoint})`);
  const model = createModel(stored.config.model, stored.seed);
  model.setWeights(readTrainCheckpoint(paths.checkpoint).checkpoint.weights);
  return model;
}
