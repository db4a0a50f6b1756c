#!/usr/bin/env node
/**
 * A child process of `executeRunsParallel` (runs/parallel.ts): computes, in its own order, the runs of a worker file
 * that are neither finished nor locked by another process, and prints one line per run it computed.
 *
 *   node lib/dist/cli/run-worker.js FILE --worker k/n --backend wasm [--dir RUNS]
 *
 * Every experiment's data providers and metric sets are registered first (`registerExperiments`).
 *
 * It exits when its parent does (checked every 2 s), so an interrupted notebook leaves no orphan behind; the run it
 * was computing resumes from its last checkpoint next time.
 */
import * as fs from "node:fs";
import { initBackend, parseBackendName } from "../engine/ladder";
import { registerExperiments } from "../experiments";
import { executeRun } from "../runs/execute";
import { RunLockedError } from "../runs/files";
import { finishedRunLine, type WorkerFile, workerOrder } from "../runs/parallel";
import { runSpec } from "../runs/spec";

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  const worker = option(argv, "worker");
  const m = worker ? /^(\d+)\/(\d+)$/.exec(worker) : null;
  if (!file || !m) {
    console.error("usage: run-worker FILE --worker k/n --backend NAME [--dir RUNS]");
    return 2;
  }
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(3);
  }, 2000).unref();
  registerExperiments();
  const backend = parseBackendName(option(argv, "backend"));
  await initBackend(backend ? { force: backend } : {});
  const payload = JSON.parse(fs.readFileSync(file, "utf8")) as WorkerFile;
  const dir = option(argv, "dir");
  for (const i of workerOrder(payload.runs.length, Number(m[1]), Number(m[2]))) {
    const r = payload.runs[i];
    const spec = runSpec(r.config, r.seed);
    if (spec.hash !== r.hash) {
      console.error(`run-worker: run ${r.hash} hashes to ${spec.hash} in this process; not computing it`);
      return 1;
    }
    try {
      const res = await executeRun(spec, {
        dir,
        progress: false,
        accelerate: payload.accelerate,
        checkpointEvery: payload.checkpointEvery,
      });
      if (!res.fromCache) console.log(finishedRunLine(r.label ?? r.hash, res));
    } catch (e) {
      if (!(e instanceof RunLockedError)) throw e;
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // the message on one line first (the parent reports it), then the stack
    console.error(`run-worker failed: ${e instanceof Error ? e.message.split("\n").join(" ") : String(e)}`);
    if (e instanceof Error && e.stack) console.error(e.stack);
    process.exit(1);
  },
);
