/**
 * Ghost finder: the point of slowest restricted flow near a singular line of a plane.
 *
 *   1. evaluate the restricted speed ‖∇ℓ(a, b)‖ on an n×n grid over the search window;
 *   2. start Nelder–Mead on the squared speed ‖∇ℓ‖² from the grid argmin (initial simplex = one grid cell),
 *      with points projected back into the window; stop when the simplex diameter < xTol or after maxIter.
 *
 * For the plain model the slow point is a zero of the restricted field on the singular line (e.g. the saddle at
 * the origin of the elimination plane, or (u, z) = (0, 0) on the overlap plane, where ∂ℓ/∂z ≡ 0 along u = 0 and
 * ∂ℓ/∂u ∝ z). For the residual model the singular line is gone and the slowest point — the "ghost" of the
 * singularity — is displaced; its distance from the line is the number reported.
 */
import { ToyModel } from "./model";
import { ToyPlane, ToyPlaneField, ToySingularLine } from "./planes";

/** Search window in plane coordinates. */
export interface ToyWindow {
  aMin: number;
  aMax: number;
  bMin: number;
  bMax: number;
}

/** Options of `findGhost`. */
export interface ToyGhostOptions {
  /** Search window (should straddle the singular line). */
  window: ToyWindow;
  /** Line to measure the distance to. Default: the plane's first singular line. */
  line?: ToySingularLine;
  /** A reference point (e.g. the plain model's ghost) to measure the displacement from. */
  reference?: { a: number; b: number };
  /** Coarse grid size per axis. Default 41. */
  grid?: number;
  /** Simplex-diameter tolerance. Default 1e-10. */
  xTol?: number;
  /** Nelder–Mead iteration cap. Default 2000. */
  maxIter?: number;
}

/** The slowest-flow point found. */
export interface ToyGhost {
  /** Plane coordinates of the slowest point. */
  a: number;
  b: number;
  /** Restricted speed there (‖∇ℓ‖). */
  speed: number;
  /** Restricted loss there. */
  loss: number;
  /** Distance from the singular line (|a − value| or |b − value|). */
  distance: number;
  /** Euclidean distance in plane coordinates from opts.reference (NaN without one). */
  referenceDistance: number;
  /** The line measured against. */
  line: ToySingularLine;
  /** Smallest speed on the coarse grid (before refinement). */
  gridMinSpeed: number;
  /** Whether the refined point touches the window boundary (then widen the window). */
  onBoundary: boolean;
  /** Nelder–Mead iterations used. */
  iterations: number;
}

/** Finds the slowest restricted flow in a window (grid argmin refined by Nelder–Mead on ‖∇ℓ‖²). */
export function findGhost(model: ToyModel, plane: ToyPlane, opts: ToyGhostOptions): ToyGhost {
  const { aMin, aMax, bMin, bMax } = opts.window;
  const n = opts.grid ?? 41;
  const xTol = opts.xTol ?? 1e-10;
  const maxIter = opts.maxIter ?? 2000;
  const line = opts.line ?? plane.singularLines[0];
  if (!line) throw new Error("toy.findGhost: plane has no singular line and none was given");
  const field = new ToyPlaneField(model, plane);
  const ev = new Float64Array(3);
  const clampA = (a: number): number => Math.min(aMax, Math.max(aMin, a));
  const clampB = (b: number): number => Math.min(bMax, Math.max(bMin, b));
  const f = (a: number, b: number): number => {
    field.evaluate(clampA(a), clampB(b), ev);
    return ev[1] * ev[1] + ev[2] * ev[2];
  };
  // 1. coarse grid
  let best = Infinity;
  let ba = aMin;
  let bb = bMin;
  for (let ib = 0; ib < n; ib++) {
    for (let ia = 0; ia < n; ia++) {
      const a = n === 1 ? aMin : aMin + ((aMax - aMin) * ia) / (n - 1);
      const b = n === 1 ? bMin : bMin + ((bMax - bMin) * ib) / (n - 1);
      const v = f(a, b);
      if (v < best) {
        best = v;
        ba = a;
        bb = b;
      }
    }
  }
  const gridMinSpeed = Math.sqrt(best);
  // 2. Nelder–Mead (standard coefficients: reflect 1, expand 2, contract ½, shrink ½)
  const ha = (aMax - aMin) / Math.max(1, n - 1);
  const hb = (bMax - bMin) / Math.max(1, n - 1);
  const P: [number, number][] = [
    [ba, bb],
    [clampA(ba + ha), bb],
    [ba, clampB(bb + hb)],
  ];
  if (P[1][0] === ba) P[1][0] = clampA(ba - ha);
  if (P[2][1] === bb) P[2][1] = clampB(bb - hb);
  const F = P.map(([a, b]) => f(a, b));
  let iter = 0;
  for (; iter < maxIter; iter++) {
    const order = [0, 1, 2].sort((i, j) => F[i] - F[j]);
    const [lo, mid, hi] = order;
    const diam = Math.max(
      Math.hypot(P[lo][0] - P[mid][0], P[lo][1] - P[mid][1]),
      Math.hypot(P[lo][0] - P[hi][0], P[lo][1] - P[hi][1]),
    );
    if (diam < xTol || F[lo] === 0) break;
    const ca = 0.5 * (P[lo][0] + P[mid][0]);
    const cb = 0.5 * (P[lo][1] + P[mid][1]);
    const pt = (t: number): [number, number] => [clampA(ca + t * (P[hi][0] - ca)), clampB(cb + t * (P[hi][1] - cb))];
    const r = pt(-1);
    const fr = f(r[0], r[1]);
    if (fr < F[lo]) {
      const e = pt(-2);
      const fe = f(e[0], e[1]);
      if (fe < fr) {
        P[hi] = e;
        F[hi] = fe;
      } else {
        P[hi] = r;
        F[hi] = fr;
      }
    } else if (fr < F[mid]) {
      P[hi] = r;
      F[hi] = fr;
    } else {
      const c = fr < F[hi] ? pt(-0.5) : pt(0.5);
      const fc = f(c[0], c[1]);
      if (fc < Math.min(fr, F[hi])) {
        P[hi] = c;
        F[hi] = fc;
      } else {
        for (const q of [mid, hi]) {
          P[q] = [0.5 * (P[q][0] + P[lo][0]), 0.5 * (P[q][1] + P[lo][1])];
          F[q] = f(P[q][0], P[q][1]);
        }
      }
    }
  }
  let lo = 0;
  for (let q = 1; q < 3; q++) if (F[q] < F[lo]) lo = q;
  const a = clampA(P[lo][0]);
  const b = clampB(P[lo][1]);
  field.evaluate(a, b, ev);
  const eps = 1e-9 * Math.max(aMax - aMin, bMax - bMin);
  return {
    a,
    b,
    speed: Math.hypot(ev[1], ev[2]),
    loss: ev[0],
    distance: line.axis === "a" ? Math.abs(a - line.value) : Math.abs(b - line.value),
    referenceDistance: opts.reference ? Math.hypot(a - opts.reference.a, b - opts.reference.b) : NaN,
    line,
    gridMinSpeed,
    onBoundary: a - aMin < eps || aMax - a < eps || b - bMin < eps || bMax - b < eps,
    iterations: iter,
  };
}
