/**
 * Faster kernels for tfjs' wasm backend, installed by replacing a few of its registered kernels (opt-in, reversible,
 * process-wide; train() turns them on by default, `SKIPLAB_ACCEL=0` or `accelerate: "off"` keeps tfjs' own):
 *
 *   BatchMatMul   → OpenBLAS `cblas_sgemm` through the FFI package `koffi` (a dependency, used by engine/lapack.ts)
 *   Transpose 2-D → OpenBLAS `cblas_somatcopy`
 *   Sum over axis 0 of a 2-D tensor (the bias gradient of every dense layer) → `cblas_sgemv` with a ones vector
 *                   (a JS loop without BLAS); tfjs' kernel transposes first, ~110 µs for 128×128
 *   Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter → oneDNN (engine/conv.ts; wasm has no filter gradient
 *                   kernel of its own, and its input gradient is a scalar loop), and a one-kernel BatchNorm with its
 *                   backward pass for the conv nets (engine/norm.ts)
 *   Identity, same-dtype Cast → share the input's data (reference count) instead of copying it; the cpu and webgl
 *                   backends already do this. tfjs clones every tensor saved for backprop through Identity, so the
 *                   copies cost ~3.5 ms of a 30×128 training step.
 *
 * Why BLAS: the wasm backend's matMul is XNNPACK compiled to 128-bit wasm SIMD, single-threaded in Node: ~20–25
 * GFLOP/s on the development machines; OpenBLAS (AVX2/AVX-512, the library PyTorch's Debian build calls) reaches
 * 65–80 GFLOP/s on one core. No training step can get within 2× of PyTorch's CPU step on XNNPACK-wasm alone,
 * because its matmuls by themselves take longer (bench/train.mjs measures each change).
 *
 * How: a wasm-backend tensor lives in the wasm heap (a WebAssembly.Memory); `backend.typedArrayFromHeap(t)` is a
 * Float32Array view on it, and koffi passes such a view to C as a raw pointer (no copy). The kernels allocate their
 * output with `backend.makeOutput` first and take views afterwards (an allocation may grow, and so replace, the heap
 * buffer); the call is synchronous, so no JS runs and the heap cannot move during it. Transpose flags are handled by
 * BLAS, so the transposed-matMul speed trap (docs/stack.md#matmul-gradient-speed-trap) disappears too.
 *
 * Scope: float32, any batch rank with equal or size-1 batch dimensions; anything else falls through to tfjs' own
 * kernel. Results equal XNNPACK's to float32 round-off (another summation order) and are deterministic for a fixed
 * BLAS thread count.
 *
 * Library lookup: `SKIPLAB_BLAS` (a path), then libopenblas.so.0, libopenblas.so, libblas.so.3 (Debian's
 * alternatives point it at OpenBLAS), libcblas.so.3, $CONDA_PREFIX/lib/libopenblas.{so,dylib}, libopenblas.dylib.
 * Threads: the `threads` option, else `SKIPLAB_BLAS_THREADS`, else 1 (tfjs-wasm itself uses one core in Node).
 */
import * as tf from "@tensorflow/tfjs";
import { installConvKernels, restoreConvKernels } from "./conv";
import { loadFirstLibrary } from "./ffi";
import { installBatchNormKernels, restoreBatchNormKernels } from "./norm";
import { ONEDNN_INSTALL_HINT, oneDnnStatus, setOneDnnThreads } from "./onednn";

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

type Ptr = Float32Array;
interface Blas {
  path: string;
  sgemm(
    order: number,
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Ptr,
    lda: number,
    b: Ptr,
    ldb: number,
    beta: number,
    c: Ptr,
    ldc: number,
  ): void;
  sgemv(
    order: number,
    trans: number,
    m: number,
    n: number,
    alpha: number,
    a: Ptr,
    lda: number,
    x: Ptr,
    incx: number,
    beta: number,
    y: Ptr,
    incy: number,
  ): void;
  somatcopy:
    | ((
        order: number,
        trans: number,
        rows: number,
        cols: number,
        alpha: number,
        a: Ptr,
        lda: number,
        b: Ptr,
        ldb: number,
      ) => void)
    | null;
  setThreads: ((n: number) => void) | null;
}

export interface WasmAccelStatus {
  /** True while any kernel is replaced. */
  enabled: boolean;
  /** The BLAS library in use for matMul/transpose/sum, or null. */
  blas: string | null;
  /** BLAS threads (null when not settable or no BLAS). */
  threads: number | null;
  /** The kernels currently replaced. */
  kernels: string[];
  /** Why BLAS (or everything) is not in use, or "". */
  reason: string;
  /** The convolution engine: "oneDNN 2.6.3 (libdnnl.so.2, 1 thread)", or null (tfjs' own kernels, no filter gradient). */
  conv: string | null;
  /** Why convolutions are not on oneDNN, or "". */
  convReason: string;
}

