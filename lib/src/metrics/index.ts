/**
 * Singularity measures (docs/spec/p1.md §1.5, §2, §3.1): Hessian degeneracy fractions, elimination, overlap, linear
 * dependence, condition numbers of weights and representations, filter-normalised loss surfaces; per layer, as
 * training callbacks, and on stored checkpoints. Plain matrices in, plain records out; no plotting here.
 */
export { checkMatrix, columnOf, matrixFromTensor, matrixFromTensorAsync, toFloat64 } from "./matrix";
export type { Matrix } from "./matrix";
export { DEFAULT_ABSOLUTE_THRESHOLDS, DEFAULT_RELATIVE_THRESHOLD, degeneracyStats, logAbsHistogram } from "./degeneracy";
export type { DegeneracyOptions, DegeneracyStats, LogHistogram, ThresholdCount } from "./degeneracy";
export { eliminationStats, incomingWeightNorms } from "./elimination";
export type { EliminationOptions, EliminationStats } from "./elimination";
export { overlapStats } from "./overlap";
export type { OverlapOptions, OverlapStats } from "./overlap";
export { linearDependenceStats } from "./linear-dependence";
export type { LinearDependenceOptions, LinearDependenceStats } from "./linear-dependence";
export { conditionNumber, conditionRtol, representationCondition, weightCondition } from "./condition";
export type { ConditionOptions, ConditionResult } from "./condition";
export { filterNormalizedDirection, gridPoints, lossSurface } from "./loss-surface";
export type { GridAxis, LossSurface, LossSurfaceOptions } from "./loss-surface";
export {
  flattenDegeneracy,
  flattenSingularities,
  hessianDegeneracy,
  layerNames,
  layerOfParam,
  layerSingularities,
} from "./singularity";
export type {
  BlockDegeneracy,
  HessianDegeneracyOptions,
  LayerProbe,
  LayerSingularity,
  LayerSingularityOptions,
  MeasureRecord,
  MeasureValue,
} from "./singularity";
export { hessianMeasure, lanczosMeasure, layerMeasure, measureCallback, measureCheckpoint, surfaceMeasure } from "./callbacks";
export type {
  CallbackRecord,
  LanczosMeasureOptions,
  Measure,
  MeasureCallback,
  MeasureContext,
  MeasureSchedule,
  ProbeBatch,
  TrainingCallback,
} from "./callbacks";
export { networkContext, networkLayerProbes, networkParamSet } from "./network-context";
export type { NetworkLike } from "./network-context";
