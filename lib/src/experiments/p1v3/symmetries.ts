/**
 * v3-A computed (docs/spec/p1.md §1.4): the symmetries of a small net's units, and what a skip connection does to
 * them. The first versions of paper 1 ("Skip Connections as Effective Symmetry-Breaking", v1–v4) say in their abstract
 * that skips between adjacent layers break the permutation symmetry of a layer's units and that DenseNet-like skips
 * also break the rescaling symmetry of the connectivity matrices [FOUND: abstract]. Only the abstract was found:
 * the nets, the actions, the singular configurations, the counts and every threshold here are **ours**.
 *
 * Net (ours; float64, hand-written Jacobian, no tfjs): x ∈ Rⁿ, `depth` hidden layers of n units, read-out to K:
 *   z_l = W_l x_{l−1} + b_l                           W_l: [n, n], row a = unit a's incoming weights J_a
 *   plain     x_l = f_l(z_l)
 *   residual  x_l = f_l(z_l) + x_{l−1}                (identity skip, added after f: the project's convention)
 *   dense     x_l = f_l(z_l) + Σ_{k<l} x_k            (every earlier layer fed to every later one, DenseNet-like)
 *   y = W_o x_L + b_o                                  W_o: [K, n]
 * Unit a's outgoing weights w_a are column a of W_2 (the first hidden layer is the layer under study).
 *
 * Each case is an action on the parameters (and, for the singularities, the configuration it acts on):
 *   permutation        swap units a, b of layer 1 (rows of W_1, entries of b_1, columns of W_2)       f = tanh
 *   rescaling          W_1, b_1 → c·W_1, c·b_1; W_2 → W_2 / c (c > 0, positively homogeneous f)        f = ReLU
 *   elimination (J)    at J_a = 0, b_a = 0 (h_a ≡ f(0) = 0): give w_a new random values                  f = tanh
 *   elimination (w)    at w_a = 0: give J_a, b_a new random values                                     f = tanh
 *   overlap            at J_b = J_a, b_b = b_a (h_a ≡ h_b): w_a → w_a + v, w_b → w_b − v               f = tanh
 *   linear dependence  at J_c = αJ_a + βJ_b, b_c = αb_a + βb_b, linear layer 1 (h_c ≡ αh_a + βh_b):
 *                      (w_a, w_b, w_c) → (w_a, w_b, w_c) + (α, β, −1) ⊗ v                             f₁ = id, f₂ = tanh
 * Measured: max |Δy| over a batch of Gaussian inputs (plain: round-off; with a skip: O(1)).
 *
 * Identifiability: the Jacobian J of all outputs (N inputs × K outputs) with respect to all parameters; its null
 * space is the set of first-order non-identifiable parameter directions. Null count = #{σ(J) < relTol·σ_max}
 * (float64 SVD, linalg/svd.ts, JS backend so that every machine gives the same count; `v3SymNullSpace` says why
 * the SVD of J and not the eigenvalues of JᵀJ). Excess = count at the configuration − count at the same net's
 * generic parameters.
 *
 * The dense net differs from the residual one, at depth 2, only by x₀ fed into x₂; x₀ reaches the outputs through
 * W_o, which no action touches, so the two nets give the same |Δy| for every action here (and the same counts).
 */
import { svdvals } from "../../linalg/svd";
import type { Measured, Preregistration } from "../../report/prereg";
import { exactEffect } from "../../report/verdict";
import { Rng, subSeed } from "../../util/random";
import type { Scale } from "../../report/context";

export type V3SymArch = "plain" | "residual" | "dense";
export const V3SYM_ARCHS: readonly V3SymArch[] = ["plain", "residual", "dense"];
export type V3SymAct = "tanh" | "relu" | "linear";
export type V3SymScale = Scale;

export interface V3SymNet {
  /** Input dimension = width of every hidden layer (identity skips need equal widths). */
  n: number;
  /** Hidden layers (≥ 2: the actions touch layers 1 and 2). */
  depth: number;
  /** Read-out dimension K. */
  outputs: number;
  /** One activation per hidden layer. */
  acts: V3SymAct[];
  arch: V3SymArch;
}

/** Offsets in the flat parameter vector: per hidden layer W_l [n, n] row-major then b_l [n]; then W_o [K, n], b_o [K]. */
export interface V3SymLayout {
  W: number[];
  b: number[];
  Wo: number;
  bo: number;
  dim: number;
}

export function v3SymLayout(net: Pick<V3SymNet, "n" | "depth" | "outputs">): V3SymLayout {
  const { n, depth, outputs: K } = net;
  const W: number[] = [];
  const b: number[] = [];
  let o = 0;
  for (let l = 0; l < depth; l++) {
    W.push(o);
    b.push(o + n * n);
    o += n * n + n;
  }
  return { W, b, Wo: o, bo: o + K * n, dim: o + K * n + K };
}

/** A readable name of every flat index: "W₁[a,2]", "b₁[a]", "W₂[3,a]", "W_o[1,2]" (units of layers 1–2 as letters). */
export function v3SymParamNames(net: Pick<V3SymNet, "n" | "depth" | "outputs">): string[] {
  const L = v3SymLayout(net);
  const names = new Array<string>(L.dim);
  const sub = (i: number) => String(i + 1);
  const unit = (l: number, i: number) => (l === 0 ? String.fromCharCode(97 + i) : sub(i));
  for (let l = 0; l < net.depth; l++) {
    const ls = "₁₂₃₄₅₆₇₈₉"[l] ?? String(l + 1);
    for (let i = 0; i < net.n; i++) {
      for (let j = 0; j < net.n; j++) names[L.W[l] + i * net.n + j] = `W${ls}[${unit(l, i)},${unit(l - 1, j)}]`;
      names[L.b[l] + i] = `b${ls}[${unit(l, i)}]`;
    }
  }
  for (let k = 0; k < net.outputs; k++) {
    for (let j = 0; j < net.n; j++) names[L.Wo + k * net.n + j] = `W_o[${k + 1},${j + 1}]`;
    names[L.bo + k] = `b_o[${k + 1}]`;
  }
  return names;
}

