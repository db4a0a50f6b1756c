import { describe, expect, it } from "vitest";
import { Rng, subSeed } from "../../lib/src/util/random";
import { ToyArch, ToyModel, buildModel, modelConfig, steinMoment } from "../../lib/src/toy";
import { fdGradient, randomTheta, relErr } from "./helpers";

const ARCHS: ToyArch[] = ["plain", "residual"];

describe("toy model: analytic gradient vs central finite differences", () => {
  for (const arch of ARCHS) {
    it(`${arch}: relative error < 1e-7 at 10 random points`, () => {
      const m = buildModel(modelConfig(arch));
      const g = m.zeros();
      for (let seed = 0; seed < 10; seed++) {
        const th = randomTheta(m, seed);
        m.lossGrad(th, g);
        expect(relErr(g, fdGradient(m, th))).toBeLessThan(1e-7);
      }
    });
  }

  it("mixed families (plain student / residual teacher and vice versa), k = d = 3, noise", () => {
    const K = [
      [1, 0.2, -0.4],
      [-0.3, 0.9, 0.5],
      [0.6, -0.7, 1.1],
    ];
    for (const [arch, tArch] of [
      ["plain", "residual"],
      ["residual", "plain"],
      ["residual", "student"],
    ] as const) {
      const m = buildModel(
        modelConfig(arch, {
          inputDim: 3,
          hiddenUnits: 3,
          skipScale: 0.7,
          noiseVar: 0.1,
          teacher: { K, v: [1, -0.5, 0.8], arch: tArch },
        }),
      );
      const g = m.zeros();
      for (let seed = 0; seed < 5; seed++) {
        const th = randomTheta(m, 100 + seed);
        m.lossGrad(th, g);
        expect(relErr(g, fdGradient(m, th))).toBeLessThan(1e-7);
      }
    }
  });
});

describe("toy model: closed-form loss vs Monte Carlo", () => {
  // L = ½E[(y − y* − σξ)²]; with n = 2e5 seeded samples, |L_mc − L| < 4 standard errors.
  const cases: { arch: ToyArch; noiseVar: number; teacher?: "plain" | "residual" | "student" }[] = [
    { arch: "plain", noiseVar: 0 },
    { arch: "residual", noiseVar: 0 },
    { arch: "residual", noiseVar: 0.05, teacher: "plain" },
    { arch: "plain", noiseVar: 0, teacher: "residual" },
  ];
  for (const c of cases) {
    it(`${c.arch} student, ${c.teacher ?? "student"} teacher, σ² = ${c.noiseVar}`, () => {
      const cfg = modelConfig(c.arch, { noiseVar: c.noiseVar });
      if (c.teacher) cfg.teacher.arch = c.teacher;
      const m = buildModel(cfg);
      const th = randomTheta(m, 7);
      const rng = new Rng(subSeed(7, "mc"));
      const n = 200000;
      const sigma = Math.sqrt(c.noiseVar);
      const x = new Float64Array(2);
      let sum = 0;
      let sum2 = 0;
      for (let s = 0; s < n; s++) {
        x[0] = rng.normal();
        x[1] = rng.normal();
        const r = m.output(th, x) - m.teacherOutput(x) - sigma * rng.normal();
        const l = 0.5 * r * r;
        sum += l;
        sum2 += l * l;
      }
      const mean = sum / n;
      const se = Math.sqrt((sum2 / n - mean * mean) / n);
      const exact = m.loss(th);
      expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
      expect(se / exact).toBeLessThan(0.02); // the test has power
    });
  }

  it("the Stein cross terms are resolved: MC agrees with L and would not agree with L minus them", () => {
    // Residual student and teacher: L contains ½ΣΣ w_i w_j s(S(J_i)_j + S(J_j)_i) − ΣΣ w_i v_k (s S(J_i)_k + s S(K_k)_i)
    // + ½ΣΣ v_k v_l s(S(K_k)_l + S(K_l)_k). Check that this sum is ≫ 4 SE while MC still matches L.
    const m = buildModel(modelConfig("residual"));
    const th = randomTheta(m, 7);
    const J = [0, 1].map((i) => [th[m.indexJ(i, 0)], th[m.indexJ(i, 1)]]);
    const w = [th[m.indexW(0)], th[m.indexW(1)]];
    const K = m.config.teacher.K;
    const v = m.config.teacher.v;
    let stein = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        stein += 0.5 * w[i] * w[j] * (steinMoment(J[i], j) + steinMoment(J[j], i));
        stein -= w[i] * v[j] * (steinMoment(J[i], j) + steinMoment(K[j], i));
        stein += 0.5 * v[i] * v[j] * (steinMoment(K[i], j) + steinMoment(K[j], i));
      }
    }
    const rng = new Rng(subSeed(8, "mc"));
    const n = 200000;
    const x = new Float64Array(2);
    let sum = 0;
    let sum2 = 0;
    for (let s = 0; s < n; s++) {
      x[0] = rng.normal();
      x[1] = rng.normal();
      const r = m.output(th, x) - m.teacherOutput(x);
      sum += 0.5 * r * r;
      sum2 += 0.25 * r ** 4;
    }
    const mean = sum / n;
    const se = Math.sqrt((sum2 / n - mean * mean) / n);
    expect(Math.abs(mean - m.loss(th))).toBeLessThan(4 * se);
    expect(Math.abs(stein)).toBeGreaterThan(20 * se);
    expect(Math.abs(mean - (m.loss(th) - stein))).toBeGreaterThan(16 * se);
  });
});

