/**
 * Sharded, cached loss surfaces (runs/surface.ts): shards computed separately — two of them as concurrent
 * `skiplab surface` processes — assemble into exactly the surface computed in one piece; a shard resumes (computes
 * nothing twice); a missing row is named; the spec hash covers every field.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { registerExperiments } from "../../lib/src/experiments";
import { lossSurface } from "../../lib/src/metrics/loss-surface";
import { networkParamSet } from "../../lib/src/metrics/network-context";
import {
  assembleSurface,
  computeSurfaceShard,
  executeRun,
  loadRunModel,
  loadRunData,
  runSpec,
  shardRows,
  surfaceHash,
  surfacePaths,
  surfaceSpec,
} from "../../lib/src/runs";

let root: string;
let run: string;
const grid = { x: { min: -1, max: 1, num: 5 }, y: { min: -0.5, max: 0.5, num: 4 } };

beforeAll(async () => {
  await initBackend({ force: "wasm" });
  registerExperiments();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-surface-"));
  const spec = runSpec(
    {
      model: { kind: "conv", family: "resnet", depth: 8, width: 2, inputShape: [8, 8, 1], outputDim: 10 },
      train: { epochs: 1, batchSize: 50, optimizer: { type: "sgd", lr: 0.05 } },
      data: { name: "p2-data", dataset: "fashion-mnist", nTrain: 100, nTest: 20, downsample: 8, subsetSeed: 0 },
    },
    3,
  );
  run = (await executeRun(spec, { dir: root, progress: false })).hash;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("sharded loss surfaces", () => {
  it("shards assemble into the one-piece surface; concurrent CLI shards and a resumed shard agree", async () => {
    const spec = surfaceSpec({ run, examples: 60, seed: 4, ...grid });
    // shard 0 of 2 in this process
    const a = await computeSurfaceShard(spec, { index: 0, count: 2 }, { dir: root, batch: 25 });
    expect(a.computed).toEqual([0, 2]);
    expect(assembleSurface(spec, { dir: root }).missing).toEqual([1, 3]);
    expect(() => assembleSurface(spec, { dir: root, requireComplete: true })).toThrow(
      /rows 1, 3 of 4 are missing.*--shard/,
    );
    // shards 1/2 and (again) 0/2 as two concurrent processes: 0/2 finds its rows stored
    const file = path.join(root, "s.json");
    fs.writeFileSync(file, JSON.stringify(spec));
    const cli = path.join(__dirname, "../../lib/dist/cli/main.js");
    const runShard = (i: number) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [cli, "surface", file, "--shard", `${i}/2`, "--dir", root], {
          env: { ...process.env, SKIPLAB_BACKEND: "wasm" },
        });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("close", (code) => resolve({ code, out }));
      });
    const [r0, r1] = await Promise.all([runShard(0), runShard(1)]);
    expect(r1.code, r1.out).toBe(0);
    expect(r0.code, r0.out).toBe(0);
    expect(r0.out).toMatch(/0 rows computed, 2 already stored/);
    expect(r1.out).toMatch(/2 rows computed, 0 already stored/);
    const again = await computeSurfaceShard(spec, { index: 1, count: 2 }, { dir: root });
    expect(again.computed).toEqual([]);

    // the reference: the whole grid in one piece, same directions, same loss
    const asm = assembleSurface(spec, { dir: root, requireComplete: true });
    const model = loadRunModel(run, root);
    const data = await loadRunData({
      name: "p2-data",
      dataset: "fashion-mnist",
      nTrain: 100,
      nTest: 20,
      downsample: 8,
      subsetSeed: 0,
    });
    const x = tf.tensor2d((data.train.x as Float32Array).subarray(0, 60 * 64), [60, 64]);
    const y = tf.tensor1d((data.train.y as Int32Array).subarray(0, 60), "int32");
    const ref = await lossSurface(
      () => tf.tidy(() => model.loss(model.forward(x, { training: false, updateStats: false }).output, y) as tf.Scalar),
      networkParamSet(model),
      { seed: 4, ...grid },
    );
    tf.dispose([x, y]);
    model.dispose();
    expect(asm.losses.length).toBe(20);
    for (let k = 0; k < 20; k++) expect(asm.losses[k]).toBeCloseTo(ref.losses[k], 5);
    // the centre column (x = 0) at y = ±0.5 is off the minimum's row; the grid is not flat
    expect(Math.max(...asm.losses) - Math.min(...asm.losses)).toBeGreaterThan(1e-3);
  }, 120_000);

  it("the spec hash covers every field; bad specs and shards are refused", () => {
    const base = surfaceSpec({ run: "0123456789abcdef", examples: 10, seed: 1, ...grid });
    const h = surfaceHash(base);
    for (const change of [
      { examples: 11 },
      { seed: 2 },
      { x: { ...grid.x, num: 6 } },
      { y: { ...grid.y, max: 0.6 } },
      { norm: "layer" as const },
      { ignore: "none" as const },
      { run: "0123456789abcdee" },
    ])
      expect(surfaceHash({ ...base, ...change }), JSON.stringify(change)).not.toBe(h);
    expect(surfacePaths(base, root).dir.endsWith(path.join("surfaces", h))).toBe(true);
    expect(() => surfaceSpec({ ...base, run: "not a hash" })).toThrow(/run hash/);
    expect(() => surfaceSpec({ ...base, examples: 0 })).toThrow(/examples/);
    expect(shardRows(7, 1, 3)).toEqual([1, 4]);
    expect(() => shardRows(7, 3, 3)).toThrow(/0 ≤ i < N/);
  });

  it("refuses a run that is not finished", async () => {
    await expect(
      computeSurfaceShard({ run: "0123456789abcdef", examples: 10, seed: 1, ...grid }, undefined, { dir: root }),
    ).rejects.toThrow(/not finished/);
  });
});
