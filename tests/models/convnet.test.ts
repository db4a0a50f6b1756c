/**
 * The convolutional PlainNet / ResNet / ResNeXt family (models/convnet.ts): parameter counts against a published
 * implementation, the layer structure of each family, gradients on the wasm backend (oneDNN) against tfjs' cpu
 * backend, and Hessian-vector products through a whole conv ResNet against central differences.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finiteDifferenceHessianOperator, hessianOperator } from "../../lib/src/curvature";
import { installConvKernels, restoreConvKernels } from "../../lib/src/engine/conv";
import { initBackend } from "../../lib/src/engine/ladder";
import { installBatchNormKernels, restoreBatchNormKernels } from "../../lib/src/engine/norm";
import { loadOneDnn } from "../../lib/src/engine/onednn";
import { ConvNet, convNetConfig, countParams, createModel, describeModelConfig } from "../../lib/src/models";
import { networkParamSet } from "../../lib/src/metrics/network-context";
import { Rng } from "../../lib/src/util/random";
import { needs } from "../support/requirements";

const needsDnnl = needs(loadOneDnn() !== null, "oneDNN 2.x (Debian: libdnnl2)");

describe("conv net configs and structure", () => {
  it("parameter counts: ResNet-20 and ResNet-56 with option-A shortcuts equal the reference CIFAR implementation's", () => {
    // akamaster/pytorch_resnet_cifar10 (He et al.'s CIFAR ResNets, option A): 269,722 and 853,018 parameters
    const cifar = { inputShape: [32, 32, 3] as [number, number, number], shortcut: "zero-pad" as const };
    expect(countParams({ kind: "conv", depth: 20, ...cifar })).toBe(269_722);
    expect(countParams({ kind: "conv", depth: 56, ...cifar })).toBe(853_018);
  });

  for (const cfg of [
    { family: "resnet", depth: 8 },
    { family: "plain", depth: 8 },
    { family: "resnet", depth: 8, shortcut: "zero-pad" },
    { family: "resnet", depth: 11, block: "bottleneck" },
    { family: "resnext", depth: 11, cardinality: 2, groupWidth: 2 },
    { family: "resnet", depth: 8, batchNorm: false },
  ] as const) {
    it(`${describeModelConfig(convNetConfig({ width: 4, inputShape: [8, 8, 1], ...cfg }))}: built = counted, output [B, 10]`, () => {
      const m = createModel({ kind: "conv", width: 4, inputShape: [8, 8, 1], ...cfg }, 1);
      try {
        expect(m.paramCount).toBe(countParams({ kind: "conv", width: 4, inputShape: [8, 8, 1], ...cfg }));
        const names = m.layers.map((l) => l.name);
        expect(names.some((n) => n.endsWith(".proj"))).toBe(
          cfg.family !== "plain" && (cfg as { shortcut?: string }).shortcut !== "zero-pad",
        );
        const out = tf.tidy(() => {
          const r = m.forward(tf.randomNormal([3, 64]) as tf.Tensor2D, { returnActivations: true });
          return { shape: r.output.shape, acts: r.activations.map((a) => `${a.name}:${a.x.shape[1]}`) };
        });
        expect(out.shape).toEqual([3, 10]);
        expect(out.acts[0]).toBe("stem:256"); // 8·8·4
        expect(out.acts[out.acts.length - 1]).toMatch(/^pool:/);
      } finally {
        m.dispose();
      }
    });
  }

  it("refuses depths that are not 6n + 2 (basic) or 9n + 2 (bottleneck), ResNeXt without bottlenecks, and other inits", () => {
    expect(() => convNetConfig({ depth: 21 })).toThrow(/6n \+ 2/);
    expect(() => convNetConfig({ depth: 23, block: "bottleneck" })).toThrow(/9n \+ 2/);
    expect(() => convNetConfig({ family: "resnext", block: "basic", depth: 20 })).toThrow(/bottleneck/);
    expect(() => convNetConfig({ init: "identity" })).toThrow(/he or orthogonal/);
  });

  it("PlainNet is the ResNet without its shortcuts: the same parameters, less the projections", () => {
    const res = createModel(
      { kind: "conv", family: "resnet", depth: 8, width: 4, inputShape: [8, 8, 1] },
      3,
    ) as ConvNet;
    const plain = createModel(
      { kind: "conv", family: "plain", depth: 8, width: 4, inputShape: [8, 8, 1] },
      3,
    ) as ConvNet;
    try {
      const resNames = res
        .namedParams()
        .map((p) => p.name)
        .filter((n) => !n.includes(".proj"));
      expect(plain.namedParams().map((p) => p.name)).toEqual(resNames);
    } finally {
      res.dispose();
      plain.dispose();
    }
  });
});

/** Loss of a model on a fixed batch, as a function of its parameter list (the variables themselves). */
function lossOf(model: ConvNet, x: tf.Tensor2D, y: tf.Tensor1D, training: boolean) {
  return () => model.loss(model.forward(x, { training, updateStats: false }).output, y);
}

