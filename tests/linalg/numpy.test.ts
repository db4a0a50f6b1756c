/**
 * Float64 cross-check against numpy (LAPACK underneath, independent of our koffi binding): the same seeded matrices
 * are written to a temporary file, and numpy.linalg.eigvalsh / svd(compute_uv=False) are compared with ours.
 * Skipped, with a message, when /usr/bin/python3 has no numpy (apt-get install python3-numpy).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eigvalsh, svdvals, type Backend } from "../../lib/src/linalg";
import { HAVE_LAPACK, NUMPY_PYTHON, maxAbsDiff, randomMatrix, randomSymmetric, spectralScale, tolFor } from "./helpers";

const NOTE = NUMPY_PYTHON ? "" : " [SKIPPED: /usr/bin/python3 has no numpy; apt-get install python3-numpy]";

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

describe("cross-check against numpy.linalg", () => {
  it(`eigvalsh and svd of seeded matrices match numpy in float64${NOTE}`, ({ skip }) => {
    if (!NUMPY_PYTHON) {
      console.warn(`numpy cross-check skipped:${NOTE}`);
      skip();
      return;
    }
    const [n, m, k] = [120, 150, 60];
    const A = randomSymmetric(2024, n);
    const B = randomMatrix(2025, m, k);
    const dir = mkdtempSync(join(tmpdir(), "skiplab-numpy-"));
    try {
      writeFileSync(join(dir, "sym.f64"), Buffer.from(A.buffer));
      writeFileSync(join(dir, "rect.f64"), Buffer.from(B.buffer));
      const r = spawnSync(NUMPY_PYTHON, ["-c", SCRIPT, dir, String(n), String(m), String(k)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const wNp = f64(join(dir, "eig.f64"));
      const sNp = f64(join(dir, "sv.f64"));
      const backends: Backend[] = HAVE_LAPACK ? ["js", "lapack"] : ["js"];
      for (const backend of backends) {
        const w = eigvalsh(A, n, { backend });
        expect(maxAbsDiff(w, wNp), `eigvalsh ${backend}`).toBeLessThan(tolFor(n) * spectralScale(wNp));
        const s = svdvals(B, m, k, { backend });
        expect(maxAbsDiff(s, sNp), `svd ${backend}`).toBeLessThan(tolFor(m) * sNp[0]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
