/**
 * Paper 1's pre-registrations: valid, disjoint seed sets, stable fingerprints, and measurements that turn run
 * records into the registered estimates, on synthetic records where each claim holds, fails or cannot be told.
 */
import { describe, expect, it } from "vitest";
import {
  FIG_F_PLAIN_AT_REG_LR,
  type FigFChoice,
  figFConfirmationCells,
  figFFamilies,
  figFGrid,
  figCMeasure,
  figCPreregistration,
  figDMeasure,
  figDPreregistration,
  figEConditions,
  figEMeasure,
  figEPreregistration,
  figFMeasure,
  figFPreregistration,
  figGMeasure,
  figGPreregistration,
  type VariantRunRow,
  P1_CONFIRMATION_SEEDS,
  type P1Record,
  p1Protocol,
  preregSeeds,
  trainAuc,
} from "../../lib/src/experiments";
import { checkPreregistration, confirmClaims, evaluateClaims, preregFingerprint } from "../../lib/src/report/prereg";
import { Rng } from "../../lib/src/util/random";

/** Records of runs whose train accuracy is `acc[arch]` (+ seed noise) at every epoch ≥ 1 and final degeneracy `deg`. */
function records(
  seeds: readonly number[],
  acc: Record<string, number>,
  deg: Record<string, number>,
  noise: number,
  epochs = 4,
): P1Record[] {
  const rng = new Rng(9);
  const out: P1Record[] = [];
  for (const arch of Object.keys(acc))
    for (const seed of seeds) {
      const a = acc[arch] + noise * rng.normal();
      const d = deg[arch] + noise * rng.normal();
      for (let epoch = 0; epoch <= epochs; epoch++)
        out.push({
          hash: `${arch}-${seed}`,
          arch,
          condition: arch,
          depth: 20,
          width: 16,
          seed,
          status: "done",
          epoch,
          train_acc: epoch === 0 ? 0.1 : a,
          train_loss: 1,
          test_acc: null,
          test_loss: null,
          "hess.mid.deg_rel": epoch === epochs ? d : null,
        });
    }
  return out;
}

describe("paper 1 pre-registrations", () => {
  it("Fig. C's registration is valid at every scale, with disjoint seed sets and ≥ 5 confirmation seeds at quick", () => {
    for (const scale of ["smoke", "quick", "paper"] as const) {
      const p = figCPreregistration(scale, p1Protocol(scale));
      expect(() => checkPreregistration(p)).not.toThrow();
      expect(p.seeds.confirmation).toEqual(P1_CONFIRMATION_SEEDS[scale]);
      expect(preregSeeds(p)).toEqual([...p1Protocol(scale).seeds, ...P1_CONFIRMATION_SEEDS[scale]]);
    }
    expect(P1_CONFIRMATION_SEEDS.quick.length).toBeGreaterThanOrEqual(5);
    // the fingerprint is a function of the registration only
    expect(preregFingerprint(figCPreregistration("quick", p1Protocol("quick")))).toBe(
      preregFingerprint(figCPreregistration("quick", p1Protocol("quick"))),
    );
  });

  it("the training-curve AUC leaves out epoch 0", () => {
    const run = records([0], { plain: 0.5 }, { plain: 0.9 }, 0);
    expect(trainAuc(run)).toBeCloseTo(0.5, 12);
  });

  it("Fig. C: the recalled ordering in the data reproduces both claims; a reversed ordering fails them", () => {
    const p = figCPreregistration("quick", p1Protocol("quick"));
    const seeds = p.seeds.confirmation;
    const ordered = records(
      seeds,
      { plain: 0.6, residual: 0.7, "hyper-residual": 0.8 },
      { plain: 0.9, residual: 0.8, "hyper-residual": 0.7 },
      0.01,
    );
    const good = evaluateClaims(p, figCMeasure(ordered, seeds));
    expect(good.map((c) => c.verdict)).toEqual(["reproduced", "reproduced"]);
    expect(good[0].numbers["mean AUC plain / residual / hyper"]).toMatch(/^0\.[56]\d\d \/ 0\.[67]\d\d \/ 0\.[78]\d\d$/);
    // hyper-residual below residual (what the earlier quick run showed): C1 partly, C2 partly
    const swapped = records(
      seeds,
      { plain: 0.6, residual: 0.8, "hyper-residual": 0.7 },
      { plain: 0.9, residual: 0.7, "hyper-residual": 0.8 },
      0.01,
    );
    expect(evaluateClaims(p, figCMeasure(swapped, seeds)).map((c) => c.verdict)).toEqual([
      "partly reproduced",
      "partly reproduced",
    ]);
    // no differences and a lot of noise: nothing can be told
    const noisy = records(
      seeds,
      { plain: 0.7, residual: 0.7, "hyper-residual": 0.7 },
      { plain: 0.8, residual: 0.8, "hyper-residual": 0.8 },
      0.2,
    );
    expect(evaluateClaims(p, figCMeasure(noisy, seeds)).map((c) => c.verdict)).toEqual([
      "inconclusive",
      "inconclusive",
    ]);
  });

  it("Fig. C: confirmation and exploration are measured on their own seeds", () => {
    const p = figCPreregistration("quick", p1Protocol("quick"));
    const all = [
      ...records(
        p.seeds.exploration,
        { plain: 0.6, residual: 0.7, "hyper-residual": 0.8 },
        { plain: 0.9, residual: 0.8, "hyper-residual": 0.7 },
        0.01,
      ),
      ...records(
        p.seeds.confirmation,
        { plain: 0.7, residual: 0.7, "hyper-residual": 0.7 },
        { plain: 0.8, residual: 0.8, "hyper-residual": 0.8 },
        0.001,
      ),
    ];
    const checks = confirmClaims(p, (seeds) => figCMeasure(all, seeds));
    expect(checks.map((c) => [c.verdict, c.exploration?.verdict])).toEqual([
      ["not reproduced", "reproduced"],
      ["not reproduced", "reproduced"],
    ]);
    expect(checks[0].numbers.seeds).toBe(5);
    expect(checks[0].exploration?.numbers.seeds).toBe(3);
  });
});

