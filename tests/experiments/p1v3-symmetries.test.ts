/**
 * v3-A (experiments/p1v3/symmetries.ts, plots/symmetry-schematic.ts): each action is an exact symmetry of the plain
 * net and not of the skip nets; the hand-written Jacobian matches central differences; the null-space counts on
 * hand-checkable configurations; the schematic draws every node, weight and skip of its four panels; the registration
 * is well formed, every criterion gets an estimate, and a criterion can fail.
 */
import { describe, expect, it } from "vitest";
import {
  type V3SymArch,
  type V3SymCaseId,
  type V3SymRun,
  V3SYM_ARCHS,
  V3SYM_CASES,
  v3SymAct,
  v3SymConfigure,
  v3SymDraw,
  v3SymForward,
  v3SymJacobian,
  v3SymLayout,
  v3SymMeasure,
  v3SymNet,
  v3SymNullBars,
  v3SymNullSpace,
  v3SymParamNames,
  v3SymParamTable,
  v3SymPredictedDirections,
  v3SymPredictedExcess,
  v3SymPreregistration,
  v3SymRelativeResidual,
  v3SymRun,
  v3SymRuns,
  v3SymSetup,
} from "../../lib/src/experiments/p1v3/symmetries";
import {
  V3SYM_SCHEMATIC_PANELS,
  v3SymNullCountFigure,
  v3SymSchematicFigure,
} from "../../lib/src/plots/symmetry-schematic";
import { checkPreregistration, evaluateClaims } from "../../lib/src/report/prereg";
import { Rng } from "../../lib/src/util/random";

const setup = v3SymSetup("quick");
const maxAbsDiff = (a: Float64Array, b: Float64Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe("v3-A: the actions", () => {
  for (const seed of [3, 4]) {
    const { theta, x } = v3SymDraw(setup, seed);
    for (const kase of V3SYM_CASES) {
      it(`${kase} (seed ${seed}): plain unchanged to round-off, residual and dense changed`, () => {
        const before = v3SymConfigure(setup, kase, theta);
        const after = v3SymAct(setup, kase, before, seed);
        // the action really moves the parameters (else "unchanged" would be trivial)
        expect(maxAbsDiff(before, after)).toBeGreaterThan(0.05);
        for (const arch of V3SYM_ARCHS) {
          const net = v3SymNet(setup, kase, arch);
          const d = maxAbsDiff(v3SymForward(net, before, x), v3SymForward(net, after, x));
          if (arch === "plain") expect(d, `${arch}`).toBeLessThan(1e-13);
          else expect(d, `${arch}`).toBeGreaterThan(1e-2);
        }
      });
    }
  }

  it("negative controls: rescaling is no symmetry of a tanh net, and a trade off the overlap changes the plain net", () => {
    const { theta, x } = v3SymDraw(setup, 5);
    const tanhNet = { ...v3SymNet(setup, "rescaling", "plain"), acts: ["tanh", "tanh"] as ("tanh" | "relu")[] };
    const scaled = v3SymAct(setup, "rescaling", theta, 5);
    expect(maxAbsDiff(v3SymForward(tanhNet, theta, x), v3SymForward(tanhNet, scaled, x))).toBeGreaterThan(1e-2);
    const plain = v3SymNet(setup, "overlap", "plain");
    const traded = v3SymAct(setup, "overlap", theta, 5); // at generic θ (J_a ≠ J_b)
    expect(maxAbsDiff(v3SymForward(plain, theta, x), v3SymForward(plain, traded, x))).toBeGreaterThan(1e-2);
  });

  it("a permutation by hand: swapping units a and b of a 3-unit layer moves rows of W₁ and columns of W₂", () => {
    const s = { ...setup, n: 3, depth: 2, outputs: 1 };
    const L = v3SymLayout(s);
    const theta = Float64Array.from({ length: L.dim }, (_, i) => i + 1);
    const t = v3SymAct(s, "permutation", theta, 0);
    const names = v3SymParamNames(s);
    const at = (name: string, th: Float64Array) => th[names.indexOf(name)];
    expect(at("W₁[a,2]", t)).toBe(at("W₁[b,2]", theta));
    expect(at("b₁[b]", t)).toBe(at("b₁[a]", theta));
    expect(at("W₂[3,a]", t)).toBe(at("W₂[3,b]", theta));
    expect(at("W₂[3,c]", t)).toBe(at("W₂[3,c]", theta));
    expect(at("W₁[c,1]", t)).toBe(at("W₁[c,1]", theta));
  });

  it("the parameter table shows each action's blocks before and after", () => {
    const rows = v3SymParamTable(setup, 1000);
    const cases = new Set(rows.map((r) => r.case));
    expect(cases.size).toBe(V3SYM_CASES.length);
    for (const r of rows) expect(r.before).not.toBe(r.after);
  });
});

describe("v3-A: the Jacobian", () => {
  const small = { ...setup, samples: 6 };
  const { theta, x } = v3SymDraw(small, 7);
  const P = v3SymLayout(small).dim;
  for (const kase of ["permutation", "rescaling", "linear-dependence"] as V3SymCaseId[])
    for (const arch of V3SYM_ARCHS) {
      it(`= central differences (${kase} activations, ${arch})`, () => {
        const net = v3SymNet(small, kase, arch);
        const J = v3SymJacobian(net, theta, x);
        const rows = J.length / P;
        const h = 1e-6;
        let worst = 0;
        for (let i = 0; i < P; i++) {
          const tp = Float64Array.from(theta);
          const tm = Float64Array.from(theta);
          tp[i] += h;
          tm[i] -= h;
          const fp = v3SymForward(net, tp, x);
          const fm = v3SymForward(net, tm, x);
          for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(J[r * P + i] - (fp[r] - fm[r]) / (2 * h)));
        }
        expect(worst).toBeLessThan(1e-7);
      });
    }
});

