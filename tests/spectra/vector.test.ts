import { describe, expect, it } from "vitest";
import { vec } from "../../lib/src/spectra";
import { Rng, subSeed } from "../../lib/src/util/random";

describe("vec: the flat-vector algebra", () => {
  it("dot, axpy, scale, norm, normalise", () => {
    const x = Float64Array.of(1, 2, 3);
    const y = Float64Array.of(4, -5, 6);
    expect(vec.dot(x, y)).toBe(12);
    expect(Array.from(vec.axpy(2, x, y.slice()))).toEqual([6, -1, 12]);
    expect(Array.from(vec.scale(-1, x.slice()))).toEqual([-1, -2, -3]);
    expect(vec.norm(Float64Array.of(3, 4))).toBe(5);
    expect(vec.norm(Float64Array.of(3e200, 4e200))).toBeCloseTo(5e200, -186); // no overflow
    expect(vec.norm(Float64Array.of(3e-200, 4e-200))).toBeCloseTo(5e-200, 214); // no underflow
    const z = Float64Array.of(0, 3, 4);
    expect(vec.normalise(z)).toBe(5);
    expect(vec.norm(z)).toBeCloseTo(1, 15);
    expect(() => vec.dot(x, Float64Array.of(1))).toThrow(/length/);
  });

  it("orthonormalise against a basis and orthonormalBasis drop dependent vectors", () => {
    const rng = new Rng(subSeed(1, "vec"));
    const vs = [rng.normals(50), rng.normals(50), rng.normals(50)];
    const dependent = vec.axpy(2, vs[0], vs[1].slice()); // v1 + 2 v0
    const basis = vec.orthonormalBasis([...vs, dependent, new Float64Array(50)]);
    expect(basis.length).toBe(3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(Math.abs(vec.dot(basis[i], basis[j]) - (i === j ? 1 : 0))).toBeLessThan(1e-15);
    const w = rng.normals(50);
    const r = vec.orthonormalise(w, basis);
    expect(r).toBeGreaterThan(0);
    for (const b of basis) expect(Math.abs(vec.dot(w, b))).toBeLessThan(1e-15);
    expect(vec.norm(w)).toBeCloseTo(1, 15);
  });

  it("seeded Rademacher and Gaussian probes are reproducible, ±1 and balanced", () => {
    const a = vec.rademacher(new Rng(subSeed(5, "probe")), 10000);
    const b = vec.rademacher(new Rng(subSeed(5, "probe")), 10000);
    expect(a).toEqual(b);
    expect(a.every((x) => x === 1 || x === -1)).toBe(true);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(a.length)); // 4 standard errors
    expect(vec.gaussian(new Rng(3), 5)).toEqual(vec.gaussian(new Rng(3), 5));
  });
});
