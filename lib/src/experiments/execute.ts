/**
 * Executing a grid of runs through the run cache, for every paper's experiments: finished runs are read back, the
 * rest are spread over worker processes, and every epoch record comes back flat with the run's labels. The caller
 * registers its data providers and metric sets first (`registerP1()`, `registerP2()`); the worker processes
 * register every experiment's (cli/run-worker.ts).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { type ProgressMode, ProgressBar, resolveProgressMode, yieldToEventLoop } from "../display/progress";
import { executeRun, type ExecuteOptions, type RunResult, runPaths } from "../runs/execute";
import { executeRunsParallel, finishedRunLine, workerCount } from "../runs/parallel";
import type { RunSpec } from "../runs/spec";
import type { StepInfo } from "../train/loop";

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

/** executeGrid's options: `executeRun`'s (but `data` and `label`), and how the grid reports (see `executeGrid`). */
export type ExecuteGridOptions = Omit<ExecuteOptions, "data" | "label"> & {
  /**
   * true: no live display, one line per computed run on stdout (the form for logs); false: the live display
   * even where the default is lines. Default: the live display in a notebook or a terminal, lines in CI logs
   * and pipes (decided by `progress` below).
   */
  quiet?: boolean;
  /** Processes in all, this one included (default $SKIPLAB_WORKERS or one per core on wasm/cpu; runs/parallel.ts). */
  workers?: number;
  /** Report a count of the finished runs every n runs instead of one line per run (grids of hundreds of runs). */
  lineEvery?: number;
  /**
   * The display's mode: "auto" (default, or true) decides by where the output goes (display/progress.ts
   * `decideProgressMode`: a notebook → the live HTML display; a terminal → one line redrawn in place; CI=true, pipes,
   * files → lines); "notebook", "tty", "lines" force one; false or "off": no display. SKIPLAB_PROGRESS overrides.
   */
  progress?: ProgressMode | boolean;
};

/**
 * Executes (or reads from the run cache) every request and returns one flat record per run × epoch, in request order.
 * A run with a stored done.json is never recomputed. Runs still to compute are spread over `workers` processes
 * (runs/parallel.ts; default $SKIPLAB_WORKERS or one per core on the wasm and cpu backends; 1 when `onEpoch` or
 * `onStep` is given, since callbacks cannot run in another process).
 *
 * What it shows while it computes (nothing when every run is cached), by default on in notebooks (`npm run
 * reproduce`'s headless ones too: the executed notebook keeps the display's last state) and terminals, and plain
 * lines in CI logs:
 *   - in a notebook (tslab) or a terminal: one live progress display for the whole grid — runs finished (those of
 *     the worker processes included) out of those to compute, the run this process is computing with its epoch and
 *     running loss, elapsed time and ETA — with one line per finished run (with `lineEvery: n`, a count of the
 *     finished runs every n) kept above it;
 *   - outside a notebook with CI=true, or when stderr is a pipe or a file, or with SKIPLAB_PROGRESS=lines: no
 *     display, one line per computed run on stdout (with `lineEvery: n`, a count of the finished runs each time it
 *     passes a multiple of n, and once at the end) — what `quiet: true` always gives;
 *   - with `progress: false` or SKIPLAB_PROGRESS=off: no display, and the same lines as in CI (unless `quiet: false`,
 *     which then prints nothing).
 * `quiet: false` keeps the display where the default would be lines (there: its plain-line form, a line every 10 s
 * on stderr). The per-run bars of the training loop are replaced by the grid's display (worker processes never show
 * any), and while the grid runs quietly SKIPLAB_PROGRESS is set to "off" for the call.
 */
