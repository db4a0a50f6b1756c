/**
 * Singular-direction checks: first and second directional derivatives of L, ‖H u‖ and the Hessian spectrum at
 * points on the plain model's singular sets (docs/spec/p1.md §1.2.2), for plain and residual.
 *
 * What the algebra predicts (ToyModel doc for Q, R):
 *  - overlap, J_1 = J_2, u = (e_{w_1} − e_{w_2})/√2. Plain: rows 1 and 2 of Q and R coincide, so ∇L·u = 0 and
 *    uᵀHu = uᵀQu = 0 exactly, at every such point. H u = (F, −F)/√2 in the J_1, J_2 slots with F = ∂L/∂J_i / w_i,
 *    so u is a null vector of H exactly where the overlap point is also critical in J (the overlap saddle,
 *    `overlapCriticalPoint`). Residual: the skip terms s·x_1 ≠ s·x_2 make both derivatives nonzero.
 *  - silent unit, J_1 = 0, u = e_{w_1}. Plain: Q_1j = R_1k = 0, so ∂L/∂w_1 = 0 and ∂²L/∂w_1² = 0 exactly, and
 *    w_1 is flat to all orders; H e_{w_1} = ∂²L/∂w_1∂J_1 ≠ 0 in general (erf has g′(0) ≠ 0, unlike a dead ReLU),
 *    so H is singular on this line only where it is also critical (e.g. with w_1 = 0 as well: the corner).
 *    Residual: φ_1 = x_1 is still active, so ∂L/∂w_1 ≠ 0 and Q_11 = s² > 0.
 *  - zero out-weight, w_1 = 0. ∂L/∂J_1 = w_1(…) = 0 and every J_1 row of H is c·e_{w_1}ᵀ, so the d − 1 directions
 *    of J_1 orthogonal to c = ∂²L/∂w_1∂J_1 are exact null vectors of H — for the residual model too: an
 *    identity skip into the unit does not make J_1 identifiable when the unit's output is discarded.
 */
import { ToyModelConfig } from "./config";
import { hessian, matVec } from "./hessian";
import { jacobiEigen } from "./jacobi-eigen";
import { ToyModel } from "./model";

/** Derivatives of L along one direction u at one point. */
export interface ToyDirectionProbe {
  /** Short key, e.g. "overlap-saddle". */
  kind: string;
  /** What was probed. */
  label: string;
  /** The point θ. */
  theta: Float64Array;
  /** The unit direction u. */
  direction: Float64Array;
  /** L(θ). */
  loss: number;
  /** ‖∇L(θ)‖. */
  gradNorm: number;
  /** ∇L·u: first directional derivative. */
  gradAlong: number;
  /** uᵀHu: second directional derivative. */
  curvatureAlong: number;
  /** ‖H u‖: zero iff u is a null vector of H. */
  hessianResidual: number;
  /** Hessian eigenvalues, ascending. */
  eigenvalues: Float64Array;
  /** Smallest |λ|. */
  minAbsEigenvalue: number;
  /** Largest |λ|. */
  maxAbsEigenvalue: number;
  /** |u·v| for the eigenvector v of the smallest |λ| (1 = u is that eigenvector). */
  nullAlignment: number;
}

/** Probes L at θ along `direction` (normalised here). */
export function directionProbe(
  model: ToyModel,
  theta: Float64Array,
  direction: ArrayLike<number>,
  kind: string,
  label: string,
): ToyDirectionProbe {
  const P = model.paramCount;
  const u = Float64Array.from(direction);
  const nu = Math.hypot(...u);
  if (!(nu > 0)) throw new Error("toy.directionProbe: zero direction");
  for (let q = 0; q < P; q++) u[q] /= nu;
  const g = model.zeros();
  const loss = model.lossGrad(theta, g);
  let gradAlong = 0;
  for (let q = 0; q < P; q++) gradAlong += g[q] * u[q];
  const H = hessian(model, theta);
  const Hu = matVec(H, u);
  let curv = 0;
  for (let q = 0; q < P; q++) curv += u[q] * Hu[q];
  const eig = jacobiEigen(H, P);
  let iMin = 0;
  let maxAbs = 0;
  for (let q = 0; q < P; q++) {
    if (Math.abs(eig.values[q]) < Math.abs(eig.values[iMin])) iMin = q;
    maxAbs = Math.max(maxAbs, Math.abs(eig.values[q]));
  }
  let align = 0;
  for (let q = 0; q < P; q++) align += u[q] * eig.vectors[q * P + iMin];
  return {
    kind,
    label,
    theta: Float64Array.from(theta),
    direction: u,
    loss,
    gradNorm: Math.hypot(...g),
    gradAlong,
    curvatureAlong: curv,
    hessianResidual: Math.hypot(...Hu),
    eigenvalues: eig.values,
    minAbsEigenvalue: Math.abs(eig.values[iMin]),
    maxAbsEigenvalue: maxAbs,
    nullAlignment: Math.abs(align),
  };
}

