/**
 * The plain matrix type the singularity measures take: a row-major float array with its shape. Activations are
 * [N samples, units] (row = one probe input, column = one unit); dense weights are [fanIn, fanOut] (engine/dense.ts
 * layout: column a holds unit a's incoming weights J_a).
 */
import * as tf from "@tensorflow/tfjs";

export interface Matrix {
  /** Row-major entries, length rows·cols. */
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** Checks a Matrix's length and finiteness; `what` names the caller in the error. */
export function checkMatrix(what: string, m: Matrix): void {
  if (!(Number.isInteger(m.rows) && Number.isInteger(m.cols) && m.rows >= 0 && m.cols >= 0)) {
    throw new Error(`${what}: bad shape ${m.rows}×${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new Error(`${what}: ${m.data.length} entries for a ${m.rows}×${m.cols} matrix`);
  }
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]))
      throw new Error(`${what}: non-finite entry at ${Math.floor(i / m.cols)},${i % m.cols}`);
  }
}

/** A Matrix copy of a 2-D tensor (synchronous read; use `matrixFromTensorAsync` on webgpu). */
export function matrixFromTensor(t: tf.Tensor): Matrix {
  if (t.rank !== 2) throw new Error(`matrixFromTensor: expected a 2-D tensor, got shape ${JSON.stringify(t.shape)}`);
  return {
    data: new Float32Array(t.dataSync() as Float32Array),
    rows: t.shape[0] as number,
    cols: t.shape[1] as number,
  };
}

/** A Matrix copy of a 2-D tensor, read asynchronously (every backend). */
export async function matrixFromTensorAsync(t: tf.Tensor): Promise<Matrix> {
  if (t.rank !== 2)
    throw new Error(`matrixFromTensorAsync: expected a 2-D tensor, got shape ${JSON.stringify(t.shape)}`);
  return {
    data: new Float32Array((await t.data()) as Float32Array),
    rows: t.shape[0] as number,
    cols: t.shape[1] as number,
  };
}

/** Column j as a new Float64Array. */
export function columnOf(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j];
  return out;
}

/** A float64 copy, optionally with each column's mean subtracted (centring over the rows). */
export function toFloat64(m: Matrix, center = false): Float64Array {
  const out = new Float64Array(m.data as ArrayLike<number>);
  if (center && m.rows > 0) {
    for (let j = 0; j < m.cols; j++) {
      let mean = 0;
      for (let i = 0; i < m.rows; i++) mean += out[i * m.cols + j];
      mean /= m.rows;
      for (let i = 0; i < m.rows; i++) out[i * m.cols + j] -= mean;
    }
  }
  return out;
}
