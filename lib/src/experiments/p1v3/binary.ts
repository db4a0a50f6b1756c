/**
 * Paper 1's earliest versions (v1–v4, "Skip Connections as Effective Symmetry-Breaking"), item v3-B of
 * docs/spec/p1.md §1.4: "a toy model with binary weights" shows that skip connections reduce the degeneracy that
 * symmetries cause. Only the abstract was found; EVERY design choice here is ours (PROPOSED in the spec).
 *
 * The net (ours): n units per layer, L weight layers W_1 … W_L, each n × n with entries in {−1, +1}; hidden
 * nonlinearity f on layers 1 … L−1 ("sign" with sign(0) = 0, "relu" or "linear"); the last layer is linear.
 *   plain:     x_l = f(W_l x_{l−1}),                 y = W_L x_{L−1}
 *   residual:  x_l = f(W_l x_{l−1}) + x_{l−1},       y = W_L x_{L−1} + x_{L−1}
 *   dense:     x_l = f(W_l x_{l−1}) + Σ_{k<l} x_k,   y = W_L x_{L−1} + Σ_{k<L} x_k
 * The inputs are all 2^n vectors of {−1, +1}^n, so a configuration's function is its integer output table.
 *
 * Encoding. A configuration is an integer c < 2^{L n²}: bit l·n² + i·n + j is W_{l+1}[i][j] (row i = output unit,
 * column j = input unit), 1 ↔ +1 and 0 ↔ −1. Input a < 2^n has x_j = +1 where bit j of a is set, else −1.
 *
 * Enumeration (exact, integer only). Configurations sharing the hidden layers (the low (L−1)n² bits, a "prefix")
 * share x_{L−1}; output i of the net depends only on row i of W_L, one of 2^n rows. So per prefix the n·2^n possible
 * output columns (over all inputs) are interned into a global table of distinct columns, and a configuration's
 * function is the n-tuple of its column ids, interned again: no string per configuration, one small integer-tuple
 * hash probe per configuration. n = 3, L = 2 (2^18 configurations) takes milliseconds.
 *
 * The symmetry group G of the plain net (ours, the standard one): per hidden layer a permutation of its units and,
 * when f is odd (sign, linear), a sign flip per unit: W_h → S P W_h, W_{h+1} → W_{h+1} Pᵀ S. It maps binary
 * configurations to binary configurations and leaves every plain function unchanged (f(S P z) = S P f(z)); with
 * skips the identity path x_{h} is not permuted, so the function generally changes.
 *
 * The landscape of a teacher (ours): a teacher is a uniformly random configuration of the same architecture; the
 * loss of a configuration is Σ_{inputs, outputs} (y − y_teacher)², an integer; its global minima (loss 0) are the
 * configurations with the teacher's function. Moves are single-bit flips. A configuration is a (non-strict) local
 * minimum when no flip lowers the loss, strict when every flip raises it; "spurious" when its loss is above 0.
 * Descent: steepest descent (best single flip; ties between equally good flips broken uniformly at random), stopping
 * when no flip lowers the loss; success = stopping at loss 0. Its success probability from a uniformly random start
 * is computed EXACTLY by dynamic programming over the configurations in order of increasing loss
 *   p(c) = 1 if loss(c) = 0;  0 if no flip lowers the loss;  else mean of p over the best flips' configurations,
 * which removes the start-sampling noise within a teacher (our refinement of the spec's "1,000 random starts"; the
 * K-start simulation is run too, as a check and as the spec's number).
 */
import type { Measured, Preregistration } from "../../report/prereg";
import { exactEffect, welchEffect } from "../../report/verdict";
import { mean } from "../../stats";
import { Rng, subSeed } from "../../util/random";
import type { Scale } from "../../report/context";

export type V3BinaryArch = "plain" | "residual" | "dense";
export const v3BinaryArchs: readonly V3BinaryArch[] = ["plain", "residual", "dense"];
export type V3BinaryNonlinearity = "sign" | "relu" | "linear";
export type V3BinaryScale = Scale;

/** A net's size and hidden nonlinearity, without its architecture (the group G and the teachers depend only on it). */
export interface V3BinaryShape {
  /** Units per layer (and input and output dimension). */
  n: number;
  /** Weight layers (L − 1 hidden layers). */
  L: number;
  /** Hidden nonlinearity; the read-out is linear. */
  f: V3BinaryNonlinearity;
}

export interface V3BinaryNet extends V3BinaryShape {
  arch: V3BinaryArch;
}

/** "n3L2-sign". */
export function v3BinaryCaseId(s: V3BinaryShape): string {
  return `n${s.n}L${s.L}-${s.f}`;
}

/** Number of configurations 2^{L n²}. At most 2^30 (the encoding uses 32-bit integers). */
export function v3BinaryConfigCount(s: V3BinaryShape): number {
  const bits = s.L * s.n * s.n;
  if (!(Number.isInteger(s.n) && s.n >= 1 && Number.isInteger(s.L) && s.L >= 2 && bits <= 30))
    throw new Error(`v3Binary: need n ≥ 1, L ≥ 2 and L·n² ≤ 30 (got n = ${s.n}, L = ${s.L})`);
  return 2 ** bits;
}

/** The hidden nonlinearity (sign(0) = 0). */
export function v3BinaryActivation(f: V3BinaryNonlinearity, z: number): number {
  if (f === "sign") return z > 0 ? 1 : z < 0 ? -1 : 0;
  if (f === "relu") return z > 0 ? z : 0;
  return z;
}

/** Whether f is odd (f(−z) = −f(z)): then sign flips of hidden units are symmetries of the plain net. */
export function v3BinaryOdd(f: V3BinaryNonlinearity): boolean {
  return f !== "relu";
}

/** Input a as a ±1 vector: x_j = +1 where bit j of a is set. */
export function v3BinaryInput(n: number, a: number): number[] {
  return Array.from({ length: n }, (_, j) => ((a >> j) & 1 ? 1 : -1));
}

/** The weights of configuration c: W[l][i][j] ∈ {−1, +1} (layer l = 0 … L−1, row i = output unit). */
export function v3BinaryWeights(s: V3BinaryShape, c: number): number[][][] {
  v3BinaryConfigCount(s);
  const { n, L } = s;
  return Array.from({ length: L }, (_, l) =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (Math.floor(c / 2 ** (l * n * n + i * n + j)) % 2 === 1 ? 1 : -1)),
    ),
  );
}

/** The configuration of the given weights (the inverse of `v3BinaryWeights`). */
export function v3BinaryConfigOf(s: V3BinaryShape, W: readonly (readonly (readonly number[])[])[]): number {
  const { n, L } = s;
  let c = 0;
  for (let l = 0; l < L; l++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const w = W[l][i][j];
        if (w !== 1 && w !== -1) throw new Error(`v3BinaryConfigOf: weight ${w} is not ±1`);
        if (w === 1) c += 2 ** (l * n * n + i * n + j);
      }
  return c;
}

