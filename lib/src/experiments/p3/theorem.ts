/**
 * A numerical check of paper 3's theorem — ours, not the paper's (docs/spec/p3.md §3.1, "optional check",
 * PROPOSED). The theorem: a deep ReLU net with a skip branch that is a two-layer ReLU net of m hidden units inherits
 * that net's landscape, so every local minimum worse than its global minimum is shallow, with depth O(m^{(η−1)/n}),
 * η < 1, n the input dimension. The exact definitions (the loss, the data assumptions, the "depth") were not found.
 *
 * Here, in float64 with hand-written gradients:
 *   skip:     f(x) = D(x) + S(x),   S(x) = Σ_k a_k·relu(u_k·x + c_k)  (m units)
 *   no skip:  f(x) = D(x)
 * with D a ReLU MLP (`depth` hidden layers of `width`, linear read-out), squared loss ½·mean (f(x) − y)² on synthetic
 * regression data (x ~ N(0, I_n), y from a random two-layer ReLU teacher plus noise).
 *
 * Minima come from full-batch Adam from many initialisations. The barrier between two minima θ_A, θ_B is measured
 * along a quadratic Bézier path φ(t) = (1−t)²θ_A + 2t(1−t)θ_c + t²θ_B whose bend θ_c is optimised (Garipov et al.
 * 2018): stochastic gradient on E_t L(φ(t)), t on a stratified grid; barrier = max_t L(φ(t)) − max(L(θ_A), L(θ_B))
 * on a fine t grid. The straight segment (θ_c at the midpoint) is measured too.
 */
import type { Measured, Preregistration } from "../../report/prereg";
import { bootstrapEffect } from "../../report/verdict";
import { mean } from "../../stats";
import { Rng, subSeed } from "../../util/random";

export interface P3TheoremNet {
  /** Input dimension n. */
  n: number;
  /** Deep branch: hidden layers and their width. */
  depth: number;
  width: number;
  /** Skip branch units m (0: no skip branch). */
  m: number;
}

/** Parameters: deep branch layer by layer (W row-major [in, out], then b), read-out (w, b), then the skip branch (u [m, n], c [m], a [m]). */
export function p3TheoremParamCount(net: P3TheoremNet): number {
  let p = 0;
  let fan = net.n;
  for (let l = 0; l < net.depth; l++) {
    p += fan * net.width + net.width;
    fan = net.width;
  }
  p += fan + 1;
  return p + net.m * (net.n + 2);
}

export interface P3TheoremData {
  x: Float64Array; // [N, n]
  y: Float64Array; // [N]
  N: number;
  n: number;
}

/** x ~ N(0, I_n); y = Σ_j v_j relu(w_j·x) / √teacher + noise·N(0, 1), a teacher of `teacher` units. */
export function p3TheoremData(
  n: number,
  N: number,
  o: { teacher: number; noise: number; seed: number },
): P3TheoremData {
  const rng = new Rng(subSeed(o.seed, "p3-theorem-data"));
  const W = rng.normals(o.teacher * n, 0, 1 / Math.sqrt(n));
  const v = rng.normals(o.teacher, 0, 1);
  const x = new Float64Array(rng.normals(N * n));
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < o.teacher; j++) {
      let z = 0;
      for (let k = 0; k < n; k++) z += W[j * n + k] * x[i * n + k];
      s += v[j] * Math.max(0, z);
    }
    y[i] = s / Math.sqrt(o.teacher) + o.noise * rng.normal();
  }
  return { x, y, N, n };
}

/** He-normal deep branch, zero biases; skip branch u ~ N(0, 1/n), c = 0, a ~ N(0, 1/m). */
export function p3TheoremInit(net: P3TheoremNet, seed: number): Float64Array {
  const rng = new Rng(subSeed(seed, "p3-theorem-init"));
  const theta = new Float64Array(p3TheoremParamCount(net));
  let o = 0;
  let fan = net.n;
  for (let l = 0; l < net.depth; l++) {
    for (let i = 0; i < fan * net.width; i++) theta[o++] = rng.normal() * Math.sqrt(2 / fan);
    o += net.width;
    fan = net.width;
  }
  for (let i = 0; i < fan; i++) theta[o++] = rng.normal() * Math.sqrt(1 / fan);
  o += 1;
  for (let i = 0; i < net.m * net.n; i++) theta[o++] = rng.normal() / Math.sqrt(net.n);
  o += net.m;
  for (let i = 0; i < net.m; i++) theta[o++] = rng.normal() / Math.sqrt(Math.max(1, net.m));
  return theta;
}

