/**
 * Seeded synthetic datasets: teacher-student (regression and classification) and Gaussian mixtures.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../lib/src/util/random";
import { blobMeans, gaussianMixture, labelHistogram, sampleBlobs, makeTeacher, teacherForward, teacherStudent, type Teacher } from "../../lib/src/data";

/**
 * The teacher network written out independently of the library: one input row through ((W·h + b) then the
 * activation) per layer, linear output, with the weights read as [out][in] rows.
 */
function referenceTeacher(teacher: Teacher, x: ArrayLike<number>, act: (z: number) => number): number[] {
  let h = Array.from(x);
  teacher.weights.forEach((W, l) => {
    const b = Array.from(teacher.biases[l]);
    const rows = b.map((_, r) => Array.from(W.subarray(r * h.length, (r + 1) * h.length)));
    const z = rows.map((row, r) => row.reduce((s, w, j) => s + w * h[j], b[r]));
    h = l === teacher.weights.length - 1 ? z : z.map(act);
  });
  return h;
}

describe("teacher-student", () => {
  const base = { seed: 7, nTrain: 2000, nTest: 500, inputDim: 10, widths: [32, 16], outputDim: 3, activation: "tanh" as const };

  it("is reproducible from the seed and changes with it", () => {
    const a = teacherStudent({ ...base, task: "regression" });
    const b = teacherStudent({ ...base, task: "regression" });
    const c = teacherStudent({ ...base, seed: 8, task: "regression" });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.train.y)).toEqual(Array.from(b.train.y));
    expect(a.train.x[0]).not.toBe(c.train.x[0]);
    expect(a.train.x[0]).not.toBe(a.test.x[0]); // train and test inputs are different draws
  });

  it("regression targets are the teacher's outputs plus noise of the stated std", () => {
    const { train, test, teacher } = teacherStudent({ ...base, task: "regression", noiseStd: 0.5 });
    expect(train.task).toBe("regression");
    expect(train.yDim).toBe(3);
    expect(train.y).toBeInstanceOf(Float32Array);
    const f = teacherForward(teacher, test.x as Float32Array, test.n);
    let sq = 0;
    for (let i = 0; i < f.length; i++) sq += (test.y[i] - f[i]) ** 2;
    const sd = Math.sqrt(sq / f.length);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.05); // 1500 draws: relative error of an std ~2 %
    const clean = teacherStudent({ ...base, task: "regression" });
    for (let i = 0; i < 30; i++) {
      const want = referenceTeacher(clean.teacher, clean.train.x.subarray(10 * i, 10 * i + 10), Math.tanh);
      for (let k = 0; k < 3; k++) expect(Math.abs(clean.train.y[3 * i + k] - want[k])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[k])));
    }
  });

  it("inputs are standard normal", () => {
    const { train } = teacherStudent({ ...base, task: "regression" });
    let m = 0, v = 0;
    for (const t of train.x) m += t / train.x.length;
    for (const t of train.x) v += (t - m) ** 2 / train.x.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it("classification labels are the argmax of the teacher's outputs", () => {
    const { train, teacher } = teacherStudent({ ...base, task: "classification", activation: "relu" });
    expect(train.numClasses).toBe(3);
    const relu = (z: number) => Math.max(z, 0);
    for (let i = 0; i < train.n; i++) {
      const row = referenceTeacher(teacher, train.x.subarray(10 * i, 10 * i + 10), relu);
      expect(train.y[i]).toBe(row.indexOf(Math.max(...row)));
    }
    // the library's forward pass is the same function
    const f = teacherForward(teacher, train.x as Float32Array, 50);
    for (let i = 0; i < 50; i++) {
      const want = referenceTeacher(teacher, train.x.subarray(10 * i, 10 * i + 10), relu);
      for (let k = 0; k < 3; k++) expect(Math.abs(f[3 * i + k] - want[k])).toBeLessThan(1e-12 * Math.max(1, Math.abs(want[k])));
    }
    expect(Math.min(...labelHistogram(train))).toBeGreaterThan(0);
    const bin = teacherStudent({ ...base, outputDim: 1, task: "classification" });
    expect(bin.train.numClasses).toBe(2);
  });

  it("a linear teacher (no hidden layers) is y = W x", () => {
    const t = makeTeacher({ inputDim: 4, widths: [], outputDim: 2, activation: "relu" }, 3);
    const x = Float32Array.from([1, 0, 0, 0, 0, 2, 0, 0]);
    const y = teacherForward(t, x, 2);
    expect(y[0]).toBeCloseTo(t.weights[0][0], 12);
    expect(y[1]).toBeCloseTo(t.weights[0][4], 12);
    expect(y[2]).toBeCloseTo(2 * t.weights[0][1], 6);
  });
});

