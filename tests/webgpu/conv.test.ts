/**
 * Conv nets on the test backend (wasm with the oneDNN kernels in `npm test`; webgpu under scripts/test-webgpu.sh),
 * read asynchronously: a conv ResNet's loss, every parameter gradient and a Hessian-vector product agree with the
 * cpu backend, and one training step runs. Which filter-gradient path the backend takes (its own
 * Conv2DBackpropFilter kernel, or the forward-conv fallback of engine/conv.ts) is part of the test name.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { registerConvGradients } from "../../lib/src/engine/conv";
import { readAllFloat32, readScalar } from "../../lib/src/engine/read";
import { accelerateWasm } from "../../lib/src/engine/wasm-accel";
import { type ConvNet, createModel } from "../../lib/src/models";
import { TrainStep, optimizerConfig } from "../../lib/src/train";
import { Rng } from "../../lib/src/util/random";
import { initTestBackend, normals, relErr, testBackend } from "./helpers";

const BATCH = 4;
const SHAPE: [number, number, number] = [8, 8, 1];

/** Loss, gradients (named-parameter order) and H·v along a fixed direction, read asynchronously. */
async function measure(xv: Float32Array, yv: Int32Array, vSeed: number) {
  const m = createModel({ kind: "conv", depth: 8, width: 4, inputShape: SHAPE, outputDim: 5 }, 3) as ConvNet;
  const params = m.params();
  const x = tf.tensor2d(xv, [BATCH, 64]);
  const y = tf.tensor1d(yv, "int32");
  const rng = new Rng(vSeed);
  const v = params.map((p) => tf.tensor(normals(rng, p.size), p.shape));
  const loss = () => m.loss(m.forward(x, { training: true, updateStats: false }).output, y);
  const { value, grads } = tf.variableGrads(loss, params);
  const hv = tf.variableGrads(() => {
    const g = tf.variableGrads(loss, params).grads;
    return tf.addN(params.map((p, i) => tf.sum(tf.mul(g[p.name], v[i])))) as tf.Scalar;
  }, params).grads;
  const out = {
    loss: await readScalar(value),
    grads: await readAllFloat32(params.map((p) => grads[p.name])),
    hv: await readAllFloat32(params.map((p) => hv[p.name])),
  };
  tf.dispose([value, ...Object.values(grads), ...Object.values(hv), ...v, x, y]);
  m.dispose();
  return out;
}

describe(`conv nets on ${testBackend()}`, () => {
  let path = "";
  beforeAll(async () => {
    await initTestBackend();
    registerConvGradients();
    if (tf.getBackend() === "wasm") accelerateWasm(); // the oneDNN kernels where oneDNN is installed
    path = tf.getKernel("Conv2DBackpropFilter", tf.getBackend())
      ? "the backend's Conv2DBackpropFilter kernel"
      : "the forward-conv filter gradient";
  });

  /** Ours and the cpu backend's measurements of the same net, data and direction. */
  let both: Promise<[Awaited<ReturnType<typeof measure>>, Awaited<ReturnType<typeof measure>>]> | null = null;
  const measured = () =>
    (both ??= (async () => {
      const rng = new Rng(8);
      const xv = normals(rng, BATCH * 64);
      const yv = Int32Array.from([0, 2, 4, 1]);
      const backend = tf.getBackend();
      const ours = await measure(xv, yv, 9);
      await tf.setBackend("cpu");
      const ref = await measure(xv, yv, 9);
      await tf.setBackend(backend);
      return [ours, ref];
    })());

  it("a conv ResNet's loss and every parameter gradient equal the cpu backend's", async () => {
    const [ours, ref] = await measured();
    console.log(`conv nets on ${testBackend()}: filter gradients by ${path}`);
    expect(ours.loss).toBeCloseTo(ref.loss, 4);
    for (let i = 0; i < ref.grads.length; i++) {
      expect(await relErr(ours.grads[i], ref.grads[i]), `gradient ${i}`).toBeLessThan(1e-3);
    }
  });

  // tfjs-webgpu 4.22 differentiates some op chains after a conv wrongly at second order (docs/stack.md#webgpu): the
  // test is expected to fail there, and goes red when a tfjs release fixes it
  const hvpTest = testBackend() === "webgpu" ? it.fails : it;
  hvpTest(
    `H·v equals the cpu backend's${testBackend() === "webgpu" ? " [known to fail on tfjs-webgpu 4.22: see docs/stack.md#webgpu]" : ""}`,
    async () => {
      const [ours, ref] = await measured();
      for (let i = 0; i < ref.hv.length; i++) {
        expect(await relErr(ours.hv[i], ref.hv[i]), `H·v ${i}`).toBeLessThan(1e-2);
      }
    },
  );

  it("one SGD step runs and moves the parameters", async () => {
    const m = createModel({ kind: "conv", depth: 8, width: 4, inputShape: SHAPE, outputDim: 5 }, 4);
    const before = await readAllFloat32(m.params());
    const step = new TrainStep(m, optimizerConfig({ type: "sgd", lr: 0.05 }));
    const rng = new Rng(1);
    const target = new Float32Array(BATCH * 5);
    const labels = Int32Array.from([1, 2, 3, 4]);
    labels.forEach((c, i) => (target[i * 5 + c] = 1));
    const s = await step.run({ size: BATCH, x: normals(rng, BATCH * 64), target, labels }, 64, 5, 0.05, {
      epoch: 1,
      step: 1,
      batch: 1,
    });
    expect(Number.isFinite(s.loss)).toBe(true);
    const after = await readAllFloat32(m.params());
    expect(after.some((a, i) => a.some((v, j) => v !== before[i][j]))).toBe(true);
    step.dispose();
    m.dispose();
  });
});
