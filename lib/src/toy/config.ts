/**
 * Configuration of the two-hidden-unit toy model of Orhan & Pitkow (2018), "Fig. B" in
 * docs/spec/p1.md §1.3. The paper's own setup was not retrievable, so every choice here is
 * PROPOSED and a field of a plain, hashable config object.
 *
 *   student   y(x)  = Σ_i w_i φ_i(x),   φ_i(x) = g(J_i·x) + s·x_i      (s = 0 plain, s = skipScale residual)
 *   teacher   y*(x) = Σ_k v_k ψ_k(x),   ψ_k(x) = g(K_k·x) + s*·x_k
 *   loss      L = ½ E[(y − y*)²] + σ²/2,  x ~ N(0, I_d),  g(u) = erf(u/√2)
 */

/** Student (or teacher) family: plain units `g(J_i·x)` or residual units `g(J_i·x) + s·x_i`. */
export type ToyArch = "plain" | "residual";

/** The teacher network of the student–teacher setup. */
export interface ToyTeacherConfig {
  /** Teacher incoming weights K: one row of length inputDim per teacher unit. */
  K: number[][];
  /** Teacher outgoing weights v, one per teacher unit. */
  v: number[];
  /**
   * Teacher family. "student" (default) uses the student's own family, so the student can represent the
   * teacher exactly and the global minimum is L = σ²/2 at θ = (K, v) for both plain and residual students.
   * "plain" / "residual" fix it independently of the student (e.g. one plain target for both students).
   */
  arch: ToyArch | "student";
}

/** Everything that defines the loss landscape L(θ). */
export interface ToyModelConfig {
  /** d: input dimension; x ~ N(0, I_d). 2 so that an identity skip into 2 hidden units exists. */
  inputDim: number;
  /** k: number of student hidden units. 2 for the paper's toy; residual needs k ≤ d (unit i gets x_i). */
  hiddenUnits: number;
  /** Student family. */
  arch: ToyArch;
  /** s: strength of the identity skip when a family is "residual" (1 = the plain identity skip). */
  skipScale: number;
  /** The target network. */
  teacher: ToyTeacherConfig;
  /** σ²: variance of additive output noise on the teacher; adds the constant σ²/2 to L. 0 = noiseless. */
  noiseVar: number;
}

/**
 * Default teacher [PROPOSED, fixed before looking at the dynamics]. Two orthogonal input directions of equal norm
 * √1.25, K_1 = (1, 0.5), K_2 = (−0.5, 1), rotated 26.6° off the skip axes, and unequal outgoing weights v = (1, 0.6).
 *  - Orthogonal, equal-norm K_k give both teacher units the same "difficulty": a plain student started from small
 *    weights first fits the common linear component with both units along one direction, then sits on the overlap
 *    manifold (in practice its sign-flipped branch J_2 ≈ −J_1, w_2 ≈ −w_1, equivalent because g is odd) at the
 *    overlap saddle, L = 9.42e-3 (`overlapCriticalPoint`): the Saad–Solla symmetric plateau, 485 steps median
 *    at η = 0.05, σ_init = 0.1.
 *  - |K_k| ≈ 1.1 puts the units in erf's nonlinear range, so the one-effective-unit solution is clearly worse than
 *    the teacher (the plateau is a visible step) while the nonlinear part stays small (L_lin = 0.0145).
 *  - v_1 ≠ v_2 keeps the unit swap the plain model's only extra symmetry and puts the overlap-plane minimum at
 *    z = 0.25. It also matters for the residual student: with v_1 ≠ v_2 the swapped teacher is no longer a global
 *    minimum but a spurious strict local minimum (L = 7.19e-4), and a second one with J_1 ∥ J_2 exists at
 *    L = 3.84e-3; 10 of 20 small inits end in one of them. With v_1 = v_2 the swapped solution is global again.
 */
export const TOY_DEFAULT_TEACHER: ToyTeacherConfig = {
  K: [
    [1, 0.5],
    [-0.5, 1],
  ],
  v: [1, 0.6],
  arch: "student",
};

/** The default config for a student family; `overrides` replace whole fields (teacher included). */
export function modelConfig(arch: ToyArch, overrides: Partial<Omit<ToyModelConfig, "arch">> = {}): ToyModelConfig {
  return {
    inputDim: 2,
    hiddenUnits: 2,
    arch,
    skipScale: 1,
    teacher: {
      K: TOY_DEFAULT_TEACHER.K.map((row) => row.slice()),
      v: TOY_DEFAULT_TEACHER.v.slice(),
      arch: TOY_DEFAULT_TEACHER.arch,
    },
    noiseVar: 0,
    ...overrides,
  };
}

/** Number of parameters P = k·d + k of a student (J row-major, then w). */
export function paramCount(cfg: Pick<ToyModelConfig, "inputDim" | "hiddenUnits">): number {
  return cfg.hiddenUnits * cfg.inputDim + cfg.hiddenUnits;
}