const act = (f: V3SymAct, z: number) => (f === "tanh" ? Math.tanh(z) : f === "relu" ? (z > 0 ? z : 0) : z);
const dact = (f: V3SymAct, z: number) => {
  if (f === "tanh") {
    const t = Math.tanh(z);
    return 1 - t * t;
  }
  return f === "relu" ? (z > 0 ? 1 : 0) : 1;
};

function checkNet(net: V3SymNet, theta: Float64Array): V3SymLayout {
  if (net.depth < 1 || net.acts.length !== net.depth) throw new Error(`v3Sym: need one activation per hidden layer`);
  const L = v3SymLayout(net);
  if (theta.length !== L.dim) throw new Error(`v3Sym: θ has ${theta.length} entries, the net ${L.dim}`);
  return L;
}

/** The outputs on a batch x [N, n] (row-major): [N, K]. */
export function v3SymForward(net: V3SymNet, theta: Float64Array, x: Float64Array): Float64Array {
  const L = checkNet(net, theta);
  const { n, depth, outputs: K } = net;
  const N = x.length / n;
  const y = new Float64Array(N * K);
  const xs = Array.from({ length: depth + 1 }, () => new Float64Array(n));
  for (let s = 0; s < N; s++) {
    forwardOne(net, L, theta, x.subarray(s * n, (s + 1) * n), xs, null);
    for (let k = 0; k < K; k++) {
      let v = theta[L.bo + k];
      for (let j = 0; j < n; j++) v += theta[L.Wo + k * n + j] * xs[depth][j];
      y[s * K + k] = v;
    }
  }
  return y;
}

/** One sample's layer outputs xs[0..depth] (and pre-activations zs[1..depth] when given). */
function forwardOne(
  net: V3SymNet,
  L: V3SymLayout,
  theta: Float64Array,
  x0: Float64Array,
  xs: Float64Array[],
  zs: Float64Array[] | null,
): void {
  const { n, depth } = net;
  xs[0].set(x0);
  for (let l = 1; l <= depth; l++) {
    const W = L.W[l - 1];
    const b = L.b[l - 1];
    const prev = xs[l - 1];
    const out = xs[l];
    for (let i = 0; i < n; i++) {
      let z = theta[b + i];
      for (let j = 0; j < n; j++) z += theta[W + i * n + j] * prev[j]; // z_l = W_l x_{l−1} + b_l
      if (zs) zs[l][i] = z;
      let v = act(net.acts[l - 1], z);
      if (net.arch === "residual") v += prev[i];
      else if (net.arch === "dense") for (let k = 0; k < l; k++) v += xs[k][i];
      out[i] = v;
    }
  }
}

/**
 * The Jacobian of all outputs with respect to all parameters, [N·K, P] row-major (row s·K + k = ∂y_k(x_s)/∂θ), by
 * reverse mode per (sample, output): g_L = W_o[k,:]; for l = L…1, δ_l = g_l ⊙ f′(z_l), ∂W_l = δ_l x_{l−1}ᵀ,
 * g_{l−1} += W_lᵀ δ_l, plus g_l itself into g_{l−1} (residual) or into every g_k, k < l (dense).
 */
export function v3SymJacobian(net: V3SymNet, theta: Float64Array, x: Float64Array): Float64Array {
  const L = checkNet(net, theta);
  const { n, depth, outputs: K } = net;
  const N = x.length / n;
  const P = L.dim;
  const J = new Float64Array(N * K * P);
  const xs = Array.from({ length: depth + 1 }, () => new Float64Array(n));
  const zs = Array.from({ length: depth + 1 }, () => new Float64Array(n));
  const g = Array.from({ length: depth + 1 }, () => new Float64Array(n));
  const delta = new Float64Array(n);
  for (let s = 0; s < N; s++) {
    forwardOne(net, L, theta, x.subarray(s * n, (s + 1) * n), xs, zs);
    for (let k = 0; k < K; k++) {
      const row = J.subarray((s * K + k) * P, (s * K + k + 1) * P);
      for (let j = 0; j < n; j++) row[L.Wo + k * n + j] = xs[depth][j];
      row[L.bo + k] = 1;
      for (const v of g) v.fill(0);
      for (let j = 0; j < n; j++) g[depth][j] = theta[L.Wo + k * n + j];
      for (let l = depth; l >= 1; l--) {
        const W = L.W[l - 1];
        const b = L.b[l - 1];
        for (let i = 0; i < n; i++) delta[i] = g[l][i] * dact(net.acts[l - 1], zs[l][i]);
        for (let i = 0; i < n; i++) {
          row[b + i] = delta[i];
          for (let j = 0; j < n; j++) {
            row[W + i * n + j] = delta[i] * xs[l - 1][j];
            g[l - 1][j] += theta[W + i * n + j] * delta[i];
          }
        }
        if (net.arch === "residual") for (let j = 0; j < n; j++) g[l - 1][j] += g[l][j];
        else if (net.arch === "dense") for (let k2 = 0; k2 < l; k2++) for (let j = 0; j < n; j++) g[k2][j] += g[l][j];
      }
    }
  }
  return J;
}

export interface V3SymNullSpace {
  /** Null-space dimension: singular values of J below relTol·σ_max (and P − rows if J is wide). */
  count: number;
  /** Largest singular value counted as null and smallest counted as non-null, relative to σ_max (the gap). */
  largestNull: number;
  smallestNonNull: number;
  /** The singular values of J, descending. */
  singularValues: Float64Array;
}

/**
 * The null-space dimension of J [rows, P]: singular values σ of J (one-sided Jacobi after pivoted QR, linalg/svd.ts,
 * JS backend) below relTol·σ_max, plus P − rows if J is wide. The SVD of J rather than the eigenvalues of JᵀJ: both
 * are exact decompositions in float64, but forming JᵀJ squares the spread of the spectrum, so that exact nulls
 * (~1e-16 relative in either) and the smallest genuine values (σ² ~ 1e-12 relative on rare draws) come within a
 * few orders of magnitude of each other; on σ the same draws leave a gap of ~9 orders.
 */
export function v3SymNullSpace(J: Float64Array, P: number, relTol: number): V3SymNullSpace {
  const rows = J.length / P;
  const sv = svdvals(J, rows, P, { backend: "js" });
  const top = sv[0] ?? 0;
  const tau = relTol * top;
  let count = Math.max(0, P - rows);
  let largestNull = 0;
  let smallestNonNull = Infinity;
  for (const v of sv) {
    if (v < tau) {
      count++;
      largestNull = Math.max(largestNull, v / top);
    } else smallestNonNull = Math.min(smallestNonNull, v / top);
  }
  return { count, largestNull, smallestNonNull, singularValues: sv };
}

