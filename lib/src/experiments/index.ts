/**
 * The experiments of each paper, one package per paper: `p1/` (Orhan & Pitkow), `p2/` (Oyedotun et al.), `p3/` (Wang et al.). Each package registers what its runs
 * need (data providers, metric sets) only when asked: `registerExperiments()` does it for all of them, and each
 * package's executors call their own `registerPn()`.
 */
import { registerP1 } from "./p1";
import { registerP2 } from "./p2";
import { registerP1v3 } from "./p1v3";

export * from "./p1";
export * from "./p2";
export * from "./p3";
export * from "./p1v3";
export * from "./execute";

/** Registers the run-data providers of every paper's experiments (idempotent). */
export function registerExperiments(): void {
  registerP1();
  registerP2();
  registerP1v3();
}
