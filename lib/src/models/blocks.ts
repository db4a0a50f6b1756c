/**
 * Paper 2's PlainNet / ResNet / ResNeXt families as fully connected nets (docs/spec/p2.md §2.0 Fig. 2; config.ts
 * `BlockNetConfig`). A block is two weight layers; skips are added after f like the `mlp` family:
 *
 *   stem:     x_0 = f(BN(W_s x + b_s))                                       input → width n
 *   plain:    x_j = f(BN(W₂ u + b₂)),            u = f(BN(W₁ x_{j−1} + b₁))
 *   resnet:   x_j = f(BN(W₂ u + b₂)) + x_{j−1}
 *   resnext:  x_j = f(BN(Σ_{k=1}^{s} W₂ᵏ uᵏ + b₂)) + x_{j−1},   uᵏ = f(BN(W₁ᵏ x_{j−1} + b₁ᵏ)),  W₁ᵏ: n → q, W₂ᵏ: q → n
 *   output = W_out x_J + b_out
 *
 * (BN only when `batchNorm` is set.) Layer names: "stem", "Bj.L1", "Bj.L2" (plain/resnet), "Bj.Pk.L1", "Bj.Pk.L2"
 * (ResNeXt path k; the second layer of a path has no bias of its own), "Bj.bias" (ResNeXt: the block's single output
 * bias b₂ and its BatchNorm; one bias per block avoids a trivially flat direction between path biases), "out".
 * Activations are reported per weight layer ("Bj.L1", "Bj.Pk.L1") and per block ("Bj": z, h of the block's output
 * pre-activation, x the block output).
 */
import * as tf from "@tensorflow/tfjs";
import { dense } from "../engine/dense";
import { Rng, subSeed } from "../util/random";
import { activate } from "./activations";
import { batchNorm, createBatchNorm } from "./batchnorm";
import { type BlockNetConfig, blockNetConfig } from "./config";
import { initHiddenLayer, initReadout } from "./init";
import {
  type ForwardOptions,
  type ForwardResult,
  type LayerActivation,
  Network,
  type ParamLayer,
  nextModelUid,
  variableFrom,
} from "./network";

interface BlockLayers {
  /** plain/resnet: [L1, L2]; resnext: per path [L1, L2] */
  paths: [ParamLayer, ParamLayer][];
  /** resnext only: the block's output bias (and BatchNorm) */
  bias: ParamLayer | null;
}

export class BlockNet extends Network {
  readonly config: BlockNetConfig;
  readonly seed: number;
  readonly uid: string;
  readonly layers: ParamLayer[] = [];
  private readonly blocks: BlockLayers[] = [];

  constructor(config: Omit<BlockNetConfig, "kind"> | Partial<BlockNetConfig>, seed: number) {
    super();
    this.config = blockNetConfig(config as Parameters<typeof blockNetConfig>[0]);
    this.seed = seed;
    this.uid = nextModelUid();
    const c = this.config;
    const rng = new Rng(subSeed(seed, "init"));
    const hidden = (name: string, fanIn: number, fanOut: number, withBias: boolean, bn: boolean): ParamLayer => {
      const { W, b } = initHiddenLayer(rng, c.init, fanIn, fanOut, c.activation, c.biasInit);
      const layer: ParamLayer = {
        name,
        W: variableFrom(() => tf.tensor2d(W, [fanIn, fanOut]), true, `${this.uid}/${name}.W`),
        b: withBias ? variableFrom(() => tf.tensor1d(b), true, `${this.uid}/${name}.b`) : null,
        bn: bn ? createBatchNorm(fanOut, `${this.uid}/${name}`) : null,
      };
      this.layers.push(layer);
      return layer;
    };
    hidden("stem", c.inputDim, c.width, true, c.batchNorm);
    for (let j = 1; j <= c.blocks; j++) {
      if (c.family === "resnext") {
        const paths: [ParamLayer, ParamLayer][] = [];
        for (let k = 1; k <= c.cardinality; k++) {
          paths.push([
            hidden(`B${j}.P${k}.L1`, c.width, c.groupWidth, true, c.batchNorm),
            hidden(`B${j}.P${k}.L2`, c.groupWidth, c.width, false, false),
          ]);
        }
        const bias: ParamLayer = {
          name: `B${j}.bias`,
          W: null,
          b: variableFrom(() => tf.fill([c.width], c.biasInit), true, `${this.uid}/B${j}.bias.b`),
          bn: c.batchNorm ? createBatchNorm(c.width, `${this.uid}/B${j}.bias`) : null,
        };
        this.layers.push(bias);
        this.blocks.push({ paths, bias });
      } else {
        const l1 = hidden(`B${j}.L1`, c.width, c.width, true, c.batchNorm);
        const l2 = hidden(`B${j}.L2`, c.width, c.width, true, c.batchNorm);
        this.blocks.push({ paths: [[l1, l2]], bias: null });
      }
    }
    const ro = initReadout(rng, c.width, c.outputDim);
    this.layers.push({
      name: "out",
      W: variableFrom(() => tf.tensor2d(ro.W, [c.width, c.outputDim]), true, `${this.uid}/out.W`),
      b: variableFrom(() => tf.tensor1d(ro.b), true, `${this.uid}/out.b`),
      bn: null,
    });
  }

