/**
 * Singularity measures (docs/spec/p1.md §1.5, §2, §3.1): Hessian degeneracy fractions, elimination, overlap, linear
 * dependence, condition numbers of weights and representations, filter-normalised loss surfaces and what their
 * pictures claim (curvature in the plane, non-convex share, basin width); per layer. A run
 * computes them at epoch ends through its metric set (runs/spec.ts, experiments/). Plain matrices in, plain records
 * out; no plotting here.
 */
export { checkMatrix, columnOf, matrixFromTensor, matrixFromTensorAsync, toFloat64 } from "./matrix";
export type { Matrix } from "./matrix";
export {
  DEFAULT_ABSOLUTE_THRESHOLDS,
  DEFAULT_RELATIVE_THRESHOLD,
  degeneracyStats,
  logAbsHistogram,
} from "./degeneracy";
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
export { basinWidth, logClipLoss, nonConvexFraction, surfaceCurvature } from "./surface-measures";
export type { SurfaceGrid } from "./surface-measures";
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
export type { MeasureContext, ProbeBatch } from "./network-context";
export { networkContext, networkLayerProbes, networkParamSet } from "./network-context";
export type { NetworkLike } from "./network-context";
