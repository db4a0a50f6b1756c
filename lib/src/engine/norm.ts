/**
 * Batch normalisation in one kernel on the wasm backend (oneDNN), for the conv nets: at ResNet-20 shapes tfjs'
 * elementwise ops spent ≈ 360 ms of a 550 ms training step in BatchNorm's forward and autodiff backward
 * (docs/stack.md#batchnorm-and-the-training-step).
 *
 *   SkiplabBatchNorm      x [N, C], γ [C], β [C] → y = γ (x − μ)/√(σ² + ε) + β, μ [C], σ² [C] (biased, for the
 *                         running statistics; treated as constants: no gradient flows back through them)
 *   SkiplabBatchNormGrad  x, dy, μ, σ², γ, β → dx, dγ, dβ   (oneDNN's backward pass; it insists on β, unused)
 *
 * The gradient of SkiplabBatchNorm (registered for every backend, used on wasm) runs SkiplabBatchNormGrad when no
 * higher-order gradient is being recorded — an ordinary training step. While one is (a Hessian-vector product
 * differentiates the backward pass again), it computes the same backward pass from the inputs with tfjs ops:
 *
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  dβ = Σ_n dy,  dγ = Σ_n dy·x̂,  dx = γ r (dy − dβ/N − x̂ dγ/N)
 *
 * so that differentiating it again is exact. `fusedBatchNorm` is the op; models/batchnorm.ts uses it when the
 * kernel is installed (installed by `accelerateWasm()` with the conv kernels when oneDNN loads).
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormBackward, batchNormForward, loadOneDnn } from "./onednn";

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const FORWARD = "SkiplabBatchNorm";
const BACKWARD = "SkiplabBatchNormGrad";

function forwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as unknown as WasmBackendLike;
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { eps } = args.attrs as unknown as { eps: number };
  const [rows, channels] = x.shape;
  const y = backend.makeOutput([rows, channels], "float32");
  const mean = backend.makeOutput([channels], "float32");
  const variance = backend.makeOutput([channels], "float32");
  const v = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t); // views after every allocation
  batchNormForward(
    { rows, channels, eps },
    { x: v(x), gamma: v(gamma), beta: v(beta), y: v(y), mean: v(mean), variance: v(variance) },
  );
  return [y, mean, variance];
}

function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as unknown as WasmBackendLike;
  const { x, dy, mean, variance, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const { eps } = args.attrs as unknown as { eps: number };
  const [rows, channels] = x.shape;
  const dx = backend.makeOutput([rows, channels], "float32");
  const dgamma = backend.makeOutput([channels], "float32");
  const dbeta = backend.makeOutput([channels], "float32");
  const v = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  batchNormBackward(
    { rows, channels, eps },
    {
      x: v(x),
      dy: v(dy),
      mean: v(mean),
      variance: v(variance),
      gamma: v(gamma),
      beta: v(beta),
      dx: v(dx),
      dgamma: v(dgamma),
      dbeta: v(dbeta),
    },
  );
  return [dx, dgamma, dbeta];
}

/** True while tfjs records operations for a higher-order gradient (a backward pass that will be differentiated). */
function recordingHigherOrder(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** The backward pass from the inputs, in tfjs ops (differentiable again; see the module comment). */
export function batchNormBackwardOps(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  dy: tf.Tensor2D,
  eps: number,
): { dx: tf.Tensor2D; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  const n = x.shape[0];
  const centered = tf.sub(x, tf.mean(x, 0));
  const r = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 0), eps));
  const xhat = tf.mul(centered, r);
  const dbeta = tf.sum(dy, 0) as tf.Tensor1D;
  const dgamma = tf.sum(tf.mul(dy, xhat), 0) as tf.Tensor1D;
  const inner = tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(xhat, tf.div(dgamma, n)));
  return { dx: tf.mul(tf.mul(gamma, r), inner) as tf.Tensor2D, dgamma, dbeta };
}

let gradientRegistered = false;

function registerBatchNormGradient(): void {
  if (gradientRegistered) return;
  tf.registerGradient({
    kernelName: FORWARD,
    inputsToSave: ["x", "gamma", "beta"],
    outputsToSave: [false, true, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor2D;
      const [x, gamma, beta, mean, variance] = saved as [
        tf.Tensor2D,
        tf.Tensor1D,
        tf.Tensor1D,
        tf.Tensor1D,
        tf.Tensor1D,
      ];
      const eps = (attrs as unknown as { eps: number }).eps;
      let g: { dx: tf.Tensor; dgamma: tf.Tensor; dbeta: tf.Tensor };
      if (recordingHigherOrder() || tf.getBackend() !== "wasm" || !tf.getKernel(BACKWARD, "wasm")) {
        g = batchNormBackwardOps(x, gamma, dy, eps);
      } else {
        const [dx, dgamma, dbeta] = tf.engine().runKernel(BACKWARD, { x, dy, mean, variance, gamma, beta }, {
          eps,
        } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        g = { dx, dgamma, dbeta };
      }
      return { x: () => g.dx, gamma: () => g.dgamma, beta: () => g.dbeta };
    },
  });
  gradientRegistered = true;
}

let installed = false;

/** Registers both kernels for wasm when oneDNN loads (idempotent); returns the kernel names installed. */
export function installBatchNormKernels(): string[] {
  registerBatchNormGradient();
  if (!loadOneDnn()) return [];
  restoreBatchNormKernels();
  tf.registerKernel({ kernelName: FORWARD, backendName: "wasm", kernelFunc: forwardKernel as tf.KernelFunc });
  tf.registerKernel({ kernelName: BACKWARD, backendName: "wasm", kernelFunc: backwardKernel as tf.KernelFunc });
  installed = true;
  return [FORWARD, BACKWARD];
}

export function restoreBatchNormKernels(): void {
  if (!installed) return;
  for (const name of [FORWARD, BACKWARD]) if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
  installed = false;
}

/** Whether `fusedBatchNorm` can run here (wasm with the kernel installed). */
export function fusedBatchNormAvailable(): boolean {
  return tf.getBackend() === "wasm" && tf.getKernel(FORWARD, "wasm") !== undefined;
}

/**
 * Training-mode batch normalisation of x [N, C] in one kernel: y and the batch mean and biased variance (module
 * comment; the statistics carry no gradient). Requires `fusedBatchNormAvailable()`.
 */
export function fusedBatchNorm(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): { y: tf.Tensor2D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const [y, mean, variance] = tf
    .engine()
    .runKernel(FORWARD, { x, gamma, beta }, { eps } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { y: y as tf.Tensor2D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
