/**
 * Singular value decomposition A = U diag(σ) Vᵀ: LAPACK `dgesdd` through koffi when available, else a pure-TypeScript
 * Householder QR with column pivoting followed by one-sided (Hestenes) Jacobi on the rows of R.
 *
 * Why this fallback: one-sided Jacobi computes every singular value to high *relative* accuracy after the QR
 * preconditioning (Demmel & Veselić 1992; Drmač & Veselić 2008), which is what rank-deficient and ill-conditioned
 * inputs need, and QR first makes tall matrices (5000×128 weight/Jacobian blocks) cost only O(mn²).
 */
import { FLOAT64_EPS, checkShape, transpose, unitScale } from "./dense";
import { orthonormalise } from "./vector";
import { Backend, LAPACK_COL_MAJOR, ch, lapack, resolveBackend } from "../engine/lapack";

export interface SvdOptions {
  /** Also compute the singular vectors (thin: k = min(m, n) of each). Default false. */
  vectors?: boolean;
  /** "auto" (default): LAPACK when it loads, else JS. "lapack": LAPACK or throw. "js": always the fallback. */
  backend?: Backend;
}

export interface SvdResult {
  /** The k = min(m, n) singular values, descending, all ≥ 0. */
  values: Float64Array;
  /** Left singular vectors, column-major m×k: u_i = `u.subarray(i*m, (i+1)*m)`. Only with `vectors: true`. */
  u?: Float64Array;
  /** Right singular vectors, column-major n×k: v_i = `v.subarray(i*n, (i+1)*n)` (the rows of Vᵀ). */
  v?: Float64Array;
  /** The backend that actually ran. */
  backend: "lapack" | "js";
}

/**
 * Thin SVD of a row-major m×n matrix: A = Σᵢ σᵢ uᵢ vᵢᵀ with σ descending, U (m×k) and V (n×k) with orthonormal
 * columns, k = min(m, n). The input is not modified. For a rank-r input the trailing k − r singular values come out
 * at round-off level (≈ ε·σ₁) and the corresponding vectors still complete orthonormal sets.
 */
export function svd(A: Float64Array, m: number, n: number, options: SvdOptions = {}): SvdResult {
  checkShape("svd", A, m, n);
  const wantVectors = options.vectors ?? false;
  const backend = resolveBackend(options.backend ?? "auto");
  const k = Math.min(m, n);
  if (k === 0) {
    const empty: SvdResult = { values: new Float64Array(0), backend };
    if (wantVectors) {
      empty.u = new Float64Array(0);
      empty.v = new Float64Array(0);
    }
    return empty;
  }
  return backend === "lapack" ? svdLapack(A, m, n, wantVectors) : svdJs(A, m, n, wantVectors);
}

/** Singular values only, descending: `svd(A, m, n, { ...options, vectors: false }).values`. */
export function svdvals(A: Float64Array, m: number, n: number, options: { backend?: Backend } = {}): Float64Array {
  return svd(A, m, n, { backend: options.backend, vectors: false }).values;
}

