/**
 * Divergence beyond non-finite values (train/config.ts `DivergenceConfig`, train/diverge.ts `checkDivergenceRules`):
 * a loss explosion and an accuracy collapse stop a run as "diverged" with the rule named, never "done".
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { createModel } from "../../lib/src/models";
import { executeRun } from "../../lib/src/runs/execute";
import { loadRunData, runSpec } from "../../lib/src/runs/spec";
import {
  checkDivergenceRules,
  DivergenceError,
  divergenceTracker,
  NonFiniteError,
  train,
  trainConfig,
  type TrainData,
} from "../../lib/src/train";
import { DEFAULT_DIVERGENCE } from "../../lib/src/train/config";

describe("divergence rules", () => {
  const rules = { lossFactor: 100, accuracyDrop: 0.5 };
  const track = (initial: number) => {
    const t = divergenceTracker();
    t.initialLoss = initial;
    return t;
  };

  it("a loss explosion fires only above f × the lowest loss and above the initial loss", () => {
    const t = track(2.3);
    expect(checkDivergenceRules(t, rules, 1, 1.0, 0.5)).toBeNull();
    expect(checkDivergenceRules(t, rules, 2, 0.01, 0.9)).toBeNull();
    // 100× the lowest but still below the initial loss: the noise of a nearly perfect fit, not an explosion
    expect(checkDivergenceRules(t, rules, 3, 2.0, 0.8)).toBeNull();
    const hit = checkDivergenceRules(t, rules, 4, 2e34, 0.85);
    expect(hit).toMatchObject({ rule: "lossFactor", threshold: 100, value: 2e34, reference: 0.01, referenceEpoch: 2 });
    expect(hit!.message).toMatch(
      /epoch 4: the training loss 2\.00e\+34 is above 100 × its lowest so far \(0\.0100 at epoch 2\)/,
    );
    expect(hit!.message).toMatch(/divergence\.lossFactor = 100 \(train config; null turns it off\)/);
  });

  it("an accuracy collapse fires at a fall of at least d from the best; null turns each rule off", () => {
    const t = track(2.3);
    checkDivergenceRules(t, rules, 1, 1.0, 0.8);
    expect(checkDivergenceRules(t, rules, 2, 1.1, 0.35)).toBeNull(); // a fall of 0.45 < 0.5
    expect(checkDivergenceRules(t, rules, 3, 1.2, 0.3)).toMatchObject({
      rule: "accuracyDrop",
      reference: 0.8,
      value: 0.3,
    });
    const off = track(2.3);
    checkDivergenceRules(off, { lossFactor: null, accuracyDrop: null }, 1, 0.01, 0.9);
    expect(checkDivergenceRules(off, { lossFactor: null, accuracyDrop: null }, 2, 1e30, 0.1)).toBeNull();
  });

  it("the default rules are implicit in a resolved config (hashes unchanged); other values are validated and kept", () => {
    expect("divergence" in trainConfig({})).toBe(false);
    expect("divergence" in trainConfig({ divergence: { ...DEFAULT_DIVERGENCE } })).toBe(false);
    expect(trainConfig({ divergence: { lossFactor: null } }).divergence).toEqual({
      lossFactor: null,
      accuracyDrop: 0.5,
    });
    expect(() => trainConfig({ divergence: { lossFactor: 0.5 } })).toThrow(/lossFactor must be a number > 1 or null/);
    expect(() => trainConfig({ divergence: { accuracyDrop: 2 } })).toThrow(/accuracyDrop must be in \(0, 1\]/);
  });

  describe("in training", () => {
    let data: { train: TrainData; test?: TrainData };
    beforeAll(async () => {
      await initBackend({ force: "wasm" });
      data = await loadRunData({ name: "gaussian-mixture", n: 512, nTest: 128, dim: 16, classes: 4, separation: 4 });
    });
    // Adam at an absurd learning rate: the loss explodes but stays finite (the "done with a loss of 2e34")
    const absurd = { epochs: 6, batchSize: 64, optimizer: { type: "adam" as const, lr: 50 } };

    it("Adam at an absurd learning rate stops as diverged, with the rule named, not as done", async () => {
      const m = createModel({ inputDim: 16, outputDim: 4, depth: 3, width: 16 }, 0);
      let err: unknown = null;
      try {
        await train(m, data.train, absurd, { seed: 0, progress: false, evalAtStart: true });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err).toBeInstanceOf(NonFiniteError); // the run cache records it like any divergence
      const e = err as DivergenceError;
      expect(["lossFactor", "accuracyDrop"]).toContain(e.hit.rule);
      expect(Number.isFinite(e.diagnostic.loss)).toBe(true);
      expect(e.message).toMatch(/^Training diverged at epoch \d+: the training (loss|accuracy)/);
      expect(e.records.at(-1)).toMatchObject({ kind: "epoch", epoch: e.diagnostic.epoch });
      m.dispose();
      // the same run with the rules off finishes, with a finite, exploded loss: what the rules catch
      const m2 = createModel({ inputDim: 16, outputDim: 4, depth: 3, width: 16 }, 0);
      const res = await train(
        m2,
        data.train,
        { ...absurd, divergence: { lossFactor: null, accuracyDrop: null } },
        { seed: 0, progress: false, evalAtStart: true },
      );
      const first = res.epochs[0].train_loss;
      expect(Math.max(...res.epochs.map((r) => r.train_loss))).toBeGreaterThan(
        100 * Math.min(first, ...res.epochs.map((r) => r.train_loss)),
      );
      m2.dispose();
    });

    it("the run cache records it as 'diverged' with the rule in done.json", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-diverge-"));
      const spec = runSpec(
        {
          model: { inputDim: 16, outputDim: 4, depth: 3, width: 16 },
          train: absurd,
          data: { name: "gaussian-mixture", n: 512, nTest: 128, dim: 16, classes: 4, separation: 4 },
          evalAtStart: true,
          metrics: [],
        },
        0,
      );
      const r = await executeRun(spec, { dir, progress: false });
      expect(r.status).toBe("diverged");
      const done = JSON.parse(fs.readFileSync(path.join(dir, r.hash, "done.json"), "utf8"));
      expect(done.status).toBe("diverged");
      expect(["lossFactor", "accuracyDrop"]).toContain(done.diagnostic.rule.rule);
      expect(done.message).toMatch(/Training diverged at epoch/);
    });
  });
});
