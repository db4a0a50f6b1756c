/**
 * An independent float64 re-implementation of the Mlp forward pass (eval mode), written from the formulas in
 * lib/src/models/config.ts, for checking the tfjs model. Loops only; no tfjs.
 */
import type { Mlp } from "../../lib/src/models/mlp";
import { BN_EPS } from "../../lib/src/models/batchnorm";
import { LEAKY_RELU_ALPHA } from "../../lib/src/models/activations";
import type { Activation } from "../../lib/src/models/config";

export function act(f: Activation, z: number): number {
  switch (f) {
    case "relu":
      return Math.max(0, z);
    case "leaky_relu":
      return z > 0 ? z : LEAKY_RELU_ALPHA * z;
    case "linear":
      return z;
    case "tanh":
      return Math.tanh(z);
    case "sigmoid":
      return 1 / (1 + Math.exp(-z));
  }
}

/** x·W + b for one row: x [in], W [in, out] row-major. */
function affine(x: number[], W: Float32Array, b: Float32Array, nin: number, nout: number): number[] {
  const z = Array.from(b, Number);
  for (let i = 0; i < nin; i++) for (let j = 0; j < nout; j++) z[j] += x[i] * W[i * nout + j];
  return z;
}

/** Q·x for a row-major n×n Q. */
function matvec(Q: Float64Array, x: number[], n: number): number[] {
  const y = new Array(n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i] += Q[i * n + j] * x[j];
  return y;
}

/** Outputs [B][outputDim] of the model for rows of x, eval mode. */
export function referenceForward(model: Mlp, rows: number[][]): number[][] {
  const c = model.config;
  const w = new Map(model.getWeights().map((a) => [a.name, a.data]));
  return rows.map((x0) => {
    const xs: number[][] = [x0];
    for (let l = 1; l <= c.depth; l++) {
      const nin = l === 1 ? c.inputDim : c.width;
      let z = affine(xs[l - 1], w.get(`L${l}.W`)!, w.get(`L${l}.b`)!, nin, c.width);
      if (c.batchNorm.includes(l)) {
        const g = w.get(`L${l}.bn.gamma`)!;
        const be = w.get(`L${l}.bn.beta`)!;
        const mu = w.get(`L${l}.bn.mean`)!;
        const v = w.get(`L${l}.bn.var`)!;
        z = z.map((zi, i) => (g[i] * (zi - mu[i])) / Math.sqrt(v[i] + BN_EPS) + be[i]);
      }
      // non-skip symmetry breakers (config.ts UnitBreakingConfig): g_a · max(z + c_a, α_a (z + c_a))
      const ub = model.unitBreakers[l - 1]?.values;
      if (ub?.offsets) z = z.map((zi, i) => zi + ub.offsets![i]);
      let h = z.map((zi, i) => (ub?.slopes ? (zi > 0 ? zi : ub.slopes[i] * zi) : act(c.activation, zi)));
      if (ub?.gains) h = h.map((hi, i) => hi * ub.gains![i]);
      let out = h;
      const prev = xs[l - 1];
      const s = c.skip;
      if (l >= 2 && s.type === "identity") out = h.map((hi, i) => hi + prev[i]);
      if (l >= 2 && s.type === "matrix") {
        const sk = model.skipMatrices.get(l)!;
        const m = prev.reduce((a, b) => a + b, 0) / c.width;
        const k = s.scale ?? 1; // the stored matrix already includes it
        const q =
          s.matrix === "mean"
            ? new Array(c.width).fill(k * m)
            : s.matrix === "blend"
              ? prev.map((p) => k * ((1 - s.blend) * m + s.blend * p)) // ((1 − α)(1/n)11ᵀ + αI) x
              : matvec(sk.matrix!, prev, c.width);
        out = h.map((hi, i) => hi + q[i]);
      }
      if (l >= 2 && s.type === "hyper") {
        out = h.map((hi, i) => hi + prev[i]);
        if (l >= 3) {
          const acc = new Array(c.width).fill(0);
          for (let k = 1; k <= l - 2; k++) {
            const term = s.form === "orthogonal" ? matvec(model.skipMatrices.get(k)!.matrix!, xs[k], c.width) : xs[k];
            term.forEach((t, i) => (acc[i] += t));
          }
          out = out.map((o, i) => o + acc[i] / (l - 2));
        }
      }
      xs.push(out);
    }
    return affine(xs[c.depth], w.get("out.W")!, w.get("out.b")!, c.width, c.outputDim);
  });
}