function svdLapack(A: Float64Array, m: number, n: number, wantVectors: boolean): SvdResult {
  const fns = lapack();
  if (fns === null) throw new Error("svd: LAPACK vanished after it was resolved"); // unreachable
  const k = Math.min(m, n);
  for (let i = 0; i < A.length; i++) if (!Number.isFinite(A[i])) throw new Error("svd: matrix has non-finite entries");
  const jobz = ch(wantVectors ? "S" : "N");
  const s = new Float64Array(k);
  const check = (info: number): void => {
    if (info !== 0) {
      throw new Error(
        info < 0
          ? `LAPACKE_dgesdd: argument ${-info} is illegal`
          : `LAPACKE_dgesdd: failed to converge (info = ${info})`,
      );
    }
  };
  // dgesdd is about twice as fast on a tall column-major matrix as on the wide one (its QR path beats its LQ path),
  // so the problem is always handed over tall.
  if (m >= n) {
    // column-major copy of A (m×n, lda = m): U comes back column-major m×k as wanted, VT (k×n) is transposed.
    const a = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j * m + i] = A[i * n + j];
    const u = wantVectors ? new Float64Array(m * k) : new Float64Array(1);
    const vt = wantVectors ? new Float64Array(k * n) : new Float64Array(1);
    check(fns.dgesdd(LAPACK_COL_MAJOR, jobz, m, n, a, m, s, u, m, vt, k));
    if (!wantVectors) return { values: s, backend: "lapack" };
    const v = new Float64Array(n * k);
    for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) v[c * n + j] = vt[j * k + c]; // VT[c][j] at j*k + c
    return { values: s, u, v, backend: "lapack" };
  }
  // m < n: row-major A read column-major is B = Aᵀ (n×m, tall, lda = n). dgesdd(B) = U_B S V_Bᵀ gives
  // A = V_B S U_Bᵀ: our V is U_B (column-major n×k, as wanted) and our U is V_B = (VT_B)ᵀ.
  const a = Float64Array.from(A);
  const uB = wantVectors ? new Float64Array(n * k) : new Float64Array(1);
  const vtB = wantVectors ? new Float64Array(k * m) : new Float64Array(1);
  check(fns.dgesdd(LAPACK_COL_MAJOR, jobz, n, m, a, n, s, uB, n, vtB, k));
  if (!wantVectors) return { values: s, backend: "lapack" };
  // VT_B is column-major k×m: entry (c, r) at r*k + c = U_A[r][c]; store U column-major m×k.
  const u = new Float64Array(m * k);
  for (let r = 0; r < m; r++) for (let c = 0; c < k; c++) u[c * m + r] = vtB[r * k + c];
  return { values: s, u, v: uB, backend: "lapack" };
}

function svdJs(A: Float64Array, m: number, n: number, wantVectors: boolean): SvdResult {
  if (m < n) {
    // A = (Aᵀ)ᵀ = (U' Σ V'ᵀ)ᵀ = V' Σ U'ᵀ
    const r = svdTall(transpose(A, m, n), n, m, wantVectors);
    return wantVectors ? { values: r.values, u: r.v, v: r.u, backend: "js" } : { values: r.values, backend: "js" };
  }
  const r = svdTall(A, m, n, wantVectors);
  return { ...r, backend: "js" };
}

/** Sweeps of one-sided Jacobi before giving up (convergence is quadratic; 6–12 sweeps are typical). */
const MAX_JACOBI_SWEEPS = 60;

