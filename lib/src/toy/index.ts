/**
 * The two-hidden-unit toy model of Orhan & Pitkow (2018) "Fig. B": exact float64 loss, gradient and Hessian,
 * gradient-descent dynamics, plateau metrics, 2-D flow fields, ghosts and singular-direction checks.
 * Exported from the package as the namespace `toy` (e.g. `sk.toy.runExperiment(config)`); its types keep a `Toy`
 * prefix (`ToyModel`, `ToyModelConfig`, …) so that they read unambiguously when imported elsewhere.
 */
export * from "./config";
export * from "./erf-moments";
export * from "./model";
export * from "./jacobi-eigen";
export * from "./hessian";
export * from "./init";
export * from "./dynamics";
export * from "./plateau";
export * from "./planes";
export * from "./streamlines";
export * from "./ghost";
export * from "./singular";
export * from "./experiment";
export * from "./tf-check";
