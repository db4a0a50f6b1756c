/**
 * Gaussian-blob classification data: k classes in d dimensions, x = mu_c + std * eps, eps ~ N(0, I_d).
 * `blobMeans` and `sampleBlobs` are the one generator behind every blob dataset in the library: `gaussianMixture`
 * here, the run specs' "gaussian-mixture" data provider (runs/spec.ts) and paper 1's synthetic stand-in.
 *
 * `gaussianMixture`: class means for k <= d are k random orthonormal directions scaled by separation / sqrt(2), so every pair of means
 * is exactly `separation` apart (in the same units as std; separation / std is the signal-to-noise ratio).
 * For k > d the directions are random unit vectors (pairwise distances only approximately `separation`).
 * Labels are balanced and interleaved: sample i has class i mod k. Seeds: means from subSeed(seed, "means"), samples from subSeed(seed, "samples:<split>").
 */
import { normalise, orthonormalise, scale } from "../linalg/vector";
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

/**
 * Where the k class means of a blob dataset sit, [k, d]:
 * - `{ separation }`: k ≤ d random orthonormal directions scaled by separation/√2, so every pair of means is
 *   exactly `separation` apart (for k > d, random unit directions: pairwise distances only about `separation`);
 * - `{ scale }`: independent draws μ_c ~ N(0, scale² I_d) (‖μ_a − μ_b‖ ≈ scale·√(2d)).
 */
export type BlobPlacement = { separation: number } | { scale: number };

/** Draws the class means, [k, d], from `rng` (see BlobPlacement). */
export function blobMeans(rng: Rng, k: number, d: number, placement: BlobPlacement): Float64Array {
  if ("scale" in placement) return rng.normals(k * d, 0, placement.scale);
  const means = new Float64Array(k * d);
  const directions: Float64Array[] = []; // views of the means so far
  for (let c = 0; c < k; c++) {
    const m = means.subarray(c * d, (c + 1) * d);
    for (let j = 0; j < d; j++) m[j] = rng.normal();
    if (k <= d) orthonormalise(m, directions);
    else normalise(m);
    directions.push(m);
  }
  return scale(placement.separation / Math.SQRT2, means);
}

/**
 * n samples x = μ_y + noise·ε, ε ~ N(0, I_d), from `rng`. Labels are `interleaved` (sample i has class i mod k, so
 * the classes are balanced) or drawn uniformly at `random`; for each sample the label is drawn (if random) before
 * its d noise values. The single sampler behind every Gaussian-blob dataset in the library.
 */
export function sampleBlobs(
  rng: Rng,
  means: Float64Array,
  k: number,
  n: number,
  opts: { noise: number; labels: "interleaved" | "random" },
): { x: Float32Array; y: Int32Array } {
  const d = means.length / k;
  const x = new Float32Array(n * d); // [n, d]
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = opts.labels === "random" ? rng.int(k) : i % k;
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = means[c * d + j] + opts.noise * rng.normal();
  }
  return { x, y };
}

/** Generates train and test sets from one set of class means; also returns the means, [k, d]. */
export function gaussianMixture(opts: GaussianMixtureOptions): {
  train: ClassificationDataset;
  test: ClassificationDataset;
  means: Float64Array;
} {
  const { k, d } = opts;
  if (!(Number.isInteger(k) && k >= 2 && Number.isInteger(d) && d >= 1)) {
    throw new DatasetError({
      code: "argument",
      what: "gaussianMixture needs k >= 2 classes and d >= 1",
      file: "gaussian-mixture",
      expected: "integers k >= 2, d >= 1",
      found: `k = ${k}, d = ${d}`,
      fix: "set k and d",
    });
  }
  const means = blobMeans(new Rng(subSeed(opts.seed, "means")), k, d, { separation: opts.separation });
  const make = (split: DatasetSplit, n: number): ClassificationDataset => {
    const { x, y } = sampleBlobs(new Rng(subSeed(opts.seed, `samples:${split}`)), means, k, n, {
      noise: opts.std ?? 1,
      labels: "interleaved",
    });
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
