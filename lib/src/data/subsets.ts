/**
 * Subsets of a dataset: by class (with labels remapped to 0..k-1), by a seeded random sample, or by explicit
 * indices. Each returns a new compact dataset (one gathered copy of the selected rows).
 */
import { Rng, subSeed } from "../util/random";
import { assertClassification, checkDataset, type Dataset, type InputArray } from "./dataset";
import { DatasetError } from "./errors";

/** The rows `indices` of `ds`, in that order, as a new dataset (x and y gathered into fresh arrays). */
export function takeSamples<T extends Dataset>(ds: T, indices: ArrayLike<number>): T {
  const m = indices.length;
  const { d, yDim } = ds;
  const x: InputArray = ds.x instanceof Uint8Array ? new Uint8Array(m * d) : new Float32Array(m * d);
  const y = ds.y instanceof Int32Array ? new Int32Array(m * yDim) : new Float32Array(m * yDim);
  for (let r = 0; r < m; r++) {
    const i = indices[r];
    if (!(Number.isInteger(i) && i >= 0 && i < ds.n)) {
      throw new DatasetError({
        code: "argument",
        what: "Sample index out of range",
        file: ds.name,
        expected: `indices in 0..${ds.n - 1}`,
        found: `${i} at position ${r}`,
        fix: "pass indices of this dataset",
      });
    }
    x.set(ds.x.subarray(i * d, (i + 1) * d), r * d);
    if (yDim === 1) y[r] = ds.y[i];
    else y.set(ds.y.subarray(i * yDim, (i + 1) * yDim), r * yDim);
  }
  return checkDataset({ ...ds, x, y, n: m });
}

/**
 * Keeps only the samples of `classes` (original label values) and relabels them 0..k-1 in the order given:
 * selectClasses(cifar10, [3, 5]) gives a cat (0) vs dog (1) problem. Sample order is preserved.
 */
export function selectClasses<T extends Dataset>(ds: T, classes: number[]): T {
  assertClassification(ds, "selectClasses");
  const remap = new Int32Array(ds.numClasses).fill(-1);
  classes.forEach((c, k) => {
    if (!(Number.isInteger(c) && c >= 0 && c < ds.numClasses) || remap[c] !== -1) {
      throw new DatasetError({
        code: "argument",
        what: "Invalid class list for selectClasses",
        file: ds.name,
        expected: `distinct classes in 0..${ds.numClasses - 1}`,
        found: `[${classes.join(", ")}]`,
        fix: "pass each class once, as its original label",
      });
    }
    remap[c] = k;
  });
  const keep: number[] = [];
  for (let i = 0; i < ds.n; i++) if (remap[ds.y[i]] !== -1) keep.push(i);
  const sub = takeSamples(ds, keep);
  const y = sub.y as Int32Array;
  for (let i = 0; i < y.length; i++) y[i] = remap[y[i]];
  return checkDataset({
    ...sub,
    numClasses: classes.length,
    classNames: ds.classNames === undefined ? undefined : classes.map((c) => ds.classNames![c]),
  });
}

export interface SampleSubsetOptions {
  /** Root seed; the draw uses `subSeed(seed, "subset")`. */
  seed: number;
  /** Draw the same number from every class (n must be divisible by numClasses). Default false. */
  stratified?: boolean;
}

/**
 * A seeded random subset of n samples without replacement, kept in their original order (so the result does not
 * depend on anything but seed and n). Returns the dataset and the chosen indices, ascending.
 */
export function sampleSubset<T extends Dataset>(ds: T, n: number, opts: SampleSubsetOptions): { data: T; indices: Int32Array } {
  if (!(Number.isInteger(n) && n >= 1 && n <= ds.n)) {
    throw new DatasetError({
      code: "argument",
      what: "Subset size out of range",
      file: ds.name,
      expected: `1..${ds.n}`,
      found: `${n}`,
      fix: "ask for at most as many samples as the dataset has",
    });
  }
  const rng = new Rng(subSeed(opts.seed, "subset"));
  let chosen: Int32Array;
  if (!opts.stratified) {
    chosen = rng.permutation(ds.n).slice(0, n);
  } else {
    assertClassification(ds, "sampleSubset({ stratified: true })");
    const k = ds.numClasses;
    const per = n / k;
    if (!Number.isInteger(per)) {
      throw new DatasetError({
        code: "argument",
        what: "A stratified subset needs n divisible by the number of classes",
        file: ds.name,
        expected: `a multiple of ${k}`,
        found: `${n}`,
        fix: `use n = ${Math.max(k, Math.round(per) * k)}`,
      });
    }
    const order = rng.permutation(ds.n);
    const taken = new Int32Array(k);
    const out: number[] = [];
    for (let r = 0; r < ds.n && out.length < n; r++) {
      const i = order[r];
      const c = ds.y[i];
      if (taken[c] < per) {
        taken[c]++;
        out.push(i);
      }
    }
    if (out.length < n) {
      const short = [...taken].map((t, c) => (t < per ? `class ${c}: ${t}` : "")).filter(Boolean);
      throw new DatasetError({
        code: "argument",
        what: "Not enough samples in some classes for a stratified subset",
        file: ds.name,
        expected: `${per} per class`,
        found: short.join(", "),
        fix: "ask for a smaller subset or drop stratification",
      });
    }
    chosen = Int32Array.from(out);
  }
  chosen.sort();
  return { data: takeSamples(ds, chosen), indices: chosen };
}