let blas: Blas | null | undefined; // undefined: not tried yet
let blasError = "";
let status: WasmAccelStatus = {
  enabled: false,
  blas: null,
  threads: null,
  kernels: [],
  reason: "not enabled",
  conv: null,
  convReason: "not enabled",
};
const originals = new Map<string, tf.KernelConfig>();

function candidates(env: Record<string, string | undefined>): string[] {
  const list: string[] = [];
  if (env.SKIPLAB_BLAS) list.push(env.SKIPLAB_BLAS);
  list.push("libopenblas.so.0", "libopenblas.so", "libblas.so.3", "libcblas.so.3");
  if (env.CONDA_PREFIX)
    list.push(`${env.CONDA_PREFIX}/lib/libopenblas.so`, `${env.CONDA_PREFIX}/lib/libopenblas.dylib`);
  list.push("libopenblas.dylib");
  return list;
}

/** The BLAS libraries tried, in order (also used by linalg/blas64.ts for the float64 routines). */
export const blasCandidates = candidates;

/** Whether OpenBLAS (or the library SKIPLAB_BLAS names) loads here; does not need a tfjs backend. */
export function blasAvailable(env: Record<string, string | undefined> = process.env): boolean {
  return loadBlas(env) !== null;
}

function loadBlas(env: Record<string, string | undefined>): Blas | null {
  if (blas !== undefined) return blas;
  const optional = <T>(make: () => T): T | null => {
    try {
      return make();
    } catch {
      return null;
    }
  };
  const r = loadFirstLibrary(
    candidates(env),
    (lib, path): Blas => ({
      path,
      // CBLAS prototypes (the enums are ints; matrices are raw float32 heap pointers)
      sgemm: lib.func(
        "void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, void *A, int lda, " +
          "void *B, int ldb, float beta, void *C, int ldc)",
      ),
      sgemv: lib.func(
        "void cblas_sgemv(int order, int trans, int m, int n, float alpha, void *A, int lda, void *x, int incx, " +
          "float beta, void *y, int incy)",
      ),
      somatcopy: optional(() =>
        lib.func(
          "void cblas_somatcopy(int order, int trans, int rows, int cols, float alpha, void *A, int lda, void *B, int ldb)",
        ),
      ),
      setThreads: optional(() => lib.func("void openblas_set_num_threads(int n)")),
    }),
    "no cblas_sgemm/cblas_sgemv",
  );
  if (r.koffiError !== undefined) blasError = `the FFI package koffi did not load: ${r.koffiError}`;
  else if (!r.value)
    blasError =
      `no BLAS library with cblas_sgemm found (${r.notes.join("; ")}). Install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0; ` +
      `conda: conda install openblas) or set SKIPLAB_BLAS=/path/to/libopenblas.so`;
  return (blas = r.value);
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  incRef(dataId: object): void;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function matmulKernel(b: Blas, original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { a: ta, b: tb } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (ta.dtype !== "float32" || tb.dtype !== "float32") return original.kernelFunc(args);
    const ra = ta.shape.length;
    const rb = tb.shape.length;
    const M = transposeA ? ta.shape[ra - 1] : ta.shape[ra - 2];
    const K = transposeA ? ta.shape[ra - 2] : ta.shape[ra - 1];
    const K2 = transposeB ? tb.shape[rb - 1] : tb.shape[rb - 2];
    const N = transposeB ? tb.shape[rb - 2] : tb.shape[rb - 1];
    const outerA = ta.shape.slice(0, -2);
    const outerB = tb.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    if (K !== K2 || !(sameOuter || batchA === 1 || batchB === 1)) return original.kernelFunc(args);
    const outer = batchA === 1 && !sameOuter ? outerB : outerA.length >= outerB.length ? outerA : outerB;
    const batch = Math.max(batchA, batchB);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput([...outer, M, N], "float32");
    if (M * N === 0) return out;
    // Views only after the allocation (it may have replaced the heap buffer).
    const A = backend.typedArrayFromHeap(ta);
    const B = backend.typedArrayFromHeap(tb);
    const C = backend.typedArrayFromHeap(out);
    if (K === 0) {
      C.fill(0);
      return out;
    }
    const lda = transposeA ? M : K; // row-major A is [M, K], or [K, M] when transposed
    const ldb = transposeB ? K : N;
    const opA = transposeA ? CBLAS_TRANS : CBLAS_NO_TRANS;
    const opB = transposeB ? CBLAS_TRANS : CBLAS_NO_TRANS;
    if (batch === 1) {
      b.sgemm(CBLAS_ROW_MAJOR, opA, opB, M, N, K, 1, A, lda, B, ldb, 0, C, N);
    } else {
      for (let i = 0; i < batch; i++) {
        const ia = batchA === 1 ? 0 : i;
        const ib = batchB === 1 ? 0 : i;
        b.sgemm(
          CBLAS_ROW_MAJOR,
          opA,
          opB,
          M,
          N,
          K,
          1,
          A.subarray(ia * M * K, (ia + 1) * M * K),
          lda,
          B.subarray(ib * K * N, (ib + 1) * K * N),
          ldb,
          0,
          C.subarray(i * M * N, (i + 1) * M * N),
          N,
        );
      }
    }
    return out;
  };
}

