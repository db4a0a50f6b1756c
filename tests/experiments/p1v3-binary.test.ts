/**
 * The binary-weight toy model of paper 1's v1–v4 (experiments/p1v3/binary.ts, design ours), against ground truth:
 * hand-computed outputs of tiny nets for each architecture and nonlinearity; the fast enumeration against the
 * reference forward pass; the symmetry group on a worked example; Σ|F|²/N against a brute-force average over all
 * teachers; local minima and the exact descent probability against brute force on the smoke case; and the
 * registration and measurement wiring.
 */
import { describe, expect, it } from "vitest";
import {
  type V3BinaryArch,
  type V3BinaryLandscape,
  type V3BinaryNet,
  type V3BinaryNonlinearity,
  type V3BinaryShape,
  v3BinaryApply,
  v3BinaryArchs,
  v3BinaryConfigCount,
  v3BinaryConfigOf,
  v3BinaryEnumerate,
  v3BinaryFibreStats,
  v3BinaryForward,
  v3BinaryFunctionTable,
  v3BinaryGroup,
  v3BinaryGroupSize,
  v3BinaryMeasure,
  v3BinaryOrbits,
  v3BinaryOutputTable,
  v3BinaryPreregistration,
  v3BinaryRunCase,
  v3BinarySameLandscape,
  v3BinarySetup,
  v3BinarySymmetry,
  v3BinaryTeacher,
  v3BinaryTeacherLandscape,
  v3BinaryWeights,
} from "../../lib/src/experiments/p1v3/binary";
import { checkPreregistration, confirmClaims, evaluateClaims } from "../../lib/src/report/prereg";

const FS: V3BinaryNonlinearity[] = ["sign", "relu", "linear"];
const key = (t: Int32Array) => Array.from(t).join(",");

/** Reference tables of every configuration (the slow forward pass). */
function referenceTables(net: V3BinaryNet): string[] {
  return Array.from({ length: v3BinaryConfigCount(net) }, (_, c) => key(v3BinaryOutputTable(net, c)));
}

function lands(shape: V3BinaryShape): Record<V3BinaryArch, V3BinaryLandscape> {
  return Object.fromEntries(v3BinaryArchs.map((a) => [a, v3BinaryEnumerate({ ...shape, arch: a })])) as Record<
    V3BinaryArch,
    V3BinaryLandscape
  >;
}

describe("v3-B binary toy: the net", () => {
  // W_1 = [[1, −1], [1, 1]], W_2 = [[1, 1], [−1, 1]]: bits 0, 2, 3 of layer 0 (= 13) and 0, 1, 3 of layer 1 (= 11)
  const W = [
    [
      [1, -1],
      [1, 1],
    ],
    [
      [1, 1],
      [-1, 1],
    ],
  ];
  it("encodes weights as bits l·n² + i·n + j", () => {
    expect(v3BinaryConfigOf({ n: 2, L: 2, f: "sign" }, W)).toBe(13 + 11 * 16);
    expect(v3BinaryWeights({ n: 2, L: 2, f: "sign" }, 189)).toEqual(W);
  });

  // by hand: x = (1, 1): W_1 x = (0, 2); x = (−1, 1): W_1 x = (−2, 0)
  const hand: Record<V3BinaryNonlinearity, Record<V3BinaryArch, [number[], number[]]>> = {
    sign: {
      plain: [
        [1, 1],
        [-1, 1],
      ],
      residual: [
        [4, 3],
        [-3, 4],
      ],
      dense: [
        [5, 4],
        [-4, 5],
      ],
    },
    relu: {
      plain: [
        [2, 2],
        [0, 0],
      ],
      residual: [
        [5, 5],
        [-1, 3],
      ],
      dense: [
        [6, 6],
        [-2, 4],
      ],
    },
    linear: {
      plain: [
        [2, 2],
        [-2, 2],
      ],
      residual: [
        [5, 5],
        [-5, 5],
      ],
      dense: [
        [6, 6],
        [-6, 6],
      ],
    },
  };
  for (const f of FS)
    for (const arch of v3BinaryArchs)
      it(`hand-computed outputs: ${arch}, ${f}`, () => {
        const net: V3BinaryNet = { n: 2, L: 2, f, arch };
        expect(v3BinaryForward(net, 189, [1, 1])).toEqual(hand[f][arch][0]);
        expect(v3BinaryForward(net, 189, [-1, 1])).toEqual(hand[f][arch][1]);
        // input index 2 is x = (−1, +1); the table is [input][output]
        expect(Array.from(v3BinaryOutputTable(net, 189).subarray(4, 6))).toEqual(hand[f][arch][1]);
      });

  it("dense sums every earlier layer (n = 1, L = 3, w = (+1, −1, +1), x = 1, linear)", () => {
    // plain: x1 = 1, x2 = −1, y = −1; residual: x1 = 2, x2 = −2 + 2 = 0, y = 0 + 0;
    // dense: x1 = 2, x2 = −2 + 1 + 2 = 1, y = 1 + (1 + 2 + 1) = 5
    const c = 0b101;
    expect(v3BinaryForward({ n: 1, L: 3, f: "linear", arch: "plain" }, c, [1])).toEqual([-1]);
    expect(v3BinaryForward({ n: 1, L: 3, f: "linear", arch: "residual" }, c, [1])).toEqual([0]);
    expect(v3BinaryForward({ n: 1, L: 3, f: "linear", arch: "dense" }, c, [1])).toEqual([5]);
  });
});