export async function executeGrid(
  requests: readonly GridRunRequest[],
  options: ExecuteGridOptions = {},
): Promise<GridExecuteSummary> {
  const t0 = performance.now();
  const records: GridRecord[] = [];
  const runs: GridExecuteSummary["runs"] = [];
  const { quiet: quietOption, workers, lineEvery = 1, progress, onStep: userOnStep, ...execOptions } = options;
  const requested: ProgressMode =
    progress === false ? "off" : progress === true || progress === undefined ? "auto" : progress;
  const mode = resolveProgressMode(requested);
  const quiet = quietOption ?? (mode === "lines" || mode === "off");
  const labelOf = (r: GridRunRequest) => `${r.condition} L=${r.depth} seed ${r.seed}`;
  const todo = new Set(
    requests.filter((r) => !fs.existsSync(runPaths(r.spec.hash, execOptions.dir).done)).map((r) => r.spec.hash),
  );
  const finishedOnDisk = () => [...todo].filter((h) => fs.existsSync(runPaths(h, execOptions.dir).done)).length;
  // the live display (not quiet, something to compute)
  const display = !quiet && todo.size > 0 ? gridDisplay(todo.size, mode, finishedOnDisk) : null;
  // lineEvery > 1: a count of the finished runs (done.json on disk, whichever process computed them) each time it
  // passes a multiple of lineEvery, and once at the end; the workers' lines can arrive late, so they are not counted
  let nextMark = lineEvery;
  let lastPrinted = -1;
  const print = (line: string) => (display ? display.log(line) : console.log(line));
  const countLine = (final = false) => {
    const n = finishedOnDisk();
    if (final ? n === lastPrinted : n < nextMark) return;
    print(`${n}/${todo.size} runs computed (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    lastPrinted = n;
    nextMark = (Math.floor(n / lineEvery) + 1) * lineEvery;
  };
  const emit = (line: string) => {
    if (!quiet && !display) return;
    if (lineEvery <= 1) print(line);
    else countLine();
    display?.runFinished();
  };
  const announce = (label: string, res: RunResult) => emit(finishedRunLine(label, res));
  // the run workers' lines: a finished run is reported like this process's, anything else (a failure) passes through
  const workerLog = (line: string) =>
    (quiet || display) && /^\[worker \d+\] .*: (done|diverged) in /.test(line) ? emit(line) : print(line);
  // the display follows the run this process computes, step by step
  const onStep = (label: string, epochs: number): ExecuteOptions["onStep"] =>
    !display && !userOnStep
      ? undefined
      : async (info) => {
          if (userOnStep) await userOnStep(info);
          if (display?.step(label, epochs, info)) await yieldToEventLoop();
        };
  const saved = process.env.SKIPLAB_PROGRESS;
  if (quiet) process.env.SKIPLAB_PROGRESS = "off";
  try {
    const callbacks = execOptions.onEpoch !== undefined || userOnStep !== undefined;
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
            const res = await executeRun(spec, {
              ...execOptions,
              progress: false,
              onStep: onStep(label, spec.config.train.epochs),
              label,
            });
            if (!res.fromCache) announce(label, res);
          },
        },
      );
    }
    for (const r of requests) {
      const label = labelOf(r);
      const res: RunResult = await executeRun(r.spec, {
        ...execOptions,
        progress: false,
        onStep: onStep(label, r.spec.config.train.epochs),
        label,
      });
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
    if ((quiet || display) && lineEvery > 1 && todo.size > 0) countLine(true);
  } finally {
    if (quiet) {
      if (saved === undefined) delete process.env.SKIPLAB_PROGRESS;
      else process.env.SKIPLAB_PROGRESS = saved;
    }
    const computed = requests.filter((r) => todo.has(r.spec.hash)).length;
    display?.finish(
      `${computed} run${computed === 1 ? "" : "s"} computed, ${requests.length - computed} from the cache, ` +
        `${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const computed = requests.filter((r) => todo.has(r.spec.hash)).length;
  return { records, runs, computed, cached: requests.length - computed, seconds: (performance.now() - t0) / 1000 };
}

/** The grid's live display: runs finished out of `total`, and the run this process computes. */
interface GridDisplay {
  /** A permanent line above the bar. */
  log(line: string): void;
  /** A run finished (here or in a worker): recount and redraw. */
  runFinished(): void;
  /** A training step of the run this process computes; true when it redrew (then yield to the event loop). */
  step(label: string, epochs: number, info: StepInfo): boolean;
  finish(message: string): void;
}

function gridDisplay(total: number, mode: Exclude<ProgressMode, "auto">, finishedOnDisk: () => number): GridDisplay {
  const bar = new ProgressBar({ total, label: "runs", unit: "runs", mode });
  let done = finishedOnDisk();
  let countedAt = performance.now();
  // the run in this process: its label, epochs, and steps per epoch once its first epoch is over
  let current: { label: string; epochs: number; perEpoch: number; frac: number; text: string } | null = null;
  const render = (force: boolean) =>
    bar.update({ step: Math.min(total, done + (current?.frac ?? 0)), extra: current?.text }, force);
  render(true);
  return {
    log: (line) => bar.log(line),
    runFinished() {
      done = finishedOnDisk();
      countedAt = performance.now();
      current = null;
      render(true);
    },
    step(label, epochs, info) {
      if (current?.label !== label) current = { label, epochs, perEpoch: 0, frac: 0, text: "" };
      // global step = (epoch − 1) · stepsPerEpoch + batch (also after a resume)
      if (info.epoch > 1) current.perEpoch = (info.step - info.batch) / (info.epoch - 1);
      const within = current.perEpoch > 0 ? Math.min(1, info.batch / current.perEpoch) : 0;
      current.frac = Math.min(0.999, (info.epoch - 1 + within) / Math.max(1, epochs));
      const loss = Number.isFinite(info.loss) ? info.loss.toPrecision(4) : String(info.loss);
      current.text = `now ${label}: epoch ${info.epoch}/${epochs}, loss ${loss}`;
      // the workers' runs finish on disk: recount at most once a second
      if (performance.now() - countedAt > 1000) {
        done = finishedOnDisk();
        countedAt = performance.now();
      }
      return render(false);
    },
    finish: (message) => bar.finish(message),
  };
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
