/**
 * Parsing the real binary formats, on small files generated in those formats: CIFAR-10/100 binary, SVHN MATLAB v5
 * (plain and compressed elements, both byte orders), STL-10 binary, idx (gzip and raw), tar.gz.
 * Every pixel is checked against the generating formula, so a transposition error cannot hide.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { Rng } from "../../lib/src/util/random";
import { needs } from "../support/requirements";
import {
  encodeIdx,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  listTarGz,
  loadCifar10,
  loadCifar100,
  loadDataset,
  loadIdxPair,
  loadMnist,
  loadStl10,
  loadSvhn,
  parseCifarFiles,
  parseStl10,
  readIdxFile,
  readMat,
  readMatFile,
  svhnFromMat,
  walkTarGz,
} from "../../lib/src/data";
import {
  cifar100Bytes,
  cifar10Bytes,
  hasSystemTar,
  matBytes,
  pixel,
  scipyPython,
  stl10ImageBytes,
  svhnVars,
  tarBytes,
  tmpDir,
} from "./helpers";

/** Checks x (CHW, [n, C*S*S]) against pixel(n, c, h, w). */
function expectPixels(x: ArrayLike<number>, n: number, C: number, S: number, value = pixel): void {
  let bad = 0;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < S; h++)
        for (let w = 0; w < S; w++) if (x[i * C * S * S + c * S * S + h * S + w] !== value(i, c, h, w)) bad++;
  expect(bad).toBe(0);
}

/** A data dir with files at downloads/<name>/<rel>. */
function dataDirWith(files: Record<string, Buffer>): string {
  const dir = tmpDir();
  for (const [rel, data] of Object.entries(files)) {
    const p = path.join(dir, "downloads", rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
  }
  return dir;
}

describe("CIFAR binary", () => {
  it("parses CIFAR-10 batches in order: labels and CHW pixels", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "a.bin"), cifar10Bytes([3, 9, 0]));
    fs.writeFileSync(path.join(dir, "b.bin"), cifar10Bytes([1, 2]));
    const { x, y, n } = parseCifarFiles([path.join(dir, "a.bin"), path.join(dir, "b.bin")], { kind: "cifar10" });
    expect(n).toBe(5);
    expect(Array.from(y)).toEqual([3, 9, 0, 1, 2]);
    expect(x).toBeInstanceOf(Uint8Array);
    expectPixels(x.subarray(0, 3 * 3072), 3, 3, 32);
    expectPixels(x.subarray(3 * 3072), 2, 3, 32); // second file restarts the pixel formula at n = 0
  });

  it("loads CIFAR-10 through the registry layout (allowPartial for small files)", () => {
    const files: Record<string, Buffer> = {};
    for (let b = 1; b <= 5; b++) files[`cifar10/cifar-10-batches-bin/data_batch_${b}.bin`] = cifar10Bytes([b, b]);
    files["cifar10/cifar-10-batches-bin/test_batch.bin"] = cifar10Bytes([7]);
    const dir = dataDirWith(files);
    const train = loadCifar10({ split: "train", dir, allowPartial: true });
    expect(train.n).toBe(10);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(train.layout).toBe("chw");
    expect(Array.from(train.y)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(train.classNames?.[0]).toBe("airplane");
    const test = loadDataset("cifar10", { split: "test", dir, allowPartial: true });
    expect(test.n).toBe(1);
    expect(test.y[0]).toBe(7);
  });

  it("parses CIFAR-100 fine and coarse labels", () => {
    const coarse = [4, 1, 19];
    const fine = [0, 1, 99];
    const dir = dataDirWith({
      "cifar100/cifar-100-binary/train.bin": cifar100Bytes(coarse, fine),
      "cifar100/cifar-100-binary/test.bin": cifar100Bytes([0], [5]),
    });
    const f = loadCifar100({ split: "train", dir, allowPartial: true });
    expect(f.numClasses).toBe(100);
    expect(Array.from(f.y)).toEqual(fine);
    expect(f.classNames?.[99]).toBe("worm");
    expectPixels(f.x, 3, 3, 32);
    const c = loadCifar100({ split: "train", labels: "coarse", dir, allowPartial: true });
    expect(c.numClasses).toBe(20);
    expect(c.name).toBe("cifar100-coarse");
    expect(Array.from(c.y)).toEqual(coarse);
    expect(c.classNames?.[19]).toBe("vehicles_2");
    expect(loadDataset("cifar100-coarse", { split: "test", dir, allowPartial: true }).y[0]).toBe(0);
  });

  it("reads class names from the extracted meta file when present", () => {
    const names = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"];
    const files: Record<string, Buffer> = { "cifar10/cifar-10-batches-bin/test_batch.bin": cifar10Bytes([0]) };
    files["cifar10/cifar-10-batches-bin/batches.meta.txt"] = Buffer.from(names.join("\n") + "\n\n");
    const ds = loadCifar10({ split: "test", dir: dataDirWith(files), allowPartial: true });
    expect(ds.classNames).toEqual(names);
  });
});