describe("v3-B binary toy: enumeration", () => {
  const shapes: V3BinaryShape[] = [
    ...FS.map((f) => ({ n: 2, L: 2, f })),
    { n: 1, L: 3, f: "sign" },
    { n: 2, L: 3, f: "relu" },
  ];
  for (const shape of shapes)
    for (const arch of v3BinaryArchs)
      it(`fibres = groups of equal reference tables: n = ${shape.n}, L = ${shape.L}, ${shape.f}, ${arch}`, () => {
        const net = { ...shape, arch };
        const land = v3BinaryEnumerate(net);
        const ref = referenceTables(net);
        expect(land.N).toBe(2 ** (shape.L * shape.n * shape.n));
        expect(land.functions).toBe(new Set(ref).size);
        const firstOf = new Map<number, string>();
        for (let c = 0; c < land.N; c++) {
          const id = land.fibreOf[c];
          if (!firstOf.has(id)) firstOf.set(id, ref[c]);
          expect(ref[c]).toBe(firstOf.get(id)); // one function per fibre …
          if (c % 7 === 0) expect(key(v3BinaryFunctionTable(land, id))).toBe(ref[c]);
        }
        expect(new Set(firstOf.values()).size).toBe(land.functions); // … and one fibre per function
        expect(land.fibreSize.reduce((a, b) => a + b, 0)).toBe(land.N);
      });

  it("Σ|F|²/N = the number of global minima averaged over all 2^{Ln²} teacher configurations (n = 2, L = 2)", () => {
    for (const f of FS)
      for (const arch of v3BinaryArchs) {
        const net: V3BinaryNet = { n: 2, L: 2, f, arch };
        const ref = referenceTables(net);
        const count = new Map<string, number>();
        for (const t of ref) count.set(t, (count.get(t) ?? 0) + 1);
        const brute = ref.reduce((s, t) => s + count.get(t)!, 0) / ref.length;
        expect(v3BinaryFibreStats(v3BinaryEnumerate(net)).expectedGlobalMinima).toBeCloseTo(brute, 12);
      }
  });

  it("dense = residual + a fixed term at L = 2 (same landscape), not at L = 3", () => {
    const l2 = lands({ n: 2, L: 2, f: "sign" });
    expect(v3BinarySameLandscape(l2.residual, l2.dense)).toBe(true);
    expect(v3BinarySameLandscape(l2.plain, l2.residual)).toBe(false);
    const l3 = lands({ n: 2, L: 3, f: "sign" });
    expect(v3BinarySameLandscape(l3.residual, l3.dense)).toBe(false);
    for (const seed of [0, 1, 2]) {
      const r = v3BinaryTeacherLandscape(l2.residual, { seed, starts: 50 });
      const d = v3BinaryTeacherLandscape(l2.dense, { seed, starts: 50 });
      expect({ ...d, arch: "residual" }).toEqual(r);
    }
  });
});