/** The loss ½·mean (f(x) − y)² and, when `grad` is given, its gradient written into it. */
export function p3TheoremLoss(net: P3TheoremNet, theta: Float64Array, d: P3TheoremData, grad?: Float64Array): number {
  const { n, depth, width, m } = net;
  if (grad) grad.fill(0);
  // offsets
  const layers: Array<{ W: number; b: number; fan: number }> = [];
  let o = 0;
  let fan = n;
  for (let l = 0; l < depth; l++) {
    layers.push({ W: o, b: o + fan * width, fan });
    o += fan * width + width;
    fan = width;
  }
  const ro = o;
  const rb = o + fan;
  o += fan + 1;
  const uo = o;
  const co = uo + m * n;
  const ao = co + m;
  const acts: Float64Array[] = Array.from({ length: depth + 1 }, (_, l) => new Float64Array(l === 0 ? n : width));
  const delta: Float64Array[] = Array.from({ length: depth + 1 }, (_, l) => new Float64Array(l === 0 ? n : width));
  const sk = new Float64Array(m); // the skip branch's pre-activations of one sample
  let loss = 0;
  for (let i = 0; i < d.N; i++) {
    const xi = d.x.subarray(i * n, (i + 1) * n);
    acts[0].set(xi);
    for (let l = 0; l < depth; l++) {
      const L = layers[l];
      const a = acts[l];
      const h = acts[l + 1];
      for (let j = 0; j < width; j++) {
        let s = theta[L.b + j];
        for (let k = 0; k < L.fan; k++) s += a[k] * theta[L.W + k * width + j];
        h[j] = s > 0 ? s : 0;
      }
    }
    let f = theta[rb];
    const last = acts[depth];
    for (let k = 0; k < last.length; k++) f += last[k] * theta[ro + k];
    for (let k = 0; k < m; k++) {
      let z = theta[co + k];
      for (let q = 0; q < n; q++) z += theta[uo + k * n + q] * xi[q];
      sk[k] = z;
      if (z > 0) f += theta[ao + k] * z;
    }
    const r = f - d.y[i];
    loss += 0.5 * r * r;
    if (!grad) continue;
    const g = r / d.N;
    // read-out and skip branch
    grad[rb] += g;
    for (let k = 0; k < last.length; k++) grad[ro + k] += g * last[k];
    for (let k = 0; k < m; k++) {
      if (sk[k] <= 0) continue;
      grad[ao + k] += g * sk[k];
      const ga = g * theta[ao + k];
      grad[co + k] += ga;
      for (let q = 0; q < n; q++) grad[uo + k * n + q] += ga * xi[q];
    }
    // deep branch backward
    const top = delta[depth];
    for (let k = 0; k < width && depth > 0; k++) top[k] = last[k] > 0 ? g * theta[ro + k] : 0;
    for (let l = depth - 1; l >= 0; l--) {
      const L = layers[l];
      const a = acts[l];
      const dl = delta[l + 1];
      const below = delta[l];
      below.fill(0);
      for (let j = 0; j < width; j++) {
        const dj = dl[j];
        if (dj === 0) continue;
        grad[L.b + j] += dj;
        for (let k = 0; k < L.fan; k++) {
          grad[L.W + k * width + j] += dj * a[k];
          below[k] += dj * theta[L.W + k * width + j];
        }
      }
      if (l > 0) for (let k = 0; k < width; k++) below[k] = acts[l][k] > 0 ? below[k] : 0;
    }
  }
  return loss / d.N;
}

/** Full-batch Adam from θ₀ (a copy is updated); returns the final parameters and loss. */
export function p3TheoremTrain(
  net: P3TheoremNet,
  theta0: Float64Array,
  d: P3TheoremData,
  o: { steps: number; lr: number },
): { theta: Float64Array; loss: number } {
  const theta = Float64Array.from(theta0);
  const g = new Float64Array(theta.length);
  const m1 = new Float64Array(theta.length);
  const m2 = new Float64Array(theta.length);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  for (let t = 1; t <= o.steps; t++) {
    p3TheoremLoss(net, theta, d, g);
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    for (let i = 0; i < theta.length; i++) {
      m1[i] = b1 * m1[i] + (1 - b1) * g[i];
      m2[i] = b2 * m2[i] + (1 - b2) * g[i] * g[i];
      theta[i] -= (o.lr * (m1[i] / c1)) / (Math.sqrt(m2[i] / c2) + eps);
    }
  }
  return { theta, loss: p3TheoremLoss(net, theta, d) };
}

