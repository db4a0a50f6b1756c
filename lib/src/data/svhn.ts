/**
 * SVHN, cropped digits ("format 2"): train_32x32.mat and test_32x32.mat (MATLAB level-5, see mat.ts).
 *
 *   X: uint8 [32, 32, 3, N] column-major, so pixel (row h, column w, channel c) of image n is at
 *      h + 32 * w + 1024 * c + 3072 * n.
 *   y: [N, 1] (stored as double), digits 1..9 as themselves and digit 0 as the label 10.
 * Loaded as x: Uint8Array [N, 3072] CHW [3, 32, 32] (each plane row-major), y: Int32Array [N] with 10 -> 0.
 */
import { checkDataset, type ClassificationDataset, type DatasetSplit } from "./dataset";
import { DatasetError, refetchAdvice } from "./errors";
import { locateFiles, type LocateOptions } from "./locate";
import { readMatFile, type MatVariable } from "./mat";
import { getDatasetEntry } from "./registry";

/** Converts SVHN's X and y variables (as read from the .mat) to CHW uint8 rows and 0..9 labels. */
export function svhnFromMat(vars: Map<string, MatVariable>, file: string, fix: string): { x: Uint8Array; y: Int32Array; n: number } {
  const X = vars.get("X");
  const Y = vars.get("y");
  const bad = (what: string, expected: string, found: string): never => {
    throw new DatasetError({ code: "format", what, file, expected, found, fix });
  };
  if (X === undefined || Y === undefined || X.data === null || Y.data === null) {
    return bad("SVHN .mat file lacks its X or y variable", "numeric variables X and y", `variables: ${[...vars.keys()].join(", ") || "none"}`);
  }
  if (X.className !== "uint8" || !(X.data instanceof Uint8Array)) bad("SVHN X has the wrong type", "uint8 stored as miUINT8", X.className);
  const [H, W, C, N] = X.dims.length === 4 ? X.dims : X.dims.length === 3 ? [...X.dims, 1] : [0, 0, 0, 0];
  if (H !== 32 || W !== 32 || C !== 3) bad("SVHN X has the wrong dimensions", "[32, 32, 3, N]", `[${X.dims.join(", ")}]`);
  if (Y.data.length !== N) bad("SVHN y does not have one label per image", `${N} labels`, `${Y.data.length} (dims [${Y.dims.join(", ")}])`);
  const src = X.data as Uint8Array;
  const x = new Uint8Array(N * 3072); // [N, 3, 32, 32]
  for (let n = 0; n < N; n++) {
    const so = 3072 * n;
    const dO = 3072 * n;
    for (let c = 0; c < 3; c++) {
      for (let w = 0; w < 32; w++) {
        const s = so + 1024 * c + 32 * w; // column w of plane c: 32 consecutive rows
        const d = dO + 1024 * c + w;
        for (let h = 0; h < 32; h++) x[d + 32 * h] = src[s + h];
      }
    }
  }
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = Y.data[i];
    if (!Number.isInteger(v) || v < 1 || v > 10) {
      throw new DatasetError({
        code: "labels",
        what: "SVHN label out of range",
        file,
        expected: "labels 1..10 (10 stands for digit 0)",
        found: `label ${v} at image ${i}`,
        fix,
      });
    }
    y[i] = v === 10 ? 0 : v;
  }
  return { x, y, n: N };
}

export interface SvhnLoadOptions extends LocateOptions {
  split: DatasetSplit;
}

/** SVHN cropped digits from `<data dir>/downloads/svhn/` (run `npx skiplab data fetch svhn` first). */
export function loadSvhn(opts: SvhnLoadOptions): ClassificationDataset {
  const entry = getDatasetEntry("svhn");
  const [file] = locateFiles(entry, entry.splitFiles[opts.split], opts);
  const fix = refetchAdvice(file, "svhn");
  const { x, y, n } = svhnFromMat(readMatFile(file, { names: ["X", "y"], fix }), file, fix);
  return checkDataset({
    name: "svhn",
    split: opts.split,
    x,
    y,
    n,
    d: 3072,
    shape: [3, 32, 32],
    layout: "chw" as const,
    task: "classification" as const,
    numClasses: 10,
    yDim: 1,
    classNames: entry.classNames,
    source: file,
  });
}
