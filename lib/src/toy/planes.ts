/**
 * 2-D slices of the toy landscape for flow-field figures. A plane is affine in parameter space,
 *
 *   θ(a, b) = θ_0 + a·A + b·B,
 *
 * and the flow drawn on it is the gradient flow of the restricted loss ℓ(a, b) = L(θ(a, b)):
 *
 *   (da/dt, db/dt) = −(∂ℓ/∂a, ∂ℓ/∂b) = −(∇L·A, ∇L·B)          (chain rule)
 *
 * Two planes of "Fig. B" (all other parameters at the teacher's values K, v):
 *  (a) elimination: J_u = α K̂_u, w_u = β. Lines α = 0 (unit silent: in the plain model w_u is non-identifiable)
 *      and β = 0 (w_u = 0: J_u is non-identifiable).
 *  (b) overlap (Wei et al. 2008 coordinates): J_1 = m + (u/2)e, J_2 = m − (u/2)e, w_1 = (W/2)(1+z),
 *      w_2 = (W/2)(1−z), m = (K_1+K_2)/2, e = (K_1−K_2)/‖K_1−K_2‖, W = v_1 + v_2. Line u = 0 (overlap: only
 *      w_1 + w_2 matters in the plain model); z = ±1 are the w_2 = 0 / w_1 = 0 elimination lines.
 */
import { ToyModel } from "./model";

/** A line a = value or b = value in plane coordinates. */
export interface ToySingularLine {
  /** Which coordinate is constant along the line. */
  axis: "a" | "b";
  /** Its value. */
  value: number;
  /** What is singular there. */
  label: string;
}

/** A labelled point in plane coordinates (teacher, swapped teacher, …). */
export interface ToyPlaneLandmark {
  a: number;
  b: number;
  label: string;
}

/** An affine 2-D slice θ(a, b) = origin + a·dirA + b·dirB of parameter space. */
export interface ToyPlane {
  /** "elimination" or "overlap" (or a user name). */
  name: string;
  /** Axis names for plots, e.g. ["α = J_1·K̂_1", "β = w_1"]. */
  axisLabels: [string, string];
  /** θ_0 (length P). */
  origin: Float64Array;
  /** A = ∂θ/∂a (length P). */
  dirA: Float64Array;
  /** B = ∂θ/∂b (length P). */
  dirB: Float64Array;
  /** Singular lines of the plain model; the first is the one the ghost finder measures distance to. */
  singularLines: ToySingularLine[];
  /** Minima and other reference points. */
  landmarks: ToyPlaneLandmark[];
}

/** Writes θ(a, b) into `out` (length P) and returns it. */
export function planePoint(
  plane: ToyPlane,
  a: number,
  b: number,
  out: Float64Array = new Float64Array(plane.origin.length),
): Float64Array {
  const { origin, dirA, dirB } = plane;
  for (let q = 0; q < origin.length; q++) out[q] = origin[q] + a * dirA[q] + b * dirB[q];
  return out;
}

/** Allocation-free evaluator of the restricted loss and its gradient on one plane. */
export class ToyPlaneField {
  readonly model: ToyModel;
  readonly plane: ToyPlane;
  private readonly theta: Float64Array;
  private readonly grad: Float64Array;

  constructor(model: ToyModel, plane: ToyPlane) {
    if (plane.origin.length !== model.paramCount)
      throw new Error(`ToyPlaneField: plane has ${plane.origin.length} coordinates, model ${model.paramCount}`);
    this.model = model;
    this.plane = plane;
    this.theta = new Float64Array(model.paramCount);
    this.grad = new Float64Array(model.paramCount);
  }

  /** ℓ(a, b); writes [ℓ, ∂ℓ/∂a, ∂ℓ/∂b] into `out` (length ≥ 3). */
  evaluate(a: number, b: number, out: Float64Array): number {
    const { dirA, dirB } = this.plane;
    planePoint(this.plane, a, b, this.theta);
    const L = this.model.lossGrad(this.theta, this.grad);
    let ga = 0;
    let gb = 0;
    for (let q = 0; q < this.grad.length; q++) {
      ga += this.grad[q] * dirA[q];
      gb += this.grad[q] * dirB[q];
    }
    out[0] = L;
    out[1] = ga;
    out[2] = gb;
    return L;
  }
}

function baseTeacher(model: ToyModel, who: string): Float64Array {
  if (model.kT !== model.k)
    throw new Error(`${who}: needs as many teacher units as student units (teacher values fill the other parameters)`);
  return model.teacherTheta();
}

/**
 * Elimination plane of student unit `unit` (default 0): J_u = α K̂_u, w_u = β, everything else at (K, v).
 * The teacher sits at (α, β) = (‖K_u‖, v_u); for the plain model, (−‖K_u‖, −v_u) computes the same function.
 */
export function eliminationPlane(model: ToyModel, unit = 0): ToyPlane {
  const origin = baseTeacher(model, "toy.eliminationPlane");
  const d = model.d;
  const K = model.teacherK(unit);
  const norm = Math.hypot(...K);
  if (!(norm > 0)) throw new Error(`toy.eliminationPlane: teacher unit ${unit} has K = 0`);
  for (let m = 0; m < d; m++) origin[model.indexJ(unit, m)] = 0;
  origin[model.indexW(unit)] = 0;
  const dirA = model.zeros();
  for (let m = 0; m < d; m++) dirA[model.indexJ(unit, m)] = K[m] / norm;
  const dirB = model.zeros();
  dirB[model.indexW(unit)] = 1;
  const n = unit + 1;
  const v = model.teacherV(unit);
  return {
    name: "elimination",
    axisLabels: [`α (J_${n} = α·K̂_${n})`, `β = w_${n}`],
    origin,
    dirA,
    dirB,
    singularLines: [
      { axis: "a", value: 0, label: `α = 0: J_${n} = 0, unit ${n} silent, w_${n} non-identifiable (plain)` },
      { axis: "b", value: 0, label: `β = 0: w_${n} = 0, J_${n} non-identifiable` },
    ],
    landmarks: [
      { a: norm, b: v, label: "teacher" },
      { a: -norm, b: -v, label: "sign-flipped teacher unit (same function in the plain model)" },
    ],
  };
}

