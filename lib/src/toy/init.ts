/**
 * Seeded small random initialisation of a toy student: every J_im and w_i drawn i.i.d. from N(0, σ_init²) by
 * `new Rng(subSeed(seed, "init"))`, in parameter order (J row-major, then w). The numbers depend only on
 * (seed, σ_init, k, d), so a plain and a residual student start from exactly the same θ_0.
 */
import { Rng, subSeed } from "../util/random";
import { ToyModelConfig, paramCount } from "./config";

/** θ_0 ~ N(0, σ_init² I) from `subSeed(seed, "init")`; `shape` is a config or a compiled model's config. */
export function initParams(
  shape: Pick<ToyModelConfig, "inputDim" | "hiddenUnits">,
  seed: number,
  initStd: number,
): Float64Array {
  const rng = new Rng(subSeed(seed, "init"));
  return rng.normals(paramCount(shape), 0, initStd);
}