function transposeKernel(b: Blas, original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    if (
      x.dtype !== "float32" ||
      x.shape.length !== 2 ||
      perm[0] !== 1 ||
      perm[1] !== 0 ||
      x.shape[0] < 2 ||
      x.shape[1] < 2
    ) {
      return original.kernelFunc(args);
    }
    const [rows, cols] = x.shape;
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput([cols, rows], "float32");
    b.somatcopy!(
      CBLAS_ROW_MAJOR,
      CBLAS_TRANS,
      rows,
      cols,
      1,
      backend.typedArrayFromHeap(x),
      cols,
      backend.typedArrayFromHeap(out),
      rows,
    );
    return out;
  };
}

let ones = new Float32Array(0);

function sumKernel(b: Blas | null, original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = Array.isArray(axis) ? axis : [axis];
    if (x.dtype !== "float32" || x.shape.length !== 2 || axes.length !== 1 || (axes[0] !== 0 && axes[0] !== -2))
      return original.kernelFunc(args);
    const [rows, cols] = x.shape;
    if (rows === 0 || cols === 0) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(keepDims ? [1, cols] : [cols], "float32");
    const X = backend.typedArrayFromHeap(x);
    const Y = backend.typedArrayFromHeap(out);
    if (b) {
      if (ones.length < rows) ones = new Float32Array(Math.max(rows, 2 * ones.length)).fill(1);
      b.sgemv(CBLAS_ROW_MAJOR, CBLAS_TRANS, rows, cols, 1, X, cols, ones, 1, 0, Y, 1); // y = Xᵀ·1
    } else {
      Y.fill(0);
      for (let i = 0; i < rows; i++) {
        const o = i * cols;
        for (let j = 0; j < cols; j++) Y[j] += X[o + j];
      }
    }
    return out;
  };
}

function aliasKernel(original: tf.KernelConfig, sameDtypeOnly: boolean): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const dtype = (args.attrs as unknown as { dtype?: tf.DataType } | undefined)?.dtype;
    if (x.dtype === "string" || (sameDtypeOnly && dtype !== x.dtype)) return original.kernelFunc(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

function replace(name: string, make: (original: tf.KernelConfig) => tf.KernelFunc): boolean {
  const original = originals.get(name) ?? tf.getKernel(name, "wasm");
  if (!original) return false;
  originals.set(name, original);
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...original, kernelFunc: make(original) });
  return true;
}

export interface AccelerateWasmOptions {
  /** Route matMul, 2-D transpose and axis-0 sums to BLAS (default true; needs OpenBLAS). */
  blas?: boolean;
  /** BLAS threads (default `SKIPLAB_BLAS_THREADS` or 1). */
  threads?: number;
  /** Share data in Identity and same-dtype Cast, and sum axis 0 without a transpose (default true). */
  kernels?: boolean;
  /** Run Conv2D and both its gradients on oneDNN (default true; needs oneDNN 2.x, see engine/onednn.ts). */
  conv?: boolean;
  /** Throw when BLAS is asked for and cannot be loaded. */
  required?: boolean;
  env?: Record<string, string | undefined>;
}

/**
 * Installs the faster kernels on the wasm backend (see the module comment). Idempotent (a second call re-applies
 * the options); returns what it did. The current backend must be wasm; on any other backend it does nothing.
 */
