/**
 * oneDNN convolutions on the wasm backend against tfjs' cpu backend (a plain loop implementation): forward, input
 * gradient and filter gradient over strides, padding modes, dilation and odd shapes; then second order — the
 * gradient of the filter gradient that tfjs lacks — against the cpu backend and against central differences.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  groupedConv2d,
  installConvKernels,
  registerConvGradients,
  restoreConvKernels,
} from "../../lib/src/engine/conv";
import { initBackend } from "../../lib/src/engine/ladder";
import { loadOneDnn, oneDnnStatus } from "../../lib/src/engine/onednn";
import { Rng } from "../../lib/src/util/random";
import { needs } from "../support/requirements";

const HAS_DNNL = loadOneDnn() !== null;
const needsDnnl = needs(HAS_DNNL, `oneDNN 2.x (Debian: libdnnl2) — ${oneDnnStatus().tried.join("; ")}`);

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides: [number, number];
  pad: "same" | "valid" | number;
  dilations?: [number, number];
}

const CASES: Case[] = [
  { name: "3×3 same, stride 1", x: [2, 9, 9, 3], w: [3, 3, 3, 5], strides: [1, 1], pad: "same" },
  { name: "3×3 same, stride 2 (odd size)", x: [3, 9, 7, 4], w: [3, 3, 4, 6], strides: [2, 2], pad: "same" },
  {
    name: "1×1 valid, stride 2 (projection shortcut)",
    x: [2, 8, 8, 4],
    w: [1, 1, 4, 8],
    strides: [2, 2],
    pad: "valid",
  },
  { name: "5×3 valid, strides 2×1", x: [1, 11, 10, 2], w: [5, 3, 2, 3], strides: [2, 1], pad: "valid" },
  { name: "3×3 explicit pad 1", x: [2, 6, 6, 3], w: [3, 3, 3, 2], strides: [1, 1], pad: 1 },
  { name: "3×3 dilated 2, same", x: [1, 10, 10, 2], w: [3, 3, 2, 3], strides: [1, 1], pad: "same", dilations: [2, 2] },
];

function data(rng: Rng, shape: number[]): Float32Array {
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

/** Forward, and (without dilation) both gradients of ⟨u, conv(x, w)⟩ on the current backend. */
function convOutputs(c: Case, xv: Float32Array, wv: Float32Array, uv: Float32Array) {
  let out!: { y: Float32Array; dx: Float32Array | null; dw: Float32Array | null; yShape: number[] };
  tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, c.w);
    const y = tf.conv2d(x, w, c.strides, c.pad, "NHWC", c.dilations ?? 1);
    out = { y: y.dataSync() as Float32Array, dx: null, dw: null, yShape: y.shape };
    if (c.dilations) return;
    const u = tf.tensor4d(uv, y.shape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(u, tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad)));
    const [dx, dw] = tf.grads(f)([x, w]);
    out.dx = dx.dataSync() as Float32Array;
    out.dw = dw.dataSync() as Float32Array;
  });
  return out;
}

function expectClose(got: Float32Array | null, want: Float32Array | null, what: string): void {
  expect(got === null, what).toBe(want === null);
  if (!got || !want) return;
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst / Math.max(scale, 1e-30), `${what}: max |Δ| ${worst} at scale ${scale}`).toBeLessThan(2e-6);
}

describe("oneDNN convolutions on wasm equal tfjs' cpu backend", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    if (HAS_DNNL) installConvKernels();
  });
  afterAll(() => restoreConvKernels());

  for (const c of CASES) {
    needsDnnl(`${c.name}: forward${c.dilations ? "" : ", input and filter gradients"}`, async () => {
      const rng = new Rng(7);
      const xv = data(rng, c.x);
      const wv = data(rng, c.w);
      await tf.setBackend("cpu");
      const probe = tf.conv2d(
        tf.zeros(c.x) as tf.Tensor4D,
        tf.zeros(c.w) as tf.Tensor4D,
        c.strides,
        c.pad,
        "NHWC",
        c.dilations ?? 1,
      );
      const uv = data(rng, probe.shape);
      probe.dispose();
      const want = await convOutputs(c, xv, wv, uv);
      await tf.setBackend("wasm");
      const got = await convOutputs(c, xv, wv, uv);
      expect(got.yShape).toEqual(want.yShape);
      expectClose(got.y, want.y, "y");
      expectClose(got.dx, want.dx, "dx");
      expectClose(got.dw, want.dw, "dw");
    });
  }
});

