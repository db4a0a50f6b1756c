import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { modelConfig } from "../../lib/src/toy/config";
import { initParams } from "../../lib/src/toy/init";
import { ToyModel } from "../../lib/src/toy/model";
import { monteCarloLoss } from "../../lib/src/toy/tf-check";

describe("toy loss: closed form (float64) vs tfjs Monte Carlo", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });
  for (const arch of ["plain", "residual"] as const) {
    it(`${arch}: agree within 4 standard errors at a random point; no tensors leak`, () => {
      const model = new ToyModel(modelConfig(arch));
      const theta = initParams(model.config, 5, 0.8);
      const before = tf.memory().numTensors;
      const r = monteCarloLoss(model, theta, 200_000, 1);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.exact).toBeGreaterThan(0.01);
      expect(Math.abs(r.z)).toBeLessThan(4);
      expect(r.stdError / r.exact).toBeLessThan(0.02);
    });
  }
  it("detects a wrong model: a residual estimate against the plain closed form is many s.e. off", () => {
    const plain = new ToyModel(modelConfig("plain"));
    const residual = new ToyModel(modelConfig("residual"));
    const theta = initParams(plain.config, 5, 0.8);
    const r = monteCarloLoss(residual, theta, 100_000, 2);
    expect(Math.abs((r.estimate - plain.loss(theta)) / r.stdError)).toBeGreaterThan(20);
  });
});