/** φ(t) of the quadratic Bézier path through θ_A, θ_c, θ_B. */
export function bezierPoint(
  a: Float64Array,
  c: Float64Array,
  b: Float64Array,
  t: number,
  out = new Float64Array(a.length),
): Float64Array {
  const [wa, wc, wb] = [(1 - t) ** 2, 2 * t * (1 - t), t * t];
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i] + wc * c[i] + wb * b[i];
  return out;
}

export interface P3Barrier {
  /** max_t L(φ(t)) − max(L(θ_A), L(θ_B)) on the optimised path, and on the straight segment. */
  bezier: number;
  linear: number;
  /** The losses at the two ends. */
  ends: [number, number];
}

/**
 * The barrier between two minima (module comment): the bend is optimised by Adam for `steps` steps on the mean loss
 * over `samples` stratified t per step (seeded), then the path is evaluated on `grid` + 1 points.
 */
export function p3TheoremBarrier(
  net: P3TheoremNet,
  a: Float64Array,
  b: Float64Array,
  d: P3TheoremData,
  o: { steps: number; lr: number; samples: number; grid: number; seed: number },
): P3Barrier {
  const ends: [number, number] = [p3TheoremLoss(net, a, d), p3TheoremLoss(net, b, d)];
  const top = Math.max(...ends);
  const c = new Float64Array(a.length);
  for (let i = 0; i < c.length; i++) c[i] = (a[i] + b[i]) / 2;
  const peak = (ctrl: Float64Array) => {
    const p = new Float64Array(a.length);
    let best = -Infinity;
    for (let k = 0; k <= o.grid; k++)
      best = Math.max(best, p3TheoremLoss(net, bezierPoint(a, ctrl, b, k / o.grid, p), d));
    return best - top;
  };
  const linear = peak(c);
  const rng = new Rng(subSeed(o.seed, "p3-bezier"));
  const g = new Float64Array(a.length);
  const gc = new Float64Array(a.length);
  const m1 = new Float64Array(a.length);
  const m2 = new Float64Array(a.length);
  const p = new Float64Array(a.length);
  for (let s = 1; s <= o.steps; s++) {
    gc.fill(0);
    for (let k = 0; k < o.samples; k++) {
      const t = (k + rng.uniform()) / o.samples;
      p3TheoremLoss(net, bezierPoint(a, c, b, t, p), d, g);
      const w = (2 * t * (1 - t)) / o.samples; // ∂φ/∂θ_c = 2t(1 − t)
      for (let i = 0; i < gc.length; i++) gc[i] += w * g[i];
    }
    const c1 = 1 - 0.9 ** s;
    const c2 = 1 - 0.999 ** s;
    for (let i = 0; i < c.length; i++) {
      m1[i] = 0.9 * m1[i] + 0.1 * gc[i];
      m2[i] = 0.999 * m2[i] + 0.001 * gc[i] * gc[i];
      c[i] -= (o.lr * (m1[i] / c1)) / (Math.sqrt(m2[i] / c2) + 1e-8);
    }
  }
  return { bezier: peak(c), linear, ends };
}

// ---------------------------------------------------------------------------------------------------------------
// The notebook's protocol, runs, registration and measurement

/** Settings of the check per scale (every value ours). */
export interface P3TheoremSetup {
  n: number;
  samples: number;
  teacher: number;
  noise: number;
  /** The deep branch. */
  depth: number;
  width: number;
  /** Skip-branch widths m (0 = the deep net without the skip branch). */
  ms: number[];
  /** Minima per net: every pair's barrier is measured. */
  inits: number;
  train: { steps: number; lr: number };
  path: { steps: number; lr: number; samples: number; grid: number };
  /** A seed draws the data set and the initialisations: one replicate. */
  seeds: { exploration: number[]; confirmation: number[] };
}

