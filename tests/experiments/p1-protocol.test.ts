/**
 * Paper 1's shared protocol: a tiny smoke config runs through the run cache, a second call reads the cache
 * (does not retrain), the records carry the metric keys, and the aggregation helpers are right on known inputs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  type P1Protocol,
  meanSem,
  p1Execute,
  p1FinalRecords,
  p1Grid,
  p1InputDim,
  p1MetricSet,
  p1Protocol,
  p1SweepSpec,
  ranks,
  spearman,
} from "../../lib/src/experiments";
import { expandSweep, runSpec } from "../../lib/src/runs";

const tiny = (): P1Protocol => {
  const p = p1Protocol("smoke");
  return {
    ...p,
    data: { ...p.data, nTrain: 120, nTest: 40, pca: 8 },
    depth: 4,
    width: 6,
    archs: ["plain", "residual"],
    seeds: [0],
    train: { epochs: 2, batchSize: 40, optimizer: { type: "adam", lr: 3e-3 } },
    measures: { probe: 40, hess: "mid", hessAt: [0] },
  };
};

describe("p1 protocol", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-p1-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("runs a tiny grid, caches it, and records the metric keys", async () => {
    const p = tiny();
    expect(p1InputDim(p.data)).toBe(8);
    const grid = p1Grid(p);
    expect(grid.map((g) => g.arch)).toEqual(["plain", "residual"]);
    const first = await p1Execute(grid, { dir: root });
    expect(first.computed).toBe(2);
    const epochs = first.records.filter((r) => r.arch === "plain").map((r) => r.epoch);
    expect(epochs).toEqual([0, 1, 2]);
    for (const r of first.records) {
      for (const k of [
        "train_acc",
        "train_loss",
        "test_acc",
        "test_loss",
        "layers.dead_frac_mean",
        "layers.act_overlap_frac_mean",
        "layers.small_sv_frac_mean",
        "L2.dead_frac",
        "L2.act_overlap_frac",
        "L2.small_sv_frac",
      ]) {
        expect(r, k).toHaveProperty([k]);
      }
    }
    // the Hessian at epoch 0 (hessAt) and at the last epoch, not in between
    const plain = first.records.filter((r) => r.arch === "plain");
    expect(typeof plain[0]["hess.mid.deg_rel"]).toBe("number");
    expect(plain[1]["hess.mid.deg_rel"]).toBeUndefined();
    expect(typeof plain[2]["hess.mid.deg_rel"]).toBe("number");
    const before = tf.memory().numTensors;
    const second = await p1Execute(grid, { dir: root });
    expect(second.computed).toBe(0);
    expect(second.cached).toBe(2);
    expect(second.runs.every((r) => r.fromCache)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const strip = (rs: typeof first.records) => rs.map(({ wall_s, ...r }) => r);
    expect(strip(second.records)).toEqual(strip(first.records));
    expect(p1FinalRecords(second.records).map((r) => r.epoch)).toEqual([2, 2]);
  }, 120_000);

  it("a run worker process computes exactly what the caller computes; two processes together compute every run once", async () => {
    const p = { ...tiny(), seeds: [0, 1], train: { ...tiny().train, epochs: 20 } };
    const grid = p1Grid(p);
    const one = await p1Execute(grid, { dir: path.join(root, "one"), workers: 1 });
    // every run computed by a run worker alone (cli/run-worker.js, as executeRunsParallel spawns it), then read back
    const file = path.join(root, "worker-file.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        runs: grid.map((r) => ({ config: r.spec.config, seed: r.spec.seed, hash: r.spec.hash, label: r.condition })),
      }),
    );
    const entry = path.join(__dirname, "../../lib/dist/cli/run-worker.js");
    const w = spawnSync(
      process.execPath,
      [entry, file, "--worker", "1/2", "--backend", "wasm", "--dir", path.join(root, "worker")],
      {
        encoding: "utf8",
        env: { ...process.env, SKIPLAB_PROGRESS: "off" },
      },
    );
    expect(w.status, w.stderr).toBe(0);
    expect(w.stdout.split("\n").filter((l) => / done in /.test(l)).length).toBe(4);
    const byWorker = await p1Execute(grid, { dir: path.join(root, "worker"), workers: 1 });
    expect(byWorker.computed).toBe(0);
    // every number bitwise equal, except the timings (wall_s, hess.seconds)
    const strip = (rs: typeof one.records) =>
      rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "wall_s" && !k.endsWith("seconds"))));
    expect(strip(byWorker.records)).toEqual(strip(one.records));
    expect(Object.keys(strip(one.records)[0]).length).toBeGreaterThan(20);
    // the caller and a worker together: every run computed once, the same numbers (who computes which run depends on
    // timing: the worker needs a second to start)
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(" "));
    let two;
    try {
      two = await p1Execute(grid, { dir: path.join(root, "two"), workers: 2 });
    } finally {
      console.log = log;
    }
    expect(two.computed).toBe(4);
    expect(lines.filter((l) => / seed \d: done in /.test(l)).length).toBe(4);
    expect(strip(two.records)).toEqual(strip(one.records));
  }, 180_000);

  it("lineEvery: a count line every n computed runs (the workers' included) instead of one line per run", async () => {
    const grid = p1Grid({ ...tiny(), seeds: [0, 1, 2] });
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(" "));
    try {
      await p1Execute(grid, { dir: path.join(root, "counted"), workers: 2, lineEvery: 4 });
    } finally {
      console.log = log;
    }
    expect(lines.filter((l) => / done in /.test(l))).toEqual([]);
    // a count (of the runs finished on disk, whichever process computed them) once it passes 4, and one at the end
    const counts = lines.map((l) => l.replace(/ \(\d+ s\)$/, ""));
    expect(counts.every((l) => /^[4-6]\/6 runs computed$/.test(l))).toBe(true);
    expect(counts.length).toBeLessThanOrEqual(2);
    expect(counts.at(-1)).toBe("6/6 runs computed");
  }, 120_000);

  it("the measures are a typed metric set whose options reach the hash; sweep specs expand to the grid's hashes", () => {
    const p = tiny();
    const ref = p1MetricSet({ ...p.measures, hessAt: [3, 0, 1, 1] });
    expect(ref).toEqual({
      name: "p1-measures",
      version: 2,
      params: { probe: p.measures.probe, hess: p.measures.hess, hessAt: [0, 1, 3] },
    });
    // equal meanings hash equal, other options do not
    const spec = (m: typeof p.measures) =>
      runSpec({ model: p1Grid(p)[0].spec.config.model, data: { ...p.data }, metrics: [p1MetricSet(m)] }, 0).hash;
    expect(spec({ ...p.measures, hessAt: [1, 0] })).toBe(spec({ ...p.measures, hessAt: [0, 1, 1] }));
    expect(spec({ ...p.measures, probe: p.measures.probe + 1 })).not.toBe(spec(p.measures));
    const sweep = expandSweep(p1SweepSpec(p, "tiny"));
    expect(new Set(sweep.map((s) => s.hash))).toEqual(new Set(p1Grid(p).map((g) => g.spec.hash)));
  });

  it("mean ± s.e.m. and Spearman ρ on known inputs", () => {
    const rows = [
      { a: "x", v: 1 },
      { a: "x", v: 3 },
      { a: "y", v: 2 },
      { a: "y", v: Infinity },
    ];
    const m = meanSem(rows, ["a"], "v");
    expect(m[0]).toMatchObject({ a: "x", mean: 2, n: 2 });
    expect(m[0].sem).toBeCloseTo(1, 12);
    expect(m[1]).toMatchObject({ a: "y", mean: 2, n: 1, nonFinite: 1 });
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4, 5], [2, 4, 8, 16, 32]).rho).toBeCloseTo(1, 12);
    const s = spearman([1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1], { permutations: 500 });
    expect(s.rho).toBeCloseTo(-1, 12);
    expect(s.p).toBeLessThan(0.01);
  });
});

describe("registration", () => {
  it("importing the experiments registers nothing; registerExperiments() registers paper 1's data providers", async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    const spec = await import("../../lib/src/runs/spec");
    await import("../../lib/src/experiments");
    const names = () => spec.dataProviders().map((p) => p.name);
    expect(names()).not.toContain("p1-data");
    expect(names()).not.toContain("p1v-data");
    const { registerExperiments } = await import("../../lib/src/experiments");
    registerExperiments();
    registerExperiments(); // idempotent
    expect(names().filter((n) => n.startsWith("p1"))).toEqual(["p1-data", "p1v-data"]);
  });
});
