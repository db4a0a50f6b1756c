/**
 * STL-10, labelled train (5000) and test (8000) images, binary version.
 *
 *   *_X.bin: uint8, 3 x 96 x 96 per image, column-major (MATLAB order): pixel (row h, column w, channel c) of
 *            image n is at 27648 * n + 9216 * c + 96 * w + h.
 *   *_y.bin: uint8 labels 1..10 (1 = airplane ... 10 = truck), one per image.
 * Loaded as x: Uint8Array [n, 3 * S * S] CHW, with S = 96 or, with `size`, area-downsampled on the fly
 * (96 -> 32 makes it CIFAR-sized); y: Int32Array [n] in 0..9.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { checkDataset, type ClassificationDataset, type DatasetSplit } from "./dataset";
import { areaPlan, downsampleImage } from "./downsample";
import { DatasetError, refetchAdvice, rejectHtml } from "./errors";
import { locateFiles, readOptionalLines, type LocateOptions } from "./locate";
import { countRecords, forEachRecordBlock } from "./records";
import { getDatasetEntry } from "./registry";

export const STL10_IMAGE_BYTES = 3 * 96 * 96; // 27648

export interface Stl10ParseOptions {
  /** Output side length: 96 (default, no resampling) or smaller, by area averaging (e.g. 32). */
  size?: number;
  /** "same" rounds downsampled pixels to uint8 (default); "float32" keeps exact averages. */
  dtype?: "same" | "float32";
  fix?: (file: string) => string;
}

/** Parses an STL-10 images file and its labels file. */
export function parseStl10(imagesFile: string, labelsFile: string, opts: Stl10ParseOptions = {}): { x: Uint8Array | Float32Array; y: Int32Array; n: number; size: number } {
  const fixFor = opts.fix ?? ((f: string) => refetchAdvice(f));
  const n = countRecords(imagesFile, STL10_IMAGE_BYTES, "STL-10 images", fixFor(imagesFile));
  const labels = fs.readFileSync(labelsFile);
  rejectHtml(labels.subarray(0, 64), labelsFile, fixFor(labelsFile));
  if (labels.length !== n) {
    throw new DatasetError({
      code: labels.length < n ? "truncated" : "format",
      what: "STL-10 labels file does not hold one label per image",
      file: labelsFile,
      expected: `${n} bytes (one per image in ${path.basename(imagesFile)})`,
      found: `${labels.length} bytes`,
      fix: fixFor(labelsFile),
    });
  }
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v < 1 || v > 10) {
      throw new DatasetError({
        code: "labels",
        what: "STL-10 label out of range",
        file: labelsFile,
        expected: "labels 1..10",
        found: `label ${v} at image ${i}`,
        fix: fixFor(labelsFile),
      });
    }
    y[i] = v - 1;
  }
  const S = opts.size ?? 96;
  const d = 3 * S * S;
  const x = S !== 96 && opts.dtype === "float32" ? new Float32Array(n * d) : new Uint8Array(n * d);
  const plan = areaPlan(96, S);
  const tmp = new Float64Array(96 * S);
  // Source strides for one column-major image: channel 9216, row 1, column 96.
  const srcStrides: [number, number, number] = [9216, 1, 96];
  const dstStrides: [number, number, number] = [S * S, S, 1];
  forEachRecordBlock(imagesFile, STL10_IMAGE_BYTES, (bytes, first, count) => {
    for (let r = 0; r < count; r++) {
      const i = first + r;
      if (S === 96) {
        // Transpose each plane from column-major to row-major.
        const so = r * STL10_IMAGE_BYTES;
        const dOff = i * d;
        for (let c = 0; c < 3; c++) {
          for (let w = 0; w < 96; w++) {
            const s = so + 9216 * c + 96 * w;
            const t = dOff + 9216 * c + w;
            for (let h = 0; h < 96; h++) x[t + 96 * h] = bytes[s + h];
          }
        }
      } else {
        downsampleImage(bytes, r * STL10_IMAGE_BYTES, 3, 96, 96, srcStrides, x, i * d, plan, plan, dstStrides, tmp);
      }
    }
  });
  return { x, y, n, size: S };
}

export interface Stl10LoadOptions extends LocateOptions {
  split: DatasetSplit;
  /** Side length after area downsampling: 96 (native, default) or e.g. 32. */
  size?: number;
  /** For size < 96: "same" (default) rounds to uint8; "float32" keeps exact averages. */
  dtype?: "same" | "float32";
}

/** STL-10 labelled split from `<data dir>/downloads/stl10/` (run `npx skiplab data fetch stl10` first). */
export function loadStl10(opts: Stl10LoadOptions): ClassificationDataset {
  const entry = getDatasetEntry("stl10");
  const [imagesFile, labelsFile] = locateFiles(entry, entry.splitFiles[opts.split], opts);
  const { x, y, n, size } = parseStl10(imagesFile, labelsFile, {
    size: opts.size,
    dtype: opts.dtype,
    fix: (f) => refetchAdvice(f, "stl10"),
  });
  const names = readOptionalLines(entry, "stl10_binary/class_names.txt", opts);
  return checkDataset({
    name: size === 96 ? "stl10" : `stl10-${size}`,
    split: opts.split,
    x,
    y,
    n,
    d: 3 * size * size,
    shape: [3, size, size],
    layout: "chw" as const,
    task: "classification" as const,
    numClasses: 10,
    yDim: 1,
    classNames: names?.length === 10 ? names : entry.classNames,
    source: imagesFile,
  });
}