/** ‖J v‖ / (‖J‖₂ ‖v‖), ‖J‖₂ = σ_max: how far a direction is from the null space (0 = exactly null). */
export function v3SymRelativeResidual(J: Float64Array, P: number, v: Float64Array, sigmaMax: number): number {
  const rows = J.length / P;
  let s = 0;
  for (let r = 0; r < rows; r++) {
    let d = 0;
    for (let i = 0; i < P; i++) d += J[r * P + i] * v[i];
    s += d * d;
  }
  let vv = 0;
  for (const t of v) vv += t * t;
  return Math.sqrt(s / vv) / sigmaMax;
}

// ---------------------------------------------------------------------------------------------------------------
// The cases: configurations and actions

export type V3SymCaseId =
  "permutation" | "rescaling" | "elimination-J" | "elimination-w" | "overlap" | "linear-dependence";
export const V3SYM_CASES: readonly V3SymCaseId[] = [
  "permutation",
  "rescaling",
  "elimination-J",
  "elimination-w",
  "overlap",
  "linear-dependence",
];
/** The singular configurations (cases that are not pure symmetries of every parameter point). */
export const V3SYM_SINGULAR: readonly V3SymCaseId[] = [
  "elimination-J",
  "elimination-w",
  "overlap",
  "linear-dependence",
];

/** Units a, b, c of hidden layer 1. */
const A = 0;
const B = 1;
const C = 2;

export interface V3SymCaseInfo {
  label: string;
  /** The configuration, in words ("" for none). */
  configuration: string;
  action: string;
  /** Activation of hidden layer 1; later layers use `rest`. */
  first: V3SymAct;
  rest: V3SymAct;
}

export const V3SYM_CASE_INFO: Record<V3SymCaseId, V3SymCaseInfo> = {
  permutation: {
    label: "permutation",
    configuration: "",
    action: "swap units a ↔ b of layer 1 (rows of W₁, entries of b₁, columns of W₂)",
    first: "tanh",
    rest: "tanh",
  },
  rescaling: {
    label: "rescaling",
    configuration: "",
    action: "W₁, b₁ → c·W₁, c·b₁ and W₂ → W₂/c (ReLU units)",
    first: "relu",
    rest: "relu",
  },
  "elimination-J": {
    label: "elimination (J_a = 0)",
    configuration: "J_a = 0, b_a = 0: h_a ≡ tanh(0) = 0",
    action: "w_a (column a of W₂) → new random values",
    first: "tanh",
    rest: "tanh",
  },
  "elimination-w": {
    label: "elimination (w_a = 0)",
    configuration: "w_a = 0 (column a of W₂)",
    action: "J_a, b_a → new random values",
    first: "tanh",
    rest: "tanh",
  },
  overlap: {
    label: "overlap (J_a = J_b)",
    configuration: "J_b = J_a, b_b = b_a: h_a ≡ h_b",
    action: "w_a → w_a + v, w_b → w_b − v (v random)",
    first: "tanh",
    rest: "tanh",
  },
  "linear-dependence": {
    label: "linear dependence",
    configuration: "layer 1 linear, J_c = αJ_a + βJ_b, b_c = αb_a + βb_b: h_c ≡ αh_a + βh_b",
    action: "(w_a, w_b, w_c) → (w_a, w_b, w_c) + (α, β, −1) ⊗ v (v random)",
    first: "linear",
    rest: "tanh",
  },
};

/** Settings per scale (every value ours). */
export interface V3SymSetup {
  /** Input dimension = width of each hidden layer. 3 as in the schematic (units a, b, c); paper: 4. */
  n: number;
  /** Hidden layers: 2, so that layer 1 has both incoming (W₁) and outgoing (W₂) hidden weights. */
  depth: number;
  /** Read-out dimension K (2: a vector output, so the overlap's w_a − w_b trade is a direction per next-layer unit). */
  outputs: number;
  /** Inputs x ~ N(0, I_n) per seed: N·K rows ≫ P parameters, so the Jacobian's rank is not limited by the data. */
  samples: number;
  /** Weights W ~ N(0, gain²/n): 1.5 puts tanh units out of their linear range (a near-linear net is near-degenerate). */
  gain: number;
  /** Biases ~ N(0, biasStd²). */
  biasStd: number;
  /** The rescaling factor c (not a power of 2, so rounding is exercised). */
  rescale: number;
  /** Linear dependence J_c = αJ_a + βJ_b. */
  alpha: number;
  beta: number;
  /**
   * Null threshold on the singular values of J, relative to the largest. Exact nulls come out ≤ 1e-15 relative in
   * float64, and the smallest genuine singular values of these nets ≥ 1e-8 (a scan of seeds 0–199 at n = 3 and 4,
   * made while choosing the setup); 1e-11 sits 3–4 orders of magnitude from both (the gap is reported per run).
   */
  relTol: number;
  /** An action is "exact" when max |Δy| < invariantTol and "breaks" when it is > breakTol (absolute; outputs are O(1)). */
  invariantTol: number;
  breakTol: number;
  /** A seed draws one random net, its inputs and the random action vectors. */
  seeds: { exploration: number[]; confirmation: number[] };
}

export function v3SymSetup(scale: V3SymScale): V3SymSetup {
  const base: V3SymSetup = {
    n: 3,
    depth: 2,
    outputs: 2,
    samples: 64,
    gain: 1.5,
    biasStd: 0.5,
    rescale: 2.7,
    alpha: 0.6,
    beta: -1.3,
    relTol: 1e-11,
    invariantTol: 1e-12,
    breakTol: 1e-6,
    seeds: { exploration: [0, 1], confirmation: [1000, 1001, 1002, 1003, 1004] },
  };
  if (scale === "smoke") return { ...base, samples: 32, seeds: { exploration: [0], confirmation: [1000, 1001] } };
  if (scale === "paper")
    return {
      ...base,
      n: 4,
      seeds: { exploration: [0, 1, 2], confirmation: Array.from({ length: 20 }, (_, i) => 1000 + i) },
    };
  return base;
}

