/**
 * Running one run as data: results live under `<runs root>/<hash>/`:
 *
 *   config.json      the complete config, seed, full hash and code version (written first)
 *   metrics.jsonl    one JSON line per epoch (and per logged step), rewritten atomically after every epoch
 *   checkpoint.bin   the latest checkpoint (checkpoint.ts): params, optimizer state, epoch/step position, records
 *   done.json        written last: status ("done" or "diverged"), final record, steps, wall time, backend, and
 *                    `contents`: the record counts and the sizes and sha256 of metrics.jsonl and checkpoint.bin
 *   lock             while a process computes the run
 *
 * A run with done.json is never recomputed: `executeRun` returns its stored results, after checking them against
 * `contents` (`checkRun`). A damaged finished run is recomputed from its checkpoint when that is intact (with a note on
 * stderr), else refused with a RunDamagedError that names the file and the command that clears the run. A run with a checkpoint but no
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
import type { TrainCheckpoint } from "../train/loop";
import { decodeArrays, readTrainCheckpoint, writeTrainCheckpoint } from "./checkpoint";
import {
  acquireLock,
  parseJsonLines,
  readJson,
  removeStaleTmpFiles,
  runsRoot,
  sha256File,
  sha256Of,
  shellQuote,
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
  /** What the finished run's files contain (absent in done.json files written before this field existed). */
  contents?: DoneContents;
}

