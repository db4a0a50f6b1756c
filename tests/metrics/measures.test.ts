/**
 * Singularity measures on constructed cases with known answers: dead and rare units (elimination), duplicated units
 * (overlap), a unit that is a linear combination of two others (linear dependence), singular and well-conditioned
 * matrices (κ), and spectra with known degeneracy.
 */
import { describe, expect, it } from "vitest";
import {
  conditionNumber,
  conditionRtol,
  degeneracyStats,
  eliminationStats,
  flattenSingularities,
  incomingWeightNorms,
  layerOfParam,
  layerSingularities,
  linearDependenceStats,
  logAbsHistogram,
  overlapStats,
  type Matrix,
} from "../../lib/src/metrics";
import { Rng } from "../../lib/src/util/random";

/** N×units ReLU-like activities: max(0, N(0.3, 1)) per entry, seeded. */
function activities(seed: number, n: number, units: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from(rng.normals(n * units, 0.3, 1), (v) => Math.max(0, v));
}

function setColumn(data: Float32Array, units: number, j: number, f: (i: number) => number): void {
  for (let i = 0; i < data.length / units; i++) data[i * units + j] = f(i);
}

const N = 200;

describe("elimination", () => {
  it("counts dead units (0%) and rare units (< 1%), and incoming-weight norms", () => {
    const units = 5;
    const h = activities(1, N, units);
    setColumn(h, units, 2, () => 0); // dead
    setColumn(h, units, 3, (i) => (i === 17 ? 0.5 : 0)); // active on 1/200 = 0.5 %
    setColumn(h, units, 4, (i) => (i < 2 ? 0.5 : 0)); // 2/200 = 1 %: not rare (< 1 % is strict)
    const s = eliminationStats({ data: h, rows: N, cols: units });
    expect(s.deadCount).toBe(1);
    expect(s.deadUnitFraction).toBeCloseTo(1 / 5, 12);
    expect(s.rareCount).toBe(2); // units 2 and 3
    expect(s.rareUnitFraction).toBeCloseTo(2 / 5, 12);
    expect(s.activeFraction[3]).toBeCloseTo(0.005, 12);
    expect(s.activeFraction[4]).toBeCloseTo(0.01, 12);
    expect(s.activeFraction[0]).toBeGreaterThan(0.5);
    // ‖J_a‖ of W [fanIn 2, fanOut 3]: columns (3,4), (0,0), (1,0)
    expect(Array.from(incomingWeightNorms({ data: [3, 0, 1, 4, 0, 0], rows: 2, cols: 3 }))).toEqual([5, 0, 1]);
  });
});

describe("overlap", () => {
  it("a duplicated unit gives one pair at similarity 1; dead units are left out", () => {
    const units = 6;
    const h = activities(2, N, units);
    setColumn(h, units, 4, (i) => h[i * units + 1]); // unit 4 ≡ unit 1
    setColumn(h, units, 5, () => 0); // dead: no direction
    const s = overlapStats({ data: h, rows: N, cols: units });
    expect(s.excluded).toBe(1);
    expect(s.considered).toBe(5);
    expect(s.pairs).toBe(10);
    expect(s.overlappingPairs).toBe(1);
    expect(s.overlapPairFraction).toBeCloseTo(1 / 10, 12);
    expect(s.topPairs[0][0]).toBe(1);
    expect(s.topPairs[0][1]).toBe(4);
    expect(s.topPairs[0][2]).toBeCloseTo(1, 12);
    expect(s.maxSimilarity[1]).toBeCloseTo(1, 12);
    expect(s.maxSimilarity[4]).toBeCloseTo(1, 12);
    expect(Number.isNaN(s.maxSimilarity[5])).toBe(true);
    // independent ReLU activities overlap partly (cos ≈ 0.6), never above 0.99
    const base = overlapStats({ data: activities(2, N, units), rows: N, cols: units });
    expect(base.overlappingPairs).toBe(0);
    expect(base.meanMaxSimilarity).toBeLessThan(s.meanMaxSimilarity);
    // a positive multiple is the same direction; centring turns cosine into correlation
    setColumn(h, units, 4, (i) => 3 * h[i * units + 1] + 1);
    expect(overlapStats({ data: h, rows: N, cols: units }).overlappingPairs).toBe(0);
    expect(overlapStats({ data: h, rows: N, cols: units }, { center: true }).overlappingPairs).toBe(1);
  });

  it("works on incoming weights (columns of W [fanIn, fanOut])", () => {
    const W = new Rng(3).normals(8 * 4);
    for (let i = 0; i < 8; i++) W[i * 4 + 3] = W[i * 4 + 0];
    const s = overlapStats({ data: W, rows: 8, cols: 4 });
    expect(s.overlappingPairs).toBe(1);
    expect(s.topPairs[0].slice(0, 2)).toEqual([0, 3]);
  });
});

