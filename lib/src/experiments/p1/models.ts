/**
 * Paper 1's model grid: plain, residual and hyper-residual fully connected nets (docs/spec/p1.md §1.2.3) as model
 * configs; the inits and gains are PROPOSED.
 */
import type { InitInput, MlpConfigInput, SkipInput } from "../../models/config";

/** The three architectures of Fig. C (docs/spec/p1.md §1.2.3). */
export type P1Arch = "plain" | "residual" | "hyper-residual";
export const P1_ARCHS: readonly P1Arch[] = ["plain", "residual", "hyper-residual"];

/**
 * The skip of each architecture (skips are added after the nonlinearity, layer 1 has none; models/config.ts):
 * plain none; residual identity x_l = f(z_l) + x_{l−1}; hyper-residual = residual + mean of all earlier hidden
 * layers, Q_k = I (GPROF-NN form; PROPOSED — the paper's Q_k were not found, docs/spec/p1.md §1.2.3).
 */
export function p1Skip(arch: P1Arch): SkipInput {
  switch (arch) {
    case "plain":
      return "none";
    case "residual":
      return "identity";
    case "hyper-residual":
      return { type: "hyper", form: "mean" };
  }
}

/** The architecture label of a resolved skip config (inverse of p1Skip; other skips get their type name). */
export function p1ArchOf(skip: { type: string }): string {
  return skip.type === "none"
    ? "plain"
    : skip.type === "identity"
      ? "residual"
      : skip.type === "hyper"
        ? "hyper-residual"
        : skip.type;
}

export interface P1ModelOptions {
  depth: number;
  width: number;
  inputDim: number;
  outputDim: number;
  /** Default He-normal, zero bias (PROPOSED, docs/spec/p1.md §1.3 Fig. C). */
  init?: InitInput;
  /** Extra model fields (batchNorm, biasRegularizer, biasInit, ...), for Figs. E–G. */
  extra?: Partial<MlpConfigInput>;
}

/** The MLP config of one architecture at a depth/width (ReLU, classification). */
export function p1Model(arch: P1Arch, o: P1ModelOptions): MlpConfigInput {
  return {
    kind: "mlp",
    inputDim: o.inputDim,
    outputDim: o.outputDim,
    depth: o.depth,
    width: o.width,
    activation: "relu",
    skip: p1Skip(arch),
    init: o.init ?? "he",
    task: "classification",
    ...(o.extra ?? {}),
  };
}
