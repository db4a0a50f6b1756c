/**
 * P2 Fig. 2's blocks, computed: the library's BlockNet block (models/blocks.ts) with a linear activation against the
 * diagram's map evaluated in float64 from the same weights (row-vector convention of `dense`: z = x W + b):
 *   PlainNet  h = (x W₁ + b₁) W₂ + b₂
 *   ResNet    h = (x W₁ + b₁) W₂ + b₂ + x
 *   ResNeXt   h = Σ_k (x W₁ᵏ + b₁ᵏ) W₂ᵏ + b + x
 */
import * as tf from "@tensorflow/tfjs";
import { createModel } from "../../models/create";
import type { Measured, Preregistration } from "../../report/prereg";
import { exactEffect } from "../../report/verdict";
import { Rng, subSeed } from "../../util/random";

export type P2BlockFamily = "plain" | "resnet" | "resnext";

/** Largest |library − float64 diagram map| relative to the largest |diagram map| on a random batch. */
export function p2BlockMapError(
  family: P2BlockFamily,
  o: { width: number; cardinality: number; groupWidth: number; batch: number },
  seed: number,
): number {
  const n = o.width;
  const model = createModel(
    {
      kind: "blocks",
      family,
      inputDim: n,
      outputDim: 2,
      width: n,
      blocks: 1,
      cardinality: o.cardinality,
      groupWidth: o.groupWidth,
      activation: "linear",
      biasInit: 0.1,
      batchNorm: false,
    },
    seed,
  );
  try {
    const x = tf.tensor2d(Float32Array.from(new Rng(subSeed(seed, "p2-block-input")).normals(o.batch * n)), [
      o.batch,
      n,
    ]);
    const { activations, output } = model.forward(x, { returnActivations: true });
    const x0 = Float64Array.from(activations.find((a) => a.name === "stem")!.x.dataSync());
    const got = Float64Array.from(activations.find((a) => a.name === "B1")!.x.dataSync());
    tf.dispose([x, output, ...activations.flatMap((a) => [a.z, a.h, a.x].filter((t): t is tf.Tensor2D => t !== null))]);
    const w = new Map(model.getWeights().map((a) => [a.name, a]));
    const get = (name: string) => {
      const a = w.get(name);
      if (!a) throw new Error(`p2BlockMapError: the model has no tensor ${name}`);
      return a;
    };
    // row-vector affine map: out[r, j] = Σ_i in[r, i] W[i, j] + b[j]
    const affine = (input: Float64Array, inDim: number, Wn: string, bn: string | null) => {
      const W = get(Wn);
      const outDim = W.shape[1];
      const b = bn ? get(bn).data : null;
      const out = new Float64Array(o.batch * outDim);
      for (let r = 0; r < o.batch; r++)
        for (let j = 0; j < outDim; j++) {
          let acc = b ? b[j] : 0;
          for (let i = 0; i < inDim; i++) acc += input[r * inDim + i] * W.data[i * outDim + j];
          out[r * outDim + j] = acc;
        }
      return out;
    };
    let want: Float64Array;
    if (family === "resnext") {
      want = new Float64Array(o.batch * n);
      for (let k = 1; k <= o.cardinality; k++) {
        const u = affine(x0, n, `B1.P${k}.L1.W`, `B1.P${k}.L1.b`);
        const v = affine(u, o.groupWidth, `B1.P${k}.L2.W`, null);
        for (let i = 0; i < want.length; i++) want[i] += v[i];
      }
      const b = get("B1.bias.b").data;
      for (let r = 0; r < o.batch; r++) for (let j = 0; j < n; j++) want[r * n + j] += b[j] + x0[r * n + j];
    } else {
      want = affine(affine(x0, n, "B1.L1.W", "B1.L1.b"), n, "B1.L2.W", "B1.L2.b");
      if (family === "resnet") for (let i = 0; i < want.length; i++) want[i] += x0[i];
    }
    let err = 0;
    let scale = 0;
    for (let i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    return err / scale;
  } finally {
    model.dispose();
  }
}

/** Fig. 2's registration: one sanity check (the figure is a diagram and makes no claim of its own). */
export function p2BlocksPreregistration(scale: string): Preregistration {
  return {
    notebook: "09-p2-fig2-blocks",
    scale,
    seeds: { exploration: [0, 1], confirmation: [100, 101, 102, 103, 104] },
    claims: [
      {
        id: "S1",
        figure: "P2 Fig. 2",
        claim:
          "The library's PlainNet, ResNet and ResNeXt blocks compute the maps the diagrams draw (checked with a linear activation against a float64 evaluation from the same weights).",
        source: "ours (a check of this project's models against the paper's block definitions, §2.0)",
        kind: "sanity",
        criteria: (["plain", "resnet", "resnext"] as const).map((f) => ({
          id: f,
          estimate: `log₁₀ of the largest relative error of the ${f} block over the seeds, plus 5 (negative: below 1e-5)`,
          test: "exact computation (float32 model against a float64 reference)",
          expect: { direction: "negative" as const, alpha: 0.05, sesoi: 0 },
        })),
      },
    ],
    notes: ["one block of width 16, s = 4 paths of width q = 4, a batch of 32 Gaussian inputs per seed, biases 0.1"],
  };
}

/** The registered estimates on one seed set. */
export function p2BlocksMeasure(seeds: readonly number[]): Measured {
  const o = { width: 16, cardinality: 4, groupWidth: 4, batch: 32 };
  const worst = (f: P2BlockFamily) => Math.max(...seeds.map((s) => p2BlockMapError(f, o, s)));
  const fams = ["plain", "resnet", "resnext"] as const;
  const errs = Object.fromEntries(fams.map((f) => [f, worst(f)])) as Record<P2BlockFamily, number>;
  return {
    estimates: {
      S1: Object.fromEntries(fams.map((f) => [f, exactEffect(Math.log10(Math.max(errs[f], 1e-300)) + 5)])),
    },
    numbers: { S1: Object.fromEntries(fams.map((f) => [`largest relative error, ${f}`, errs[f]])) },
  };
}