/** SVD of a tall (m ≥ n) row-major matrix. */
function svdTall(
  A: Float64Array,
  m: number,
  n: number,
  wantVectors: boolean,
): { values: Float64Array; u?: Float64Array; v?: Float64Array } {
  let amax = 0;
  for (let i = 0; i < A.length; i++) amax = Math.max(amax, Math.abs(A[i]));
  if (!Number.isFinite(amax)) throw new Error("svd: matrix has non-finite entries");
  const scale = unitScale(amax);

  // C = scale·Aᵀ (n×m, row-major): row j of C is column j of A, so the QR below works on contiguous rows.
  const C = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) C[j * m + i] = A[i * n + j] * scale;

  // ---- Householder QR with column pivoting: A P = Q R (LAPACK dgeqp3 without blocking) ----
  const tau = new Float64Array(n);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const vn = new Float64Array(n); // squared norms of the not-yet-reduced parts of the columns
  const vn0 = new Float64Array(n); // the value of vn at its last exact computation
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += C[j * m + i] * C[j * m + i];
    vn[j] = s;
    vn0[j] = s;
  }
  const R = new Float64Array(n * n); // row-major upper triangular
  for (let j = 0; j < n; j++) {
    // pivot: the remaining column of largest norm goes to position j
    let piv = j;
    for (let q = j + 1; q < n; q++) if (vn[q] > vn[piv]) piv = q;
    if (piv !== j) {
      swapRows(C, m, j, piv);
      swapRows(R, n, j, piv); // R is held transposed until the end (row q = column q of R): swap its columns j, piv
      [perm[j], perm[piv]] = [perm[piv], perm[j]];
      [vn[j], vn[piv]] = [vn[piv], vn[j]];
      [vn0[j], vn0[piv]] = [vn0[piv], vn0[j]];
    }
    // Householder vector for x = C[j][j..m-1]
    const cj = j * m;
    const alpha = C[cj + j];
    let xnorm2 = 0;
    for (let i = j + 1; i < m; i++) xnorm2 += C[cj + i] * C[cj + i];
    let beta = alpha;
    let t = 0;
    if (xnorm2 !== 0) {
      beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + xnorm2) : Math.sqrt(alpha * alpha + xnorm2);
      t = (beta - alpha) / beta;
      const sc = 1 / (alpha - beta);
      for (let i = j + 1; i < m; i++) C[cj + i] *= sc; // v_j (v_j[j] = 1 implied) kept in row j of C
    }
    tau[j] = t;
    C[cj + j] = beta;
    R[j * n + j] = beta; // R stored transposed during the loop: R[q*n + j] = R_jq
    // apply H_j to the remaining columns q > j: c_q ← c_q − τ (v·c_q) v
    for (let q = j + 1; q < n; q++) {
      const cq = q * m;
      if (t !== 0) {
        let s = C[cq + j];
        for (let i = j + 1; i < m; i++) s += C[cj + i] * C[cq + i];
        s *= t;
        C[cq + j] -= s;
        for (let i = j + 1; i < m; i++) C[cq + i] -= s * C[cj + i];
      }
      const rjq = C[cq + j];
      R[q * n + j] = rjq;
      // downdate the remaining norm; recompute when cancellation has eaten most of it
      vn[q] -= rjq * rjq;
      if (vn[q] <= 1e-6 * vn0[q]) {
        let s = 0;
        for (let i = j + 1; i < m; i++) s += C[cq + i] * C[cq + i];
        vn[q] = s;
        vn0[q] = s;
      }
    }
  }
  // R was stored transposed (R[q*n + j] = R_jq for j ≤ q): rows of this array are the columns of R,
  // i.e. it holds Rᵀ. One-sided Jacobi on Rᵀ orthogonalises its columns = the rows of R; we want rows of R
  // contiguous, so transpose in place.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const x = R[i * n + j];
      R[i * n + j] = R[j * n + i];
      R[j * n + i] = x;
    }
  }

  // ---- One-sided Jacobi on the rows of R: Jᵀ R = X with mutually orthogonal rows x_j = σ_j v_jᵀ ----
  // Rotations of rows p, q of R are mirrored on rows p, q of Jᵀ (Jᵀ starts as I); then R = J X, U_R = J.
  const Jt = wantVectors ? new Float64Array(n * n) : null;
  if (Jt !== null) for (let i = 0; i < n; i++) Jt[i * n + i] = 1;
  const norm2 = new Float64Array(n);
  const tol = Math.max(n, 16) * FLOAT64_EPS; // rotate when |r_p·r_q| > tol·‖r_p‖‖r_q‖
  let converged = false;
  for (let sweep = 0; sweep < MAX_JACOBI_SWEEPS && !converged; sweep++) {
    for (let p = 0; p < n; p++) norm2[p] = dotRows(R, n, p, p);
    let rotations = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norm2[p];
        const beta = norm2[q];
        if (alpha === 0 || beta === 0) continue;
        const gamma = dotRows(R, n, p, q);
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotations++;
        // rotation annihilating gamma: ζ = (β − α)/(2γ), t = sign(ζ)/(|ζ| + √(1+ζ²)), c = 1/√(1+t²), s = c·t
        const zeta = (beta - alpha) / (2 * gamma);
        const tt = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + tt * tt);
        const s = c * tt;
        rotateRows(R, n, p, q, c, s);
        if (Jt !== null) rotateRows(Jt, n, p, q, c, s);
        norm2[p] = alpha - tt * gamma;
        norm2[q] = beta + tt * gamma;
      }
    }
    converged = rotations === 0;
  }
  if (!converged) throw new Error(`svd: one-sided Jacobi did not converge in ${MAX_JACOBI_SWEEPS} sweeps`);

  const sigma = new Float64Array(n);
  for (let j = 0; j < n; j++) sigma[j] = Math.sqrt(dotRows(R, n, j, j));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sigma[b] - sigma[a]);
  const values = Float64Array.from(order, (j) => sigma[j] / scale);
  if (!wantVectors || Jt === null) return { values };

  // V (column-major n×n): v_j = P·(x_j/σ_j); rows of exactly zero σ are completed to an orthonormal set.
  const V = new Float64Array(n * n);
  const zeroCols: number[] = [];
  for (let c = 0; c < n; c++) {
    const j = order[c];
    const sj = sigma[j];
    if (sj === 0) {
      zeroCols.push(c);
      continue;
    }
    for (let i = 0; i < n; i++) V[c * n + perm[i]] = R[j * n + i] / sj;
  }
  completeOrthonormal(V, n, zeroCols);

  // U (column-major m×n): u_j = Q·[J e_j; 0], with Q = H_0 H_1 ··· H_{n-1} applied right to left.
  const U = new Float64Array(m * n);
  for (let c = 0; c < n; c++) {
    const j = order[c];
    const x = U.subarray(c * m, (c + 1) * m);
    for (let i = 0; i < n; i++) x[i] = Jt[j * n + i];
    for (let h = n - 1; h >= 0; h--) {
      const t = tau[h];
      if (t === 0) continue;
      const ch_ = h * m;
      let s = x[h];
      for (let i = h + 1; i < m; i++) s += C[ch_ + i] * x[i];
      s *= t;
      x[h] -= s;
      for (let i = h + 1; i < m; i++) x[i] -= s * C[ch_ + i];
    }
  }
  return { values, u: U, v: V };
}

