/**
 * Paper 2's conv-net experiments (experiments/p2/nets.ts, net-measures.ts, nets-prereg.ts): the residual branch
 * gain, the protocol's runs through the cache, the end-of-training measures against independent float64
 * computations (κ of a conv's unfolding from the eigenvalues of W·Wᵀ; κ(H) = ∞ for a probe of identical images), and
 * the claim code on constructed records whose verdicts are known.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  type P2NetProtocol,
  type P2NetRecord,
  p2ActivationsMeasure,
  p2ConditionMeasure,
  p2FinalRecords,
  p2InfiniteDeepFraction,
  p2NetExecute,
  p2NetModel,
  p2NetProtocol,
  p2NetRequests,
  p2NetMeasures,
  p2TrainingMeasure,
  p2TrainingPreregistration,
  p2ActivationsPreregistration,
  p2ConditionPreregistration,
  p2LayerValues,
  p2ParamCounts,
  P2_FIG1_ENTRIES,
  p2DepthRuleChoice,
  p2DepthScreeningRequests,
  p2Fig1Claims,
  registerP2,
  variantSweepSpecs,
} from "../../lib/src/experiments";
import { eigvalsh } from "../../lib/src/linalg/eigh";
import { convNetConfig, createModel } from "../../lib/src/models";
import { evaluateClaims } from "../../lib/src/report/prereg";
import { expandSweep, runSpec } from "../../lib/src/runs";
import { histogram } from "../../lib/src/plots/histograms";
import { Rng } from "../../lib/src/util/random";

beforeAll(async () => {
  await initBackend({ force: "wasm" });
});

describe("residual branch gain (models/config.ts branchGain)", () => {
  const base = {
    kind: "conv" as const,
    depth: 11,
    block: "bottleneck" as const,
    width: 4,
    inputShape: [8, 8, 1] as [number, number, number],
  };

  it("is implicit at 1 and for the plain net (one hash per meaning), and refuses negative gains", () => {
    expect("branchGain" in convNetConfig({ ...base, family: "resnet", branchGain: 1 })).toBe(false);
    expect("branchGain" in convNetConfig({ ...base, family: "plain", branchGain: 0.3 })).toBe(false);
    expect(convNetConfig({ ...base, family: "resnet", branchGain: 0.3 }).branchGain).toBe(0.3);
    expect(() => convNetConfig({ ...base, family: "resnet", branchGain: -1 })).toThrow(/branchGain/);
  });

  it("scales the last conv of each branch without BN, and sets its BN's γ with BN; nothing else moves", () => {
    for (const batchNorm of [false, true]) {
      const a = createModel({ ...base, family: "resnet", batchNorm }, 3);
      const b = createModel({ ...base, family: "resnet", batchNorm, branchGain: 0.25 }, 3);
      try {
        const wa = new Map(a.getWeights().map((w) => [w.name, w.data]));
        for (const w of b.getWeights()) {
          const ref = wa.get(w.name)!;
          const last = /^S\d\.B\d+\.C3\./.test(w.name);
          const scaled = last && (batchNorm ? w.name.endsWith(".bn.gamma") : w.name.endsWith(".W"));
          for (let i = 0; i < ref.length; i += 7)
            expect(w.data[i], `${w.name}[${i}]`).toBeCloseTo(scaled ? 0.25 * ref[i] : ref[i], 6);
        }
      } finally {
        a.dispose();
        b.dispose();
      }
    }
  });
});

describe("p2 protocol", () => {
  it("quick: 36 runs with distinct hashes; the residual arms get gain 1/√18 at depth 56, the plain net none", () => {
    const p = p2NetProtocol("quick");
    const reqs = p2NetRequests(p);
    expect(reqs.length).toBe(2 * 3 * 6);
    expect(new Set(reqs.map((r) => r.spec.hash)).size).toBe(reqs.length);
    const d = p.data[0];
    expect(convNetConfig(p2NetModel(p, d, "resnet", true)).branchGain).toBeCloseTo(1 / Math.sqrt(18), 12);
    expect(convNetConfig(p2NetModel(p, d, "plain", false)).branchGain).toBeUndefined();
    expect(p.seeds.exploration.some((s) => p.seeds.confirmation.includes(s))).toBe(false);
    const params = p2ParamCounts(p);
    expect(params.resnext).toBeLessThan(params.resnet); // grouped 3×3 convs: fewer weights (as in the paper, 2.5 vs 2.6 M)
  });

  it("the depth screening reuses the grid's runs at the protocol's depth, and the rule picks the deepest depth at chance", () => {
    const p = p2NetProtocol("quick");
    const screening = p2DepthScreeningRequests(p);
    expect([...new Set(screening.map((r) => r.depth))]).toEqual([20, 29, 38, 56]);
    const grid = new Set(p2NetRequests(p).map((r) => r.spec.hash));
    expect(screening.filter((r) => grid.has(r.spec.hash)).length).toBe(4); // depth 56: 2 families × 2 BN settings
    const rec = (depth: number, acc: number) =>
      ({ family: "plain", bn: "no BN", depth, train_acc: acc }) as unknown as P2NetRecord;
    expect(p2DepthRuleChoice(p, [rec(20, 0.29), rec(29, 0.1), rec(38, 0.11), rec(56, 0.1)])).toBe(56);
    expect(p2DepthRuleChoice(p, [rec(20, 0.29), rec(29, 0.1), rec(38, 0.11), rec(56, 0.3)])).toBe(38);
    expect(p2DepthRuleChoice(p, [rec(20, 0.29), rec(56, 0.3)])).toBeNull();
  });

  it("paper: depth 164 on MNIST, CIFAR-10 and CIFAR-100 with the paper's optimiser", () => {
    const p = p2NetProtocol("paper");
    expect(p.depth).toBe(164);
    expect(p.data.map((d) => d.dataset)).toEqual(["mnist", "cifar10", "cifar100"]);
    expect(p.train).toMatchObject({
      epochs: 200,
      batchSize: 128,
      optimizer: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
    });
  });
});

describe("p2 measures", () => {
  let root: string;
  beforeAll(() => {
    registerP2();
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-p2-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const tinyModel = {
    kind: "conv" as const,
    family: "resnext" as const,
    depth: 11,
    width: 4,
    cardinality: 2,
    groupWidth: 2,
    inputShape: [8, 8, 1] as [number, number, number],
  };
  const context = (x: Float32Array, n: number) => ({
    epoch: 1,
    step: 1,
    record: {} as never,
    data: { train: { x, y: new Int32Array(n), n, dim: 64, numClasses: 10 } },
    seed: 0,
    config: runSpec({ model: tinyModel, train: { epochs: 1 }, data: { name: "none" } }, 0).config,
  });

  it("κ(W) is κ of the C_out × k·k·C_in/groups unfolding (float64 eigenvalues of W·Wᵀ), κ(H) finite on distinct images", () => {
    const model = createModel(tinyModel, 2);
    try {
      const rng = new Rng(5);
      const x = Float32Array.from(rng.normals(48 * 64));
      const out = p2NetMeasures({ ...context(x, 48), model }, { probe: 48, rtol: 1e-7 });
      const conv = model.layers.find((l) => l.name === "S1.B1.C2")!; // the grouped 3×3 conv: [3, 3, 2, 4]
      const [kh, kw, cin, cout] = conv.W!.shape as number[];
      const w = conv.W!.dataSync();
      // unfold by hand: row = output channel, column = (kh, kw, cin) — then W·Wᵀ [cout × cout] in float64
      const cols = kh * kw * cin;
      const U = new Float64Array(cout * cols);
      for (let o = 0; o < cout; o++) for (let j = 0; j < cols; j++) U[o * cols + j] = w[j * cout + o];
      const G = new Float64Array(cout * cout);
      for (let a = 0; a < cout; a++)
        for (let b = 0; b < cout; b++) {
          let s = 0;
          for (let j = 0; j < cols; j++) s += U[a * cols + j] * U[b * cols + j];
          G[a * cout + b] = s;
        }
      const ev = eigvalsh(G, cout, { backend: "js" });
      const kappa = Math.sqrt(Math.max(...ev) / Math.min(...ev));
      expect(out["kW.S1.B1.C2"] as number).toBeCloseTo(kappa, 3);
      expect(typeof out["kH.stem"]).toBe("number");
      expect(out["act.stem.min"]).toBeGreaterThanOrEqual(0); // after ReLU
      expect(out["w.out.max"]).toBeGreaterThan(out["w.out.min"] as number);
      // nothing before the last epoch
      expect(p2NetMeasures({ ...context(x, 48), epoch: 0, model }, { probe: 48, rtol: 1e-7 })).toEqual({});
    } finally {
      model.dispose();
    }
  });

  it("κ(H) = ∞ (stored as the string) at every layer for a probe of identical images", () => {
    const model = createModel(tinyModel, 2);
    try {
      const one = new Rng(6).normals(64);
      const x = new Float32Array(16 * 64);
      for (let i = 0; i < 16; i++) x.set(one, i * 64);
      const out = p2NetMeasures({ ...context(x, 16), model }, { probe: 16, rtol: 1e-7 });
      const kh = Object.keys(out).filter((k) => k.startsWith("kH."));
      expect(kh.length).toBe(1 + 3); // stem and one block per stage
      for (const k of kh) expect(out[k], k).toBe("Infinity");
    } finally {
      model.dispose();
    }
  });

  it("runs the smoke grid through the cache; the histogram values are read back from the final checkpoints", async () => {
    const p: P2NetProtocol = {
      ...p2NetProtocol("smoke"),
      families: ["plain", "resnet"],
      batchNorm: [true],
      seeds: { exploration: [], confirmation: [0] },
    };
    const reqs = p2NetRequests(p);
    const first = await p2NetExecute(reqs, { dir: root });
    expect(first.computed).toBe(2);
    const again = await p2NetExecute(reqs, { dir: root });
    expect(again.cached).toBe(2);
    const finals = p2FinalRecords(again.records);
    expect(finals.map((r) => r.epoch)).toEqual([2, 2]);
    expect(finals.every((r) => typeof r["kH.stem"] !== "undefined" && r.bn === "BN")).toBe(true);
    const v = await p2LayerValues(reqs[1].spec.hash, p.measures.probe, root);
    expect(v.names).toMatchObject({ first: "stem", last: "S3.B1", firstWeights: "stem", lastWeights: "S3.B1.C3" });
    expect(v.activations.first.length).toBe(64 * 8 * 8 * 4);
    // the ranges the metric set stored at the last epoch are those of the checkpointed model
    expect(Math.max(...v.activations.last)).toBeCloseTo(finals[1]["act.S3.B1.max"] as number, 4);
  });

  it("a paper-2 sweep file computes exactly the grid's runs through `skiplab sweep` (p2-data registered)", () => {
    const p: P2NetProtocol = {
      ...p2NetProtocol("smoke"),
      families: ["resnext"],
      batchNorm: [false],
      seeds: { exploration: [], confirmation: [7] },
    };
    const reqs = p2NetRequests(p);
    const [spec] = variantSweepSpecs(reqs, "p2-test");
    expect(expandSweep(spec).map((r) => r.hash)).toEqual(reqs.map((r) => r.spec.hash));
    const file = path.join(root, "p2-test.json");
    fs.writeFileSync(file, JSON.stringify(spec));
    const cli = path.join(__dirname, "../../lib/dist/cli/main.js");
    const r = spawnSync(process.execPath, [cli, "sweep", file, "--dir", root], {
      encoding: "utf8",
      env: { ...process.env, SKIPLAB_PROGRESS: "off" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(root, reqs[0].spec.hash, "done.json"))).toBe(true);
  });
});

/** A final record of an arm with given values (every representation and weight key the claim code reads). */
function record(
  family: "plain" | "resnet" | "resnext",
  bn: boolean,
  seed: number,
  v: { acc: number; loss: number; test: number; range: number; w: number; kW: number; kH: number[] },
): P2NetRecord {
  const r: P2NetRecord = {
    hash: `${family}${bn}${seed}`,
    arch: family,
    condition: "",
    depth: 11,
    width: 4,
    seed,
    status: "done",
    epoch: 4,
    train_acc: v.acc,
    train_loss: v.loss,
    test_acc: v.test,
    test_loss: 1,
    family,
    bn: bn ? "BN" : "no BN",
    dataset: "fashion-mnist",
  };
  const reps = ["stem", "S1.B1", "S2.B1", "S3.B1", "S3.B2"];
  reps.forEach((n, i) => {
    r[`kH.${n}`] = v.kH[i] === Infinity ? "Infinity" : v.kH[i];
    r[`kHraw.${n}`] = v.kH[i] === Infinity ? 1e9 : v.kH[i];
    r[`act.${n}.min`] = 0;
    r[`act.${n}.max`] = v.range;
  });
  for (const l of ["stem", "S1.B1.C1", "out"]) {
    r[`kW.${l}`] = v.kW;
    r[`w.${l}.min`] = -v.w;
    r[`w.${l}.max`] = v.w;
  }
  return r;
}

