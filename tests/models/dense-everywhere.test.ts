/**
 * "Dense everywhere": every matrix product in a training step — forward, backward, every model family and skip type —
 * is a plain matMul (no transpose flags), i.e. goes through engine/dense.ts' explicit-transpose gradient (or the skip
 * op's), never through tfjs' built-in matMul gradient (the wasm speed trap of docs/stack.md#matmul-gradient-speed-trap). And the whole model is
 * second-order safe: a Hessian-vector product through it equals finite differences of its gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { type ModelConfigInput, type Network, createModel } from "../../lib/src/models";
import { restoreWasmKernels } from "../../lib/src/engine";
import { Rng } from "../../lib/src/util/random";

interface Call {
  name: string;
  attrs: Record<string, unknown>;
}

function recordKernels<T>(f: () => T): { result: T; calls: Call[] } {
  const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
  const original = engine.runKernel;
  const calls: Call[] = [];
  engine.runKernel = function (this: unknown, name: unknown, inputs: unknown, attrs: unknown) {
    calls.push({ name: name as string, attrs: (attrs ?? {}) as Record<string, unknown> });
    return original.call(this, name, inputs, attrs);
  };
  try {
    return { result: f(), calls };
  } finally {
    engine.runKernel = original;
  }
}

function trainingStepKernels(model: Network, batch: number): Call[] {
  const c = model.config;
  const rng = new Rng(1);
  const x = tf.tensor2d(Float32Array.from(rng.normals(batch * c.inputDim)), [batch, c.inputDim]);
  const y = tf.tidy(
    () =>
      tf
        .oneHot(
          tf.tensor1d(
            Int32Array.from({ length: batch }, () => rng.int(c.outputDim)),
            "int32",
          ),
          c.outputDim,
        )
        .toFloat() as tf.Tensor2D,
  );
  const { calls } = recordKernels(() =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => model.objective(x, y, { training: true }), model.params());
      return Object.values(grads).length;
    }),
  );
  x.dispose();
  y.dispose();
  return calls;
}

describe("dense everywhere", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    restoreWasmKernels(); // test tfjs' own kernels
  });
  afterEach(() => expect(tf.memory().numTensors).toBe(0));

  const L = 5;
  const families: [string, ModelConfigInput, number][] = [
    // [name, config, expected BatchMatMul calls: 3 per dense layer (forward, dx, dW) + 2 per fixed skip product]
    ["plain", { skip: "none" }, 3 * (L + 1)],
    ["residual", { skip: "identity", batchNorm: [2] }, 3 * (L + 1)],
    ["hyper mean", { skip: { type: "hyper", form: "mean" } }, 3 * (L + 1)],
    ["hyper orthogonal", { skip: { type: "hyper", form: "orthogonal" } }, 3 * (L + 1) + 2 * (L - 2)],
    [
      "degenerate skip",
      { skip: { type: "matrix", matrix: "degenerate", zeroFraction: 0.5 } },
      3 * (L + 1) + 2 * (L - 1),
    ],
    ["mean skip", { skip: { type: "matrix", matrix: "mean" } }, 3 * (L + 1)],
    ["PlainNet blocks", { kind: "blocks", family: "plain", blocks: 2 }, 3 * (1 + 4 + 1)],
    ["ResNet blocks", { kind: "blocks", family: "resnet", blocks: 2, batchNorm: true }, 3 * (1 + 4 + 1)],
    [
      "ResNeXt blocks",
      { kind: "blocks", family: "resnext", blocks: 2, cardinality: 3, groupWidth: 2 },
      3 * (1 + 2 * 3 * 2 + 1),
    ],
  ];
  for (const [name, extra, expected] of families) {
    it(`${name}: every matMul of a training step is untransposed`, () => {
      // block nets count blocks, not layers: no depth field (configs refuse fields they do not know)
      const shape = (extra as { kind?: string }).kind === "blocks" ? { width: 6 } : { depth: L, width: 6 };
      const model = createModel({ inputDim: 7, outputDim: 3, ...shape, ...extra } as ModelConfigInput, 0);
      const calls = trainingStepKernels(model, 4);
      const mm = calls.filter((c) => c.name === "BatchMatMul" || c.name === "_FusedMatMul");
      expect(mm.length).toBe(expected);
      for (const c of mm) {
        expect(c.attrs.transposeA).toBe(false);
        expect(c.attrs.transposeB).toBe(false);
      }
      model.dispose();
    });
  }

  it("a Hessian-vector product through a whole model (tanh, BatchNorm, hyper skips, bias regulariser) equals finite differences", () => {
    const model = createModel(
      {
        inputDim: 5,
        outputDim: 4,
        depth: 4,
        width: 6,
        activation: "tanh",
        skip: { type: "hyper", form: "orthogonal" },
        batchNorm: [2],
        biasRegularizer: { lambda: 0.01, target: 0.2 },
      },
      3,
    );
    const rng = new Rng(8);
    const x = tf.tensor2d(Float32Array.from(rng.normals(8 * 5)), [8, 5]);
    const y = tf.tensor1d(
      Int32Array.from({ length: 8 }, () => rng.int(4)),
      "int32",
    );
    const W = model.layer("L3").W!;
    const v = tf.tensor(Float32Array.from(rng.normals(36)), [6, 6]);
    const objective = () => model.objective(x, y, { training: true, updateStats: false });
    const grad = () => tf.tidy(() => tf.variableGrads(objective, [W]).grads[W.name]);
    const hv = tf.tidy(
      () =>
        tf.variableGrads(() => tf.sum(tf.mul(tf.variableGrads(objective, [W]).grads[W.name], v)) as tf.Scalar, [W])
          .grads[W.name],
    );
    const h = 1e-2;
    const w0 = tf.clone(W);
    const setW = (sign: number) => tf.tidy(() => W.assign(tf.add(w0, tf.mul(v, sign * h))));
    setW(1);
    const gp = grad();
    setW(-1);
    const gm = grad();
    setW(0);
    const fd = tf.tidy(() => tf.div(tf.sub(gp, gm), 2 * h));
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(hv, fd))).dataSync()[0] / tf.max(tf.abs(fd)).dataSync()[0]);
    expect(err).toBeLessThan(5e-3);
    tf.dispose([x, y, v, w0, gp, gm, fd, hv]);
    model.dispose();
  });
});
