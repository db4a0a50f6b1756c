/**
 * Runs a list of cached runs on several cores: the calling process and `workers − 1` child processes walk the same
 * list, each from its own starting point (the caller from the front; with two processes the child from the back),
 * and each computes the runs that are neither finished nor locked by another process. tfjs' wasm backend uses one
 * core per process, so on the 2-core machines two processes halve a sweep's wall time.
 *
 * The children register every experiment's data providers and metric sets (cli/run-worker.ts), so a run's config
 * must name registered ones, as any cached run's does. Nothing depends on the children for correctness: a run is a pure function of its spec (content-hashed, same
 * backend in every process), the run cache's lock keeps two processes off the same run, and the caller afterwards
 * reads every run through `executeRun`, which computes whatever a child did not finish (a child that crashed is
 * reported with its last lines of output). A child exits when its parent does.
 *
 * Workers: `options.workers`, else $SKIPLAB_WORKERS, else the number of cores (`os.availableParallelism`), on the
 * wasm and cpu backends; 1 on GPU backends (processes would queue for the one device).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runPaths, executeRun, type ExecuteOptions, type RunResult } from "./execute";
import { RunLockedError } from "./files";
import type { RunSpec } from "./spec";

export const WORKERS_ENV = "SKIPLAB_WORKERS";

export interface ParallelOptions {
  /** Processes in all, the caller included (see the module comment for the default). */
  workers?: number;
  /** The tfjs backend the children use: the caller's (e.g. "wasm"). */
  backend: string;
  /** Runs root (default: $SKIPLAB_RUNS_DIR or <checkout>/data/runs). */
  dir?: string;
  /** Computes one run in the caller (default: `executeRun` with progress off). */
  execute?: (spec: LabelledSpec) => Promise<unknown>;
  /** Passed to `executeRun` in the children. */
  accelerate?: ExecuteOptions["accelerate"];
  checkpointEvery?: number;
  /** Where the children's lines go (default console.log). */
  log?: (line: string) => void;
  env?: Record<string, string | undefined>;
}

export interface ParallelReport {
  workers: number;
  /** Runs this process computed, and those found finished or locked by another process when it got to them. */
  computedHere: number;
  skipped: number;
  /** One line per child that did not exit cleanly. */
  childFailures: string[];
}

/** The one line a computed run gets in a log: "label: done in 3.2 s, final train acc 0.812 (hash)". */
export function finishedRunLine(label: string, res: RunResult): string {
  const acc = res.final?.train_acc;
  return `${label}: ${res.status} in ${res.done.wallSeconds.toFixed(1)} s, final train acc ${typeof acc === "number" ? acc.toFixed(3) : "n/a"} (${res.hash})`;
}

/** A run spec with the label its progress line shows. */
export type LabelledSpec = RunSpec & { label?: string };

/** What the caller writes for its children: the runs, in the caller's order, and how to execute them. */
export interface WorkerFile {
  runs: Array<{ config: RunSpec["config"]; seed: number; hash: string; label?: string }>;
  accelerate?: ExecuteOptions["accelerate"];
  checkpointEvery?: number;
}

