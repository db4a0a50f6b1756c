/**
 * Paper 3 (Wang et al., IJCAI 2020; docs/spec/p3.md):
 *   surfaces.ts   Fig. 1: loss surfaces with and without skips, their measures, registration and measurement
 */
export * from "./surfaces";