describe("SVHN MATLAB v5 .mat", () => {
  const labels = [1, 10, 5, 10, 9];
  for (const variant of [
    { compressed: false, le: true, yStorage: "double" as const },
    { compressed: true, le: true, yStorage: "double" as const },
    { compressed: true, le: true, yStorage: "uint8" as const }, // MATLAB stores integer-valued doubles compactly
    { compressed: false, le: false, yStorage: "double" as const },
  ]) {
    it(`parses X (column-major) and y (10 -> 0): ${JSON.stringify(variant)}`, () => {
      const bytes = matBytes(svhnVars(labels, variant.yStorage), variant);
      // Parse from an odd byte offset too: numeric data must be copied to aligned memory, not viewed.
      const shifted = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
      expect(Array.from(readMat(shifted, "shifted.mat").get("y")!.data!)).toEqual(labels);
      const vars = readMat(bytes, "test.mat");
      expect(vars.get("X")?.dims).toEqual([32, 32, 3, 5]);
      expect(vars.get("y")?.className).toBe("double");
      const { x, y, n } = svhnFromMat(vars, "test.mat", "fix");
      expect(n).toBe(5);
      expect(Array.from(y)).toEqual([1, 0, 5, 0, 9]);
      expectPixels(x, 5, 3, 32);
    });
  }

  it("loads through the registry layout, and skips unrequested variables", () => {
    const vars = [...svhnVars([2, 3]), { name: "junk", classId: 6, dims: [1, 3], storage: "double" as const, values: [1, 2, 3] }];
    const dir = dataDirWith({ "svhn/test_32x32.mat": matBytes(vars, { compressed: true }) });
    const ds = loadSvhn({ split: "test", dir, allowPartial: true });
    expect(ds.n).toBe(2);
    expect(Array.from(ds.y)).toEqual([2, 3]);
    const only = readMatFile(path.join(dir, "downloads/svhn/test_32x32.mat"), { names: ["y"] });
    expect([...only.keys()]).toEqual(["y"]);
  });

  const py = scipyPython();
  needs(py !== null, "a Python with numpy and scipy (Debian: python3-scipy, which scripts/setup.sh installs)")("agrees with scipy.io.savemat files (plain and compressed)", () => {
    const dir = tmpDir();
    const script = `
import numpy as np, scipy.io, sys
N = 4
X = np.zeros((32, 32, 3, N), dtype=np.uint8)
for n in range(N):
    for c in range(3):
        for h in range(32):
            for w in range(32):
                X[h, w, c, n] = (n * 7 + c * 50 + h * 3 + w * 5) % 256
y = np.array([[10], [1], [7], [10]], dtype=np.float64)
scipy.io.savemat(sys.argv[1] + "/plain.mat", {"X": X, "y": y}, do_compression=False)
scipy.io.savemat(sys.argv[1] + "/zipped.mat", {"X": X, "y": y}, do_compression=True)
`;
    const r = spawnSync(py!, ["-c", script, dir], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["plain.mat", "zipped.mat"]) {
      const file = path.join(dir, f);
      const { x, y } = svhnFromMat(readMatFile(file), file, "fix");
      expect(Array.from(y)).toEqual([0, 1, 7, 0]);
      expectPixels(x, 4, 3, 32);
    }
  });
});

describe("STL-10 binary", () => {
  it("transposes column-major 96x96 planes to CHW and maps labels 1..10 to 0..9", () => {
    const dir = dataDirWith({
      "stl10/stl10_binary/test_X.bin": stl10ImageBytes(3),
      "stl10/stl10_binary/test_y.bin": Buffer.from([1, 10, 4]),
    });
    const ds = loadStl10({ split: "test", dir, allowPartial: true });
    expect(ds.shape).toEqual([3, 96, 96]);
    expect(Array.from(ds.y)).toEqual([0, 9, 3]);
    expectPixels(ds.x, 3, 3, 96);
  });

  it("downsamples 96 -> 32 on load by 3x3 area means", () => {
    // Pixel value depends on the 3x3 block only, plus a +-1 pattern that averages to 0 inside each block.
    const block = (n: number, c: number, h: number, w: number) => (n * 11 + c * 40 + Math.floor(h / 3) * 2 + Math.floor(w / 3)) % 200;
    const wiggle = (h: number, w: number) => ((h % 3) - 1) * ((w % 3) === 1 ? 1 : 0);
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "x.bin"), stl10ImageBytes(2, (n, c, h, w) => block(n, c, h, w) + 10 + wiggle(h, w)));
    fs.writeFileSync(path.join(dir, "y.bin"), Buffer.from([2, 3]));
    const r = parseStl10(path.join(dir, "x.bin"), path.join(dir, "y.bin"), { size: 32 });
    expect(r.size).toBe(32);
    expect(r.x).toBeInstanceOf(Uint8Array);
    expectPixels(r.x, 2, 3, 32, (n, c, h, w) => block(n, c, 3 * h, 3 * w) + 10);
    const f = parseStl10(path.join(dir, "x.bin"), path.join(dir, "y.bin"), { size: 32, dtype: "float32" });
    expect(f.x).toBeInstanceOf(Float32Array);
    expect(f.x[0]).toBeCloseTo(block(0, 0, 0, 0) + 10, 5);
  });
});

