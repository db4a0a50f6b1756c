/**
 * Paper 1's earlier versions (v1–v4, "Skip Connections as Effective Symmetry-Breaking"; docs/spec/p1.md §1.4). Only
 * the abstract was found: every design here is ours (PROPOSED in the spec).
 *   symmetries.ts     v3-A: the symmetries a skip breaks, computed on a small float64 net (notebook 16)
 *   binary.ts         v3-B: the binary-weight toy model, enumerated exhaustively (notebook 17)
 *   skips.ts          v3-D/E/F: the conditions, runs, gradient-flow measures and the sweep at initialisation
 *                     (notebooks 18–20; v3-C is paper 1's Fig. C, notebook 03)
 *   skips-prereg.ts   v3-D/E/F: registrations and measurements
 */
export * from "./symmetries";
export * from "./binary";
export * from "./skips";
export * from "./skips-prereg";
