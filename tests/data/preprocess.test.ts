/**
 * Preprocessing, tested through invariants on seeded inputs with stated tolerances: standardisation statistics
 * (train only, applied to test), PCA against a known low-rank construction and an exact eigendecomposition,
 * area downsampling (block means, mean preservation), layouts, class and sample subsets.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../lib/src/util/random";
import {
  applyPca,
  applyStandardizer,
  checkDataset,
  DatasetError,
  downsample,
  fitPca,
  fitStandardizer,
  flatten,
  labelHistogram,
  pcaSplits,
  sampleSubset,
  selectClasses,
  standardizeSplits,
  takeSamples,
  toFloat32,
  toLayout,
  type ClassificationDataset,
  type Dataset,
} from "../../lib/src/data";
import { eigh } from "../../lib/src/linalg/eigh";

/** Tolerances: float32 storage (~6e-8 relative per op) and float64 linear algebra. */
const F32 = 1e-5;
const F64 = 1e-9;

function flatDataset(x: Float32Array, n: number, d: number, y?: Int32Array, numClasses = 2): ClassificationDataset {
  return checkDataset({
    name: "t", split: "train", x, y: y ?? new Int32Array(n), n, d, shape: [d], layout: "flat",
    task: "classification", numClasses, yDim: 1,
  }) as ClassificationDataset;
}

function imageDataset(n: number, C: number, H: number, W: number, seed: number, uint8 = false): ClassificationDataset {
  const rng = new Rng(seed);
  const d = C * H * W;
  const x = uint8 ? new Uint8Array(n * d).map(() => rng.int(256)) : new Float32Array(n * d).map(() => rng.normal());
  return checkDataset({
    name: "img", split: "train", x, y: new Int32Array(n), n, d, shape: [C, H, W], layout: "chw",
    task: "classification", numClasses: 1, yDim: 1,
  }) as ClassificationDataset;
}

describe("standardisation", () => {
  const rng = new Rng(1);
  const n = 500, d = 6;
  const scales = [1, 10, 0.1, 3, 0, 7]; // feature 4 is constant
  const make = (m: number, shift: number) =>
    new Float32Array(m * d).map((_, i) => (i % d === 4 ? 5 : shift + (i % d) + scales[i % d] * rng.normal()));
  const train = flatDataset(make(n, 0), n, d);
  const test = flatDataset(make(200, 3), 200, d); // shifted: its own stats differ

  it("fits mean and population std on train (float64), constant features get std 1", () => {
    const s = fitStandardizer(train);
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += train.x[i * d + j];
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (train.x[i * d + j] - m) ** 2;
      expect(s.mean[j]).toBeCloseTo(m, 10);
      expect(s.std[j]).toBeCloseTo(j === 4 ? 1 : Math.sqrt(v / n), 10);
    }
    expect(s.constantFeatures).toBe(1);
  });

  it("train becomes mean 0 / std 1 per feature; test uses the train statistics", () => {
    const { train: zt, test: zs, stats } = standardizeSplits(train, test);
    expect(zt.x).toBeInstanceOf(Float32Array);
    const col = (ds: Dataset, j: number) => Array.from({ length: ds.n }, (_, i) => ds.x[i * d + j]);
    for (let j = 0; j < d; j++) {
      const c = col(zt, j);
      const m = c.reduce((a, b) => a + b, 0) / c.length;
      const sd = Math.sqrt(c.reduce((a, b) => a + (b - m) ** 2, 0) / c.length);
      expect(Math.abs(m)).toBeLessThan(F32 * 10);
      expect(sd).toBeCloseTo(j === 4 ? 0 : 1, 4);
      expect(zs.x[7 * d + j]).toBeCloseTo((test.x[7 * d + j] - stats.mean[j]) / stats.std[j], 4);
    }
    // Test features were shifted by +3 before scaling, so their standardised mean is far from 0.
    expect(col(zs, 0).reduce((a, b) => a + b, 0) / zs.n).toBeGreaterThan(1);
  });

  it("refuses statistics from a different feature count", () => {
    expect(() => applyStandardizer(flatDataset(new Float32Array(10), 2, 5), fitStandardizer(train))).toThrow(DatasetError);
  });

  it("toFloat32 maps uint8 pixels to [0, 1]", () => {
    const ds = imageDataset(3, 1, 4, 4, 2, true);
    const f = toFloat32(ds);
    expect(f.x).toBeInstanceOf(Float32Array);
    for (let i = 0; i < f.x.length; i++) expect(f.x[i]).toBeCloseTo(ds.x[i] / 255, 6);
  });
});