/**
 * Overlap plane of student units (i, j) (default (0, 1)) in Wei et al.'s coordinates (u, z); see module doc.
 * The teacher sits at (u, z) = (‖K_i − K_j‖, (v_i − v_j)/W); the unit-swapped teacher at (−u, −z).
 */
export function overlapPlane(model: ToyModel, units: [number, number] = [0, 1]): ToyPlane {
  const origin = baseTeacher(model, "toy.overlapPlane");
  const [i, j] = units;
  if (i === j) throw new Error("toy.overlapPlane: needs two different units");
  const d = model.d;
  const Ki = model.teacherK(i);
  const Kj = model.teacherK(j);
  const vi = model.teacherV(i);
  const vj = model.teacherV(j);
  const diff = Ki.map((x, m) => x - Kj[m]);
  const uStar = Math.hypot(...diff);
  if (!(uStar > 0)) throw new Error("toy.overlapPlane: teacher units coincide (K_i = K_j)");
  const W = vi + vj;
  if (W === 0) throw new Error("toy.overlapPlane: v_i + v_j = 0, the z coordinate is undefined");
  const dirA = model.zeros();
  const dirB = model.zeros();
  for (let m = 0; m < d; m++) {
    const mm = 0.5 * (Ki[m] + Kj[m]);
    const e = diff[m] / uStar;
    origin[model.indexJ(i, m)] = mm;
    origin[model.indexJ(j, m)] = mm;
    dirA[model.indexJ(i, m)] = 0.5 * e;
    dirA[model.indexJ(j, m)] = -0.5 * e;
  }
  origin[model.indexW(i)] = W / 2;
  origin[model.indexW(j)] = W / 2;
  dirB[model.indexW(i)] = W / 2;
  dirB[model.indexW(j)] = -W / 2;
  const zStar = (vi - vj) / W;
  const [ni, nj] = [i + 1, j + 1];
  return {
    name: "overlap",
    axisLabels: [`u (J_${ni} − J_${nj} = u·e)`, `z = (w_${ni} − w_${nj})/(w_${ni} + w_${nj})`],
    origin,
    dirA,
    dirB,
    singularLines: [
      { axis: "a", value: 0, label: `u = 0: J_${ni} = J_${nj}, only w_${ni} + w_${nj} identifiable (plain)` },
      { axis: "b", value: 1, label: `z = 1: w_${nj} = 0, J_${nj} non-identifiable` },
      { axis: "b", value: -1, label: `z = −1: w_${ni} = 0, J_${ni} non-identifiable` },
    ],
    landmarks: [
      { a: uStar, b: zStar, label: "teacher" },
      { a: -uStar, b: -zStar, label: "unit-swapped teacher (a minimum of the plain model only)" },
    ],
  };
}

/** Grid spec: nA points on [aMin, aMax] by nB points on [bMin, bMax], endpoints included. */
export interface ToyGridSpec {
  aMin: number;
  aMax: number;
  nA: number;
  bMin: number;
  bMax: number;
  nB: number;
}

/** The restricted landscape on a grid; 2-D arrays are row-major [iB * nA + iA] (row = b, column = a). */
export interface ToyPlaneGrid {
  /** a coordinates (columns). */
  a: Float64Array;
  /** b coordinates (rows). */
  b: Float64Array;
  /** ℓ(a, b). */
  loss: Float64Array;
  /** −∂ℓ/∂a: flow component along a. */
  flowA: Float64Array;
  /** −∂ℓ/∂b: flow component along b. */
  flowB: Float64Array;
  /** ‖∇ℓ‖: speed of the restricted gradient flow. */
  speed: Float64Array;
}

function linspace(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let q = 0; q < n; q++) out[q] = n === 1 ? lo : lo + ((hi - lo) * q) / (n - 1);
  return out;
}

/** Evaluates loss, restricted flow and speed on a grid of the plane. */
export function planeGrid(model: ToyModel, plane: ToyPlane, spec: ToyGridSpec): ToyPlaneGrid {
  const { nA, nB } = spec;
  if (!(nA >= 1 && nB >= 1)) throw new Error("toy.planeGrid: nA and nB must be ≥ 1");
  const a = linspace(spec.aMin, spec.aMax, nA);
  const b = linspace(spec.bMin, spec.bMax, nB);
  const field = new ToyPlaneField(model, plane);
  const out = new Float64Array(3);
  const loss = new Float64Array(nA * nB);
  const flowA = new Float64Array(nA * nB);
  const flowB = new Float64Array(nA * nB);
  const speed = new Float64Array(nA * nB);
  for (let ib = 0; ib < nB; ib++) {
    for (let ia = 0; ia < nA; ia++) {
      const q = ib * nA + ia;
      field.evaluate(a[ia], b[ib], out);
      loss[q] = out[0];
      flowA[q] = -out[1];
      flowB[q] = -out[2];
      speed[q] = Math.hypot(out[1], out[2]);
    }
  }
  return { a, b, loss, flowA, flowB, speed };
}
