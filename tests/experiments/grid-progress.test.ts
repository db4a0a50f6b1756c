/**
 * The grid executor's display (experiments/execute.ts `executeGrid`, and `p1Execute` through it): by default a live
 * display in a notebook (tslab's display writer, faked here the way a kernel provides it) and in a terminal, one
 * line per computed run in CI logs and pipes; `quiet: true` always lines, `quiet: false` always the display.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { executeGrid, type P1RunRequest, p1Execute } from "../../lib/src/experiments";
import { type RunConfigInput, runSpec } from "../../lib/src/runs";

const config = (epochs: number): RunConfigInput => ({
  model: { inputDim: 6, outputDim: 3, depth: 2, width: 8, skip: "identity" },
  train: { epochs, batchSize: 16, optimizer: { type: "adam", lr: 3e-3 } },
  data: { name: "gaussian-mixture", n: 96, nTest: 32, dim: 6, classes: 3 },
});

let salt = 0;
/** Two fresh runs of two epochs (another batch size each call, so nothing is cached). */
function grid(): P1RunRequest[] {
  salt++;
  return [0, 1].map((seed) => ({
    arch: "residual",
    condition: `c${salt}`,
    depth: 2,
    width: 8,
    seed,
    spec: runSpec({ ...config(2), train: { ...config(2).train, batchSize: 16 + salt } }, seed),
  }));
}

type Written = { data: Record<string, string>; transient: { display_id: string } };
const req = createRequire(__filename);
const jupyterPath = req.resolve("tslab/dist/jupyter");

/** Makes this process look like a tslab kernel (the display writer display/progress.ts looks up). */
function fakeKernel(): Written[] {
  const written: Written[] = [];
  req.cache[jupyterPath] = {
    id: jupyterPath,
    filename: jupyterPath,
    loaded: true,
    exports: { lastWriteDisplayData: (d: Written) => void written.push(d) },
  } as unknown as NodeJS.Module;
  return written;
}

function captureLog(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  return lines;
}

describe("the grid executor's progress display", () => {
  let root: string;
  const env = { ...process.env };
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-gridprog-"));
  });
  afterEach(() => {
    delete req.cache[jupyterPath];
    vi.restoreAllMocks();
    for (const k of ["CI", "SKIPLAB_PROGRESS"]) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
    Object.defineProperty(process.stderr, "isTTY", { value: undefined, configurable: true });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("in a notebook, by default: one live display for the grid, updated in place, with the finished runs", async () => {
    delete process.env.SKIPLAB_PROGRESS;
    process.env.CI = "true"; // a notebook shows the display in CI too
    const written = fakeKernel();
    const lines = captureLog();
    const res = await executeGrid(grid(), { dir: root, workers: 1 });
    expect(res.computed).toBe(2);
    expect(lines).toEqual([]); // nothing printed: the lines are in the display
    expect(written.length).toBeGreaterThan(2);
    expect(new Set(written.map((w) => w.transient.display_id)).size).toBe(1);
    const texts = written.map((w) => w.data["text/plain"]);
    expect(texts[0]).toMatch(/^runs .*0\/2 runs/);
    expect(texts.some((t) => /now c\d+ L=2 seed \d: epoch \d\/2, loss \d/.test(t))).toBe(true);
    const last = texts.at(-1)!;
    expect(last).toMatch(/seed 0: done in .*\n.*seed 1: done in /);
    expect(last).toMatch(/2 runs computed, 0 from the cache/);
    expect(last).toMatch(/100% · 2\/2 runs/);
    expect(written.at(-1)!.data["text/html"]).toContain("<progress");
    // every run cached: no display at all
    const again = fakeKernel();
    const cached = grid();
    await executeGrid(cached, { dir: root, workers: 1, quiet: true });
    const n = again.length;
    await executeGrid(cached, { dir: root, workers: 1 });
    expect(again.length).toBe(n);
  }, 120_000);

  it("p1Execute(grid, { quiet: false }) shows the display (it showed nothing before); quiet: true prints lines", async () => {
    const written = fakeKernel();
    process.env.SKIPLAB_PROGRESS = "lines"; // lines by default, as a log file wants them…
    const lines = captureLog();
    await p1Execute(grid(), { dir: root, workers: 1 });
    expect(written).toEqual([]);
    expect(lines.filter((l) => / seed \d: done in /.test(l)).length).toBe(2);
    lines.length = 0;
    delete process.env.SKIPLAB_PROGRESS;
    await p1Execute(grid(), { dir: root, workers: 1, quiet: false }); // …and quiet: false keeps the display
    expect(written.length).toBeGreaterThan(2);
    expect(lines).toEqual([]);
    written.length = 0;
    await p1Execute(grid(), { dir: root, workers: 1, quiet: true });
    expect(written).toEqual([]);
    expect(lines.filter((l) => / seed \d: done in /.test(l)).length).toBe(2);
  }, 120_000);

  it("in a terminal: a line redrawn in place on stderr; with CI=true or a pipe: one line per run on stdout", async () => {
    delete process.env.SKIPLAB_PROGRESS;
    delete process.env.CI;
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === "string" && /runs/.test(chunk)) {
        err.push(chunk);
        return true;
      }
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write);
    let lines = captureLog();
    await executeGrid(grid(), { dir: root, workers: 1, lineEvery: 2 });
    expect(lines).toEqual([]);
    expect(err.some((e) => /^\rruns \[[#-]+\] +\d+% · [01]\/2 runs · now c\d+ L=2 seed \d: epoch/.test(e))).toBe(true);
    expect(err.some((e) => /2\/2 runs computed \(\d+ s\)\n/.test(e))).toBe(true);
    vi.restoreAllMocks();
    lines = captureLog();
    process.env.CI = "true";
    await executeGrid(grid(), { dir: root, workers: 1 });
    expect(lines.filter((l) => / seed \d: done in /.test(l)).length).toBe(2);
    delete process.env.CI;
    lines.length = 0;
    Object.defineProperty(process.stderr, "isTTY", { value: undefined, configurable: true });
    await executeGrid(grid(), { dir: root, workers: 1, lineEvery: 2 });
    expect(lines.map((l) => l.replace(/ \(\d+ s\)$/, ""))).toEqual(["2/2 runs computed"]);
  }, 120_000);
});
