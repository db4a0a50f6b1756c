/**
 * Exact spectra of small curvature matrices: assemble the n×n matrix column by column from n operator products
 * (column j = A e_j), symmetrise, and diagonalise with `eigh` (LAPACK `dsyevd` when present, else the pure-TS
 * fallback; both give the same answers to ~n·ε₆₄·‖A‖).
 *
 * **Noise floor.** The products are computed in float32 (tfjs has no float64), so every entry of the assembled matrix
 * carries a rounding error of a few ε_f32·(size of the terms summed), ε_f32 = 2⁻²³ ≈ 1.2e-7; cancellation in sums
 * over the batch can make the error large relative to small entries. The eigenvalues then differ from the exact
 * ones by at most ‖E‖₂ (Weyl), E the symmetric part of the error. The antisymmetric part of the raw matrix,
 * (A − Aᵀ)/2, is pure rounding error of the same kind and size, so its Frobenius norm is reported as `noiseFloor`,
 * an empirical bound on |λ̂ − λ|. Measured on ReLU MLPs with softmax CE or MSE (44–3,370 parameters, batch 40–256):
 * noiseFloor ≈ 4e-8…1.3e-7 · max|λ|, while the eigenvalues differ from a float64 PyTorch Hessian of the same weights
 * by only 1e-8…5e-8 · max|λ| (tests/curvature/torch-float64.test.ts), so the floor is a conservative bound.
 * Eigenvalues of magnitude below a few times noiseFloor are indistinguishable from 0: choose degeneracy thresholds
 * above it (the relative threshold 1e-4·max|λ| is ~1000× the floor; an absolute 1e-6 is 10× it only while
 * max|λ| ≲ 1, which `degeneracyStats` flags through `aboveNoise`). Rows that are exactly
 * zero in exact arithmetic (a dead ReLU unit) come out exactly zero from the products, and their eigenvalues at the
 * float64 round-off of `eigh` (~1e-16·‖A‖).
 *
 * Cost: n products plus O(n³) for `eigh`; memory 8n² bytes (200 MB at n = 5000). Measured (bench/curvature.mjs,
 * wasm, batch 256): n = 1,642 in ~7 s (4 ms/column; ~3 s with the OpenBLAS kernels) + 0.3 s LAPACK eigh; n = 3,370
 * in ~21 s (~9 s) + 3 s.
 */
import { symmetrize } from "../linalg/dense";
import { eigh } from "../linalg/eigh";
import type { Backend } from "../engine/lapack";
import { applyOperator, releaseOperator, SymOperator } from "../spectra/operator";

export interface AssembleOptions {
  /** Refuse larger operators (default 6000: 288 MB per matrix copy). */
  maxDim?: number;
  /** Called after every column with (columns done, n). */
  onProgress?: (done: number, n: number) => void;
  /** Keep the raw (unsymmetrised) matrix in the result (default false). */
  keepRaw?: boolean;
}

export interface AssembledMatrix {
  n: number;
  /** (A + Aᵀ)/2, row-major n×n. */
  matrix: Float64Array;
  /** The raw assembled matrix, column j = A e_j (row-major), with `keepRaw`. */
  raw?: Float64Array;
  /** max_ij |A_ij − A_ji| / max_ij |A_ij| of the raw matrix: the relative asymmetry (0 for exact symmetry). */
  asymmetry: number;
  /** ‖(A − Aᵀ)/2‖_F of the raw matrix: the empirical noise floor of the eigenvalues (module comment). */
  noiseFloor: number;
  /** Operator products spent (= n). */
  products: number;
  /** Wall seconds of the assembly. */
  seconds: number;
}

