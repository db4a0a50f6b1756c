/**
 * Paper 1's deep fully connected network (docs/spec/p1.md §1.2.3; config.ts `MlpConfig` documents every option).
 *
 *   z_l = W_l x_{l−1} + b_l            (dense, engine/dense.ts; BatchNorm on z_l at the chosen layers)
 *   x_l = f(z_l) + S_l(x_1, …, x_{l−1})  (S_1 = 0: the first layer maps input → width without skip)
 *   output = W_out x_L + b_out          (linear read-out)
 *
 * Random draws: weights from `Rng(subSeed(seed, "init"))` in layer order (hidden layers, then the read-out), fixed
 * skip matrices from a separate stream `subSeed(subSeed(seed, "init"), "skip")`, so two models with the same seed
 * and shapes start from the same weights whatever their skip type (plain vs residual comparisons share an init).
 */
import * as tf from "@tensorflow/tfjs";
import { dense } from "../engine/dense";
import { Rng, subSeed } from "../util/random";
import { activate } from "./activations";
import { batchNorm, createBatchNorm } from "./batchnorm";
import { type MlpConfig, type MlpConfigInput, degenerateZeros, mlpConfig } from "./config";
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
import { type SkipMatrix, applySkip, disposeSkip, makeSkipMatrix } from "./skip";

export class Mlp extends Network {
  readonly config: MlpConfig;
  readonly seed: number;
  readonly uid: string;
  readonly layers: ParamLayer[];
  /** Fixed skip maps: for `matrix`, skipMatrices[l] is Q_l (l = 2..L); for `hyper`/`orthogonal`, Q_k (k = 1..L−2). */
  readonly skipMatrices: Map<number, SkipMatrix> = new Map();
  /** Fixed per-unit symmetry breakers of hidden layer l (index l − 1), when the config has `unitBreaking`. */
  readonly unitBreakers: UnitBreakers[] = [];

  constructor(config: MlpConfigInput | MlpConfig, seed: number) {
    super();
    this.config = mlpConfig(config as MlpConfigInput);
    this.seed = seed;
    this.uid = nextModelUid();
    const c = this.config;
    const rng = new Rng(subSeed(seed, "init"));
    this.layers = [];
    for (let l = 1; l <= c.depth; l++) {
      const fanIn = l === 1 ? c.inputDim : c.width;
      const { W, b } = initHiddenLayer(rng, c.init, fanIn, c.width, c.activation, c.biasInit);
      this.layers.push(this.makeLayer(`L${l}`, W, b, [fanIn, c.width], c.batchNorm.includes(l)));
    }
    const ro = initReadout(rng, c.width, c.outputDim);
    this.layers.push(this.makeLayer("out", ro.W, ro.b, [c.width, c.outputDim], false));

    const skipRng = new Rng(subSeed(subSeed(seed, "init"), "skip"));
    const s = c.skip;
    if (s.type === "matrix") {
      for (let l = 2; l <= c.depth; l++) {
        this.skipMatrices.set(
          l,
          makeSkipMatrix(
            skipRng,
            s.matrix,
            c.width,
            s.matrix === "degenerate" ? degenerateZeros(c.width, s.zeroFraction) : 0,
            s.matrix === "blend" ? s.blend : 0,
            s.scale ?? 1,
          ),
        );
      }
    } else if (s.type === "hyper" && s.form === "orthogonal") {
      for (let k = 1; k <= c.depth - 2; k++) this.skipMatrices.set(k, makeSkipMatrix(skipRng, "orthogonal", c.width));
    }
    if (c.unitBreaking) {
      const ub = c.unitBreaking;
      const ubRng = new Rng(subSeed(subSeed(seed, "init"), "unit-breaking"));
      for (let l = 1; l <= c.depth; l++) {
        // per layer, in this order: offsets, gains, slopes (each drawn only when on)
        const n = c.width;
        const offsets = ub.offsetStd > 0 ? Float32Array.from(ubRng.normals(n, 0, ub.offsetStd)) : null;
        const gains =
          ub.gainSpread > 0
            ? Float32Array.from({ length: n }, () => 1 + ub.gainSpread * (2 * ubRng.uniform() - 1))
            : null;
        const slopes = ub.slopeMax > 0 ? Float32Array.from({ length: n }, () => ub.slopeMax * ubRng.uniform()) : null;
        this.unitBreakers.push({
          offsets: offsets ? tf.keep(tf.tensor1d(offsets)) : null,
          gains: gains ? tf.keep(tf.tensor1d(gains)) : null,
          slopes: slopes ? tf.keep(tf.tensor1d(slopes)) : null,
          values: { offsets, gains, slopes },
        });
      }
    }
  }

  private makeLayer(name: string, W: Float32Array, b: Float32Array, shape: [number, number], bn: boolean): ParamLayer {
    return {
      name,
      W: variableFrom(() => tf.tensor2d(W, shape), true, `${this.uid}/${name}.W`),
      b: variableFrom(() => tf.tensor1d(b), true, `${this.uid}/${name}.b`),
      bn: bn ? createBatchNorm(shape[1], `${this.uid}/${name}`) : null,
    };
  }