  forward(x: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
    if (options.replicate)
      throw new Error("forward: replicate (one layer's weights per copy) is supported by the MLPs only");
    if (options.zShift) throw new Error("forward: zShift (a probe for ∂L/∂z) is supported by the MLPs only");
    const c = this.config;
    if (x.rank !== 2 || x.shape[1] !== c.inputDim) {
      throw new Error(`BlockNet.forward: input must be [batch, ${c.inputDim}], got ${JSON.stringify(x.shape)}`);
    }
    const training = options.training ?? false;
    const update = options.updateStats ?? training;
    const ret = options.returnActivations ?? false;
    const activations: LayerActivation[] = [];
    const W = (l: ParamLayer) => l.W as unknown as tf.Tensor2D;
    const B = (l: ParamLayer) => (l.b ?? undefined) as unknown as tf.Tensor1D | undefined;
    const pre = (l: ParamLayer, input: tf.Tensor2D): tf.Tensor2D => {
      const z = dense(input, W(l), B(l));
      return l.bn ? batchNorm(z, l.bn, training, update) : z;
    };

    const stem = this.layers[0];
    const zs = pre(stem, x);
    let prev = activate(zs, c.activation);
    if (ret) activations.push({ name: "stem", z: zs, h: prev, x: prev });

    this.blocks.forEach((block, idx) => {
      const name = `B${idx + 1}`;
      let v: tf.Tensor2D;
      if (block.bias) {
        // ResNeXt: Σ_k W₂ᵏ f(BN(W₁ᵏ x + b₁ᵏ)) + b₂
        const terms = block.paths.map(([l1, l2]) => {
          const z1 = pre(l1, prev);
          const u = activate(z1, c.activation);
          if (ret) activations.push({ name: l1.name, z: z1, h: u, x: u });
          return dense(u, W(l2));
        });
        v = tf.add(terms.length === 1 ? terms[0] : tf.addN(terms), block.bias.b!) as tf.Tensor2D;
        if (block.bias.bn) v = batchNorm(v, block.bias.bn, training, update);
      } else {
        const [l1, l2] = block.paths[0];
        const z1 = pre(l1, prev);
        const u = activate(z1, c.activation);
        if (ret) activations.push({ name: l1.name, z: z1, h: u, x: u });
        v = pre(l2, u);
      }
      const h = activate(v, c.activation);
      const out = c.family === "plain" ? h : (tf.add(h, prev) as tf.Tensor2D);
      if (ret) activations.push({ name, z: v, h, x: out });
      prev = out;
    });
    const ro = this.layers[this.layers.length - 1];
    return { output: dense(prev, W(ro), B(ro)), activations };
  }
}