/** Result of `newtonRefine`. */
export interface ToyNewtonResult {
  /** The refined point (a copy). */
  theta: Float64Array;
  /** L and ‖∇L‖ there. */
  loss: number;
  gradNorm: number;
  /** Hessian eigenvalues there, ascending (all > 0: strict local minimum; some < 0: saddle). */
  eigenvalues: Float64Array;
  /** Newton iterations used. */
  iterations: number;
}

/**
 * Newton's method for a nearby critical point (minimum or saddle alike): θ ← θ − H⁺∇L, H⁺ the eigen
 * pseudo-inverse dropping |λ| < 1e-10·max|λ|. Stops when ‖∇L‖ < gradTol (default 1e-14) or after maxIter (20).
 * Use it to classify where a GD run ended (e.g. the residual student's spurious minima).
 */
export function newtonRefine(
  model: ToyModel,
  theta0: Float64Array,
  opts: { maxIter?: number; gradTol?: number } = {},
): ToyNewtonResult {
  const maxIter = opts.maxIter ?? 20;
  const gradTol = opts.gradTol ?? 1e-14;
  const P = model.paramCount;
  const th = Float64Array.from(theta0);
  const g = model.zeros();
  let it = 0;
  for (; it < maxIter; it++) {
    model.lossGrad(th, g);
    if (Math.hypot(...g) < gradTol) break;
    const e = jacobiEigen(hessian(model, th), P);
    const lmax = Math.max(...Array.from(e.values, Math.abs));
    for (let c = 0; c < P; c++) {
      const lam = e.values[c];
      if (Math.abs(lam) < 1e-10 * lmax) continue;
      let proj = 0;
      for (let r = 0; r < P; r++) proj += e.vectors[r * P + c] * g[r];
      for (let r = 0; r < P; r++) th[r] -= (proj / lam) * e.vectors[r * P + c];
    }
  }
  const loss = model.lossGrad(th, g);
  const eig = jacobiEigen(hessian(model, th), P);
  return { theta: th, loss, gradNorm: Math.hypot(...g), eigenvalues: eig.values, iterations: it };
}

/** A critical point of the plain model on the overlap manifold, and how it was found. */
export interface ToyOverlapCriticalPoint {
  /** θ_c: J_1 = J_2 = J_c, w_1 = w_2 = W_c/2 (2-unit plain layout). */
  theta: Float64Array;
  /** (J_c, W_c) of the reduced one-unit problem. */
  reduced: Float64Array;
  /** L(θ_c). */
  loss: number;
  /** ‖∇L(θ_c)‖ in the 2-unit plain model (≈ 0). */
  gradNorm: number;
}

/**
 * The overlap saddle of the plain model (Saad–Solla's symmetric fixed point): fits one plain unit (J, W) to the
 * config's teacher (teacher family "student" read as plain), starting from J = m = mean of the teacher's K_k,
 * W = Σ v_k, by gradient descent then Newton polishing; embeds it as J_1 = J_2 = J, w_1 = w_2 = W/2. Every critical
 * point of the reduced problem embeds as a critical point of the 2-unit plain model. Needs hiddenUnits = 2.
 */
export function overlapCriticalPoint(
  config: ToyModelConfig,
  opts: { maxSteps?: number; lr?: number } = {},
): ToyOverlapCriticalPoint {
  if (config.hiddenUnits !== 2) throw new Error("toy.overlapCriticalPoint: needs hiddenUnits = 2");
  const teacherArch = config.teacher.arch === "student" ? "plain" : config.teacher.arch;
  const red = new ToyModel({
    ...config,
    arch: "plain",
    hiddenUnits: 1,
    teacher: { ...config.teacher, arch: teacherArch },
  });
  const d = config.inputDim;
  const kT = config.teacher.K.length;
  const th = red.zeros();
  for (let m = 0; m < d; m++) {
    let acc = 0;
    for (let a = 0; a < kT; a++) acc += config.teacher.K[a][m];
    th[m] = acc / kT;
  }
  th[d] = config.teacher.v.reduce((x, y) => x + y, 0);
  const g = red.zeros();
  const lr = opts.lr ?? 0.1;
  const maxSteps = opts.maxSteps ?? 200000;
  for (let t = 0; t < maxSteps; t++) {
    red.lossGrad(th, g);
    if (Math.hypot(...g) < 1e-9) break;
    for (let q = 0; q < th.length; q++) th[q] -= lr * g[q];
  }
  th.set(newtonRefine(red, th).theta);
  const full = new ToyModel({ ...config, arch: "plain", teacher: { ...config.teacher, arch: teacherArch } });
  const theta = full.zeros();
  for (let m = 0; m < d; m++) {
    theta[full.indexJ(0, m)] = th[m];
    theta[full.indexJ(1, m)] = th[m];
  }
  theta[full.indexW(0)] = th[d] / 2;
  theta[full.indexW(1)] = th[d] / 2;
  const gf = full.zeros();
  const loss = full.lossGrad(theta, gf);
  return { theta, reduced: th, loss, gradNorm: Math.hypot(...gf) };
}

