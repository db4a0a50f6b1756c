/**
 * What every model of the suite shares: named per-layer parameters (`tf.Variable`s), a forward pass that can return
 * every layer's activations, the task loss, the optional bias regulariser, and weight import/export.
 *
 * Naming: each layer has a short name ("L3", "out", "stem", "B2.L1", "B2.P3.L1", "B2.bias") and its parameters are
 * "<layer>.W", "<layer>.b", "<layer>.bn.gamma", "<layer>.bn.beta" (trainable) and "<layer>.bn.mean",
 * "<layer>.bn.var" (running statistics, not trainable). tfjs needs globally unique variable names, so the tfjs name
 * is prefixed with a per-instance id ("m7/L3.W"); `namedParams()` gives the short names.
 *
 * Layout: W is [fanIn, fanOut] and a layer computes z = x·W + b for x [batch, fanIn] (engine/dense.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { readAllFloat32, readFloat32Sync } from "../engine/read";
import { Rng, subSeed } from "../util/random";
import type { ModelConfig } from "./config";
import { type BatchNormParams, disposeBatchNorm } from "./batchnorm";
import { meanSquaredError, softmaxCrossEntropy } from "./loss";

/** The parameters of one layer. Any part may be absent (a bias-only layer, a layer without BatchNorm). */
export interface ParamLayer {
  /** Short layer name: "L3", "out", "stem", "B2.L1", "B2.P3.L1", "B2.bias". */
  name: string;
  /** Weights [fanIn, fanOut]. */
  W: tf.Variable | null;
  /** Bias [fanOut]. */
  b: tf.Variable | null;
  /** BatchNorm on this layer's pre-activation. */
  bn: BatchNormParams | null;
}

/** One trainable or state tensor with its short name. */
export interface NamedVariable {
  /** e.g. "L3.W", "L3.b", "L3.bn.gamma", "L3.bn.mean". */
  name: string;
  layer: string;
  variable: tf.Variable;
}

/** Plain float32 copy of a named tensor (checkpoints, tests). */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Activations of one layer (or block) for a batch: `z` pre-activation (after BatchNorm), `h = f(z)` the
 * post-nonlinearity, `x` the output after the skip (what the next layer reads). For a block, z and h are those of its
 * last weight layer and x is the block output; its inner layers are listed separately ("B2.L1", …).
 */
export interface LayerActivation {
  name: string;
  z: tf.Tensor2D | null;
  h: tf.Tensor2D | null;
  x: tf.Tensor2D;
}

export interface ForwardOptions {
  /** BatchNorm uses batch statistics (training) or running statistics (eval). Default false. */
  training?: boolean;
  /** Also return every layer's activations. Default false. */
  returnActivations?: boolean;
  /** In training mode, move BatchNorm's running statistics. Default = `training`. */
  updateStats?: boolean;
  /**
   * Evaluate k copies of the network that differ only in one layer's weight matrix: `x` stacks the copies' inputs
   * ([k·B, fanIn]), and `W` holds the k matrices [k, fanIn, fanOut], used in place of that layer's W. Everything
   * else acts per example, as usual (BatchNorm only in evaluation mode). This is how a layer's Hessian gets many
   * products from one pass (curvature/replicas.ts). Supported by the MLPs (`Mlp`); other models throw.
   */
  replicate?: { layer: string; W: tf.Tensor3D };
  /**
   * Tensors [B, units] added to named layers' pre-activations z (after BatchNorm, before the nonlinearity). Passed as
   * zeros and differentiated, they give the back-propagated error ∂L/∂z of each example (v3-F's gradient flow).
   * Supported by the MLPs (`Mlp`); other models throw.
   */
  zShift?: Record<string, tf.Tensor2D>;
}

export interface ForwardResult {
  /** Logits (classification) or predictions (regression), [batch, outputDim]. */
  output: tf.Tensor2D;
  /** Per-layer activations in forward order (empty unless `returnActivations`). */
  activations: LayerActivation[];
}

let instanceCounter = 0;

