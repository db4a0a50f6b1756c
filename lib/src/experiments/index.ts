/**
 * Experiment protocols shared by several notebooks. `p1-protocol`: paper 1's deep fully connected experiments
 * (Figs. C–G): data per scale, model grid, cached runs with per-epoch singularity measures, aggregation.
 */
export * from "./p1-protocol";
export * from "./p1-fig1";
export * from "./p1-variants";
