#!/usr/bin/env node
/**
 * Linear-algebra benchmark: exact symmetric eigendecomposition of a seeded 1573×1573 matrix (LAPACK through koffi,
 * the pure-TypeScript fallback, and numpy.linalg.eigvalsh/eigh in a /usr/bin/python3 subprocess on the same matrix),
 * and the SVD of a seeded 5000×128 matrix (LAPACK vs JS, numpy for reference).
 *
 *   npx tsc -p lib/tsconfig.json && node bench/linalg.mjs [--quick] [--n 1573] [--repeats 3]
 *
 * --quick skips the slowest row (JS eigenvectors at n = 1573, ≈10–20 s). Times are the best of `repeats` runs after
 * one warm-up (JS rows: a single run each, they take seconds). Every row also reports its largest eigenvalue /
 * singular value difference from numpy, so a fast wrong answer cannot hide.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const lib = require("../lib/dist/index.js");
const { Rng, subSeed } = lib.random;
const { eigh, svd, lapackStatus } = lib.linalg;

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const QUICK = args.includes("--quick");
const N = flag("--n", 1573); // the parameter count of the paper-sized Hessians this suite decomposes
const REPEATS = flag("--repeats", 3);
const [SVD_M, SVD_N] = [5000, 128];
const SEED = 2018;
const PY = "/usr/bin/python3";

function time(fn, repeats) {
  fn(); // warm-up (JIT, OpenBLAS thread start-up, lazy library load)
  let best = Infinity;
  let out;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    out = fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, out };
}
function timeOnce(fn) {
  const t0 = performance.now();
  const out = fn();
  return { ms: performance.now() - t0, out };
}
const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

// ---- seeded inputs ----
const rngA = new Rng(subSeed(SEED, "bench-eigh"));
const A = new Float64Array(N * N);
for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) A[i * N + j] = A[j * N + i] = rngA.normal();
const B = new Rng(subSeed(SEED, "bench-svd")).normals(SVD_M * SVD_N);

// ---- numpy in a subprocess, timed inside python ----
const PY_SCRIPT = `
import sys, json, time, numpy as np
d, n, m, k, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
A = np.fromfile(d + "/A.f64", dtype="<f8").reshape(n, n)
B = np.fromfile(d + "/B.f64", dtype="<f8").reshape(m, k)
def best(f):
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter(); r = f(); t.append(time.perf_counter() - t0)
    return min(t) * 1e3, r
t_vals, w = best(lambda: np.linalg.eigvalsh(A))
t_vecs, _ = best(lambda: np.linalg.eigh(A))
t_sv, s = best(lambda: np.linalg.svd(B, compute_uv=False))
t_svd, _ = best(lambda: np.linalg.svd(B, full_matrices=False))
w.astype("<f8").tofile(d + "/w.f64"); s.astype("<f8").tofile(d + "/s.f64")
print(json.dumps(dict(numpy=np.__version__, eigvalsh=t_vals, eigh=t_vecs, svdvals=t_sv, svd=t_svd)))
`;
let np = null;
const dir = mkdtempSync(join(tmpdir(), "skiplab-bench-"));
try {
  writeFileSync(join(dir, "A.f64"), Buffer.from(A.buffer));
  writeFileSync(join(dir, "B.f64"), Buffer.from(B.buffer));
  const r = spawnSync(PY, ["-c", PY_SCRIPT, dir, String(N), String(SVD_M), String(SVD_N), String(REPEATS)], {
    encoding: "utf8",
  });
  if (r.status === 0) {
    const f64 = (p) => {
      const b = readFileSync(p);
      return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    np = { ...JSON.parse(r.stdout.trim().split("\n").pop()), w: f64(join(dir, "w.f64")), s: f64(join(dir, "s.f64")) };
  } else {
    console.warn(
      `numpy reference unavailable (${PY}: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// ---- our solvers ----
const status = lapackStatus();
const rows = [];
const ref = np?.w;
function addEig(name, ms, values, numpyMs) {
  rows.push({ name, ms, ratio: numpyMs ? ms / numpyMs : NaN, diff: ref ? maxDiff(values, ref) : NaN });
}
if (np) {
  rows.push({ name: `numpy ${np.numpy} eigvalsh (values)`, ms: np.eigvalsh, ratio: 1, diff: 0 });
  rows.push({ name: `numpy ${np.numpy} eigh (values+vectors)`, ms: np.eigh, ratio: np.eigh / np.eigvalsh, diff: 0 });
}
if (status.available) {
  const v = time(() => eigh(A, N, { backend: "lapack" }), REPEATS);
  addEig("LAPACK dsyevd (values)", v.ms, v.out.values, np?.eigvalsh);
  const vv = time(() => eigh(A, N, { backend: "lapack", vectors: true }), REPEATS);
  addEig("LAPACK dsyevd (values+vectors)", vv.ms, vv.out.values, np?.eigvalsh);
}
const jv = timeOnce(() => eigh(A, N, { backend: "js" }));
addEig("JS Householder+QL (values)", jv.ms, jv.out.values, np?.eigvalsh);
if (!QUICK) {
  const jvv = timeOnce(() => eigh(A, N, { backend: "js", vectors: true }));
  addEig("JS Householder+QL (values+vectors)", jvv.ms, jvv.out.values, np?.eigvalsh);
}

const svdRows = [];
function addSvd(name, ms, values, numpyMs) {
  svdRows.push({ name, ms, ratio: numpyMs ? ms / numpyMs : NaN, diff: np ? maxDiff(values, np.s) : NaN });
}
if (np) {
  svdRows.push({ name: "numpy svd (values)", ms: np.svdvals, ratio: 1, diff: 0 });
  svdRows.push({ name: "numpy svd (thin, vectors)", ms: np.svd, ratio: np.svd / np.svdvals, diff: 0 });
}
if (status.available) {
  const s = time(() => svd(B, SVD_M, SVD_N, { backend: "lapack" }), REPEATS);
  addSvd("LAPACK dgesdd (values)", s.ms, s.out.values, np?.svdvals);
  const sv = time(() => svd(B, SVD_M, SVD_N, { backend: "lapack", vectors: true }), REPEATS);
  addSvd("LAPACK dgesdd (thin, vectors)", sv.ms, sv.out.values, np?.svdvals);
}
const js = time(() => svd(B, SVD_M, SVD_N, { backend: "js" }), 1);
addSvd("JS QRCP + one-sided Jacobi (values)", js.ms, js.out.values, np?.svdvals);
const jsv = time(() => svd(B, SVD_M, SVD_N, { backend: "js", vectors: true }), 1);
addSvd("JS QRCP + one-sided Jacobi (thin, vectors)", jsv.ms, jsv.out.values, np?.svdvals);

// ---- report ----
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
function table(title, rs, ratioLabel) {
  console.log(`\n${title}`);
  const head = ["method", "time", ratioLabel, "max |Δ| vs numpy"];
  const body = rs.map((r) => [
    r.name,
    fmtMs(r.ms),
    Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : "–",
    Number.isFinite(r.diff) ? r.diff.toExponential(1) : "–",
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells) =>
    "| " + cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + widths.map((w, c) => (c === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
  for (const b of body) console.log(line(b));
}
console.log(
  `skiplab linalg bench — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ` +
    `LAPACKE: ${status.available ? status.path : "not found"}, numpy: ${np ? np.numpy : "not found"}, seed ${SEED}`,
);
table(`Symmetric eigendecomposition, n = ${N} (best of ${REPEATS}; JS rows: one run)`, rows, "÷ numpy eigvalsh");
table(`SVD, ${SVD_M}×${SVD_N} (best of ${REPEATS}; JS rows: one run)`, svdRows, "÷ numpy svd values");
if (QUICK) console.log("\n(--quick: JS eigenvectors at n = 1573 skipped)");
