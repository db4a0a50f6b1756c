/**
 * One entry point for every model family: `createModel(config, seed)`.
 */
import { BlockNet } from "./blocks";
import { ConvNet, countConvParams } from "./convnet";
import { type ModelConfig, type ModelConfigInput, modelConfig } from "./config";
import { Mlp } from "./mlp";
import type { Network } from "./network";

/** Builds the model a (possibly partial) config describes, with weights drawn from `subSeed(seed, "init")`. */
export function createModel(config: ModelConfigInput | ModelConfig, seed: number): Network {
  const c = modelConfig(config as ModelConfigInput);
  if (c.kind === "conv") return new ConvNet(c, seed);
  return c.kind === "blocks" ? new BlockNet(c, seed) : new Mlp(c, seed);
}

/**
 * Trainable parameter count of a config without building the model.
 * mlp:    in·n + n  + (L−1)(n² + n) + BN 2n each + n·out + out
 * blocks: stem in·n + n, per block 2(n² + n) (plain/resnet) or s(n·q + q + q·n) + n (resnext), BN 2·units, read-out.
 */
export function countParams(config: ModelConfigInput | ModelConfig): number {
  const c = modelConfig(config as ModelConfigInput);
  if (c.kind === "conv") return countConvParams(c);
  const n = c.width;
  if (c.kind === "mlp") {
    return (
      c.inputDim * n + n + (c.depth - 1) * (n * n + n) + 2 * n * c.batchNorm.length + n * c.outputDim + c.outputDim
    );
  }
  const bn = c.batchNorm ? 1 : 0;
  let p = c.inputDim * n + n + 2 * n * bn;
  if (c.family === "resnext") {
    const q = c.groupWidth;
    p += c.blocks * (c.cardinality * (n * q + q + q * n + 2 * q * bn) + n + 2 * n * bn);
  } else {
    p += c.blocks * 2 * (n * n + n + 2 * n * bn);
  }
  return p + n * c.outputDim + c.outputDim;
}