describe("linear dependence", () => {
  it("a unit that is a combination of two others gives one zero singular value and a lower effective rank", () => {
    const units = 6;
    const h = activities(4, N, units);
    const indep = linearDependenceStats({ data: h.slice(), rows: N, cols: units });
    expect(indep.smallCount).toBe(0);
    setColumn(h, units, 5, (i) => 2 * h[i * units + 0] - 3 * h[i * units + 2]); // h_5 = 2 h_0 − 3 h_2
    const dep = linearDependenceStats({ data: h, rows: N, cols: units });
    expect(dep.smallCount).toBe(1);
    expect(dep.smallFraction).toBeCloseTo(1 / 6, 12);
    expect(dep.singularValues[5] / dep.singularValues[0]).toBeLessThan(1e-6); // float32 inputs: exact up to ~1e-7
    expect(dep.rankAtRatio).toBe(5);
    expect(dep.normalizedEffectiveRank).toBeLessThan(indep.normalizedEffectiveRank);
    // a constant offset is no direction after centring (default) but is one without it
    setColumn(h, units, 5, () => 1);
    expect(linearDependenceStats({ data: h, rows: N, cols: units }).smallCount).toBe(1);
    expect(linearDependenceStats({ data: h, rows: N, cols: units }, { center: false }).smallCount).toBe(0);
  });

  it("counts the singular values a short batch cannot provide as zero", () => {
    const s = linearDependenceStats({ data: activities(5, 4, 10), rows: 4, cols: 10 });
    expect(s.singularValues.length).toBe(4);
    expect(s.smallCount).toBeGreaterThanOrEqual(7); // centred: rank ≤ N − 1 = 3
  });
});

describe("condition numbers", () => {
  it("a singular weight matrix has κ = ∞; an orthogonal one κ = 1", () => {
    // W [3, 3] with column 2 = column 0 + column 1 (rank 2)
    const W = Float32Array.from([1, 2, 3, 0, 1, 1, 4, -1, 3]);
    const k = conditionNumber({ data: W, rows: 3, cols: 3 });
    expect(k.kappa).toBe(Infinity);
    expect(k.singular).toBe(true);
    expect(k.rtol).toBeCloseTo(3 * 2 ** -23, 20);
    expect(k.criterion).toMatch(/sigma_min <=/);
    const Q: Matrix = { data: [0, 1, 0, 0, 0, 1, 1, 0, 0], rows: 3, cols: 3 };
    expect(conditionNumber(Q).kappa).toBeCloseTo(1, 12);
  });

  it("the threshold follows the data's precision: σ_min/σ_max = 1e-9 is singular in float32, finite in float64", () => {
    const A: Matrix = { data: [1, 0, 0, 1e-9], rows: 2, cols: 2 };
    expect(conditionNumber(A).kappa).toBe(Infinity);
    expect(conditionNumber(A, { precision: "float64" }).kappa).toBeCloseTo(1e9, 0);
    expect(conditionNumber({ data: [1, 0, 0, 1e-3], rows: 2, cols: 2 }).kappa).toBeCloseTo(1e3, 6);
    expect(conditionRtol(512, 64)).toBeCloseTo(512 * 2 ** -23, 20);
    expect(conditionNumber({ data: [0, 0, 0, 0], rows: 2, cols: 2 }).kappa).toBe(Infinity);
  });

  it("a hidden representation with a duplicated unit is singular", () => {
    const units = 4;
    const h = activities(6, N, units);
    expect(Number.isFinite(conditionNumber({ data: h, rows: N, cols: units }).kappa)).toBe(true);
    setColumn(h, units, 3, (i) => h[i * units + 0]);
    expect(conditionNumber({ data: h, rows: N, cols: units }).kappa).toBe(Infinity);
  });
});

