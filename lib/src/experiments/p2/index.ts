/**
 * Paper 2 (Oyedotun et al., docs/spec/p2.md):
 *   theory.ts         the linear theory in float64: PlainNet / ResNet / ResNeXt products, Lyapunov rank prediction,
 *                     Fuss–Catalan law, Rudelson–Vershynin bounds
 *   theory-prereg.ts  the theory notebook's scales, pre-registration and measurement
 *   blocks-check.ts   Fig. 2: the library's blocks against the diagrams' maps
 *   nets.ts           Figs. 3–13: the conv nets' protocol, data and runs; net-measures.ts what is measured on them;
 *                     nets-prereg.ts the registrations and measurements of notebooks 10–12; nets-figures.ts
 *                     their panels, histogram values and table rows
 *   fig1.ts           Fig. 1: the literature's ImageNet errors, verified values only
 */
export * from "./theory";
export * from "./theory-prereg";
export * from "./blocks-check";
export * from "./nets";
export * from "./net-measures";
export * from "./nets-prereg";
export * from "./nets-figures";
export * from "./fig1";
