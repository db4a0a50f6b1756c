/**
 * Fixed (non-trainable) skip matrices and the op that applies them.
 *
 *   orthogonal   Q = Haar-random orthogonal n×n
 *   degenerate   Q = U diag(s) Vᵀ, U, V Haar-random orthogonal, s = (1,…,1, 0,…,0) with `zeros` zeros, so Q has exactly
 *                `zeros` zero singular values and the rest equal to 1 (docs/spec/p1.md §1.3 Fig. G)
 *   mean         Q = (1/n) 1 1ᵀ: every unit receives the mean of the previous layer (docs/spec/p1.md §1.4 v3-D); applied as a
 *                row mean, O(B·n), never as a matrix product
 *   blend        Q = (1 − α)(1/n) 1 1ᵀ + α I: the mean skip moved towards the identity by α (docs/spec/p1.md §1.4 v3-D);
 *                applied as (1 − α)·rowmean(x) + α·x, O(B·n)
 *   rank1-positive  Q = w wᵀ, w = |g|/‖g‖, g ~ N(0, I): a rank-1 skip aligned with the all-ones direction that breaks the
 *                permutation symmetry (the mean skip's control; config.ts)
 * Every kind is multiplied by `scale` (1 unless the config sets it).
 *
 * In the batch layout (x [B, n], one sample per row) "Q x" for every sample is x·Qᵀ. The product goes through
 * `fixedLinear`, a custom-gradient op for a constant matrix: dx = dy·Q with a plain (untransposed) matMul, and no
 * gradient for Q, so it neither hits the transposed-matMul speed trap (docs/stack.md#matmul-gradient-speed-trap) nor wastes a dQ product the way
 * `dense` would (which always computes dW). It is linear, so second-order safe.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../util/random";
import type { SkipMatrixKind } from "./config";
import { matmul64, randomOrthogonal, transpose64 } from "./matrix64";

/** A fixed skip map of width n: Qᵀ and Q as float32 tensors (kept; disposed with the model), or the mean map. */
export interface SkipMatrix {
  kind: SkipMatrixKind;
  n: number;
  /** Number of zero singular values (0 for orthogonal, n − 1 for mean, 0 for blend with α > 0). */
  zeros: number;
  /** α of "blend" (0 otherwise). */
  blend: number;
  /** Factor on Q (1 by default). */
  scale: number;
  /** Qᵀ [n, n] (used in forward: x·Qᵀ); null for "mean" and "blend". */
  qt: tf.Tensor2D | null;
  /** Q [n, n] (used in backward: dy·Q); null for "mean" and "blend". */
  q: tf.Tensor2D | null;
  /** Q row-major in float64, for inspection and tests; null for "mean" and "blend" (closed forms above). */
  matrix: Float64Array | null;
}

/** Q = U diag(s) Vᵀ with `zeros` zero singular values and the others 1 (row-major float64, n×n). */
export function degenerateMatrix(rng: Rng, n: number, zeros: number): Float64Array {
  if (!Number.isInteger(zeros) || zeros < 0 || zeros > n)
    throw new Error(`degenerateMatrix: zeros must be in 0..${n}, got ${zeros}`);
  const u = randomOrthogonal(rng, n);
  const v = randomOrthogonal(rng, n);
  // U diag(s): zero the last `zeros` columns of U
  const us = Float64Array.from(u);
  for (let i = 0; i < n; i++) for (let j = n - zeros; j < n; j++) us[i * n + j] = 0;
  return matmul64(us, transpose64(v, n, n), n, n, n);
}

/** Q = w wᵀ with w = |g|/‖g‖, g ~ N(0, I_n) (row-major float64, n×n). */
export function positiveRankOneMatrix(rng: Rng, n: number): Float64Array {
  const g = rng.normals(n).map(Math.abs);
  const norm = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
  const w = g.map((v) => v / norm);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = w[i] * w[j];
  return m;
}

/**
 * Builds a fixed skip map. `zeros` is only used by "degenerate", `blend` (α) only by "blend" (no random draw for
 * either closed form); `scale` multiplies Q.
 */
export function makeSkipMatrix(
  rng: Rng,
  kind: SkipMatrix["kind"],
  n: number,
  zeros = 0,
  blend = 0,
  scale = 1,
): SkipMatrix {
  if (kind === "mean") return { kind, n, zeros: n - 1, blend: 0, scale, qt: null, q: null, matrix: null };
  if (kind === "blend") {
    if (!(blend >= 0 && blend <= 1)) throw new Error(`makeSkipMatrix: blend must be in [0, 1], got ${blend}`);
    return { kind, n, zeros: blend === 0 ? n - 1 : 0, blend, scale, qt: null, q: null, matrix: null };
  }
  const m0 =
    kind === "orthogonal"
      ? randomOrthogonal(rng, n)
      : kind === "rank1-positive"
        ? positiveRankOneMatrix(rng, n)
        : degenerateMatrix(rng, n, zeros);
  const m = scale === 1 ? m0 : m0.map((v) => v * scale);
  const q = tf.keep(tf.tensor2d(Float32Array.from(m), [n, n]));
  const qt = tf.keep(tf.tensor2d(Float32Array.from(transpose64(m, n, n)), [n, n]));
  const z = kind === "orthogonal" ? 0 : kind === "rank1-positive" ? n - 1 : zeros;
  return { kind, n, zeros: z, blend: 0, scale, qt, q, matrix: m };
}

const fixedLinearOp = tf.customGrad(((x: tf.Tensor2D, qt: tf.Tensor2D, q: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([q]);
  return {
    value: tf.matMul(x, qt), // [B, n]·[n, n]: x·Qᵀ
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const qs = saved[0] as tf.Tensor2D;
      // dx = dy·Q (plain matMul); Q and Qᵀ are constants: zero gradients, never used.
      return [tf.matMul(dy, qs), tf.zerosLike(qs), tf.zerosLike(qs)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  x: tf.Tensor2D,
  qt: tf.Tensor2D,
  q: tf.Tensor2D,
) => tf.Tensor2D;

/** Applies a fixed skip map to a batch x [B, n] → [B, n] (Q x per sample). */
export function applySkip(x: tf.Tensor2D, s: SkipMatrix): tf.Tensor2D {
  if (s.kind === "mean") return tf.mean(x, 1, true).mul(s.scale).tile([1, s.n]) as tf.Tensor2D; // (1/n) 1 1ᵀ x
  if (s.kind === "blend") {
    // ((1 − α)(1/n) 1 1ᵀ + α I) x, per row: (1 − α)·mean(x) + α·x
    return tf.mul(tf.add(tf.mul(tf.mean(x, 1, true), 1 - s.blend), tf.mul(x, s.blend)), s.scale) as tf.Tensor2D;
  }
  return fixedLinearOp(x, s.qt!, s.q!);
}

/** Frees the matrices of a skip map. */
export function disposeSkip(s: SkipMatrix): void {
  s.qt?.dispose();
  s.q?.dispose();
}