/** One final (and one epoch-1) record per run of archs × depths × seeds, from a function giving (degeneracy, accuracy). */
function runs(
  seeds: readonly number[],
  f: (arch: number, depth: number, seedNoise: number) => [number, number],
): P1Record[] {
  const rng = new Rng(4);
  const out: P1Record[] = [];
  ["plain", "residual", "hyper-residual"].forEach((arch, a) =>
    [5, 10, 20].forEach((depth, d) =>
      seeds.forEach((seed) => {
        const [deg, acc] = f(a, d, rng.normal());
        for (const epoch of [1, 3])
          out.push({
            hash: `${arch}-${depth}-${seed}`,
            arch,
            condition: arch,
            depth,
            width: 16,
            seed,
            status: "done",
            epoch,
            train_acc: acc,
            train_loss: 1,
            test_acc: null,
            test_loss: null,
            "hess.mid.deg_rel": deg,
          });
      }),
    ),
  );
  return out;
}

describe("paper 1 Fig. D pre-registration", () => {
  const p = figDPreregistration("quick", p1Protocol("quick"), [5, 10, 20]);
  const seeds = p.seeds.confirmation;

  it("is valid, and both criteria predict a negative slope", () => {
    expect(() => checkPreregistration(p)).not.toThrow();
    expect(p.claims[0].criteria.map((c) => c.expect.direction)).toEqual(["negative", "negative"]);
  });

  it("reproduced when, at equal depth and within each design, more degenerate nets train worse", () => {
    // accuracy falls by 0.5 per unit of degeneracy, inside every group; groups also differ
    const data = runs(seeds, (a, d, e) => {
      const deg = 0.5 + 0.1 * a + 0.1 * d + 0.05 * e;
      return [deg, 0.9 - 0.5 * deg + 0.002 * e];
    });
    const [d1] = evaluateClaims(p, figDMeasure(data, seeds));
    expect(d1.verdict).toBe("reproduced");
    expect(d1.numbers.runs).toBe(45);
  });

  it("a pooled correlation carried by the architectures alone is not evidence within designs", () => {
    // plain nets: more degenerate and worse; within a design, degeneracy and accuracy are unrelated noise
    const data = runs(seeds, (a, d, e) => [
      0.9 - 0.2 * a + 0.01 * e,
      0.5 + 0.15 * a + 0.01 * new Rng(a * 100 + d).normal(),
    ]);
    const m = figDMeasure(data, seeds);
    expect(String(m.numbers!.D1["pooled Spearman ρ (p), final degeneracy"])).toMatch(/^-0\.[89]/);
    const [d1] = evaluateClaims(p, m);
    expect(d1.numbers["same-design"]).not.toMatch(/→ pass/);
    expect(d1.verdict).not.toBe("reproduced");
  });
});