function swapRows(M: Float64Array, w: number, p: number, q: number): void {
  for (let i = 0; i < w; i++) {
    const x = M[p * w + i];
    M[p * w + i] = M[q * w + i];
    M[q * w + i] = x;
  }
}

function dotRows(M: Float64Array, w: number, p: number, q: number): number {
  const a = p * w;
  const b = q * w;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < w; i += 2) {
    s0 += M[a + i] * M[b + i];
    s1 += M[a + i + 1] * M[b + i + 1];
  }
  if (i < w) s0 += M[a + i] * M[b + i];
  return s0 + s1;
}

/** Rows p, q ← (c·r_p − s·r_q, s·r_p + c·r_q). */
function rotateRows(M: Float64Array, w: number, p: number, q: number, c: number, s: number): void {
  const a = p * w;
  const b = q * w;
  for (let i = 0; i < w; i++) {
    const x = M[a + i];
    const y = M[b + i];
    M[a + i] = c * x - s * y;
    M[b + i] = s * x + c * y;
  }
}

/**
 * Fills the listed columns of a column-major n×n matrix, whose other columns are orthonormal, with unit vectors
 * orthogonalised against all columns so far (Gram–Schmidt, twice), trying e_0, e_1, … in turn.
 */
function completeOrthonormal(V: Float64Array, n: number, cols: number[]): void {
  if (cols.length === 0) return;
  const filled = new Set<number>();
  for (let c = 0; c < n; c++) if (!cols.includes(c)) filled.add(c);
  let candidate = 0;
  for (const c of cols) {
    const x = V.subarray(c * n, (c + 1) * n);
    const basis = [...filled].map((f) => V.subarray(f * n, (f + 1) * n));
    for (; candidate < n; candidate++) {
      x.fill(0);
      x[candidate] = 1;
      // Keep e_candidate only if at least half of its length (in norm²: a quarter) survives the projection.
      if (orthonormalise(x, basis) > 0.5) {
        candidate++;
        break;
      }
    }
    filled.add(c);
  }
}
