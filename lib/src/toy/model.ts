/**
 * The toy student–teacher model with an exact (closed-form) loss and analytic gradient, in float64.
 *
 * Parameters are one flat vector θ (length P = k·d + k):  θ = [J_1 (d), J_2 (d), …, J_k (d), w_1, …, w_k].
 *
 * With φ_i = g(J_i·x) + s x_i and ψ_k = g(K_k·x) + s* x_k the loss expands into Gaussian moments:
 *
 *   L = ½ Σ_ij w_i w_j Q_ij − Σ_ik w_i v_k R_ik + ½ Σ_kl v_k v_l T_kl + σ²/2
 *   Q_ij = E[φ_i φ_j] = G(J_i, J_j) + s S(J_i)_j + s S(J_j)_i + s² δ_ij
 *   R_ik = E[φ_i ψ_k] = G(J_i, K_k) + s* S(J_i)_k + s S(K_k)_i + s s* δ_ik
 *   T_kl = E[ψ_k ψ_l] = G(K_k, K_l) + s* S(K_k)_l + s* S(K_l)_k + s*² δ_kl
 *
 * and the gradient is
 *
 *   ∂L/∂w_i = Σ_j w_j Q_ij − Σ_k v_k R_ik
 *   ∂L/∂J_i = w_i [ Σ_j w_j (∇_a G(J_i, J_j) + s ∇S(J_i)_j) − Σ_k v_k (∇_a G(J_i, K_k) + s* ∇S(J_i)_k) ]
 *
 * (G, S and their gradients: see erf-moments.ts). `lossGrad` allocates nothing.
 */
import { ToyModelConfig, paramCount } from "./config";
import { TOY_SQRT_2_OVER_PI, TOY_TWO_OVER_PI, unit } from "./erf-moments";

const C = TOY_SQRT_2_OVER_PI;
const TWO_PI_INV = TOY_TWO_OVER_PI;

/** A compiled toy model: the loss landscape L(θ) of one config. */
export class ToyModel {
  /** A deep copy of the config it was built from. */
  readonly config: ToyModelConfig;
  /** d: input dimension. */
  readonly d: number;
  /** k: student hidden units. */
  readonly k: number;
  /** Number of teacher units. */
  readonly kT: number;
  /** s: student skip strength (0 = plain). */
  readonly s: number;
  /** s*: teacher skip strength (0 = plain). */
  readonly sT: number;
  /** P = k·d + k. */
  readonly paramCount: number;
  /** Offset of w in θ (= k·d). */
  readonly wOffset: number;
  /** ½ Σ v_k v_l T_kl + σ²/2: the loss of the zero network. */
  readonly teacherEnergy: number;
  /**
   * L_lin = teacherEnergy − ½‖E[y* x]‖²: the loss of the best linear predictor y = bᵀx, i.e. the nonlinear part of
   * the target (+ σ²/2). A residual teacher differs from the plain one with the same (K, v) only by the linear term
   * Σ v_k x_k, so L_lin is the same for both families: a family-independent yardstick for the hard part of the fit.
   */
  readonly linearFitLoss: number;

  private readonly K: Float64Array; // [kT, d]
  private readonly v: Float64Array; // [kT]
  private readonly nK: Float64Array; // [kT] 1 + |K_k|²
  private readonly SK: Float64Array; // [kT, d] S(K_k)_j
  private readonly nJ: Float64Array; // scratch [k] 1 + |J_i|²
  private readonly SJ: Float64Array; // scratch [k, d] S(J_i)_j
  private readonly gScratch: Float64Array; // scratch [P]

