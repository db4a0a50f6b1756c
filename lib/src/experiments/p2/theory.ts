/**
 * Paper 2 (Oyedotun et al., docs/spec/p2.md §2.0, §2.4 item 1): the linear theory in float64.
 *
 * A batch X (n × N, x ~ N(0, I)) goes through m linear blocks of one family; each block's matrix is drawn once:
 *   plain    H ← W H                                   W ~ N(0, 1/n)          (Theorem 2: H collapses to rank 1)
 *   resnet   H ← (I + g W) H                           W ~ N(0, 1/n)          (Theorem 3: every direction survives)
 *   resnext  H ← (I + g/√s Σ_k A_k G_k B_k) H          s paths n → q → q → n  (Theorem 4, Corollary 2)
 * with A_k ~ N(0, 1/q) (n × q), G_k ~ N(0, 1/q) (q × q), B_k ~ N(0, 1/n) (q × n), so that every branch carries the
 * same expected energy as W (E‖A G B h‖² = ‖h‖², and the 1/√s keeps the sum of s paths at that). A block is one
 * matrix, as in the paper's analysis, which replaces the block's two weight layers by their product. The branch gain
 * g (PROPOSED, ours) keeps the residual product from growing with depth: 1/√(deepest depth) by default. After each
 * block H is divided by its Frobenius norm, which leaves every singular-value ratio, κ and the rank unchanged.
 *
 * The predictions the notebook checks:
 * - Lyapunov spectrum of a product of real Gaussian n × n matrices with N(0, 1/n) entries (Newman 1986):
 *   λ_i = ½[ln(2/n) + ψ((n − i + 1)/2)], so σ_i/σ_1 of the m-fold product ≈ exp(−m(λ_1 − λ_i)) and the numerical rank
 *   at relative tolerance τ is ≈ #{i : m(λ_1 − λ_i) < ln(1/τ)}: it falls to 1 once m(λ_1 − λ_2) > ln(1/τ).
 * - Fuss–Catalan law (Lemma 1): the squared singular values of a product of s Gaussian matrices (N(0, 1/n)) follow
 *   the Fuss–Catalan density of order s as n → ∞ (parametrised as in Penson & Życzkowski 2011), with moments
 *   E x^k = C((s+1)k, k)/(sk + 1).
 * - Rudelson–Vershynin (Theorem 5): for an a × b Gaussian matrix with N(0, 1) entries, a ≤ b,
 *   √b − √a ≤ E σ_min ≤ E σ_max ≤ √b + √a.
 */
import { defaultRtol, numericalRankFromSingularValues } from "../../linalg/rank";
import { svdvals } from "../../linalg/svd";
import { Rng, subSeed } from "../../util/random";

export type P2LinearFamily = "plain" | "resnet" | "resnext";
export const P2_LINEAR_FAMILIES: readonly P2LinearFamily[] = ["plain", "resnet", "resnext"];

export interface P2LinearOptions {
  /** n: the width of every representation. */
  width: number;
  /** N: the batch size (columns of H); N ≥ n so that H can be full rank. */
  batch: number;
  /** The depths m (numbers of blocks) at which H^m is measured, ascending; the product runs to the last. */
  depths: number[];
  /** s: ResNeXt paths. */
  cardinality: number;
  /** q: ResNeXt path width (q < n). */
  groupWidth: number;
  /** g: residual branch gain (default 1/√(last depth)). */
  branchGain?: number;
}

/** H^m at one depth: its singular values and what the notebook reads from them. */
export interface P2DepthPoint {
  depth: number;
  /** Singular values of H^m (normalised to unit Frobenius norm), descending. */
  sigma: Float64Array;
  /** σ_min/σ_max. */
  ratio: number;
  /** κ = σ_max/σ_min (Infinity where σ_min = 0). */
  kappa: number;
  /** Numerical rank at numpy's float64 tolerance, max(n, N)·ε₆₄·σ_max. */
  rank64: number;
  /** Numerical rank at the float32 threshold 1e-7·σ_max (docs/spec/p2.md §2.4: κ counts as ∞ below it). */
  rank32: number;
}

/** C = A B for row-major A (r × k) and B (k × c). */
function matmul(A: Float64Array, B: Float64Array, r: number, k: number, c: number): Float64Array {
  const C = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const ci = i * c;
    for (let t = 0; t < k; t++) {
      const a = A[i * k + t];
      if (a === 0) continue;
      const bt = t * c;
      for (let j = 0; j < c; j++) C[ci + j] += a * B[bt + j];
    }
  }
  return C;
}

function gaussian(rng: Rng, count: number, std: number): Float64Array {
  return rng.normals(count, 0, std);
}

