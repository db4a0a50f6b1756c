/**
 * Paper 2 (Oyedotun et al., docs/spec/p2.md):
 *   theory.ts         the linear theory in float64: PlainNet / ResNet / ResNeXt products, Lyapunov rank prediction,
 *                     Fuss–Catalan law, Rudelson–Vershynin bounds
 *   theory-prereg.ts  the theory notebook's scales, pre-registration and measurement
 *   blocks-check.ts   Fig. 2: the library's blocks against the diagrams' maps
 */
export * from "./theory";
export * from "./theory-prereg";
export * from "./blocks-check";