describe("v3-B binary toy: the symmetry group", () => {
  it("|G| = (n!·2^n)^{L−1} for odd f, (n!)^{L−1} for ReLU; its elements are distinct, the identity first", () => {
    for (const [shape, size] of [
      [{ n: 2, L: 2, f: "sign" }, 8],
      [{ n: 2, L: 3, f: "linear" }, 64],
      [{ n: 3, L: 2, f: "sign" }, 48],
      [{ n: 3, L: 2, f: "relu" }, 6],
    ] as Array<[V3BinaryShape, number]>) {
      const G = v3BinaryGroup(shape);
      expect(G.length).toBe(size);
      expect(v3BinaryGroupSize(shape)).toBe(size);
      expect(new Set(G.map((g) => JSON.stringify(g))).size).toBe(size);
      expect(v3BinaryApply(shape, G[0], 12345 % v3BinaryConfigCount(shape))).toBe(12345 % v3BinaryConfigCount(shape));
    }
  });

  it("swapping the two hidden units: plain function unchanged, residual changed (worked example)", () => {
    const shape: V3BinaryShape = { n: 2, L: 2, f: "sign" };
    const swap = { perms: [[1, 0]], signs: [[1, 1]] };
    // W_1 rows swapped → [[1, 1], [1, −1]] (= 7), W_2 columns swapped → [[1, 1], [1, −1]] (= 7)
    expect(v3BinaryApply(shape, swap, 189)).toBe(7 + 7 * 16);
    // plain: sign(W_1' (1, 1)) = (1, 0), y = (1, 1) as before; residual: x_1 = (2, 1), y = (3, 1) + (2, 1) = (5, 2) ≠ (4, 3)
    expect(v3BinaryForward({ ...shape, arch: "plain" }, 119, [1, 1])).toEqual([1, 1]);
    expect(v3BinaryForward({ ...shape, arch: "residual" }, 119, [1, 1])).toEqual([5, 2]);
  });

  it("every g leaves every plain function unchanged (reference forward pass, n = 2, L = 3 and n = 2, L = 2)", () => {
    for (const shape of [{ n: 2, L: 3, f: "sign" }, ...FS.map((f) => ({ n: 2, L: 2, f }))] as V3BinaryShape[]) {
      const net: V3BinaryNet = { ...shape, arch: "plain" };
      const ref = referenceTables(net);
      const G = v3BinaryGroup(shape);
      for (let c = 0; c < ref.length; c += shape.L === 3 ? 37 : 1)
        for (const g of G) expect(ref[v3BinaryApply(shape, g, c)]).toBe(ref[c]);
    }
  });

  it("the fast pair count, orbits and canonical forms agree with brute force (n = 2, L = 2)", () => {
    for (const f of FS) {
      const shape: V3BinaryShape = { n: 2, L: 2, f };
      const L = lands(shape);
      const sym = v3BinarySymmetry(L, { budget: 2 ** 26 });
      const G = v3BinaryGroup(shape);
      expect(sym.sampled).toBe(false);
      expect(sym.pairs).toBe(256 * (G.length - 1));
      for (const arch of v3BinaryArchs) {
        const ref = referenceTables({ ...shape, arch });
        let same = 0;
        for (let c = 0; c < 256; c++)
          for (const g of G.slice(1)) if (ref[v3BinaryApply(shape, g, c)] === ref[c]) same++;
        expect(sym.invariant[arch].pairs).toBe(same);
      }
      expect(sym.invariant.plain.share).toBe(1);
      expect(sym.invariant.residual.share).toBeLessThan(1);
      // orbits by brute force: the set of g·c for each c
      const orbit = (c: number) => [...new Set(G.map((g) => v3BinaryApply(shape, g, c)))].sort((a, b) => a - b);
      const orbits = new Set(Array.from({ length: 256 }, (_, c) => orbit(c).join()));
      expect(sym.orbits).toBe(orbits.size);
      for (let c = 0; c < 256; c++) expect(sym.canonical![c]).toBe(orbit(c)[0]);
      expect(sym.orbitSizes!.reduce((s, [size, k]) => s + size * k, 0)).toBe(256);
    }
  });

  it("beyond the budget a seeded sample of configurations is used", () => {
    const L = lands({ n: 2, L: 2, f: "sign" });
    const sym = v3BinarySymmetry(L, { budget: 400 });
    expect(sym.sampled).toBe(true);
    expect(sym.configs).toBe(50);
    expect(sym.orbits).toBeNull();
    expect(sym.invariant.plain.share).toBe(1);
  });
});

