/**
 * Every kind of bad input ends in a DatasetError that names the file, says what was expected, and says what to do:
 * truncated files, wrong magic numbers / headers, HTML error pages saved in place of data, labels out of range,
 * unknown dataset names, missing files (which must name the fetch command), wrong checksums.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  DatasetError,
  encodeIdx,
  getDatasetEntry,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadCifar10,
  loadCifar100,
  loadDataset,
  loadFashionMnist,
  loadStl10,
  loadSvhn,
  parseCifarFiles,
  readIdxFile,
  readMat,
  verifyDataset,
  walkTarGz,
  type DatasetErrorCode,
} from "../../lib/src/data";
import { cifar100Bytes, cifar10Bytes, matBytes, stl10ImageBytes, svhnVars, tarBytes, tmpDir } from "./helpers";

const HTML = Buffer.from("<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body>try later</body></html>\n");

/** Runs f, expects a DatasetError with `code` whose message mentions every string in `mentions`. */
function expectDatasetError(f: () => unknown, code: DatasetErrorCode, mentions: string[] = []): DatasetError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a DatasetError").toBeInstanceOf(DatasetError);
  const err = caught as DatasetError;
  expect(err.code, err.message).toBe(code);
  for (const m of mentions) expect(err.message).toContain(m);
  expect(err.fix, "every error says what to do").toBeTruthy();
  return err;
}

async function expectDatasetErrorAsync(f: () => Promise<unknown>, code: DatasetErrorCode, mentions: string[] = []): Promise<DatasetError> {
  const err = await f().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected a DatasetError").toBeInstanceOf(DatasetError);
  const e = err as DatasetError;
  expect(e.code, e.message).toBe(code);
  for (const m of mentions) expect(e.message).toContain(m);
  return e;
}

