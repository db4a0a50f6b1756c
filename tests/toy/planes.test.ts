import { describe, expect, it } from "vitest";
import {
  ToyPlaneField,
  eliminationPlane,
  findGhost,
  buildModel,
  modelConfig,
  overlapPlane,
  planeGrid,
  planePoint,
  planeStreamlines,
} from "../../lib/src/toy";

const plain = buildModel(modelConfig("plain"));
const resid = buildModel(modelConfig("residual"));

describe("2-D planes", () => {
  for (const m of [plain, resid]) {
    for (const make of [eliminationPlane, overlapPlane]) {
      const plane = make(m);
      it(`${m.config.arch} ${plane.name}: the teacher landmark maps to θ* (L = 0, zero flow)`, () => {
        const t = plane.landmarks[0];
        const th = planePoint(plane, t.a, t.b);
        const star = m.teacherTheta();
        for (let q = 0; q < th.length; q++) expect(th[q]).toBeCloseTo(star[q], 14);
        const out = new Float64Array(3);
        new ToyPlaneField(m, plane).evaluate(t.a, t.b, out);
        expect(Math.abs(out[0])).toBeLessThan(1e-14);
        expect(Math.hypot(out[1], out[2])).toBeLessThan(1e-13);
      });

      it(`${m.config.arch} ${plane.name}: restricted gradient = finite differences of ℓ(a, b)`, () => {
        const f = new ToyPlaneField(m, plane);
        const out = new Float64Array(3);
        const tmp = new Float64Array(3);
        const h = 1e-6;
        for (const [a, b] of [
          [0.3, -0.7],
          [-1.1, 0.4],
          [0.05, 1.3],
        ]) {
          f.evaluate(a, b, out);
          const da = (f.evaluate(a + h, b, tmp) - f.evaluate(a - h, b, tmp)) / (2 * h);
          const db = (f.evaluate(a, b + h, tmp) - f.evaluate(a, b - h, tmp)) / (2 * h);
          expect(out[1]).toBeCloseTo(da, 8);
          expect(out[2]).toBeCloseTo(db, 8);
        }
      });
    }
  }

  it("the plain swapped-teacher landmark of the overlap plane is a zero-loss point; not for residual", () => {
    const sw = overlapPlane(plain).landmarks[1];
    const out = new Float64Array(3);
    new ToyPlaneField(plain, overlapPlane(plain)).evaluate(sw.a, sw.b, out);
    expect(Math.abs(out[0])).toBeLessThan(1e-14);
    const swr = overlapPlane(resid).landmarks[1];
    new ToyPlaneField(resid, overlapPlane(resid)).evaluate(swr.a, swr.b, out);
    expect(out[0]).toBeGreaterThan(1e-2);
  });

  it("plain overlap plane: on u = 0 the flow has no z component (exact degeneracy); residual: it has", () => {
    const out = new Float64Array(3);
    const fp = new ToyPlaneField(plain, overlapPlane(plain));
    const fr = new ToyPlaneField(resid, overlapPlane(resid));
    for (const z of [-0.9, -0.2, 0.3, 0.8]) {
      fp.evaluate(0, z, out);
      expect(out[2]).toBe(0);
      fr.evaluate(0, z, out);
      expect(Math.abs(out[2])).toBeGreaterThan(1e-3);
    }
  });

  it("grid: 60×60 layout is row-major [b][a] with flow = −∇ℓ", () => {
    const plane = overlapPlane(plain);
    const g = planeGrid(plain, plane, { aMin: -2, aMax: 2, nA: 60, bMin: -1.5, bMax: 1.5, nB: 60 });
    expect(g.loss.length).toBe(3600);
    expect(g.a[0]).toBe(-2);
    expect(g.a[59]).toBe(2);
    const q = 17 * 60 + 41;
    const out = new Float64Array(3);
    new ToyPlaneField(plain, plane).evaluate(g.a[41], g.b[17], out);
    expect(g.loss[q]).toBe(out[0]);
    expect(g.flowA[q]).toBe(-out[1]);
    expect(g.flowB[q]).toBe(-out[2]);
    expect(g.speed[q]).toBeCloseTo(Math.hypot(out[1], out[2]), 15);
  });
});

describe("streamlines", () => {
  it("stay in the box and go downhill (ℓ non-increasing along each line)", () => {
    for (const m of [plain, resid]) {
      const plane = overlapPlane(m);
      const lines = planeStreamlines(m, plane, { aRange: [-2.5, 2.5], bRange: [-1.5, 1.5], seedsA: 6, seedsB: 6 });
      expect(lines.length).toBeGreaterThan(30);
      for (const s of lines) {
        for (let i = 0; i < s.x.length; i++) {
          expect(s.x[i]).toBeGreaterThanOrEqual(-2.5);
          expect(s.x[i]).toBeLessThanOrEqual(2.5);
          expect(s.y[i]).toBeGreaterThanOrEqual(-1.5);
          expect(s.y[i]).toBeLessThanOrEqual(1.5);
          if (i > 0) expect(s.loss[i]).toBeLessThanOrEqual(s.loss[i - 1] + 1e-12);
        }
      }
    }
  });
});

describe("ghost finder", () => {
  it("plain: the slowest point sits on the singular line (the restricted saddle at the origin of both planes)", () => {
    const ge = findGhost(plain, eliminationPlane(plain), { window: { aMin: -1, aMax: 1, bMin: -1, bMax: 1 } });
    expect(ge.distance).toBeLessThan(1e-8);
    expect(ge.speed).toBeLessThan(1e-12);
    const go = findGhost(plain, overlapPlane(plain), { window: { aMin: -0.5, aMax: 0.5, bMin: -1, bMax: 1 } });
    expect(go.distance).toBeLessThan(1e-8);
    expect(Math.abs(go.b)).toBeLessThan(1e-6);
    expect(go.speed).toBeLessThan(1e-12);
  });

  it("residual: the overlap ghost is displaced off (0, 0) (a restricted saddle at (u, z) ≈ (0.04, 0.42))", () => {
    const go = findGhost(resid, overlapPlane(resid), {
      window: { aMin: -0.25, aMax: 0.25, bMin: -1, bMax: 1 },
      reference: { a: 0, b: 0 },
    });
    expect(go.speed).toBeLessThan(1e-9);
    expect(go.onBoundary).toBe(false);
    expect(go.a).toBeCloseTo(0.0398, 3);
    expect(go.b).toBeCloseTo(0.4232, 3);
    expect(go.referenceDistance).toBeGreaterThan(0.4);
  });

  it("residual: no slow point near the elimination lines (the minimum speed there is large)", () => {
    const ge = findGhost(resid, eliminationPlane(resid), {
      window: { aMin: -0.3, aMax: 0.3, bMin: -0.3, bMax: 0.3 },
    });
    expect(ge.speed).toBeGreaterThan(0.3);
  });
});
