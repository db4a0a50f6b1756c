/**
 * Training: configs, seeded batching, Adam/SGD with a fused update kernel, schedules, the loop with callbacks,
 * progress, checkpoints and divergence diagnostics, and the optional OpenBLAS matmul for the wasm backend.
 */
export * from "./config";
export * from "./schedule";
export * from "./data";
export * from "./optimizers";
export * from "./diverge";
export * from "./evaluate";
export * from "./step";
export * from "./loop";