function writeIn(dir: string, rel: string, data: Buffer): string {
  const p = path.join(dir, "downloads", rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}

describe("missing files and unknown names", () => {
  it("a missing dataset names the exact fetch command, and loading does not download", () => {
    const dir = tmpDir();
    for (const [name, cmd] of [
      ["cifar10", "npx skiplab data fetch cifar10"],
      ["cifar100", "npx skiplab data fetch cifar100"],
      ["svhn", "npx skiplab data fetch svhn"],
      ["stl10", "npx skiplab data fetch stl10"],
      ["mnist", "npx skiplab data fetch mnist"],
    ]) {
      const err = expectDatasetError(() => loadDataset(name, { split: "train", dir }), "missing", [cmd, path.join(dir, "downloads", name)]);
      expect(err.file).toContain(dir);
    }
    expect(fs.readdirSync(path.join(dir))).toEqual([]); // nothing was created, let alone downloaded
  });

  it("Fashion-MNIST with no copy anywhere names fetch, apt and the subset", () => {
    const dir = tmpDir();
    expectDatasetError(
      () => loadFashionMnist({ split: "train", dir, debianDir: path.join(dir, "no-debian"), subsetDir: path.join(dir, "no-subset") }),
      "missing",
      ["npx skiplab data fetch fashion-mnist", "apt install dataset-fashion-mnist"],
    );
  });

  it("an unknown dataset name lists the known ones", () => {
    expectDatasetError(() => getDatasetEntry("cifar11"), "unknown-dataset", ["cifar11", "cifar10", "fashion-mnist", "skiplab data list"]);
    expectDatasetError(() => loadDataset("imagenet", { split: "train" }), "unknown-dataset", ["imagenet"]);
  });

  it("aliases resolve", () => {
    expect(getDatasetEntry("CIFAR-10").name).toBe("cifar10");
    expect(getDatasetEntry("svhn_cropped").name).toBe("svhn");
    expect(getDatasetEntry("fashion_mnist").name).toBe("fashion-mnist");
  });
});

describe("truncated files", () => {
  it("a CIFAR batch that is not a whole number of records", () => {
    const dir = tmpDir();
    const f = path.join(dir, "data_batch_1.bin");
    fs.writeFileSync(f, cifar10Bytes([1, 2]).subarray(0, 5000));
    expectDatasetError(() => parseCifarFiles([f], { kind: "cifar10" }), "truncated", [f, "3073"]);
  });

  it("a CIFAR batch shorter than the official 10000 records names delete + fetch", () => {
    const dir = tmpDir();
    const files: Record<string, Buffer> = {};
    for (let b = 1; b <= 5; b++) files[`cifar10/cifar-10-batches-bin/data_batch_${b}.bin`] = cifar10Bytes([0]);
    for (const [rel, data] of Object.entries(files)) writeIn(dir, rel, data);
    expectDatasetError(() => loadCifar10({ split: "train", dir }), "truncated", ["data_batch_1.bin", "30730000 bytes", "npx skiplab data fetch cifar10", "delete"]);
  });

  it("an idx file cut inside its data, and a cut gzip stream", () => {
    const dir = tmpDir();
    const raw = encodeIdx([4, 28, 28], new Uint8Array(4 * 784));
    const f = path.join(dir, "images");
    fs.writeFileSync(f, raw.subarray(0, raw.length - 100));
    expectDatasetError(() => readIdxFile(f, IDX_IMAGES_MAGIC, "re-run the fetch"), "truncated", [f, `${raw.length} bytes`]);
    const g = path.join(dir, "images.gz");
    const gz = zlib.gzipSync(Buffer.from(raw.map((_, i) => (i * 7919) % 256)));
    fs.writeFileSync(g, gz.subarray(0, gz.length >> 1));
    expectDatasetError(() => readIdxFile(g, IDX_IMAGES_MAGIC, "re-run the fetch"), "truncated", [g]);
  });

  it("a MAT-file cut short", () => {
    const bytes = matBytes(svhnVars([1, 2]), { compressed: false });
    expectDatasetError(() => readMat(bytes.subarray(0, bytes.length - 500), "cut.mat"), "truncated", ["cut.mat"]);
    const z = matBytes(svhnVars([1, 2]), { compressed: true });
    expectDatasetError(() => readMat(z.subarray(0, 300), "cutz.mat"), "truncated", ["cutz.mat"]);
    expectDatasetError(() => readMat(z.subarray(0, 60), "tiny.mat"), "truncated", ["tiny.mat", "128"]);
  });

  it("STL-10 images cut mid-image, and labels that do not match the images", () => {
    const dir = tmpDir();
    writeIn(dir, "stl10/stl10_binary/test_X.bin", stl10ImageBytes(2).subarray(0, 27648 + 100));
    writeIn(dir, "stl10/stl10_binary/test_y.bin", Buffer.from([1, 2]));
    expectDatasetError(() => loadStl10({ split: "test", dir, allowPartial: true }), "truncated", ["test_X.bin", "27648"]);
    writeIn(dir, "stl10/stl10_binary/test_X.bin", stl10ImageBytes(2));
    writeIn(dir, "stl10/stl10_binary/test_y.bin", Buffer.from([1]));
    expectDatasetError(() => loadStl10({ split: "test", dir, allowPartial: true }), "truncated", ["test_y.bin", "2 bytes"]);
  });

  it("a tar.gz cut short", async () => {
    const dir = tmpDir();
    const archive = path.join(dir, "cut.tar.gz");
    const gz = zlib.gzipSync(tarBytes([{ name: "a.bin", data: Buffer.from(Buffer.alloc(200_000).map((_, i) => (i * 13) % 256)) }]));
    fs.writeFileSync(archive, gz.subarray(0, gz.length - 2000));
    await expectDatasetErrorAsync(() => walkTarGz(archive, () => null), "truncated", [archive]);
    // A tar stream (not gzip-truncated) that ends inside a member's data
    fs.writeFileSync(archive, zlib.gzipSync(tarBytes([{ name: "a.bin", data: Buffer.alloc(5000) }]).subarray(0, 2048)));
    await expectDatasetErrorAsync(() => walkTarGz(archive, () => null), "truncated", ["middle of a member"]);
  });

  it("a member cut short is aborted, never ended; a sink's own error comes out unchanged", async () => {
    const dir = tmpDir();
    const archive = path.join(dir, "cut.tar.gz");
    const member = Buffer.from(Buffer.alloc(300_000).map((_, i) => (i * 7) % 256));
    fs.writeFileSync(archive, zlib.gzipSync(tarBytes([{ name: "a.bin", data: member }]).subarray(0, 100_000)));
    const events: string[] = [];
    let bytes = 0;
    const sink = {
      write: (c: Uint8Array) => void (bytes += c.length),
      end: () => void events.push("end"),
      abort: () => void events.push("abort"),
    };
    await expectDatasetErrorAsync(() => walkTarGz(archive, () => sink), "truncated", [archive]);
    expect(events).toEqual(["abort"]);
    expect(bytes).toBeLessThan(member.length);

    fs.writeFileSync(archive, zlib.gzipSync(tarBytes([{ name: "a.bin", data: member }])));
    const diskFull = new Error("ENOSPC: no space left on device");
    const failing = { write: () => Promise.reject(diskFull), end: () => undefined };
    await expect(walkTarGz(archive, () => failing)).rejects.toBe(diskFull);
  });

  it("a damaged header after a large member: reported as damaged; no member is ended with part of its data", async () => {
    const dir = tmpDir();
    const first = Buffer.from(Buffer.alloc(512 * 5860).map((_, i) => (i * 11) % 256));
    const tar = tarBytes([
      { name: "first.bin", data: first },
      { name: "second.bin", data: Buffer.from("abc") },
    ]);
    tar[512 + first.length + 3] ^= 0xff; // the second header (the first member's data is a multiple of 512 bytes)
    const archive = path.join(dir, "bad.tar.gz");
    fs.writeFileSync(archive, zlib.gzipSync(tar));
    const ended: string[] = [];
    const visit = (h: { name: string; size: number }) => {
      let n = 0;
      return { write: (c: Uint8Array) => void (n += c.length), end: () => void ended.push(`${h.name}:${n}/${h.size}`) };
    };
    await expectDatasetErrorAsync(() => walkTarGz(archive, visit), "format", ["checksum", archive]);
    expect(ended.every((e) => e === `first.bin:${first.length}/${first.length}`)).toBe(true);
  });
});

describe("wrong magic numbers and headers", () => {
  it("idx labels read as images (and vice versa)", () => {
    const dir = tmpDir();
    const f = path.join(dir, "labels");
    fs.writeFileSync(f, encodeIdx([3], Uint8Array.from([1, 2, 3])));
    expectDatasetError(() => readIdxFile(f, IDX_IMAGES_MAGIC, "fix"), "format", [f, "0x00000803", "0x00000801"]);
    const g = path.join(dir, "images");
    fs.writeFileSync(g, encodeIdx([1, 2, 2], Uint8Array.from([1, 2, 3, 4])));
    expectDatasetError(() => readIdxFile(g, IDX_LABELS_MAGIC, "fix"), "format", ["0x00000801", "0x00000803"]);
  });

  it("not a MAT-file, a v7.3 (HDF5) MAT-file, a MAT-file without X", () => {
    const junk = Buffer.alloc(400, 1);
    expectDatasetError(() => readMat(junk, "junk.mat"), "format", ["junk.mat", "MATLAB 5.0"]);
    const v73 = Buffer.alloc(600);
    v73.write("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon", 0, "latin1");
    v73.write("IM", 126, "latin1");
    expectDatasetError(() => readMat(v73, "v73.mat"), "format", ["7.3", "HDF5"]);
    const dir = tmpDir();
    writeIn(dir, "svhn/train_32x32.mat", matBytes([svhnVars([1])[1]], { compressed: true }));
    expectDatasetError(() => loadSvhn({ split: "train", dir, allowPartial: true }), "format", ["train_32x32.mat", "X and y", "npx skiplab data fetch svhn"]);
  });

  it("a tar header with a bad checksum", async () => {
    const dir = tmpDir();
    const tar = tarBytes([{ name: "a.bin", data: Buffer.from("abc") }]);
    tar[10] ^= 0xff; // corrupt the name without fixing the checksum
    const archive = path.join(dir, "bad.tar.gz");
    fs.writeFileSync(archive, zlib.gzipSync(tar));
    await expectDatasetErrorAsync(() => walkTarGz(archive, () => null), "format", ["checksum", archive]);
    fs.writeFileSync(archive, Buffer.from("definitely not gzip"));
    await expectDatasetErrorAsync(() => walkTarGz(archive, () => null), "format", ["gzip"]);
  });
});

describe("HTML error pages saved in place of data", () => {
  it("is recognised for every format", () => {
    const dir = tmpDir();
    const f = path.join(dir, "page");
    fs.writeFileSync(f, HTML);
    expectDatasetError(() => parseCifarFiles([f], { kind: "cifar10" }), "html", [f, "503 Service Unavailable"]);
    expectDatasetError(() => readIdxFile(f, IDX_IMAGES_MAGIC, "fix"), "html", [f]);
    expectDatasetError(() => readMat(HTML, f), "html", [f]);
    const g = path.join(dir, "page.gz");
    fs.writeFileSync(g, zlib.gzipSync(HTML)); // an HTML page behind Content-Encoding: gzip, saved as is
    expectDatasetError(() => readIdxFile(g, IDX_LABELS_MAGIC, "fix"), "html", [g]);
    writeIn(dir, "stl10/stl10_binary/test_X.bin", HTML);
    writeIn(dir, "stl10/stl10_binary/test_y.bin", Buffer.from([1]));
    expectDatasetError(() => loadStl10({ split: "test", dir, allowPartial: true }), "html", ["test_X.bin", "npx skiplab data fetch stl10"]);
  });
});

describe("labels out of range", () => {
  it("CIFAR-10 label 10, CIFAR-100 fine 100 and coarse 20", () => {
    const dir = tmpDir();
    const f = path.join(dir, "b.bin");
    fs.writeFileSync(f, cifar10Bytes([1, 10]));
    expectDatasetError(() => parseCifarFiles([f], { kind: "cifar10" }), "labels", [f, "label 10 in record 1", "0..9"]);
    writeIn(dir, "cifar100/cifar-100-binary/test.bin", cifar100Bytes([3, 2], [5, 100]));
    expectDatasetError(() => loadCifar100({ split: "test", dir, allowPartial: true }), "labels", ["label 100 in record 1", "0..99"]);
    writeIn(dir, "cifar100/cifar-100-binary/test.bin", cifar100Bytes([20], [5]));
    // Checked even when the fine labels are requested: a bad coarse byte means a damaged file.
    expectDatasetError(() => loadCifar100({ split: "test", dir, allowPartial: true }), "labels", ["label 20 in record 0", "0..19"]);
  });

  it("SVHN labels 0 and 11, STL-10 labels 0 and 11, idx label 10", () => {
    for (const bad of [0, 11, 2.5]) {
      const vars = readMat(matBytes(svhnVars([1, bad]), { compressed: true }), "svhn.mat");
      expect(vars.get("y")).toBeDefined();
      const dir = tmpDir();
      writeIn(dir, "svhn/test_32x32.mat", matBytes(svhnVars([1, bad]), { compressed: true }));
      expectDatasetError(() => loadSvhn({ split: "test", dir, allowPartial: true }), "labels", [`label ${bad} at image 1`, "1..10"]);
    }
    for (const bad of [0, 11]) {
      const dir = tmpDir();
      writeIn(dir, "stl10/stl10_binary/train_X.bin", stl10ImageBytes(2));
      writeIn(dir, "stl10/stl10_binary/train_y.bin", Buffer.from([bad, 1]));
      expectDatasetError(() => loadStl10({ split: "train", dir, allowPartial: true }), "labels", [`label ${bad} at image 0`]);
    }
    const dir = tmpDir();
    writeIn(dir, "mnist/train-images-idx3-ubyte.gz", zlib.gzipSync(encodeIdx([2, 28, 28], new Uint8Array(2 * 784))));
    writeIn(dir, "mnist/train-labels-idx1-ubyte.gz", zlib.gzipSync(encodeIdx([2], Uint8Array.from([3, 10]))));
    expectDatasetError(() => loadDataset("mnist", { split: "train", dir, allowPartial: true }), "labels", ["label 10 at sample 1", "train-labels-idx1-ubyte.gz"]);
  });
});

describe("wrong checksum", () => {
  it("verify reports a file whose sha256 differs, with the fix", async () => {
    const dir = tmpDir();
    const entry = getDatasetEntry("mnist");
    // Right size, wrong content: only the sha256 can tell.
    const small = entry.files.find((f) => f.file === "t10k-labels-idx1-ubyte.gz")!;
    writeIn(dir, `mnist/${small.file}`, Buffer.alloc(small.bytes, 0x5a));
    const other = entry.files.find((f) => f.file === "train-labels-idx1-ubyte.gz")!;
    writeIn(dir, `mnist/${other.file}`, Buffer.alloc(10));
    const r = await verifyDataset("mnist", { dir });
    expect(r.ok).toBe(false);
    const state = Object.fromEntries(r.files.map((f) => [f.file, f.state]));
    expect(state[small.file]).toBe("bad-checksum");
    expect(state[other.file]).toBe("wrong-size");
    expect(state["train-images-idx3-ubyte.gz"]).toBe("missing");
    expect(r.files.find((f) => f.file === small.file)!.detail).toContain(small.sha256);
  });
});