/** done.json `contents`: checked whenever the run is read (`checkRun`). */
export interface DoneContents {
  /** Epoch records, and all records (epoch and step lines), in metrics.jsonl. */
  epochRecords: number;
  records: number;
  metrics: { bytes: number; sha256: string };
  /** The final checkpoint.bin; null when none was written (a run that diverged before its first checkpoint). */
  checkpoint: { bytes: number; sha256: string; epoch: number } | null;
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
  /** Notes about repairs (a damaged run recomputed from its checkpoint, stale temporary files); default stderr. */
  onNote?: (message: string) => void;
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

/** A damaged file of a run: which, and what is wrong with it. */
export interface RunProblem {
  file: string;
  problem: string;
}

/** What `checkRun` found. */
export interface RunCheck {
  hash: string;
  dir: string;
  /** done / diverged / partial (a checkpoint, no done.json) / new (nothing computed) / damaged (see `problems`). */
  status: "done" | "diverged" | "partial" | "new" | "damaged";
  problems: RunProblem[];
  stored: StoredConfig | null;
  done: DoneInfo | null;
  /** A finished run's records, read strictly (null when not read or unreadable). */
  records: MetricRecord[] | null;
  /** A finished run whose done.json predates `contents`: counts and the final record checked, no hashes. */
  unverified: boolean;
}

export interface CheckRunOptions {
  /** The hash the run must have (default: the folder's name). */
  hash?: string;
  /**
   * Which files to hash: "none" (sizes, counts and parsing only), "metrics" (default: also metrics.jsonl's sha256,
   * for readers of the records), "all" (also checkpoint.bin's sha256, and an old or unfinished run's checkpoint
   * decoded).
   */
  hashes?: "none" | "metrics" | "all";
}

/** Reads a checkpoint to resume from: the checkpoint, or why it cannot be (it does not decode, or is another run's). */
function readCheckpointChecked(file: string, hash: string): { checkpoint: TrainCheckpoint } | { problem: string } {
  try {
    const { checkpoint, meta } = readTrainCheckpoint(file);
    if (meta.hash !== undefined && meta.hash !== hash)
      return { problem: `belongs to run ${String(meta.hash)}, not ${hash}` };
    return { checkpoint };
  } catch (e) {
    return { problem: (e as Error).message.replace(`${file}: `, "") };
  }
}

/** Why a checkpoint file cannot be resumed from, or null when it can. */
function checkpointProblem(file: string, hash: string): string | null {
  const r = readCheckpointChecked(file, hash);
  return "problem" in r ? r.problem : null;
}

/**
 * Checks a run folder against what its done.json records (`DoneContents`): config.json and done.json parse,
 * metrics.jsonl has the recorded size, counts (and sha256), checkpoint.bin the recorded size (and sha256). Reads
 * nothing else and changes nothing.
 */
export function checkRun(dir: string, options: CheckRunOptions = {}): RunCheck {
  const hash = options.hash ?? path.basename(dir);
  const hashes = options.hashes ?? "metrics";
  const p = {
    config: path.join(dir, CONFIG_FILE),
    done: path.join(dir, DONE_FILE),
    metrics: path.join(dir, METRICS_FILE),
    checkpoint: path.join(dir, CHECKPOINT_FILE),
  };
  const problems: RunProblem[] = [];
  const bad = (file: string, problem: string) => problems.push({ file, problem });
  const exists = (f: string) => fs.existsSync(f);
  const out: RunCheck = {
    hash,
    dir,
    status: "new",
    problems,
    stored: null,
    done: null,
    records: null,
    unverified: false,
  };

  if (exists(p.config)) {
    try {
      const c = JSON.parse(fs.readFileSync(p.config, "utf8")) as StoredConfig;
      if (!c || typeof c.hash !== "string" || typeof c.seed !== "number" || typeof c.config !== "object")
        bad(p.config, "incomplete (no hash, seed or config)");
      else if (c.hash !== hash) bad(p.config, `belongs to run ${c.hash}, not ${hash}`);
      else out.stored = c;
    } catch (e) {
      bad(p.config, `not valid JSON (${(e as Error).message})`);
    }
  } else if (exists(p.done) || exists(p.checkpoint)) bad(p.config, "missing");

  const hasDone = exists(p.done);
  if (hasDone) {
    try {
      const d = JSON.parse(fs.readFileSync(p.done, "utf8")) as DoneInfo;
      if (!d || (d.status !== "done" && d.status !== "diverged") || typeof d.epochs !== "number")
        bad(p.done, "incomplete (no status or epoch count)");
      else out.done = d;
    } catch (e) {
      bad(p.done, `not valid JSON (${(e as Error).message})`);
    }
  }
  const done = out.done;
  if (done) {
    const c = done.contents;
    if (!exists(p.metrics)) bad(p.metrics, "missing");
    else {
      const bytes = fs.readFileSync(p.metrics);
      if (c && bytes.length !== c.metrics.bytes)
        bad(p.metrics, `${bytes.length} bytes, but done.json records ${c.metrics.bytes} (truncated or changed)`);
      else {
        const lines = bytes.toString("utf8").split("\n");
        const records: MetricRecord[] = [];
        let parsed = true;
        for (let i = 0; i < lines.length && parsed; i++) {
          if (lines[i].trim() === "") continue;
          try {
            records.push(JSON.parse(lines[i]) as MetricRecord);
          } catch {
            bad(p.metrics, `line ${i + 1} is not valid JSON`);
            parsed = false;
          }
        }
        if (parsed) {
          const epochs = records.filter((r): r is EpochRecord => r.kind === "epoch");
          const last = epochs.length ? epochs[epochs.length - 1] : null;
          if (c) {
            if (records.length !== c.records || epochs.length !== c.epochRecords)
              bad(
                p.metrics,
                `${records.length} records (${epochs.length} epochs), but done.json records ${c.records} (${c.epochRecords} epochs)`,
              );
            else if (hashes !== "none" && sha256Of(bytes) !== c.metrics.sha256)
              bad(p.metrics, "its sha256 differs from the one done.json records");
          } else {
            out.unverified = true;
            if (done.final && (!last || last.epoch !== done.final.epoch || last.train_loss !== done.final.train_loss))
              bad(
                p.metrics,
                `ends at epoch ${last ? last.epoch : "none"}, but done.json's final epoch is ${done.final.epoch} (truncated?)`,
              );
          }
          if (problems.every((x) => x.file !== p.metrics)) out.records = records;
        }
      }
    }
    const ck = c ? c.checkpoint : undefined;
    if (ck) {
      if (!exists(p.checkpoint)) bad(p.checkpoint, "missing");
      else {
        const size = fs.statSync(p.checkpoint).size;
        if (size !== ck.bytes)
          bad(p.checkpoint, `${size} bytes, but done.json records ${ck.bytes} (truncated or changed)`);
        else if (hashes === "all" && sha256File(p.checkpoint) !== ck.sha256)
          bad(p.checkpoint, "its sha256 differs from the one done.json records");
      }
    } else if (ck === undefined) {
      // written by an older version: a finished run has a checkpoint unless it diverged in its first epoch
      if (!exists(p.checkpoint)) {
        if (done.status === "done" && done.epochs > 0) bad(p.checkpoint, "missing");
      } else if (hashes === "all") {
        const why = checkpointProblem(p.checkpoint, hash);
        if (why) bad(p.checkpoint, why);
      }
    }
  } else if (exists(p.checkpoint) && hashes === "all") {
    const why = checkpointProblem(p.checkpoint, hash);
    if (why) bad(p.checkpoint, why);
  }
  out.status = problems.length
    ? "damaged"
    : done
      ? done.status
      : hasDone
        ? "damaged"
        : exists(p.checkpoint)
          ? "partial"
          : "new";
  return out;
}

/** The command that clears a run (it is then recomputed from scratch when asked for). */
export function clearRunCommand(dir: string): string {
  return `rm -r ${shellQuote(dir)}`;
}

/** The command that repairs a run what can be repaired, else clears it (`skiplab runs verify --fix`). */
export function repairRunCommand(dir: string): string {
  return `npx skiplab runs verify --fix --dir ${shellQuote(path.dirname(dir))} ${path.basename(dir)}`;
}

/** The fix for a damaged run whose checkpoint was not looked at. */
export function repairOrClearHint(dir: string): string {
  return (
    `Repair it with: ${repairRunCommand(dir)} (a run with an intact checkpoint is kept and resumed from it by its ` +
    `sweep or executeRun; any other is cleared), or clear it with: ${clearRunCommand(dir)}`
  );
}

/** A run whose files are damaged and cannot be recomputed from a good checkpoint. */
export class RunDamagedError extends Error {
  constructor(
    readonly hash: string,
    readonly dir: string,
    readonly problems: RunProblem[],
    /** The fix (default: the command that clears the run). */
    readonly fix = `It cannot be recomputed from a good checkpoint; clear it (it is then recomputed from scratch) with: ${clearRunCommand(dir)}`,
  ) {
    super(`run ${hash} is damaged: ${describeProblems(problems)}. ${fix}`);
    this.name = "RunDamagedError";
  }
}

/** Describes a check's problems in one phrase: "<file>: <problem>; …". */
export function describeProblems(problems: RunProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.problem}`).join("; ");
}

export type RepairOutcome =
  | { action: "repaired"; note: string }
  | { action: "resume"; note: string; checkpoint: TrainCheckpoint | null }
  | { action: "refuse"; error: RunDamagedError };

/**
 * What to do with a damaged run (hold its lock): metrics.jsonl rewritten from the final checkpoint when that gives
 * exactly the bytes done.json records; else, when every damaged file is done.json or metrics.jsonl and the
 * checkpoint is intact (or there is none and none is recorded), done.json is removed and the run resumes from its
 * checkpoint; else refused. A damaged config.json is rewritten from `stored` when given, else refused.
 */
export function repairRun(dir: string, check: RunCheck, stored: StoredConfig | null = null): RepairOutcome {
  const p = {
    config: path.join(dir, CONFIG_FILE),
    done: path.join(dir, DONE_FILE),
    metrics: path.join(dir, METRICS_FILE),
    checkpoint: path.join(dir, CHECKPOINT_FILE),
  };
  const refuse = (problems = check.problems): RepairOutcome => ({
    action: "refuse",
    error: new RunDamagedError(check.hash, dir, problems),
  });
  const files = new Set(check.problems.map((x) => x.file));
  if (files.has(p.checkpoint)) return refuse();
  if (files.has(p.config) && !stored) return refuse();
  let checkpoint: TrainCheckpoint | null = null;
  if (fs.existsSync(p.checkpoint)) {
    const recorded = check.done?.contents?.checkpoint;
    if (recorded && sha256File(p.checkpoint) !== recorded.sha256)
      return refuse([
        ...check.problems,
        { file: p.checkpoint, problem: "its sha256 differs from the one done.json records" },
      ]);
    const read = readCheckpointChecked(p.checkpoint, check.hash);
    if ("problem" in read) return refuse([...check.problems, { file: p.checkpoint, problem: read.problem }]);
    checkpoint = read.checkpoint;
  } else if (check.done?.contents?.checkpoint || (check.done && !check.done.contents && check.done.status === "done"))
    return refuse([...check.problems, { file: p.checkpoint, problem: "missing" }]);
  if (files.has(p.config) && stored) writeJsonAtomic(p.config, stored);
  const what = describeProblems(check.problems.filter((x) => x.file !== p.config));
  if (!what) return { action: "repaired", note: `run ${check.hash}: rewrote ${p.config} (it was damaged)` };
  const c = check.done?.contents;
  if (c && checkpoint && !files.has(p.done)) {
    const text = toJsonLines(checkpoint.records);
    if (sha256Of(text) === c.metrics.sha256) {
      writeFileAtomic(p.metrics, text);
      return {
        action: "repaired",
        note: `run ${check.hash}: ${what}; restored it from ${p.checkpoint} (its sha256 matches done.json's)`,
      };
    }
  }
  fs.rmSync(p.done, { force: true });
  return {
    action: "resume",
    checkpoint,
    note: checkpoint
      ? `run ${check.hash}: ${what}; recomputing it from its last good checkpoint (epoch ${checkpoint.epoch}, ${p.checkpoint})`
      : `run ${check.hash}: ${what}; it has no checkpoint, recomputing it from the start`,
  };
}

