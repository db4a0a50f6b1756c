/**
 * The recorded gradient tape (curvature/tape.ts): Hessian-vector products replayed from one record equal the
 * recomputed nested-gradient products (which tests/curvature/hessian.test.ts checks against central differences); a record follows parameter changes (a replaced tensor,
 * an assigned tf.Variable); `release` frees it; inside an active gradient there is no record; and it works on the
 * project's own networks (skips, BatchNorm, tanh) through `networkContext`.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { exactSpectrum, hessianOperator, selectParams, type ParamSet } from "../../lib/src/curvature";
import { recordGradientTape, tapeReuseAvailable } from "../../lib/src/curvature/tape";
import { networkContext } from "../../lib/src/metrics/network-context";
import { createModel } from "../../lib/src/models/create";
import { Rng } from "../../lib/src/util/random";
import { relErr, setParam, tinyNet, type TinyNet } from "./helpers";

/** Replayed vs recomputed products: the same float32 ops, summed in the same order (measured: equal). */
const TOL_REPLAY = 1e-6;

for (const backend of ["wasm", "cpu"] as const) {
  describe(`recorded gradient tape (${backend})`, () => {
    let net: TinyNet;
    beforeAll(async () => {
      await initBackend({ force: backend });
      net = tinyNet({ seed: 3, inputDim: 6, hidden: [8, 8], outputs: 3, batch: 40, task: "ce", skip: [false, true] });
    });
    afterAll(() => net.dispose());

    it("this tfjs exposes the engine internals the record uses (an upgrade that removes them fails here)", () => {
      expect(tapeReuseAvailable()).toBe(true);
    });

    it("replayed products equal recomputed ones; one record serves every product", async () => {
      const n0 = tf.memory().numTensors;
      const H = hessianOperator(net.loss, net.set);
      const R = hessianOperator(net.loss, net.set, { reuseTape: false });
      const rng = new Rng(9);
      let recorded = -1;
      for (let k = 0; k < 4; k++) {
        const v = rng.normals(H.dim);
        const h = await H.apply(v);
        expect(relErr(h, await R.apply(v))).toBeLessThan(TOL_REPLAY);
        if (k === 0) recorded = tf.memory().numTensors;
        else expect(tf.memory().numTensors).toBe(recorded); // replays allocate nothing that stays
      }
      expect(recorded).toBeGreaterThan(n0); // the record is held between products…
      H.release!();
      expect(tf.memory().numTensors).toBe(n0); // …and freed by release
      const v = rng.normals(H.dim);
      expect(relErr(await H.apply(v), await R.apply(v))).toBeLessThan(TOL_REPLAY); // records again
      H.release!();
      expect(tf.memory().numTensors).toBe(n0);
    });

    it("a changed parameter is seen: a replaced tensor and an assigned tf.Variable make a new record", async () => {
      const H = hessianOperator(net.loss, net.set);
      const v = new Rng(4).normals(H.dim);
      const before = await H.apply(v);
      setParam(net, "L2.W", (w) => w.forEach((x, i) => (w[i] = 0.5 * x)));
      const after = await H.apply(v);
      const fresh = await hessianOperator(net.loss, net.set, { reuseTape: false }).apply(v);
      expect(relErr(after, fresh)).toBeLessThan(TOL_REPLAY);
      expect(relErr(after, before)).toBeGreaterThan(1e-2);
      H.release!();

      const vars: ParamSet = { names: net.set.names, tensors: net.set.tensors.map((t) => tf.variable(t)) };
      const HV = hessianOperator(net.loss, vars);
      const a = await HV.apply(v);
      expect(relErr(a, fresh)).toBeLessThan(TOL_REPLAY);
      (vars.tensors[0] as tf.Variable).assign(tf.mul(vars.tensors[0], 1.3));
      const b = await HV.apply(v);
      const bFresh = await hessianOperator(net.loss, vars, { reuseTape: false }).apply(v);
      expect(relErr(b, bFresh)).toBeLessThan(TOL_REPLAY);
      expect(relErr(b, a)).toBeGreaterThan(1e-2);
      HV.release!();
      vars.tensors.forEach((t) => t.dispose());
    });

    it("inside an active gradient there is nothing to reuse: no record, nothing left behind", () => {
      const layout = selectParams(net.set);
      let inner: ReturnType<typeof recordGradientTape> = undefined as never;
      const outer = (record: boolean) => {
        const n0 = tf.memory().numTensors;
        tf.tidy(() =>
          tf.grads((w: tf.Tensor) => {
            if (record) inner = recordGradientTape(net.loss, net.set, layout);
            return tf.sum(tf.mul(w, w));
          })([tf.ones([2])]),
        );
        return tf.memory().numTensors - n0;
      };
      const control = outer(false); // tf.grads itself keeps one tensor here
      expect(outer(true)).toBe(control);
      expect(inner).toBeNull();
    });

    it("exact spectra leave no tensors behind and equal those of recomputed products", async () => {
      const n0 = tf.memory().numTensors;
      const a = await exactSpectrum(hessianOperator(net.loss, net.set));
      expect(tf.memory().numTensors).toBe(n0);
      const b = await exactSpectrum(hessianOperator(net.loss, net.set, { reuseTape: false }));
      expect(relErr(a.values, b.values)).toBeLessThan(TOL_REPLAY);
    });
  });
}