describe("idx", () => {
  const images = new Uint8Array(3 * 28 * 28).map((_, i) => (i * 13) % 256);
  const labels = Uint8Array.from([7, 0, 9]);

  it("round-trips images and labels, gzip and raw", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "img.gz"), zlib.gzipSync(encodeIdx([3, 28, 28], images)));
    fs.writeFileSync(path.join(dir, "lab"), encodeIdx([3], labels));
    const a = readIdxFile(path.join(dir, "img.gz"), IDX_IMAGES_MAGIC, "fix");
    expect(a.magic).toBe(0x803);
    expect(a.dims).toEqual([3, 28, 28]);
    expect(Array.from(a.data)).toEqual(Array.from(images));
    const b = readIdxFile(path.join(dir, "lab"), IDX_LABELS_MAGIC, "fix");
    expect(b.magic).toBe(0x801);
    const ds = loadIdxPair(path.join(dir, "img.gz"), path.join(dir, "lab"), { name: "t", split: "train", numClasses: 10, fix: "fix" });
    expect(ds.shape).toEqual([1, 28, 28]);
    expect(Array.from(ds.y)).toEqual([7, 0, 9]);
    expect(ds.x.length).toBe(3 * 784);
  });

  it("loads MNIST through the registry layout", () => {
    const dir = dataDirWith({
      "mnist/t10k-images-idx3-ubyte.gz": zlib.gzipSync(encodeIdx([3, 28, 28], images)),
      "mnist/t10k-labels-idx1-ubyte.gz": zlib.gzipSync(encodeIdx([3], labels)),
    });
    const ds = loadMnist({ split: "test", dir, allowPartial: true });
    expect(ds.n).toBe(3);
    expect(ds.classNames?.[7]).toBe("7");
  });
});

describe("tar.gz reader", () => {
  it("streams selected members out of a ustar archive", async () => {
    const dir = tmpDir();
    const big = Buffer.alloc(700_000).map((_, i) => (i * 31) % 251);
    const files = [
      { name: "top/a.bin", data: Buffer.from("hello") },
      { name: "top/empty.txt", data: Buffer.alloc(0) },
      { name: "top/big.bin", data: big },
      { name: "top/exactly512", data: Buffer.alloc(512, 7) },
    ];
    const archive = path.join(dir, "t.tar.gz");
    fs.writeFileSync(archive, zlib.gzipSync(tarBytes(files)));
    const got: Record<string, Buffer[]> = {};
    await walkTarGz(archive, (h) => {
      got[h.name] = [];
      return h.name === "top/a.bin" || h.name === "top/big.bin" || h.name === "top/exactly512"
        ? { write: (c) => void got[h.name].push(Buffer.from(c)), end: () => undefined }
        : null;
    });
    expect(Object.keys(got)).toEqual(files.map((f) => f.name));
    expect(Buffer.concat(got["top/a.bin"]).toString()).toBe("hello");
    expect(Buffer.concat(got["top/big.bin"]).equals(big)).toBe(true);
    expect(Buffer.concat(got["top/exactly512"]).equals(files[3].data)).toBe(true);
  });

  it("stops reading once the caller has what it wants (STL-10 ends with 2.7 GB it does not need)", async () => {
    const dir = tmpDir();
    const rng = new Rng(1);
    const noise = Buffer.from(Uint8Array.from({ length: 6 << 20 }, () => rng.int(256))); // incompressible
    const archive = path.join(dir, "t.tar.gz");
    fs.writeFileSync(archive, zlib.gzipSync(tarBytes([{ name: "want.bin", data: Buffer.from("x") }, { name: "tail.bin", data: noise }])));
    let read = 0;
    let got = false;
    await walkTarGz(
      archive,
      (h) => (h.name === "want.bin" ? { write: () => undefined, end: () => void (got = true) } : null),
      (n) => (read = n),
      () => got,
    );
    expect(got).toBe(true);
    expect(read).toBeLessThan(fs.statSync(archive).size / 2);
  });

  needs(hasSystemTar(), "GNU tar on PATH (Debian: tar)")("reads GNU tar archives with long names (GNU and pax formats)", async () => {
    const dir = tmpDir();
    const src = path.join(dir, "src");
    const longDir = "d".repeat(60) + "/" + "e".repeat(60);
    fs.mkdirSync(path.join(src, longDir), { recursive: true });
    fs.writeFileSync(path.join(src, longDir, "member.bin"), Buffer.alloc(1000, 3));
    fs.writeFileSync(path.join(src, "short.txt"), "x");
    for (const format of ["gnu", "pax"]) {
      const archive = path.join(dir, `${format}.tar.gz`);
      const r = spawnSync("tar", [`--format=${format}`, "-czf", archive, "-C", src, "."]);
      expect(r.status).toBe(0);
      const names = (await listTarGz(archive)).filter((h) => h.type === "file").map((h) => `${h.name}:${h.size}`).sort();
      expect(names).toEqual([`./${longDir}/member.bin:1000`, "./short.txt:1"]);
    }
  });
});