/** The measured quantities of one H (n × N). */
export function p2DepthPoint(depth: number, H: Float64Array, n: number, N: number): P2DepthPoint {
  const sigma = svdvals(H, n, N);
  const smax = sigma[0];
  const smin = sigma[sigma.length - 1];
  return {
    depth,
    sigma,
    ratio: smin / smax,
    kappa: smin > 0 ? smax / smin : Infinity,
    rank64: numericalRankFromSingularValues(sigma, defaultRtol(n, N)),
    rank32: numericalRankFromSingularValues(sigma, 1e-7),
  };
}

/** Runs one family from one seed (module comment); returns H^m at every requested depth. */
export function p2LinearProduct(family: P2LinearFamily, o: P2LinearOptions, seed: number): P2DepthPoint[] {
  const { width: n, batch: N, cardinality: s, groupWidth: q } = o;
  if (!(N >= n)) throw new Error(`p2LinearProduct: the batch (${N}) must be at least the width (${n})`);
  if (family === "resnext" && !(q >= 1 && q < n && s >= 1))
    throw new Error(`p2LinearProduct: ResNeXt needs s ≥ 1 paths of width 1 ≤ q < n (got s = ${s}, q = ${q}, n = ${n})`);
  const depths = [...o.depths];
  if (depths.some((d, i) => !Number.isInteger(d) || d < 0 || (i > 0 && d <= depths[i - 1])))
    throw new Error(`p2LinearProduct: depths must be ascending non-negative integers, got ${depths.join(", ")}`);
  const last = depths[depths.length - 1] ?? 0;
  const g = o.branchGain ?? 1 / Math.sqrt(Math.max(1, last));
  // the input batch is shared by the three families of a seed; each family draws its own block matrices
  let H = gaussian(new Rng(subSeed(seed, "p2-theory-input")), n * N, 1);
  const rng = new Rng(subSeed(subSeed(seed, "p2-theory-blocks"), family));
  const out: P2DepthPoint[] = [];
  const normalise = () => {
    let ss = 0;
    for (let i = 0; i < H.length; i++) ss += H[i] * H[i];
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < H.length; i++) H[i] *= inv;
  };
  normalise();
  let next = 0;
  if (depths[0] === 0) {
    out.push(p2DepthPoint(0, H, n, N));
    next = 1;
  }
  for (let m = 1; m <= last; m++) {
    if (family === "plain") {
      H = matmul(gaussian(rng, n * n, 1 / Math.sqrt(n)), H, n, n, N);
    } else if (family === "resnet") {
      const WH = matmul(gaussian(rng, n * n, 1 / Math.sqrt(n)), H, n, n, N);
      for (let i = 0; i < H.length; i++) H[i] += g * WH[i];
    } else {
      const branch = new Float64Array(n * N);
      for (let k = 0; k < s; k++) {
        const B = gaussian(rng, q * n, 1 / Math.sqrt(n));
        const G = gaussian(rng, q * q, 1 / Math.sqrt(q));
        const A = gaussian(rng, n * q, 1 / Math.sqrt(q));
        const path = matmul(A, matmul(G, matmul(B, H, q, n, N), q, q, N), n, q, N);
        for (let i = 0; i < branch.length; i++) branch[i] += path[i];
      }
      const c = g / Math.sqrt(s);
      for (let i = 0; i < H.length; i++) H[i] += c * branch[i];
    }
    normalise();
    if (m === depths[next]) {
      out.push(p2DepthPoint(m, H, n, N));
      next++;
    }
  }
  return out;
}

/** The digamma function ψ(x) for x > 0 (recurrence to x ≥ 6, then the asymptotic series; |error| < 1e-12). */
export function digamma(x: number): number {
  if (!(x > 0)) throw new Error(`digamma: needs x > 0, got ${x}`);
  let acc = 0;
  while (x < 6) {
    acc -= 1 / x;
    x += 1;
  }
  const x2 = 1 / (x * x);
  return (
    acc + Math.log(x) - 0.5 / x - x2 * (1 / 12 - x2 * (1 / 120 - x2 * (1 / 252 - x2 * (1 / 240 - x2 * (1 / 132)))))
  );
}

/** Lyapunov exponents λ_1 ≥ … ≥ λ_n of products of real n × n Gaussian matrices with N(0, 1/n) entries. */
export function gaussianLyapunov(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 0.5 * (Math.log(2 / n) + digamma((n - i) / 2)));
}

/** The numerical rank the Lyapunov spectrum predicts for an m-fold product at relative tolerance τ. */
export function predictedRank(n: number, m: number, tol: number): number {
  const l = gaussianLyapunov(n);
  return l.filter((li) => m * (l[0] - li) < Math.log(1 / tol)).length;
}

/** The trigamma function ψ′(x), x > 0 (recurrence to x ≥ 10, then the asymptotic series; |error| < 1e-12). */
export function trigamma(x: number): number {
  if (!(x > 0)) throw new Error(`trigamma: needs x > 0, got ${x}`);
  let acc = 0;
  while (x < 10) {
    acc += 1 / (x * x);
    x += 1;
  }
  const x2 = 1 / (x * x);
  return acc + 1 / x + x2 / 2 + (x2 / x) * (1 / 6 - x2 * (1 / 30 - x2 * (1 / 42 - x2 * (1 / 30))));
}

