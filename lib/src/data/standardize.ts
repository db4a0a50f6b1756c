/**
 * Per-feature standardisation, z_ij = (x_ij - mu_j) / sigma_j, with mu and sigma estimated on the training split
 * only and then applied unchanged to every split (no test statistics leak into training).
 *
 *   mu_j    = (1/n) sum_i x_ij                      (float64 accumulation, two passes)
 *   sigma_j = sqrt((1/n) sum_i (x_ij - mu_j)^2)     (population std, like sklearn's StandardScaler)
 * Features constant on the training split (sigma_j < minStd, e.g. MNIST's border pixels) get sigma_j = 1, so they
 * become x - mu (0 on train) instead of dividing by zero.
 */
import { withInputs, type Dataset } from "./dataset";
import { DatasetError } from "./errors";

export interface StandardizeStats {
  /** Per-feature mean, [d]. */
  mean: Float64Array;
  /** Per-feature standard deviation actually divided by (constant features: 1), [d]. */
  std: Float64Array;
  /** Number of features whose training std was below minStd and was replaced by 1. */
  constantFeatures: number;
  /** Name and size of the split the statistics came from. */
  fittedOn: { name: string; split: string; n: number };
}

/** Estimates per-feature mean and std on `train` (one pass for the mean, one for the variance, float64). */
export function fitStandardizer(train: Dataset, opts: { minStd?: number } = {}): StandardizeStats {
  const { n, d, x } = train;
  if (n < 2) {
    throw new DatasetError({
      code: "argument",
      what: "Cannot estimate standardisation statistics from fewer than 2 samples",
      file: train.name,
      expected: "n >= 2",
      found: `n = ${n}`,
      fix: "fit on the full training split",
    });
  }
  const minStd = opts.minStd ?? 1e-8;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += x[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  const v = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const e = x[o + j] - mean[j];
      v[j] += e * e;
    }
  }
  const std = new Float64Array(d);
  let constantFeatures = 0;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(v[j] / n);
    if (s < minStd) {
      std[j] = 1;
      constantFeatures++;
    } else std[j] = s;
  }
  return { mean, std, constantFeatures, fittedOn: { name: train.name, split: train.split, n } };
}

/** Applies fitted statistics: float32 x [n, d] = (x - mean) / std. Same shape and layout. */
export function applyStandardizer(ds: Dataset, stats: StandardizeStats): Dataset {
  const { n, d, x } = ds;
  if (stats.mean.length !== d) {
    throw new DatasetError({
      code: "argument",
      what: "Standardisation statistics do not fit this dataset",
      file: ds.name,
      expected: `${stats.mean.length} features (fitted on ${stats.fittedOn.name} ${stats.fittedOn.split})`,
      found: `${d} features`,
      fix: "fit the statistics on the training split of the same dataset, after the same preprocessing",
    });
  }
  const inv = new Float64Array(d);
  for (let j = 0; j < d; j++) inv[j] = 1 / stats.std[j];
  const out = new Float32Array(n * d); // [n, d]
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - stats.mean[j]) * inv[j];
  }
  return withInputs(ds, out, ds.shape, ds.layout);
}

/** Fits on `train` and applies the same statistics to `train` and `test`. */
export function standardizeSplits(train: Dataset, test: Dataset): { train: Dataset; test: Dataset; stats: StandardizeStats } {
  const stats = fitStandardizer(train);
  return { train: applyStandardizer(train, stats), test: applyStandardizer(test, stats), stats };
}

/** Converts to float32 with an affine map x * scale + shift (default: uint8 pixels to [0, 1]). */
export function toFloat32(ds: Dataset, scale = 1 / 255, shift = 0): Dataset {
  const out = new Float32Array(ds.x.length);
  for (let i = 0; i < out.length; i++) out[i] = ds.x[i] * scale + shift;
  return withInputs(ds, out, ds.shape, ds.layout);
}
