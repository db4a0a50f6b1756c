/**
 * One entry point for every registry dataset: `loadDataset("cifar10", { split: "train" })`.
 * All loaders return uint8 pixels, CHW, Int32 labels; none downloads (a missing file names the fetch command).
 */
import { loadCifar10, loadCifar100 } from "./cifar";
import type { ClassificationDataset, DatasetSplit } from "./dataset";
import type { LocateOptions } from "./locate";
import { loadFashionMnist, loadMnist, type FashionMnistSource } from "./mnist";
import { getDatasetEntry } from "./registry";
import { loadStl10 } from "./stl10";
import { loadSvhn } from "./svhn";

export interface LoadDatasetOptions extends LocateOptions {
  split: DatasetSplit;
  /** CIFAR-100 only: "fine" (100 classes, default) or "coarse" (20). */
  labels?: "fine" | "coarse";
  /** STL-10 only: side length after area downsampling (default 96). */
  size?: number;
  /** Fashion-MNIST only: which copy to read (default "auto"). */
  source?: FashionMnistSource;
}

/** Loads registry dataset `name` (see `DATASET_NAMES`); "cifar100-coarse" is accepted as a shorthand. */
export function loadDataset(name: string, opts: LoadDatasetOptions): ClassificationDataset {
  if (name === "cifar100-coarse") return loadCifar100({ ...opts, labels: "coarse" });
  const entry = getDatasetEntry(name);
  switch (entry.name) {
    case "cifar10":
      return loadCifar10(opts);
    case "cifar100":
      return loadCifar100(opts);
    case "svhn":
      return loadSvhn(opts);
    case "stl10":
      return loadStl10(opts);
    case "mnist":
      return loadMnist(opts);
    case "fashion-mnist":
      return loadFashionMnist(opts);
  }
}
