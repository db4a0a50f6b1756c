/**
 * LeCun's idx format (MNIST, Fashion-MNIST), raw or gzip-compressed.
 *
 *   bytes 0-1: 0x00 0x00
 *   byte  2:   element type (0x08 = unsigned byte; the only type these datasets use)
 *   byte  3:   number of dimensions
 *   then one big-endian uint32 per dimension, then the data, row-major.
 * So the magic number, read as a big-endian uint32, is 0x00000803 for [n, rows, cols] images and 0x00000801 for
 * [n] labels.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { checkDataset, type ClassificationDataset, type DatasetSplit } from "./dataset";
import { DatasetError, rejectHtml } from "./errors";

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  magic: number;
  /** Dimensions, outermost first: [n, rows, cols] or [n]. */
  dims: number[];
  /** The elements, row-major (a view into the decoded file, no copy). */
  data: Uint8Array;
}

/** Decodes idx bytes; `file` and `fix` only feed error messages. Checks magic and exact length. */
export function parseIdx(bytes: Uint8Array, file: string, expectMagic: number, fix: string): IdxArray {
  rejectHtml(bytes.subarray(0, 64), file, fix);
  const kind = expectMagic === IDX_IMAGES_MAGIC ? "images" : "labels";
  if (bytes.length < 4) {
    throw new DatasetError({ code: "truncated", what: "idx file is truncated", file, expected: "at least a 4-byte magic number", found: `${bytes.length} bytes`, fix });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectMagic) {
    throw new DatasetError({
      code: "format",
      what: `Wrong magic number: not an idx ${kind} file`,
      file,
      expected: `0x${expectMagic.toString(16).padStart(8, "0")} (idx ${kind}, unsigned bytes)`,
      found: `0x${magic.toString(16).padStart(8, "0")}`,
      fix,
    });
  }
  const ndim = magic & 0xff;
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DatasetError({ code: "truncated", what: "idx file is truncated inside its header", file, expected: `${headerBytes} header bytes`, found: `${bytes.length} bytes`, fix });
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count;
  if (bytes.length !== expected) {
    throw new DatasetError({
      code: bytes.length < expected ? "truncated" : "format",
      what: bytes.length < expected ? "idx file is truncated" : "idx file has trailing bytes after its data",
      file,
      expected: `${expected} bytes for dims [${dims.join(", ")}]`,
      found: `${bytes.length} bytes`,
      fix,
    });
  }
  return { magic, dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count) };
}

/** Reads an idx file from disk, gunzipping it when it starts with the gzip magic 1f 8b. */
export function readIdxFile(file: string, expectMagic: number, fix: string): IdxArray {
  let bytes: Uint8Array = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // One output chunk of the size the gzip trailer announces (ISIZE, the last 4 bytes): no concatenation copy
      // and no heap of 16 KiB chunks left behind (that cost ~50 MiB of resident memory for Fashion-MNIST).
      const isize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
      bytes = zlib.gunzipSync(bytes, { chunkSize: Math.min(Math.max(isize, 64 * 1024), 1 << 30) });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new DatasetError({
        code: err.code === "Z_BUF_ERROR" ? "truncated" : "format",
        what: err.code === "Z_BUF_ERROR" ? "gzip file is truncated" : `gzip data is corrupt: ${err.message}`,
        file,
        expected: "a complete gzip-compressed idx file",
        found: err.code ?? err.message,
        fix,
        cause: e,
      });
    }
  }
  return parseIdx(bytes, file, expectMagic, fix);
}

/** Encodes an idx file of unsigned bytes (used to write the committed Fashion-MNIST subset, and by tests). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeIdx: dims [${dims.join(", ")}] hold ${count} elements, data has ${data.length}`);
  const out = Buffer.alloc(4 + 4 * dims.length + count);
  out.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export interface IdxPairMeta {
  name: string;
  split: DatasetSplit;
  numClasses: number;
  classNames?: string[];
  source?: string;
  /** Sample count the split must have (official size); omitted for subsets. */
  expectN?: number;
  /**
   * Advice for errors: a function of the file at fault (so an error in the labels file names the labels file),
   * or one string for both files.
   */
  fix: string | ((file: string) => string);
}

/** Loads an idx images file + labels file as a uint8 dataset, x [n, 1 * rows * cols] (CHW with C = 1). */
export function loadIdxPair(imagesFile: string, labelsFile: string, meta: IdxPairMeta): ClassificationDataset {
  const fixFor = (file: string) => (typeof meta.fix === "function" ? meta.fix(file) : meta.fix);
  const images = readIdxFile(imagesFile, IDX_IMAGES_MAGIC, fixFor(imagesFile));
  const labels = readIdxFile(labelsFile, IDX_LABELS_MAGIC, fixFor(labelsFile));
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    // Either file may be the wrong one (both are well-formed on their own), so both are named and both replaced.
    throw new DatasetError({
      code: "format",
      what: "idx images and labels files disagree on the number of samples",
      file: `${imagesFile} + ${labelsFile}`,
      expected: `${n} labels (one per image in ${imagesFile})`,
      found: `${labels.dims[0]} labels in ${labelsFile}`,
      fix: typeof meta.fix === "function" ? `${fixFor(imagesFile)}; ${fixFor(labelsFile)}` : meta.fix,
    });
  }
  if (meta.expectN !== undefined && n !== meta.expectN) {
    throw new DatasetError({
      code: "format",
      what: `idx file holds ${n} samples, not the official ${meta.expectN}`,
      file: imagesFile,
      expected: `${meta.expectN} samples`,
      found: `${n}`,
      fix: fixFor(imagesFile),
    });
  }
  const y = new Int32Array(n); // [n]
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (v >= meta.numClasses) {
      throw new DatasetError({
        code: "labels",
        what: "Label out of range",
        file: labelsFile,
        expected: `labels 0..${meta.numClasses - 1}`,
        found: `label ${v} at sample ${i}`,
        fix: fixFor(labelsFile),
      });
    }
    y[i] = v;
  }
  return checkDataset({
    name: meta.name,
    split: meta.split,
    x: images.data, // [n, rows * cols], uint8
    y,
    n,
    d: rows * cols,
    shape: [1, rows, cols],
    layout: "chw" as const,
    task: "classification" as const,
    numClasses: meta.numClasses,
    yDim: 1,
    classNames: meta.classNames,
    source: meta.source ?? imagesFile,
  });
}