describe("paper 1 Fig. E pre-registration", () => {
  const protocol = p1Protocol("quick");
  const conditions = figEConditions(protocol, {
    negIdentityEps: [0.1],
    negativeMean: [0.1],
    duplicatedFraction: 0.5,
    identityEps: [0.1],
    plainOrthogonal: false,
  });
  const p = figEPreregistration("quick", protocol, conditions);
  const seeds = p.seeds.confirmation;
  /** Rows with per-condition means (+ small seed noise) of auc, final accuracy and the singularity measures at init. */
  const rowsOf = (m: Record<string, Partial<Record<"auc" | "trainAcc" | "deadInit" | "overlapInit", number>>>) => {
    const rng = new Rng(3);
    const rows: VariantRunRow[] = [];
    for (const c of conditions)
      for (const seed of seeds) {
        const x = { auc: 0.7, trainAcc: 0.8, deadInit: 0.1, overlapInit: 0.01, ...m[c.key] };
        rows.push({
          condition: c.key,
          seed,
          hash: `${c.key}-${seed}`,
          status: "done",
          auc: x.auc + 0.003 * rng.normal(),
          trainAcc: x.trainAcc + 0.003 * rng.normal(),
          testAcc: 0.7,
          degInit: 0.5,
          degFinal: 0.5,
          deadInit: x.deadInit + 0.003 * rng.normal(),
          deadFinal: 0.1,
          overlapInit: x.overlapInit + 0.003 * rng.normal(),
          overlapFinal: 0.01,
        });
      }
    return rows;
  };
  const expected = {
    plain: { auc: 0.4, trainAcc: 0.5 },
    "plain-id-0.1": { auc: 0.5, trainAcc: 0.6 },
    "res-negid-0.1": { auc: 0.6, trainAcc: 0.7, deadInit: 0.5 },
    "res-negmean-0.1": { auc: 0.6, trainAcc: 0.7, deadInit: 0.6 },
    "res-dup-0.5": { auc: 0.6, trainAcc: 0.7, overlapInit: 0.3 },
  };

  it("is valid; the manipulation check is a sanity claim gating E1 and E3", () => {
    expect(() => checkPreregistration(p)).not.toThrow();
    expect(p.claims.map((c) => [c.id, c.kind, c.manipulation ?? null])).toEqual([
      ["E1", "paper", "E4"],
      ["E2", "paper", null],
      ["E3", "paper", "E4"],
      ["E4", "sanity", null],
    ]);
    expect(p.claims[2].criteria.map((c) => c.id)).toEqual(["res-negid-0.1", "res-negmean-0.1", "res-dup-0.5"]);
  });

  it("reproduces every claim when the data show them, every malicious init against the normal residual net", () => {
    const checks = evaluateClaims(p, figEMeasure(rowsOf(expected), seeds, conditions));
    expect(checks.map((c) => c.verdict)).toEqual(["reproduced", "reproduced", "reproduced", "reproduced"]);
    expect(checks[0].criterion).toContain(
      "training-curve AUC (mean train accuracy over epochs ≥ 1), residual − res-dup-0.5",
    );
  });

  it("a manipulation that did not take makes E1 and E3 inconclusive, whatever their numbers", () => {
    const rows = rowsOf({ ...expected, "res-negmean-0.1": { ...expected["res-negmean-0.1"], deadInit: 0.1 } });
    const checks = evaluateClaims(p, figEMeasure(rows, seeds, conditions));
    expect(checks.map((c) => c.verdict)).toEqual(["inconclusive", "reproduced", "inconclusive", "partly reproduced"]);
  });
});

