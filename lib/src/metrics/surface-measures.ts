/**
 * What the pictures of a 2-D loss surface claim, as numbers (docs/spec/p3.md §3.1; Li et al. 2018 describe the
 * surfaces without skips as "chaotic" and non-convex, those with skips as smooth, near-convex bowls):
 *
 * - **curvature in the plane**: at every interior grid point the 2 × 2 Hessian of the surface by central differences,
 *     f_xx ≈ (f(x+h) − 2f + f(x−h))/h²,  f_yy likewise,  f_xy ≈ (f(x+h, y+k) − f(x+h, y−k) − f(x−h, y+k) + f(x−h, y−k))/(4hk),
 *   and its eigenvalues λ_min ≤ λ_max. Li et al. map |λ_min/λ_max| of the full Hessian; here the plane's own.
 * - **non-convex fraction**: the share of interior points with clear negative curvature, λ_min < −tol·|λ_max|
 *   (tol = 0.1 by default: a negative curvature at least a tenth of the positive one), among the points whose loss is
 *   below `maxLoss` (default 10, loss-landscape's clipping level; above it the surface is a plateau of noise).
 * - **basin width**: along each of the four half-axes from the centre (α or β alone), the distance at which the loss
 *   first rises `delta` above the centre's, linearly interpolated between grid points (the half-axis length when it
 *   never does); the mean of the four, in units of the filter-normalised directions.
 *
 * A surface here is a row-major grid losses[j·nx + i] = f(x_i, y_j) on uniform axes (metrics/loss-surface.ts).
 */

export interface SurfaceGrid {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  losses: ArrayLike<number>;
}

function step(a: ArrayLike<number>, what: string): number {
  if (a.length < 3) throw new Error(`surface measures: the ${what} axis needs ≥ 3 points, got ${a.length}`);
  const h = (a[a.length - 1] - a[0]) / (a.length - 1);
  if (!(h > 0)) throw new Error(`surface measures: the ${what} axis must increase`);
  return h;
}

/** The 2 × 2 Hessian's eigenvalues at every interior point (NaN on the border or next to a non-finite loss). */
export function surfaceCurvature(s: SurfaceGrid): { lmin: Float64Array; lmax: Float64Array } {
  const nx = s.x.length;
  const ny = s.y.length;
  if (s.losses.length !== nx * ny)
    throw new Error(`surface measures: ${s.losses.length} losses for a ${nx}×${ny} grid`);
  const h = step(s.x, "x");
  const k = step(s.y, "y");
  const f = (i: number, j: number) => s.losses[j * nx + i];
  const lmin = new Float64Array(nx * ny).fill(NaN);
  const lmax = new Float64Array(nx * ny).fill(NaN);
  for (let j = 1; j < ny - 1; j++)
    for (let i = 1; i < nx - 1; i++) {
      const c = f(i, j);
      const fxx = (f(i + 1, j) - 2 * c + f(i - 1, j)) / (h * h);
      const fyy = (f(i, j + 1) - 2 * c + f(i, j - 1)) / (k * k);
      const fxy = (f(i + 1, j + 1) - f(i + 1, j - 1) - f(i - 1, j + 1) + f(i - 1, j - 1)) / (4 * h * k);
      if (![fxx, fyy, fxy].every(Number.isFinite)) continue;
      const m = (fxx + fyy) / 2;
      const r = Math.hypot((fxx - fyy) / 2, fxy);
      lmin[j * nx + i] = m - r;
      lmax[j * nx + i] = m + r;
    }
  return { lmin, lmax };
}

/** Share of interior points below `maxLoss` with λ_min < −tol·|λ_max| (module comment); NaN when none qualify. */
export function nonConvexFraction(s: SurfaceGrid, o: { tol?: number; maxLoss?: number } = {}): number {
  const tol = o.tol ?? 0.1;
  const maxLoss = o.maxLoss ?? 10;
  const { lmin, lmax } = surfaceCurvature(s);
  let n = 0;
  let bad = 0;
  for (let p = 0; p < lmin.length; p++) {
    if (!Number.isFinite(lmin[p]) || !(s.losses[p] < maxLoss)) continue;
    n++;
    if (lmin[p] < -tol * Math.abs(lmax[p])) bad++;
  }
  return n ? bad / n : NaN;
}

/** The grid index of the axis point nearest 0. */
function centreIndex(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (Math.abs(a[i]) < Math.abs(a[best])) best = i;
  return best;
}

/** Mean over the four half-axes of the distance at which the loss first exceeds centre + delta (module comment). */
export function basinWidth(s: SurfaceGrid, o: { delta?: number } = {}): number {
  const delta = o.delta ?? 1;
  const nx = s.x.length;
  const ci = centreIndex(s.x);
  const cj = centreIndex(s.y);
  const f = (i: number, j: number) => s.losses[j * nx + i];
  const level = f(ci, cj) + delta;
  const walk = (coords: ArrayLike<number>, at: (t: number) => number, from: number, dir: 1 | -1): number => {
    let prev = from;
    for (let t = from + dir; t >= 0 && t < coords.length; t += dir) {
      const v = at(t);
      if (!(v <= level)) {
        // first point above the level (or non-finite): interpolate between prev and t
        const vp = at(prev);
        const frac = Number.isFinite(v) && v !== vp ? (level - vp) / (v - vp) : 0;
        return Math.abs(coords[prev] - coords[from]) + frac * Math.abs(coords[t] - coords[prev]);
      }
      prev = t;
    }
    return Math.abs(coords[prev] - coords[from]);
  };
  const widths = [
    walk(s.x, (i) => f(i, cj), ci, 1),
    walk(s.x, (i) => f(i, cj), ci, -1),
    walk(s.y, (j) => f(ci, j), cj, 1),
    walk(s.y, (j) => f(ci, j), cj, -1),
  ];
  return widths.reduce((a, b) => a + b, 0) / 4;
}

/** Li et al.'s 3-D rendering transform (loss-landscape's h52vtp.py `--zmax 10 --log`): ln(min(L, zmax) + 0.1). */
export function logClipLoss(loss: number, zmax = 10): number {
  return Math.log(Math.min(loss, zmax) + 0.1);
}
