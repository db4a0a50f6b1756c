/**
 * skiplab: models, data, training and singularity metrics for the skip-singularities reproductions.
 * Notebooks import only this index.
 */
export * from "./util/random";