describe("Gaussian mixture", () => {
  it("class means are exactly `separation` apart (k <= d); samples scatter around them", () => {
    const k = 4, d = 20, sep = 3;
    const { train, means } = gaussianMixture({ seed: 1, k, d, nTrain: 4000, nTest: 400, separation: sep });
    for (let a = 0; a < k; a++)
      for (let b = a + 1; b < k; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (means[a * d + j] - means[b * d + j]) ** 2;
        expect(Math.sqrt(s)).toBeCloseTo(sep, 9);
      }
    expect(Array.from(labelHistogram(train))).toEqual([1000, 1000, 1000, 1000]);
    // Class-conditional sample means within 5 standard errors (1/sqrt(1000)) of the true means.
    for (let c = 0; c < k; c++)
      for (let j = 0; j < d; j++) {
        let m = 0;
        for (let i = c; i < train.n; i += k) m += train.x[i * d + j] / 1000;
        expect(Math.abs(m - means[c * d + j])).toBeLessThan(5 / Math.sqrt(1000));
      }
  });

  it("is reproducible, and separation controls how separable it is", () => {
    const a = gaussianMixture({ seed: 2, k: 3, d: 5, nTrain: 10, nTest: 10, separation: 1 });
    const b = gaussianMixture({ seed: 2, k: 3, d: 5, nTrain: 10, nTest: 10, separation: 1 });
    expect(Array.from(a.test.x)).toEqual(Array.from(b.test.x));
    const accuracy = (sep: number) => {
      const { test, means } = gaussianMixture({ seed: 3, k: 3, d: 10, nTrain: 0, nTest: 3000, separation: sep });
      let right = 0;
      for (let i = 0; i < test.n; i++) {
        let best = 0, bestD = Infinity;
        for (let c = 0; c < 3; c++) {
          let dd = 0;
          for (let j = 0; j < 10; j++) dd += (test.x[i * 10 + j] - means[c * 10 + j]) ** 2;
          if (dd < bestD) [best, bestD] = [c, dd];
        }
        if (best === test.y[i]) right++;
      }
      return right / test.n;
    };
    expect(accuracy(8)).toBeGreaterThan(0.99);
    expect(Math.abs(accuracy(0) - 1 / 3)).toBeLessThan(0.05);
  });
});

describe("Gaussian blobs (the one sampler behind every blob dataset)", () => {
  it("`scale` placement draws N(0, scale²) means; samples follow the documented draw order", () => {
    const k = 3, d = 4, n = 50;
    const means = blobMeans(new Rng(7), k, d, { scale: 0.5 });
    const ref = new Rng(7);
    expect(Array.from(means)).toEqual(Array.from({ length: k * d }, () => 0.5 * ref.normal()));
    for (const labels of ["interleaved", "random"] as const) {
      const { x, y } = sampleBlobs(new Rng(11), means, k, n, { noise: 2, labels });
      const g = new Rng(11);
      for (let i = 0; i < n; i++) {
        const c = labels === "random" ? g.int(k) : i % k;
        expect(y[i]).toBe(c);
        for (let j = 0; j < d; j++) expect(x[i * d + j]).toBe(Math.fround(means[c * d + j] + 2 * g.normal()));
      }
    }
  });

  it("`separation` placement: k ≤ d means exactly that far apart; k > d means on the sphere of radius separation/√2", () => {
    const dist = (m: Float64Array, d: number, a: number, b: number) =>
      Math.hypot(...Array.from({ length: d }, (_, j) => m[a * d + j] - m[b * d + j]));
    const orth = blobMeans(new Rng(1), 5, 8, { separation: 2 });
    for (let a = 0; a < 5; a++) for (let b = a + 1; b < 5; b++) expect(dist(orth, 8, a, b)).toBeCloseTo(2, 12);
    const many = blobMeans(new Rng(1), 6, 2, { separation: 2 });
    for (let c = 0; c < 6; c++) expect(Math.hypot(many[2 * c], many[2 * c + 1])).toBeCloseTo(Math.SQRT2, 12);
  });
});

