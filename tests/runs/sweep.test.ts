import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  type SweepSpec,
  expandSweep,
  loadRuns,
  parseShard,
  runRows,
  runsFrame,
  setPath,
  shard,
  sweepCommand,
} from "../../lib/src/runs";

const spec: SweepSpec = {
  name: "test-sweep",
  base: {
    model: { inputDim: 8, outputDim: 2, depth: 2, width: 8 },
    train: { epochs: 2, batchSize: 32, optimizer: "adam" },
    data: { name: "gaussian-mixture", n: 96, dim: 8, classes: 2 },
  },
  grid: {
    "model.skip": ["none", "identity", { type: "matrix", matrix: "mean" }],
    "train.optimizer.lr": [1e-3, 1e-2],
  },
  seeds: 2,
};

describe("sweeps and shards", () => {
  it("expands the cartesian product of the grid × seeds, dropping duplicates", () => {
    const runs = expandSweep(spec);
    expect(runs.length).toBe(3 * 2 * 2);
    expect(new Set(runs.map((r) => r.hash)).size).toBe(12);
    expect(runs[0].point).toEqual({ "model.skip": "none", "train.optimizer.lr": 1e-3, seed: 0 });
    expect(runs[0].config.train.optimizer).toEqual({
      type: "adam",
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      decoupled: false,
    });
    // a grid value equal to the default gives the same run as the base: kept once
    const dup = expandSweep({ ...spec, grid: { "model.activation": ["relu", "relu"] }, seeds: [0] });
    expect(dup.length).toBe(1);
    const o: Record<string, unknown> = { a: "adam" };
    setPath(o, "a.lr", 2);
    expect(o).toEqual({ a: { type: "adam", lr: 2 } });
  });

  it("the union of all shards is the sweep, with no run twice, sizes within one, independent of grid order", () => {
    const runs = expandSweep(spec);
    for (const n of [1, 2, 3, 5, 12, 20]) {
      const parts = Array.from({ length: n }, (_, i) => shard(runs, i, n));
      const all = parts.flat().map((r) => r.hash);
      expect(all.length).toBe(runs.length);
      expect(new Set(all).size).toBe(runs.length);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    const reordered = expandSweep({
      ...spec,
      grid: { "train.optimizer.lr": [1e-2, 1e-3], "model.skip": [...spec.grid!["model.skip"]].reverse() },
    });
    for (let i = 0; i < 3; i++)
      expect(shard(reordered, i, 3).map((r) => r.hash)).toEqual(shard(runs, i, 3).map((r) => r.hash));
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    expect(() => parseShard("8/8")).toThrow(/0 ≤ i < N/);
    expect(() => parseShard("x")).toThrow(/i\/N/);
  });
});

describe("skiplab sweep command and loading results", () => {
  let root: string;
  let file: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-sweep-"));
    file = path.join(root, "sweep.json");
    fs.writeFileSync(file, JSON.stringify({ ...spec, grid: { "model.skip": ["none", "identity"] } }));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("runs shard by shard; together the shards finish the whole sweep; a second pass computes nothing", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const dir = path.join(root, "runs");
    try {
      expect(await sweepCommand([file, "--shard", "0/2", "--dir", dir, "--progress", "off"])).toBe(0);
      expect(loadRuns(dir).length).toBe(2);
      expect(await sweepCommand([file, "--shard=1/2", "--dir", dir, "--progress", "off"])).toBe(0);
      expect(loadRuns(dir).length).toBe(4);
      log.mockClear();
      expect(await sweepCommand([file, "--dir", dir, "--list"])).toBe(0);
      expect(String(log.mock.calls[0][0])).toMatch(/4 of 4 runs \(4 done, 0 diverged, 0 partial, 0 new\)/);
      log.mockClear();
      expect(await sweepCommand([file, "--dir", dir, "--progress", "off"])).toBe(0);
      expect(log.mock.calls.filter((c) => /already done/.test(String(c[0]))).length).toBe(4);
    } finally {
      log.mockRestore();
    }
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await sweepCommand([])).toBe(2);
      expect(await sweepCommand([file, "--shard", "3/2"])).toBe(2);
      expect(await sweepCommand([path.join(root, "missing.json")])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it("loads runs into flat rows and one danfo DataFrame (one row per run × epoch)", () => {
    const dir = path.join(root, "runs");
    const runs = loadRuns(expandSweep(JSON.parse(fs.readFileSync(file, "utf8"))), { dir });
    expect(runs.length).toBe(4);
    const rows = runRows(runs);
    expect(rows.length).toBe(4 * 2);
    expect(Object.keys(rows[0])).toEqual(
      expect.arrayContaining([
        "hash",
        "seed",
        "status",
        "model.skip.type",
        "epoch",
        "train_loss",
        "train_acc",
        "wall_s",
      ]),
    );
    expect(Object.keys(rows[0])).not.toContain("model.depth"); // not varying
    expect(runRows(runs, { configColumns: ["model.depth"] })[0]["model.depth"]).toBe(2);
    const df = runsFrame(runs);
    expect(df.shape).toEqual([8, Object.keys(rows[0]).length]);
    expect(() => loadRuns(["0123456789abcdef"], { dir })).toThrow(/no run/);
  });
});
