/**
 * Dense linear algebra on row-major Float64Array matrices: symmetric eigensolver, SVD, condition number and rank.
 * LAPACK (through koffi) when the system library is present, a pure-TypeScript fallback otherwise; every result
 * says which backend ran. Float64 BLAS level 1–2 (ddot, daxpy, dscal, dnrm2, dgemv) through the same library, with
 * JS loops as the fallback (blas64.ts): the vector algebra of spectra/ and Lanczos' reorthogonalisation run on it.
 */
export { FLOAT64_EPS, symmetrize, symmetryError } from "./dense";
export { eigh, eigvalsh } from "./eigh";
export type { EighOptions, EighResult } from "./eigh";
export { svd, svdvals } from "./svd";
export type { SvdOptions, SvdResult } from "./svd";
export { eighTridiagonal } from "./tridiagonal";
export type { TridiagonalEigResult } from "./tridiagonal";
export {
  cond,
  condFromSingularValues,
  defaultRtol,
  effectiveRank,
  effectiveRankFromSingularValues,
  numericalRank,
  numericalRankFromSingularValues,
} from "./rank";
export type { CondOptions, EffectiveRankOptions, NumericalRankOptions } from "./rank";
export {
  BLAS64_MIN_LENGTH,
  blas64Available,
  blas64Status,
  daxpy,
  ddot,
  dgemv,
  dnrm2,
  dscal,
  useBlas64,
} from "./blas64";
export type { Blas64Status } from "./blas64";
export { lapackAvailable, lapackCandidates, lapackMissingError, lapackStatus, probeLapack } from "../engine/lapack";
export type { Backend, LapackProbe, LapackStatus, LapackeFunctions } from "../engine/lapack";