/** The RunSpec of a config with `seed` (the seed is not part of the config). */
function specOf({ seed, ...config }: RunConfigInput & { seed: number }): RunSpec {
  return runSpec(config, seed);
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
  const spec = isSpec(run) ? runSpec(run.config, run.seed) : specOf(run);
  const paths = runPaths(spec.hash, options.dir);
  const note = options.onNote ?? ((m: string) => console.warn(m));
  const cached = (check: RunCheck): RunResult => {
    const done = check.done!;
    return {
      hash: spec.hash,
      dir: paths.dir,
      seed: spec.seed,
      config: spec.config,
      status: done.status,
      fromCache: true,
      done,
      records: check.records!,
      final: done.final,
    };
  };
  const finished = (c: RunCheck) => c.status === "done" || c.status === "diverged";
  if (fs.existsSync(paths.done)) {
    const c = checkRun(paths.dir, { hash: spec.hash });
    if (finished(c)) return cached(c);
  }

  const release = acquireLock(paths.dir);
  let model: Network | null = null;
  try {
    const stored: StoredConfig = {
      hash: spec.hash,
      hashFull: runHashFull(spec.config, spec.seed),
      seed: spec.seed,
      config: spec.config,
      code: codeVersion(),
      createdAt: new Date().toISOString(),
    };
    for (const f of removeStaleTmpFiles(paths.dir)) note(`run ${spec.hash}: removed ${f} (left by a killed write)`);
    let resume: TrainCheckpoint | null = null;
    let resumeRead = false;
    if (fs.existsSync(paths.done) || fs.existsSync(paths.config)) {
      // finished by another process while we waited, or damaged
      const c = checkRun(paths.dir, { hash: spec.hash });
      if (finished(c)) return cached(c);
      if (c.status === "damaged") {
        const r = repairRun(paths.dir, c, stored);
        if (r.action === "refuse") throw r.error;
        note(r.note);
        if (r.action === "repaired") {
          const again = checkRun(paths.dir, { hash: spec.hash });
          if (finished(again)) return cached(again);
          if (again.status === "damaged") throw new RunDamagedError(spec.hash, paths.dir, again.problems);
        } else {
          resume = r.checkpoint;
          resumeRead = true;
        }
      }
    }
    if (!fs.existsSync(paths.config)) writeJsonAtomic(paths.config, stored);
    if (!resumeRead && fs.existsSync(paths.checkpoint)) {
      const read = readCheckpointChecked(paths.checkpoint, spec.hash);
      if ("problem" in read)
        throw new RunDamagedError(spec.hash, paths.dir, [{ file: paths.checkpoint, problem: read.problem }]);
      resume = read.checkpoint;
    }
    if (resume) {
      writeFileAtomic(paths.metrics, toJsonLines(resume.records)); // drop lines written after the checkpoint
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
    const metricsText = toJsonLines(records);
    writeFileAtomic(paths.metrics, metricsText); // exactly the records returned, whatever the last callback wrote
    let checkpointInfo: DoneContents["checkpoint"] = null;
    if (fs.existsSync(paths.checkpoint)) {
      const bytes = fs.readFileSync(paths.checkpoint);
      const { meta } = decodeArrays(bytes, paths.checkpoint);
      checkpointInfo = { bytes: bytes.length, sha256: sha256Of(bytes), epoch: meta.epoch as number };
    }
    const contents: DoneContents = {
      epochRecords: epochsDone.length,
      records: records.length,
      metrics: { bytes: Buffer.byteLength(metricsText, "utf8"), sha256: sha256Of(metricsText) },
      checkpoint: checkpointInfo,
    };
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
      contents,
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
  // integer labels (Int32Array, or bytes as TrainData allows) are classes; float targets are regression
  if (train.y instanceof Int32Array || train.y instanceof Uint8Array)
    return { x, y: tf.tensor1d(Int32Array.from(train.y.subarray(start, start + count)), "int32") };
  const out = train.y.length / train.n;
  return { x, y: tf.tensor2d(Float32Array.from(train.y.subarray(start * out, (start + count) * out)), [count, out]) };
}

/** Rebuilds a run's model with the parameters of its latest checkpoint (the final ones for a finished run). */
export function loadRunModel(hash: string, dir?: string): Network {
  const paths = runPaths(hash, dir);
  const check = checkRun(paths.dir, { hash, hashes: "all" });
  if (check.status === "damaged") throw new RunDamagedError(hash, paths.dir, check.problems);
  const stored = readJson<StoredConfig>(paths.config);
  if (!fs.existsSync(paths.checkpoint)) throw new Error(`run ${hash} has no checkpoint (${paths.checkpoint})`);
  const model = createModel(stored.config.model, stored.seed);
  model.setWeights(readTrainCheckpoint(paths.checkpoint).checkpoint.weights);
  return model;
}
