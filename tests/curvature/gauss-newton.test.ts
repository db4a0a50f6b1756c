/**
 * Gauss–Newton products Jᵀ H_out J v against the explicit matrices: J assembled row by row from vector-Jacobian
 * products of one-hot cotangents, H_out written out per example, G = Jᵀ H_out J in float64. Also: G is PSD, and it
 * equals the Hessian at a zero-residual MSE fit.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  assembleOperator,
  exactSpectrum,
  gaussNewtonOperator,
  hessianOperator,
  jacobianVectorProduct,
  selectParams,
  unflatten,
  vectorJacobianProduct,
  type OutputLoss,
} from "../../lib/src/curvature";
import { Rng } from "../../lib/src/util/random";
import { makeRealizable, relErr, tinyNet, TOL_HVP_VS_ASSEMBLED, TOL_NULL_REL, type TinyNet } from "./helpers";

/** Explicit J [B·C, P] (row (n, c) = ∂z_nc/∂θ) and outputs z [B, C] as float64. */
function explicitJacobian(net: TinyNet): { J: Float64Array; z: Float64Array; B: number; C: number; P: number } {
  const layout = selectParams(net.set);
  const z = tf.tidy(() => net.forward(net.set.tensors));
  const [B, C] = z.shape;
  const zv = Float64Array.from(z.dataSync());
  z.dispose();
  const P = layout.dim;
  const J = new Float64Array(B * C * P);
  for (let r = 0; r < B * C; r++) {
    const row = tf.tidy(() => {
      const w = tf
        .oneHot(tf.tensor1d([r], "int32"), B * C)
        .reshape([B, C])
        .toFloat() as tf.Tensor2D;
      return vectorJacobianProduct(net.forward, net.set, layout, w);
    });
    J.set(row.dataSync(), r * P);
    row.dispose();
  }
  return { J, z: zv, B, C, P };
}

/** G = Jᵀ H_out J in float64 for MSE (mean) or softmax CE (mean, one-hot labels). */
function explicitGaussNewton(net: TinyNet, kind: "mse" | "ce"): Float64Array {
  const { J, z, B, C, P } = explicitJacobian(net);
  // H_out as a dense [BC, BC] block-diagonal matrix
  const Hout = new Float64Array(B * C * B * C);
  for (let n = 0; n < B; n++) {
    if (kind === "mse") {
      for (let c = 0; c < C; c++) Hout[(n * C + c) * B * C + n * C + c] = 2 / (B * C);
    } else {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, z[n * C + c]);
      const e = Array.from({ length: C }, (_, c) => Math.exp(z[n * C + c] - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const s = e.map((x) => x / sum);
      for (let a = 0; a < C; a++)
        for (let b = 0; b < C; b++) Hout[(n * C + a) * B * C + n * C + b] = ((a === b ? s[a] : 0) - s[a] * s[b]) / B;
    }
  }
  const HJ = new Float64Array(B * C * P); // H_out J
  for (let i = 0; i < B * C; i++) {
    for (let k = 0; k < B * C; k++) {
      const h = Hout[i * B * C + k];
      if (h === 0) continue;
      for (let p = 0; p < P; p++) HJ[i * P + p] += h * J[k * P + p];
    }
  }
  const G = new Float64Array(P * P);
  for (let i = 0; i < B * C; i++) {
    for (let p = 0; p < P; p++) {
      const jp = J[i * P + p];
      if (jp === 0) continue;
      for (let q = 0; q < P; q++) G[p * P + q] += jp * HJ[i * P + q];
    }
  }
  return G;
}

describe("Gauss–Newton products (wasm)", () => {
  const nets: TinyNet[] = [];
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });
  afterAll(() => nets.forEach((n) => n.dispose()));

  for (const kind of ["ce", "mse"] as const) {
    it(`${kind}: Jᵀ H_out J v equals the explicit matrix product; J v equals explicit J·v`, async () => {
      const net = tinyNet({ seed: 21, inputDim: 4, hidden: [5], outputs: 3, batch: 10, task: kind }); // 43 params
      nets.push(net);
      const output: OutputLoss = kind === "ce" ? { kind: "softmax-ce" } : { kind: "mse" };
      const op = gaussNewtonOperator(net.forward, net.set, output);
      const G = explicitGaussNewton(net, kind);
      const P = op.dim;
      const rng = new Rng(3);
      for (let k = 0; k < 3; k++) {
        const v = rng.normals(P);
        const gv = await op.apply(v);
        const ref = new Float64Array(P);
        for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) ref[p] += G[p * P + q] * v[q];
        expect(relErr(gv, ref), `direction ${k}`).toBeLessThan(1e-5);
      }
      // the forward-mode piece on its own
      const { J, B, C } = explicitJacobian(net);
      const v = rng.normals(P);
      const jv = tf.tidy(() => jacobianVectorProduct(net.forward, net.set, op.layout, unflatten(v, op.layout)));
      const ref = new Float64Array(B * C);
      for (let r = 0; r < B * C; r++) for (let p = 0; p < P; p++) ref[r] += J[r * P + p] * v[p];
      expect(relErr(jv.dataSync(), ref)).toBeLessThan(1e-5);
      jv.dispose();
      // PSD: the smallest eigenvalue is zero up to the noise floor, never clearly negative
      const spec = await exactSpectrum(op);
      expect(spec.values[0]).toBeGreaterThan(-TOL_NULL_REL * spec.maxAbs);
    });
  }

  it("equals the Hessian at a zero-residual MSE fit (the residual term vanishes)", async () => {
    const net = tinyNet({ seed: 22, inputDim: 4, hidden: [6], outputs: 2, batch: 32, task: "mse" });
    nets.push(net);
    makeRealizable(net);
    const g = await assembleOperator(gaussNewtonOperator(net.forward, net.set, { kind: "mse" }));
    const h = await assembleOperator(hessianOperator(net.loss, net.set));
    expect(relErr(h.matrix, g.matrix)).toBeLessThan(1e-5);
    // and differs at a generic point (so the comparison above can fail)
    const other = tinyNet({ seed: 22, inputDim: 4, hidden: [6], outputs: 2, batch: 32, task: "mse" });
    nets.push(other);
    const g2 = await assembleOperator(gaussNewtonOperator(other.forward, other.set, { kind: "mse" }));
    const h2 = await assembleOperator(hessianOperator(other.loss, other.set));
    expect(relErr(h2.matrix, g2.matrix)).toBeGreaterThan(0.05);
  });

  it("soft labels scale each example's output Hessian by its label mass; no tensor leaks", async () => {
    const net = tinyNet({ seed: 23, inputDim: 3, hidden: [4], outputs: 3, batch: 6, task: "ce" });
    nets.push(net);
    const half = tf.fill([6, 3], 0.5 / 3) as tf.Tensor2D; // every row sums to 0.5
    try {
      const a = gaussNewtonOperator(net.forward, net.set, { kind: "softmax-ce" });
      const b = gaussNewtonOperator(net.forward, net.set, { kind: "softmax-ce", labels: half });
      const v = new Rng(4).normals(a.dim);
      await a.apply(v); // burn-in
      const before = tf.memory().numTensors;
      const ga = await a.apply(v);
      const gb = await b.apply(v);
      expect(tf.memory().numTensors).toBe(before);
      expect(
        relErr(
          Float64Array.from(gb, (x) => 2 * x),
          ga,
        ),
      ).toBeLessThan(TOL_HVP_VS_ASSEMBLED);
    } finally {
      half.dispose();
    }
  });
});
