import { afterEach, describe, expect, it } from "vitest";
import {
  BLAS64_MIN_LENGTH,
  blas64Available,
  blas64Status,
  daxpy,
  ddot,
  dgemv,
  dnrm2,
  dscal,
  useBlas64,
} from "../../lib/src/linalg/blas64";
import { vec } from "../../lib/src/spectra";
import { denseOperator, lanczos } from "../../lib/src/spectra";
import { setLanczosBlockBytes } from "../../lib/src/spectra/lanczos";
import { Rng, subSeed } from "../../lib/src/util/random";
import { randomSymmetric } from "./helpers";

const HAVE_BLAS = blas64Available();
const WHAT = `a float64 BLAS (OpenBLAS; tried: ${blas64Status().reason || "found"})`;

/** Runs f with the BLAS routes on (true) or forced to the JS loops (false). */
function withBlas<T>(on: boolean, f: () => T): T {
  const prev = useBlas64(on);
  try {
    return f();
  } finally {
    useBlas64(prev);
  }
}
async function withBlasAsync<T>(on: boolean, f: () => Promise<T>): Promise<T> {
  const prev = useBlas64(on);
  try {
    return await f();
  } finally {
    useBlas64(prev);
  }
}

const rel = (a: number, b: number, scale: number) => Math.abs(a - b) / scale;
function maxRel(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

afterEach(() => {
  useBlas64(undefined);
});

describe.skipIf(!HAVE_BLAS)(`float64 BLAS through koffi equals the JS loops (needs ${WHAT})`, () => {
  const rng = new Rng(subSeed(64, "blas64"));
  // odd lengths, one below and above the vec threshold, and offsets into a longer buffer
  const cases: Array<[number, number, number]> = [
    [1, 0, 3],
    [7, 5, 2],
    [1023, 1, 0],
    [BLAS64_MIN_LENGTH + 1, 3, 7],
    [20_001, 13, 1],
  ];

  it("reports the library", () => {
    expect(blas64Status().library).toMatch(/blas/);
  });

  for (const [n, ox, oy] of cases) {
    it(`ddot, dnrm2, daxpy, dscal on length ${n} (subarray offsets ${ox}, ${oy})`, () => {
      const xb = rng.normals(n + ox + 5);
      const yb = rng.normals(n + oy + 5);
      const x = xb.subarray(ox, ox + n);
      const y = yb.subarray(oy, oy + n);
      let absDot = 0;
      for (let i = 0; i < n; i++) absDot += Math.abs(x[i] * y[i]);
      const dB = withBlas(true, () => ddot(x, y));
      const dJ = withBlas(false, () => ddot(x, y));
      expect(rel(dB, dJ, absDot)).toBeLessThan(1e-12);
      const nB = withBlas(true, () => dnrm2(x));
      const nJ = withBlas(false, () => dnrm2(x));
      expect(rel(nB, nJ, nJ)).toBeLessThan(1e-12);
      // the vec functions route through BLAS above the threshold and agree too
      expect(
        rel(
          withBlas(true, () => vec.dot(x, y)),
          dJ,
          absDot,
        ),
      ).toBeLessThan(1e-12);
      expect(
        rel(
          withBlas(true, () => vec.norm(x)),
          nJ,
          nJ,
        ),
      ).toBeLessThan(1e-12);

      const y1 = Float64Array.from(yb);
      const y2 = Float64Array.from(yb);
      withBlas(true, () => daxpy(-0.37, x, y1.subarray(oy, oy + n)));
      withBlas(false, () => daxpy(-0.37, x, y2.subarray(oy, oy + n)));
      expect(maxRel(y1, y2)).toBeLessThan(1e-12);
      // entries outside the subarray are untouched
      expect(y1[oy + n]).toBe(yb[oy + n]);
      if (oy > 0) expect(y1[oy - 1]).toBe(yb[oy - 1]);
      const x1 = Float64Array.from(xb);
      const x2 = Float64Array.from(xb);
      withBlas(true, () => dscal(1.7, x1.subarray(ox, ox + n)));
      withBlas(false, () => dscal(1.7, x2.subarray(ox, ox + n)));
      expect(maxRel(x1, x2)).toBeLessThan(1e-15);
      expect(x1[ox + n]).toBe(xb[ox + n]);
    });
  }

  it("dnrm2 neither overflows nor underflows", () => {
    const big = new Float64Array(3000).fill(3e200);
    const small = new Float64Array(3000).fill(3e-200);
    withBlas(true, () => {
      expect(rel(dnrm2(big), 3e200 * Math.sqrt(3000), 3e200 * Math.sqrt(3000))).toBeLessThan(1e-13);
      expect(rel(dnrm2(small), 3e-200 * Math.sqrt(3000), 3e-200 * Math.sqrt(3000))).toBeLessThan(1e-13);
      expect(dnrm2(new Float64Array(2000))).toBe(0);
    });
  });

  for (const [m, n, lda, trans] of [
    [1, 1, 1, false],
    [17, 1031, 1031, false],
    [17, 1031, 1031, true],
    [33, 501, 777, false],
    [33, 501, 777, true],
  ] as Array<[number, number, number, boolean]>) {
    it(`dgemv ${trans ? "Aᵀx" : "Ax"}, ${m}×${n}, lda ${lda}, on subarrays`, () => {
      const A = rng.normals((m - 1) * lda + n + 11).subarray(11);
      const [nx, ny] = trans ? [m, n] : [n, m];
      const x = rng.normals(nx + 2).subarray(2);
      const y0 = rng.normals(ny + 4);
      for (const beta of [0, 1, -0.5]) {
        const yB = Float64Array.from(y0);
        const yJ = Float64Array.from(y0);
        withBlas(true, () => dgemv(trans, m, n, 0.75, A, x, beta, yB.subarray(4), lda));
        withBlas(false, () => dgemv(trans, m, n, 0.75, A, x, beta, yJ.subarray(4), lda));
        // relative to Σ|a_ij x_j| per entry (the scale of a dot product's round-off)
        const scale = new Float64Array(ny);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const t = Math.abs(A[i * lda + j] * x[trans ? i : j]);
            scale[trans ? j : i] += t;
          }
        for (let k = 0; k < ny; k++) {
          const s = 0.75 * scale[k] + Math.abs(beta * y0[k + 4]);
          expect(Math.abs(yB[k + 4] - yJ[k + 4]) / s).toBeLessThan(1e-12);
        }
        expect(Array.from(yB.subarray(0, 4))).toEqual(Array.from(y0.subarray(0, 4)));
      }
      // β = 0 overwrites NaNs
      const yN = new Float64Array(ny).fill(NaN);
      withBlas(true, () => dgemv(trans, m, n, 1, A, x, 0, yN, lda));
      expect(yN.every(Number.isFinite)).toBe(true);
    });
  }

  it("Lanczos with BLAS and with the JS loops gives the same Ritz values and an orthonormal basis", async () => {
    const n = 1200; // above BLAS64_MIN_LENGTH, so vec's dot/axpy/norm route through BLAS too
    const A = randomSymmetric(5, n);
    const op = denseOperator(A, n);
    const opts = { seed: 9, steps: 80, ritzVectors: true, keepBasis: true };
    const rB = await withBlasAsync(true, () => lanczos(op, opts));
    const rJ = await withBlasAsync(false, () => lanczos(op, opts));
    const scale = Math.max(Math.abs(rJ.ritzValues[0]), Math.abs(rJ.ritzValues[rJ.steps - 1]));
    expect(rB.steps).toBe(rJ.steps);
    expect(maxRel(rB.ritzValues, rJ.ritzValues)).toBeLessThan(1e-11);
    expect(Math.abs(rB.ritzValues[0] - rJ.ritzValues[0]) / scale).toBeLessThan(1e-13);
    expect(Math.abs(rB.ritzValues[79] - rJ.ritzValues[79]) / scale).toBeLessThan(1e-13);
    for (let i = 0; i < rB.steps; i++) expect(Math.abs(rB.ritzWeights[i] - rJ.ritzWeights[i])).toBeLessThan(1e-9);
    const Q = rB.basis as Float64Array[];
    let orth = 0;
    for (let i = 0; i < Q.length; i++)
      for (let j = 0; j <= i; j++) orth = Math.max(orth, Math.abs(vec.dot(Q[i], Q[j]) - (i === j ? 1 : 0)));
    expect(orth).toBeLessThan(1e-14);
    // the extreme Ritz vectors agree (up to sign) and satisfy A y ≈ θ y to the reported residual
    for (const i of [0, 79]) {
      const yB = (rB.ritzVectors as Float64Array[])[i];
      const yJ = (rJ.ritzVectors as Float64Array[])[i];
      const sign = Math.sign(vec.dot(yB, yJ));
      let d = 0;
      for (let k = 0; k < n; k++) d = Math.max(d, Math.abs(yB[k] - sign * yJ[k]));
      expect(d).toBeLessThan(1e-8);
      const Ay = op.apply(yB) as Float64Array;
      vec.axpy(-rB.ritzValues[i], yB, Ay);
      expect(vec.norm(Ay)).toBeLessThan(rB.ritzResiduals[i] + 1e-10 * scale);
    }
  });
});

