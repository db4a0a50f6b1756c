/**
 * Float64 cross-check against numpy (LAPACK underneath, independent of our koffi binding): the same seeded matrices
 * are written to a temporary file, and numpy.linalg.eigvalsh / svd(compute_uv=False) are compared with ours.
 * Each of our backends is compared on its own (the LAPACK one needs LAPACKE); a missing requirement skips with its
 * name, and fails under CI=true (tests/support/requirements.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { eigvalsh, svdvals } from "../../lib/src/linalg";
import { needs } from "../support/requirements";
import {
  HAVE_LAPACK,
  LAPACK_WHAT,
  NUMPY_PYTHON,
  NUMPY_WHAT,
  maxAbsDiff,
  randomMatrix,
  randomSymmetric,
  spectralScale,
  tolFor,
} from "./helpers";

const SCRIPT = `
import sys, numpy as np
d = sys.argv[1]
n, m, k = (int(x) for x in sys.argv[2:5])
A = np.fromfile(d + "/sym.f64", dtype="<f8").reshape(n, n)
B = np.fromfile(d + "/rect.f64", dtype="<f8").reshape(m, k)
np.linalg.eigvalsh(A).astype("<f8").tofile(d + "/eig.f64")
np.linalg.svd(B, compute_uv=False).astype("<f8").tofile(d + "/sv.f64")
`;

function f64(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** numpy's eigenvalues and singular values of the seeded matrices (computed once, in a subprocess). */
let reference: { A: Float64Array; B: Float64Array; w: Float64Array; s: Float64Array } | null = null;
function numpyReference() {
  if (reference) return reference;
  const A = randomSymmetric(2024, N);
  const B = randomMatrix(2025, M, K);
  const dir = mkdtempSync(join(tmpdir(), "skiplab-numpy-"));
  try {
    writeFileSync(join(dir, "sym.f64"), Buffer.from(A.buffer));
    writeFileSync(join(dir, "rect.f64"), Buffer.from(B.buffer));
    const r = spawnSync(NUMPY_PYTHON!, ["-c", SCRIPT, dir, String(N), String(M), String(K)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`numpy failed: ${r.stderr}`);
    reference = { A, B, w: f64(join(dir, "eig.f64")), s: f64(join(dir, "sv.f64")) };
    return reference;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const [N, M, K] = [120, 150, 60];

describe("cross-check against numpy.linalg", () => {
  for (const [backend, available, what] of [
    ["js", NUMPY_PYTHON !== null, NUMPY_WHAT],
    ["lapack", NUMPY_PYTHON !== null && HAVE_LAPACK, `${NUMPY_WHAT} and ${LAPACK_WHAT}`],
  ] as const) {
    needs(available, what)(`${backend}: eigvalsh and svd of seeded matrices match numpy in float64`, () => {
      const { A, B, w: wNp, s: sNp } = numpyReference();
      const w = eigvalsh(A, N, { backend });
      expect(maxAbsDiff(w, wNp), `eigvalsh ${backend}`).toBeLessThan(tolFor(N) * spectralScale(wNp));
      const s = svdvals(B, M, K, { backend });
      expect(maxAbsDiff(s, sNp), `svd ${backend}`).toBeLessThan(tolFor(M) * sNp[0]);
    });
  }
});
