/**
 * The in-memory dataset: one compact typed-array block for the inputs, one for the targets.
 *
 *   x: [n, d] row-major, d = product(shape). Images are stored CHW (channel planes, each row-major), so
 *      pixel (c, h, w) of sample i is x[i * d + c * H * W + h * W + w]. Uint8Array for raw pixels (0..255),
 *      Float32Array after any preprocessing.
 *   y: classification: Int32Array [n], labels 0..numClasses-1.
 *      regression:     Float32Array [n, yDim] row-major.
 *
 * No per-sample arrays and no JS number arrays: a 50000 x 3072 float32 set costs 50000 * 3072 * 4 bytes (~614 MB)
 * and not much more.
 */
import { DatasetError } from "./errors";

/** Memory order of one sample. "chw": channels, height, width; "hwc": height, width, channels; "flat": a vector. */
export type SampleLayout = "chw" | "hwc" | "flat";

export type DatasetSplit = "train" | "test";

export type InputArray = Float32Array | Uint8Array;

export interface Dataset {
  /** Registry name or a descriptive name ("cifar10", "fashion-mnist", "teacher-student", ...). */
  name: string;
  /** Which split this is (synthetic sets use the same words). */
  split: DatasetSplit;
  /** Inputs, [n, d] row-major; see the module comment for the layout inside a row. */
  x: InputArray;
  /** Targets: Int32Array [n] for classification, Float32Array [n, yDim] for regression. */
  y: Int32Array | Float32Array;
  /** Number of samples. */
  n: number;
  /** Features per sample, = product(shape). */
  d: number;
  /** Shape of one sample: [C, H, W] for "chw", [H, W, C] for "hwc", [d] for "flat". */
  shape: number[];
  layout: SampleLayout;
  task: "classification" | "regression";
  /** Number of classes (classification); 0 for regression. */
  numClasses: number;
  /** Target values per sample: 1 for classification labels, the output width for regression. */
  yDim: number;
  /** Human-readable class names, index = label. */
  classNames?: string[];
  /** Where the data came from: a path, "debian:/usr/share/...", "synthetic:...". */
  source?: string;
}

/** A dataset whose targets are class labels. */
export interface ClassificationDataset extends Dataset {
  task: "classification";
  y: Int32Array;
}

/** Narrows a dataset to classification, or throws naming the operation that needed labels. */
export function assertClassification(ds: Dataset, operation: string): asserts ds is ClassificationDataset {
  if (ds.task !== "classification" || !(ds.y instanceof Int32Array)) {
    throw new DatasetError({
      code: "argument",
      what: `${operation} needs class labels, but dataset "${ds.name}" is a ${ds.task} dataset`,
      file: ds.name,
      expected: "task = classification with Int32Array labels",
      found: `task = ${ds.task}`,
      fix: "use a classification dataset (or the classification variant of the synthetic generator)",
    });
  }
}

/** Product of a shape's dimensions. */
export function shapeSize(shape: readonly number[]): number {
  let p = 1;
  for (const s of shape) p *= s;
  return p;
}

/**
 * Checks the invariants every Dataset must hold (lengths agree, labels in range) and returns it.
 * Loaders call it last; it costs one pass over the labels.
 */
export function checkDataset<T extends Dataset>(ds: T): T {
  const bad = (what: string, expected: string, found: string): never => {
    throw new DatasetError({
      code: "argument",
      what: `Inconsistent dataset "${ds.name}" (${ds.split}): ${what}`,
      file: ds.source ?? ds.name,
      expected,
      found,
      fix: "this is a bug in the code that built the dataset; please report it with the call that produced it",
    });
  };
  if (shapeSize(ds.shape) !== ds.d) bad("shape does not match d", `product(shape) = ${ds.d}`, `${ds.shape.join("x")}`);
  if (ds.x.length !== ds.n * ds.d) bad("x has the wrong length", `${ds.n} * ${ds.d} = ${ds.n * ds.d}`, `${ds.x.length}`);
  if (ds.y.length !== ds.n * ds.yDim) bad("y has the wrong length", `${ds.n * ds.yDim}`, `${ds.y.length}`);
  if (ds.task === "classification") {
    if (!(ds.y instanceof Int32Array)) bad("labels must be an Int32Array", "Int32Array", ds.y.constructor.name);
    const y = ds.y as Int32Array;
    for (let i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] >= ds.numClasses) {
        throw new DatasetError({
          code: "labels",
          what: `Label out of range in dataset "${ds.name}" (${ds.split})`,
          file: ds.source ?? ds.name,
          expected: `labels in 0..${ds.numClasses - 1}`,
          found: `label ${y[i]} at sample ${i}`,
          fix: "the file is damaged or is not this dataset; delete it and fetch it again",
        });
      }
    }
    if (ds.classNames !== undefined && ds.classNames.length !== ds.numClasses) {
      bad("classNames has the wrong length", `${ds.numClasses}`, `${ds.classNames.length}`);
    }
  }
  return ds;
}

/** Same metadata, new inputs: used by every preprocessing step. */
export function withInputs(ds: Dataset, x: InputArray, shape: number[], layout: SampleLayout): Dataset {
  const d = shapeSize(shape);
  return checkDataset({ ...ds, x, d, shape: [...shape], layout });
}

/** Per-class sample counts, [numClasses]. */
export function labelHistogram(ds: Dataset): Int32Array {
  assertClassification(ds, "labelHistogram");
  const h = new Int32Array(ds.numClasses);
  for (let i = 0; i < ds.n; i++) h[ds.y[i]]++;
  return h;
}

/** A one-line description: name, split, n, shape, dtype, classes, source. */
export function describeDataset(ds: Dataset): string {
  const dtype = ds.x instanceof Uint8Array ? "uint8" : "float32";
  const targets = ds.task === "classification" ? `${ds.numClasses} classes` : `regression, ${ds.yDim} outputs`;
  const src = ds.source === undefined ? "" : `, from ${ds.source}`;
  return `${ds.name} ${ds.split}: ${ds.n} x [${ds.shape.join(", ")}] (${ds.layout}, ${dtype}), ${targets}${src}`;
}