describe("recorded gradient tape on the project's networks", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  it.each([
    ["residual ReLU MLP with BatchNorm", { depth: 3, width: 6, skip: "identity", batchNorm: [2] }],
    ["tanh MLP with a hyper-residual skip", { depth: 4, width: 5, activation: "tanh", skip: "hyper" }],
    ["ResNeXt blocks", { kind: "blocks", family: "resnext", blocks: 2, width: 8, cardinality: 2, groupWidth: 2 }],
    ["conv ResNet-8 with BatchNorm", { kind: "conv", depth: 8, width: 2, inputShape: [6, 6, 1] }],
  ] as const)("%s: replayed products equal recomputed ones", async (_, cfg) => {
    const dim = "inputShape" in cfg ? 36 : 7;
    const model = createModel({ ...("inputShape" in cfg ? {} : { inputDim: 7 }), outputDim: 3, ...cfg } as never, 5);
    const rng = new Rng(2);
    const x = tf.tensor2d(Float32Array.from(rng.normals(32 * dim)), [32, dim]);
    const y = tf.tensor1d(
      Int32Array.from({ length: 32 }, () => rng.int(3)),
      "int32",
    );
    const ctx = networkContext(model, { x, y } as never, { step: 0, epoch: 0 });
    const H = hessianOperator(ctx.loss!, ctx.params);
    const R = hessianOperator(ctx.loss!, ctx.params, { reuseTape: false });
    for (let k = 0; k < 2; k++) {
      const v = rng.normals(H.dim);
      expect(relErr(await H.apply(v), await R.apply(v))).toBeLessThan(TOL_REPLAY);
    }
    H.release!();
    model.dispose();
    x.dispose();
    y.dispose();
  });
});

describe("a Hessian operator dropped without release()", () => {
  it("has its record freed when it is garbage-collected (a child process with --expose-gc, on lib/dist)", () => {
    const dist = path.join(__dirname, "../../lib/dist/index.js");
    const script = `
      const tf = require("@tensorflow/tfjs");
      const lib = require(${JSON.stringify(dist)});
      (async () => {
        await lib.engine.initBackend({ force: "cpu" });
        const x = tf.ones([5, 3]);
        const set = { names: ["W"], tensors: [tf.ones([3, 2])] };
        const loss = (p) => tf.sum(tf.square(tf.relu(tf.matMul(x, p[0]))));
        const n0 = tf.memory().numTensors;
        let H = lib.curvature.hessianOperator(loss, set);
        await H.apply(new Float64Array(6).fill(1));
        const held = tf.memory().numTensors - n0;
        H = null;
        for (let i = 0; i < 20 && tf.memory().numTensors > n0; i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 10));
        }
        console.log(JSON.stringify({ held, left: tf.memory().numTensors - n0 }));
      })();`;
    const r = spawnSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const { held, left } = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(held).toBeGreaterThan(0);
    expect(left).toBe(0);
  });
});