describe("v3-B binary toy: one teacher's landscape against brute force (smoke case)", () => {
  for (const f of FS)
    for (const arch of v3BinaryArchs)
      it(`minima, loss levels, exact descent probability: n = 2, L = 2, ${f}, ${arch}`, () => {
        const net: V3BinaryNet = { n: 2, L: 2, f, arch };
        const land = v3BinaryEnumerate(net);
        const N = land.N;
        const D = 8;
        const tables = Array.from({ length: N }, (_, c) => v3BinaryOutputTable(net, c));
        const G = v3BinaryGroup(net);
        for (const seed of [0, 1, 100]) {
          const T = tables[v3BinaryTeacher(net, seed)];
          const loss = tables.map((t) => t.reduce((s, v, k) => s + (v - T[k]) ** 2, 0));
          const nb = (c: number) => Array.from({ length: D }, (_, b) => c ^ (1 << b));
          let minima = 0;
          let strict = 0;
          let spurious = 0;
          let spuriousStrict = 0;
          for (let c = 0; c < N; c++) {
            const low = Math.min(...nb(c).map((d) => loss[d]));
            if (low >= loss[c]) {
              minima++;
              if (low > loss[c]) strict++;
              if (loss[c] > 0) {
                spurious++;
                if (low > loss[c]) spuriousStrict++;
              }
            }
          }
          // success probability of steepest descent with uniform tie-breaking, by plain recursion
          const memo = new Map<number, number>();
          const prob = (c: number): number => {
            if (memo.has(c)) return memo.get(c)!;
            const low = Math.min(...nb(c).map((d) => loss[d]));
            let p: number;
            if (low >= loss[c]) p = loss[c] === 0 ? 1 : 0;
            else {
              const best = nb(c).filter((d) => loss[d] === low);
              p = best.reduce((s, d) => s + prob(d), 0) / best.length;
            }
            memo.set(c, p);
            return p;
          };
          let total = 0;
          for (let c = 0; c < N; c++) total += prob(c);
          const zero = Array.from({ length: N }, (_, c) => c).filter((c) => loss[c] === 0);
          const orbits = new Set(zero.map((c) => Math.min(...G.map((g) => v3BinaryApply(net, g, c)))));
          const sym = v3BinarySymmetry(lands(net), { budget: 2 ** 26 });
          const r = v3BinaryTeacherLandscape(land, { seed, starts: 4000, canonical: sym.canonical });
          expect(r.teacher).toBe(v3BinaryTeacher(net, seed));
          expect(r.globalMinima).toBe(zero.length);
          expect(r.globalMinimaOrbits).toBe(orbits.size);
          expect(r.lossLevels).toBe(new Set(loss).size);
          expect([r.localMinima, r.strictLocalMinima, r.spuriousMinima, r.spuriousStrictMinima]).toEqual([
            minima,
            strict,
            spurious,
            spuriousStrict,
          ]);
          expect(r.success).toBeCloseTo(total / N, 12);
          // the simulated descent (4000 starts) agrees with the exact probability within 4 standard errors
          expect(Math.abs(r.successSampled - r.success)).toBeLessThan(4 * Math.sqrt(0.25 / 4000) + 1e-9);
        }
      });
});

