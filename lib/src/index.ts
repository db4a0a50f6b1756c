/**
 * skiplab: models, data, training and singularity metrics for the skip-singularities reproductions. Notebooks import
 * only this index (`import * as sk from "skiplab"`).
 *
 * Two levels:
 *   - flat, curated: what the notebooks call (showing figures and tables, claim checks, the papers' protocols and
 *     figure builders, the backend and reads), e.g. `sk.p1Protocol`, `sk.show`, `sk.reportClaims`;
 *   - one namespace per area for everything else, e.g. `sk.linalg.eigh`, `sk.curvature.hessianOperator`,
 *     `sk.stats.welch`, `sk.toy.runExperiment`, `sk.experiments.registerExperiments`.
 * tests/foundation/index.test.ts keeps the flat list to what the notebooks use plus a few documented entry points.
 */

// ---- flat: the notebook API
export { showHtml } from "./display/html";
export { show } from "./display/plotly";
export { initBackend } from "./engine/ladder";
export { readAllFloat32, readFloat32, readFloat32Sync, readScalar } from "./engine/read";
export { meanSem } from "./experiments/p1/aggregate";
export { spearman } from "./stats";
export { fig1Claims } from "./experiments/p1/claims";
export { type FigBRunRow, type FigBSetup, figBMeasure, figBPreregistration, figBSetup } from "./experiments/p1/figb";
export {
  type FigGDataSpec,
  type P1Scale,
  describeFigGData,
  describeP1Data,
  figGInputDim,
  p1InputDim,
} from "./experiments/p1/data";
export {
  FIG1_CASES,
  FIG1_DEFAULTS,
  type Fig1Case,
  type Fig1Result,
  fig1Analyse,
  fig1Baseline,
  fig1GaussNewton64,
  fig1Layout,
  fig1PredictedExcess,
} from "./experiments/p1/fig1";
export { type P1Protocol, p1Execute, p1FinalRecords, p1Grid, p1Num, p1Protocol } from "./experiments/p1/protocol";
export { p1SweepCommand, writeP1Sweep } from "./experiments/p1/sweep";
export {
  type FigEOptions,
  type VariantRunRow,
  conditionCurves,
  conditionValues,
  figEConditions,
  figGConditions,
  figGRequests,
  gapRecovered,
  monotoneSteps,
  variantRequests,
  variantRunRows,
  variantSweepSpecs,
} from "./experiments/p1/variants";
export {
  FIG_F_REGISTERED_SELECTION,
  type FigFChoice,
  type FigFGrid,
  figFCellLabel,
  figFCellScores,
  figFConfirmationCells,
  figFFamilies,
  figFFamilyLabel,
  figFGrid,
  figFGridCells,
  figFGridPanels,
  figFRequests,
  figFScreeningProtocol,
  figFSelect,
  figFSelectionTable,
} from "./experiments/p1/figf";
export { showTable, summarize, toFrame } from "./frames/danfo";
export { curvesFigure, flowFieldFigure, pairedScatterFigure } from "./plots/curves";
export { bandPanelsFigure, runScatterFigure, spectraPanelsFigure } from "./plots/p1";
export { heatmapPanelsFigure, meanSemPanelsFigure, recoveredGapFigure, variantColor } from "./plots/p1-variants";
export { singularitySchematicFigure } from "./plots/schematic";
export { blockDiagramsFigure } from "./plots/blocks-diagram";
export { type Figure, withProvenance } from "./plots/theme";
export { type ClaimCheck, type ClaimsMeta, reportClaims, showPaperVsOurs } from "./report/claims";
export { confirmClaims, showPreregistration } from "./report/prereg";
export {
  figCMeasure,
  figCPreregistration,
  figDMeasure,
  figDPreregistration,
  figEMeasure,
  figEPreregistration,
  figFMeasure,
  figFPreregistration,
  figGMeasure,
  figGPreregistration,
  preregSeeds,
  trainAuc,
} from "./experiments/p1/prereg";
export { atScale, currentScale, projectRoot } from "./report/context";
export { expandSweep } from "./runs/sweep";
export { registerExperiments } from "./experiments";

// ---- namespaces: the whole library, by area
export * as engine from "./engine";
export * as data from "./data";
export * as linalg from "./linalg";
export * as spectra from "./spectra";
export * as models from "./models";
export * as train from "./train";
export * as runs from "./runs";
export * as curvature from "./curvature";
export * as metrics from "./metrics";
export * as stats from "./stats";
export * as toy from "./toy";
export * as experiments from "./experiments";
export * as plots from "./plots";
export * as display from "./display";
export * as frames from "./frames/danfo";
export * as report from "./report";
export * as random from "./util/random";