/** A variable holding a copy of `value`; the temporary tensor is freed (tf.variable does not take ownership). */
export function variableFrom(value: () => tf.Tensor, trainable: boolean, name: string): tf.Variable {
  return tf.tidy(() => tf.variable(value(), trainable, name));
}

/** A fresh instance id for tfjs variable names. */
export function nextModelUid(): string {
  return `m${++instanceCounter}`;
}

export abstract class Network {
  /** The complete model configuration (defaults filled). */
  abstract readonly config: ModelConfig;
  /** The root seed the parameters were drawn from (through `subSeed(seed, "init")`). */
  abstract readonly seed: number;
  /** Parameter layers in forward order (the read-out last). */
  abstract readonly layers: ParamLayer[];

  /** Forward pass for inputs x [batch, inputDim]. */
  abstract forward(x: tf.Tensor2D, options?: ForwardOptions): ForwardResult;

  /** Frees fixed tensors owned by the subclass (skip matrices). */
  protected disposeFixed(): void {}

  /** Trainable parameters with their short names, in a fixed order (per layer: W, b, bn.gamma, bn.beta). */
  namedParams(): NamedVariable[] {
    const out: NamedVariable[] = [];
    for (const l of this.layers) {
      if (l.W) out.push({ name: `${l.name}.W`, layer: l.name, variable: l.W });
      if (l.b) out.push({ name: `${l.name}.b`, layer: l.name, variable: l.b });
      if (l.bn) {
        out.push({ name: `${l.name}.bn.gamma`, layer: l.name, variable: l.bn.gamma });
        out.push({ name: `${l.name}.bn.beta`, layer: l.name, variable: l.bn.beta });
      }
    }
    return out;
  }

  /** Trainable variables, same order as `namedParams()`. */
  params(): tf.Variable[] {
    return this.namedParams().map((p) => p.variable);
  }

  /** Non-trainable state (BatchNorm running statistics). */
  namedState(): NamedVariable[] {
    const out: NamedVariable[] = [];
    for (const l of this.layers) {
      if (l.bn) {
        out.push({ name: `${l.name}.bn.mean`, layer: l.name, variable: l.bn.runningMean });
        out.push({ name: `${l.name}.bn.var`, layer: l.name, variable: l.bn.runningVar });
      }
    }
    return out;
  }

  /** Number of trainable scalars. */
  get paramCount(): number {
    return this.namedParams().reduce((s, p) => s + p.variable.size, 0);
  }

