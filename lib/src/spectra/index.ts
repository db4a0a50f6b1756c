/**
 * Matrix-free spectra of symmetric operators (Hessians, Gauss–Newton matrices, explicit matrices), written only in
 * terms of the flat-vector algebra `vec` and the `SymOperator` interface: power iteration, Hutchinson and Hutch++
 * trace estimates, Lanczos, and stochastic Lanczos quadrature densities. Every algorithm is seeded and returns its
 * per-iteration estimates along with the final value.
 */
export * as vec from "../linalg/vector";
export {
  applyOperator,
  blockOperator,
  countingOperator,
  denseOperator,
  releaseOperator,
  withRelease,
} from "./operator";
export type { SymOperator } from "./operator";
export { powerIteration } from "./power-iteration";
export type { PowerIterate, PowerIterationOptions, PowerIterationResult } from "./power-iteration";
export { hutchinson } from "./hutchinson";
export type { HutchinsonOptions, TraceEstimate } from "./hutchinson";
export { hutchpp } from "./hutchpp";
export type { HutchppEstimate, HutchppOptions } from "./hutchpp";
export { lanczos } from "./lanczos";
export type { LanczosIterate, LanczosOptions, LanczosResult } from "./lanczos";
export { slq, slqDensity, slqQuadrature } from "./slq";
export type { Density, DensityOptions, SlqOptions, SlqResult } from "./slq";
