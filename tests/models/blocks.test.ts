import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { BlockNet, type BlockNetConfigInput, countParams, createModel } from "../../lib/src/models";
import { Rng } from "../../lib/src/util/random";
import { act } from "./reference";

type W = Map<string, Float32Array>;

function affine(x: number[], W: Float32Array, b: Float32Array | null, nin: number, nout: number): number[] {
  const z = b ? Array.from(b, Number) : new Array(nout).fill(0);
  for (let i = 0; i < nin; i++) for (let j = 0; j < nout; j++) z[j] += x[i] * W[i * nout + j];
  return z;
}

/** float64 reference of BlockNet (no BatchNorm), from the formulas in lib/src/models/blocks.ts. */
function referenceBlocks(m: BlockNet, rows: number[][]): number[][] {
  const c = m.config;
  const w: W = new Map(m.getWeights().map((a) => [a.name, a.data]));
  const f = (z: number[]) => z.map((v) => act(c.activation, v));
  return rows.map((x0) => {
    let x = f(affine(x0, w.get("stem.W")!, w.get("stem.b")!, c.inputDim, c.width));
    for (let j = 1; j <= c.blocks; j++) {
      let v: number[];
      if (c.family === "resnext") {
        v = Array.from(w.get(`B${j}.bias.b`)!, Number);
        for (let k = 1; k <= c.cardinality; k++) {
          const u = f(affine(x, w.get(`B${j}.P${k}.L1.W`)!, w.get(`B${j}.P${k}.L1.b`)!, c.width, c.groupWidth));
          const t = affine(u, w.get(`B${j}.P${k}.L2.W`)!, null, c.groupWidth, c.width);
          v = v.map((vi, i) => vi + t[i]);
        }
      } else {
        const u = f(affine(x, w.get(`B${j}.L1.W`)!, w.get(`B${j}.L1.b`)!, c.width, c.width));
        v = affine(u, w.get(`B${j}.L2.W`)!, w.get(`B${j}.L2.b`)!, c.width, c.width);
      }
      const h = f(v);
      x = c.family === "plain" ? h : h.map((hi, i) => hi + x[i]);
    }
    return affine(x, w.get("out.W")!, w.get("out.b")!, c.width, c.outputDim);
  });
}

describe("PlainNet / ResNet / ResNeXt block nets", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });

  const base = { inputDim: 6, outputDim: 3, width: 8, blocks: 3, cardinality: 3, groupWidth: 2 };
  for (const family of ["plain", "resnet", "resnext"] as const) {
    for (const batchNorm of [false, true]) {
      it(`${family}${batchNorm ? " + BN" : ""}: parameter count and named layers`, () => {
        const cfg: BlockNetConfigInput = { kind: "blocks", ...base, family, batchNorm };
        const m = createModel(cfg, 0);
        expect(m.paramCount).toBe(countParams(cfg));
        const names = m.layers.map((l) => l.name);
        expect(names[0]).toBe("stem");
        expect(names[names.length - 1]).toBe("out");
        if (family === "resnext") expect(names).toContain("B2.P3.L1");
        else expect(names).toContain("B3.L2");
        m.dispose();
      });
    }
    it(`${family}: forward equals a float64 reference and reports block activations`, () => {
      const m = new BlockNet({ ...base, family }, 4);
      const rng = new Rng(2);
      const rows = Array.from({ length: 3 }, () => Array.from(rng.normals(6)));
      const before = tf.memory().numTensors;
      const { out, names } = tf.tidy(() => {
        const r = m.forward(tf.tensor2d(rows), { returnActivations: true });
        return { out: r.output.arraySync() as number[][], names: r.activations.map((a) => a.name) };
      });
      expect(tf.memory().numTensors).toBe(before);
      const ref = referenceBlocks(m, rows);
      const scale = Math.max(...ref.flat().map(Math.abs));
      out.flat().forEach((v, i) => expect(Math.abs(v - ref.flat()[i]) / scale).toBeLessThan(2e-5));
      expect(names).toContain("B3");
      expect(names[0]).toBe("stem");
      m.dispose();
    });
  }

  it("PlainNet is the ResNet with its skips removed (same seed → same weights)", () => {
    const r = new BlockNet({ ...base, family: "resnet" }, 9);
    const p = new BlockNet({ ...base, family: "plain" }, 9);
    expect(p.getWeights()).toEqual(r.getWeights());
    r.dispose();
    p.dispose();
  });
});
