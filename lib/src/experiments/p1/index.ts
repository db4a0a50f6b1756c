/**
 * Paper 1 (Orhan & Pitkow, docs/spec/p1.md): the deep fully connected experiments (Figs. C–G) and Fig. 1's
 * constructed singular points, split by concern:
 *   data.ts      the `p1-data` provider: per-scale datasets and preprocessing
 *   models.ts    the plain / residual / hyper-residual grid
 *   measures.ts  the per-epoch singularity measures a run records
 *   protocol.ts  scale presets, run specs, grids, execution through the run cache, records
 *   sweep.ts     paper-scale sweep files and the sweep command
 *   aggregate.ts mean ± s.e.m. over seeds
 *   variants.ts  the conditions of Figs. E, F and G (initialisations, regularisers, skip matrices, datasets)
 *   fig1.ts      Fig. 1: exact Hessians at constructed elimination / overlap / linear-dependence points
 *   claims.ts    the claim checks of Fig. 1 as a tested function of the notebook's numbers
 *   figb.ts      the toy (Fig. B): shared-target setup, pre-registration and measurement
 *   figf.ts      Fig. F's pre-registered grid, screening and selection
 *   prereg.ts    the pre-registrations (claims, criteria, thresholds, seeds) and the measurements they are judged on
 * Nothing registers itself on import: `registerP1()` (called by `p1Execute` and the sweep command) registers the
 * data providers and the metric set.
 */
/** Registers what paper 1's runs need (its data providers and the `p1-measures` metric set). Idempotent. */
export { registerP1Data as registerP1 } from "./data";

export * from "./data";
export * from "./models";
export * from "./measures";
export * from "./protocol";
export * from "./sweep";
export * from "./aggregate";
export * from "./variants";
export * from "./fig1";
export * from "./claims";
export * from "./prereg";
export * from "./figf";
export * from "./figb";