/** The reference forward pass (plain loops, written for reading; the enumeration below is checked against it). */
export function v3BinaryForward(net: V3BinaryNet, c: number, x: readonly number[]): number[] {
  const { n, L, f, arch } = net;
  const W = v3BinaryWeights(net, c);
  const matvec = (M: number[][], v: readonly number[]) => M.map((row) => row.reduce((s, w, j) => s + w * v[j], 0));
  const xs: number[][] = [x.slice()]; // x_0 … x_{L−1}
  for (let l = 1; l < L; l++) {
    const h = matvec(W[l - 1], xs[l - 1]).map((z) => v3BinaryActivation(f, z));
    if (arch === "residual") for (let i = 0; i < n; i++) h[i] += xs[l - 1][i];
    if (arch === "dense") for (const xk of xs) for (let i = 0; i < n; i++) h[i] += xk[i];
    xs.push(h);
  }
  const y = matvec(W[L - 1], xs[L - 1]);
  if (arch === "residual") for (let i = 0; i < n; i++) y[i] += xs[L - 1][i];
  if (arch === "dense") for (const xk of xs) for (let i = 0; i < n; i++) y[i] += xk[i];
  return y;
}

/** The reference output table: [input a][output i], a < 2^n. */
export function v3BinaryOutputTable(net: V3BinaryNet, c: number): Int32Array {
  const A = 2 ** net.n;
  const t = new Int32Array(A * net.n);
  for (let a = 0; a < A; a++) t.set(v3BinaryForward(net, c, v3BinaryInput(net.n, a)), a * net.n);
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Exact interning of integer tuples (open addressing, linear probing); ids are 0, 1, 2, … in first-seen order.

class TupleInterner {
  readonly width: number;
  /** The distinct tuples, id-major: keys[id · width + k]. */
  keys: Int32Array;
  size = 0;
  private slots: Int32Array; // id + 1, 0 = empty
  private mask: number;

  constructor(width: number, capacity = 1024) {
    this.width = width;
    let cap = 1024;
    while (cap < 2 * capacity) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.keys = new Int32Array(Math.max(1, capacity) * width);
  }

  private hash(src: Int32Array, off: number): number {
    let h = 0x811c9dc5 ^ this.width;
    for (let k = 0; k < this.width; k++) h = Math.imul(h ^ src[off + k], 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The id of the tuple src[off … off + width − 1], adding it when new. */
  intern(src: Int32Array, off = 0): number {
    const w = this.width;
    let s = this.hash(src, off) & this.mask;
    for (;;) {
      const e = this.slots[s];
      if (e === 0) break;
      const base = (e - 1) * w;
      let same = true;
      for (let k = 0; k < w; k++)
        if (this.keys[base + k] !== src[off + k]) {
          same = false;
          break;
        }
      if (same) return e - 1;
      s = (s + 1) & this.mask;
    }
    const id = this.size++;
    if ((id + 1) * w > this.keys.length) {
      const grown = new Int32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set(src.subarray(off, off + w), id * w);
    this.slots[s] = id + 1;
    if (2 * this.size > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.hash(this.keys, id * this.width) & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = id + 1;
    }
  }
}

/** Every configuration of one architecture grouped into functions (fibres). */
export interface V3BinaryLandscape {
  net: V3BinaryNet;
  /** Configurations 2^{L n²}. */
  N: number;
  /** Configuration → function id (0 … functions − 1). */
  fibreOf: Int32Array;
  functions: number;
  /** Function id → number of configurations computing it. */
  fibreSize: Int32Array;
  /** Function id → its n output columns' ids: columnOf[id · n + i]. */
  columnOf: Int32Array;
  /** Distinct output columns (values over the 2^n inputs): columns[col · 2^n + a]. */
  columns: Int32Array;
}

/** Enumerates all 2^{L n²} configurations of `net` and groups them by function (module comment). */
export function v3BinaryEnumerate(net: V3BinaryNet): V3BinaryLandscape {
  const N = v3BinaryConfigCount(net);
  const { n, L, f, arch } = net;
  const A = 2 ** n; // inputs
  const R = 2 ** n; // possible rows of W_L
  const B = n * n;
  const P = 2 ** ((L - 1) * B); // prefixes (hidden layers)
  const M = 2 ** B; // last layers
  const cols = new TupleInterner(A, 1024);
  const funcs = new TupleInterner(n, 1 << 12);
  const fibreOf = new Int32Array(N);
  // xs[k][a · n + j]: x_k of input a
  const xs = Array.from({ length: L }, () => new Int32Array(A * n));
  for (let a = 0; a < A; a++) for (let j = 0; j < n; j++) xs[0][a * n + j] = (a >> j) & 1 ? 1 : -1;
  const skip = new Int32Array(A * n); // the identity term added to the output
  const col = new Int32Array(A);
  const colId = new Int32Array(n * R); // [output i][row r]
  const key = new Int32Array(n);
  const bit = (c: number, b: number) => ((c >>> b) & 1 ? 1 : -1);
  for (let p = 0; p < P; p++) {
    for (let l = 1; l < L; l++) {
      const prev = xs[l - 1];
      const cur = xs[l];
      const off = (l - 1) * B;
      for (let a = 0; a < A; a++)
        for (let i = 0; i < n; i++) {
          let z = 0;
          for (let j = 0; j < n; j++) z += bit(p, off + i * n + j) * prev[a * n + j];
          let h = f === "sign" ? (z > 0 ? 1 : z < 0 ? -1 : 0) : f === "relu" ? (z > 0 ? z : 0) : z;
          if (arch === "residual") h += prev[a * n + i];
          else if (arch === "dense") for (let k = 0; k < l; k++) h += xs[k][a * n + i];
          cur[a * n + i] = h;
        }
    }
    const last = xs[L - 1];
    if (arch === "plain") skip.fill(0);
    else if (arch === "residual") skip.set(last);
    else {
      skip.fill(0);
      for (let k = 0; k < L; k++) for (let q = 0; q < A * n; q++) skip[q] += xs[k][q];
    }
    for (let i = 0; i < n; i++)
      for (let r = 0; r < R; r++) {
        for (let a = 0; a < A; a++) {
          let y = skip[a * n + i];
          for (let j = 0; j < n; j++) y += ((r >> j) & 1 ? 1 : -1) * last[a * n + j];
          col[a] = y;
        }
        colId[i * R + r] = cols.intern(col);
      }
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < n; i++) key[i] = colId[i * R + ((m >> (i * n)) & (R - 1))];
      fibreOf[p + m * P] = funcs.intern(key);
    }
  }
  const fibreSize = new Int32Array(funcs.size);
  for (let c = 0; c < N; c++) fibreSize[fibreOf[c]]++;
  return {
    net,
    N,
    fibreOf,
    functions: funcs.size,
    fibreSize,
    columnOf: funcs.keys.slice(0, funcs.size * n),
    columns: cols.keys.slice(0, cols.size * A),
  };
}

/** The output table [input a][output i] of function `id` of a landscape (as `v3BinaryOutputTable` gives it). */
export function v3BinaryFunctionTable(land: V3BinaryLandscape, id: number): Int32Array {
  const { n } = land.net;
  const A = 2 ** n;
  const t = new Int32Array(A * n);
  for (let i = 0; i < n; i++) {
    const col = land.columnOf[id * n + i];
    for (let a = 0; a < A; a++) t[a * n + i] = land.columns[col * A + a];
  }
  return t;
}

/**
 * Whether two landscapes of one shape have the same loss at every configuration for every teacher configuration:
 * the same fibres, and output tables that differ by one fixed table (a term no weight touches) in every function.
 */
export function v3BinarySameLandscape(a: V3BinaryLandscape, b: V3BinaryLandscape): boolean {
  if (a.N !== b.N || a.functions !== b.functions || a.net.n !== b.net.n) return false;
  for (let c = 0; c < a.N; c++) if (a.fibreOf[c] !== b.fibreOf[c]) return false;
  // output i of function id: column a.columnOf[id·n + i] over the A inputs; compare b − a with function 0's
  const n = a.net.n;
  const A = 2 ** n;
  for (let id = 1; id < a.functions; id++)
    for (let i = 0; i < n; i++) {
      const ca = a.columnOf[id * n + i] * A;
      const cb = b.columnOf[id * n + i] * A;
      const ca0 = a.columnOf[i] * A;
      const cb0 = b.columnOf[i] * A;
      for (let x = 0; x < A; x++)
        if (b.columns[cb + x] - a.columns[ca + x] !== b.columns[cb0 + x] - a.columns[ca0 + x]) return false;
    }
  return true;
}

/** Teacher-independent fibre statistics. */
export interface V3BinaryFibreStats {
  functions: number;
  /** Σ_F |F|² / N: the expected number of global minima for a uniformly random teacher configuration. */
  expectedGlobalMinima: number;
  /** N / functions. */
  configsPerFunction: number;
  largestFibre: number;
  smallestFibre: number;
  /** [fibre size, number of functions with that size], by size. */
  sizeCounts: Array<[number, number]>;
}

export function v3BinaryFibreStats(land: V3BinaryLandscape): V3BinaryFibreStats {
  const counts = new Map<number, number>();
  let sq = 0;
  let largest = 0;
  let smallest = Infinity;
  for (const s of land.fibreSize) {
    counts.set(s, (counts.get(s) ?? 0) + 1);
    sq += s * s;
    largest = Math.max(largest, s);
    smallest = Math.min(smallest, s);
  }
  return {
    functions: land.functions,
    expectedGlobalMinima: sq / land.N,
    configsPerFunction: land.N / land.functions,
    largestFibre: largest,
    smallestFibre: smallest,
    sizeCounts: [...counts.entries()].sort((a, b) => a[0] - b[0]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The symmetry group of the plain net

/** One element of G: per hidden layer h = 1 … L−1 (index h − 1), the permutation π and signs s: x_h → S P x_h. */
export interface V3BinaryGroupElement {
  perms: number[][];
  signs: number[][];
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1))
    for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), n - 1, ...p.slice(k)]);
  return out.sort((a, b) => a.join().localeCompare(b.join())); // the identity first
}

