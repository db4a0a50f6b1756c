import { describe, expect, it, vi } from "vitest";
import { fromFrame, frameHtml, showTable, summarize, toFrame } from "../../lib/src/frames/danfo";

describe("danfo seam", () => {
  const rows = [
    { arch: "plain", seed: 0, acc: 0.5 },
    { arch: "plain", seed: 1, acc: 0.7 },
    { arch: "plain", seed: 2, acc: Infinity },
    { arch: "residual", seed: 0, acc: 0.9 },
    { arch: "residual", seed: 1, acc: 0.8 },
  ];

  it("records → DataFrame → records round-trips, missing keys as null", () => {
    expect(fromFrame(toFrame(rows))).toEqual(rows);
    expect(fromFrame(toFrame([{ a: 1 }, { b: "x" }]))).toEqual([
      { a: 1, b: null },
      { a: null, b: "x" },
    ]);
    expect(() => toFrame([])).toThrow(/no records/);
  });

  it("summarize gives n, mean, sample std, sem, min, median, max per group and counts non-finite values apart", () => {
    const s = fromFrame(summarize(toFrame(rows), "arch", "acc"));
    expect(s[0]).toMatchObject({ arch: "plain", n: 2, nonFinite: 1, min: 0.5, max: 0.7 });
    expect(s[0].mean as number).toBeCloseTo(0.6, 15);
    expect(s[0].std as number).toBeCloseTo(Math.SQRT2 * 0.1, 15);
    expect(s[0].sem as number).toBeCloseTo(0.1, 15);
    expect(s[0].median as number).toBeCloseTo(0.6, 15);
    expect(s[1]).toMatchObject({ arch: "residual", n: 2, nonFinite: 0 });
  });

  it("the HTML table formats numbers to the given digits and escapes text", () => {
    const html = frameHtml(toFrame([{ "a<b": "x & <y>", v: 1 / 3, k: 7, none: null }]), 3);
    expect(html).toContain("<th>a&lt;b</th>");
    expect(html).toContain("<td>x &amp; &lt;y&gt;</td><td>0.333</td><td>7</td><td></td>");
  });

  it("showTable shows rows or a DataFrame (outside a kernel: as text on stdout)", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    let printed: string[];
    try {
      showTable(rows, 2);
      showTable(summarize(toFrame(rows), "arch", "acc"));
      printed = log.mock.calls.map((c) => String(c[0]));
    } finally {
      log.mockRestore();
    }
    expect(printed[0]).toMatch(/plain.*0.50/);
    expect(printed[1]).toMatch(/residual/);
  });
});
