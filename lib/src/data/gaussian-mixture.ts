/**
 * Gaussian-mixture classification data: k classes in d dimensions, x = mu_c + std * eps, eps ~ N(0, I_d).
 *
 * Class means: for k <= d, k random orthonormal directions scaled by separation / sqrt(2), so every pair of means
 * is exactly `separation` apart (in the same units as std; separation / std is the signal-to-noise ratio).
 * For k > d the directions are random unit vectors (pairwise distances only approximately `separation`).
 * Labels are balanced and interleaved: sample i has class i mod k.
 * Seeds: means from subSeed(seed, "means"), samples from subSeed(seed, "samples:<split>").
 */
import { Rng, subSeed } from "../util/random";
import { checkDataset, type ClassificationDataset, type DatasetSplit } from "./dataset";
import { DatasetError } from "./errors";

export interface GaussianMixtureOptions {
  seed: number;
  /** Number of classes (components). */
  k: number;
  /** Input dimension. */
  d: number;
  nTrain: number;
  nTest: number;
  /** Distance between class means (see the module comment). */
  separation: number;
  /** Within-class std; default 1. */
  std?: number;
}

/** Generates train and test sets from one set of class means; also returns the means, [k, d]. */
export function gaussianMixture(opts: GaussianMixtureOptions): { train: ClassificationDataset; test: ClassificationDataset; means: Float64Array } {
  const { k, d } = opts;
  if (!(Number.isInteger(k) && k >= 2 && Number.isInteger(d) && d >= 1)) {
    throw new DatasetError({ code: "argument", what: "gaussianMixture needs k >= 2 classes and d >= 1", file: "gaussian-mixture", expected: "integers k >= 2, d >= 1", found: `k = ${k}, d = ${d}`, fix: "set k and d" });
  }
  const rng = new Rng(subSeed(opts.seed, "means"));
  const means = new Float64Array(k * d); // [k, d]
  for (let c = 0; c < k; c++) {
    const m = means.subarray(c * d, (c + 1) * d);
    for (let j = 0; j < d; j++) m[j] = rng.normal();
    if (k <= d) {
      // Gram-Schmidt against the previous means (twice, for round-off).
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < c; b++) {
          const mb = means.subarray(b * d, (b + 1) * d);
          let s = 0;
          for (let j = 0; j < d; j++) s += m[j] * mb[j];
          for (let j = 0; j < d; j++) m[j] -= s * mb[j];
        }
      }
    }
    let nrm = 0;
    for (let j = 0; j < d; j++) nrm += m[j] * m[j];
    nrm = Math.sqrt(nrm);
    for (let j = 0; j < d; j++) m[j] /= nrm;
  }
  const r = opts.separation / Math.SQRT2;
  for (let i = 0; i < means.length; i++) means[i] *= r;

  const std = opts.std ?? 1;
  const make = (split: DatasetSplit, n: number): ClassificationDataset => {
    const g = new Rng(subSeed(opts.seed, `samples:${split}`));
    const x = new Float32Array(n * d); // [n, d]
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % k;
      y[i] = c;
      for (let j = 0; j < d; j++) x[i * d + j] = means[c * d + j] + std * g.normal();
    }
    return checkDataset({
      name: "gaussian-mixture",
      split,
      x,
      y,
      n,
      d,
      shape: [d],
      layout: "flat" as const,
      task: "classification" as const,
      numClasses: k,
      yDim: 1,
      classNames: Array.from({ length: k }, (_, c) => `component ${c}`),
      source: `synthetic:gaussian-mixture(seed=${opts.seed}, k=${k}, d=${d}, separation=${opts.separation})`,
    });
  };
  return { train: make("train", opts.nTrain), test: make("test", opts.nTest), means };
}