describe("Hessian degeneracy statistics", () => {
  it("counts degenerate and negative eigenvalues at absolute and relative thresholds", () => {
    const lambda = [-2, -3e-5, -5e-7, 0, 2e-6, 5e-5, 2e-3, 0.5, 1, 10];
    const s = degeneracyStats(lambda, { noiseFloor: 3e-6 });
    expect(s.count).toBe(10);
    expect(s.maxAbs).toBe(10);
    const [t6, t5, t4] = s.absolute;
    expect([t6.tau, t5.tau, t4.tau]).toEqual([1e-6, 1e-5, 1e-4]);
    expect(t6.degenerate).toBe(2); // −5e-7, 0
    expect(t5.degenerate).toBe(3); // + 2e-6
    expect(t4.degenerate).toBe(5); // + −3e-5, 5e-5
    expect(t4.degenerateFraction).toBeCloseTo(0.5, 12);
    expect(t6.negative).toBe(2); // −2, −3e-5
    expect(t4.negative).toBe(1); // −2
    expect(t6.aboveNoise).toBe(false);
    expect(t5.aboveNoise).toBe(true);
    // relative: τ = 1e-4·10 = 1e-3 → |λ| < 1e-3: five values
    expect(s.relative.tau).toBeCloseTo(1e-3, 15);
    expect(s.relative.degenerate).toBe(5);
    expect(s.relative.negative).toBe(1);
    expect(s.negativeFractionRaw).toBeCloseTo(0.3, 12);
  });

  it("log-histogram of |λ| puts every value in one place", () => {
    const h = logAbsHistogram([0, 1e-12, 1e-3, 0.5, 1e3], { minLog10: -10, maxLog10: 2, bins: 12 });
    expect(h.below).toBe(2);
    expect(h.above).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(h.counts[7]).toBe(1); // log10(1e-3) = −3 → bin [−3, −2)
  });
});

describe("per-layer report", () => {
  it("combines every measure per layer and flattens to '<layer>.<measure>' keys", () => {
    const units = 4;
    const h = activities(7, N, units);
    setColumn(h, units, 2, () => 0);
    const W = new Rng(8).normals(5 * units); // [fanIn 5, units 4], units 1 and 3 with the same incoming weights
    for (let i = 0; i < 5; i++) W[i * units + 3] = W[i * units + 1];
    const rows = layerSingularities([
      { name: "L2", activity: { data: h, rows: N, cols: units }, weights: { data: W, rows: 5, cols: units } },
    ]);
    const r = flattenSingularities(rows);
    expect(r["L2.dead_frac"]).toBeCloseTo(0.25, 12);
    expect(r["L2.w_overlap_frac"]).toBeCloseTo(1 / 6, 12);
    expect(r["L2.kappa_W"]).toBe(Infinity); // two equal columns: rank 3 < min(5, 4)
    expect(r["L2.kappa_H"]).toBe(Infinity); // a dead unit makes H [N, 4] rank 3
    expect(r["L2.small_sv_frac"]).toBeCloseTo(0.25, 12);
    expect(layerOfParam("B2.L1.bn.gamma")).toBe("B2.L1");
    expect(layerOfParam("out.W")).toBe("out");
  });
});

describe("degeneracyStats on an all-zero spectrum", () => {
  it("counts every eigenvalue as degenerate at the relative threshold (τ = r·max|λ| = 0)", () => {
    const s = degeneracyStats(new Float64Array(5));
    expect(s.relative.degenerateFraction).toBe(1);
    expect(s.relative.negativeFraction).toBe(0);
    expect(degeneracyStats(Float64Array.from([0, 0, 1])).relative.degenerateFraction).toBeCloseTo(2 / 3, 12);
  });
});