/** The net of a case. */
export function v3SymNet(setup: V3SymSetup, kase: V3SymCaseId, arch: V3SymArch): V3SymNet {
  const info = V3SYM_CASE_INFO[kase];
  return {
    n: setup.n,
    depth: setup.depth,
    outputs: setup.outputs,
    acts: Array.from({ length: setup.depth }, (_, l) => (l === 0 ? info.first : info.rest)),
    arch,
  };
}

/** One seed's generic parameters (the same for every case and architecture) and inputs. */
export function v3SymDraw(setup: V3SymSetup, seed: number): { theta: Float64Array; x: Float64Array } {
  const L = v3SymLayout(setup);
  const rng = new Rng(subSeed(seed, "v3sym-params"));
  const theta = new Float64Array(L.dim);
  const { n } = setup;
  for (let l = 0; l < setup.depth; l++) {
    for (let i = 0; i < n * n; i++) theta[L.W[l] + i] = (rng.normal() * setup.gain) / Math.sqrt(n);
    for (let i = 0; i < n; i++) theta[L.b[l] + i] = rng.normal() * setup.biasStd;
  }
  for (let i = 0; i < setup.outputs * n; i++) theta[L.Wo + i] = rng.normal() / Math.sqrt(n);
  for (let i = 0; i < setup.outputs; i++) theta[L.bo + i] = rng.normal() * setup.biasStd;
  const x = new Rng(subSeed(seed, "v3sym-inputs")).normals(setup.samples * n);
  return { theta, x };
}

const w1 = (s: V3SymSetup, L: V3SymLayout, i: number, j: number) => L.W[0] + i * s.n + j; // W₁[i, j]
const w2 = (s: V3SymSetup, L: V3SymLayout, i: number, j: number) => L.W[1] + i * s.n + j; // W₂[i, j]

/** The singular configuration of a case (a copy; the generic θ for the pure symmetries). */
export function v3SymConfigure(setup: V3SymSetup, kase: V3SymCaseId, theta: Float64Array): Float64Array {
  const L = v3SymLayout(setup);
  const t = Float64Array.from(theta);
  const { n } = setup;
  if (kase === "elimination-J") {
    for (let j = 0; j < n; j++) t[w1(setup, L, A, j)] = 0;
    t[L.b[0] + A] = 0;
  } else if (kase === "elimination-w") {
    for (let i = 0; i < n; i++) t[w2(setup, L, i, A)] = 0;
  } else if (kase === "overlap") {
    for (let j = 0; j < n; j++) t[w1(setup, L, B, j)] = t[w1(setup, L, A, j)];
    t[L.b[0] + B] = t[L.b[0] + A];
  } else if (kase === "linear-dependence") {
    const { alpha: al, beta: be } = setup;
    for (let j = 0; j < n; j++) t[w1(setup, L, C, j)] = al * t[w1(setup, L, A, j)] + be * t[w1(setup, L, B, j)];
    t[L.b[0] + C] = al * t[L.b[0] + A] + be * t[L.b[0] + B];
  }
  return t;
}

/** The case's action on θ (a copy), with its random vectors drawn from `seed`. */
export function v3SymAct(setup: V3SymSetup, kase: V3SymCaseId, theta: Float64Array, seed: number): Float64Array {
  const L = v3SymLayout(setup);
  const t = Float64Array.from(theta);
  const { n } = setup;
  const rng = new Rng(subSeed(seed, `v3sym-action-${kase}`));
  const v = rng.normals(n, 0, 1 / Math.sqrt(n));
  if (kase === "permutation") {
    for (let j = 0; j < n; j++) swap(t, w1(setup, L, A, j), w1(setup, L, B, j));
    swap(t, L.b[0] + A, L.b[0] + B);
    for (let i = 0; i < n; i++) swap(t, w2(setup, L, i, A), w2(setup, L, i, B));
  } else if (kase === "rescaling") {
    const c = setup.rescale;
    for (let i = 0; i < n * n; i++) t[L.W[0] + i] *= c;
    for (let i = 0; i < n; i++) t[L.b[0] + i] *= c;
    for (let i = 0; i < n * n; i++) t[L.W[1] + i] /= c;
  } else if (kase === "elimination-J") {
    for (let i = 0; i < n; i++) t[w2(setup, L, i, A)] = v[i] * setup.gain;
  } else if (kase === "elimination-w") {
    for (let j = 0; j < n; j++) t[w1(setup, L, A, j)] = v[j] * setup.gain;
    t[L.b[0] + A] = rng.normal() * setup.biasStd;
  } else if (kase === "overlap") {
    for (let i = 0; i < n; i++) {
      t[w2(setup, L, i, A)] += v[i];
      t[w2(setup, L, i, B)] -= v[i];
    }
  } else {
    for (let i = 0; i < n; i++) {
      t[w2(setup, L, i, A)] += setup.alpha * v[i];
      t[w2(setup, L, i, B)] += setup.beta * v[i];
      t[w2(setup, L, i, C)] -= v[i];
    }
  }
  return t;
}

function swap(t: Float64Array, i: number, j: number): void {
  const s = t[i];
  t[i] = t[j];
  t[j] = s;
}

/**
 * The directions a singular configuration is predicted to free in the plain net (§1.2.2, DERIVED): J_a = 0 frees
 * each entry of w_a; w_a = 0 frees each entry of J_a and b_a; overlap frees e_{W₂[i,a]} − e_{W₂[i,b]}; linear
 * dependence frees α e_{W₂[i,a]} + β e_{W₂[i,b]} − e_{W₂[i,c]}, for every unit i of layer 2.
 */
export function v3SymPredictedDirections(setup: V3SymSetup, kase: V3SymCaseId): Float64Array[] {
  const L = v3SymLayout(setup);
  const { n } = setup;
  const unit = (entries: Array<[number, number]>) => {
    const v = new Float64Array(L.dim);
    for (const [i, s] of entries) v[i] += s;
    return v;
  };
  const rows = Array.from({ length: n }, (_, i) => i);
  if (kase === "elimination-J") return rows.map((i) => unit([[w2(setup, L, i, A), 1]]));
  if (kase === "elimination-w") return [...rows.map((j) => unit([[w1(setup, L, A, j), 1]])), unit([[L.b[0] + A, 1]])];
  if (kase === "overlap")
    return rows.map((i) =>
      unit([
        [w2(setup, L, i, A), 1],
        [w2(setup, L, i, B), -1],
      ]),
    );
  if (kase === "linear-dependence")
    return rows.map((i) =>
      unit([
        [w2(setup, L, i, A), setup.alpha],
        [w2(setup, L, i, B), setup.beta],
        [w2(setup, L, i, C), -1],
      ]),
    );
  return [];
}

