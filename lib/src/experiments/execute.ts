/**
 * Executing a grid of runs through the run cache, for every paper's experiments: finished runs are read back, the
 * rest are spread over worker processes, and every epoch record comes back flat with the run's labels. The caller
 * registers its data providers and metric sets first (`registerP1()`, `registerP2()`); the worker processes
 * register every experiment's (cli/run-worker.ts).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { executeRun, type ExecuteOptions, type RunResult, runPaths } from "../runs/execute";
import { executeRunsParallel, finishedRunLine, workerCount } from "../runs/parallel";
import type { RunSpec } from "../runs/spec";

/** One run of a grid, with the labels its records carry. */
export interface GridRunRequest {
  /** Architecture or family, e.g. "plain". */
  arch: string;
  /** Free label for the figure (an arm, an init condition…). */
  condition: string;
  depth: number;
  width: number;
  seed: number;
  spec: RunSpec;
}

/** One epoch record of one run, flattened, with the run's labels. */
export interface GridRecord {
  hash: string;
  arch: string;
  condition: string;
  depth: number;
  width: number;
  seed: number;
  status: string;
  epoch: number;
  train_acc: number | null;
  train_loss: number;
  test_acc: number | null;
  test_loss: number | null;
  [metric: string]: number | string | null;
}

export interface GridExecuteSummary {
  records: GridRecord[];
  /** Per run: hash, labels, fromCache, wall seconds of the computing session. */
  runs: Array<{
    hash: string;
    arch: string;
    condition: string;
    depth: number;
    seed: number;
    fromCache: boolean;
    wallSeconds: number;
    status: string;
  }>;
  /** Runs computed now / taken from the cache. */
  computed: number;
  cached: number;
  seconds: number;
}

/**
 * Executes (or reads from the run cache) every request and returns one flat record per run × epoch, in request order.
 * A run with a stored done.json is never recomputed. Runs still to compute are spread over `workers` processes
 * (runs/parallel.ts; default $SKIPLAB_WORKERS or one per core on the wasm and cpu backends; 1 when `onEpoch` or
 * `onStep` is given, since callbacks cannot run in another process). By default (`quiet`, the default) the per-epoch progress
 * display is switched off for the call (also overriding SKIPLAB_PROGRESS, which the headless reproduce command sets
 * to "lines") and one line per computed run is printed instead (with `lineEvery: n`, for grids of hundreds of runs,
 * a count of the finished runs instead, each time it passes a multiple of n and once at the end); `quiet: false`
 * keeps the progress display.
 */
export async function executeGrid(
  requests: readonly GridRunRequest[],
  options: Omit<ExecuteOptions, "data" | "label"> & { quiet?: boolean; workers?: number; lineEvery?: number } = {},
): Promise<GridExecuteSummary> {
  const t0 = performance.now();
  const records: GridRecord[] = [];
  const runs: GridExecuteSummary["runs"] = [];
  const { quiet = true, workers, lineEvery = 1, ...execOptions } = options;
  const labelOf = (r: GridRunRequest) => `${r.condition} L=${r.depth} seed ${r.seed}`;
  const todo = new Set(
    requests.filter((r) => !fs.existsSync(runPaths(r.spec.hash, execOptions.dir).done)).map((r) => r.spec.hash),
  );
  // lineEvery > 1: a count of the finished runs (done.json on disk, whichever process computed them) each time it
  // passes a multiple of lineEvery, and once at the end; the workers' lines can arrive late, so they are not counted
  let nextMark = lineEvery;
  let lastPrinted = -1;
  const countLine = (final = false) => {
    const n = [...todo].filter((h) => fs.existsSync(runPaths(h, execOptions.dir).done)).length;
    if (final ? n === lastPrinted : n < nextMark) return;
    console.log(`${n}/${todo.size} runs computed (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    lastPrinted = n;
    nextMark = (Math.floor(n / lineEvery) + 1) * lineEvery;
  };
  const emit = (line: string) => {
    if (!quiet) return;
    if (lineEvery <= 1) console.log(line);
    else countLine();
  };
  const announce = (label: string, res: RunResult) => emit(finishedRunLine(label, res));
  // the run workers' lines: a finished run is reported like this process's, anything else (a failure) passes through
  const workerLog = (line: string) =>
    quiet && /^\[worker \d+\] .*: (done|diverged) in /.test(line) ? emit(line) : console.log(line);
  const saved = process.env.SKIPLAB_PROGRESS;
  if (quiet) process.env.SKIPLAB_PROGRESS = "off";
  try {
    const callbacks = execOptions.onEpoch !== undefined || execOptions.onStep !== undefined;
    const nWorkers = callbacks ? 1 : workerCount(tf.getBackend(), { workers });
    if (nWorkers > 1 && todo.size > 1) {
      const byHash = new Map(requests.map((r) => [r.spec.hash, r]));
      await executeRunsParallel(
        requests.filter((r) => todo.has(r.spec.hash)).map((r) => ({ ...r.spec, label: labelOf(r) })),
        {
          workers: nWorkers,
          backend: tf.getBackend(),
          dir: execOptions.dir,
          accelerate: execOptions.accelerate,
          checkpointEvery: execOptions.checkpointEvery,
          log: workerLog,
          execute: async (spec) => {
            const label = labelOf(byHash.get(spec.hash)!);
            const res = await executeRun(spec, { progress: false, ...execOptions, label });
            if (!res.fromCache) announce(label, res);
          },
        },
      );
    }
    for (const r of requests) {
      const label = labelOf(r);
      const res: RunResult = await executeRun(r.spec, { progress: false, ...execOptions, label });
      if (!res.fromCache) announce(label, res);
      runs.push({
        hash: res.hash,
        arch: r.arch,
        condition: r.condition,
        depth: r.depth,
        seed: r.seed,
        fromCache: !todo.has(res.hash),
        wallSeconds: res.done.wallSeconds,
        status: res.status,
      });
      for (const rec of res.records) {
        if ((rec as { kind?: string }).kind !== "epoch") continue;
        records.push({
          ...(rec as Record<string, number | string | null>),
          hash: res.hash,
          arch: r.arch,
          condition: r.condition,
          depth: r.depth,
          width: r.width,
          seed: r.seed,
          status: res.status,
        } as GridRecord);
      }
    }
    if (quiet && lineEvery > 1 && todo.size > 0) countLine(true);
  } finally {
    if (quiet) {
      if (saved === undefined) delete process.env.SKIPLAB_PROGRESS;
      else process.env.SKIPLAB_PROGRESS = saved;
    }
  }
  const computed = requests.filter((r) => todo.has(r.spec.hash)).length;
  return { records, runs, computed, cached: requests.length - computed, seconds: (performance.now() - t0) / 1000 };
}

/** The last epoch record of every run, in first-seen order. */
export function finalRecords<R extends GridRecord>(records: readonly R[]): R[] {
  const last = new Map<string, R>();
  for (const r of records) {
    const prev = last.get(r.hash);
    if (!prev || r.epoch > prev.epoch) last.set(r.hash, r);
  }
  return [...last.values()];
}