describe("p2 claim code on constructed records", () => {
  const p = p2NetProtocol("quick");
  const seeds = [0, 1, 2, 3, 4];
  const build = (plainFails: boolean) => {
    const out: P2NetRecord[] = [];
    for (const bn of [true, false])
      for (const s of seeds) {
        const j = 0.01 * s; // seed noise
        out.push(
          record(
            "plain",
            bn,
            s,
            plainFails
              ? {
                  acc: 0.1 + j,
                  loss: 2.3,
                  test: 0.1,
                  range: 1e5 * (1 + j),
                  w: 1e4,
                  kW: 1e4,
                  kH: [10, 100, Infinity, Infinity, Infinity],
                }
              : { acc: 0.8 + j, loss: 0.5, test: 0.8, range: 5, w: 1, kW: 3, kH: [10, 20, 30, 40, 50] },
          ),
          record("resnet", bn, s, {
            acc: 0.8 + j,
            loss: 0.5 - j,
            test: 0.8 + j,
            range: 5 + j,
            w: 1,
            kW: 3 + j,
            kH: [10, 20, 30, 40, 50].map((k) => k * (1 + j)),
          }),
          record("resnext", bn, s, {
            acc: 0.8 + j,
            loss: 0.5,
            test: 0.85 + j,
            range: 5,
            w: 1,
            kW: 3,
            kH: [10, 15, 20, 25, 30].map((k) => k * (1 + j)),
          }),
        );
      }
    return out;
  };
  const verdicts = (prereg: ReturnType<typeof p2TrainingPreregistration>, m: Parameters<typeof evaluateClaims>[1]) =>
    Object.fromEntries(evaluateClaims(prereg, m).map((c) => [c.id, c.verdict]));

  it("the paper's pattern reproduces every claim; a plain net that trains like the ResNet fails them", () => {
    const yes = build(true);
    const no = build(false);
    const t = p2TrainingPreregistration("quick", p);
    expect(verdicts(t, p2TrainingMeasure(p, yes, seeds, "quick"))).toEqual({
      S1: "reproduced",
      N1: "reproduced",
      N2: "reproduced",
      N3: "reproduced",
      N4: "reproduced",
    });
    const vNo = verdicts(t, p2TrainingMeasure(p, no, seeds, "quick"));
    expect(vNo.N1).toBe("not reproduced");
    expect(vNo.N2).toBe("not reproduced");
    const a = p2ActivationsPreregistration("quick", p);
    expect(verdicts(a, p2ActivationsMeasure(p, yes, seeds))).toEqual({
      A1: "reproduced",
      A2: "reproduced",
      A3: "reproduced",
    });
    expect(verdicts(a, p2ActivationsMeasure(p, no, seeds)).A1).toBe("not reproduced");
    const k = p2ConditionPreregistration("quick", p);
    expect(verdicts(k, p2ConditionMeasure(p, yes, seeds))).toEqual({
      K1: "reproduced",
      K2: "reproduced",
      K3: "reproduced",
      K4: "reproduced",
    });
    const kNo = verdicts(k, p2ConditionMeasure(p, no, seeds));
    expect(kNo.K1).toBe("not reproduced");
    expect(kNo.K2).toBe("not reproduced");
  });

  it("counts the infinite κ(H) of the second half of the blocks", () => {
    const r = record("plain", true, 0, {
      acc: 0,
      loss: 1,
      test: 0,
      range: 1,
      w: 1,
      kW: 1,
      kH: [Infinity, 1, 1, Infinity, 1],
    });
    expect(p2InfiniteDeepFraction(r)).toBe(0.5); // blocks S1.B1, S2.B1 | S3.B1 (∞), S3.B2 — the stem is not a block
  });
});

