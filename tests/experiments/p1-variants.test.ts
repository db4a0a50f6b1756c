/**
 * Paper 1, Figs. E–G conditions on the shared protocol: conditions resolve to the intended model configs, the
 * references hash like the protocol's own grid (so figures share cached runs), a tiny Fig. E/G sweep runs through
 * the cache and is read back without retraining, the teacher–student provider is deterministic, sweep files expand
 * to the same hashes, and the claim statistics are right on known inputs. The plot builders are pure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  type FigGDataSpec,
  type P1Protocol,
  curveAuc,
  degenerateFraction,
  figEConditions,
  figFCellScores,
  figFGrid,
  figFGridCells,
  figFRequests,
  figFScreeningProtocol,
  figFSelect,
  figGConditions,
  figGInputDim,
  figGRequests,
  gapRecovered,
  loadVariantData,
  monotoneSteps,
  p1Execute,
  p1Grid,
  p1Protocol,
  variantRequests,
  variantRunRows,
  variantSweepSpecs,
  type VariantRunRow,
} from "../../lib/src/experiments";
import { expandSweep } from "../../lib/src/runs";
import { meanSemPanelsFigure, recoveredGapFigure, variantColor } from "../../lib/src/plots/p1-variants";

const tiny = (): P1Protocol => {
  const p = p1Protocol("smoke");
  return {
    ...p,
    data: { ...p.data, nTrain: 120, nTest: 40, pca: 8 },
    depth: 4,
    width: 6,
    seeds: [0],
    train: { epochs: 2, batchSize: 40, optimizer: { type: "adam", lr: 3e-3 } },
    measures: { probe: 40, hess: "mid", hessAt: [0] },
  };
};

const figEOpts = {
  negIdentityEps: [0.1],
  negativeMean: [0.1],
  duplicatedFraction: 0.5,
  identityEps: [0.1],
  plainOrthogonal: false,
};

describe("p1 variants: conditions", () => {
  it("Fig. E conditions set the intended inits; the references hash like the protocol grid", () => {
    const p = tiny();
    const cs = figEConditions(p, figEOpts);
    expect(cs.map((c) => c.key)).toEqual([
      "residual",
      "plain",
      "res-negid-0.1",
      "res-negmean-0.1",
      "res-dup-0.5",
      "plain-id-0.1",
    ]);
    const reqs = variantRequests(p, cs);
    const model = (key: string) =>
      reqs.find((r) => r.condition === key)!.spec.config.model as unknown as Record<string, any>;
    expect(model("res-negid-0.1").init).toEqual({ type: "neg-identity", eps: 0.1 });
    expect(model("res-negid-0.1").skip).toEqual({ type: "identity" });
    expect(model("res-negmean-0.1").init.std).toBeCloseTo(Math.sqrt(2 / p.width) / Math.sqrt(p.depth), 12);
    expect(model("res-dup-0.5").init).toEqual({
      type: "duplicated",
      fraction: 0.5,
      base: "he",
      gain: 1 / Math.sqrt(p.depth),
    });
    expect(model("plain-id-0.1").skip).toEqual({ type: "none" });
    const grid = p1Grid(p, { archs: ["plain", "residual"] });
    const hash = (arch: string) => grid.find((g) => g.arch === arch)!.spec.hash;
    expect(reqs.find((r) => r.condition === "plain")!.spec.hash).toBe(hash("plain"));
    expect(reqs.find((r) => r.condition === "residual")!.spec.hash).toBe(hash("residual"));
  });

  it("Fig. F: the grid's cells, their runs (lr per cell; the protocol's lr hashes like the references), the selection", () => {
    const p = tiny();
    const grid = figFGrid("quick", { ...p, depth: 6 });
    expect(grid.bnLayers).toEqual([1, 4, 6]);
    const cells = figFGridCells(grid);
    // (plain, residual, 3 × BN) × 3 lr + (1 + 3 BN placements) × 27 regularisers × 3 lr
    expect(cells.length).toBe(5 * 3 + 4 * 27 * 3);
    expect(new Set(cells.map((c) => c.key)).size).toBe(cells.length);
    const smoke = figFGrid("smoke", p);
    expect(smoke.lrs).toEqual([(p.train.optimizer as { lr: number }).lr]);
    const nBn = smoke.bnLayers.length;
    expect(figFGridCells(smoke).length).toBe(2 + nBn + 3 + 3 * nBn); // plain, residual, BN, reg (3 forms), both
    const plainCell = figFGridCells(smoke).find((c) => c.family === "plain")!;
    const reqs = figFRequests(p, [plainCell, ...figFGridCells(smoke).filter((c) => c.family === "both@1")], [0]);
    expect(reqs[0].spec.hash).toBe(p1Grid(p, { archs: ["plain"], seeds: [0] })[0].spec.hash);
    const model = (i: number) => reqs[i].spec.config.model as unknown as Record<string, any>;
    expect(reqs.slice(1).map((r, i) => [model(i + 1).batchNorm, model(i + 1).biasRegularizer?.form ?? "l2"])).toEqual([
      [[1], "l2"],
      [[1], "random"],
      [[1], "hinge"],
    ]);
    const at = (lr: number) => figFRequests(p, [{ ...plainCell, lr }], [0])[0].spec.config.train.optimizer;
    expect(at(0.01)).toMatchObject({ lr: 0.01 });
    // sweep files for cells at several learning rates compute exactly the requested runs
    const mixed = figFRequests(
      p,
      [plainCell, { ...plainCell, lr: 0.01 }, { ...plainCell, key: "r", arch: "residual" }],
      [0, 1],
    );
    const specs = variantSweepSpecs(mixed, "f");
    expect(specs.length).toBe(2);
    expect(new Set(specs.flatMap((sp) => expandSweep(sp).map((r) => r.hash)))).toEqual(
      new Set(mixed.map((r) => r.spec.hash)),
    );
    // screening runs skip the Hessian, so they hash apart from the confirmation runs
    const screened = figFRequests(figFScreeningProtocol(p), [plainCell], [0])[0];
    expect(screened.spec.hash).not.toBe(reqs[0].spec.hash);
    // selection: the best mean AUC per family; a diverged seed ranks its cell last
    const fam = cells.filter((c) => c.family === "bn@4");
    const rows = fam.flatMap((c, i) =>
      [0, 1].map((seed) => ({
        condition: c.key,
        seed,
        hash: `${c.key}${seed}`,
        status: i === 2 && seed === 1 ? "diverged" : "done",
        auc: [0.4, 0.6, 0.9][i] + 0.01 * seed,
        deadFinal: 0.1,
      })),
    ) as unknown as VariantRunRow[];
    const scored = figFCellScores(rows, fam, [0, 1]);
    expect(scored.map((c) => c.score)).toEqual([0.405, 0.605, -Infinity]);
    const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
    expect(best.lr).toBe(grid.lrs[1]);
    expect(() => figFSelect(rows, grid, [0, 1])).toThrow(/no cell of family "plain" has a finite AUC/);
    // with every other cell at AUC 0.3, figFSelect picks bn@4's best cell and reports its runner-up
    const others = cells
      .filter((c) => c.family !== "bn@4")
      .flatMap((c) =>
        [0, 1].map((seed) => ({
          condition: c.key,
          seed,
          hash: `${c.key}${seed}`,
          status: "done",
          auc: 0.3,
          deadFinal: 0,
        })),
      ) as unknown as VariantRunRow[];
    const chosen = figFSelect([...rows, ...others], grid, [0, 1])["bn@4"];
    expect([chosen.lr, chosen.bn, chosen.auc, chosen.runnerUp, chosen.cells]).toEqual([
      grid.lrs[1],
      4,
      0.605,
      0.405,
      3,
    ]);
  });

  it("Fig. G degenerate skips carry p; the teacher–student data are deterministic and shaped", () => {
    const cs = figGConditions([0, 0.5, 1]);
    expect(cs.map((c) => c.key)).toEqual(["p=0", "p=0.5", "p=1", "identity", "plain"]);
    expect(cs[1].extra!.skip).toEqual({ type: "matrix", matrix: "degenerate", zeroFraction: 0.5 });
    const spec: FigGDataSpec = {
      name: "p1v-data",
      dataset: "teacher-student",
      nTrain: 50,
      nTest: 20,
      dim: 8,
      downsample: null,
      pca: null,
      subsetSeed: 3,
      teacherWidths: [8],
    };
    expect(figGInputDim(spec)).toBe(8);
    const a = loadVariantData(spec as Extract<FigGDataSpec, { name: "p1v-data" }>);
    const b = loadVariantData({ ...(spec as Extract<FigGDataSpec, { name: "p1v-data" }>) });
    expect(a.train.n).toBe(50);
    expect(a.test!.n).toBe(20);
    expect(Array.from(a.train.y as Int32Array).every((y) => y >= 0 && y < 10)).toBe(true);
    expect(Array.from(b.train.x.slice(0, 16))).toEqual(Array.from(a.train.x.slice(0, 16)));
  });
});

describe("p1 variants: runs", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-p1v-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("a tiny Fig. G sweep on two data sets runs, caches, summarises and expands to the same hashes", async () => {
    const p = tiny();
    const datasets: Array<{ key: string; data: FigGDataSpec }> = [
      { key: "blobs", data: p.data },
      {
        key: "teacher",
        data: {
          name: "p1v-data",
          dataset: "teacher-student",
          nTrain: 120,
          nTest: 40,
          dim: 8,
          downsample: null,
          pca: null,
          subsetSeed: 0,
          teacherWidths: [8],
        },
      },
    ];
    const reqs = figGRequests(p, datasets, figGConditions([0, 1], { identity: false, plain: false }));
    expect(reqs.map((r) => r.condition)).toEqual(["blobs|p=0", "blobs|p=1", "teacher|p=0", "teacher|p=1"]);
    const first = await p1Execute(reqs, { dir: root });
    expect(first.computed).toBe(4);
    const rows = variantRunRows(first.records);
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(Number.isFinite(r.trainAcc)).toBe(true);
      expect(Number.isFinite(r.degInit)).toBe(true);
      expect(Number.isFinite(r.degFinal)).toBe(true);
      expect(r.auc).toBeCloseTo(
        curveAuc(first.records.filter((x) => x.hash === r.hash && x.epoch >= 1).map((x) => Number(x.train_acc))),
        12,
      );
    }
    const before = tf.memory().numTensors;
    const second = await p1Execute(reqs, { dir: root });
    expect(second.computed).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const specs = variantSweepSpecs(reqs, "tiny-g");
    expect(specs).toHaveLength(2);
    const hashes = new Set(specs.flatMap((s) => expandSweep(s).map((r) => r.hash)));
    expect(hashes).toEqual(new Set(reqs.map((r) => r.spec.hash)));
  }, 120_000);
});

describe("p1 variants: statistics and plots", () => {
  it("plot builders are pure and lay out one axis pair per panel", () => {
    const s = {
      label: "a",
      color: "#123456",
      x: [0, 1],
      mean: [0.1, 0.2],
      sem: [0.01, NaN],
      points: [{ x: 0, y: 0.1 }],
    };
    const fig = meanSemPanelsFigure(
      [
        { title: "p1", xTitle: "x", yTitle: "y", series: [s] },
        { title: "p2", xTitle: "x", yTitle: "y", series: [s], hLines: [{ y: 0.5, label: "ref" }] },
      ],
      { title: "t", style: "errorbars", cols: 2 },
    );
    expect(fig.layout.xaxis2).toBeDefined();
    expect(fig.data.filter((d) => d.name === "a")).toHaveLength(2);
    expect(fig.data.filter((d) => d.showlegend === true)).toHaveLength(1);
    const band = meanSemPanelsFigure([{ title: "p", xTitle: "x", yTitle: "y", series: [s] }], {
      title: "t",
      style: "band",
      cols: 1,
    });
    expect((band.data[0].y as number[]).length).toBe(4);
    const bars = recoveredGapFigure(
      [{ title: "g", bars: [{ label: "v", color: "#000000", mean: 0.3, sem: 0.1, n: 3, points: [0.2, 0.4] }] }],
      { title: "t", xTitle: "R", threshold: { x: 0.5, label: "much" } },
    );
    expect((bars.layout.shapes as unknown[]).length).toBe(3);
    expect(variantColor("plain", 5)).toBe("#d62728");
    expect(variantColor("x", 0)).not.toBe(variantColor("x", 1));
  });
});

describe("p1 variants: helpers", () => {
  it("gap recovered, AUC, monotone steps on known inputs", () => {
    expect(gapRecovered(0.6, 0.5, 0.9)).toBeCloseTo(0.25, 12);
    expect(gapRecovered(0.9, 0.5, 0.9)).toBeCloseTo(1, 12);
    expect(Number.isNaN(gapRecovered(0.6, 0.7, 0.6))).toBe(true);
    expect(curveAuc([0.2, 0.4, NaN, 0.6])).toBeCloseTo(0.4, 12);
    expect(degenerateFraction({ "hess.mid.deg_rel": 0, "hess.mid.max_abs": 0 })).toBe(1); // an all-zero Hessian block
    expect(degenerateFraction({ "hess.mid.deg_rel": 0.25, "hess.mid.max_abs": 2 })).toBe(0.25);
    expect(Number.isNaN(degenerateFraction({}))).toBe(true);
    expect(monotoneSteps([0.9, 0.8, 0.85, 0.1], "decreasing")).toEqual({ holds: 2, pairs: 3 });
  });
});