/**
 * The 95 % band of the numerical rank of H^m = (W_m ⋯ W_1) X around the Lyapunov prediction, from the central limit
 * theorem for products of Gaussian matrices (Newman 1986; Akemann, Burda & Kieburg 2014): ln σ_i of the m-fold
 * product is ≈ m·λ_i + √m·ξ_i with independent ξ_i ~ N(0, ψ′((n − i + 1)/2)/4), so ln(σ_1/σ_i) has mean
 * m(λ_1 − λ_i) and variance m[ψ′(n/2) + ψ′((n − i + 1)/2)]/4. The input X moves each ratio by at most a factor
 * κ(X) either way (σ_i(PX)/σ_1(PX) lies within [1/κ(X), κ(X)] times σ_i(P)/σ_1(P)). Direction i counts in the rank
 * when ln(σ_1/σ_i) < ln(1/τ); `lo` counts the directions that do even at mean + z·sd + ln κ(X), `hi` those that do at
 * mean − z·sd − ln κ(X).
 */
export function predictedRankBand(
  n: number,
  m: number,
  tol: number,
  o: { z?: number; inputKappa?: number } = {},
): { lo: number; hi: number } {
  const z = o.z ?? 1.96;
  const c = Math.log(o.inputKappa ?? 1);
  const l = gaussianLyapunov(n);
  const L = Math.log(1 / tol);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const mean = m * (l[0] - l[i]);
    const sd = i === 0 ? 0 : Math.sqrt((m * (trigamma(n / 2) + trigamma((n - i) / 2))) / 4);
    if (mean + z * sd + c < L) lo++;
    if (mean - z * sd - c < L) hi++;
  }
  return { lo: Math.max(1, lo), hi };
}

/** The k-th moment of the Fuss–Catalan law of order s: C((s+1)k, k)/(sk + 1). */
export function fussCatalanMoment(s: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c *= ((s + 1) * k - k + i) / i; // C((s+1)k, k)
  return c / (s * k + 1);
}

/**
 * The Fuss–Catalan density of order s (the squared singular values of a product of s Gaussian matrices), as points
 * (x, p(x)) on its support (0, (s+1)^{s+1}/s^s], from the parametrisation
 *   x(φ) = sin((s+1)φ)^{s+1} / (sin φ · sin(sφ)^s),  p = sin(φ)² sin(sφ)^{s−1} / (π sin((s+1)φ)^s),  0 < φ < π/(s+1).
 * For s = 1 it is the Marchenko–Pastur law with ratio 1.
 */
export function fussCatalanDensity(s: number, points = 400): Array<{ x: number; p: number }> {
  const out: Array<{ x: number; p: number }> = [];
  const top = Math.PI / (s + 1);
  for (let i = 1; i < points; i++) {
    const phi = (top * i) / points;
    const a = Math.sin((s + 1) * phi);
    const x = a ** (s + 1) / (Math.sin(phi) * Math.sin(s * phi) ** s);
    const p = (Math.sin(phi) ** 2 * Math.sin(s * phi) ** (s - 1)) / (Math.PI * a ** s);
    out.push({ x, p });
  }
  return out.sort((u, v) => u.x - v.x);
}

/** Squared singular values of a product of s independent n × n Gaussian matrices with N(0, 1/n) entries. */
export function gaussianProductSpectrum(n: number, s: number, seed: number): Float64Array {
  const rng = new Rng(subSeed(seed, "p2-fuss-catalan"));
  let P = gaussian(rng, n * n, 1 / Math.sqrt(n));
  for (let k = 1; k < s; k++) P = matmul(gaussian(rng, n * n, 1 / Math.sqrt(n)), P, n, n, n);
  return svdvals(P, n, n).map((v) => v * v);
}

/** σ_min and σ_max of an a × b matrix with N(0, 1) entries (a ≤ b), and the Rudelson–Vershynin bounds. */
export function rudelsonVershynin(
  a: number,
  b: number,
  seed: number,
): { sigmaMin: number; sigmaMax: number; lower: number; upper: number } {
  if (!(a >= 1 && b >= a)) throw new Error(`rudelsonVershynin: needs 1 ≤ a ≤ b, got ${a} × ${b}`);
  const sigma = svdvals(gaussian(new Rng(subSeed(seed, "p2-rv")), a * b, 1), a, b);
  return {
    sigmaMin: sigma[sigma.length - 1],
    sigmaMax: sigma[0],
    lower: Math.sqrt(b) - Math.sqrt(a),
    upper: Math.sqrt(b) + Math.sqrt(a),
  };
}
