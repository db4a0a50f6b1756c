/**
 * Conv nets without oneDNN: the filter gradient computed by a forward convolution (engine/conv.ts
 * `filterGradientByConv`) against tfjs' cpu Conv2DBackpropFilter kernel, and a conv net trained on tfjs' own wasm
 * kernels (no Conv2DBackpropFilter there) giving the cpu backend's gradients.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { filterGradientByConv, registerConvGradients } from "../../lib/src/engine/conv";
import { initBackend } from "../../lib/src/engine/ladder";
import { createModel } from "../../lib/src/models";
import { Rng } from "../../lib/src/util/random";

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const CASES: Array<{ x: [number, number, number, number]; k: number; s: number; pad: "same" | "valid" | number }> = [
  { x: [3, 8, 8, 2], k: 3, s: 1, pad: "same" },
  { x: [2, 9, 7, 3], k: 3, s: 2, pad: "same" },
  { x: [2, 8, 8, 2], k: 3, s: 2, pad: "valid" }, // the last input row and column are never read: cropped
  { x: [2, 8, 8, 4], k: 1, s: 2, pad: 0 },
  { x: [1, 10, 10, 2], k: 5, s: 1, pad: 2 },
];

describe("filter gradient by a forward convolution", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu" });
  });

  for (const c of CASES) {
    it(`${c.k}×${c.k}, stride ${c.s}, pad ${c.pad}, x ${c.x.join("×")}: equals the cpu Conv2DBackpropFilter kernel`, () => {
      const rng = new Rng(1);
      const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], 3];
      const x = tf.tensor4d(Float32Array.from(rng.normals(c.x.reduce((a, b) => a * b, 1))), c.x);
      const y = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, c.s, c.pad);
      const dy = tf.tensor4d(Float32Array.from(rng.normals(y.size)), y.shape);
      const want = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: [c.s, c.s],
        pad: c.pad,
        dataFormat: "NHWC",
        filterShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const got = filterGradientByConv(x, dy, filterShape, c.s, c.pad);
      expect(got.shape).toEqual(filterShape);
      expect(relErr(got.dataSync(), want.dataSync())).toBeLessThan(1e-6);
      tf.dispose([x, y, dy, want, got]);
    });
  }
});

describe("a conv ResNet on tfjs' own wasm kernels (no oneDNN)", () => {
  it("has the cpu backend's gradients", async () => {
    registerConvGradients();
    const rng = new Rng(2);
    const xv = Float32Array.from(rng.normals(3 * 64));
    const yv = Int32Array.from([1, 4, 9]);
    const grads = async (backend: "cpu" | "wasm") => {
      await initBackend({ force: backend });
      if (backend === "wasm") expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
      const m = createModel({ kind: "conv", depth: 8, width: 4, inputShape: [8, 8, 1] }, 7);
      const x = tf.tensor2d(xv, [3, 64]);
      const y = tf.tensor1d(yv, "int32");
      const { value, grads: g } = tf.variableGrads(
        () => m.loss(m.forward(x, { training: true, updateStats: false }).output, y),
        m.params(),
      );
      const out = m.params().map((p) => Array.from(g[p.name].dataSync()));
      tf.dispose([value, ...Object.values(g), x, y]);
      m.dispose();
      return out;
    };
    const cpu = await grads("cpu");
    const wasm = await grads("wasm");
    cpu.forEach((g, i) => expect(relErr(wasm[i], g), `parameter ${i}`).toBeLessThan(1e-4));
  });

  it("and the cpu backend's Hessian-vector products (second order through every conv op, no oneDNN)", async () => {
    registerConvGradients();
    const rng = new Rng(3);
    const xv = Float32Array.from(rng.normals(2 * 64));
    const yv = Int32Array.from([2, 5]);
    const hvp = async (backend: "cpu" | "wasm") => {
      await initBackend({ force: backend });
      const m = createModel({ kind: "conv", depth: 8, width: 3, inputShape: [8, 8, 1] }, 8);
      const x = tf.tensor2d(xv, [2, 64]);
      const y = tf.tensor1d(yv, "int32");
      const params = m.params();
      const vr = new Rng(4);
      const v = params.map((p) => tf.tensor(Float32Array.from(vr.normals(p.size)), p.shape));
      const loss = () => m.loss(m.forward(x, { training: true, updateStats: false }).output, y);
      const { grads } = tf.variableGrads(() => {
        const g = tf.variableGrads(loss, params).grads;
        return tf.addN(params.map((p, i) => tf.sum(tf.mul(g[p.name], v[i])))) as tf.Scalar;
      }, params);
      const out = params.map((p) => Array.from(grads[p.name].dataSync()));
      tf.dispose([...Object.values(grads), ...v, x, y]);
      m.dispose();
      return out;
    };
    const cpu = await hvp("cpu");
    const wasm = await hvp("wasm");
    cpu.forEach((h, i) => expect(relErr(wasm[i], h), `parameter ${i}`).toBeLessThan(1e-3));
  });
});