/** Orthonormal columns: Gram-Schmidt of Gaussian vectors; returns r unit rows of length d. */
function orthonormalRows(r: number, d: number, rng: Rng): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let a = 0; a < r; a++) {
    const v = rng.normals(d);
    for (const u of rows) {
      const s = v.reduce((acc, x, j) => acc + x * u[j], 0);
      for (let j = 0; j < d; j++) v[j] -= s * u[j];
    }
    const nrm = Math.sqrt(v.reduce((acc, x) => acc + x * x, 0));
    rows.push(v.map((x) => x / nrm));
  }
  return rows;
}

/** X = mu + A diag(s) U^T + sigma * noise, A standard normal: covariance U diag(s^2) U^T + sigma^2 I. */
function lowRank(n: number, d: number, s: number[], sigma: number, seed: number) {
  const rng = new Rng(seed);
  const U = orthonormalRows(s.length, d, rng);
  const mu = rng.normals(d, 0, 10);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = s.map((sk) => sk * rng.normal());
    for (let j = 0; j < d; j++) {
      let v = mu[j] + sigma * rng.normal();
      for (let k = 0; k < s.length; k++) v += a[k] * U[k][j];
      x[i * d + j] = v;
    }
  }
  return { ds: flatDataset(x, n, d), U, mu };
}

/** Sample covariance in float64, formed naively (ground truth). */
function naiveCovariance(ds: Dataset): Float64Array {
  const { n, d, x } = ds;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const C = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const za = x[i * d + a] - mean[a];
      for (let b = 0; b < d; b++) C[a * d + b] += (za * (x[i * d + b] - mean[b])) / (n - 1);
    }
  return C;
}

describe("PCA", () => {
  const s = [5, 3, 2];
  const sigma = 0.05;
  const { ds, U } = lowRank(3000, 40, s, sigma, 11);
  const C = naiveCovariance(ds);
  // Ground truth: the exact eigen-decomposition of the sample covariance, reordered descending (vectors as rows).
  const full = eigh(C, 40, { vectors: true });
  const exact = {
    values: Float64Array.from(full.values).reverse(),
    vectors: Float64Array.from({ length: 40 * 40 }, (_, q) => full.vectors![(39 - Math.floor(q / 40)) * 40 + (q % 40)]),
  };
  const pca = fitPca(ds, 3, { seed: 5 });

  it("converges; components are orthonormal and satisfy C v = lambda v", () => {
    expect(pca.converged).toBe(true);
    expect(pca.residuals.length).toBe(pca.iterations);
    expect(pca.route).toBe("covariance");
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dotab = 0;
        for (let j = 0; j < 40; j++) dotab += pca.components[a * 40 + j] * pca.components[b * 40 + j];
        expect(Math.abs(dotab - (a === b ? 1 : 0))).toBeLessThan(1e-10);
      }
      let res = 0;
      for (let r = 0; r < 40; r++) {
        let cv = 0;
        for (let j = 0; j < 40; j++) cv += C[r * 40 + j] * pca.components[a * 40 + j];
        res += (cv - pca.variances[a] * pca.components[a * 40 + r]) ** 2;
      }
      expect(Math.sqrt(res) / pca.variances[0]).toBeLessThan(1e-7);
    }
  });

  it("matches the exact eigendecomposition of the sample covariance", () => {
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(pca.variances[a] - exact.values[a]) / exact.values[0]).toBeLessThan(F64);
      let dotv = 0;
      for (let j = 0; j < 40; j++) dotv += pca.components[a * 40 + j] * exact.vectors[a * 40 + j];
      expect(Math.abs(Math.abs(dotv) - 1)).toBeLessThan(1e-8);
    }
    let trace = 0;
    for (let j = 0; j < 40; j++) trace += C[j * 40 + j];
    expect(pca.totalVariance).toBeCloseTo(trace, 6);
  });

  it("recovers the planted subspace and variances of the low-rank construction", () => {
    for (let a = 0; a < 3; a++) {
      // ||P_U v||, the length of v's projection on span(U): 1 when v lies in the planted subspace.
      let inSpan = 0;
      for (const u of U) {
        let c = 0;
        for (let j = 0; j < 40; j++) c += u[j] * pca.components[a * 40 + j];
        inSpan += c * c;
      }
      expect(Math.sqrt(inSpan)).toBeGreaterThan(0.999);
      // Sample variance of s_a * N(0, 1) over 3000 draws: relative std sqrt(2/3000) ~ 2.6 %; allow 4 sigma.
      expect(Math.abs(pca.variances[a] / (s[a] ** 2 + sigma ** 2) - 1)).toBeLessThan(0.11);
    }
    const explained = (pca.variances[0] + pca.variances[1] + pca.variances[2]) / pca.totalVariance;
    expect(explained).toBeGreaterThan(0.99);
  });

  it("projections are centred with variance lambda; whitening gives unit variance; fits are reproducible", () => {
    const z = applyPca(ds, pca);
    expect(z.shape).toEqual([3]);
    expect(z.layout).toBe("flat");
    const w = applyPca(ds, pca, { whiten: true });
    for (let c = 0; c < 3; c++) {
      let m = 0, v = 0, vw = 0;
      for (let i = 0; i < ds.n; i++) m += z.x[i * 3 + c] / ds.n;
      for (let i = 0; i < ds.n; i++) {
        v += (z.x[i * 3 + c] - m) ** 2 / (ds.n - 1);
        vw += w.x[i * 3 + c] ** 2 / (ds.n - 1);
      }
      expect(Math.abs(m)).toBeLessThan(1e-3);
      expect(v / pca.variances[c]).toBeCloseTo(1, 4);
      expect(vw).toBeCloseTo(1, 3);
    }
    const again = fitPca(ds, 3, { seed: 5 });
    expect(Array.from(again.components)).toEqual(Array.from(pca.components));
  });

  it("the Gram route (n < d) gives the covariance route's answer", () => {
    const small = lowRank(30, 100, [4, 2, 1], 0.1, 21).ds;
    const g = fitPca(small, 3, { seed: 1 });
    const c = fitPca(small, 3, { seed: 1, route: "covariance" });
    expect(g.route).toBe("gram");
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(g.variances[a] - c.variances[a]) / c.variances[0]).toBeLessThan(F64);
      let dotv = 0;
      for (let j = 0; j < 100; j++) dotv += g.components[a * 100 + j] * c.components[a * 100 + j];
      expect(dotv).toBeCloseTo(1, 8); // same sign convention too
    }
    expect(g.totalVariance).toBeCloseTo(c.totalVariance, 8);
  });

  it("pcaSplits fits on train only; maxFitSamples uses a seeded subsample", () => {
    const { ds: test } = lowRank(100, 40, s, sigma, 99);
    const r = pcaSplits(ds, test, 2, { seed: 5 });
    expect(r.pca.fittedOn.n).toBe(3000);
    expect(r.test.n).toBe(100);
    expect(r.test.d).toBe(2);
    const sub = fitPca(ds, 2, { seed: 5, maxFitSamples: 500 });
    expect(sub.fittedOn.n).toBe(500);
    expect(Array.from(fitPca(ds, 2, { seed: 5, maxFitSamples: 500 }).mean)).toEqual(Array.from(sub.mean));
    expect(() => fitPca(ds, 41, { seed: 1 })).toThrow(DatasetError);
  });
});