/** The worker count (module comment). */
export function workerCount(
  backend: string,
  options: { workers?: number; env?: Record<string, string | undefined> } = {},
) {
  const env = options.env ?? process.env;
  const asked = options.workers ?? (env[WORKERS_ENV] ? Number(env[WORKERS_ENV]) : undefined);
  if (asked !== undefined) {
    if (!Number.isInteger(asked) || asked < 1)
      throw new Error(`${WORKERS_ENV} / workers must be a whole number ≥ 1, got ${String(asked)}`);
    return asked;
  }
  if (backend !== "wasm" && backend !== "cpu") return 1;
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** The order worker k of n walks a list of m runs: a rotation starting at k·m/n (the last of two walks backwards). */
export function workerOrder(m: number, k: number, n: number): number[] {
  const idx = Array.from({ length: m }, (_, i) => i);
  if (n === 2 && k === 1) return idx.reverse();
  const start = Math.floor((k * m) / n);
  return idx.map((i) => (i + start) % m);
}

/** The compiled worker entry (lib/dist/cli/run-worker.js), also when this module runs from lib/src under vitest. */
function workerEntry(): string {
  const here = __dirname;
  const dist = here.includes(`${path.sep}src${path.sep}`)
    ? path.join(here, "..", "..", "dist", "cli", "run-worker.js")
    : path.join(here, "..", "cli", "run-worker.js");
  if (!fs.existsSync(dist))
    throw new Error(`the run worker ${dist} is missing: build the library first (npm run build)`);
  return dist;
}

/**
 * Computes the runs of `specs` that are not finished yet, on `workers` processes (module comment). Returns when
 * every process is done; the caller then reads the runs (finished ones come from the cache).
 */
export async function executeRunsParallel(specs: readonly LabelledSpec[], o: ParallelOptions): Promise<ParallelReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const pending = specs.filter((s) => !fs.existsSync(runPaths(s.hash, o.dir).done));
  const workers = Math.min(workerCount(o.backend, o), Math.max(1, pending.length));
  const report: ParallelReport = { workers, computedHere: 0, skipped: 0, childFailures: [] };
  if (pending.length === 0) return report;
  const children: Array<{ child: ChildProcess; done: Promise<void> }> = [];
  let file: string | null = null;
  if (workers > 1) {
    file = path.join(os.tmpdir(), `skiplab-runs-${process.pid}-${Date.now()}.json`);
    const payload: WorkerFile = {
      runs: pending.map((s) => ({ config: s.config, seed: s.seed, hash: s.hash, label: s.label })),
      accelerate: o.accelerate,
      checkpointEvery: o.checkpointEvery,
    };
    fs.writeFileSync(file, JSON.stringify(payload));
    const entry = workerEntry();
    for (let k = 1; k < workers; k++) {
      const args = [entry, file, "--worker", `${k}/${workers}`, "--backend", o.backend];
      if (o.dir) args.push("--dir", o.dir);
      const child = spawn(process.execPath, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...(o.env ?? process.env), SKIPLAB_PROGRESS: "off" },
      });
      let tail = "";
      const keep = (d: Buffer) => {
        tail = (tail + d.toString()).slice(-4000);
      };
      child.stdout!.on("data", (d: Buffer) => {
        for (const line of d.toString().split("\n")) if (line.trim()) log(`[worker ${k}] ${line}`);
      });
      child.stderr!.on("data", keep);
      const done = new Promise<void>((resolve) => {
        child.on("error", (e) => {
          report.childFailures.push(`worker ${k}: ${e.message}`);
          resolve();
        });
        child.on("close", (code, signal) => {
          if (code !== 0) {
            const lines = tail.trim().split("\n");
            const said = lines.find((l) => l.startsWith("run-worker")) ?? lines.slice(-5).join(" | ");
            report.childFailures.push(`worker ${k} exited with ${code ?? signal}: ${said || "no output"}`);
          }
          resolve();
        });
      });
      children.push({ child, done });
    }
  }
  const killAll = () => children.forEach(({ child }) => child.kill());
  process.once("exit", killAll);
  try {
    const run =
      o.execute ??
      ((s: LabelledSpec) =>
        executeRun(s, { dir: o.dir, progress: false, accelerate: o.accelerate, checkpointEvery: o.checkpointEvery }));
    for (const i of workerOrder(pending.length, 0, workers)) {
      const s = pending[i];
      if (fs.existsSync(runPaths(s.hash, o.dir).done)) {
        report.skipped++;
        continue;
      }
      try {
        await run(s);
        report.computedHere++;
      } catch (e) {
        if (e instanceof RunLockedError) report.skipped++;
        else throw e;
      }
    }
    await Promise.all(children.map((c) => c.done));
  } finally {
    process.removeListener("exit", killAll);
    killAll();
    if (file) fs.rmSync(file, { force: true });
  }
  for (const f of report.childFailures) log(`run worker failed (its runs are computed here instead): ${f}`);
  return report;
}