  /** The layer with a short name, or throws listing the names. */
  layer(name: string): ParamLayer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new Error(`No layer '${name}'. Layers: ${this.layers.map((x) => x.name).join(", ")}`);
    return l;
  }

  /** Task loss of outputs [B, outputDim]: softmax cross-entropy (labels: int [B] or one-hot [B, C]) or MSE. */
  loss(output: tf.Tensor2D, target: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
    if (this.config.task === "classification") return softmaxCrossEntropy(output, target);
    return meanSquaredError(output, target as tf.Tensor2D);
  }

  /** Whether `regularizer` needs the forward pass's pre-activations (the "hinge" form): pass `returnActivations`. */
  get regularizerNeedsActivations(): boolean {
    const r = this.config.biasRegularizer;
    return !!r && r.lambda !== 0 && r.form === "hinge";
  }

  /** Per-unit targets of the "random" bias regulariser, one fixed tensor per hidden bias (models/config.ts). */
  private biasTargets: Map<string, tf.Tensor> | null = null;

  private randomBiasTarget(layer: ParamLayer, beta: number): tf.Tensor {
    if (!this.biasTargets) this.biasTargets = new Map();
    let t = this.biasTargets.get(layer.name);
    if (!t) {
      // one stream per (model seed, layer): a unit's target depends only on the seed, the layer's name and the unit;
      // kept, since the first call may come from inside a training step's tidy scope
      const rng = new Rng(subSeed(subSeed(this.seed, "bias-reg-targets"), layer.name));
      const v = new Float32Array(layer.b!.size);
      for (let i = 0; i < v.length; i++) v[i] = 2 * beta * rng.uniform();
      t = tf.keep(tf.tensor(v, layer.b!.shape));
      this.biasTargets.set(layer.name, t);
    }
    return t;
  }

  /**
   * The bias regulariser (models/config.ts `BiasRegularizerForm`), or null when the config has none. The "hinge"
   * form reads the pre-activations of `activations` (a forward pass with `returnActivations: true`).
   */
  regularizer(activations?: readonly LayerActivation[]): tf.Scalar | null {
    const r = this.config.biasRegularizer;
    if (!r || r.lambda === 0) return null;
    const form = r.form ?? "l2";
    if (form === "random") for (const l of this.layers) if (l.b && l.name !== "out") this.randomBiasTarget(l, r.target);
    return tf.tidy(() => {
      let terms: tf.Tensor[];
      if (form === "hinge") {
        const zs = (activations ?? []).filter((a) => a.z !== null);
        if (!zs.length)
          throw new Error(
            'the "hinge" bias regulariser acts on the pre-activations: call forward(x, { returnActivations: true }) and pass its activations to regularizer() (Network.objective and the training step do)',
          );
        terms = zs.map((a) => tf.sum(tf.square(tf.relu(tf.sub(r.target, tf.mean(a.z!, 0))))));
      } else {
        terms = this.layers
          .filter((l) => l.b && l.name !== "out")
          .map((l) => tf.sum(tf.square(tf.sub(l.b!, form === "random" ? this.biasTargets!.get(l.name)! : r.target))));
      }
      return tf.mul(tf.addN(terms), r.lambda) as tf.Scalar;
    });
  }

  /** Training objective: loss(forward(x)) + regulariser. */
  objective(x: tf.Tensor2D, target: tf.Tensor1D | tf.Tensor2D, options: ForwardOptions = {}): tf.Scalar {
    const { output, activations } = this.forward(x, {
      ...options,
      returnActivations: options.returnActivations || this.regularizerNeedsActivations,
    });
    const loss = this.loss(output, target);
    const reg = this.regularizer(activations);
    return reg ? tf.add(loss, reg) : loss;
  }

  /** Copies of every trainable parameter and state tensor (synchronous: wasm, cpu, tensorflow; on webgpu use `readWeights`). */
  getWeights(): NamedArray[] {
    return [...this.namedParams(), ...this.namedState()].map((p) => ({
      name: p.name,
      shape: p.variable.shape.slice(),
      data: readFloat32Sync(p.variable, "Network.getWeights", "`await model.readWeights()`"),
    }));
  }

  /** Copies of every trainable parameter and state tensor, read asynchronously (every backend, webgpu included). */
  async readWeights(): Promise<NamedArray[]> {
    const all = [...this.namedParams(), ...this.namedState()];
    const data = await readAllFloat32(all.map((p) => p.variable));
    return all.map((p, i) => ({ name: p.name, shape: p.variable.shape.slice(), data: data[i] }));
  }

  /** Sets parameters and state from named arrays (every name must exist with the same shape). */
  setWeights(arrays: NamedArray[], options: { partial?: boolean } = {}): void {
    const byName = new Map([...this.namedParams(), ...this.namedState()].map((p) => [p.name, p]));
    if (!options.partial) {
      const given = new Set(arrays.map((a) => a.name));
      const missing = [...byName.keys()].filter((k) => !given.has(k));
      if (missing.length) throw new Error(`setWeights: missing ${missing.join(", ")}`);
    }
    for (const a of arrays) {
      const p = byName.get(a.name);
      if (!p) throw new Error(`setWeights: the model has no tensor '${a.name}'`);
      if (a.shape.length !== p.variable.shape.length || a.shape.some((s, i) => s !== p.variable.shape[i])) {
        throw new Error(
          `setWeights: '${a.name}' has shape ${JSON.stringify(a.shape)}, the model expects ${JSON.stringify(p.variable.shape)}`,
        );
      }
      tf.tidy(() => p.variable.assign(tf.tensor(a.data, a.shape)));
    }
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    for (const l of this.layers) {
      l.W?.dispose();
      l.b?.dispose();
      if (l.bn) disposeBatchNorm(l.bn);
    }
    this.disposeFixed();
    for (const t of this.biasTargets?.values() ?? []) t.dispose();
    this.biasTargets = null;
  }
}
