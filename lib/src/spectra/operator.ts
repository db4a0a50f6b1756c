/**
 * The one curvature-operator interface: a symmetric linear map on flat parameter vectors. The Hessian-vector
 * product (from TensorFlow.js, hence possibly async), a Gauss–Newton product, or an explicit matrix all implement it;
 * every algorithm in `spectra/` touches the operator only through `apply`.
 */
import { checkShape } from "../linalg/dense";

export interface SymOperator {
  /** Length of the vectors it acts on (number of selected parameters). */
  dim: number;
  /**
   * v ↦ A·v. Must not modify `v`, and must return a new array (or a promise of one) of length `dim` that the
   * caller may keep and modify.
   */
  apply(v: Float64Array): Float64Array | Promise<Float64Array>;
  /**
   * Optional: frees what the operator keeps between products (the Hessian operator's recorded gradient tape,
   * curvature/tape.ts); the next product rebuilds it. The algorithms of `spectra/` and `assembleOperator` call it
   * when they finish, so they leave no tensors behind.
   */
  release?(): void;
}

/** Calls `op.release()` when the operator has one. */
export function releaseOperator(op: SymOperator): void {
  op.release?.();
}

/** Runs an algorithm on `op` and releases the operator afterwards, also when the algorithm throws. */
export async function withRelease<T>(op: SymOperator, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    releaseOperator(op);
  }
}

/** Awaits `op.apply(v)` and checks the length; copies if an operator returned its own input. */
export async function applyOperator(op: SymOperator, v: Float64Array): Promise<Float64Array> {
  const out = await op.apply(v);
  if (out.length !== op.dim) throw new Error(`SymOperator.apply returned length ${out.length}, expected ${op.dim}`);
  return out === v ? Float64Array.from(out) : out;
}

/**
 * Wraps an explicit symmetric row-major n×n matrix as an operator (v ↦ A v, computed from the full rows).
 * For tests of every matrix-free algorithm against an exact eigendecomposition, and for small assembled Hessians.
 */
export function denseOperator(A: Float64Array, n: number): SymOperator {
  checkShape("denseOperator", A, n, n);
  return {
    dim: n,
    apply(v: Float64Array): Float64Array {
      if (v.length !== n) throw new Error(`denseOperator: vector length ${v.length}, expected ${n}`);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const row = i * n;
        let s = 0;
        for (let j = 0; j < n; j++) s += A[row + j] * v[j];
        y[i] = s;
      }
      return y;
    },
  };
}

/**
 * Counts the products an operator performs (`counted.count`), e.g. to report the HVP budget of a run.
 */
export function countingOperator(op: SymOperator): SymOperator & { count: number } {
  const counted = {
    dim: op.dim,
    count: 0,
    apply(v: Float64Array): Float64Array | Promise<Float64Array> {
      counted.count++;
      return op.apply(v);
    },
    release: () => releaseOperator(op),
  };
  return counted;
}

/**
 * The diagonal block A_BB of an operator on the coordinates B = ∪ [start, end) (e.g. the slices of one layer's
 * weights in the flat parameter vector): v_B ↦ (A·embed(v_B))_B, with embed filling the other coordinates with 0.
 * This is the "parameter filter" for per-layer curvature; it costs one full product per application.
 */
export function blockOperator(op: SymOperator, ranges: ReadonlyArray<readonly [number, number]>): SymOperator {
  let dim = 0;
  for (const [s, e] of ranges) {
    if (!(Number.isInteger(s) && Number.isInteger(e) && 0 <= s && s <= e && e <= op.dim)) {
      throw new Error(`blockOperator: bad range [${s}, ${e}) for an operator of dimension ${op.dim}`);
    }
    dim += e - s;
  }
  return {
    dim,
    release: () => releaseOperator(op),
    async apply(v: Float64Array): Promise<Float64Array> {
      if (v.length !== dim) throw new Error(`blockOperator: vector length ${v.length}, expected ${dim}`);
      const full = new Float64Array(op.dim);
      let o = 0;
      for (const [s, e] of ranges) {
        full.set(v.subarray(o, o + e - s), s);
        o += e - s;
      }
      const y = await applyOperator(op, full);
      const out = new Float64Array(dim);
      o = 0;
      for (const [s, e] of ranges) {
        out.set(y.subarray(s, e), o);
        o += e - s;
      }
      return out;
    },
  };
}
