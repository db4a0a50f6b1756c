/**
 * Batch normalisation of a pre-activation z [B, n] (Ioffe & Szegedy 2015; PyTorch BatchNorm1d conventions):
 *
 *   training:  ẑ = γ (z − μ_B)/√(σ²_B + ε) + β,   μ_B, σ²_B the batch mean and (biased) variance per unit;
 *              running ← (1 − m)·running + m·batch, with the unbiased variance σ²_B·B/(B − 1) for the running variance
 *   eval:      ẑ = γ (z − μ_run)/√(σ²_run + ε) + β
 *
 * m = 0.1, ε = 1e-5. Every op used (mean, sub, square, sqrt, div, mul, add) has a gradient built from its inputs, so
 * the normalisation is second-order safe.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedBatchNorm, fusedBatchNormAvailable } from "../engine/norm";

export const BN_MOMENTUM = 0.1;
export const BN_EPS = 1e-5;

/** Trainable scale/shift and non-trainable running statistics of one BatchNorm layer. */
export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/** A BatchNorm layer of n units: γ = `gamma` (default 1), β = 0, running mean 0 and variance 1. */
export function createBatchNorm(n: number, uid: string, gamma = 1): BatchNormParams {
  return {
    gamma: tf.tidy(() => tf.variable(tf.fill([n], gamma), true, `${uid}.bn.gamma`)),
    beta: tf.tidy(() => tf.variable(tf.zeros([n]), true, `${uid}.bn.beta`)),
    runningMean: tf.tidy(() => tf.variable(tf.zeros([n]), false, `${uid}.bn.mean`)),
    runningVar: tf.tidy(() => tf.variable(tf.ones([n]), false, `${uid}.bn.var`)),
  };
}

/**
 * Normalises z [B, n]. In training mode uses batch statistics and, when `updateStats`, moves the running statistics
 * (a side effect on the non-trainable variables; no gradient flows into them).
 *
 * `fused`: in training mode, on wasm with oneDNN, one kernel computes the normalisation and another its backward pass
 * (engine/norm.ts; second-order gradients still exact). The conv nets use it, where BatchNorm over
 * batch × height × width rows dominated the step; the MLPs keep the op path (their BN layers are small, and paper 1's
 * numbers stay bitwise as they were).
 */
export function batchNorm(
  z: tf.Tensor2D,
  p: BatchNormParams,
  training: boolean,
  updateStats: boolean,
  options: { fused?: boolean } = {},
): tf.Tensor2D {
  if (training && options.fused && fusedBatchNormAvailable()) {
    const { y, mean, variance } = fusedBatchNorm(z, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, BN_EPS);
    if (updateStats) moveRunningStats(p, mean, variance, z.shape[0]);
    return y;
  }
  let zhat: tf.Tensor2D;
  if (training) {
    const batch = z.shape[0];
    const mean = tf.mean(z, 0); // [n]
    const centered = tf.sub(z, mean);
    const variance = tf.mean(tf.square(centered), 0); // biased, [n]
    zhat = tf.div(centered, tf.sqrt(tf.add(variance, BN_EPS))) as tf.Tensor2D;
    if (updateStats) moveRunningStats(p, mean as tf.Tensor1D, variance as tf.Tensor1D, batch);
  } else {
    zhat = tf.div(tf.sub(z, p.runningMean), tf.sqrt(tf.add(p.runningVar, BN_EPS))) as tf.Tensor2D;
  }
  return tf.add(tf.mul(zhat, p.gamma), p.beta) as tf.Tensor2D;
}

/** running ← (1 − m)·running + m·batch, with the unbiased variance σ²·B/(B − 1). */
function moveRunningStats(p: BatchNormParams, mean: tf.Tensor1D, variance: tf.Tensor1D, batch: number): void {
  const unbiased = batch > 1 ? batch / (batch - 1) : 1;
  tf.tidy(() => {
    p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - BN_MOMENTUM), tf.mul(variance, BN_MOMENTUM * unbiased)));
  });
}

export function disposeBatchNorm(p: BatchNormParams): void {
  p.gamma.dispose();
  p.beta.dispose();
  p.runningMean.dispose();
  p.runningVar.dispose();
}
