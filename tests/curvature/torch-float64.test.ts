/**
 * Independent float64 check: the full Hessian (and Gauss–Newton) spectrum of a small MLP computed by a second route,
 * PyTorch in float64 (Debian's `python3-torch`: `torch.autograd.functional.hessian` / `jacobian`, `eigvalsh`), must
 * agree with ours (tfjs float32 HVPs, assembled, LAPACK/JS eigh). Weights and data go through a temporary JSON file;
 * the float32 values are exactly representable in float64, so the only difference is our float32 arithmetic.
 *
 * Needs a Python with torch (Debian's python3-torch, which scripts/setup.sh installs): skipped with that message
 * where it is missing, and failing under CI=true (tests/support/requirements.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { exactSpectrum, gaussNewtonOperator, hessianOperator } from "../../lib/src/curvature";
import { needs, pythonWith } from "../support/requirements";
import { tinyNet, type TinyNet, type TinyNetSpec } from "./helpers";

const PYTHON = pythonWith("torch");
const withTorch = needs(
  PYTHON !== null,
  "a Python with torch (Debian: python3-torch, which scripts/setup.sh installs)",
);

/**
 * Agreement of eigenvalues, relative to max|λ|. Our entries carry float32 rounding; Weyl bounds the eigenvalue shift
 * by the error norm, for which the reported noise floor (curvature/exact.ts) measured 4e-8…1e-7·max|λ| here. The
 * measured disagreement with torch is 1e-8…5e-8·max|λ|, so 1e-6 leaves a 10–20× margin over the floor.
 */
const TOL_F64 = 1e-6;

const SCRIPT = String.raw`
import json, sys, torch
torch.set_default_dtype(torch.float64)
d = json.load(open(sys.argv[1]))
spec = d["spec"]
x = torch.tensor(d["x"]).reshape(spec["batch"], spec["inputDim"])
shapes = [p["shape"] for p in d["params"]]
sizes = [int(torch.tensor(s).prod()) if len(s) else 1 for s in shapes]
theta = torch.cat([torch.tensor(p["data"]).reshape(-1) for p in d["params"]])
skip = spec.get("skip") or [False] * len(spec["hidden"])

def unpack(t):
    out, o = [], 0
    for s, n in zip(shapes, sizes):
        out.append(t[o:o + n].reshape(s)); o += n
    return out

def forward(t):
    p = unpack(t); h = x
    for l in range(len(spec["hidden"])):
        a = torch.relu(h @ p[2 * l] + p[2 * l + 1])      # W [fanIn, fanOut], as in tfjs
        h = a + h if skip[l] else a
    L = len(spec["hidden"])
    return h @ p[2 * L] + p[2 * L + 1]

if spec["task"] == "ce":
    y = torch.tensor(d["y"], dtype=torch.long)
    loss = lambda t: torch.nn.functional.cross_entropy(forward(t), y)          # mean over the batch
else:
    y = torch.tensor(d["y"]).reshape(spec["batch"], spec["outputs"])
    loss = lambda t: ((forward(t) - y) ** 2).mean()                               # mean over all entries

H = torch.autograd.functional.hessian(loss, theta)
J = torch.autograd.functional.jacobian(forward, theta)                           # [B, C, P]
z = forward(theta).detach()
B, C = z.shape
if spec["task"] == "ce":
    s = torch.softmax(z, 1)
    Hout = (torch.diag_embed(s) - s[:, :, None] * s[:, None, :]) / B             # [B, C, C]
else:
    Hout = torch.eye(C).expand(B, C, C) * (2.0 / (B * C))
G = torch.einsum("bcp,bcd,bdq->pq", J, Hout, J)
json.dump({
    "loss": float(loss(theta)),
    "hessian": torch.linalg.eigvalsh(H).tolist(),
    "gaussNewton": torch.linalg.eigvalsh(G).tolist(),
    "asymmetry": float((H - H.T).abs().max()),
}, open(sys.argv[2], "w"))
`;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe("float64 cross-check against PyTorch", () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    dir = mkdtempSync(join(tmpdir(), "skiplab-torch-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: TinyNetSpec[] = [
    // softmax CE, two hidden layers: 6 → 10 → 8 → 4, 64 points: 70 + 88 + 36 = 194 parameters
    { seed: 61, inputDim: 6, hidden: [10, 8], outputs: 4, batch: 64, task: "ce" },
    // MSE with an identity skip on the second hidden layer: 5 → 6 → 6 → 2, 48 points: 36 + 42 + 14 = 92 parameters
    { seed: 62, inputDim: 5, hidden: [6, 6], outputs: 2, batch: 48, task: "mse", skip: [false, true] },
  ];
  for (const spec of cases) {
    withTorch(
      `${spec.task}${spec.skip ? " + skip" : ""}: Hessian and Gauss–Newton spectra match torch float64`,
      async () => {
        const net: TinyNet = tinyNet(spec);
        try {
          const input = join(dir, `in-${spec.seed}.json`);
          const output = join(dir, `out-${spec.seed}.json`);
          writeFileSync(
            input,
            JSON.stringify({
              spec,
              x: Array.from(net.x.dataSync()),
              y: Array.from(net.y.dataSync()),
              params: net.set.tensors.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })),
            }),
          );
          const r = spawnSync(PYTHON!, ["-c", SCRIPT, input, output], { encoding: "utf8" });
          expect(r.status, r.stderr).toBe(0);
          const ref = JSON.parse(readFileSync(output, "utf8")) as {
            loss: number;
            hessian: number[];
            gaussNewton: number[];
          };

          const ourLoss = tf.tidy(() => net.loss(net.set.tensors).dataSync()[0]);
          expect(Math.abs(ourLoss - ref.loss) / ref.loss).toBeLessThan(1e-5);

          const h = await exactSpectrum(hessianOperator(net.loss, net.set));
          const g = await exactSpectrum(
            gaussNewtonOperator(net.forward, net.set, spec.task === "ce" ? { kind: "softmax-ce" } : { kind: "mse" }),
          );
          for (const [ours, theirs, what] of [
            [h.values, ref.hessian, "Hessian"],
            [g.values, ref.gaussNewton, "Gauss–Newton"],
          ] as const) {
            expect(ours.length).toBe(theirs.length);
            const scale = maxAbs(theirs);
            let err = 0;
            for (let i = 0; i < ours.length; i++) err = Math.max(err, Math.abs(ours[i] - theirs[i]));
            expect(err / scale, what).toBeLessThan(TOL_F64);
          }
          // the spectra are not trivial: negative curvature in the Hessian, a PSD Gauss–Newton matrix
          expect(ref.hessian[0]).toBeLessThan(-1e-3 * maxAbs(ref.hessian));
          expect(ref.gaussNewton[0]).toBeGreaterThan(-1e-12 * maxAbs(ref.gaussNewton));
        } finally {
          net.dispose();
        }
      },
    );
  }
});
