/**
 * Curvature operators over a parameter filter, as `SymOperator`s on flat float64 vectors: the Hessian by nested
 * gradients (one recorded gradient tape replayed per product, tape.ts), the generalised Gauss–Newton matrix Jᵀ H_out J (MSE, softmax cross-entropy, custom), and the
 * central-difference Hessian as a cross-check; exact assembly and eigendecomposition for small networks.
 * Parameters are a `ParamSet` (names + tensors); losses and forward passes are closures over the parameter list.
 */
export {
  checkParamSet,
  disposeParamSet,
  flatGradient,
  flattenParams,
  flattenTensors,
  gradientsOf,
  layoutRanges,
  listDot,
  mergeParams,
  paramArraysOf,
  paramSetFromArrays,
  selectedTensors,
  selectParams,
  unflatten,
  withParamValues,
} from "./params";
export type { ForwardFn, LossFn, ParamArray, ParamFilter, ParamLayout, ParamSet, ParamSlice } from "./params";
export { concatFlat, readFlat } from "./operator";
export type { CurvatureKind, CurvatureOperator } from "./operator";
export { hessianOperator, hvpTensors } from "./hessian";
export type { HessianOperatorOptions } from "./hessian";
export { recordGradientTape, tapeReuseAvailable } from "./tape";
export type { GradientTape } from "./tape";
export {
  gaussNewtonOperator,
  jacobianVectorProduct,
  outputHessianProduct,
  vectorJacobianProduct,
} from "./gauss-newton";
export type { GaussNewtonOptions, OutputLoss } from "./gauss-newton";
export { FLOAT32_EPS, finiteDifferenceHessianOperator } from "./finite-difference";
export type { FiniteDifferenceOptions } from "./finite-difference";
export { assembleOperator, exactSpectrum } from "./exact";
export type { AssembledMatrix, AssembleOptions, ExactSpectrum, ExactSpectrumOptions } from "./exact";