describe("Lanczos on a basis split into several blocks", () => {
  it("gives the same Ritz values, Ritz vectors and basis as one block (BLAS or JS)", async () => {
    const n = 300;
    const A = randomSymmetric(6, n);
    const op = denseOperator(A, n);
    const opts = { seed: 4, steps: 37, ritzVectors: true, keepBasis: true };
    const one = await lanczos(op, opts);
    const prev = setLanczosBlockBytes(8 * n * 5); // 5 rows per block: 7 full blocks and one of 2 rows
    try {
      const split = await lanczos(op, opts);
      expect(maxRel(split.ritzValues, one.ritzValues)).toBeLessThan(1e-13);
      for (const i of [0, 36]) {
        const a = (split.ritzVectors as Float64Array[])[i];
        const b = (one.ritzVectors as Float64Array[])[i];
        expect(maxRel(a, b)).toBeLessThan(1e-10);
      }
      expect(maxRel((split.basis as Float64Array[])[36], (one.basis as Float64Array[])[36])).toBeLessThan(1e-10);
    } finally {
      setLanczosBlockBytes(prev);
    }
  });
});

describe("SKIPLAB_BLAS64 / useBlas64(false) forces the JS loops", () => {
  it("reports the switch", () => {
    useBlas64(false);
    expect(blas64Status().library).toBeNull();
    expect(blas64Available()).toBe(false);
    const x = Float64Array.of(1, 2, 3);
    expect(ddot(x, x)).toBe(14);
    expect(dnrm2(Float64Array.of(3, 4))).toBe(5);
    expect(Array.from(dgemv(true, 1, 3, 2, x, Float64Array.of(1), 0, new Float64Array(3)))).toEqual([2, 4, 6]);
    expect(() => dgemv(false, 2, 3, 1, x, x, 0, new Float64Array(2))).toThrow(/entries/);
  });
});
