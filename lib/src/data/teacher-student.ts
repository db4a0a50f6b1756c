/**
 * Teacher-student data: Gaussian inputs labelled by a fixed random MLP (the "teacher").
 *
 *   x ~ N(0, inputStd^2 I_d)
 *   h_0 = x,  h_l = phi(W_l h_{l-1} + b_l)  for the hidden widths,  f(x) = W_L h_{L-1} + b_L  (linear readout)
 *   W_l[i, j] ~ N(0, gain^2 / fan_in)  (gain sqrt(2) for relu, 1 otherwise: keeps activations O(1) with depth)
 *   b_l ~ N(0, biasStd^2)  (default 0)
 *   regression:     y = f(x) + noiseStd * eps,           Float32Array [n, outputDim]
 *   classification: y = argmax_c f(x)_c  (outputDim >= 2), or [f(x) > 0] for outputDim = 1 (2 classes)
 *
 * Seeds: teacher weights from subSeed(seed, "teacher"); inputs from subSeed(seed, "inputs:<split>"); label noise
 * from subSeed(seed, "noise:<split>"). Train and test share the teacher and never share inputs.
 * Note: argmax labels of a random teacher need not be balanced; check labelHistogram() if that matters.
 */
import { Rng, subSeed } from "../util/random";
import { checkDataset, type Dataset, type DatasetSplit } from "./dataset";
import { DatasetError } from "./errors";

export type TeacherActivation = "relu" | "tanh" | "erf" | "sigmoid" | "linear";

export interface TeacherConfig {
  inputDim: number;
  /** Hidden layer widths, input side first; [] gives a linear teacher. */
  widths: number[];
  outputDim: number;
  activation: TeacherActivation;
  /** Std of the biases; default 0 (no biases). */
  biasStd?: number;
}

export interface Teacher {
  config: TeacherConfig;
  /** Per layer, [out, in] row-major. */
  weights: Float64Array[];
  /** Per layer, [out]. */
  biases: Float64Array[];
}

const ACT: Record<TeacherActivation, (z: number) => number> = {
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
  erf: erf,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  linear: (z) => z,
};

/** Draws a teacher network from subSeed(seed, "teacher"). */
export function makeTeacher(config: TeacherConfig, seed: number): Teacher {
  const rng = new Rng(subSeed(seed, "teacher"));
  const sizes = [config.inputDim, ...config.widths, config.outputDim];
  const gain = config.activation === "relu" ? Math.SQRT2 : 1;
  const weights: Float64Array[] = [];
  const biases: Float64Array[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const fanIn = sizes[l - 1];
    // The first layer sees the raw inputs (gain 1); later layers see activations (gain sqrt(2) after relu).
    const g = l === 1 ? 1 : gain;
    weights.push(rng.normals(sizes[l] * fanIn, 0, g / Math.sqrt(fanIn)));
    biases.push(config.biasStd ? rng.normals(sizes[l], 0, config.biasStd) : new Float64Array(sizes[l]));
  }
  return { config, weights, biases };
}

/** Teacher outputs for n inputs x [n, inputDim]: Float64Array [n, outputDim]. */
export function teacherForward(teacher: Teacher, x: Float32Array, n: number): Float64Array {
  const { config } = teacher;
  const act = ACT[config.activation];
  const L = teacher.weights.length;
  const out = new Float64Array(n * config.outputDim);
  const widest = Math.max(config.inputDim, ...config.widths, config.outputDim);
  let h = new Float64Array(widest);
  let next = new Float64Array(widest);
  for (let i = 0; i < n; i++) {
    let width = config.inputDim;
    for (let j = 0; j < width; j++) h[j] = x[i * width + j];
    for (let l = 0; l < L; l++) {
      const W = teacher.weights[l];
      const b = teacher.biases[l];
      const outW = b.length;
      for (let r = 0; r < outW; r++) {
        let s = b[r];
        const o = r * width;
        for (let j = 0; j < width; j++) s += W[o + j] * h[j];
        next[r] = l === L - 1 ? s : act(s);
      }
      [h, next] = [next, h];
      width = outW;
    }
    out.set(h.subarray(0, config.outputDim), i * config.outputDim);
  }
  return out;
}

export interface TeacherStudentOptions extends TeacherConfig {
  seed: number;
  nTrain: number;
  nTest: number;
  task: "regression" | "classification";
  /** Std of the Gaussian inputs; default 1. */
  inputStd?: number;
  /** Regression only: std of additive label noise; default 0. */
  noiseStd?: number;
}

/** Generates train and test sets from one random teacher (see the module comment). */
export function teacherStudent(opts: TeacherStudentOptions): { train: Dataset; test: Dataset; teacher: Teacher } {
  for (const [k, v] of Object.entries({ inputDim: opts.inputDim, outputDim: opts.outputDim, nTrain: opts.nTrain, nTest: opts.nTest })) {
    if (!(Number.isInteger(v) && v >= (k.startsWith("n") ? 0 : 1))) {
      throw new DatasetError({ code: "argument", what: `teacherStudent: bad ${k}`, file: "teacher-student", expected: "a positive integer", found: `${v}`, fix: `set ${k}` });
    }
  }
  const teacher = makeTeacher(opts, opts.seed);
  const make = (split: DatasetSplit, n: number): Dataset => {
    const d = opts.inputDim;
    const rng = new Rng(subSeed(opts.seed, `inputs:${split}`));
    const x = new Float32Array(n * d); // [n, d]
    const std = opts.inputStd ?? 1;
    for (let i = 0; i < x.length; i++) x[i] = std * rng.normal();
    const f = teacherForward(teacher, x, n); // [n, outputDim]
    const base = { name: "teacher-student", split, x, n, d, shape: [d], layout: "flat" as const, source: `synthetic:teacher-student(seed=${opts.seed})` };
    if (opts.task === "regression") {
      const noise = new Rng(subSeed(opts.seed, `noise:${split}`));
      const y = new Float32Array(f.length);
      const s = opts.noiseStd ?? 0;
      for (let i = 0; i < y.length; i++) y[i] = f[i] + (s > 0 ? s * noise.normal() : 0);
      return checkDataset({ ...base, y, task: "regression" as const, numClasses: 0, yDim: opts.outputDim });
    }
    const K = opts.outputDim;
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (K === 1) y[i] = f[i] > 0 ? 1 : 0;
      else {
        let best = 0;
        for (let c = 1; c < K; c++) if (f[i * K + c] > f[i * K + best]) best = c;
        y[i] = best;
      }
    }
    return checkDataset({ ...base, y, task: "classification" as const, numClasses: K === 1 ? 2 : K, yDim: 1 });
  };
  return { train: make("train", opts.nTrain), test: make("test", opts.nTest), teacher };
}

/** Error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function erf(z: number): number {
  const s = z < 0 ? -1 : 1;
  const a = Math.abs(z);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