  constructor(config: ToyModelConfig) {
    const { inputDim: d, hiddenUnits: k, teacher } = config;
    if (!(Number.isInteger(d) && d >= 1)) throw new Error(`ToyModel: inputDim must be a positive integer, got ${d}`);
    if (!(Number.isInteger(k) && k >= 1)) throw new Error(`ToyModel: hiddenUnits must be a positive integer, got ${k}`);
    const kT = teacher.K.length;
    if (kT < 1 || teacher.v.length !== kT)
      throw new Error(`ToyModel: teacher K has ${kT} rows but v has ${teacher.v.length}`);
    for (const row of teacher.K)
      if (row.length !== d) throw new Error(`ToyModel: teacher K rows must have length ${d}`);
    if (!(config.noiseVar >= 0)) throw new Error(`ToyModel: noiseVar must be ≥ 0`);
    this.config = JSON.parse(JSON.stringify(config)) as ToyModelConfig;
    this.d = d;
    this.k = k;
    this.kT = kT;
    this.s = config.arch === "residual" ? config.skipScale : 0;
    const tArch = teacher.arch === "student" ? config.arch : teacher.arch;
    this.sT = tArch === "residual" ? config.skipScale : 0;
    if (this.s !== 0 && k > d)
      throw new Error(`ToyModel: a residual student needs hiddenUnits ≤ inputDim (unit i gets x_i)`);
    if (this.sT !== 0 && kT > d) throw new Error(`ToyModel: a residual teacher needs ≤ inputDim units`);
    this.paramCount = paramCount(config);
    this.wOffset = k * d;

    this.K = new Float64Array(kT * d);
    this.v = Float64Array.from(teacher.v);
    this.nK = new Float64Array(kT);
    this.SK = new Float64Array(kT * d);
    for (let a = 0; a < kT; a++) {
      let nn = 1;
      for (let m = 0; m < d; m++) {
        this.K[a * d + m] = teacher.K[a][m];
        nn += teacher.K[a][m] ** 2;
      }
      this.nK[a] = nn;
      for (let m = 0; m < d; m++) this.SK[a * d + m] = (C * teacher.K[a][m]) / Math.sqrt(nn);
    }
    // ½ Σ v_k v_l T_kl + σ²/2
    let e = 0;
    for (let a = 0; a < kT; a++) {
      for (let b = 0; b < kT; b++) {
        let p = 0;
        for (let m = 0; m < d; m++) p += this.K[a * d + m] * this.K[b * d + m];
        let T = TWO_PI_INV * Math.asin(p / Math.sqrt(this.nK[a] * this.nK[b]));
        if (this.sT !== 0) {
          T += this.sT * (this.SK[a * d + b] + this.SK[b * d + a]);
          if (a === b) T += this.sT * this.sT;
        }
        e += 0.5 * this.v[a] * this.v[b] * T;
      }
    }
    this.teacherEnergy = e + 0.5 * config.noiseVar;
    // E[y* x_j] = Σ_k v_k (S(K_k)_j + s* δ_kj)
    let bb = 0;
    for (let j = 0; j < d; j++) {
      let bj = 0;
      for (let a = 0; a < kT; a++) bj += this.v[a] * (this.SK[a * d + j] + (a === j ? this.sT : 0));
      bb += bj * bj;
    }
    this.linearFitLoss = this.teacherEnergy - 0.5 * bb;

    this.nJ = new Float64Array(k);
    this.SJ = new Float64Array(k * d);
    this.gScratch = new Float64Array(this.paramCount);
  }

  /** Index of J_i[m] in θ. */
  indexJ(i: number, m: number): number {
    return i * this.d + m;
  }

  /** Index of w_i in θ. */
  indexW(i: number): number {
    return this.wOffset + i;
  }

  /** A fresh zero parameter vector. */
  zeros(): Float64Array {
    return new Float64Array(this.paramCount);
  }

  /**
   * θ* = (K, v): the teacher's own parameters in the student's layout. It is a global minimum (L = σ²/2)
   * when the teacher family equals the student's and k = kT.
   */
  teacherTheta(): Float64Array {
    if (this.kT !== this.k) throw new Error(`ToyModel.teacherTheta: teacher has ${this.kT} units, student ${this.k}`);
    const th = this.zeros();
    th.set(this.K, 0);
    th.set(this.v, this.wOffset);
    return th;
  }

  /** Teacher incoming weights K_a (a copy). */
  teacherK(a: number): Float64Array {
    return this.K.slice(a * this.d, (a + 1) * this.d);
  }

  /** Teacher outgoing weight v_a. */
  teacherV(a: number): number {
    return this.v[a];
  }

  /** L(θ), exact. */
  loss(theta: Float64Array): number {
    return this.lossGrad(theta, this.gScratch);
  }