describe("v3-A: null-space dimensions", () => {
  it("a matrix of known rank: 10×6 of rank 4 has 2 null directions; a wide 3×5 one at least 2", () => {
    const rng = new Rng(1);
    const A = rng.normals(10 * 4);
    const B = rng.normals(4 * 6);
    const M = new Float64Array(60);
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 6; j++) for (let k = 0; k < 4; k++) M[i * 6 + j] += A[i * 4 + k] * B[k * 6 + j];
    expect(v3SymNullSpace(M, 6, 1e-11).count).toBe(2);
    expect(v3SymNullSpace(rng.normals(15), 5, 1e-11).count).toBe(2);
  });

  const { theta, x } = v3SymDraw(setup, 11);
  const P = v3SymLayout(setup).dim;
  const names = v3SymParamNames(setup);
  const n = setup.n;
  const nullOf = (kase: V3SymCaseId, arch: V3SymArch, t: Float64Array) => {
    const J = v3SymJacobian(v3SymNet(setup, kase, arch), t, x);
    return { J, ns: v3SymNullSpace(J, P, setup.relTol) };
  };

  it("plain, J_a = 0: exactly n + 1 new null directions, spanned by w_a's n entries and the bias trade b_a ↔ b₂", () => {
    const t = v3SymConfigure(setup, "elimination-J", theta);
    const { J, ns } = nullOf("elimination-J", "plain", t);
    expect(nullOf("elimination-J", "plain", theta).ns.count).toBe(0); // a generic tanh net: fully identifiable
    expect(ns.count).toBe(n + 1);
    // the predicted directions: e_{W₂[i,a]} (i = 1..n), and δb_a = 1, δb₂[i] = −W₂[i,a] (tanh′(0) = 1)
    const bias = new Float64Array(P);
    bias[names.indexOf("b₁[a]")] = 1;
    for (let i = 0; i < n; i++) bias[names.indexOf(`b₂[${i + 1}]`)] = -t[names.indexOf(`W₂[${i + 1},a]`)];
    const dirs = [...v3SymPredictedDirections(setup, "elimination-J"), bias];
    expect(dirs).toHaveLength(n + 1);
    const top = ns.singularValues[0];
    for (const v of dirs) expect(v3SymRelativeResidual(J, P, v, top)).toBeLessThan(1e-14);
    // they are independent (distinct supports), so with the count they span the null space
  });

  it("residual, J_a = 0: w_a becomes identifiable; one null direction is left, the bias trade through to b_o", () => {
    const t = v3SymConfigure(setup, "elimination-J", theta);
    const { J, ns } = nullOf("elimination-J", "residual", t);
    expect(ns.count).toBe(1);
    const top = ns.singularValues[0];
    for (const v of v3SymPredictedDirections(setup, "elimination-J"))
      expect(v3SymRelativeResidual(J, P, v, top)).toBeGreaterThan(1e-3);
    const bias = new Float64Array(P);
    bias[names.indexOf("b₁[a]")] = 1;
    for (let i = 0; i < n; i++) bias[names.indexOf(`b₂[${i + 1}]`)] = -t[names.indexOf(`W₂[${i + 1},a]`)];
    for (let k = 0; k < setup.outputs; k++) bias[names.indexOf(`b_o[${k + 1}]`)] = -t[names.indexOf(`W_o[${k + 1},1]`)];
    expect(v3SymRelativeResidual(J, P, bias, top)).toBeLessThan(1e-14);
  });

  it("w_a = 0 frees J_a and b_a (n + 1) in the plain net, nothing with a skip; overlap frees n trades", () => {
    const w0 = v3SymConfigure(setup, "elimination-w", theta);
    expect(nullOf("elimination-w", "plain", w0).ns.count).toBe(n + 1);
    expect(nullOf("elimination-w", "residual", w0).ns.count).toBe(0);
    const ov = v3SymConfigure(setup, "overlap", theta);
    expect(nullOf("overlap", "plain", ov).ns.count).toBe(n);
    expect(nullOf("overlap", "dense", ov).ns.count).toBe(0);
  });

  it("linear dependence: the plain linear layer's generic symmetry already has n² + n null directions, and the dependence adds none", () => {
    const ld = v3SymConfigure(setup, "linear-dependence", theta);
    expect(nullOf("linear-dependence", "plain", theta).ns.count).toBe(n * n + n);
    const { J, ns } = nullOf("linear-dependence", "plain", ld);
    expect(ns.count).toBe(n * n + n);
    for (const v of v3SymPredictedDirections(setup, "linear-dependence"))
      expect(v3SymRelativeResidual(J, P, v, ns.singularValues[0])).toBeLessThan(1e-14);
    expect(nullOf("linear-dependence", "residual", ld).ns.count).toBeLessThan(n * n + n);
  });

  it("a run's counts equal the predicted excess, with a wide gap around the threshold", () => {
    const r = v3SymRun(setup, 12);
    for (const [kase, byArch] of Object.entries(r.nulls))
      for (const arch of V3SYM_ARCHS) {
        expect(byArch[arch].excess, `${kase} ${arch}`).toBe(v3SymPredictedExcess(setup, kase as V3SymCaseId, arch));
        expect(byArch[arch].largestNull).toBeLessThan(1e-13);
        expect(byArch[arch].smallestNonNull).toBeGreaterThan(1e-9);
      }
  });
});

