/**
 * Paper 3 (Wang et al., IJCAI 2020; docs/spec/p3.md):
 *   surfaces.ts   Fig. 1: loss surfaces with and without skips, their measures, registration and measurement
 *   theorem.ts    the theorem check (ours): a deep ReLU net with a two-layer skip branch, minima and the barriers
 *                 between them along optimised Bézier paths
 */
export * from "./surfaces";
export * from "./theorem";