/** The standard probes of the singular sets of units 1 and 2 (indices 0 and 1) for one model. */
export interface ToySingularityChecks {
  /** "plain" or "residual". */
  arch: string;
  /** The overlap saddle of the plain model used by the "overlap-saddle" probe. */
  overlapSaddle: ToyOverlapCriticalPoint;
  /** Probes: overlap-saddle, overlap-point, silent-unit, zero-out-weight, elimination-corner. */
  probes: ToyDirectionProbe[];
}

/** Direction in the J_unit block orthogonal to H[w_unit, J_unit] (the predicted null direction at w_unit = 0). */
function nullDirectionInJ(model: ToyModel, theta: Float64Array, unit: number): Float64Array {
  const P = model.paramCount;
  const d = model.d;
  const H = hessian(model, theta);
  const c = new Float64Array(d);
  for (let m = 0; m < d; m++) c[m] = H[model.indexW(unit) * P + model.indexJ(unit, m)];
  const nc = Math.hypot(...c);
  // first coordinate axis not parallel to c, made orthogonal to c
  const u = model.zeros();
  for (let axis = 0; axis < d; axis++) {
    const v = new Float64Array(d);
    v[axis] = 1;
    if (nc > 0) {
      const proj = c[axis] / (nc * nc);
      for (let m = 0; m < d; m++) v[m] -= proj * c[m];
    }
    const nv = Math.hypot(...v);
    if (nv > 1e-6) {
      for (let m = 0; m < d; m++) u[model.indexJ(unit, m)] = v[m] / nv;
      return u;
    }
  }
  throw new Error("nullDirectionInJ: needs inputDim ≥ 2");
}

/**
 * Runs the standard probes (see module doc) on `model` (2 student units, 2 teacher units). The other parameters
 * sit at the teacher's values (K, v) of the model's own teacher.
 */
export function singularityChecks(model: ToyModel): ToySingularityChecks {
  if (model.k !== 2 || model.kT !== 2) throw new Error("toy.singularityChecks: needs 2 student and 2 teacher units");
  const d = model.d;
  const saddle = overlapCriticalPoint(model.config);
  const uOverlap = model.zeros();
  uOverlap[model.indexW(0)] = 1;
  uOverlap[model.indexW(1)] = -1;
  const probes: ToyDirectionProbe[] = [];
  probes.push(
    directionProbe(
      model,
      saddle.theta,
      uOverlap,
      "overlap-saddle",
      "J_1 = J_2 at the plain model's overlap saddle; u = e_w1 − e_w2",
    ),
  );
  const teacher = model.teacherTheta();
  const ovl = Float64Array.from(teacher);
  for (let m = 0; m < d; m++) {
    const mm = 0.5 * (teacher[model.indexJ(0, m)] + teacher[model.indexJ(1, m)]);
    ovl[model.indexJ(0, m)] = mm;
    ovl[model.indexJ(1, m)] = mm;
  }
  probes.push(
    directionProbe(
      model,
      ovl,
      uOverlap,
      "overlap-point",
      "J_1 = J_2 = (K_1 + K_2)/2, w = v (not critical); u = e_w1 − e_w2",
    ),
  );
  const silent = Float64Array.from(teacher);
  for (let m = 0; m < d; m++) silent[model.indexJ(0, m)] = 0;
  const uW1 = model.zeros();
  uW1[model.indexW(0)] = 1;
  probes.push(directionProbe(model, silent, uW1, "silent-unit", "J_1 = 0, rest at teacher; u = e_w1"));
  const zeroW = Float64Array.from(teacher);
  zeroW[model.indexW(0)] = 0;
  probes.push(
    directionProbe(
      model,
      zeroW,
      nullDirectionInJ(model, zeroW, 0),
      "zero-out-weight",
      "w_1 = 0, rest at teacher; u ⊥ ∂²L/∂w_1∂J_1 within J_1",
    ),
  );
  const corner = Float64Array.from(silent);
  corner[model.indexW(0)] = 0;
  probes.push(
    directionProbe(
      model,
      corner,
      nullDirectionInJ(model, corner, 0),
      "elimination-corner",
      "J_1 = 0 and w_1 = 0, rest at teacher; u ⊥ ∂²L/∂w_1∂J_1 within J_1",
    ),
  );
  return { arch: model.config.arch, overlapSaddle: saddle, probes };
}
