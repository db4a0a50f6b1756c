/**
 * Filter-normalised loss surfaces (Li et al. 2018): the direction's per-filter norms equal the weights' per-filter
 * norms, biases are excluded by default, directions are seeded; grid values match a closed form on a quadratic loss;
 * parameters are left untouched and no tensor leaks (plain tensors and tf.Variables).
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { flattenParams, selectParams, type LossFn, type ParamSet } from "../../lib/src/curvature";
import { filterNormalizedDirection, gridPoints, lossSurface } from "../../lib/src/metrics";
import { Rng } from "../../lib/src/util/random";
import { tinyNet, type TinyNet } from "../curvature/helpers";

function columnNorms(v: ArrayLike<number>, offset: number, rows: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, c) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += v[offset + r * cols + c] ** 2;
    return Math.sqrt(s);
  });
}

describe("filter-normalised loss surfaces (wasm)", () => {
  let net: TinyNet;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    net = tinyNet({ seed: 71, inputDim: 5, hidden: [7], outputs: 3, batch: 32, task: "ce" });
  });
  afterAll(() => net.dispose());

  it("each filter (a unit's incoming weights, a column of W) of the direction has the weights' filter norm", () => {
    const layout = selectParams(net.set);
    const theta = flattenParams(net.set, layout);
    const d = filterNormalizedDirection(new Rng(1), layout, theta);
    for (const s of layout.slices) {
      if (s.shape.length === 1) {
        expect(
          Array.from(d.subarray(s.offset, s.offset + s.size)).every((x) => x === 0),
          s.name,
        ).toBe(true);
        continue;
      }
      const [rows, cols] = s.shape;
      const dn = columnNorms(d, s.offset, rows, cols);
      const wn = columnNorms(theta, s.offset, rows, cols);
      dn.forEach((x, c) => expect(Math.abs(x - wn[c]) / wn[c], `${s.name} column ${c}`).toBeLessThan(1e-9));
      // but not the same direction as the weights
      expect(Math.abs(d[s.offset] - theta[s.offset])).toBeGreaterThan(1e-6);
    }
    // seeded: same stream, same direction; another stream, another direction
    expect(Array.from(filterNormalizedDirection(new Rng(1), layout, theta))).toEqual(Array.from(d));
    expect(filterNormalizedDirection(new Rng(2), layout, theta)[0]).not.toBe(d[0]);
    // ignore "none": biases get a copy of θ; norm "layer": whole-tensor norms match
    const b = layout.slices.find((s) => s.name === "L1.b")!;
    const dn = filterNormalizedDirection(new Rng(1), layout, theta, { ignore: "none", norm: "layer" });
    expect(Array.from(dn.subarray(b.offset, b.offset + b.size))).toEqual(
      Array.from(theta.subarray(b.offset, b.offset + b.size)),
    );
    const w = layout.slices.find((s) => s.name === "L1.W")!;
    const nrm = (v: Float64Array) => Math.sqrt(v.subarray(w.offset, w.offset + w.size).reduce((a, x) => a + x * x, 0));
    expect(Math.abs(nrm(dn) - nrm(theta)) / nrm(theta)).toBeLessThan(1e-9);
  });

  it("grid values equal the closed form on a quadratic loss", async () => {
    // L(W, b) = Σ (W − C)² + Σ b²  with W [3, 2], b [2]; the bias direction is zero (biasbn)
    const C = tf.tensor2d([
      [1, -1],
      [0.5, 2],
      [-1, 0],
    ]);
    const set: ParamSet = {
      names: ["L.W", "L.b"],
      tensors: [
        tf.tensor2d([
          [0.2, 0.4],
          [-0.3, 1],
          [0.7, -0.6],
        ]),
        tf.tensor1d([0.5, -0.25]),
      ],
    };
    const loss: LossFn = (p) => tf.add(tf.sum(tf.square(tf.sub(p[0], C))), tf.sum(tf.square(p[1]))) as tf.Scalar;
    try {
      const s = await lossSurface(loss, set, {
        seed: 3,
        x: { min: -1, max: 1, num: 5 },
        y: { min: -0.5, max: 1, num: 4 },
      });
      expect(s.losses.length).toBe(20);
      const theta = flattenParams(set, s.layout);
      const Cv = Float64Array.from(C.dataSync());
      for (let j = 0; j < 4; j++) {
        for (let i = 0; i < 5; i++) {
          let f = theta[6] ** 2 + theta[7] ** 2;
          for (let k = 0; k < 6; k++)
            f += (theta[k] + s.x[i] * s.directions[0][k] + s.y![j] * s.directions[1][k] - Cv[k]) ** 2;
          expect(Math.abs(s.losses[j * 5 + i] - f) / f).toBeLessThan(1e-5);
        }
      }
      expect(s.directions[0][6]).toBe(0);
      // the centre is the loss at the parameters themselves
      let f0 = theta[6] ** 2 + theta[7] ** 2;
      for (let k = 0; k < 6; k++) f0 += (theta[k] - Cv[k]) ** 2;
      expect(Math.abs(s.centerLoss - f0) / f0).toBeLessThan(1e-5);
    } finally {
      C.dispose();
      set.tensors.forEach((t) => t.dispose());
    }
  });

  it("1-D curve through the trained point; parameters restored; no leaks; tf.Variables too", async () => {
    expect(Array.from(gridPoints({ min: -1, max: 1, num: 5 }))).toEqual([-1, -0.5, 0, 0.5, 1]);
    const before = flattenParams(net.set, selectParams(net.set));
    await lossSurface(net.loss, net.set, { seed: 1, x: { min: -1, max: 1, num: 3 } }); // burn-in
    const n0 = tf.memory().numTensors;
    const s = await lossSurface(net.loss, net.set, { seed: 1, x: { min: -1, max: 1, num: 5 } });
    expect(tf.memory().numTensors).toBe(n0);
    expect(s.y).toBeNull();
    expect(s.losses[2]).toBe(s.centerLoss);
    expect(s.losses[0]).toBeGreaterThan(s.centerLoss); // random directions of weight-norm size raise the loss
    expect(Array.from(flattenParams(net.set, selectParams(net.set)))).toEqual(Array.from(before));
    // the same surface on tf.Variables through a closure that reads them directly
    const vars = net.set.tensors.map((t) => tf.variable(t, true));
    try {
      const vset: ParamSet = { names: net.set.names.slice(), tensors: vars };
      const sv = await lossSurface(() => net.loss(vars), vset, { seed: 1, x: { min: -1, max: 1, num: 5 } });
      expect(Array.from(sv.losses)).toEqual(Array.from(s.losses));
      expect(Array.from(flattenParams(vset, selectParams(vset)))).toEqual(Array.from(before));
    } finally {
      vars.forEach((v) => v.dispose());
    }
  });
});
