/**
 * The nested-gradient Hessian-vector product against ground truth: central differences of the gradient, the
 * assembled Hessian (and its symmetry), per-layer blocks, tf.Variable parameter sets; and a check that the
 * finite-difference comparison is sensitive enough to catch tfjs' wrong second derivatives (docs/stack.md#second-order-gradients).
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  assembleOperator,
  exactSpectrum,
  finiteDifferenceHessianOperator,
  flatGradient,
  flattenParams,
  hessianOperator,
  layoutRanges,
  selectParams,
  type ParamSet,
} from "../../lib/src/curvature";
import { softmaxCrossEntropy } from "../../lib/src/models/loss";
import { blockOperator } from "../../lib/src/spectra";
import { Rng } from "../../lib/src/util/random";
import { matVec, relErr, tinyNet, TOL_ASYMMETRY, TOL_HVP_VS_ASSEMBLED, TOL_HVP_VS_FD, type TinyNet } from "./helpers";

for (const backend of ["wasm", "cpu"] as const) {
  describe(`Hessian-vector products (${backend})`, () => {
    let net: TinyNet;
    beforeAll(async () => {
      await initBackend({ force: backend });
      // 5 → 8 → 6 → 3, softmax CE on 48 points: 48 + 54 + 21 = 123 parameters
      net = tinyNet({ seed: 11, inputDim: 5, hidden: [8, 6], outputs: 3, batch: 48, task: "ce" });
    });
    afterAll(() => net.dispose());

    it("matches central differences of the gradient on random directions", async () => {
      const H = hessianOperator(net.loss, net.set);
      const F = finiteDifferenceHessianOperator(net.loss, net.set);
      expect(H.dim).toBe(123);
      const rng = new Rng(5);
      for (let k = 0; k < 4; k++) {
        const v = rng.normals(H.dim);
        const hv = await H.apply(v);
        const fd = await F.apply(v);
        expect(relErr(hv, fd), `direction ${k}`).toBeLessThan(TOL_HVP_VS_FD);
      }
      expect(H.products).toBe(4);
    });

    it("agrees with the assembled Hessian, which is symmetric to float32 round-off", async () => {
      const H = hessianOperator(net.loss, net.set);
      const asm = await assembleOperator(H, { keepRaw: true });
      expect(asm.n).toBe(123);
      expect(asm.asymmetry).toBeGreaterThan(0); // float32 products are not exactly symmetric...
      expect(asm.asymmetry).toBeLessThan(TOL_ASYMMETRY); // ...but within round-off
      const rng = new Rng(6);
      for (let k = 0; k < 3; k++) {
        const v = rng.normals(H.dim);
        expect(relErr(await H.apply(v), matVec(asm.raw!, asm.n, v))).toBeLessThan(TOL_HVP_VS_ASSEMBLED);
      }
    });

    it("a layer filter gives the diagonal block of the full Hessian", async () => {
      const full = hessianOperator(net.loss, net.set);
      const layer = hessianOperator(net.loss, net.set, { filter: "L2" }); // L2.W and L2.b
      expect(layer.layout.names).toEqual(["L2.W", "L2.b"]);
      const regex = hessianOperator(net.loss, net.set, { filter: /^L2\./ });
      expect(regex.dim).toBe(layer.dim);
      const ranges = layoutRanges(full.layout, "L2");
      expect(ranges).toEqual([[48, 102]]); // after L1.W (5·8) and L1.b (8)
      const block = blockOperator(full, ranges);
      const v = new Rng(7).normals(layer.dim);
      expect(relErr(await layer.apply(v), await block.apply(v))).toBeLessThan(TOL_HVP_VS_ASSEMBLED);
      expect(() => hessianOperator(net.loss, net.set, { filter: "L9" })).toThrow(/selects no parameter/);
    });

    it("leaves no tensors behind (HVP, FD, assembly, spectrum, gradient)", async () => {
      const H = hessianOperator(net.loss, net.set, { filter: "out" });
      const F = finiteDifferenceHessianOperator(net.loss, net.set, { filter: "out" });
      const v = new Rng(8).normals(H.dim);
      await H.apply(v); // burn-in
      await F.apply(v);
      H.release!(); // the recorded gradient tape H keeps between products (curvature/tape.ts)
      const before = tf.memory().numTensors;
      await H.apply(v);
      await F.apply(v);
      await exactSpectrum(H); // releases H when done
      flatGradient(net.loss, net.set, H.layout);
      expect(tf.memory().numTensors).toBe(before);
    });

    it("works on tf.Variables with a loss closure that reads the variables directly", async () => {
      const vars = net.set.tensors.map((t) => tf.variable(t, true));
      const set: ParamSet = { names: net.set.names.slice(), tensors: vars };
      // a closure that ignores its arguments, as `() => model.objective(x, y)` would
      const readsVariables = () => net.forward(vars);
      const loss = () => softmaxCrossEntropy(readsVariables(), net.y as tf.Tensor1D);
      try {
        const before = flattenParams(set, selectParams(set));
        const v = new Rng(9).normals(before.length);
        const ref = await hessianOperator(net.loss, net.set).apply(v);
        const hv = await hessianOperator(loss, set).apply(v);
        const fd = await finiteDifferenceHessianOperator(loss, set).apply(v);
        expect(relErr(hv, ref)).toBeLessThan(TOL_HVP_VS_ASSEMBLED);
        expect(relErr(fd, ref)).toBeLessThan(TOL_HVP_VS_FD);
        // perturbations were undone exactly
        expect(Array.from(flattenParams(set, selectParams(set)))).toEqual(Array.from(before));
      } finally {
        vars.forEach((v) => v.dispose());
      }
    });

    it("the FD check catches wrong second derivatives (tfjs' built-in softmax CE, docs/stack.md#second-order-gradients)", async () => {
      const onehot = tf.oneHot(net.y as tf.Tensor1D, 3);
      try {
        const builtin = (p: tf.Tensor[]) => tf.losses.softmaxCrossEntropy(onehot, net.forward(p)) as tf.Scalar;
        const v = new Rng(10).normals(123);
        const hv = await hessianOperator(builtin, net.set).apply(v);
        const fd = await finiteDifferenceHessianOperator(builtin, net.set).apply(v);
        expect(relErr(hv, fd)).toBeGreaterThan(0.1);
      } finally {
        onehot.dispose();
      }
    });

    it("exact spectrum of the whole model: Σλ = tr H and Σλ² = ‖H‖²_F of the assembled matrix, noise floor ≪ max|λ|", async () => {
      // Two invariants of the assembled Hessian that do not go through any eigensolver (the eigenvalues themselves
      // are checked against numpy and float64 torch elsewhere).
      const H = hessianOperator(net.loss, net.set);
      const r = await exactSpectrum(H, { keepMatrix: true });
      const M = r.matrix!;
      const n = r.n;
      let trace = 0;
      let frob = 0;
      for (let i = 0; i < n; i++) trace += M[i * n + i];
      for (let i = 0; i < n * n; i++) frob += M[i] * M[i];
      let sum = 0;
      let sumSq = 0;
      for (const v of r.values) {
        sum += v;
        sumSq += v * v;
      }
      expect(n).toBe(123);
      expect(Math.abs(sum - trace)).toBeLessThan(1e-10 * n * r.maxAbs);
      expect(Math.abs(sumSq - frob) / frob).toBeLessThan(1e-10);
      expect(r.noiseFloor).toBeLessThan(1e-5 * r.maxAbs);
    });
  });
}
