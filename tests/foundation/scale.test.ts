/** The scales (report/context.ts): SKIPLAB_SCALE parsing and `atScale`'s fallback of standard to quick. */
import { describe, expect, it } from "vitest";
import { SCALES, atScale, currentScale } from "../../lib/src/report/context";
import { p1Protocol } from "../../lib/src/experiments/p1/protocol";
import { P1_CONFIRMATION_SEEDS } from "../../lib/src/experiments/p1/prereg";

describe("scales", () => {
  it("reads SKIPLAB_SCALE, defaulting to quick, and names the valid scales on a bad one", () => {
    expect(currentScale({})).toBe("quick");
    expect(currentScale({ SKIPLAB_SCALE: " standard " })).toBe("standard");
    expect(() => currentScale({ SKIPLAB_SCALE: "huge" })).toThrow(/smoke, quick, standard, paper/);
    expect(SCALES).toEqual(["smoke", "quick", "standard", "paper"]);
  });

  it("atScale: standard takes its own entry where given, else quick's", () => {
    const c = { smoke: 1, quick: 2, paper: 4 };
    expect(SCALES.map((s) => atScale(c, s))).toEqual([1, 2, 2, 4]);
    expect(atScale({ ...c, standard: 3 }, "standard")).toBe(3);
  });

  it("paper 1 at standard runs quick's protocol and seeds (so both share every cached run)", () => {
    expect(p1Protocol("standard")).toEqual(p1Protocol("quick"));
    expect(P1_CONFIRMATION_SEEDS.standard).toEqual(P1_CONFIRMATION_SEEDS.quick);
  });
});
