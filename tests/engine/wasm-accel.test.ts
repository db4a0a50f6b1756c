import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { accelerateWasm, blasAvailable, matmulEngine, restoreWasmKernels, wasmAccelStatus } from "../../lib/src/engine";
import { Rng } from "../../lib/src/util/random";
import { needs } from "../support/requirements";

const withBlas = needs(blasAvailable(), "OpenBLAS (Debian: libopenblas0, which scripts/setup.sh installs)");

/** BLAS and XNNPACK sum in different orders: float32 round-off relative to the result's scale. */
const MM_REL = 1e-5;

function randn(rng: Rng, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(rng.normals(shape.reduce((a, b) => a * b, 1))), shape);
}

/** Results of `f` with tfjs' own kernels, then with the accelerated ones. */
function both(
  f: () => tf.Tensor,
  options: Parameters<typeof accelerateWasm>[0] = {},
): [Float32Array, Float32Array, number[], number[]] {
  restoreWasmKernels();
  const a = tf.tidy(f);
  accelerateWasm(options);
  const b = tf.tidy(f);
  const out: [Float32Array, Float32Array, number[], number[]] = [
    a.dataSync() as Float32Array,
    b.dataSync() as Float32Array,
    a.shape,
    b.shape,
  ];
  a.dispose();
  b.dispose();
  return out;
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 1e-30;
  a.forEach((v, i) => ((num = Math.max(num, Math.abs(v - b[i]))), (den = Math.max(den, Math.abs(v)))));
  return num / den;
}

describe("accelerated wasm kernels", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    accelerateWasm();
    restoreWasmKernels();
  });
  afterAll(() => {
    restoreWasmKernels();
  });

  withBlas("matMul through BLAS equals tfjs' kernel for every transpose combination and batch broadcasting", () => {
    const rng = new Rng(1);
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true],
      [[2, 5, 7], [2, 7, 3], false, false],
      [[2, 5, 7], [7, 3], false, false],
      [[1, 5, 7], [4, 7, 3], false, false],
      [[3, 7, 5], [3, 3, 7], true, true],
      [[128, 300], [300, 64], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const A = randn(rng, sa);
      const B = randn(rng, sb);
      const [x, y, shx, shy] = both(() => tf.matMul(A, B, ta, tb));
      expect(shy).toEqual(shx);
      expect(relDiff(x, y)).toBeLessThan(MM_REL);
      tf.dispose([A, B]);
    }
    expect(matmulEngine()).toMatch(/OpenBLAS/);
  });

  withBlas("2-D transpose and axis-0 sums equal tfjs' kernels", () => {
    const rng = new Rng(2);
    const X = randn(rng, [37, 19]);
    for (const f of [
      () => tf.transpose(X),
      () => tf.sum(X, 0),
      () => tf.sum(X, 0, true),
      () => tf.sum(X, -2),
      () => tf.sum(X, 1),
      () => tf.sum(X),
    ]) {
      const [a, b, sa, sb] = both(f);
      expect(sb).toEqual(sa);
      expect(relDiff(a, b)).toBeLessThan(MM_REL);
    }
    X.dispose();
  });

  it("without BLAS: copy-free Identity/Cast and the axis-0 sum loop; gradients unchanged", () => {
    const rng = new Rng(3);
    const X = randn(rng, [16, 9]);
    const W = randn(rng, [9, 4]);
    const g = () => tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(x, w)))))([X, W])[1];
    const [a, b] = both(g, { blas: false, conv: false });
    expect(wasmAccelStatus().kernels).toEqual(["Sum", "Identity", "Cast"]);
    expect(relDiff(a, b)).toBeLessThan(MM_REL);
    const before = tf.memory().numTensors;
    const c = tf.clone(X);
    expect(Array.from(c.dataSync())).toEqual(Array.from(X.dataSync()));
    c.dispose();
    expect(X.dataSync().length).toBe(144); // the original survives its clone's disposal
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([X, W]);
  });

  it("restore puts tfjs' kernels back", () => {
    const s = accelerateWasm();
    if (s.conv !== null) {
      expect(s.kernels).toEqual(expect.arrayContaining(["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]));
      expect(s.conv).toMatch(/oneDNN 2\./);
      expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
    } else expect(s.convReason).toMatch(/libdnnl2/);
    restoreWasmKernels();
    expect(wasmAccelStatus().enabled).toBe(false);
    expect(wasmAccelStatus().conv).toBeNull();
    expect(matmulEngine()).toMatch(/XNNPACK/);
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined(); // wasm never had one
  });
});