export function p3TheoremSetup(scale: "smoke" | "quick" | "standard" | "paper"): P3TheoremSetup {
  const base: P3TheoremSetup = {
    n: 2,
    samples: 100,
    teacher: 6,
    noise: 0.1,
    depth: 3,
    width: 8,
    ms: [0, 2, 8, 32, 128],
    inits: 5,
    train: { steps: 1000, lr: 1e-2 },
    path: { steps: 100, lr: 1e-2, samples: 8, grid: 40 },
    seeds: { exploration: [0], confirmation: [100, 101, 102, 103] },
  };
  if (scale === "smoke")
    return {
      ...base,
      samples: 40,
      ms: [0, 2, 8],
      inits: 3,
      train: { steps: 150, lr: 1e-2 },
      path: { steps: 20, lr: 1e-2, samples: 4, grid: 10 },
      seeds: { exploration: [0], confirmation: [100, 101] },
    };
  if (scale === "paper")
    return {
      ...base,
      ms: [0, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      inits: 8,
      train: { steps: 4000, lr: 5e-3 },
      path: { steps: 400, lr: 5e-3, samples: 16, grid: 80 },
      seeds: { exploration: [0, 1], confirmation: Array.from({ length: 10 }, (_, i) => 100 + i) },
    };
  return base;
}

/** One replicate: per m, the minima's losses and every pair's barriers. */
export interface P3TheoremRun {
  seed: number;
  m: number;
  losses: number[];
  bezier: number[];
  linear: number[];
  seconds: number;
}

/** Trains the minima and measures the barriers of one seed at every m of the setup. */
export function p3TheoremRuns(setup: P3TheoremSetup, seed: number): P3TheoremRun[] {
  const data = p3TheoremData(setup.n, setup.samples, { teacher: setup.teacher, noise: setup.noise, seed });
  return setup.ms.map((m) => {
    const t0 = performance.now();
    const net = { n: setup.n, depth: setup.depth, width: setup.width, m };
    const mins = Array.from({ length: setup.inits }, (_, k) =>
      p3TheoremTrain(net, p3TheoremInit(net, subSeed(seed, `init-${k}`)), data, setup.train),
    );
    const bezier: number[] = [];
    const linear: number[] = [];
    for (let i = 0; i < mins.length; i++)
      for (let j = i + 1; j < mins.length; j++) {
        const b = p3TheoremBarrier(net, mins[i].theta, mins[j].theta, data, {
          ...setup.path,
          seed: subSeed(seed, `path-${i}-${j}`),
        });
        bezier.push(b.bezier);
        linear.push(b.linear);
      }
    return { seed, m, losses: mins.map((x) => x.loss), bezier, linear, seconds: (performance.now() - t0) / 1000 };
  });
}

/** The largest barrier of a run, floored at 1e-8 (a barrier-free pair reads as 1e-8 on the log axis). */
export function p3MaxBarrier(r: P3TheoremRun): number {
  return Math.max(1e-8, ...r.bezier);
}

/** Least-squares slope of log₁₀ max barrier against log₁₀ m over the skip widths (m > 0) of one seed. */
export function p3BarrierSlope(runs: readonly P3TheoremRun[]): number {
  const pts = runs.filter((r) => r.m > 0).map((r) => [Math.log10(r.m), Math.log10(p3MaxBarrier(r))]);
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

/** Registration of notebook 15 (every threshold ours; the check itself is ours, not the paper's). */
export function p3TheoremPreregistration(scale: string, s: P3TheoremSetup): Preregistration {
  const boot = "bootstrap over seeds, 95 % percentile interval";
  const widest = s.ms[s.ms.length - 1];
  return {
    notebook: "15-p3-theorem-check",
    scale,
    seeds: s.seeds,
    claims: [
      {
        id: "S1",
        figure: "P3 theorem (our check)",
        claim:
          "Manipulation check: the minima fit the data — their mean training loss is below σ², twice the noise floor σ²/2.",
        source: "ours",
        kind: "sanity",
        criteria: [
          {
            id: "minima-fit",
            estimate: `mean over seeds of the minima's mean loss (all widths) − σ² = ${s.noise ** 2}`,
            test: boot,
            expect: { direction: "negative", alpha: ALPHA_T, sesoi: 0 },
          },
        ],
      },
      {
        id: "T1",
        figure: "P3 theorem (our check)",
        claim:
          "Local minima of a deep ReLU net with a two-layer skip branch of m units are shallow, with depth O(m^{(η−1)/n}), η < 1: the barrier between minima falls as m grows.",
        source: "FOUND (the theorem, docs/spec/p3.md §3.0); the numerical check is ours (PROPOSED there)",
        kind: "paper",
        manipulation: "S1",
        criteria: [
          {
            id: "barrier-slope",
            estimate: `slope of log₁₀(largest barrier over ${(s.inits * (s.inits - 1)) / 2} pairs of minima) against log₁₀ m, m ∈ {${s.ms.filter((m) => m > 0).join(", ")}}, mean over seeds (the theorem predicts a negative slope, (η − 1)/n)`,
            test: boot,
            expect: { direction: "negative", alpha: ALPHA_T, sesoi: 0 },
          },
        ],
      },
      {
        id: "T2",
        figure: "P3 theorem (our check)",
        claim: "The skip branch makes the minima shallower than those of the same deep net without it.",
        source: "FOUND (the theorem's comparison with the deep net, docs/spec/p3.md §3.0); the check is ours",
        kind: "paper",
        manipulation: "S1",
        criteria: [
          {
            id: "below-no-skip",
            estimate: `log₁₀ largest barrier, no skip branch − skip branch of m = ${widest}, mean over seeds (paired by seed: same data)`,
            test: boot,
            expect: { direction: "positive", alpha: ALPHA_T, sesoi: 0 },
          },
        ],
      },
    ],
    notes: [
      `data: x ~ N(0, I_${s.n}), ${s.samples} samples, y from a random two-layer ReLU teacher of ${s.teacher} units plus N(0, ${s.noise}²) noise; a seed draws the data and every initialisation`,
      `nets: a deep ReLU branch of ${s.depth} × ${s.width} plus a two-layer ReLU skip branch of m units (m = 0: no skip branch), squared loss, float64 with exact gradients`,
      `minima: ${s.inits} per net by full-batch Adam (${s.train.steps} steps, lr ${s.train.lr}); barrier: max along a quadratic Bézier path whose bend is optimised (Garipov et al. 2018; ${s.path.steps} Adam steps on ${s.path.samples} stratified t per step) minus the higher end, on ${s.path.grid + 1} points`,
      "the paper defines neither the loss nor the depth of a minimum precisely (not found): this check is ours",
    ],
  };
}

const ALPHA_T = 0.05;

/** The registered estimates on one seed set. */
export function p3TheoremMeasure(
  s: P3TheoremSetup,
  runs: ReadonlyMap<number, P3TheoremRun[]>,
  seeds: readonly number[],
): Measured {
  const of = (seed: number) => {
    const r = runs.get(seed);
    if (!r) throw new Error(`p3TheoremMeasure: no runs for seed ${seed}`);
    return r;
  };
  const fit = seeds.map((seed) => mean(of(seed).flatMap((r) => r.losses)));
  const slopes = seeds.map((seed) => p3BarrierSlope(of(seed)));
  const widest = s.ms[s.ms.length - 1];
  const gap = seeds.map((seed) => {
    const rs = of(seed);
    return (
      Math.log10(p3MaxBarrier(rs.find((r) => r.m === 0)!)) - Math.log10(p3MaxBarrier(rs.find((r) => r.m === widest)!))
    );
  });
  return {
    estimates: {
      S1: { "minima-fit": bootstrapEffect(fit, mean, s.noise ** 2, { what: "seeds" }) },
      T1: { "barrier-slope": bootstrapEffect(slopes, mean, 0, { what: "seeds" }) },
      T2: { "below-no-skip": bootstrapEffect(gap, mean, 0, { what: "seeds" }) },
    },
    numbers: {
      S1: { "mean loss of the minima": mean(fit) },
      T1: { "slope per seed": slopes.map((v) => v.toFixed(2)).join(", ") },
      T2: {
        [`largest barrier without / with the skip branch (m = ${widest}), geometric mean`]: `${(10 ** mean(seeds.map((seed) => Math.log10(p3MaxBarrier(of(seed).find((r) => r.m === 0)!))))).toExponential(2)} / ${(10 ** mean(seeds.map((seed) => Math.log10(p3MaxBarrier(of(seed).find((r) => r.m === widest)!))))).toExponential(2)}`,
      },
    },
  };
}