describe("v3-A: the figures", () => {
  it("the schematic: four panels, one marker per node, one line per weight, one curve per skip", () => {
    const fig = v3SymSchematicFigure();
    const layout = fig.layout as Record<string, unknown>;
    const xAxes = Object.keys(layout).filter((k) => /^xaxis\d*$/.test(k));
    expect(xAxes).toHaveLength(4);
    expect(V3SYM_SCHEMATIC_PANELS).toHaveLength(4);
    const sides = V3SYM_SCHEMATIC_PANELS.flatMap((p) => [p.plain, p.skip]);
    const nodeTraces = fig.data.filter((t) => t.mode === "markers+text");
    expect(nodeTraces).toHaveLength(8);
    expect(nodeTraces.map((t) => (t.x as number[]).length)).toEqual(sides.map((s) => s.nodes.length));
    for (const t of nodeTraces) expect(layout[`xaxis${String(t.xaxis).slice(1)}`]).toBeDefined();
    const shapes = layout.shapes as Array<{ type: string }>;
    // one line per weight, plus one divider per panel
    expect(shapes.filter((s) => s.type === "line")).toHaveLength(sides.reduce((a, s) => a + s.edges.length, 0) + 4);
    expect(shapes.filter((s) => s.type === "path")).toHaveLength(sides.reduce((a, s) => a + s.skips.length, 0));
    // every panel has a plain side without skips and a skip side with at least one
    for (const p of V3SYM_SCHEMATIC_PANELS) {
      expect(p.plain.skips).toHaveLength(0);
      expect(p.skip.skips.length).toBeGreaterThan(0);
    }
  });

  it("the null-count figure: one bar trace per architecture and panel, predicted ticks on the excess panel", () => {
    const runs = new Map([[12, v3SymRun(setup, 12)]]);
    const fig = v3SymNullCountFigure(v3SymNullBars(setup, runs, [12]), { title: "t" });
    expect(fig.data.filter((t) => t.type === "bar")).toHaveLength(6);
    const ticks = fig.data.filter((t) => t.type === "scatter");
    expect(ticks).toHaveLength(3);
    expect(ticks.every((t) => t.xaxis === "x2")).toBe(true);
  });
});

describe("v3-A: registration and measurement", () => {
  const smoke = v3SymSetup("smoke");
  const prereg = v3SymPreregistration("smoke", smoke);
  const runs = v3SymRuns(smoke);

  it("is well formed, every claim a sanity check, and every criterion gets an estimate", () => {
    checkPreregistration(prereg);
    expect(prereg.claims.every((c) => c.kind === "sanity")).toBe(true);
    expect(prereg.claims).toHaveLength(5);
    const checks = evaluateClaims(prereg, v3SymMeasure(smoke, runs, smoke.seeds.confirmation));
    expect(checks.map((c) => c.verdict)).toEqual(Array(5).fill("reproduced"));
    for (const c of prereg.claims)
      for (const k of c.criteria) expect(checks.find((q) => q.id === c.id)!.numbers[k.id]).toBeDefined();
  });

  it("a criterion can fail: a plain net that changed, or a skip net that gained null directions", () => {
    const seed = smoke.seeds.confirmation[0];
    const bad: V3SymRun = structuredClone(runs.get(seed)!);
    bad.delta.permutation.plain = 1e-3;
    bad.nulls.overlap.residual.excess = 2;
    const checks = evaluateClaims(prereg, v3SymMeasure(smoke, new Map([[seed, bad]]), [seed]));
    expect(checks.find((c) => c.id === "V1")!.verdict).toBe("partly reproduced");
    expect(checks.find((c) => c.id === "V2")!.verdict).toBe("partly reproduced");
    expect(checks.find((c) => c.id === "V3")!.verdict).toBe("reproduced");
  });

  it("every scale is fast (the whole notebook runs in seconds)", () => {
    const t0 = performance.now();
    v3SymRuns(v3SymSetup("quick"));
    expect((performance.now() - t0) / 1000).toBeLessThan(3);
  });
});
