/**
 * runs/parallel.ts: the orders the processes walk, the worker count, and what happens when a worker cannot run
 * (its runs are computed by the caller, and the failure is reported). That two processes compute bitwise what one
 * does is tested on paper 1's protocol (tests/experiments/p1-protocol.test.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { type RunConfigInput, runPaths, runSpec } from "../../lib/src/runs";
import { executeRunsParallel, workerCount, workerOrder } from "../../lib/src/runs/parallel";

const config: RunConfigInput = {
  model: { inputDim: 6, outputDim: 3, depth: 2, width: 8, skip: "identity" },
  train: { epochs: 2, batchSize: 32, optimizer: { type: "adam", lr: 3e-3 } },
  data: { name: "gaussian-mixture", n: 128, nTest: 32, dim: 6, classes: 3 },
};

describe("parallel runs", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-parallel-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("walks the list from both ends with two processes, and from staggered starts with more", () => {
    expect(workerOrder(5, 0, 2)).toEqual([0, 1, 2, 3, 4]);
    expect(workerOrder(5, 1, 2)).toEqual([4, 3, 2, 1, 0]);
    expect(workerOrder(6, 1, 3)).toEqual([2, 3, 4, 5, 0, 1]);
    expect(workerOrder(6, 2, 3)).toEqual([4, 5, 0, 1, 2, 3]);
  });

  it("uses one process per core on wasm and cpu, one on GPU backends, and what it is told", () => {
    const cores = os.availableParallelism();
    expect(workerCount("wasm", { env: {} })).toBe(cores);
    expect(workerCount("webgpu", { env: {} })).toBe(1);
    expect(workerCount("webgpu", { env: { SKIPLAB_WORKERS: "3" } })).toBe(3);
    expect(workerCount("wasm", { workers: 1, env: { SKIPLAB_WORKERS: "3" } })).toBe(1);
    expect(() => workerCount("wasm", { env: { SKIPLAB_WORKERS: "two" } })).toThrow(/SKIPLAB_WORKERS/);
  });

  it("a worker that cannot start is reported, and its runs are computed by the caller", async () => {
    const specs = [0, 1, 2].map((seed) => runSpec(config, seed));
    const lines: string[] = [];
    const report = await executeRunsParallel(specs, {
      workers: 2,
      backend: "no-such-backend",
      dir: root,
      log: (l) => lines.push(l),
    });
    expect(report.computedHere).toBe(3);
    expect(report.childFailures).toHaveLength(1);
    expect(report.childFailures[0]).toMatch(/worker 1 exited with 1: .*'no-such-backend' is not a backend/);
    expect(lines.some((l) => l.includes("computed here instead"))).toBe(true);
    for (const s of specs) expect(fs.existsSync(runPaths(s.hash, root).done)).toBe(true);
    // nothing left to do: no worker is started at all
    const again = await executeRunsParallel(specs, { workers: 2, backend: "wasm", dir: root });
    expect(again).toEqual({ workers: 1, computedHere: 0, skipped: 0, childFailures: [] });
  }, 60_000);
});