describe("downsampling (area averaging)", () => {
  it("32 -> 8 is the mean of each 4x4 block, per channel", () => {
    const ds = imageDataset(2, 3, 32, 32, 4);
    const out = downsample(ds, { height: 8 });
    expect(out.shape).toEqual([3, 8, 8]);
    for (let i = 0; i < 2; i++)
      for (let c = 0; c < 3; c++)
        for (let h = 0; h < 8; h++)
          for (let w = 0; w < 8; w++) {
            let sum = 0;
            for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) sum += ds.x[i * 3072 + c * 1024 + (4 * h + a) * 32 + 4 * w + b];
            expect(out.x[i * 192 + c * 64 + h * 8 + w]).toBeCloseTo(sum / 16, 5);
          }
  });

  it("preserves each image's mean for any factor, and constant images stay constant", () => {
    const ds = imageDataset(3, 2, 28, 28, 5);
    for (const [h, w] of [[8, 8], [12, 7], [14, 14], [28, 28], [1, 1]]) {
      const out = downsample(ds, { height: h, width: w });
      for (let i = 0; i < 3; i++)
        for (let c = 0; c < 2; c++) {
          let a = 0, b = 0;
          for (let p = 0; p < 784; p++) a += ds.x[i * 1568 + c * 784 + p] / 784;
          for (let p = 0; p < h * w; p++) b += out.x[i * 2 * h * w + c * h * w + p] / (h * w);
          expect(b).toBeCloseTo(a, 5);
        }
    }
    const flat = checkDataset({ ...ds, x: new Float32Array(ds.x.length).fill(3.5) });
    const o = downsample(flat, { height: 9 });
    for (const v of o.x) expect(v).toBeCloseTo(3.5, 6);
  });

  it("uint8 stays uint8 with dtype 'same' (rounded), and HWC gives the transposed CHW result", () => {
    const ds = imageDataset(2, 3, 96, 96, 6, true);
    const f = downsample(ds, { height: 32 });
    const u = downsample(ds, { height: 32, dtype: "same" });
    expect(f.x).toBeInstanceOf(Float32Array);
    expect(u.x).toBeInstanceOf(Uint8Array);
    for (let i = 0; i < f.x.length; i++) expect(Math.abs(u.x[i] - f.x[i])).toBeLessThanOrEqual(0.5 + 1e-6);
    const hwc = downsample(toLayout(ds, "hwc"), { height: 32 });
    expect(hwc.shape).toEqual([32, 32, 3]);
    expect(Array.from(toLayout(hwc, "chw").x)).toEqual(Array.from(f.x));
  });

  it("refuses to upsample or to work on flat data", () => {
    const ds = imageDataset(1, 1, 8, 8, 7);
    expect(() => downsample(ds, { height: 16 })).toThrow(DatasetError);
    expect(() => downsample(flatten(ds), { height: 4 })).toThrow(DatasetError);
  });
});

