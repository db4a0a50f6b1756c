/**
 * MNIST and Fashion-MNIST (idx format, see idx.ts): x Uint8Array [n, 784] CHW [1, 28, 28], y Int32Array [n].
 *
 * Fashion-MNIST is the offline default of the suite, found in this order by `source: "auto"`:
 *   "data"   <data dir>/downloads/fashion-mnist/   (from `npx skiplab data fetch fashion-mnist`; sizes checked)
 *   "debian" /usr/share/datasets/fashion-mnist/    (Debian package dataset-fashion-mnist; full 60000 + 10000)
 *   "subset" data/fashion-mnist-subset/            (committed: the first 10000 train and 2000 test images)
 * The dataset's `source` field says which one was used, e.g. "debian:/usr/share/datasets/fashion-mnist".
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ClassificationDataset, DatasetSplit } from "./dataset";
import { DatasetError, fetchCommand, refetchAdvice } from "./errors";
import { loadIdxPair } from "./idx";
import { locateFiles, type LocateOptions } from "./locate";
import { downloadDir, subsetDirCandidates } from "./paths";
import { getDatasetEntry } from "./registry";

export interface MnistLoadOptions extends LocateOptions {
  split: DatasetSplit;
}

/** MNIST from `<data dir>/downloads/mnist/` (run `npx skiplab data fetch mnist` first). */
export function loadMnist(opts: MnistLoadOptions): ClassificationDataset {
  const entry = getDatasetEntry("mnist");
  const [images, labels] = locateFiles(entry, entry.splitFiles[opts.split], opts);
  return loadIdxPair(images, labels, {
    name: "mnist",
    split: opts.split,
    numClasses: 10,
    classNames: entry.classNames,
    source: path.dirname(images),
    expectN: opts.allowPartial ? undefined : entry.splitSizes[opts.split],
    fix: (file) => refetchAdvice(file, "mnist"),
  });
}

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Number of train / test images in the committed subset. */
export const FASHION_MNIST_SUBSET_SIZES = { train: 10000, test: 2000 };

export type FashionMnistSource = "auto" | "data" | "debian" | "subset";

export interface FashionMnistLoadOptions extends MnistLoadOptions {
  /** Which copy to read; "auto" (default) takes the first available of data, debian, subset. */
  source?: FashionMnistSource;
  /** Override the Debian location (tests). */
  debianDir?: string;
  /** Override the subset location (tests). */
  subsetDir?: string;
}

/** The copies of Fashion-MNIST present on this machine, in preference order, with their directories. */
export function fashionMnistSources(opts: Omit<FashionMnistLoadOptions, "split"> = {}): { source: Exclude<FashionMnistSource, "auto">; dir: string }[] {
  const entry = getDatasetEntry("fashion-mnist");
  const files = [...entry.splitFiles.train, ...entry.splitFiles.test];
  const complete = (dir: string) => files.every((f) => fs.existsSync(path.join(dir, f)));
  const out: { source: Exclude<FashionMnistSource, "auto">; dir: string }[] = [];
  let dataDir: string | null = null;
  try {
    dataDir = downloadDir("fashion-mnist", opts);
  } catch {
    dataDir = null;
  }
  if (dataDir !== null && complete(dataDir)) out.push({ source: "data", dir: dataDir });
  const debian = opts.debianDir ?? DEBIAN_FASHION_MNIST_DIR;
  if (complete(debian)) out.push({ source: "debian", dir: debian });
  const subsets = opts.subsetDir !== undefined ? [opts.subsetDir] : subsetDirCandidates(opts);
  const subset = subsets.find(complete);
  if (subset !== undefined) out.push({ source: "subset", dir: subset });
  return out;
}

/**
 * Fashion-MNIST from the best available copy (see the module comment). The result's `source` names the copy;
 * a subset load is named "fashion-mnist-subset" so it can never be mistaken for the full set in a figure.
 */
export function loadFashionMnist(opts: FashionMnistLoadOptions): ClassificationDataset {
  const entry = getDatasetEntry("fashion-mnist");
  const want = opts.source ?? "auto";
  const available = fashionMnistSources(opts);
  const pick = want === "auto" ? available[0] : available.find((a) => a.source === want);
  if (pick === undefined) {
    const where: Record<string, string> = {
      data: downloadDir("fashion-mnist", opts),
      debian: opts.debianDir ?? DEBIAN_FASHION_MNIST_DIR,
      subset: (opts.subsetDir !== undefined ? [opts.subsetDir] : subsetDirCandidates(opts)).join(" or "),
    };
    throw new DatasetError({
      code: "missing",
      what:
        want === "auto"
          ? "No copy of Fashion-MNIST found on this machine (loading never downloads)"
          : `Fashion-MNIST source "${want}" is not available`,
      file: want === "auto" ? Object.values(where).join(", ") : where[want],
      expected: `${entry.splitFiles.train.join(", ")}, ${entry.splitFiles.test.join(", ")}`,
      found: available.length === 0 ? "none of them" : `only: ${available.map((a) => a.source).join(", ")}`,
      fix: `run \`${fetchCommand("fashion-mnist")}\`, or \`apt install dataset-fashion-mnist\`, or restore data/fashion-mnist-subset from git`,
    });
  }
  const rel = entry.splitFiles[opts.split];
  const [images, labels] =
    pick.source === "data" ? locateFiles(entry, rel, opts) : rel.map((f) => path.join(pick.dir, f));
  const isSubset = pick.source === "subset";
  const fix = (file: string): string =>
    pick.source === "data"
      ? refetchAdvice(file, "fashion-mnist")
      : pick.source === "debian"
        ? `${file} is damaged: reinstall the package: \`apt install --reinstall dataset-fashion-mnist\``
        : `${file} is damaged: restore it from git: \`git checkout -- ${path.relative(process.cwd(), file) || file}\``;
  return loadIdxPair(images, labels, {
    name: isSubset ? "fashion-mnist-subset" : "fashion-mnist",
    split: opts.split,
    numClasses: 10,
    classNames: entry.classNames,
    source: `${pick.source}:${pick.dir}`,
    expectN: isSubset ? FASHION_MNIST_SUBSET_SIZES[opts.split] : opts.allowPartial ? undefined : entry.splitSizes[opts.split],
    fix,
  });
}