describe("v3-B binary toy: the plain landscape over G-orbits", () => {
  for (const shape of [
    { n: 2, L: 2, f: "sign" },
    { n: 2, L: 3, f: "relu" },
    { n: 2, L: 3, f: "linear" },
    { n: 3, L: 2, f: "sign" },
  ] as V3BinaryShape[])
    it(`orbit passes = configuration passes: n = ${shape.n}, L = ${shape.L}, ${shape.f}`, () => {
      const L = lands(shape);
      const sym = v3BinarySymmetry(L, { budget: 2 ** 26 });
      const orbits = v3BinaryOrbits(sym.canonical!);
      expect(orbits.rep.length).toBe(sym.orbits);
      expect(orbits.size.reduce((a, b) => a + b, 0)).toBe(L.plain.N);
      for (const seed of shape.n === 3 ? [0] : [0, 7]) {
        const full = v3BinaryTeacherLandscape(L.plain, { seed, starts: 100, canonical: sym.canonical });
        const fast = v3BinaryTeacherLandscape(L.plain, { seed, starts: 100, canonical: sym.canonical, orbits });
        expect({ ...fast, success: 0 }).toEqual({ ...full, success: 0 });
        expect(fast.success).toBeCloseTo(full.success, 12);
      }
      expect(() => v3BinaryTeacherLandscape(L.residual, { seed: 0, starts: 0, orbits })).toThrow();
    });
});

describe("v3-B binary toy: registration and measurement", () => {
  it("every scale's registration passes checkPreregistration; teachers are disjoint", () => {
    for (const scale of ["smoke", "quick", "standard", "paper"] as const) {
      const s = v3BinarySetup(scale);
      const p = v3BinaryPreregistration(scale, s);
      expect(() => checkPreregistration(p)).not.toThrow();
      expect(p.notebook).toBe("17-p1v3-B-binary-weights");
      for (const id of s.teacherCases) expect(s.cases.map((c) => `n${c.n}L${c.L}-${c.f}`)).toContain(id);
    }
    expect(v3BinarySetup("standard")).toEqual(v3BinarySetup("quick"));
  });

  it("the smoke run gives an estimate for every registered criterion, and S1 holds", () => {
    const s = v3BinarySetup("smoke");
    const prereg = v3BinaryPreregistration("smoke", s);
    const seeds = [...s.seeds.exploration, ...s.seeds.confirmation];
    const results = s.cases.map((c) => v3BinaryRunCase(s, c, seeds));
    const checks = evaluateClaims(prereg, v3BinaryMeasure(s, results, s.seeds.confirmation));
    expect(checks.map((c) => c.id)).toEqual(["S1", "B1", "B2", "B3"]);
    expect(checks[0].verdict).toBe("reproduced");
    const both = confirmClaims(prereg, (seeds) => v3BinaryMeasure(s, results, seeds));
    expect(both.every((c) => c.exploration !== undefined)).toBe(true);
    // one teacher result per (seed, architecture)
    for (const r of results) expect(r.teachers.length).toBe(seeds.length * 3);
  });

  it("the exact criteria follow the numbers: a plain net that beat its skip nets would fail B1", () => {
    const s = v3BinarySetup("smoke");
    const prereg = v3BinaryPreregistration("smoke", s);
    const seeds = [...s.seeds.exploration, ...s.seeds.confirmation];
    const results = s.cases.map((c) => v3BinaryRunCase(s, c, seeds));
    // swap the plain and residual/dense summaries' degeneracy numbers
    const flipped = results.map((r) => ({
      ...r,
      archs: r.archs.map((a) => ({
        ...a,
        expectedGlobalMinima: a.arch === "plain" ? 1 : 100,
        functions: a.arch === "plain" ? 100 : 10,
      })),
    }));
    const b1 = evaluateClaims(prereg, v3BinaryMeasure(s, flipped, s.seeds.confirmation)).find((c) => c.id === "B1")!;
    expect(b1.verdict).toBe("partly reproduced"); // only the symmetry-share criteria still pass
  });
});
