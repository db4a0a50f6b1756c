/**
 * The engine: what makes TensorFlow.js fast and correct on the machines this project runs on. The backend ladder
 * (ladder.ts) and asynchronous reads for GPU-resident tensors (read.ts); the Dense op with explicit-transpose
 * gradients at every order (dense.ts); matMuls routed to OpenBLAS and copy-free kernels on wasm (wasm-accel.ts); the
 * fused Adam/SGD kernels (fused-optimizers.ts) and their WebAssembly SIMD module (simd-update.ts); 2-D convolutions
 * on oneDNN with gradients at every order (conv.ts over the binding in onednn.ts); LAPACK through koffi for the
 * float64 eigensolvers and SVD (lapack.ts, re-exported by linalg).
 */
export * from "./ladder";
export * from "./read";
export * from "./dense";
export * from "./wasm-accel";
export * from "./simd-update";
export * from "./conv";
export * from "./norm";
export {
  convImplementations,
  loadOneDnn,
  oneDnnCandidates,
  oneDnnStatus,
  oneDnnThreads,
  setOneDnnThreads,
  type ConvGeometry,
  type OneDnnStatus,
} from "./onednn";