/**
 * Predicted excess null directions of a singular configuration over the generic net (§1.2.2, DERIVED, first order,
 * for the activations of V3SYM_CASE_INFO):
 *   J_a = 0     plain n + 1: the n entries of w_a (h_a ≡ 0), and one bias trade: h_a = tanh(b_a) is constant, so a
 *               shift of b_a is absorbed by b₂ −= w_a·tanh′(0)·δ (J_a stays identifiable: tanh′(0) = 1);
 *               skip 1: h_a = tanh(b_a) + x_a makes w_a identifiable, but the constant part can still be shifted
 *               (absorbed by b₂ and, through the skip, by the read-out bias);
 *   w_a = 0     plain n + 1 (J_a, b_a: nothing downstream sees unit a); skip 0 (h_a also reaches layer 2 through
 *               the skip, past W₂);
 *   overlap     plain n (w_a − w_b, one per layer-2 unit); skip 0 (h_a − h_b = x_a − x_b ≠ 0);
 *   linear dependence  0 for every net: a layer of linear units already has the symmetry J → A·J, w → w·A⁻¹
 *               (A invertible) at generic parameters, and the (α, β, −1) trades are among its directions, so the
 *               dependence adds none (as in notebook 02). The skip removes most of those generic directions.
 */
export function v3SymPredictedExcess(setup: V3SymSetup, kase: V3SymCaseId, arch: V3SymArch): number {
  const n = setup.n;
  const plain = arch === "plain";
  if (kase === "elimination-J") return plain ? n + 1 : 1;
  if (kase === "elimination-w") return plain ? n + 1 : 0;
  if (kase === "overlap") return plain ? n : 0;
  return 0;
}

/** max |a − b|. */
function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export interface V3SymNullRecord {
  /** Null count at the configuration and at the same net's generic parameters, and their difference. */
  count: number;
  generic: number;
  excess: number;
  /** Gap of the count at the configuration (relative singular values; see V3SymNullSpace). */
  largestNull: number;
  smallestNonNull: number;
  /** Worst relative residual ‖Jv‖/(‖J‖‖v‖) of the predicted directions (0: all exactly null). */
  predictedResidual: number;
}

/** One seed: max |Δy| per case and architecture, and the null-space records per singular configuration. */
export interface V3SymRun {
  seed: number;
  delta: Record<V3SymCaseId, Record<V3SymArch, number>>;
  nulls: Record<string, Record<V3SymArch, V3SymNullRecord>>;
  /** Parameters P of the net. */
  params: number;
  seconds: number;
}

export function v3SymRun(setup: V3SymSetup, seed: number): V3SymRun {
  const t0 = performance.now();
  const { theta, x } = v3SymDraw(setup, seed);
  const P = v3SymLayout(setup).dim;
  const delta = {} as V3SymRun["delta"];
  const nulls: V3SymRun["nulls"] = {};
  // the generic net's count depends only on the activations and the architecture: computed once per pair
  const genericCounts = new Map<string, number>();
  const genericCount = (net: V3SymNet) => {
    const key = `${net.arch}:${net.acts.join(",")}`;
    if (!genericCounts.has(key))
      genericCounts.set(key, v3SymNullSpace(v3SymJacobian(net, theta, x), P, setup.relTol).count);
    return genericCounts.get(key)!;
  };
  for (const kase of V3SYM_CASES) {
    delta[kase] = {} as Record<V3SymArch, number>;
    const before = v3SymConfigure(setup, kase, theta);
    const after = v3SymAct(setup, kase, before, seed);
    for (const arch of V3SYM_ARCHS) {
      const net = v3SymNet(setup, kase, arch);
      delta[kase][arch] = maxAbsDiff(v3SymForward(net, before, x), v3SymForward(net, after, x));
    }
    if (!V3SYM_SINGULAR.includes(kase)) continue;
    nulls[kase] = {} as Record<V3SymArch, V3SymNullRecord>;
    const dirs = v3SymPredictedDirections(setup, kase);
    for (const arch of V3SYM_ARCHS) {
      const net = v3SymNet(setup, kase, arch);
      const Jc = v3SymJacobian(net, before, x);
      const at = v3SymNullSpace(Jc, P, setup.relTol);
      const generic = genericCount(net);
      const top = at.singularValues[0];
      nulls[kase][arch] = {
        count: at.count,
        generic,
        excess: at.count - generic,
        largestNull: at.largestNull,
        smallestNonNull: at.smallestNonNull,
        predictedResidual: Math.max(0, ...dirs.map((v) => v3SymRelativeResidual(Jc, P, v, top))),
      };
    }
  }
  return { seed, delta, nulls, params: P, seconds: (performance.now() - t0) / 1000 };
}