describe("paper 1 Fig. G pre-registration", () => {
  const p = figGPreregistration("quick", p1Protocol("quick"), ["a", "b"], [0, 0.25, 0.5, 0.75, 1]);
  const seeds = p.seeds.confirmation;
  /** Rows of both arms on data sets a and b; accuracy and degeneracy as functions of (arm, p). */
  const rowsOf = (f: (vp: boolean, p: number, ds: string) => [number, number]) => {
    const rng = new Rng(6);
    const rows: VariantRunRow[] = [];
    for (const ds of ["a", "b"])
      for (const [key, vp, pp] of [
        ["p=0", false, 0],
        ["p=0.5", false, 0.5],
        ["p=1", false, 1],
        ["vp p=0.25", true, 0.25],
        ["vp p=0.5", true, 0.5],
        ["vp p=0.75", true, 0.75],
        ["vp p=1", true, 1],
        ["identity", false, NaN],
      ] as const)
        for (const seed of seeds) {
          const [acc, deg] = f(vp, pp, ds);
          rows.push({
            condition: `${ds}|${key}`,
            seed,
            hash: `${ds}-${key}-${seed}`,
            status: "done",
            trainAcc: acc + 0.01 * rng.normal(),
            testAcc: 0.5,
            auc: 0.5,
            degInit: 0.5,
            degFinal: deg + 0.01 * rng.normal(),
            deadInit: 0,
            deadFinal: 0,
            overlapInit: 0,
            overlapFinal: 0,
          });
        }
    return rows;
  };

  it("tests the variance-preserving arm only: a trend under the fixed gain alone is not evidence", () => {
    expect(() => checkPreregistration(p)).not.toThrow();
    // fixed gain: accuracy collapses with p; variance-preserving: flat, and degeneracy flat
    const signalLoss = rowsOf((vp, pp) => (vp ? [0.8, 0.5] : [0.8 - 0.6 * pp, 0.5 + 0.4 * pp]));
    const m = figGMeasure(signalLoss, seeds, ["a", "b"]);
    const checks = evaluateClaims(p, m);
    expect(checks[0].verdict).toBe("not reproduced");
    expect(checks[1].verdict).not.toBe("reproduced");
    expect(String(m.numbers!.G1["a: mean by p (0, 0.25, 0.5, 0.75, 1)"])).toMatch(/^0\.8\d\d( \/ 0\.[78]\d\d){4}$/);
  });

  it("reproduced when accuracy falls and degeneracy rises with p at preserved variance", () => {
    const degenerate = rowsOf((vp, pp) => [0.8 - 0.3 * pp, 0.5 + 0.3 * pp]);
    const checks = evaluateClaims(p, figGMeasure(degenerate, seeds, ["a", "b"]));
    expect(checks.map((c) => c.verdict)).toEqual(["reproduced", "reproduced"]);
    expect(checks[0].tests?.a).toMatch(/Spearman ρ, n = 25/);
  });
});

