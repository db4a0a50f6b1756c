/**
 * Convolutional PlainNet / ResNet / ResNeXt in the He et al. (2016) CIFAR layout — papers 2 and 3's families
 * (docs/spec/p2.md §2.0, docs/spec/p3.md), config `ConvNetConfig` (config.ts):
 *
 *   stem:   h = f(BN(conv3×3(x)))                                   input channels → width
 *   3 stages of n blocks, widths w, 2w, 4w; the first block of stages 2 and 3 has stride 2
 *   basic:       v = BN(conv3×3(f(BN(conv3×3_s(h)))))                  depth = 6n + 2
 *   bottleneck:  v = BN(conv1×1(f(BN(conv3×3_s,g(f(BN(conv1×1(h))))))))   depth = 9n + 2, output width 4× the stage
 *                width; ResNeXt: the 3×3 conv is grouped (g = cardinality groups of groupWidth·2^(stage−1) channels)
 *   block output: plain  h ← f(v);   resnet / resnext  h ← f(v + shortcut(h))
 *   shortcut: identity when the shape is kept; else "projection" (BN(conv1×1_s), He's option B) or "zero-pad"
 *             (every other pixel, zero channels appended: option A, no parameters)
 *   head:   global average pooling over height and width, then a dense read-out
 *   init:   He (or orthogonal) over each conv's fan-in; in ResNet / ResNeXt the last conv of every residual branch
 *           starts scaled by `branchGain` (default 1): its weights without BN, its BN's γ with BN
 *
 * PlainNet is the ResNet with its shortcuts removed (no projections either). Without BN, each conv has a bias.
 * Inputs are rows of x [batch, h·w·c] in HWC order (`inputShape`), reshaped to NHWC. Convolutions run on oneDNN on
 * the wasm backend (engine/conv.ts) and every op used is differentiable twice (the pooling is a mean), so
 * Hessian-vector products work.
 *
 * Names: "stem", "S<s>.B<j>.C<k>" (conv k of block j of stage s), "S<s>.B<j>.proj" (projection shortcut), "out".
 * Activations (`returnActivations`): per block "S<s>.B<j>" (z = v, the last conv after BN; h = v + shortcut (v for
 * plain), the block's pre-activation; x = f(h), the block output), and "stem" and "pool" (x only); conv activations
 * are flattened to [batch, h·w·c].
 */
import * as tf from "@tensorflow/tfjs";
import { groupedConv2d, registerConvGradients } from "../engine/conv";
import { dense } from "../engine/dense";
import { Rng, subSeed } from "../util/random";
import { activate } from "./activations";
import { batchNorm, createBatchNorm } from "./batchnorm";
import { type ConvNetConfig, convNetConfig, type ConvNetConfigInput } from "./config";
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

/** One convolution with its parameters and geometry. */
interface ConvLayer {
  layer: ParamLayer;
  kernel: number;
  stride: number;
  groups: number;
}

interface Block {
  name: string;
  convs: ConvLayer[];
  /** Projection shortcut, when the block changes shape and the config asks for one. */
  proj: ConvLayer | null;
  /** Shape change handled without parameters (zero-pad shortcut): the channels to append, and the stride. */
  pad: { channels: number; stride: number } | null;
}

/** Blocks per stage for a depth: (depth − 2) / 6 (basic) or / 9 (bottleneck). */
export function convBlocksPerStage(c: Pick<ConvNetConfig, "depth" | "block">): number {
  return (c.depth - 2) / (c.block === "basic" ? 6 : 9);
}

/** Per stage: the output width of its blocks and the inner (3×3) width. */
function stageWidths(c: ConvNetConfig, s: number): { out: number; inner: number; groups: number } {
  const w = c.width * 2 ** s;
  if (c.block === "basic") return { out: w, inner: w, groups: 1 };
  if (c.family === "resnext")
    return { out: 4 * w, inner: c.cardinality * c.groupWidth * 2 ** s, groups: c.cardinality };
  return { out: 4 * w, inner: w, groups: 1 };
}

export class ConvNet extends Network {
  readonly config: ConvNetConfig;
  readonly seed: number;
  readonly uid: string;
  readonly layers: ParamLayer[] = [];
  private readonly stem: ConvLayer;
  private readonly blocks: Block[] = [];