describe("toy model: invariants", () => {
  for (const arch of ARCHS) {
    it(`${arch}: L = 0 and ∇L = 0 at the teacher (same-family teacher)`, () => {
      const m = buildModel(modelConfig(arch));
      const g = m.zeros();
      const L = m.lossGrad(m.teacherTheta(), g);
      expect(Math.abs(L)).toBeLessThan(1e-14);
      expect(Math.hypot(...g)).toBeLessThan(1e-14);
    });
  }

  it("with noise the minimum is σ²/2", () => {
    const m = buildModel(modelConfig("plain", { noiseVar: 0.3 }));
    expect(m.loss(m.teacherTheta())).toBeCloseTo(0.15, 14);
  });

  const swapUnits = (m: ToyModel, th: Float64Array): Float64Array => {
    const s = Float64Array.from(th);
    for (let q = 0; q < m.d; q++) {
      s[m.indexJ(0, q)] = th[m.indexJ(1, q)];
      s[m.indexJ(1, q)] = th[m.indexJ(0, q)];
    }
    s[m.indexW(0)] = th[m.indexW(1)];
    s[m.indexW(1)] = th[m.indexW(0)];
    return s;
  };

  it("plain: swapping the two units leaves L unchanged; residual: it does not", () => {
    const plain = buildModel(modelConfig("plain"));
    const resid = buildModel(modelConfig("residual"));
    for (let seed = 0; seed < 5; seed++) {
      const th = randomTheta(plain, 200 + seed);
      expect(Math.abs(plain.loss(swapUnits(plain, th)) - plain.loss(th))).toBeLessThan(1e-15);
      expect(Math.abs(resid.loss(swapUnits(resid, th)) - resid.loss(th))).toBeGreaterThan(1e-3);
    }
    // the swapped teacher is a second global minimum only of the plain model
    expect(plain.loss(swapUnits(plain, plain.teacherTheta()))).toBeLessThan(1e-15);
    expect(resid.loss(swapUnits(resid, resid.teacherTheta()))).toBeGreaterThan(1e-2);
  });

  it("plain: a sign flip (J_i, w_i) → (−J_i, −w_i) leaves L unchanged (g is odd)", () => {
    const m = buildModel(modelConfig("plain"));
    const th = randomTheta(m, 300);
    const f = Float64Array.from(th);
    for (let q = 0; q < m.d; q++) f[m.indexJ(1, q)] *= -1;
    f[m.indexW(1)] *= -1;
    expect(Math.abs(m.loss(f) - m.loss(th))).toBeLessThan(1e-15);
  });

  it("featureGram is the exact w–w Hessian block (∂²L/∂w_i∂w_j)", () => {
    const m = buildModel(modelConfig("residual"));
    const th = randomTheta(m, 400);
    const Q = m.featureGram(th);
    const h = 1e-4;
    const g1 = m.zeros();
    const g2 = m.zeros();
    for (let j = 0; j < 2; j++) {
      const tp = Float64Array.from(th);
      tp[m.indexW(j)] += h;
      const tm = Float64Array.from(th);
      tm[m.indexW(j)] -= h;
      m.lossGrad(tp, g1);
      m.lossGrad(tm, g2);
      for (let i = 0; i < 2; i++) expect((g1[m.indexW(i)] - g2[m.indexW(i)]) / (2 * h)).toBeCloseTo(Q[i * 2 + j], 9);
    }
  });

  it("rejects a residual student with more units than inputs", () => {
    expect(() => buildModel(modelConfig("residual", { hiddenUnits: 3 }))).toThrow(/hiddenUnits ≤ inputDim/);
  });
});