describe("conv nets on the wasm backend (oneDNN) against the cpu backend", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    installConvKernels();
    installBatchNormKernels(); // the conv nets' BN runs as one kernel on wasm (engine/norm.ts)
  });
  afterAll(() => {
    restoreConvKernels();
    restoreBatchNormKernels();
  });

  for (const cfg of [
    { family: "resnet", depth: 8 },
    { family: "resnext", depth: 11, cardinality: 2, groupWidth: 2 },
  ] as const) {
    needsDnnl(`${cfg.family}-${cfg.depth}: loss and every parameter gradient, BN in training mode`, async () => {
      const rng = new Rng(11);
      const xv = Float32Array.from(rng.normals(4 * 64));
      const yv = Int32Array.from([0, 3, 7, 9]);
      const run = () => {
        const m = createModel({ kind: "conv", width: 4, inputShape: [8, 8, 1], ...cfg }, 5) as ConvNet;
        const x = tf.tensor2d(xv, [4, 64]);
        const y = tf.tensor1d(yv, "int32");
        const { value, grads } = tf.variableGrads(lossOf(m, x, y, true) as () => tf.Scalar, m.params());
        const out = {
          loss: value.dataSync()[0],
          grads: m.namedParams().map((p) => Array.from(grads[p.variable.name].dataSync())),
        };
        tf.dispose([value, ...Object.values(grads), x, y]);
        m.dispose();
        return out;
      };
      await tf.setBackend("cpu");
      const cpu = run();
      await tf.setBackend("wasm");
      const wasm = run();
      expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
      cpu.grads.forEach((g, i) => {
        const scale = Math.max(...g.map(Math.abs), 1e-12);
        const worst = Math.max(...g.map((v, j) => Math.abs(v - wasm.grads[i][j])));
        expect(worst / scale, `parameter ${i}`).toBeLessThan(1e-4);
      });
    });
  }

  needsDnnl(
    "Hessian-vector products of a conv ResNet (BN, projection shortcuts) match central differences",
    async () => {
      const m = createModel({ kind: "conv", depth: 8, width: 3, inputShape: [6, 6, 1], outputDim: 3 }, 9) as ConvNet;
      const rng = new Rng(4);
      const x = tf.tensor2d(Float32Array.from(rng.normals(5 * 36)), [5, 36]);
      const y = tf.tensor1d(Int32Array.from([0, 1, 2, 1, 0]), "int32");
      try {
        const set = networkParamSet(m);
        const loss = () => lossOf(m, x, y, true)();
        const filter = (n: string) => n.startsWith("S2.B1.") || n.startsWith("out.");
        const hv = hessianOperator(loss, set, { filter });
        const fd = finiteDifferenceHessianOperator(loss, set, { filter });
        for (let k = 0; k < 3; k++) {
          const v = Float64Array.from(rng.normals(hv.dim));
          const a = await hv.apply(v);
          const b = await fd.apply(v);
          let num = 0;
          let den = 0;
          for (let i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) ** 2;
            den += b[i] ** 2;
          }
          // measured 1.5e-4 – 2.1e-4 (float32 products, central differences in float64 of float32 gradients)
          expect(Math.sqrt(num / den), `direction ${k}`).toBeLessThan(2e-3);
        }
      } finally {
        tf.dispose([x, y]);
        m.dispose();
      }
    },
  );
});