export function accelerateWasm(options: AccelerateWasmOptions = {}): WasmAccelStatus {
  const env = options.env ?? process.env;
  if (tf.getBackend() !== "wasm") {
    if (options.required) throw new Error(`accelerateWasm: the backend is '${tf.getBackend()}', not wasm`);
    return { ...status, reason: `the backend is '${tf.getBackend()}', not wasm` };
  }
  restoreWasmKernels();
  const wantBlas = options.blas ?? true;
  const lib = wantBlas ? loadBlas(env) : null;
  if (wantBlas && !lib && options.required) throw new Error(`accelerateWasm: ${blasError}`);
  const kernels: string[] = [];
  let threads: number | null = null;
  if (lib) {
    threads = Math.max(1, Math.floor(options.threads ?? (Number(env.SKIPLAB_BLAS_THREADS) || 1)));
    lib.setThreads?.(threads);
    if (replace("BatchMatMul", (o) => matmulKernel(lib, o))) kernels.push("BatchMatMul");
    if (lib.somatcopy && replace("Transpose", (o) => transposeKernel(lib, o))) kernels.push("Transpose");
  }
  if (options.kernels ?? true) {
    if (replace("Sum", (o) => sumKernel(lib, o))) kernels.push("Sum");
    if (replace("Identity", (o) => aliasKernel(o, false))) kernels.push("Identity");
    if (replace("Cast", (o) => aliasKernel(o, true))) kernels.push("Cast");
  } else if (lib && replace("Sum", (o) => sumKernel(lib, o))) {
    kernels.push("Sum");
  }
  let conv: string | null = null;
  let convReason = "switched off (conv: false)";
  if (options.conv ?? true) {
    const convThreads = Math.max(1, Math.floor(options.threads ?? (Number(env.SKIPLAB_BLAS_THREADS) || 1)));
    setOneDnnThreads(convThreads);
    const c = installConvKernels();
    kernels.push(...c.kernels);
    if (c.kernels.length > 0) kernels.push(...installBatchNormKernels());
    const dnnl = oneDnnStatus();
    conv = c.kernels.length > 0 ? `${dnnl.library}, ${convThreads} thread${convThreads === 1 ? "" : "s"}` : null;
    convReason = c.kernels.length > 0 ? "" : `${c.reason}: ${dnnl.tried.join("; ")}. ${ONEDNN_INSTALL_HINT}`;
  }
  status = {
    enabled: kernels.length > 0,
    blas: lib ? lib.path : null,
    threads: lib && lib.setThreads ? threads : null,
    kernels,
    reason: wantBlas && !lib ? blasError : "",
    conv,
    convReason,
  };
  return { ...status, kernels: [...kernels] };
}

/** Puts tfjs' own wasm kernels back. */
export function restoreWasmKernels(): WasmAccelStatus {
  restoreConvKernels();
  restoreBatchNormKernels();
  for (const [name, original] of originals) {
    if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  originals.clear();
  status = {
    enabled: false,
    blas: null,
    threads: null,
    kernels: [],
    reason: "not enabled",
    conv: null,
    convReason: "not enabled",
  };
  return { ...status };
}

/** What is installed now. */
export function wasmAccelStatus(): WasmAccelStatus {
  return { ...status, kernels: [...status.kernels] };
}

/** The matmul engine in one phrase: "OpenBLAS (libopenblas.so.0, 1 thread)", "XNNPACK (wasm SIMD, 1 thread)", … */
export function matmulEngine(): string {
  if (status.blas && status.kernels.includes("BatchMatMul")) {
    return `OpenBLAS via koffi (${status.blas}, ${status.threads ?? "?"} thread${status.threads === 1 ? "" : "s"})`;
  }
  const be = tf.getBackend();
  return be === "wasm" ? "XNNPACK (wasm SIMD, 1 thread)" : `tfjs ${be} backend`;
}

/** The convolution engine in one phrase: "oneDNN 2.6.3 via koffi (libdnnl.so.2, 1 thread)", or tfjs' own. */
export function convEngine(): string {
  if (status.conv) return `oneDNN via koffi (${status.conv})`;
  const be = tf.getBackend();
  return be === "wasm"
    ? "tfjs' wasm kernels (XNNPACK forward; filter gradient by a forward conv)"
    : `tfjs ${be} backend`;
}

let ensured = false;

/**
 * Installs the fast kernels (`accelerateWasm()`) the first time it finds the wasm backend with none installed,
 * unless `SKIPLAB_ACCEL` is 0/off/false (the same switch as train()); later calls do nothing, so an explicit
 * `restoreWasmKernels()` afterwards is respected. Never throws: without OpenBLAS or oneDNN the kernels that need them
 * stay tfjs' own. The curvature operators call it, so Hessian–vector products are fast without a prior train().
 * Returns the status afterwards.
 */
export function ensureFastKernels(env: Record<string, string | undefined> = process.env): WasmAccelStatus {
  const mode = (env.SKIPLAB_ACCEL ?? "").trim().toLowerCase();
  if (ensured || mode === "0" || mode === "off" || mode === "false") return wasmAccelStatus();
  if (status.enabled) {
    ensured = true;
    return wasmAccelStatus();
  }
  if (tf.getBackend() !== "wasm") return wasmAccelStatus();
  ensured = true;
  try {
    return accelerateWasm({ env });
  } catch {
    return wasmAccelStatus();
  }
}