/** |G| = (n! · 2^n)^{L−1} for odd f (sign, linear), (n!)^{L−1} for ReLU. */
export function v3BinaryGroupSize(s: V3BinaryShape): number {
  let fact = 1;
  for (let k = 2; k <= s.n; k++) fact *= k;
  return (fact * (v3BinaryOdd(s.f) ? 2 ** s.n : 1)) ** (s.L - 1);
}

/** Every element of G, the identity first. */
export function v3BinaryGroup(s: V3BinaryShape): V3BinaryGroupElement[] {
  const perms = permutations(s.n);
  const signs = v3BinaryOdd(s.f)
    ? Array.from({ length: 2 ** s.n }, (_, m) => Array.from({ length: s.n }, (_, i) => ((m >> i) & 1 ? -1 : 1)))
    : [Array.from({ length: s.n }, () => 1)];
  const perLayer: Array<{ perm: number[]; sign: number[] }> = [];
  for (const perm of perms) for (const sign of signs) perLayer.push({ perm, sign });
  let out: V3BinaryGroupElement[] = [{ perms: [], signs: [] }];
  for (let h = 1; h < s.L; h++)
    out = out.flatMap((g) => perLayer.map((e) => ({ perms: [...g.perms, e.perm], signs: [...g.signs, e.sign] })));
  return out;
}

/**
 * g · c (reference): W_h → S P W_h (row i ← s_i · row π(i)), W_{h+1} → W_{h+1} Pᵀ S (column i ← s_i · column π(i)).
 */
export function v3BinaryApply(s: V3BinaryShape, g: V3BinaryGroupElement, c: number): number {
  const W = v3BinaryWeights(s, c);
  const { L } = s;
  const out = W.map((Wl, l) =>
    Wl.map((_, i) =>
      Wl[i].map((_, j) => {
        const ri = l < L - 1 ? g.perms[l][i] : i;
        const rs = l < L - 1 ? g.signs[l][i] : 1;
        const cj = l > 0 ? g.perms[l - 1][j] : j;
        const cs = l > 0 ? g.signs[l - 1][j] : 1;
        return rs * cs * W[l][ri][cj];
      }),
    ),
  );
  return v3BinaryConfigOf(s, out);
}

/** g's action on each layer's n² bits as lookup tables (fast `v3BinaryApply`). */
function layerTables(s: V3BinaryShape, g: V3BinaryGroupElement): Int32Array[] {
  const { n, L } = s;
  const B = n * n;
  return Array.from({ length: L }, (_, l) => {
    const t = new Int32Array(2 ** B);
    for (let v = 0; v < t.length; v++) {
      let out = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const ri = l < L - 1 ? g.perms[l][i] : i;
          const rs = l < L - 1 ? g.signs[l][i] : 1;
          const cj = l > 0 ? g.perms[l - 1][j] : j;
          const cs = l > 0 ? g.signs[l - 1][j] : 1;
          const old = (v >> (ri * n + cj)) & 1 ? 1 : -1;
          if (rs * cs * old === 1) out |= 1 << (i * n + j);
        }
      t[v] = out;
    }
    return t;
  });
}

