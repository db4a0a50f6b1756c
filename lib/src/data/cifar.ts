/**
 * CIFAR-10 and CIFAR-100, binary versions.
 *
 *   CIFAR-10 record:  <1 byte label 0..9> <3072 bytes pixels>
 *   CIFAR-100 record: <1 byte coarse label 0..19> <1 byte fine label 0..99> <3072 bytes pixels>
 * Pixels are three 32x32 planes (red, green, blue), each row-major: exactly the CHW layout of a Dataset row,
 * so a record's pixels are copied as they are. x: Uint8Array [n, 3072], CHW [3, 32, 32].
 */
import * as path from "node:path";
import { checkDataset, type ClassificationDataset, type DatasetSplit } from "./dataset";
import { DatasetError, refetchAdvice } from "./errors";
import { locateFiles, readOptionalLines, type LocateOptions } from "./locate";
import { countRecords, forEachRecordBlock } from "./records";
import { CIFAR100_COARSE_CLASSES, getDatasetEntry } from "./registry";

export const CIFAR_PIXELS = 3 * 32 * 32; // 3072

export interface CifarParseOptions {
  kind: "cifar10" | "cifar100";
  /** CIFAR-100 only: which label byte becomes y. */
  labels?: "fine" | "coarse";
  /** Advice for errors. */
  fix?: (file: string) => string;
}

/**
 * Parses CIFAR binary batch files (concatenated in the given order) into x [n, 3072] uint8 and y [n] int32.
 * Checks: whole records, no HTML, labels in range.
 */
export function parseCifarFiles(files: string[], opts: CifarParseOptions): { x: Uint8Array; y: Int32Array; n: number } {
  const labelBytes = opts.kind === "cifar10" ? 1 : 2;
  const record = labelBytes + CIFAR_PIXELS;
  const fine = opts.kind === "cifar10" || (opts.labels ?? "fine") === "fine";
  const labelOffset = opts.kind === "cifar10" ? 0 : fine ? 1 : 0; // coarse byte first, then fine
  const fixFor = opts.fix ?? ((f: string) => refetchAdvice(f));
  const counts = files.map((f) => countRecords(f, record, `CIFAR (${opts.kind})`, fixFor(f)));
  const n = counts.reduce((a, b) => a + b, 0);
  const x = new Uint8Array(n * CIFAR_PIXELS); // [n, 3, 32, 32]
  const y = new Int32Array(n); // [n]
  let base = 0;
  files.forEach((file, k) => {
    forEachRecordBlock(file, record, (bytes, first, count) => {
      for (let r = 0; r < count; r++) {
        const o = r * record;
        const i = base + first + r;
        // Both label bytes are range-checked even when only one is used: a wrong byte means a damaged file.
        for (let b = 0; b < labelBytes; b++) {
          const limit = opts.kind === "cifar10" ? 10 : b === 0 ? 20 : 100;
          if (bytes[o + b] >= limit) {
            throw new DatasetError({
              code: "labels",
              what: "Label out of range in a CIFAR file (damaged, or not this CIFAR variant)",
              file,
              expected: `${b === 0 && opts.kind === "cifar100" ? "coarse" : opts.kind === "cifar100" ? "fine" : ""} labels 0..${limit - 1}`.trim(),
              found: `label ${bytes[o + b]} in record ${first + r}`,
              fix: fixFor(file),
            });
          }
        }
        y[i] = bytes[o + labelOffset];
        x.set(bytes.subarray(o + labelBytes, o + record), i * CIFAR_PIXELS);
      }
    });
    base += counts[k];
  });
  return { x, y, n };
}

export interface CifarLoadOptions extends LocateOptions {
  split: DatasetSplit;
}

/** CIFAR-10 from `<data dir>/downloads/cifar10/` (run `npx skiplab data fetch cifar10` first). */
export function loadCifar10(opts: CifarLoadOptions): ClassificationDataset {
  const entry = getDatasetEntry("cifar10");
  const files = locateFiles(entry, entry.splitFiles[opts.split], opts);
  const { x, y, n } = parseCifarFiles(files, { kind: "cifar10", fix: (f) => refetchAdvice(f, "cifar10") });
  const names = readOptionalLines(entry, "cifar-10-batches-bin/batches.meta.txt", opts);
  return checkDataset({
    name: "cifar10",
    split: opts.split,
    x,
    y,
    n,
    d: CIFAR_PIXELS,
    shape: [3, 32, 32],
    layout: "chw" as const,
    task: "classification" as const,
    numClasses: 10,
    yDim: 1,
    classNames: names?.length === 10 ? names : entry.classNames,
    source: path.dirname(files[0]),
  });
}

export interface Cifar100LoadOptions extends CifarLoadOptions {
  /** "fine": 100 classes (default); "coarse": the 20 superclasses. */
  labels?: "fine" | "coarse";
}

/** CIFAR-100 with fine (100) or coarse (20) labels, from `<data dir>/downloads/cifar100/`. */
export function loadCifar100(opts: Cifar100LoadOptions): ClassificationDataset {
  const entry = getDatasetEntry("cifar100");
  const labels = opts.labels ?? "fine";
  const files = locateFiles(entry, entry.splitFiles[opts.split], opts);
  const { x, y, n } = parseCifarFiles(files, { kind: "cifar100", labels, fix: (f) => refetchAdvice(f, "cifar100") });
  const numClasses = labels === "fine" ? 100 : 20;
  const names = readOptionalLines(entry, `cifar-100-binary/${labels}_label_names.txt`, opts);
  const fallback = labels === "fine" ? entry.classNames : CIFAR100_COARSE_CLASSES;
  return checkDataset({
    name: labels === "fine" ? "cifar100" : "cifar100-coarse",
    split: opts.split,
    x,
    y,
    n,
    d: CIFAR_PIXELS,
    shape: [3, 32, 32],
    layout: "chw" as const,
    task: "classification" as const,
    numClasses,
    yDim: 1,
    classNames: names?.length === numClasses ? names : fallback,
    source: path.dirname(files[0]),
  });
}

