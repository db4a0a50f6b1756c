/**
 * Independent float64 check of Hessian-vector products through a conv ResNet: PyTorch in float64 (Debian's
 * python3-torch) rebuilds ResNet-8 from our weights — NCHW, OIHW filters, BatchNorm in training mode — and computes
 * H·v by double backward; ours are float32 products on the wasm backend with the oneDNN conv and BatchNorm kernels.
 * Weights, data and directions go through a JSON file (float32 values are exact in float64).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { hessianOperator } from "../../lib/src/curvature";
import { installConvKernels, restoreConvKernels } from "../../lib/src/engine/conv";
import { initBackend } from "../../lib/src/engine/ladder";
import { installBatchNormKernels, restoreBatchNormKernels } from "../../lib/src/engine/norm";
import { loadOneDnn } from "../../lib/src/engine/onednn";
import { networkParamSet } from "../../lib/src/metrics/network-context";
import { type ConvNet, createModel } from "../../lib/src/models";
import { Rng } from "../../lib/src/util/random";
import { needs, pythonWith } from "../support/requirements";

const PYTHON = pythonWith("torch");
const check = needs(
  PYTHON !== null && loadOneDnn() !== null,
  "a Python with torch (Debian: python3-torch) and oneDNN 2.x (Debian: libdnnl2), which scripts/setup.sh installs",
);

const SCRIPT = String.raw`
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
d = json.load(open(sys.argv[1]))
B, (H, W, C) = d["batch"], d["inputShape"]
x = torch.tensor(d["x"]).reshape(B, H, W, C).permute(0, 3, 1, 2)        # HWC rows -> NCHW
y = torch.tensor(d["y"], dtype=torch.long)
names = [p["name"] for p in d["params"]]
shapes = [p["shape"] for p in d["params"]]
sizes = [max(1, int(torch.tensor(s).prod())) for s in shapes]
theta = torch.cat([torch.tensor(p["data"]).reshape(-1) for p in d["params"]]).requires_grad_(True)

def unpack(t):
    out, o = {}, 0
    for n, s, k in zip(names, shapes, sizes):
        out[n] = t[o:o + k].reshape(s); o += k
    return out

def forward(t):
    P = unpack(t)
    def conv(h, name, stride):
        w = P[name + ".W"].permute(3, 2, 0, 1)                            # HWIO -> OIHW
        z = F.conv2d(h, w, stride=stride, padding=w.shape[2] // 2)
        return F.batch_norm(z, None, None, P[name + ".bn.gamma"], P[name + ".bn.beta"], True, 0.0, 1e-5)
    h = F.relu(conv(x, "stem", 1))
    for s in (1, 2, 3):
        for j in range(1, d["blocksPerStage"] + 1):
            name, stride = f"S{s}.B{j}", (2 if s > 1 and j == 1 else 1)
            v = conv(F.relu(conv(h, name + ".C1", stride)), name + ".C2", 1)
            short = conv(h, name + ".proj", stride) if name + ".proj.W" in P else h
            h = F.relu(v + short)
    return h.mean(dim=(2, 3)) @ P["out.W"] + P["out.b"]

loss = F.cross_entropy(forward(theta), y)
g = torch.autograd.grad(loss, theta, create_graph=True)[0]
out = {"loss": float(loss), "hv": []}
for v in d["directions"]:
    out["hv"].append(torch.autograd.grad(g @ torch.tensor(v), theta, retain_graph=True)[0].tolist())
json.dump(out, open(sys.argv[2], "w"))
`;

describe("conv ResNet Hessian-vector products against PyTorch float64", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    installConvKernels();
    installBatchNormKernels();
  });
  afterAll(() => {
    restoreConvKernels();
    restoreBatchNormKernels();
  });

  check("ResNet-8 (BN in training mode, projection shortcuts): H·v agrees to float32 accuracy", async () => {
    const m = createModel({ kind: "conv", depth: 8, width: 2, inputShape: [6, 6, 1], outputDim: 3 }, 12) as ConvNet;
    const rng = new Rng(5);
    const batch = 6;
    const xv = Float32Array.from(rng.normals(batch * 36));
    const yv = Int32Array.from({ length: batch }, (_, i) => i % 3);
    const x = tf.tensor2d(xv, [batch, 36]);
    const y = tf.tensor1d(yv, "int32");
    const dir = mkdtempSync(join(tmpdir(), "skiplab-conv-torch-"));
    try {
      const set = networkParamSet(m);
      const op = hessianOperator(() => m.loss(m.forward(x, { training: true, updateStats: false }).output, y), set);
      const directions = [0, 1, 2].map(() => Float32Array.from(rng.normals(op.dim)));
      const ours: Float64Array[] = [];
      for (const v of directions) ours.push(await op.apply(Float64Array.from(v)));
      const weights = m.namedParams().map((p) => ({
        name: p.name,
        shape: p.variable.shape,
        data: Array.from(p.variable.dataSync()),
      }));
      expect(weights.map((w) => w.name)).toEqual(set.names); // same order as the operator's vector
      writeFileSync(
        join(dir, "in.json"),
        JSON.stringify({
          batch,
          inputShape: [6, 6, 1],
          blocksPerStage: 1,
          x: Array.from(xv),
          y: Array.from(yv),
          params: weights,
          directions: directions.map((v) => Array.from(v)),
        }),
      );
      writeFileSync(join(dir, "hvp.py"), SCRIPT);
      const r = spawnSync(PYTHON!, [join(dir, "hvp.py"), join(dir, "in.json"), join(dir, "out.json")], {
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as { loss: number; hv: number[][] };
      expect(ref.loss).toBeCloseTo(
        tf.tidy(() => m.loss(m.forward(x, { training: true, updateStats: false }).output, y).dataSync()[0]),
        5,
      );
      ref.hv.forEach((want, k) => {
        let num = 0;
        let den = 0;
        for (let i = 0; i < want.length; i++) {
          num += (ours[k][i] - want[i]) ** 2;
          den += want[i] ** 2;
        }
        // measured 4.6e-7 – 5.2e-7 (float32 products)
        expect(Math.sqrt(num / den), `direction ${k}`).toBeLessThan(1e-5);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tf.dispose([x, y]);
      m.dispose();
    }
  });
});