/** What G does to the landscapes of one shape (one entry per architecture in `invariant`). */
export interface V3BinarySymmetryStats {
  groupSize: number;
  /** Configurations examined: all of them (exact), or a seeded uniform sample when N·|G| exceeds the budget. */
  configs: number;
  sampled: boolean;
  /** (configuration, g ≠ identity) pairs examined. */
  pairs: number;
  /** Per architecture: pairs whose g leaves the function unchanged, and their share. */
  invariant: Record<V3BinaryArch, { pairs: number; share: number }>;
  /** Orbits of G on configurations (architecture-independent); null when sampled. */
  orbits: number | null;
  /** [orbit size, number of orbits], by size; null when sampled. */
  orbitSizes: Array<[number, number]> | null;
  /** Configuration → the smallest configuration of its orbit (a canonical form); null when sampled. */
  canonical: Int32Array | null;
}

/**
 * Applies every g ∈ G to every configuration (or, when N·|G| > `budget`, to a seeded sample of ⌊budget/|G|⌋
 * configurations) and counts, per architecture, the pairs (c, g ≠ 1) with f_{g·c} = f_c.
 */
export function v3BinarySymmetry(
  lands: Record<V3BinaryArch, V3BinaryLandscape>,
  o: { budget: number; seed?: number },
): V3BinarySymmetryStats {
  const shape = lands.plain.net;
  const N = lands.plain.N;
  const G = v3BinaryGroup(shape);
  const B = shape.n * shape.n;
  const mask = (1 << B) - 1;
  const sampled = N * G.length > o.budget;
  const configs = sampled ? Math.max(1, Math.floor(o.budget / G.length)) : N;
  let sample: Int32Array | null = null;
  if (sampled) {
    const rng = new Rng(subSeed(o.seed ?? 0, "v3-binary-symmetry-sample"));
    sample = new Int32Array(configs);
    for (let k = 0; k < configs; k++) sample[k] = rng.int(N);
  }
  const canonical = sampled ? null : new Int32Array(N);
  const stab = sampled ? null : new Int32Array(N);
  if (canonical) for (let c = 0; c < N; c++) canonical[c] = c;
  const inv: Record<V3BinaryArch, number> = { plain: 0, residual: 0, dense: 0 };
  const fp = lands.plain.fibreOf;
  const fr = lands.residual.fibreOf;
  const fd = lands.dense.fibreOf;
  for (let gi = 0; gi < G.length; gi++) {
    const T = layerTables(shape, G[gi]);
    for (let k = 0; k < configs; k++) {
      const c = sample ? sample[k] : k;
      let d = 0;
      for (let l = 0; l < shape.L; l++) d |= T[l][(c >>> (l * B)) & mask] << (l * B); // L·n² ≤ 30 bits
      if (stab && d === c) stab[c]++;
      if (canonical && d < canonical[c]) canonical[c] = d;
      if (gi === 0) continue; // the identity
      if (fp[d] === fp[c]) inv.plain++;
      if (fr[d] === fr[c]) inv.residual++;
      if (fd[d] === fd[c]) inv.dense++;
    }
  }
  const pairs = configs * (G.length - 1);
  const share = (x: number) => (pairs > 0 ? x / pairs : NaN);
  let orbits: number | null = null;
  let orbitSizes: Array<[number, number]> | null = null;
  if (stab) {
    const bySize = new Map<number, number>();
    for (let c = 0; c < N; c++) {
      const size = G.length / stab[c];
      bySize.set(size, (bySize.get(size) ?? 0) + 1);
    }
    orbitSizes = [...bySize.entries()]
      .map(([size, cs]): [number, number] => [size, cs / size])
      .sort((a, b) => a[0] - b[0]);
    orbits = orbitSizes.reduce((t, [, k]) => t + k, 0);
  }
  return {
    groupSize: G.length,
    configs,
    sampled,
    pairs,
    invariant: {
      plain: { pairs: inv.plain, share: share(inv.plain) },
      residual: { pairs: inv.residual, share: share(inv.residual) },
      dense: { pairs: inv.dense, share: share(inv.dense) },
    },
    orbits,
    orbitSizes,
    canonical,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One teacher's landscape

/** The teacher of a seed: a uniformly random configuration (the same bits for every architecture of a shape). */
export function v3BinaryTeacher(s: V3BinaryShape, seed: number): number {
  return new Rng(subSeed(seed, "v3-binary-teacher")).int(v3BinaryConfigCount(s));
}

/** Loss Σ (y − y_teacher)² of every function of a landscape against function `teacher` (an id). */
export function v3BinaryFunctionLosses(land: V3BinaryLandscape, teacher: number): Float64Array {
  const { n } = land.net;
  const A = 2 ** n;
  const C = land.columns.length / A;
  // colLoss[i][col]: squared error of column col against the teacher's output i
  const colLoss = Array.from({ length: n }, (_, i) => {
    const t = land.columnOf[teacher * n + i];
    const out = new Float64Array(C);
    for (let col = 0; col < C; col++) {
      let s = 0;
      for (let a = 0; a < A; a++) {
        const d = land.columns[col * A + a] - land.columns[t * A + a];
        s += d * d;
      }
      out[col] = s;
    }
    return out;
  });
  const loss = new Float64Array(land.functions);
  for (let id = 0; id < land.functions; id++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += colLoss[i][land.columnOf[id * n + i]];
    loss[id] = s;
  }
  return loss;
}

export interface V3BinaryTeacherResult {
  seed: number;
  arch: V3BinaryArch;
  /** The teacher configuration. */
  teacher: number;
  /** Configurations at loss 0 (the teacher's fibre). */
  globalMinima: number;
  /** G-orbits the global minima fall in (distinct minima up to the plain net's symmetries); null when not computed. */
  globalMinimaOrbits: number | null;
  /** Distinct loss values over all configurations. */
  lossLevels: number;
  /** Configurations no single flip improves (incl. global minima), and those every flip worsens. */
  localMinima: number;
  strictLocalMinima: number;
  /** The same at loss > 0. */
  spuriousMinima: number;
  spuriousStrictMinima: number;
  /** Exact success probability of steepest descent from a uniformly random start (module comment). */
  success: number;
  /** Success rate of the same descent from `starts` seeded random starts, and its mean number of flips. */
  successSampled: number;
  starts: number;
  meanSteps: number;
}

/** Minima counts and Σ_c p(c) of one teacher's landscape (see the module comment). */
interface Passes {
  localMinima: number;
  strict: number;
  spurious: number;
  spuriousStrict: number;
  /** Σ over configurations of the exact descent success probability p(c). */
  total: number;
}

/** The two passes over every configuration (`level[c]`: its loss level, 0 = global minimum). */
function configPasses(level: Int32Array, levels: number, D: number): Passes {
  const N = level.length;
  // Pass 1: per configuration the lowest level among its flips and the mask of the flips reaching it (the best
  // flips; 0 for a local minimum: no flip lowers the loss). The three lowest flips stay inside an aligned group of 8
  // configurations; flip b ≥ 3 pairs c with c + 2^b inside blocks of 2^{b+1}: every read is sequential.
  const bestLevel = new Int32Array(N);
  const bestFlips = new Int32Array(N);
  const low = Math.min(3, D);
  for (let c = 0; c < N; c++) {
    let best = 0x7fffffff;
    let mask = 0;
    for (let b = 0; b < low; b++) {
      const v = level[c ^ (1 << b)];
      if (v < best) {
        best = v;
        mask = 1 << b;
      } else if (v === best) mask |= 1 << b;
    }
    bestLevel[c] = best;
    bestFlips[c] = mask;
  }
  for (let b = low; b < D; b++) {
    const bit = 1 << b;
    for (let base = 0; base < N; base += 2 * bit)
      for (let c = base; c < base + bit; c++) {
        const e = c + bit;
        const lc = level[c];
        const le = level[e];
        if (le < bestLevel[c]) {
          bestLevel[c] = le;
          bestFlips[c] = bit;
        } else if (le === bestLevel[c]) bestFlips[c] |= bit;
        if (lc < bestLevel[e]) {
          bestLevel[e] = lc;
          bestFlips[e] = bit;
        } else if (lc === bestLevel[e]) bestFlips[e] |= bit;
      }
  }
  let localMinima = 0;
  let strict = 0;
  let spurious = 0;
  let spuriousStrict = 0;
  for (let c = 0; c < N; c++) {
    const lv = level[c];
    if (bestLevel[c] < lv) continue;
    bestFlips[c] = 0;
    localMinima++;
    if (bestLevel[c] > lv) strict++;
    if (lv > 0) {
      spurious++;
      if (bestLevel[c] > lv) spuriousStrict++;
    }
  }
  // Pass 2, by increasing level (counting sort, stable): p(c) from the p of its best flips, all at lower levels.
  const start = new Int32Array(levels + 1);
  for (let c = 0; c < N; c++) start[level[c] + 1]++;
  for (let v = 0; v < levels; v++) start[v + 1] += start[v];
  const order = new Int32Array(N);
  for (let c = 0; c < N; c++) order[start[level[c]]++] = c;
  const p = new Float64Array(N);
  let total = 0;
  for (let k = 0; k < N; k++) {
    const c = order[k];
    let m = bestFlips[c];
    if (m === 0) p[c] = level[c] === 0 ? 1 : 0;
    else {
      let sum = 0;
      let ties = 0;
      while (m !== 0) {
        const low = m & -m;
        sum += p[c ^ low];
        ties++;
        m ^= low;
      }
      p[c] = sum / ties;
    }
    total += p[c];
  }
  return { localMinima, strict, spurious, spuriousStrict, total };
}

/**
 * The same passes over G-orbits, for a landscape G leaves unchanged (the plain net). g acts on the weight bits as a
 * permutation σ of their positions composed with a fixed XOR, so g·(c ⊕ 2^k) = (g·c) ⊕ 2^{σ(k)}: flips map to
 * flips, and the loss, the local-minimum status and p are constant on each orbit. One representative per orbit
 * suffices, each counted with its orbit's size (|G| ≈ 48 times less work for the n = 3 sign net).
 */
function orbitPasses(level: Int32Array, levels: number, D: number, orbits: V3BinaryOrbits): Passes {
  const U = orbits.rep.length;
  const bestFlips = new Int32Array(U);
  let localMinima = 0;
  let strict = 0;
  let spurious = 0;
  let spuriousStrict = 0;
  for (let u = 0; u < U; u++) {
    const c = orbits.rep[u];
    const lv = level[c];
    let best = 0x7fffffff;
    let mask = 0;
    for (let b = 0; b < D; b++) {
      const v = level[c ^ (1 << b)];
      if (v < best) {
        best = v;
        mask = 1 << b;
      } else if (v === best) mask |= 1 << b;
    }
    if (best < lv) {
      bestFlips[u] = mask;
      continue;
    }
    const w = orbits.size[u];
    localMinima += w;
    if (best > lv) strict += w;
    if (lv > 0) {
      spurious += w;
      if (best > lv) spuriousStrict += w;
    }
  }
  const start = new Int32Array(levels + 1);
  for (let u = 0; u < U; u++) start[level[orbits.rep[u]] + 1]++;
  for (let v = 0; v < levels; v++) start[v + 1] += start[v];
  const order = new Int32Array(U);
  for (let u = 0; u < U; u++) order[start[level[orbits.rep[u]]]++] = u;
  const p = new Float64Array(U);
  let total = 0;
  for (let k = 0; k < U; k++) {
    const u = order[k];
    const c = orbits.rep[u];
    let m = bestFlips[u];
    if (m === 0) p[u] = level[c] === 0 ? 1 : 0;
    else {
      let sum = 0;
      let ties = 0;
      while (m !== 0) {
        const low = m & -m;
        sum += p[orbits.of[c ^ low]];
        ties++;
        m ^= low;
      }
      p[u] = sum / ties;
    }
    total += orbits.size[u] * p[u];
  }
  return { localMinima, strict, spurious, spuriousStrict, total };
}

/** G-orbits of the configurations, from the canonical forms `v3BinarySymmetry` gives. */
export interface V3BinaryOrbits {
  /** Configuration → orbit index. */
  of: Int32Array;
  /** Orbit → its smallest configuration, and its size. */
  rep: Int32Array;
  size: Int32Array;
}

export function v3BinaryOrbits(canonical: Int32Array): V3BinaryOrbits {
  const N = canonical.length;
  const index = new Int32Array(N).fill(-1);
  const reps: number[] = [];
  for (let c = 0; c < N; c++) if (canonical[c] === c) index[c] = reps.push(c) - 1;
  const of = new Int32Array(N);
  const size = new Int32Array(reps.length);
  for (let c = 0; c < N; c++) {
    of[c] = index[canonical[c]];
    size[of[c]]++;
  }
  return { of, rep: Int32Array.from(reps), size };
}

/** The landscape of one teacher (see the module comment); `starts` random starts for the simulated descent. */
export function v3BinaryTeacherLandscape(
  land: V3BinaryLandscape,
  o: {
    seed: number;
    starts: number;
    /** Canonical forms under G (orbits of the global minima are counted when given). */
    canonical?: Int32Array | null;
    /** G-orbits: the passes run over orbits (only valid for the plain net, whose landscape G leaves unchanged). */
    orbits?: V3BinaryOrbits | null;
  },
): V3BinaryTeacherResult {
  const { N, fibreOf } = land;
  if (o.orbits && land.net.arch !== "plain")
    throw new Error(`v3BinaryTeacherLandscape: orbit passes need the plain net (G changes ${land.net.arch} functions)`);
  const D = land.net.L * land.net.n * land.net.n; // flips
  const teacher = v3BinaryTeacher(land.net, o.seed);
  const tf = fibreOf[teacher];
  const lossF = v3BinaryFunctionLosses(land, tf);
  // Loss levels: the distinct losses in increasing order, level 0 = loss 0 (the teacher's own function). Losses are
  // integers, so a presence table over 0 … max replaces a comparator sort over the functions when max is small.
  let top = 0;
  for (let id = 0; id < lossF.length; id++) top = Math.max(top, lossF[id]);
  if (lossF[tf] !== 0) throw new Error("v3BinaryTeacherLandscape: the teacher's own loss is not 0");
  const levelOfF = new Int32Array(land.functions);
  let levels = 0;
  if (top < 1 << 24) {
    const byValue = new Int32Array(top + 1).fill(-1);
    for (let id = 0; id < lossF.length; id++) byValue[lossF[id]] = 0;
    for (let v = 0; v <= top; v++) if (byValue[v] === 0) byValue[v] = levels++;
    for (let id = 0; id < lossF.length; id++) levelOfF[id] = byValue[lossF[id]];
  } else {
    const sorted = Float64Array.from(lossF).sort();
    const byValue = new Map<number, number>();
    for (let k = 0; k < sorted.length; k++)
      if (k === 0 || sorted[k] !== sorted[k - 1]) byValue.set(sorted[k], levels++);
    for (let id = 0; id < lossF.length; id++) levelOfF[id] = byValue.get(lossF[id])!;
  }
  const level = new Int32Array(N);
  for (let c = 0; c < N; c++) level[c] = levelOfF[fibreOf[c]];
  const passes = o.orbits ? orbitPasses(level, levels, D, o.orbits) : configPasses(level, levels, D);
  const { localMinima, strict, spurious, spuriousStrict, total } = passes;
  // the simulated descent from K random starts (the spec's protocol)
  const rng = new Rng(subSeed(o.seed, "v3-binary-descent"));
  let wins = 0;
  let steps = 0;
  const tied = new Int32Array(D);
  for (let k = 0; k < o.starts; k++) {
    let c = rng.int(N);
    for (;;) {
      const lv = level[c];
      let best = 0x7fffffff;
      let ties = 0;
      for (let b = 0; b < D; b++) {
        const v = level[c ^ (1 << b)];
        if (v < best) {
          best = v;
          ties = 0;
        }
        if (v === best) tied[ties++] = c ^ (1 << b);
      }
      if (best >= lv) break;
      c = tied[ties === 1 ? 0 : rng.int(ties)];
      steps++;
    }
    if (level[c] === 0) wins++;
  }
  let orbits: number | null = null;
  if (o.canonical) {
    const set = new Set<number>();
    for (let c = 0; c < N; c++) if (fibreOf[c] === tf) set.add(o.canonical[c]);
    orbits = set.size;
  }
  return {
    seed: o.seed,
    arch: land.net.arch,
    teacher,
    globalMinima: land.fibreSize[tf],
    globalMinimaOrbits: orbits,
    lossLevels: levels,
    localMinima,
    strictLocalMinima: strict,
    spuriousMinima: spurious,
    spuriousStrictMinima: spuriousStrict,
    success: total / N,
    successSampled: o.starts > 0 ? wins / o.starts : NaN,
    starts: o.starts,
    meanSteps: o.starts > 0 ? steps / o.starts : NaN,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The notebook's protocol, runs, registration and measurement

/** Settings per scale (every value ours). */
export interface V3BinarySetup {
  /** The shapes enumerated, each for all three architectures; every registered criterion is per case. */
  cases: V3BinaryShape[];
  /** Cases run on teachers (B2, B3); the others get the teacher-independent measures only. */
  teacherCases: string[];
  /** K: random starts of the simulated descent per teacher. */
  starts: number;
  /** Most (configuration, g) pairs applied exactly; beyond it a seeded sample of configurations (S1, symmetry share). */
  symmetryBudget: number;
  /** A seed is a teacher (`v3BinaryTeacher`): exploration teachers may be looked at, confirmation ones give the verdicts. */
  seeds: { exploration: number[]; confirmation: number[] };
}

export function v3BinarySetup(scale: V3BinaryScale): V3BinarySetup {
  const fs: V3BinaryNonlinearity[] = ["sign", "relu", "linear"];
  const at = (n: number, L: number) => fs.map((f): V3BinaryShape => ({ n, L, f }));
  const quick: V3BinarySetup = {
    // n = 3, L = 2: 2^18 = 262,144 configurations, the largest case the spec calls trivial; three nonlinearities
    cases: at(3, 2),
    teacherCases: at(3, 2).map(v3BinaryCaseId),
    // the spec's 1,000 starts (the registered number is the exact probability; these check it)
    starts: 1000,
    // 2^18 configurations × 48 elements of G = 1.3e7 pairs: exact
    symmetryBudget: 2 ** 26,
    seeds: { exploration: range(0, 10), confirmation: range(100, 30) },
  };
  if (scale === "smoke")
    return {
      cases: at(2, 2), // 256 configurations each
      teacherCases: at(2, 2).map(v3BinaryCaseId),
      starts: 200,
      symmetryBudget: 2 ** 26,
      seeds: { exploration: [0, 1], confirmation: range(100, 6) },
    };
  if (scale === "paper") {
    // deeper nets at n = 2 (2^12 and 2^16 configurations), and n = 3, L = 3 (2^27) for the sign net, teacher-independent
    // measures only (each teacher would be a full pass over 1.3e8 configurations and 27 flips, per architecture).
    // Measured on a 2-core machine: the n = 3, L = 3 case takes ~5 min and ~6 GB (up to 9.2e7 distinct functions per
    // architecture are interned); G (|G| = 2304) is applied to a seeded sample of configurations there. The whole
    // paper scale ~6 min. n = 4, L = 2 (2^32) does not fit the 32-bit encoding or the memory.
    const cases = [...at(3, 2), ...at(2, 3), ...at(2, 4), { n: 3, L: 3, f: "sign" as const }];
    return {
      ...quick,
      cases,
      teacherCases: [...at(3, 2), ...at(2, 3), ...at(2, 4)].map(v3BinaryCaseId),
    };
  }
  return quick;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** The teacher-independent results of one architecture of a case. */
export interface V3BinaryArchSummary extends V3BinaryFibreStats {
  arch: V3BinaryArch;
  /** Share of (configuration, g ≠ 1) pairs with an unchanged function. */
  invariantShare: number;
  /** (configuration, g ≠ 1) pairs whose function g changes. */
  changedPairs: number;
}

/** Everything one case gives: per architecture its fibres and symmetry share, and per teacher its landscape. */
export interface V3BinaryCaseResult {
  id: string;
  shape: V3BinaryShape;
  N: number;
  groupSize: number;
  symmetry: Omit<V3BinarySymmetryStats, "canonical" | "invariant">;
  archs: V3BinaryArchSummary[];
  teachers: V3BinaryTeacherResult[];
  seconds: number;
}

/** Enumerates one case for the three architectures and analyses the teachers `seeds` (when it is a teacher case). */
export function v3BinaryRunCase(
  setup: V3BinarySetup,
  shape: V3BinaryShape,
  seeds: readonly number[],
): V3BinaryCaseResult {
  const t0 = performance.now();
  const lands = Object.fromEntries(
    v3BinaryArchs.map((arch) => [arch, v3BinaryEnumerate({ ...shape, arch })]),
  ) as Record<V3BinaryArch, V3BinaryLandscape>;
  const sym = v3BinarySymmetry(lands, { budget: setup.symmetryBudget });
  const archs = v3BinaryArchs.map((arch): V3BinaryArchSummary => ({
    arch,
    ...v3BinaryFibreStats(lands[arch]),
    invariantShare: sym.invariant[arch].share,
    changedPairs: sym.pairs - sym.invariant[arch].pairs,
  }));
  const id = v3BinaryCaseId(shape);
  // At L = 2 the dense net is the residual one plus x_0, a term no weight touches: the same fibres and, for the same
  // teacher bits, the same loss everywhere. Its teacher results are then the residual ones (checked, not assumed).
  const denseIsResidual = v3BinarySameLandscape(lands.residual, lands.dense);
  // the plain landscape is constant on G-orbits: its passes run over orbits (exactly the same numbers, tested)
  const orbits = sym.canonical ? v3BinaryOrbits(sym.canonical) : null;
  const teachers = setup.teacherCases.includes(id)
    ? seeds.flatMap((seed) => {
        const run = (arch: V3BinaryArch) =>
          v3BinaryTeacherLandscape(lands[arch], {
            seed,
            starts: setup.starts,
            canonical: sym.canonical,
            orbits: arch === "plain" ? orbits : null,
          });
        const plain = run("plain");
        const residual = run("residual");
        const dense = denseIsResidual ? { ...residual, arch: "dense" as const } : run("dense");
        return [plain, residual, dense];
      })
    : [];
  const { canonical: _c, invariant: _i, ...symmetry } = sym;
  return {
    id,
    shape,
    N: lands.plain.N,
    groupSize: sym.groupSize,
    symmetry,
    archs,
    teachers,
    seconds: (performance.now() - t0) / 1000,
  };
}

const ALPHA = 0.05;
/** Exact criteria: a skip architecture must change a degeneracy measure by at least this factor (ours). */
const RATIO = 1.1;
/** Smallest effects of interest of the teacher criteria (ours): 2 points of success, 0.2 % of configurations. */
const SESOI_SUCCESS = 0.02;
const SESOI_SPURIOUS = 0.002;
const SKIPS: readonly V3BinaryArch[] = ["residual", "dense"];

/** Registration of notebook 17 (every design, criterion and threshold ours; the paper's abstract only is FOUND). */
export function v3BinaryPreregistration(scale: string, s: V3BinarySetup): Preregistration {
  const ids = s.cases.map(v3BinaryCaseId);
  const exact = "exact enumeration of all configurations, no sampling";
  const welch =
    "Welch t-test over confirmation teachers (unpaired: each architecture's teacher is its own net), 95 % t interval";
  const lg = Math.log10(RATIO).toFixed(4);
  return {
    notebook: "17-p1v3-B-binary-weights",
    scale,
    seeds: s.seeds,
    claims: [
      {
        id: "S1",
        figure: "P1 v3-B (our toy model)",
        claim:
          "Identity: every element g of the plain net's symmetry group G (hidden-unit permutations, and sign flips when f is odd) leaves every plain configuration's function unchanged.",
        source: "ours (an algebraic identity of the model; the symmetry argument of the abstract is FOUND)",
        kind: "sanity",
        criteria: ids.map((id) => ({
          id: `plain-invariant@${id}`,
          estimate: `number of (configuration, g ≠ 1) pairs of the plain ${id} net whose function g changes, − 0.5 (negative: none)`,
          test: "exact count over all configurations × G (a seeded sample of configurations where N·|G| exceeds the budget)",
          expect: { direction: "negative", alpha: ALPHA, sesoi: 0 },
        })),
      },
      {
        id: "B1",
        figure: "P1 v3-B (our toy model)",
        claim:
          "Residual and dense connections reduce the degeneracy of the binary-weight landscape: fewer expected global minima per teacher, more distinct functions, and symmetries of the plain net that no longer leave the function unchanged.",
        source:
          "FOUND (v1–v4 abstract: a toy model with binary weights shows that skips reduce the degeneracy caused by symmetries); the operationalisation is ours",
        kind: "paper",
        manipulation: "S1",
        criteria: ids.flatMap((id) =>
          SKIPS.flatMap((a) => [
            {
              id: `minima-${a}@${id}`,
              estimate: `log₁₀(Σ|F|²/N of ${a} ÷ that of plain) + log₁₀ ${RATIO} (= ${lg}), ${id} (negative: at least ${RATIO}× fewer expected global minima)`,
              test: exact,
              expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
            },
            {
              id: `functions-${a}@${id}`,
              estimate: `log₁₀(distinct functions of ${a} ÷ those of plain) − ${lg}, ${id} (positive: at least ${RATIO}× more functions)`,
              test: exact,
              expect: { direction: "positive" as const, alpha: ALPHA, sesoi: 0 },
            },
            {
              id: `symmetry-${a}@${id}`,
              estimate: `share of (configuration, g ≠ 1) pairs with an unchanged function, ${a} − plain, + 0.1, ${id} (negative: at least 10 points below plain)`,
              test: "exact count over all configurations × G (a seeded sample where N·|G| exceeds the budget)",
              expect: { direction: "negative" as const, alpha: ALPHA, sesoi: 0 },
            },
          ]),
        ),
      },
      {
        id: "B2",
        figure: "P1 v3-B (our toy model)",
        claim:
          "Local search finds a global minimum more often with skip connections: steepest single-bit-flip descent from a random start succeeds more often for residual and dense nets than for plain ones.",
        source: "implied by the v1–v4 abstract (a less degenerate landscape); the claim's form and test are ours",
        kind: "paper",
        criteria: s.teacherCases.flatMap((id) =>
          SKIPS.map((a) => ({
            id: `success-${a}@${id}`,
            estimate: `mean over teachers of the exact success probability of steepest descent from a uniformly random start, ${a} − plain, ${id}`,
            test: welch,
            expect: { direction: "positive" as const, alpha: ALPHA, sesoi: SESOI_SUCCESS },
          })),
        ),
      },
      {
        id: "B3",
        figure: "P1 v3-B (our toy model)",
        claim:
          "Skip connections leave fewer spurious local minima (configurations at loss > 0 that no single bit flip improves).",
        source: "implied by the v1–v4 abstract (a simpler landscape); the claim's form and test are ours",
        kind: "paper",
        criteria: s.teacherCases.flatMap((id) =>
          SKIPS.map((a) => ({
            id: `spurious-${a}@${id}`,
            estimate: `mean over teachers of the share of configurations that are spurious local minima, ${a} − plain, ${id}`,
            test: welch,
            expect: { direction: "negative" as const, alpha: ALPHA, sesoi: SESOI_SPURIOUS },
          })),
        ),
      },
    ],
    notes: [
      "net (ours): n units per layer, L binary (±1) weight layers n × n, hidden nonlinearity f on layers 1 … L−1 (sign with sign(0) = 0, ReLU or linear), linear read-out; plain x_l = f(W_l x_{l−1}); residual adds x_{l−1}; dense adds Σ_{k<l} x_k (the read-out too)",
      `cases: ${ids.join(", ")}; teacher cases: ${s.teacherCases.join(", ")}; inputs: all 2^n vectors of {−1, +1}^n; loss: Σ over inputs and outputs of the squared error, an integer`,
      'a seed is a teacher: a uniformly random configuration (the same bits for every architecture), drawn by new Rng(subSeed(seed, "v3-binary-teacher"))',
      "G (ours): per hidden layer a permutation of its units, and a sign flip per unit when f is odd; the identity is left out of the shares",
      `descent (ours): steepest single-bit-flip descent, ties broken uniformly at random, stopping when no flip lowers the loss; its success probability is computed exactly over all starts; a ${s.starts}-start simulation is shown beside it`,
      `the exact criteria (S1, B1) need no teachers: their numbers are the same on the exploration and confirmation seeds; thresholds (${RATIO}× ratios, 10 points of invariant share, ${SESOI_SUCCESS} success, ${SESOI_SPURIOUS} spurious share) are ours`,
      "only the abstract of v1–v4 was found: the paper's model, sizes and numbers are unknown",
    ],
  };
}

/** The registered estimates on one teacher set. */
export function v3BinaryMeasure(
  s: V3BinarySetup,
  results: readonly V3BinaryCaseResult[],
  seeds: readonly number[],
): Measured {
  const byId = new Map(results.map((r) => [r.id, r]));
  const of = (id: string) => {
    const r = byId.get(id);
    if (!r) throw new Error(`v3BinaryMeasure: no results for case ${id}`);
    return r;
  };
  const arch = (r: V3BinaryCaseResult, a: V3BinaryArch) => r.archs.find((x) => x.arch === a)!;
  const teach = (r: V3BinaryCaseResult, a: V3BinaryArch, key: "success" | "spurious") =>
    seeds.map((seed) => {
      const t = r.teachers.find((x) => x.seed === seed && x.arch === a);
      if (!t) throw new Error(`v3BinaryMeasure: case ${r.id} has no teacher ${seed} for ${a}`);
      return key === "success" ? t.success : t.spuriousMinima / r.N;
    });
  const lg = Math.log10(RATIO);
  const sampledNote = (r: V3BinaryCaseResult) =>
    r.symmetry.sampled
      ? `exact count over a seeded sample of ${r.symmetry.configs} configurations × G`
      : "exact count over all configurations × G";
  const S1: Record<string, ReturnType<typeof exactEffect>> = {};
  const B1: Record<string, ReturnType<typeof exactEffect>> = {};
  const B2: Record<string, ReturnType<typeof welchEffect>> = {};
  const B3: Record<string, ReturnType<typeof welchEffect>> = {};
  const numbers: Record<string, Record<string, number | string>> = { S1: {}, B1: {}, B2: {}, B3: {} };
  for (const shape of s.cases) {
    const id = v3BinaryCaseId(shape);
    const r = of(id);
    const plain = arch(r, "plain");
    S1[`plain-invariant@${id}`] = exactEffect(plain.changedPairs - 0.5, sampledNote(r));
    numbers.S1[`changed pairs, plain ${id}`] = `${plain.changedPairs} of ${r.symmetry.pairs} (|G| = ${r.groupSize})`;
    for (const a of SKIPS) {
      const x = arch(r, a);
      B1[`minima-${a}@${id}`] = exactEffect(
        Math.log10(x.expectedGlobalMinima / plain.expectedGlobalMinima) + lg,
        "exact enumeration",
      );
      B1[`functions-${a}@${id}`] = exactEffect(Math.log10(x.functions / plain.functions) - lg, "exact enumeration");
      B1[`symmetry-${a}@${id}`] = exactEffect(x.invariantShare - plain.invariantShare + 0.1, sampledNote(r));
    }
    numbers.B1[`${id}: expected global minima plain / residual / dense`] = r.archs
      .map((x) => x.expectedGlobalMinima.toFixed(2))
      .join(" / ");
    numbers.B1[`${id}: distinct functions plain / residual / dense`] = r.archs.map((x) => x.functions).join(" / ");
    numbers.B1[`${id}: invariant share plain / residual / dense`] = r.archs
      .map((x) => x.invariantShare.toFixed(4))
      .join(" / ");
  }
  for (const id of s.teacherCases) {
    const r = of(id);
    const succ = Object.fromEntries(v3BinaryArchs.map((a) => [a, teach(r, a, "success")])) as Record<
      V3BinaryArch,
      number[]
    >;
    const spur = Object.fromEntries(v3BinaryArchs.map((a) => [a, teach(r, a, "spurious")])) as Record<
      V3BinaryArch,
      number[]
    >;
    for (const a of SKIPS) {
      B2[`success-${a}@${id}`] = welchEffect(succ[a], succ.plain);
      B3[`spurious-${a}@${id}`] = welchEffect(spur[a], spur.plain);
    }
    numbers.B2[`${id}: mean success plain / residual / dense`] = v3BinaryArchs
      .map((a) => mean(succ[a]).toFixed(3))
      .join(" / ");
    numbers.B3[`${id}: mean spurious share plain / residual / dense`] = v3BinaryArchs
      .map((a) => mean(spur[a]).toFixed(4))
      .join(" / ");
  }
  return { estimates: { S1, B1, B2, B3 }, numbers };
}
