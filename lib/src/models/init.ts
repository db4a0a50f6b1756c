/**
 * Weight initialisations (config.ts `InitConfig`), drawn from a seeded `Rng` in a fixed order.
 *
 * Layout: W is [fanIn, fanOut] (y = x·W, engine/dense.ts). Unit a of the layer has incoming weights W[:, a] (the row
 * J_a of the math-convention matrix Wᵀ) and bias b[a].
 */
import type { Rng } from "../util/random";
import type { Activation, InitConfig } from "./config";
import { heVarianceFactor } from "./activations";
import { randomOrthogonal } from "./matrix64";

/** One initialised layer: W [fanIn, fanOut] and b [fanOut], float32. */
export interface InitialLayer {
  W: Float32Array;
  b: Float32Array;
}

/** N(0, variance) entries. */
function normal32(rng: Rng, n: number, mean: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * rng.normal();
  return out;
}

function heInit(rng: Rng, fanIn: number, fanOut: number, gain: number, f: Activation): Float32Array {
  return normal32(rng, fanIn * fanOut, 0, gain * Math.sqrt(heVarianceFactor(f) / fanIn));
}

function orthogonalInit(rng: Rng, fanIn: number, fanOut: number, gain: number): Float32Array {
  const q = randomOrthogonal(rng, fanIn, fanOut); // orthonormal columns (fanIn ≥ fanOut) or rows
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = gain * q[i];
  return out;
}

/** ±I + eps·N(0, 1/n) for a square layer. */
function signedIdentity(rng: Rng, n: number, sign: number, eps: number): Float32Array {
  const w = normal32(rng, n * n, 0, eps / Math.sqrt(n));
  for (let i = 0; i < n; i++) w[i * n + i] += sign;
  return w;
}

/**
 * Initial W and b of a hidden layer [fanIn → fanOut] under `init`. Square-only inits (identity, neg-identity) fall
 * back to He on non-square layers (the input layer).
 */
export function initHiddenLayer(
  rng: Rng,
  init: InitConfig,
  fanIn: number,
  fanOut: number,
  f: Activation,
  biasInit: number,
): InitialLayer {
  const b = new Float32Array(fanOut).fill(biasInit);
  let W: Float32Array;
  switch (init.type) {
    case "he":
      W = heInit(rng, fanIn, fanOut, init.gain, f);
      break;
    case "orthogonal":
      W = orthogonalInit(rng, fanIn, fanOut, init.gain);
      break;
    case "identity":
    case "neg-identity":
      W =
        fanIn === fanOut
          ? signedIdentity(rng, fanIn, init.type === "identity" ? 1 : -1, init.eps)
          : heInit(rng, fanIn, fanOut, 1, f);
      break;
    case "negative-mean":
      W = normal32(rng, fanIn * fanOut, -init.mean, init.std ?? Math.sqrt(heVarianceFactor(f) / fanIn));
      break;
    case "duplicated": {
      W =
        init.base === "orthogonal"
          ? orthogonalInit(rng, fanIn, fanOut, init.gain)
          : heInit(rng, fanIn, fanOut, init.gain, f);
      duplicateUnits(rng, W, b, fanIn, fanOut, init.fraction);
      break;
    }
  }
  return { W, b };
}

/**
 * Overlap at init: round(fraction·fanOut/2) disjoint pairs (a, a′) of units, chosen by a seeded permutation, get
 * W[:, a′] = W[:, a] and b[a′] = b[a]. Returns the pairs.
 */
export function duplicateUnits(
  rng: Rng,
  W: Float32Array,
  b: Float32Array,
  fanIn: number,
  fanOut: number,
  fraction: number,
): [number, number][] {
  const pairs = Math.min(Math.floor(fanOut / 2), Math.round((fraction * fanOut) / 2));
  const perm = rng.permutation(fanOut);
  const out: [number, number][] = [];
  for (let p = 0; p < pairs; p++) {
    const a = perm[2 * p];
    const a2 = perm[2 * p + 1];
    for (let i = 0; i < fanIn; i++) W[i * fanOut + a2] = W[i * fanOut + a];
    b[a2] = b[a];
    out.push([a, a2]);
  }
  return out;
}

/** Read-out layer: LeCun normal N(0, 1/fan_in), zero bias. */
export function initReadout(rng: Rng, fanIn: number, fanOut: number): InitialLayer {
  return { W: normal32(rng, fanIn * fanOut, 0, Math.sqrt(1 / fanIn)), b: new Float32Array(fanOut) };
}
