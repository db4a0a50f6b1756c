/**
 * skiplab: models, data, training and singularity metrics for the skip-singularities reproductions.
 * Notebooks import only this index.
 */
export * from "./util/random";
export * from "./engine";
export * from "./plots/theme";
export * from "./display/html";
export * from "./display/plotly";
export * from "./display/static-image";
export * from "./frames/danfo";
export * from "./report/context";
export * from "./report/claims";
export * from "./data";
export * from "./linalg";
export * from "./spectra";
export * from "./plots/curves";
export * from "./toy";
export * from "./plots/schematic";
export * from "./models";
export * from "./train";
export * from "./runs";
export * from "./display/progress";
export * from "./curvature";
export * from "./metrics";
export * from "./experiments";
export * from "./plots/p1";
export * from "./plots/p1-variants";
/** Statistics for claim checks: summaries, Welch's t, permutation tests, bootstrap intervals, Spearman (`sk.stats.welch(a, b)`). */
export * as stats from "./stats";
