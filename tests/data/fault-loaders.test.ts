/**
 * Fault injection, loaders (issue 18, classes 5 and 6): the error and its fix name the file that is actually bad
 * (a bad labels file next to a good images file is the labels file's fault), and an HTML page saved in place of
 * any file a loader reads is reported as an HTML page, never as "truncated", also when its size differs from the
 * registry's (the ordinary case, checked before any parsing).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  DatasetError,
  encodeIdx,
  getDatasetEntry,
  loadDataset,
  loadFashionMnist,
  verifyDataset,
  type DatasetErrorCode,
} from "../../lib/src/data";
import { cifar10Bytes, tmpDir } from "./helpers";

const PAGE = Buffer.from("<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head><body>login</body></html>\n");

function caught(f: () => unknown): DatasetError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, "expected a DatasetError").toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

/** Writes `data` at <dir>/downloads/<rel>, creating folders; returns the path. */
function put(dir: string, rel: string, data: Buffer | string): string {
  const file = path.join(dir, "downloads", rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

/** A file of exactly `bytes` zero bytes, written sparsely (the registry's pinned size, without the cost). */
function sparse(dir: string, rel: string, bytes: number): string {
  const file = put(dir, rel, "");
  fs.truncateSync(file, bytes);
  return file;
}

/** The pinned size of a file a loader reads. */
function pinned(name: string, rel: string): number {
  const e = getDatasetEntry(name);
  const sizes = new Map<string, number | undefined>([
    ...e.files.map((f) => [f.file, f.bytes] as [string, number]),
    ...(e.archive?.members ?? []).map((m) => [m.path, m.bytes] as [string, number | undefined]),
  ]);
  const b = sizes.get(rel);
  if (b === undefined) throw new Error(`no pinned size for ${name}/${rel}`);
  return b;
}

/** Expects the error to be about `file` alone: named as the file, in the fix, and no other file to delete. */
function blames(err: DatasetError, code: DatasetErrorCode, file: string, innocent: string[] = []): void {
  expect(err.code, err.message).toBe(code);
  expect(err.file).toBe(file);
  expect(err.fix).toContain(file);
  for (const other of innocent) expect(err.fix, err.message).not.toContain(other);
}

function expectHtml(err: DatasetError, file: string, name: string, innocent: string[] = []): void {
  blames(err, "html", file, innocent);
  expect(err.message).toContain(`${path.basename(file)} is an HTML page (starts with <!doctype html>), not a dataset file`);
  expect(err.message).toContain("a login or error page was probably saved instead of the data");
  expect(err.message).not.toMatch(/truncated/i);
  expect(err.fix).toContain(`delete ${file}`);
  expect(err.fix).toContain(`npx skiplab data fetch ${name}`);
}

const idxImages = (n: number) => zlib.gzipSync(encodeIdx([n, 28, 28], new Uint8Array(n * 784).map((_, i) => i % 251)));
const idxLabels = (labels: number[]) => zlib.gzipSync(encodeIdx([labels.length], Uint8Array.from(labels)));

describe("idx datasets: a bad labels file next to a good images file names the labels file", () => {
  const IMAGES = "mnist/t10k-images-idx3-ubyte.gz";
  const LABELS = "mnist/t10k-labels-idx1-ubyte.gz";
  const cases: [string, () => Buffer, DatasetErrorCode][] = [
    ["an images file saved as the labels file (wrong magic)", () => idxImages(2), "format"],
    ["a labels file cut short (gzip truncated)", () => idxLabels([1, 2, 3, 4, 5, 6, 7, 8]).subarray(0, 20), "truncated"],
    ["a labels file whose data is cut short (idx truncated)", () => zlib.gzipSync(encodeIdx([4], Uint8Array.from([1, 2, 3, 4])).subarray(0, 10)), "truncated"],
    ["a label out of range", () => idxLabels([3, 10]), "labels"],
    ["an HTML page", () => PAGE, "html"],
    ["an HTML page, gzip-compressed", () => zlib.gzipSync(PAGE), "html"],
  ];
  for (const [what, bytes, code] of cases) {
    it(`mnist: ${what}`, () => {
      const dir = tmpDir();
      const images = put(dir, IMAGES, idxImages(2));
      const labels = put(dir, LABELS, bytes());
      const err = caught(() => loadDataset("mnist", { split: "test", dir, allowPartial: true }));
      blames(err, code, labels, [images]);
      expect(err.fix).toContain("npx skiplab data fetch mnist");
    });
  }

  it("mnist: a bad images file is still the images file's fault", () => {
    const dir = tmpDir();
    const images = put(dir, IMAGES, idxLabels([1, 2]));
    const labels = put(dir, LABELS, idxLabels([1, 2]));
    blames(caught(() => loadDataset("mnist", { split: "test", dir, allowPartial: true })), "format", images, [labels]);
  });

  it("mnist: images and labels that disagree on the count name both files", () => {
    const dir = tmpDir();
    const images = put(dir, IMAGES, idxImages(2));
    const labels = put(dir, LABELS, idxLabels([1, 2, 3]));
    const err = caught(() => loadDataset("mnist", { split: "test", dir, allowPartial: true }));
    expect(err.code).toBe("format");
    expect(err.message).toContain(images);
    expect(err.message).toContain(labels);
    expect(err.fix).toContain(`delete ${images}`);
    expect(err.fix).toContain(`delete ${labels}`);
  });

  it("fashion-mnist (downloaded copy): a label out of range names the labels file", () => {
    const dir = tmpDir();
    for (const f of ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"]) put(dir, `fashion-mnist/${f}`, idxImages(2));
    put(dir, "fashion-mnist/train-labels-idx1-ubyte.gz", idxLabels([1, 2]));
    const labels = put(dir, "fashion-mnist/t10k-labels-idx1-ubyte.gz", idxLabels([1, 200]));
    const images = path.join(dir, "downloads", "fashion-mnist", "t10k-images-idx3-ubyte.gz");
    const err = caught(() => loadFashionMnist({ split: "test", dir, source: "data", allowPartial: true }));
    blames(err, "labels", labels, [images]);
    expect(err.fix).toContain("npx skiplab data fetch fashion-mnist");
  });

  it("fashion-mnist (committed subset): the fix restores the labels file, not the images file", () => {
    const sub = tmpDir();
    for (const f of ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"]) fs.writeFileSync(path.join(sub, f), idxImages(2));
    fs.writeFileSync(path.join(sub, "train-labels-idx1-ubyte.gz"), idxLabels([1, 2]));
    const labels = path.join(sub, "t10k-labels-idx1-ubyte.gz");
    fs.writeFileSync(labels, idxImages(1)); // wrong magic
    const err = caught(() => loadFashionMnist({ split: "test", dir: tmpDir(), source: "subset", subsetDir: sub }));
    expect(err.code).toBe("format");
    expect(err.file).toBe(labels);
    expect(err.fix).toContain("t10k-labels-idx1-ubyte.gz");
    expect(err.fix).not.toContain("t10k-images-idx3-ubyte.gz");
  });
});

describe("an HTML page in place of each kind of file the loaders read is reported as an HTML page", () => {
  // Official (non-partial) loads: the page is far smaller than the pinned size, which used to be reported as
  // "truncated". Partner files are sparse files of the pinned size, so only the page is at fault.
  it("mnist images file (.gz)", () => {
    const dir = tmpDir();
    const images = put(dir, "mnist/t10k-images-idx3-ubyte.gz", PAGE);
    sparse(dir, "mnist/t10k-labels-idx1-ubyte.gz", pinned("mnist", "t10k-labels-idx1-ubyte.gz"));
    expectHtml(caught(() => loadDataset("mnist", { split: "test", dir })), images, "mnist");
  });

  it("mnist labels file (.gz), next to a full-size images file", () => {
    const dir = tmpDir();
    const images = sparse(dir, "mnist/t10k-images-idx3-ubyte.gz", pinned("mnist", "t10k-images-idx3-ubyte.gz"));
    const labels = put(dir, "mnist/t10k-labels-idx1-ubyte.gz", PAGE);
    expectHtml(caught(() => loadDataset("mnist", { split: "test", dir })), labels, "mnist", [images]);
  });

  it("fashion-mnist labels file saved gzip-compressed (a page sent with Content-Encoding: gzip)", () => {
    const dir = tmpDir();
    for (const f of ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]) {
      sparse(dir, `fashion-mnist/${f}`, pinned("fashion-mnist", f));
    }
    const labels = put(dir, "fashion-mnist/t10k-labels-idx1-ubyte.gz", zlib.gzipSync(PAGE));
    const err = caught(() => loadFashionMnist({ split: "test", dir, source: "data" }));
    expectHtml(err, labels, "fashion-mnist", [path.join(dir, "downloads", "fashion-mnist", "t10k-images-idx3-ubyte.gz")]);
  });

  it("CIFAR-10 batch file", () => {
    const dir = tmpDir();
    const batch = put(dir, "cifar10/cifar-10-batches-bin/test_batch.bin", PAGE);
    expectHtml(caught(() => loadDataset("cifar10", { split: "test", dir })), batch, "cifar10");
  });

  it("CIFAR-10 class names file (batches.meta.txt)", () => {
    const dir = tmpDir();
    put(dir, "cifar10/cifar-10-batches-bin/test_batch.bin", cifar10Bytes([1, 2]));
    const meta = put(dir, "cifar10/cifar-10-batches-bin/batches.meta.txt", PAGE);
    expectHtml(caught(() => loadDataset("cifar10", { split: "test", dir, allowPartial: true })), meta, "cifar10");
  });

  it("CIFAR-100 file", () => {
    const dir = tmpDir();
    const file = put(dir, "cifar100/cifar-100-binary/test.bin", PAGE);
    expectHtml(caught(() => loadDataset("cifar100", { split: "test", dir })), file, "cifar100");
    expectHtml(caught(() => loadDataset("cifar100-coarse", { split: "test", dir })), file, "cifar100");
  });

  it("SVHN .mat file", () => {
    const dir = tmpDir();
    const file = put(dir, "svhn/test_32x32.mat", PAGE);
    expectHtml(caught(() => loadDataset("svhn", { split: "test", dir })), file, "svhn");
  });

  it("STL-10 images file", () => {
    const dir = tmpDir();
    const images = put(dir, "stl10/stl10_binary/test_X.bin", PAGE);
    sparse(dir, "stl10/stl10_binary/test_y.bin", pinned("stl10", "stl10_binary/test_y.bin"));
    expectHtml(caught(() => loadDataset("stl10", { split: "test", dir })), images, "stl10");
  });

  it("STL-10 labels file, next to a full-size images file", () => {
    const dir = tmpDir();
    const images = sparse(dir, "stl10/stl10_binary/test_X.bin", pinned("stl10", "stl10_binary/test_X.bin"));
    const labels = put(dir, "stl10/stl10_binary/test_y.bin", PAGE);
    expectHtml(caught(() => loadDataset("stl10", { split: "test", dir })), labels, "stl10", [images]);
  });

  it("partial loads too (the parsers' own check): idx labels and STL-10 labels", () => {
    const dir = tmpDir();
    const images = put(dir, "mnist/t10k-images-idx3-ubyte.gz", idxImages(2));
    const labels = put(dir, "mnist/t10k-labels-idx1-ubyte.gz", PAGE);
    expectHtml(caught(() => loadDataset("mnist", { split: "test", dir, allowPartial: true })), labels, "mnist", [images]);
    const stlImages = put(dir, "stl10/stl10_binary/test_X.bin", Buffer.alloc(27648));
    const stlLabels = put(dir, "stl10/stl10_binary/test_y.bin", PAGE);
    expectHtml(caught(() => loadDataset("stl10", { split: "test", dir, allowPartial: true })), stlLabels, "stl10", [stlImages]);
  });

  it("`skiplab data verify` says HTML page too, for a download and for an extracted member", async () => {
    const dir = tmpDir();
    put(dir, "svhn/test_32x32.mat", PAGE);
    const svhn = await verifyDataset("svhn", { dir });
    expect(svhn.files.find((f) => f.file === "test_32x32.mat")?.detail).toMatch(/^an HTML page \(starts with <!doctype html>\)/);
    put(dir, "cifar10/cifar-10-batches-bin/test_batch.bin", zlib.gzipSync(PAGE));
    const cifar = await verifyDataset("cifar10", { dir });
    expect(cifar.ok).toBe(false);
    expect(cifar.members.find((m) => m.file.endsWith("test_batch.bin"))?.detail).toContain("an HTML page");
  });
});