describe("paper 1 Fig. F pre-registration", () => {
  const protocol = p1Protocol("quick");
  const grid = figFGrid("quick", protocol);
  const choice = (family: string, lr = 1e-3): FigFChoice => ({
    family,
    lr,
    reg: family.startsWith("reg") || family.startsWith("both") ? { form: "hinge", lambda: 1e-2, target: 0.5 } : null,
    bn: family.includes("@") ? Number(family.split("@")[1]) : null,
    auc: 0.5,
    runnerUp: 0.4,
    cells: 3,
  });
  const selection: Record<string, FigFChoice> = Object.fromEntries(figFFamilies(grid).map((f) => [f, choice(f)]));
  const p = figFPreregistration("quick", protocol, grid, 0.5, { source: "registered", registered: selection });
  const seeds = p.seeds.confirmation;
  const keys = figFFamilies(grid);
  const rowsOf = (m: Record<string, { acc: number; dead: number; deg?: number }>, conditions = keys) => {
    const rng = new Rng(8);
    const rows: VariantRunRow[] = [];
    for (const key of conditions)
      for (const seed of seeds) {
        const x = { deg: 0.8, ...(m[key] ?? m.plain) };
        rows.push({
          condition: key,
          seed,
          hash: `${key}-${seed}`,
          status: "done",
          trainAcc: x.acc + 0.005 * rng.normal(),
          testAcc: 0.5,
          auc: x.acc - 0.1 + 0.005 * rng.normal(),
          degInit: 0.5,
          degFinal: x.deg + 0.005 * rng.normal(),
          deadInit: 0.1,
          deadFinal: x.dead + 0.005 * rng.normal(),
          overlapInit: 0,
          overlapFinal: 0,
        });
      }
    return rows;
  };
  const good = {
    plain: { acc: 0.5, dead: 0.2, deg: 0.9 },
    reg: { acc: 0.55, dead: 0.1 },
    "both@1": { acc: 0.75, dead: 0.05, deg: 0.7 },
    "both@11": { acc: 0.72, dead: 0.05, deg: 0.7 },
    "both@20": { acc: 0.7, dead: 0.05, deg: 0.7 },
    residual: { acc: 0.8, dead: 0.2 },
  };

  it("registers the grid, the selection rule and the selection it confirms", () => {
    expect(() => checkPreregistration(p)).not.toThrow();
    expect(grid.bnLayers).toEqual([1, 11, 20]);
    expect(p.notes.join(" ")).toMatch(
      /forms l2, random, hinge × β 0\.1, 0\.5, 1 × λ 0\.001, 0\.01, 0\.1; BN at layer 1, 11, 20; Adam lr 0\.001, 0\.003, 0\.01 .*: 339 cells/,
    );
    expect(p.notes.join(" ")).toMatch(/plain \+ bias reg \+ BN \(layer 11\): hinge β=0\.5 λ=0\.01, lr 0\.001/);
    const screened = figFPreregistration("standard", protocol, grid, 0.5, { source: "screening" });
    expect(screened.notes.join(" ")).toMatch(/made by the screening in this notebook/);
    expect(preregFingerprint(screened)).not.toBe(preregFingerprint(p));
  });

  it("reproduces F1 when every placement recovers well over half the gap, with the manipulation taking", () => {
    const checks = evaluateClaims(p, figFMeasure(rowsOf(good), seeds, grid, 0.5, selection));
    expect(checks.map((c) => [c.id, c.kind, c.verdict])).toEqual([
      ["F0", "sanity", "reproduced"],
      ["F1", "paper", "reproduced"],
      ["F2", "paper", "reproduced"],
    ]);
  });

  it("is inconclusive, not 'not reproduced', when the regulariser leaves the dead units alone", () => {
    const checks = evaluateClaims(
      p,
      figFMeasure(rowsOf({ ...good, reg: { acc: 0.5, dead: 0.2 } }), seeds, grid, 0.5, selection),
    );
    expect(checks[0].verdict).toBe("partly reproduced");
    expect(checks[1].verdict).toBe("inconclusive");
  });

  it("checks the manipulation against the plain net at the regulariser's learning rate where the two differ", () => {
    const sel = { ...selection, reg: choice("reg", 1e-2) };
    expect(figFConfirmationCells(sel).map((c) => c.key)).toContain(FIG_F_PLAIN_AT_REG_LR);
    // the plain net at its own lr has as many dead units as the regularised one; at the reg's lr it has more
    const rows = rowsOf({ ...good, reg: { acc: 0.55, dead: 0.2 }, [FIG_F_PLAIN_AT_REG_LR]: { acc: 0.5, dead: 0.4 } }, [
      ...keys,
      FIG_F_PLAIN_AT_REG_LR,
    ]);
    expect(evaluateClaims(p, figFMeasure(rows, seeds, grid, 0.5, sel))[0].verdict).toBe("reproduced");
    expect(evaluateClaims(p, figFMeasure(rows, seeds, grid, 0.5, selection))[0].verdict).toBe("partly reproduced");
  });

  it("fails F1 when the combination recovers confidently less than half the gap", () => {
    const weak = {
      ...good,
      "both@1": { acc: 0.53, dead: 0.05 },
      "both@11": { acc: 0.52, dead: 0.05 },
      "both@20": { acc: 0.52, dead: 0.05 },
    };
    const checks = evaluateClaims(p, figFMeasure(rowsOf(weak), seeds, grid, 0.5, selection));
    expect(checks[1].verdict).toBe("not reproduced");
    expect(String(checks[1].numbers["acc@1"])).toMatch(/^-0\.4\d\d \[/);
  });
});
