import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { dense, denseReference } from "../../lib/src/engine/dense";
import { accelerateWasm, blasAvailable, restoreWasmKernels } from "../../lib/src/engine/wasm-accel";
import { Rng } from "../../lib/src/util/random";
import { needs } from "../support/requirements";

/** float32 gradients of sums over ~100 terms: relative agreement to a few ulps × sqrt(terms). */
const F32_REL = 2e-5;

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(rng.normals(n)), shape);
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const num = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  const den = tf.max(tf.abs(b)).dataSync()[0];
  return num / Math.max(den, 1e-30);
}

/** The routes dense takes: explicit transposes on plain wasm and cpu, tfjs' own matMul gradient on wasm + OpenBLAS. */
const BLAS = "OpenBLAS (Debian: libopenblas0, which scripts/setup.sh installs)";
const setups = [
  { name: "wasm", backend: "wasm", blas: false },
  { name: "cpu", backend: "cpu", blas: false },
  { name: "wasm + OpenBLAS", backend: "wasm", blas: true },
] as const;

for (const { name, backend, blas } of setups) {
  if (blas && !blasAvailable()) {
    needs(false, BLAS)(`dense on ${name}`, () => undefined);
    continue;
  }
  describe(`dense on ${name}`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend });
      if (blas) accelerateWasm({ conv: false, required: true });
      return () => {
        if (blas) restoreWasmKernels();
      };
    });

    it("takes the fast route for its engine: BLAS gets transpose flags and no dx nobody asked for", async () => {
      const rng = new Rng(5);
      const x = randn(rng, [8, 6]) as tf.Tensor2D;
      const w = randn(rng, [6, 4]) as tf.Tensor2D;
      const info = await tf.profile(() => tf.grad((ww: tf.Tensor) => tf.sum(tf.relu(dense(x, ww as tf.Tensor2D))))(w));
      const count = (name: string) => info.kernels.filter((k) => k.name === name).length;
      // explicit route: forward, dx and dW matMuls, with transposes copied; BLAS route: forward and dW only
      expect(count("BatchMatMul")).toBe(blas ? 2 : 3);
      expect(count("Transpose")).toBe(blas ? 0 : 2);
      tf.dispose([x, w]);
    });

    it("forward and first-order gradients equal tfjs' built-in ones", () => {
      const rng = new Rng(7);
      for (const [batch, nin, nout] of [
        [5, 3, 4],
        [64, 37, 19],
        [128, 256, 100],
      ]) {
        tf.tidy(() => {
          const x = randn(rng, [batch, nin]) as tf.Tensor2D;
          const w = randn(rng, [nin, nout]) as tf.Tensor2D;
          const b = randn(rng, [nout]) as tf.Tensor1D;
          const r = randn(rng, [batch, nout]); // a random cotangent: loss = Σ r ⊙ y
          const f = (fn: typeof dense) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
            tf.sum(tf.mul(r, tf.tanh(fn(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D))));
          expect(maxRelDiff(dense(x, w, b), denseReference(x, w, b))).toBeLessThan(F32_REL);
          const ours = tf.grads(f(dense))([x, w, b]);
          const ref = tf.grads(f(denseReference))([x, w, b]);
          ours.forEach((g, i) => expect(maxRelDiff(g, ref[i])).toBeLessThan(F32_REL));
          // without bias
          const g2 = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
            tf.sum(tf.mul(r, dense(xx as tf.Tensor2D, ww as tf.Tensor2D))),
          )([x, w]);
          const r2 = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
            tf.sum(tf.mul(r, denseReference(xx as tf.Tensor2D, ww as tf.Tensor2D))),
          )([x, w]);
          g2.forEach((g, i) => expect(maxRelDiff(g, r2[i])).toBeLessThan(F32_REL));
        });
      }
    });

    it("second-order gradients (Hessian-vector products) through dense equal the built-in ones", () => {
      const rng = new Rng(11);
      tf.tidy(() => {
        const x = randn(rng, [16, 6]) as tf.Tensor2D;
        const w = randn(rng, [6, 5]) as tf.Tensor2D;
        const b = randn(rng, [5]) as tf.Tensor1D;
        const v = randn(rng, [6, 5]);
        // loss(W) = Σ relu(xW+b)² ; HVP = ∇_W (∇_W loss · v)
        const hvp = (fn: typeof dense) =>
          tf.grad((ww: tf.Tensor) => {
            const g = tf.grad((w2: tf.Tensor) => tf.sum(tf.square(tf.relu(fn(x, w2 as tf.Tensor2D, b)))))(ww);
            return tf.sum(tf.mul(g, v));
          })(w);
        expect(maxRelDiff(hvp(dense), hvp(denseReference))).toBeLessThan(1e-4);
      });
    });

    it("rejects mismatched shapes with the shapes in the message", () => {
      tf.tidy(() => {
        expect(() => dense(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([4, 5]) as tf.Tensor2D)).toThrow(
          /x \[2,3\], W \[4,5\]/,
        );
        expect(() =>
          dense(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 5]) as tf.Tensor2D, tf.zeros([4]) as tf.Tensor1D),
        ).toThrow(/b must be \[out\] = \[5\]/);
      });
    });

    it("leaks no tensors: the count is flat across repeated gradient steps", () => {
      const rng = new Rng(3);
      const x = randn(rng, [32, 20]) as tf.Tensor2D;
      const w = tf.variable(randn(rng, [20, 10]));
      const b = tf.variable(tf.zeros([10]));
      const opt = tf.train.adam(1e-3);
      const step = () =>
        opt.minimize(
          () =>
            tf.mean(
              tf.square(tf.relu(dense(x, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D))),
            ) as tf.Scalar,
          false,
        );
      step(); // burn-in: Adam creates its slot variables on the first step
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w, b]);
      opt.dispose();
    });
  });
}
