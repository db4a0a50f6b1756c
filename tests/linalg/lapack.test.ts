import { describe, expect, it, vi } from "vitest";
import { lapackCandidates, lapackMissingError, lapackStatus, probeLapack } from "../../lib/src/linalg";
import { needs } from "../support/requirements";
import { HAVE_LAPACK, LAPACK_WHAT } from "./helpers";

describe("LAPACK loading", () => {
  it("reports where LAPACKE was found, or every candidate it tried", () => {
    const s = lapackStatus();
    if (s.available) expect(s.path).toMatch(/lapacke/);
    else expect(s.tried.length).toBeGreaterThan(0);
    console.info(s.available ? `LAPACKE loaded from ${s.path}` : `LAPACKE not found:\n  ${s.tried.join("\n  ")}`);
  });

  it("candidates: SKIPLAB_LAPACKE first, then the system names; 'off' disables", () => {
    expect(lapackCandidates({ SKIPLAB_LAPACKE: "/opt/x/liblapacke.so" })[0]).toBe("/opt/x/liblapacke.so");
    expect(lapackCandidates({})).toContain("liblapacke.so.3");
    expect(lapackCandidates({ CONDA_PREFIX: "/c" })).toContain("/c/lib/liblapacke.so");
    expect(lapackCandidates({ SKIPLAB_LAPACKE: "off" })).toEqual([]);
  });

  it("a missing library gives an error that says how to install it", () => {
    const probe = probeLapack(["/nonexistent/liblapacke.so.3"]);
    expect(probe.status.available).toBe(false);
    expect(probe.fns).toBeNull();
    const msg = lapackMissingError(probe.status).message;
    expect(msg).toMatch(/\/nonexistent\/liblapacke\.so\.3/);
    expect(msg).toMatch(/apt-get install liblapacke/);
    expect(msg).toMatch(/conda install -c conda-forge liblapacke openblas/);
    expect(msg).toMatch(/SKIPLAB_LAPACKE/);
  });

  it("with LAPACK disabled, 'auto' falls back to JS silently and 'lapack' throws the install message", async () => {
    const saved = process.env.SKIPLAB_LAPACKE;
    process.env.SKIPLAB_LAPACKE = "off";
    try {
      vi.resetModules(); // a fresh module instance, with an empty load cache
      const fresh = await import("../../lib/src/linalg");
      expect(fresh.lapackAvailable()).toBe(false);
      const A = Float64Array.of(2, 1, 1, 2);
      const r = fresh.eigh(A, 2);
      expect(r.backend).toBe("js");
      expect(r.values[0]).toBeCloseTo(1, 14);
      expect(r.values[1]).toBeCloseTo(3, 14);
      expect(fresh.svd(A, 2, 2).backend).toBe("js");
      expect(() => fresh.eigh(A, 2, { backend: "lapack" })).toThrow(/apt-get install liblapacke/);
      expect(() => fresh.svd(A, 2, 2, { backend: "lapack" })).toThrow(/conda install/);
    } finally {
      if (saved === undefined) delete process.env.SKIPLAB_LAPACKE;
      else process.env.SKIPLAB_LAPACKE = saved;
      vi.resetModules();
    }
  });

  needs(HAVE_LAPACK, LAPACK_WHAT)("a forced LAPACK call runs LAPACK when present", async () => {
    const { eigh } = await import("../../lib/src/linalg");
    expect(eigh(Float64Array.of(2, 1, 1, 2), 2, { backend: "lapack" }).backend).toBe("lapack");
  });
});