describe("layouts", () => {
  it("CHW -> HWC -> CHW is the identity; flatten shares the buffer", () => {
    const ds = imageDataset(2, 3, 4, 5, 8);
    const hwc = toLayout(ds, "hwc");
    expect(hwc.shape).toEqual([4, 5, 3]);
    // pixel (c=2, h=1, w=3) of image 1
    expect(hwc.x[60 + (1 * 5 + 3) * 3 + 2]).toBe(ds.x[60 + 2 * 20 + 1 * 5 + 3]);
    expect(Array.from(toLayout(hwc, "chw").x)).toEqual(Array.from(ds.x));
    const f = flatten(ds);
    expect(f.shape).toEqual([60]);
    expect(f.x).toBe(ds.x);
  });
});

describe("subsets", () => {
  const n = 300;
  const rng = new Rng(9);
  const y = Int32Array.from({ length: n }, () => rng.int(10));
  const x = Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)); // row i holds [i, i]
  const ds = checkDataset({ ...flatDataset(x, n, 2, y, 10), classNames: "abcdefghij".split("") }) as ClassificationDataset;

  it("selectClasses keeps the chosen classes, relabels them in the given order, keeps sample order", () => {
    const sub = selectClasses(ds, [7, 2]);
    expect(sub.numClasses).toBe(2);
    expect(sub.classNames).toEqual(["h", "c"]);
    const orig = Array.from(y).map((v, i) => [v, i]).filter(([v]) => v === 7 || v === 2);
    expect(sub.n).toBe(orig.length);
    orig.forEach(([v, i], r) => {
      expect(sub.y[r]).toBe(v === 7 ? 0 : 1);
      expect(sub.x[r * 2]).toBe(i);
    });
    expect(() => selectClasses(ds, [1, 1])).toThrow(DatasetError);
    expect(() => selectClasses(ds, [10])).toThrow(DatasetError);
  });

  it("sampleSubset is seeded, without replacement, in original order", () => {
    const a = sampleSubset(ds, 50, { seed: 1 });
    const b = sampleSubset(ds, 50, { seed: 1 });
    const c = sampleSubset(ds, 50, { seed: 2 });
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.indices)).not.toEqual(Array.from(c.indices));
    expect(new Set(a.indices).size).toBe(50);
    for (let r = 1; r < 50; r++) expect(a.indices[r]).toBeGreaterThan(a.indices[r - 1]);
    for (let r = 0; r < 50; r++) {
      expect(a.data.x[2 * r]).toBe(a.indices[r]);
      expect(a.data.y[r]).toBe(y[a.indices[r]]);
    }
    expect(() => sampleSubset(ds, 301, { seed: 1 })).toThrow(DatasetError);
  });

  it("stratified subsets take the same number from every class", () => {
    const s = sampleSubset(ds, 100, { seed: 3, stratified: true });
    expect(Array.from(labelHistogram(s.data))).toEqual(new Array(10).fill(10));
    expect(() => sampleSubset(ds, 95, { seed: 3, stratified: true })).toThrow(/multiple of 10/);
  });

  it("takeSamples gathers a copy in the given order", () => {
    const t = takeSamples(ds, [5, 0, 5]);
    expect(Array.from(t.x)).toEqual([5, 5, 0, 0, 5, 5]);
    expect(t.x.buffer).not.toBe(ds.x.buffer);
    expect(() => takeSamples(ds, [300])).toThrow(DatasetError);
  });
});