/** Every seed of the registration (exploration, then confirmation). */
export function v3SymRuns(setup: V3SymSetup): Map<number, V3SymRun> {
  return new Map(
    [...setup.seeds.exploration, ...setup.seeds.confirmation].map((seed) => [seed, v3SymRun(setup, seed)]),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Tables for the notebook

const fmtVec = (v: ArrayLike<number>) =>
  `(${Array.from(v, (t) => (Math.abs(t) < 5e-4 ? "0" : t.toFixed(3))).join(", ")})`;

/** One row per parameter block an action changes: the block before and after (one seed). */
export type V3SymParamRow = {
  case: string;
  parameters: string;
  before: string;
  after: string;
};

/**
 * The parameters an action touches, before (at the configuration) and after, on one seed's net: J = rows of W₁ with
 * b₁, w = columns of W₂ (the computed example of each symmetry's action).
 */
export function v3SymParamTable(setup: V3SymSetup, seed: number): V3SymParamRow[] {
  const { theta } = v3SymDraw(setup, seed);
  const L = v3SymLayout(setup);
  const { n } = setup;
  const letter = (i: number) => String.fromCharCode(97 + i);
  const J = (t: Float64Array, i: number) => [...t.subarray(w1(setup, L, i, 0), w1(setup, L, i, 0) + n), t[L.b[0] + i]];
  const w = (t: Float64Array, i: number) => Array.from({ length: n }, (_, r) => t[w2(setup, L, r, i)]);
  const rows: V3SymParamRow[] = [];
  for (const kase of V3SYM_CASES) {
    const before = v3SymConfigure(setup, kase, theta);
    const after = v3SymAct(setup, kase, before, seed);
    const units =
      kase === "permutation" || kase === "overlap"
        ? [A, B]
        : kase === "linear-dependence"
          ? [A, B, C]
          : kase === "rescaling"
            ? Array.from({ length: n }, (_, i) => i)
            : [A];
    for (const u of units) {
      const show = (name: string, f: (t: Float64Array, i: number) => number[]) => {
        const [p, q] = [f(before, u), f(after, u)];
        if (kase !== "rescaling" && kase !== "permutation" && p.every((v, i) => v === q[i])) return;
        rows.push({ case: V3SYM_CASE_INFO[kase].label, parameters: name, before: fmtVec(p), after: fmtVec(q) });
      };
      show(`(J_${letter(u)}, b_${letter(u)})`, J);
      show(`w_${letter(u)}`, w);
    }
  }
  return rows;
}

/** Worst case over seeds of max |Δy|, per case and architecture: for a table. */
export function v3SymDeltaTable(
  runs: ReadonlyMap<number, V3SymRun>,
  seeds: readonly number[],
): Array<Record<string, string | number>> {
  return V3SYM_CASES.map((kase) => {
    const row: Record<string, string | number> = {
      case: V3SYM_CASE_INFO[kase].label,
      action: V3SYM_CASE_INFO[kase].action,
    };
    for (const arch of V3SYM_ARCHS) {
      const v = seeds.map((s) => of(runs, s).delta[kase][arch]);
      row[`${arch}: max |Δy| (largest, smallest over seeds)`] =
        `${Math.max(...v).toExponential(1)}, ${Math.min(...v).toExponential(1)}`;
    }
    return row;
  });
}

/** The null counts per singular configuration and architecture (a range where the seeds differ). */
export function v3SymNullTable(
  setup: V3SymSetup,
  runs: ReadonlyMap<number, V3SymRun>,
  seeds: readonly number[],
): Array<Record<string, string | number>> {
  const range = (v: number[]) =>
    Math.min(...v) === Math.max(...v) ? String(v[0]) : `${Math.min(...v)}–${Math.max(...v)}`;
  return V3SYM_SINGULAR.map((kase) => {
    const row: Record<string, string | number> = {
      configuration: V3SYM_CASE_INFO[kase].label,
      "predicted excess (plain / skip)": `${v3SymPredictedExcess(setup, kase, "plain")} / ${v3SymPredictedExcess(setup, kase, "residual")}`,
    };
    for (const arch of V3SYM_ARCHS) {
      const r = seeds.map((s) => of(runs, s).nulls[kase][arch]);
      row[`${arch}: null (generic → here)`] = `${range(r.map((q) => q.generic))} → ${range(r.map((q) => q.count))}`;
      row[`${arch}: excess`] = range(r.map((q) => q.excess));
    }
    const gaps = seeds.flatMap((s) => V3SYM_ARCHS.map((a) => of(runs, s).nulls[kase][a]));
    row["gap: largest null / smallest non-null σ (relative)"] =
      `${Math.max(...gaps.map((g) => g.largestNull)).toExponential(0)} / ${Math.min(...gaps.map((g) => g.smallestNonNull)).toExponential(0)}`;
    row["predicted directions ‖Jv‖/‖J‖‖v‖: plain / skip (worst)"] =
      `${Math.max(...seeds.map((s) => of(runs, s).nulls[kase].plain.predictedResidual)).toExponential(0)} / ${Math.min(...seeds.flatMap((s) => [of(runs, s).nulls[kase].residual.predictedResidual, of(runs, s).nulls[kase].dense.predictedResidual])).toExponential(0)}`;
    return row;
  });
}

/** Short labels of the singular configurations, for figure axes. */
export const V3SYM_SHORT_LABEL: Record<V3SymCaseId, string> = {
  permutation: "permutation",
  rescaling: "rescaling",
  "elimination-J": "J_a = 0",
  "elimination-w": "w_a = 0",
  overlap: "J_a = J_b",
  "linear-dependence": "J_c = αJ_a + βJ_b",
};

/**
 * Per singular configuration and architecture: the null counts and excesses of every seed, and the predicted excess
 * (the records `plots.v3SymNullCountFigure` draws).
 */
export function v3SymNullBars(
  setup: V3SymSetup,
  runs: ReadonlyMap<number, V3SymRun>,
  seeds: readonly number[],
): Array<{ configuration: string; arch: V3SymArch; count: number[]; excess: number[]; predicted: number }> {
  return V3SYM_SINGULAR.flatMap((kase) =>
    V3SYM_ARCHS.map((arch) => ({
      configuration: V3SYM_SHORT_LABEL[kase],
      arch,
      count: seeds.map((s) => of(runs, s).nulls[kase][arch].count),
      excess: seeds.map((s) => of(runs, s).nulls[kase][arch].excess),
      predicted: v3SymPredictedExcess(setup, kase, arch),
    })),
  );
}

function of(runs: ReadonlyMap<number, V3SymRun>, seed: number): V3SymRun {
  const r = runs.get(seed);
  if (!r) throw new Error(`v3Sym: no run for seed ${seed}`);
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Registration and measurement

const ALPHA = 0.05;
/** log₁₀ of a |Δ| or residual, with exact zeros read as 1e-30 (so the estimate stays finite). */
const lg = (v: number) => Math.log10(Math.max(v, 1e-30));

/** Registration of notebook 16 (every claim an identity of ours: kind "sanity", one per symmetry). */
export function v3SymPreregistration(scale: string, s: V3SymSetup): Preregistration {
  const exact = "exact float64 computation, worst case over the seed set (no sampling)";
  const invariant = (what: string, arch = "plain"): V3SymCriterionSpec => ({
    estimate: `log₁₀(largest max |Δy| over seeds) of the ${arch} net under ${what} − log₁₀ ${s.invariantTol} (negative: the function is unchanged to round-off)`,
    direction: "negative",
  });
  const breaks = (what: string, archs = "residual and dense"): V3SymCriterionSpec => ({
    estimate: `log₁₀(smallest max |Δy| over seeds and the ${archs} nets) under ${what} − log₁₀ ${s.breakTol} (positive: the skip makes the action change the function)`,
    direction: "positive",
  });
  const addsNull = (what: string): V3SymCriterionSpec => ({
    estimate: `smallest excess null count over seeds of the plain net at ${what} − 0.5 (positive: at least one more non-identifiable direction than the generic net)`,
    direction: "positive",
  });
  const skipNone = (what: string): V3SymCriterionSpec => ({
    estimate: `0.5 − largest excess null count over seeds of the residual and dense nets at ${what} (positive: no extra non-identifiable direction with a skip)`,
    direction: "positive",
  });
  const claim = (
    id: string,
    claim: string,
    source: string,
    criteria: Record<string, V3SymCriterionSpec>,
  ): Preregistration["claims"][number] => ({
    id,
    figure: "P1 v3-A (our computed example)",
    claim,
    source,
    kind: "sanity",
    criteria: Object.entries(criteria).map(([cid, c]) => ({
      id: cid,
      estimate: c.estimate,
      test: exact,
      expect: { direction: c.direction, alpha: ALPHA, sesoi: 0 },
    })),
  });
  return {
    notebook: "16-p1v3-A-symmetries",
    scale,
    seeds: s.seeds,
    claims: [
      claim(
        "V1",
        "Permutation: swapping two units of a plain layer (their incoming rows and outgoing columns) leaves the net's function unchanged; an identity (residual) or dense skip binds unit i to input coordinate i, so the swap changes it.",
        "the claim FOUND (v3 abstract: skips between adjacent layers break the permutation symmetry of a layer's units); the net and the check are ours",
        {
          "plain-invariant": invariant("the swap a ↔ b"),
          "skip-breaks": breaks("the swap a ↔ b"),
        },
      ),
      claim(
        "V2",
        "Overlap (the permutation's fixed set, J_a = J_b): in the plain net w_a − w_b can be traded at no change of function, adding non-identifiable directions; with a skip the units differ (h_a = f(J_a·x) + x_a) and the trade changes the function.",
        "DERIVED (docs/spec/p1.md §1.2.2); the configuration and the check are ours",
        {
          "plain-invariant": invariant("w_a → w_a + v, w_b → w_b − v at J_a = J_b"),
          "skip-breaks": breaks("the same trade"),
          "plain-adds-null": addsNull("J_a = J_b"),
          "skip-no-null": skipNone("J_a = J_b"),
        },
      ),
      claim(
        "V3",
        `Rescaling: with ReLU units W₁ → c·W₁ (and b₁), W₂ → W₂/c (c = ${s.rescale}) leaves the plain net unchanged; a DenseNet-like skip feeds layer 1's output to later layers without the compensating 1/c, so the rescaling changes the function.`,
        "the claim FOUND (v3 abstract: DenseNet-style connectivity also breaks the rescaling symmetry); the net and the check are ours",
        {
          "plain-invariant": invariant(`the rescaling by c = ${s.rescale}`),
          "dense-breaks": breaks(`the rescaling by c = ${s.rescale}`, "dense"),
        },
      ),
      claim(
        "V4",
        "Elimination: when J_a = 0 (tanh unit, h_a ≡ 0) its outgoing weights w_a are free, and when w_a = 0 its incoming weights J_a, b_a are free, in the plain net; a skip keeps the unit's value flowing (into it: h_a = x_a; out of it: into layer 2 past W₂), so these weights become identifiable (at J_a = 0 one bias trade, predicted, remains: the unit's constant part can still be shifted against the next biases).",
        "DERIVED (docs/spec/p1.md §1.2.2; elimination named in v5–v8, FOUND); the configuration and the check are ours",
        {
          "J0-plain-invariant": invariant("new random w_a at J_a = 0"),
          "J0-skip-breaks": breaks("new random w_a at J_a = 0"),
          "w0-plain-invariant": invariant("new random J_a, b_a at w_a = 0"),
          "w0-skip-breaks": breaks("new random J_a, b_a at w_a = 0"),
          "J0-plain-adds-null": addsNull("J_a = 0"),
          "J0-skip-fewer-null": {
            estimate:
              "smallest over seeds of (plain excess − the larger of the residual and dense excesses) at J_a = 0 − 0.5 (positive: the skip removes non-identifiable directions; predicted n + 1 − 1 = n)",
            direction: "positive",
          },
          "w0-plain-adds-null": addsNull("w_a = 0"),
          "w0-skip-no-null": skipNone("w_a = 0"),
        },
      ),
      claim(
        "V5",
        "Linear dependence: with linear units and J_c = αJ_a + βJ_b, the plain net's outgoing weights trade along (α, β, −1) at no change of function (these directions are null); with a skip h_c ≠ αh_a + βh_b and the trade changes the function, and the configuration has fewer null directions than the plain net's.",
        "DERIVED (docs/spec/p1.md §1.2.2; linear dependence named in v8, FOUND); the configuration and the check are ours",
        {
          "plain-invariant": invariant("(w_a, w_b, w_c) += (α, β, −1) ⊗ v"),
          "skip-breaks": breaks("the same trade"),
          "plain-directions-null": {
            estimate: `log₁₀(largest ‖Jv‖/(‖J‖‖v‖) over seeds and the n trade directions v) of the plain net − log₁₀ ${s.invariantTol} (negative: every trade direction is in the Jacobian's null space)`,
            direction: "negative",
          },
          "skip-fewer-null": {
            estimate:
              "smallest over seeds of (plain null count − the larger of the residual and dense null counts) at the configuration − 0.5 (positive: the skip removes null directions)",
            direction: "positive",
          },
        },
      ),
    ],
    notes: [
      `nets (ours): x ∈ R^${s.n}, ${s.depth} hidden layers of ${s.n} units, linear read-out to ${s.outputs}; plain, residual (x_l = f(z_l) + x_{l−1}) and dense (x_l = f(z_l) + Σ_{k<l} x_k); weights N(0, ${s.gain}²/${s.n}), biases N(0, ${s.biasStd}²); a seed draws one net, ${s.samples} inputs x ~ N(0, I) and the actions' random vectors`,
      `activations: tanh for permutation, overlap and elimination (a generic tanh net has no continuous symmetry, so every null direction is the configuration's); ReLU for rescaling (positively homogeneous); linear layer 1 and tanh layer 2 for linear dependence (α = ${s.alpha}, β = ${s.beta})`,
      `"unchanged": max |Δy| over the batch and outputs below ${s.invariantTol}; "changed": above ${s.breakTol} (exact zeros read as 1e-30)`,
      `null count: singular values of J (all ${s.outputs} outputs × ${s.samples} inputs by all parameters) below ${s.relTol}·σ_max, float64 SVD (JS backend); excess = count at the configuration − count at the seed's generic parameters`,
      "identities computed in float64, no sampling: each criterion must hold on every seed of its set (worst case over seeds)",
      "predicted (DERIVED; only the signs are criteria): plain excess n + 1 for J_a = 0 (w_a and a bias trade), n + 1 for w_a = 0, n for overlap, 0 for linear dependence (its trades are among the generic symmetry J → A·J, w → w·A⁻¹ of a linear layer); with a skip 1 for J_a = 0 (the bias trade), else 0",
      "the setup (activations, gain, threshold) was chosen on a scan of seeds 0–199; the confirmation seeds start at 1000",
    ],
  };
}

interface V3SymCriterionSpec {
  estimate: string;
  direction: "positive" | "negative";
}

/** The registered estimates on one seed set (worst case over its seeds, `exactEffect`). */
export function v3SymMeasure(s: V3SymSetup, runs: ReadonlyMap<number, V3SymRun>, seeds: readonly number[]): Measured {
  const rs = seeds.map((seed) => of(runs, seed));
  const inv = Math.log10(s.invariantTol);
  const brk = Math.log10(s.breakTol);
  const worstPlain = (k: V3SymCaseId) => Math.max(...rs.map((r) => r.delta[k].plain));
  const leastSkip = (k: V3SymCaseId, archs: V3SymArch[] = ["residual", "dense"]) =>
    Math.min(...rs.flatMap((r) => archs.map((a) => r.delta[k][a])));
  const invariant = (k: V3SymCaseId) => exactEffect(lg(worstPlain(k)) - inv, "exact float64, worst case over seeds");
  const breaks = (k: V3SymCaseId, archs?: V3SymArch[]) =>
    exactEffect(lg(leastSkip(k, archs)) - brk, "exact float64, worst case over seeds");
  const addsNull = (k: V3SymCaseId) =>
    exactEffect(Math.min(...rs.map((r) => r.nulls[k].plain.excess)) - 0.5, "exact count, worst case over seeds");
  const skipNone = (k: V3SymCaseId) =>
    exactEffect(
      0.5 - Math.max(...rs.flatMap((r) => [r.nulls[k].residual.excess, r.nulls[k].dense.excess])),
      "exact count, worst case over seeds",
    );
  const deltas = (k: V3SymCaseId) => ({
    [`${k}: max |Δy|, plain (largest over seeds) / residual, dense (smallest)`]: `${Math.max(...rs.map((r) => r.delta[k].plain)).toExponential(1)} / ${Math.min(...rs.map((r) => r.delta[k].residual)).toExponential(1)}, ${Math.min(...rs.map((r) => r.delta[k].dense)).toExponential(1)}`,
  });
  const counts = (k: V3SymCaseId) => ({
    [`${k}: null count generic → here, plain; residual; dense`]: V3SYM_ARCHS.map((a) =>
      [...new Set(rs.map((r) => `${r.nulls[k][a].generic} → ${r.nulls[k][a].count}`))].join(" or "),
    ).join("; "),
  });
  const ld = "linear-dependence";
  return {
    estimates: {
      V1: { "plain-invariant": invariant("permutation"), "skip-breaks": breaks("permutation") },
      V2: {
        "plain-invariant": invariant("overlap"),
        "skip-breaks": breaks("overlap"),
        "plain-adds-null": addsNull("overlap"),
        "skip-no-null": skipNone("overlap"),
      },
      V3: { "plain-invariant": invariant("rescaling"), "dense-breaks": breaks("rescaling", ["dense"]) },
      V4: {
        "J0-plain-invariant": invariant("elimination-J"),
        "J0-skip-breaks": breaks("elimination-J"),
        "w0-plain-invariant": invariant("elimination-w"),
        "w0-skip-breaks": breaks("elimination-w"),
        "J0-plain-adds-null": addsNull("elimination-J"),
        "J0-skip-fewer-null": exactEffect(
          Math.min(
            ...rs.map(
              (r) =>
                r.nulls["elimination-J"].plain.excess -
                Math.max(r.nulls["elimination-J"].residual.excess, r.nulls["elimination-J"].dense.excess),
            ),
          ) - 0.5,
          "exact count, worst case over seeds",
        ),
        "w0-plain-adds-null": addsNull("elimination-w"),
        "w0-skip-no-null": skipNone("elimination-w"),
      },
      V5: {
        "plain-invariant": invariant(ld),
        "skip-breaks": breaks(ld),
        "plain-directions-null": exactEffect(
          lg(Math.max(...rs.map((r) => r.nulls[ld].plain.predictedResidual))) - inv,
          "exact float64, worst case over seeds",
        ),
        "skip-fewer-null": exactEffect(
          Math.min(
            ...rs.map((r) => r.nulls[ld].plain.count - Math.max(r.nulls[ld].residual.count, r.nulls[ld].dense.count)),
          ) - 0.5,
          "exact count, worst case over seeds",
        ),
      },
    },
    numbers: {
      V1: deltas("permutation"),
      V2: { ...deltas("overlap"), ...counts("overlap") },
      V3: deltas("rescaling"),
      V4: {
        ...deltas("elimination-J"),
        ...deltas("elimination-w"),
        ...counts("elimination-J"),
        ...counts("elimination-w"),
      },
      V5: { ...deltas(ld), ...counts(ld) },
    },
  };
}