  forward(x: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
    const c = this.config;
    if (x.rank !== 2 || x.shape[1] !== c.inputDim) {
      throw new Error(`Mlp.forward: input must be [batch, ${c.inputDim}], got ${JSON.stringify(x.shape)}`);
    }
    const training = options.training ?? false;
    const update = options.updateStats ?? training;
    const rep = options.replicate;
    if (rep) {
      const layer = this.layers.find((l) => l.name === rep.layer);
      const k = rep.W.shape[0];
      if (!layer) throw new Error(`Mlp.forward: replicate names layer "${rep.layer}", which this model does not have`);
      if (rep.W.rank !== 3 || rep.W.shape[1] !== layer.W!.shape[0] || rep.W.shape[2] !== layer.W!.shape[1])
        throw new Error(
          `Mlp.forward: replicate.W must be [k, ${layer.W!.shape[0]}, ${layer.W!.shape[1]}], got ${JSON.stringify(rep.W.shape)}`,
        );
      if (x.shape[0] % k !== 0)
        throw new Error(`Mlp.forward: ${x.shape[0]} input rows cannot be split into ${k} replicas`);
      if (training) throw new Error("Mlp.forward: replicate needs evaluation mode (training: false)");
    }
    const activations: LayerActivation[] = [];
    const hidden: tf.Tensor2D[] = []; // x_1 … x_l
    let prev = x;
    let hyperSum: tf.Tensor2D | null = null; // Σ_{k=1}^{l−2} Q_k x_k
    for (let l = 1; l <= c.depth; l++) {
      const layer = this.layers[l - 1];
      let z =
        rep && rep.layer === layer.name
          ? replicaDense(prev, rep.W, layer.b as unknown as tf.Tensor1D)
          : dense(prev, layer.W as unknown as tf.Tensor2D, layer.b as unknown as tf.Tensor1D); // [B, n]
      if (layer.bn) z = batchNorm(z, layer.bn, training, update);
      const shift = options.zShift?.[layer.name];
      if (shift) z = tf.add(z, shift); // a probe for ∂L/∂z (ForwardOptions.zShift)
      const ub = this.unitBreakers[l - 1];
      let h: tf.Tensor2D;
      if (ub) {
        if (ub.offsets) z = tf.add(z, ub.offsets); // z + c_a
        h = ub.slopes
          ? (tf.sub(tf.relu(z), tf.mul(ub.slopes, tf.relu(tf.neg(z)))) as tf.Tensor2D) // max(z, α_a z), α_a ∈ [0, 1)
          : activate(z, c.activation);
        if (ub.gains) h = tf.mul(h, ub.gains); // g_a · f_a(·)
      } else {
        h = activate(z, c.activation);
      }
      let out = h;
      if (l >= 2) {
        const s = c.skip;
        if (s.type === "identity") {
          out = tf.add(h, prev); // x_l = f(z_l) + x_{l−1}
        } else if (s.type === "matrix") {
          out = tf.add(h, applySkip(prev, this.skipMatrices.get(l)!)); // x_l = f(z_l) + Q_l x_{l−1}
        } else if (s.type === "hyper") {
          out = tf.add(h, prev);
          if (l >= 3) {
            // x_l = f(z_l) + x_{l−1} + (1/(l−2)) Σ_{k=1}^{l−2} Q_k x_k
            const k = l - 2;
            const term = s.form === "orthogonal" ? applySkip(hidden[k - 1], this.skipMatrices.get(k)!) : hidden[k - 1];
            const sum: tf.Tensor2D = hyperSum ? tf.add(hyperSum, term) : term;
            hyperSum = sum;
            out = tf.add(out, k === 1 ? sum : tf.mul(sum, 1 / k));
          }
        }
      }
      hidden.push(out);
      if (options.returnActivations) activations.push({ name: layer.name, z, h, x: out });
      prev = out;
    }
    const ro = this.layers[c.depth];
    const output = dense(prev, ro.W as unknown as tf.Tensor2D, ro.b as unknown as tf.Tensor1D);
    return { output, activations };
  }

  protected override disposeFixed(): void {
    for (const s of this.skipMatrices.values()) disposeSkip(s);
    this.skipMatrices.clear();
    for (const u of this.unitBreakers) for (const t of [u.offsets, u.gains, u.slopes]) t?.dispose();
    this.unitBreakers.length = 0;
  }
}

/** One hidden layer's fixed per-unit breakers (config.ts `UnitBreakingConfig`): tensors [n] (null when off), and their values. */
export interface UnitBreakers {
  offsets: tf.Tensor1D | null;
  gains: tf.Tensor1D | null;
  slopes: tf.Tensor1D | null;
  values: { offsets: Float32Array | null; gains: Float32Array | null; slopes: Float32Array | null };
}

/** x [k·B, in] times k matrices W [k, in, out] (copy j acts on rows jB…(j+1)B−1), plus b: [k·B, out]. */
function replicaDense(x: tf.Tensor2D, W: tf.Tensor3D, b: tf.Tensor1D): tf.Tensor2D {
  const [k, fanIn, fanOut] = W.shape;
  const rows = x.shape[0] / k;
  const z = tf.matMul(tf.reshape(x, [k, rows, fanIn]) as tf.Tensor3D, W);
  return tf.add(tf.reshape(z, [k * rows, fanOut]), b) as tf.Tensor2D;
}
