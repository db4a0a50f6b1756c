/**
 * Reading tensor values back into JavaScript on every backend.
 *
 * tfjs offers two reads: `t.data()` (a Promise) and `t.dataSync()` / `t.arraySync()` (blocking). On `webgpu` in Node
 * (dawn.node + @tensorflow/tfjs-backend-webgpu) a blocking read of a GPU-resident tensor throws
 * "OffscreenCanvas is not defined" — tfjs' synchronous GPU read-back goes through a browser canvas. Small tensors
 * that tfjs kept on the CPU (inputs under WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD = 1000 entries) still read fine, so a
 * sync read fails depending on tensor size: code that must work on webgpu reads asynchronously, always.
 *
 *   readFloat32(t)        await t.data(), as a fresh Float32Array (every backend)
 *   readScalar(t)         the first entry as a number
 *   readAllFloat32(ts)    several tensors, read-backs issued together (on a GPU they overlap)
 *   readFloat32Sync(t)    for code that is synchronous by design (pure-CPU metrics): a copy on wasm/cpu/tensorflow,
 *                         a clear error on webgpu naming the caller and the async alternative
 *
 * Every read returns a copy: on the `cpu` backend `t.data()` hands out the tensor's own backing array, which the
 * fused optimizer kernel updates in place.
 */
import * as tf from "@tensorflow/tfjs";

/** Backends on which `dataSync` cannot read a tensor that lives on the device. */
const ASYNC_ONLY_BACKENDS: readonly string[] = ["webgpu", "webgl"];

/** Whether `dataSync`/`arraySync` work for every tensor on `backend` (default: the active one). False on webgpu. */
export function syncReadsAvailable(backend: string = tf.getBackend()): boolean {
  return !ASYNC_ONLY_BACKENDS.includes(backend);
}

/** The tensor's values as a new Float32Array (int and bool tensors are converted). Works on every backend. */
export async function readFloat32(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as ArrayLike<number>);
}

/** The first value of `t` (normally a scalar) as a number. Works on every backend. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  const data = (await t.data()) as ArrayLike<number>;
  if (data.length === 0) throw new Error(`readScalar: tensor of shape ${JSON.stringify(t.shape)} has no entries`);
  return data[0];
}

/** Every tensor's values as new Float32Arrays, in order; the reads are issued together. Works on every backend. */
export async function readAllFloat32(ts: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(ts.map((t) => readFloat32(t)));
}

/** Thrown by `readFloat32Sync` on a backend without synchronous reads. */
export class SyncReadError extends Error {
  constructor(
    readonly what: string,
    readonly backend: string,
    readonly alternative?: string,
  ) {
    super(
      `${what} reads tensors synchronously, which the '${backend}' backend cannot do (no dataSync for GPU-resident tensors). ` +
        (alternative
          ? `Use ${alternative} instead, `
          : "Use an asynchronous read (`await t.data()`, skiplab's readFloat32) instead, ") +
        "or run this step on wasm/cpu (SKIPLAB_BACKEND=wasm).",
    );
    this.name = "SyncReadError";
  }
}

/**
 * A synchronous copy of `t`'s values, for functions that are synchronous by design. `what` names the caller in the
 * error; `alternative` names its async twin, when there is one. Identical to `Float32Array.from(t.dataSync())` on
 * wasm, cpu and tensorflow.
 */
export function readFloat32Sync(t: tf.Tensor, what: string, alternative?: string): Float32Array {
  const backend = tf.getBackend();
  if (!syncReadsAvailable(backend)) throw new SyncReadError(what, backend, alternative);
  return Float32Array.from(t.dataSync() as ArrayLike<number>);
}