describe("second order through a conv (the gradient of Conv2DBackpropFilter)", () => {
  beforeAll(async () => {
    registerConvGradients();
    await initBackend({ force: "wasm" });
    if (HAS_DNNL) installConvKernels();
  });
  afterAll(() => restoreConvKernels());

  /** A smooth loss of the filter: L(w) = Σ conv(x, w)⁴ / 4 (stride 2, same padding). */
  const smoothLoss = (x: tf.Tensor4D) => (ww: tf.Tensor) =>
    tf.div(tf.sum(tf.pow(tf.conv2d(x, ww as tf.Tensor4D, 2, "same"), 4)), 4);

  /** H v of that loss with respect to w. */
  function hvp(x: tf.Tensor4D, w: tf.Tensor4D, v: tf.Tensor4D): Float32Array {
    return tf.tidy(() => {
      const g = (ww: tf.Tensor) => tf.grad(smoothLoss(x))(ww);
      const hv = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(g(ww), v)))(w);
      return hv.dataSync().slice() as Float32Array;
    });
  }

  needsDnnl(
    "Hessian-vector products in the filter agree with the cpu backend and with central differences",
    async () => {
      const rng = new Rng(3);
      const xs: [number, number, number, number] = [2, 7, 7, 3];
      const ws: [number, number, number, number] = [3, 3, 3, 4];
      const xv = data(rng, xs);
      const wv = data(rng, ws);
      const vv = data(rng, ws);
      const run = () => {
        const [x, w, v] = [tf.tensor4d(xv, xs), tf.tensor4d(wv, ws), tf.tensor4d(vv, ws)];
        const out = hvp(x, w, v);
        tf.dispose([x, w, v]);
        return out;
      };
      await tf.setBackend("cpu");
      const cpu = run();
      await tf.setBackend("wasm");
      const wasm = run();
      expectClose(wasm, cpu, "Hv (wasm vs cpu)");
      // central differences of the gradient, in float64 from float32 gradients: (g(w + h v) − g(w − h v)) / 2h
      const h = 3e-3;
      const gradAt = (sign: number) =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, xs);
          const w = tf.tensor4d(
            wv.map((a, i) => a + sign * h * vv[i]),
            ws,
          );
          return tf.grad(smoothLoss(x))(w).dataSync().slice() as Float32Array;
        });
      const gp = gradAt(1);
      const gm = gradAt(-1);
      const fd = Float32Array.from(gp, (a, i) => (a - gm[i]) / (2 * h));
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < fd.length; i++) {
        scale = Math.max(scale, Math.abs(fd[i]));
        worst = Math.max(worst, Math.abs(fd[i] - wasm[i]));
      }
      // O(h²) truncation plus float32 round-off of the two gradients divided by 2h
      expect(worst / scale).toBeLessThan(2e-3);
    },
  );

  needsDnnl("the mixed second derivative ∂²L/∂x∂w exists and agrees with the cpu backend", async () => {
    const rng = new Rng(5);
    const xs: [number, number, number, number] = [1, 6, 6, 2];
    const ws: [number, number, number, number] = [3, 3, 2, 3];
    const [xv, wv, vv] = [data(rng, xs), data(rng, ws), data(rng, xs)];
    const run = () =>
      tf.tidy(() => {
        const [x, w, v] = [tf.tensor4d(xv, xs), tf.tensor4d(wv, ws), tf.tensor4d(vv, xs)];
        // d/dw ⟨∂L/∂x, v⟩ with L = Σ conv(x, w)³ / 3: differentiates Conv2DBackpropInput and Conv2DBackpropFilter
        const loss = (xx: tf.Tensor, ww: tf.Tensor) =>
          tf.div(tf.sum(tf.pow(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, "same"), 3)), 3);
        const mixed = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.grads(loss)([x, ww])[0], v)))(w);
        return mixed.dataSync().slice() as Float32Array;
      });
    await tf.setBackend("cpu");
    const cpu = run();
    await tf.setBackend("wasm");
    expectClose(run(), cpu, "∂²L/∂x∂w · v");
  });
});

describe("grouped convolutions (ResNeXt) in one oneDNN call, against sliced convs on the cpu backend", () => {
  beforeAll(async () => {
    registerConvGradients();
    await initBackend({ force: "wasm" });
    if (HAS_DNNL) installConvKernels();
  });
  afterAll(() => restoreConvKernels());

  for (const c of [
    { x: [2, 8, 8, 8] as [number, number, number, number], k: 3, s: 1, groups: 4, out: 8 },
    { x: [3, 9, 9, 6] as [number, number, number, number], k: 3, s: 2, groups: 3, out: 12 },
    { x: [2, 6, 6, 4] as [number, number, number, number], k: 1, s: 1, groups: 2, out: 4 },
  ]) {
    needsDnnl(
      `${c.groups} groups, ${c.k}×${c.k} stride ${c.s}: forward, both gradients and a second-order product`,
      async () => {
        const rng = new Rng(21);
        const ws: [number, number, number, number] = [c.k, c.k, c.x[3] / c.groups, c.out];
        const xv = data(rng, c.x);
        const wv = data(rng, ws);
        const vv = data(rng, ws);
        const pad = (c.k - 1) / 2;
        const run = () => {
          let out!: Float32Array[];
          tf.tidy(() => {
            const x = tf.tensor4d(xv, c.x);
            const w = tf.tensor4d(wv, ws);
            const v = tf.tensor4d(vv, ws);
            const f = (a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.pow(groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, pad, c.groups), 3));
            const y = groupedConv2d(x, w, c.s, pad, c.groups);
            const [dx, dw] = tf.grads(f)([x, w]);
            const hv = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.grads(f)([x, b])[1], v)))(w);
            out = [y, dx, dw, hv].map((t) => t.dataSync() as Float32Array);
          });
          return out;
        };
        await tf.setBackend("cpu");
        const cpu = run();
        await tf.setBackend("wasm");
        expect(tf.getKernel("SkiplabGroupedConv2D", "wasm")).toBeDefined();
        const wasm = run();
        ["y", "dx", "dw"].forEach((what, i) => expectClose(wasm[i], cpu[i], what));
        let num = 0;
        let den = 0;
        for (let i = 0; i < cpu[3].length; i++) {
          num += (wasm[3][i] - cpu[3][i]) ** 2;
          den += cpu[3][i] ** 2;
        }
        expect(Math.sqrt(num / den), "H·v").toBeLessThan(1e-5);
      },
    );
  }
});