  constructor(config: ConvNetConfigInput | ConvNetConfig, seed: number) {
    super();
    registerConvGradients(); // every order of gradient through conv, on every backend (engine/conv.ts)
    this.config = convNetConfig(config as ConvNetConfigInput);
    this.seed = seed;
    this.uid = nextModelUid();
    const c = this.config;
    const rng = new Rng(subSeed(seed, "init"));
    const branchGain = c.family === "plain" ? 1 : (c.branchGain ?? 1);
    const conv = (
      name: string,
      kernel: number,
      cin: number,
      cout: number,
      stride: number,
      groups = 1,
      gain = 1,
    ): ConvLayer => {
      const fanIn = kernel * kernel * (cin / groups);
      // [fanIn, fanOut] row-major is exactly HWIO (fanIn = (kh, kw, cin/g) flattened), so the dense init applies
      const { W, b } = initHiddenLayer(rng, c.init, fanIn, cout, c.activation, c.biasInit);
      // the branch gain scales the conv's weights without BN, and BN's γ with it (BN would undo a weight scale)
      if (gain !== 1 && !c.batchNorm) for (let i = 0; i < W.length; i++) W[i] *= gain;
      const layer: ParamLayer = {
        name,
        W: variableFrom(() => tf.tensor4d(W, [kernel, kernel, cin / groups, cout]), true, `${this.uid}/${name}.W`),
        b: c.batchNorm ? null : variableFrom(() => tf.tensor1d(b), true, `${this.uid}/${name}.b`),
        bn: c.batchNorm ? createBatchNorm(cout, `${this.uid}/${name}`, gain) : null,
      };
      this.layers.push(layer);
      return { layer, kernel, stride, groups };
    };
    const [, , channels] = c.inputShape;
    this.stem = conv("stem", 3, channels, c.width, 1);
    let cin = c.width;
    const n = convBlocksPerStage(c);
    for (let s = 0; s < 3; s++) {
      const { out, inner, groups } = stageWidths(c, s);
      for (let j = 0; j < n; j++) {
        const stride = s > 0 && j === 0 ? 2 : 1;
        const name = `S${s + 1}.B${j + 1}`;
        const convs =
          c.block === "basic"
            ? [conv(`${name}.C1`, 3, cin, out, stride), conv(`${name}.C2`, 3, out, out, 1, 1, branchGain)]
            : [
                conv(`${name}.C1`, 1, cin, inner, 1),
                conv(`${name}.C2`, 3, inner, inner, stride, groups),
                conv(`${name}.C3`, 1, inner, out, 1, 1, branchGain),
              ];
        const reshapes = stride !== 1 || cin !== out;
        const residual = c.family !== "plain";
        const proj =
          residual && reshapes && c.shortcut === "projection" ? conv(`${name}.proj`, 1, cin, out, stride) : null;
        const pad = residual && reshapes && c.shortcut === "zero-pad" ? { channels: out - cin, stride } : null;
        this.blocks.push({ name, convs, proj, pad });
        cin = out;
      }
    }
    const ro = initReadout(rng, cin, c.outputDim);
    this.layers.push({
      name: "out",
      W: variableFrom(() => tf.tensor2d(ro.W, [cin, c.outputDim]), true, `${this.uid}/out.W`),
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
      throw new Error(
        `ConvNet.forward: input must be [batch, ${c.inputDim}] (rows of ${c.inputShape.join("×")} images in HWC order), got ${JSON.stringify(x.shape)}`,
      );
    }
    const training = options.training ?? false;
    const update = options.updateStats ?? training;
    const ret = options.returnActivations ?? false;
    const activations: LayerActivation[] = [];
    const flat = (t: tf.Tensor4D) => tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;
    const f = (t: tf.Tensor4D) => activate(t as unknown as tf.Tensor2D, c.activation) as unknown as tf.Tensor4D;

    /** conv, then BN (per channel, over batch and space) or the bias. */
    const pre = (cl: ConvLayer, input: tf.Tensor4D): tf.Tensor4D => {
      const W = cl.layer.W as unknown as tf.Tensor4D;
      let z = groupedConv(input, W, cl.stride, cl.groups);
      if (cl.layer.bn) {
        const [b, h, w, ch] = z.shape;
        z = tf.reshape(
          batchNorm(tf.reshape(z, [b * h * w, ch]) as tf.Tensor2D, cl.layer.bn, training, update, { fused: true }),
          [b, h, w, ch],
        );
      } else if (cl.layer.b) z = tf.add(z, cl.layer.b) as tf.Tensor4D;
      return z;
    };

    const [ih, iw, ic] = c.inputShape;
    let h = f(pre(this.stem, tf.reshape(x, [x.shape[0], ih, iw, ic]) as tf.Tensor4D));
    if (ret) activations.push({ name: "stem", z: null, h: null, x: flat(h) });
    for (const b of this.blocks) {
      let v = h;
      b.convs.forEach((cl, k) => {
        v = pre(cl, v);
        if (k < b.convs.length - 1) v = f(v);
      });
      const z = v;
      if (c.family !== "plain") {
        const short = b.proj ? pre(b.proj, h) : b.pad ? zeroPadShortcut(h, b.pad.stride, b.pad.channels) : h;
        v = tf.add(v, short) as tf.Tensor4D;
      }
      h = f(v);
      if (ret) activations.push({ name: b.name, z: flat(z), h: flat(v), x: flat(h) });
    }
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D; // [batch, channels]; linear, so second-order safe
    if (ret) activations.push({ name: "pool", z: null, h: null, x: pooled });
    const ro = this.layers[this.layers.length - 1];
    return {
      output: dense(pooled, ro.W as unknown as tf.Tensor2D, ro.b as unknown as tf.Tensor1D),
      activations,
    };
  }
}

/** A convolution with `groups` channel groups (ResNeXt), NHWC, 'same' padding (engine/conv.ts groupedConv2d). */
export function groupedConv(x: tf.Tensor4D, W: tf.Tensor4D, stride: number, groups: number): tf.Tensor4D {
  const pad = W.shape[0] === 1 ? 0 : (W.shape[0] - 1) / 2; // symmetric, as PyTorch's padding = k // 2
  return groupedConv2d(x, W, stride, pad, groups);
}

/** He's option A: every `stride`-th pixel, then `channels` zero channels appended (no parameters). */
function zeroPadShortcut(h: tf.Tensor4D, stride: number, channels: number): tf.Tensor4D {
  let s = h;
  if (stride === 2) {
    const [b, ht, wd, ch] = h.shape;
    if (ht % 2 !== 0 || wd % 2 !== 0) {
      throw new Error(`ConvNet: the zero-pad shortcut needs even feature maps, got ${ht}×${wd}`);
    }
    s = tf.reshape(
      tf.slice(tf.reshape(h, [b, ht / 2, 2, wd / 2, 2, ch]), [0, 0, 0, 0, 0, 0], [b, ht / 2, 1, wd / 2, 1, ch]),
      [b, ht / 2, wd / 2, ch],
    ) as tf.Tensor4D;
  }
  return channels > 0
    ? (tf.pad(s, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, channels],
      ]) as tf.Tensor4D)
    : s;
}

/** Trainable parameter count of a conv config, without building it. */
export function countConvParams(config: ConvNetConfig): number {
  const c = config;
  const bn = c.batchNorm;
  const conv = (k: number, cin: number, cout: number, groups = 1) =>
    k * k * (cin / groups) * cout + (bn ? 2 * cout : cout);
  let p = conv(3, c.inputShape[2], c.width);
  let cin = c.width;
  const n = convBlocksPerStage(c);
  for (let s = 0; s < 3; s++) {
    const { out, inner, groups } = stageWidths(c, s);
    for (let j = 0; j < n; j++) {
      const stride = s > 0 && j === 0 ? 2 : 1;
      p +=
        c.block === "basic"
          ? conv(3, cin, out) + conv(3, out, out)
          : conv(1, cin, inner) + conv(3, inner, inner, groups) + conv(1, inner, out);
      if (c.family !== "plain" && (stride !== 1 || cin !== out) && c.shortcut === "projection") p += conv(1, cin, out);
      cin = out;
    }
  }
  return p + cin * c.outputDim + c.outputDim;
}
