/**
 * Fashion-MNIST, the offline default: the real Debian files when installed, and the committed subset.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEBIAN_FASHION_MNIST_DIR,
  digestFile,
  FASHION_MNIST_DEBIAN,
  FASHION_MNIST_SUBSET,
  fashionMnistSources,
  labelHistogram,
  loadFashionMnist,
  standardizeSplits,
} from "../../lib/src/data";
import { needs } from "../support/requirements";
import { tmpDir } from "./helpers";

const hasDebian = fs.existsSync(path.join(DEBIAN_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"));
const SUBSET_DIR = path.resolve(__dirname, "../../data/fashion-mnist-subset");
const empty = tmpDir(); // a data dir without downloads, so "auto" cannot pick source "data"
/** Tests on the full data set need Debian's package (scripts/setup.sh installs it). */
const withDebian = needs(hasDebian, `Fashion-MNIST at ${DEBIAN_FASHION_MNIST_DIR} (Debian: dataset-fashion-mnist, which scripts/setup.sh installs)`);

describe("Fashion-MNIST from Debian's dataset-fashion-mnist", () => {
  withDebian(
    `full train and test sets: shapes, 6000 / 1000 per class, pixel range`,
    () => {
      const train = loadFashionMnist({ split: "train", source: "debian" });
      expect(train.source).toBe(`debian:${DEBIAN_FASHION_MNIST_DIR}`);
      expect(train.n).toBe(60000);
      expect(train.shape).toEqual([1, 28, 28]);
      expect(train.x).toBeInstanceOf(Uint8Array);
      expect(train.x.length).toBe(60000 * 784);
      expect(Array.from(labelHistogram(train))).toEqual(new Array(10).fill(6000));
      let lo = 255, hi = 0;
      for (const v of train.x) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect([lo, hi]).toEqual([0, 255]);
      expect(train.y[0]).toBe(9); // the first training image is an ankle boot
      expect(train.classNames?.[9]).toBe("Ankle boot");
      const test = loadFashionMnist({ split: "test", source: "debian" });
      expect(test.n).toBe(10000);
      expect(Array.from(labelHistogram(test))).toEqual(new Array(10).fill(1000));
      const z = standardizeSplits(train, test);
      expect(z.train.x).toBeInstanceOf(Float32Array);
      expect(z.stats.constantFeatures).toBe(0);
    },
  );

  withDebian(`the installed files have the sha256 recorded in the registry`, async () => {
    for (const [file, want] of Object.entries(FASHION_MNIST_DEBIAN)) {
      const got = await digestFile(path.join(DEBIAN_FASHION_MNIST_DIR, file));
      expect({ file, bytes: got.bytes, sha256: got.sha256 }).toEqual({ file, ...want });
    }
  });

  withDebian(`auto prefers Debian over the subset when data/ has no download`, () => {
    const ds = loadFashionMnist({ split: "test", dir: empty });
    expect(ds.source).toBe(`debian:${DEBIAN_FASHION_MNIST_DIR}`);
    expect(fashionMnistSources({ dir: empty }).map((s) => s.source)).toEqual(["debian", "subset"]);
  });
});

describe("the committed subset data/fashion-mnist-subset", () => {
  it("is small, and its files match the recorded sha256", async () => {
    let total = 0;
    for (const [file, want] of Object.entries(FASHION_MNIST_SUBSET)) {
      const got = await digestFile(path.join(SUBSET_DIR, file));
      expect({ file, bytes: got.bytes, sha256: got.sha256 }).toEqual({ file, ...want });
      total += got.bytes;
    }
    expect(total).toBeLessThan(10e6);
  });

  it("loads 10000 / 2000 images under its own name, and is used when nothing else is there", () => {
    const train = loadFashionMnist({ split: "train", source: "subset", subsetDir: SUBSET_DIR });
    expect(train.name).toBe("fashion-mnist-subset");
    expect(train.n).toBe(10000);
    const h = labelHistogram(train);
    expect(Math.min(...h)).toBeGreaterThan(900);
    expect(Math.max(...h)).toBeLessThan(1100);
    const test = loadFashionMnist({ split: "test", dir: empty, debianDir: path.join(empty, "none"), subsetDir: SUBSET_DIR });
    expect(test.n).toBe(2000);
    expect(test.source).toBe(`subset:${SUBSET_DIR}`);
  });

  withDebian(`holds exactly the first images of the full set`, () => {
    const full = loadFashionMnist({ split: "test", source: "debian" });
    const sub = loadFashionMnist({ split: "test", source: "subset", subsetDir: SUBSET_DIR });
    expect(Buffer.from(sub.x).equals(Buffer.from(full.x.subarray(0, 2000 * 784)))).toBe(true);
    expect(Array.from(sub.y)).toEqual(Array.from(full.y.subarray(0, 2000)));
  });
});