describe("histogram", () => {
  it("bins every finite value once, between the min and the max", () => {
    const h = histogram([0, 1, 2, 3, 4, NaN, Infinity], 4);
    expect(h.counts).toEqual([1, 1, 1, 2]);
    expect(h).toMatchObject({ lo: 0, hi: 4, n: 5, min: 0, max: 4 });
    expect(histogram([2, 2, 2], 3).counts).toEqual([3, 0, 0]);
    expect(() => histogram([1], 0)).toThrow(/bins/);
  });
});

describe("P2 Fig. 1 (literature)", () => {
  it("plots only verified values; the claim is not tested, with its numbers from the verified entries", () => {
    const verified = P2_FIG1_ENTRIES.filter((e) => e.verified);
    expect(verified.map((e) => [e.depth, e.top5])).toEqual([
      [8, 15.3],
      [152, 3.57],
    ]);
    expect(P2_FIG1_ENTRIES.filter((e) => !e.verified).every((e) => e.top5 === null)).toBe(true);
    const [c] = p2Fig1Claims();
    expect(c.verdict).toBe("not tested");
    expect(Object.values(c.numbers)).toEqual(["15.3 %", "3.57 %"]);
    // an unverified value given a number must not reach the claim's numbers
    const [d] = p2Fig1Claims([...P2_FIG1_ENTRIES, { ...P2_FIG1_ENTRIES[2], top5: 6.67 }]);
    expect(Object.values(d.numbers)).toEqual(["15.3 %", "3.57 %"]);
  });
});