/** Assembles an operator into a dense symmetric matrix with n products (see the module comment). */
export async function assembleOperator(op: SymOperator, options: AssembleOptions = {}): Promise<AssembledMatrix> {
  const n = op.dim;
  const maxDim = options.maxDim ?? 6000;
  if (n > maxDim) {
    throw new Error(
      `assembleOperator: dimension ${n} > maxDim ${maxDim}. Select fewer parameters (a layer filter), or use lanczos/slq; ` +
        `raise maxDim if ${((8 * n * n) / 2 ** 20).toFixed(0)} MB per matrix is acceptable.`,
    );
  }
  const t0 = performance.now();
  const raw = new Float64Array(n * n);
  const e = new Float64Array(n);
  try {
    for (let j = 0; j < n; j++) {
      e[j] = 1;
      const col = await applyOperator(op, e);
      e[j] = 0;
      for (let i = 0; i < n; i++) raw[i * n + j] = col[i]; // A_ij = (A e_j)_i
      options.onProgress?.(j + 1, n);
    }
  } finally {
    releaseOperator(op); // e.g. the Hessian operator's recorded tape (curvature/tape.ts)
  }
  return assembledFromRaw(raw, n, (performance.now() - t0) / 1000, options.keepRaw ?? false);
}

/**
 * The `AssembledMatrix` of a raw matrix whose column j is A e_j (row-major n×n): symmetrised, with the asymmetry
 * and the noise floor of the module comment. Shared by every assembly (here, and the batched layer Hessian of
 * curvature/replicas.ts).
 */
export function assembledFromRaw(raw: Float64Array, n: number, seconds: number, keepRaw: boolean): AssembledMatrix {
  let diff = 0;
  let scale = 0;
  let anti2 = 0;
  for (let i = 0; i < n; i++) {
    scale = Math.max(scale, Math.abs(raw[i * n + i]));
    for (let j = 0; j < i; j++) {
      const a = raw[i * n + j];
      const b = raw[j * n + i];
      diff = Math.max(diff, Math.abs(a - b));
      scale = Math.max(scale, Math.abs(a), Math.abs(b));
      anti2 += 2 * ((a - b) / 2) ** 2; // both (i,j) and (j,i) entries of (A − Aᵀ)/2
    }
  }
  const out: AssembledMatrix = {
    n,
    matrix: symmetrize(raw, n),
    asymmetry: scale === 0 ? 0 : diff / scale,
    noiseFloor: Math.sqrt(anti2),
    products: n,
    seconds,
  };
  if (keepRaw) out.raw = raw;
  return out;
}

export interface ExactSpectrumOptions extends AssembleOptions {
  /** Also compute eigenvectors (column-major, as `eigh`). Default false. */
  vectors?: boolean;
  /** eigh backend: "auto" (default), "lapack" or "js". */
  backend?: Backend;
  /** Keep the symmetrised matrix in the result (default false). */
  keepMatrix?: boolean;
}

export interface ExactSpectrum {
  n: number;
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors, column-major n×n (vector i = vectors.subarray(i*n, (i+1)*n)), with `vectors: true`. */
  vectors?: Float64Array;
  /** The symmetrised matrix, with `keepMatrix: true`. */
  matrix?: Float64Array;
  raw?: Float64Array;
  asymmetry: number;
  noiseFloor: number;
  /** max |λ|. */
  maxAbs: number;
  /** Which eigensolver ran. */
  backend: "lapack" | "js";
  products: number;
  /** Wall seconds: assembly, and eigendecomposition. */
  assemblySeconds: number;
  eighSeconds: number;
}

/** Full spectrum of a small operator: assembly (n products), symmetrisation, `eigh`. */
export async function exactSpectrum(op: SymOperator, options: ExactSpectrumOptions = {}): Promise<ExactSpectrum> {
  return spectrumOfAssembly(await assembleOperator(op, options), options);
}

/** The spectrum (`eigh`) of an already assembled matrix, e.g. from curvature/replicas.ts. */
export function spectrumOfAssembly(asm: AssembledMatrix, options: ExactSpectrumOptions = {}): ExactSpectrum {
  const t0 = performance.now();
  const eig = eigh(asm.matrix, asm.n, { vectors: options.vectors ?? false, backend: options.backend });
  const eighSeconds = (performance.now() - t0) / 1000;
  let maxAbs = 0;
  for (const v of eig.values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const out: ExactSpectrum = {
    n: asm.n,
    values: eig.values,
    asymmetry: asm.asymmetry,
    noiseFloor: asm.noiseFloor,
    maxAbs,
    backend: eig.backend,
    products: asm.products,
    assemblySeconds: asm.seconds,
    eighSeconds,
  };
  if (eig.vectors) out.vectors = eig.vectors;
  if (options.keepMatrix) out.matrix = asm.matrix;
  if (asm.raw) out.raw = asm.raw;
  return out;
}