  /**
   * L(θ) and ∇L(θ) (written into `grad`, length P), exact and allocation-free.
   * Cost O(k(k + kT)d) per call.
   */
  lossGrad(theta: Float64Array, grad: Float64Array): number {
    const { d, k, kT, s, sT, nJ, SJ, K, nK, SK, v } = this;
    const wOff = this.wOffset;
    // per-unit quantities: n_i = 1 + |J_i|², S(J_i)_j = C J_ij / √n_i
    for (let i = 0; i < k; i++) {
      let nn = 1;
      for (let m = 0; m < d; m++) nn += theta[i * d + m] * theta[i * d + m];
      nJ[i] = nn;
      const inv = C / Math.sqrt(nn);
      for (let m = 0; m < d; m++) SJ[i * d + m] = theta[i * d + m] * inv;
    }
    let L = this.teacherEnergy;
    for (let i = 0; i < k; i++) {
      const io = i * d;
      const wi = theta[wOff + i];
      const ni = nJ[i];
      const sqrtNi = Math.sqrt(ni);
      for (let m = 0; m < d; m++) grad[io + m] = 0;
      let gw = 0;
      // ---- student–student terms: + ½ w_i w_j Q_ij
      for (let j = 0; j < k; j++) {
        const jo = j * d;
        const wj = theta[wOff + j];
        let p = 0;
        for (let m = 0; m < d; m++) p += theta[io + m] * theta[jo + m];
        const nn = ni * nJ[j];
        let Q = TWO_PI_INV * Math.asin(p / Math.sqrt(nn));
        if (s !== 0) {
          if (j < d) Q += s * SJ[io + j];
          if (i < d) Q += s * SJ[jo + i];
          if (i === j) Q += s * s;
        }
        L += 0.5 * wi * wj * Q;
        gw += wj * Q;
        // ∂/∂J_i: w_i w_j [∇_a G(J_i, J_j) + s ∇S(J_i)_j]
        const cG = (wi * wj * TWO_PI_INV) / Math.sqrt(nn - p * p);
        const pn = p / ni;
        for (let m = 0; m < d; m++) grad[io + m] += cG * (theta[jo + m] - pn * theta[io + m]);
        if (s !== 0 && j < d) {
          const cS = (wi * wj * s * C) / sqrtNi;
          const aj = theta[io + j] / ni;
          for (let m = 0; m < d; m++) grad[io + m] -= cS * aj * theta[io + m];
          grad[io + j] += cS;
        }
      }
      // ---- student–teacher terms: − w_i v_a R_ia
      for (let a = 0; a < kT; a++) {
        const ao = a * d;
        const va = v[a];
        let p = 0;
        for (let m = 0; m < d; m++) p += theta[io + m] * K[ao + m];
        const nn = ni * nK[a];
        let R = TWO_PI_INV * Math.asin(p / Math.sqrt(nn));
        if (sT !== 0 && a < d) R += sT * SJ[io + a];
        if (s !== 0 && i < d) R += s * SK[ao + i];
        if (i === a) R += s * sT;
        L -= wi * va * R;
        gw -= va * R;
        const cG = (wi * va * TWO_PI_INV) / Math.sqrt(nn - p * p);
        const pn = p / ni;
        for (let m = 0; m < d; m++) grad[io + m] -= cG * (K[ao + m] - pn * theta[io + m]);
        if (sT !== 0 && a < d) {
          const cS = (wi * va * sT * C) / sqrtNi;
          const aj = theta[io + a] / ni;
          for (let m = 0; m < d; m++) grad[io + m] += cS * aj * theta[io + m];
          grad[io + a] -= cS;
        }
      }
      grad[wOff + i] = gw;
    }
    return L;
  }

  /**
   * Q = E[φ φᵀ] (k×k, row-major) at θ: the exact w–w block of the Hessian (L is quadratic in w).
   * In the plain model rows i and j coincide when J_i = J_j (overlap) and row i vanishes when J_i = 0.
   */
  featureGram(theta: Float64Array, out: Float64Array = new Float64Array(this.k * this.k)): Float64Array {
    const { d, k, s } = this;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let p = 0;
        let ni = 1;
        let nj = 1;
        for (let m = 0; m < d; m++) {
          p += theta[i * d + m] * theta[j * d + m];
          ni += theta[i * d + m] ** 2;
          nj += theta[j * d + m] ** 2;
        }
        let Q = TWO_PI_INV * Math.asin(p / Math.sqrt(ni * nj));
        if (s !== 0) {
          if (j < d) Q += (s * C * theta[i * d + j]) / Math.sqrt(ni);
          if (i < d) Q += (s * C * theta[j * d + i]) / Math.sqrt(nj);
          if (i === j) Q += s * s;
        }
        out[i * k + j] = Q;
      }
    }
    return out;
  }

  /** Student output y(x) = Σ_i w_i (g(J_i·x) + s x_i) at one input x (length d). */
  output(theta: Float64Array, x: ArrayLike<number>): number {
    const { d, k, s } = this;
    let y = 0;
    for (let i = 0; i < k; i++) {
      let u = 0;
      for (let m = 0; m < d; m++) u += theta[i * d + m] * x[m];
      let phi = unit(u);
      if (s !== 0) phi += s * x[i];
      y += theta[this.wOffset + i] * phi;
    }
    return y;
  }

  /** Teacher output y*(x) = Σ_k v_k (g(K_k·x) + s* x_k) at one input x (noise-free). */
  teacherOutput(x: ArrayLike<number>): number {
    const { d, kT, sT, K, v } = this;
    let y = 0;
    for (let a = 0; a < kT; a++) {
      let u = 0;
      for (let m = 0; m < d; m++) u += K[a * d + m] * x[m];
      let psi = unit(u);
      if (sT !== 0) psi += sT * x[a];
      y += v[a] * psi;
    }
    return y;
  }
}

/** Builds the compiled model of a config. */
export function buildModel(config: ToyModelConfig): ToyModel {
  return new ToyModel(config);
}
