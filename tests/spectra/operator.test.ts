import { describe, expect, it } from "vitest";
import { blockOperator, countingOperator, denseOperator } from "../../lib/src/spectra";
import { Rng } from "../../lib/src/util/random";
import { randomSymmetric } from "../linalg/helpers";

describe("operators", () => {
  it("denseOperator multiplies, countingOperator counts, blockOperator restricts to coordinate slices", async () => {
    const n = 12;
    const A = randomSymmetric(8, n);
    const op = countingOperator(denseOperator(A, n));
    const v = new Rng(1).normals(n);
    const y = await op.apply(v);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
      expect(y[i]).toBeCloseTo(s, 13);
    }
    expect(op.count).toBe(1);
    // block on coordinates {2,3,4} ∪ {9,10}
    const idx = [2, 3, 4, 9, 10];
    const block = blockOperator(op, [
      [2, 5],
      [9, 11],
    ]);
    expect(block.dim).toBe(5);
    const x = Float64Array.of(1, -2, 0.5, 3, 1);
    const bx = await block.apply(x);
    for (let a = 0; a < 5; a++) {
      let s = 0;
      for (let b = 0; b < 5; b++) s += A[idx[a] * n + idx[b]] * x[b];
      expect(bx[a]).toBeCloseTo(s, 13);
    }
    expect(op.count).toBe(2);
    expect(() => blockOperator(op, [[5, 20]])).toThrow(/bad range/);
  });
});
