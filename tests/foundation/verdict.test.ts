/**
 * The verdict rule (report/verdict.ts) and pre-registration (report/prereg.ts): criterion outcomes at the edges,
 * the claim rule's table, registrations that cannot be evaluated, the fingerprint, manipulation checks, claims not
 * tested, exploration vs confirmation, and how the claims table and the report index show them.
 */
import { describe, expect, it } from "vitest";
import { claimsHtml } from "../../lib/src/report/claims";
import { renderIndex } from "../../lib/src/report/index-page";
import {
  checkPreregistration,
  confirmClaims,
  evaluateClaims,
  type Measured,
  preregFingerprint,
  type Preregistration,
  preregistrationHtml,
  seedText,
} from "../../lib/src/report/prereg";
import { claimVerdict, type EffectEstimate, type Expectation, judge } from "../../lib/src/report/verdict";

const up: Expectation = { direction: "positive", alpha: 0.05, sesoi: 0.02 };
const down: Expectation = { direction: "negative", alpha: 0.05, sesoi: 0.02 };
const est = (estimate: number, lo: number, hi: number, p: number): EffectEstimate => ({
  estimate,
  lo,
  hi,
  p,
  test: "test",
});

describe("judge", () => {
  it("passes a significant effect of the predicted sign, whatever its size", () => {
    expect(judge(est(0.05, 0.01, 0.09, 0.01), up)).toBe("pass");
    expect(judge(est(0.005, 0.001, 0.009, 0.01), up)).toBe("pass");
    expect(judge(est(-0.05, -0.09, -0.01, 0.01), down)).toBe("pass");
  });
  it("fails when the whole interval falls short of the smallest effect of interest, or the effect is reversed", () => {
    expect(judge(est(0.001, -0.01, 0.012, 0.8), up)).toBe("fail");
    expect(judge(est(-0.05, -0.09, -0.01, 0.01), up)).toBe("fail");
    expect(judge(est(0.05, 0.01, 0.09, 0.01), down)).toBe("fail");
  });
  it("is inconclusive when the interval reaches effects that matter but p is not below α", () => {
    expect(judge(est(0.03, -0.01, 0.07, 0.12), up)).toBe("inconclusive");
    expect(judge(est(-0.03, -0.07, 0.01, 0.12), down)).toBe("inconclusive");
    // p just at α is not a pass
    expect(judge(est(0.03, 0.0, 0.06, 0.05), up)).toBe("inconclusive");
  });
  it("treats undefined numbers as inconclusive and refuses a malformed expectation", () => {
    expect(judge(est(NaN, NaN, NaN, NaN), up)).toBe("inconclusive");
    expect(() => judge(est(1, 0, 2, 0.01), { ...up, sesoi: -1 })).toThrow(/SESOI/);
    expect(() => judge(est(1, 0, 2, 0.01), { ...up, alpha: 0 })).toThrow(/α/);
  });
});

describe("claimVerdict", () => {
  it.each([
    [["pass", "pass"], "reproduced"],
    [["pass", "fail"], "partly reproduced"],
    [["pass", "inconclusive"], "partly reproduced"],
    [["fail", "inconclusive"], "not reproduced"],
    [["fail", "fail"], "not reproduced"],
    [["inconclusive", "inconclusive"], "inconclusive"],
  ] as const)("%j → %s", (outcomes, verdict) => {
    expect(claimVerdict(outcomes)).toBe(verdict);
  });
  it("a manipulation that did not take makes any claim inconclusive; no criteria is an error", () => {
    expect(claimVerdict(["pass", "pass"], false)).toBe("inconclusive");
    expect(() => claimVerdict([])).toThrow(/at least one criterion/);
  });
});

function registration(over: Partial<Preregistration> = {}): Preregistration {
  return {
    notebook: "99-test",
    scale: "quick",
    seeds: { exploration: [0, 1, 2], confirmation: [100, 101, 102, 103, 104] },
    claims: [
      {
        id: "M",
        figure: "P1 Fig. X",
        claim: "The manipulation changes what it targets.",
        source: "ours",
        kind: "sanity",
        criteria: [{ id: "dead", estimate: "dead fraction, treated − control", test: "Welch", expect: down }],
      },
      {
        id: "X1",
        figure: "P1 Fig. X",
        claim: "Treated nets train faster.",
        source: "RECALLED",
        kind: "paper",
        manipulation: "M",
        criteria: [
          { id: "mid", estimate: "acc @5, treated − control", test: "Welch", expect: up },
          { id: "end", estimate: "acc @10, treated − control", test: "Welch", expect: up },
        ],
      },
      {
        id: "X2",
        figure: "P1 Fig. X",
        claim: "Something only the paper scale can show.",
        source: "RECALLED",
        kind: "paper",
        notTested: "needs CIFAR-100 at full size",
        criteria: [{ id: "big", estimate: "effect", test: "Welch", expect: up }],
      },
    ],
    notes: ["data: a test"],
    ...over,
  };
}

const measured = (manip: EffectEstimate, mid: EffectEstimate, end: EffectEstimate): Measured => ({
  estimates: { M: { dead: manip }, X1: { mid, end } },
  numbers: { X1: { "mean acc treated": 0.8 } },
});

describe("pre-registration", () => {
  it("refuses overlapping seed sets, duplicate ids and a manipulation check that is not a registered sanity claim", () => {
    expect(() => checkPreregistration(registration())).not.toThrow();
    expect(() => checkPreregistration(registration({ seeds: { exploration: [0, 1], confirmation: [1, 2] } }))).toThrow(
      /seeds 1 are both/,
    );
    const dup = registration();
    dup.claims[2].id = "X1";
    expect(() => checkPreregistration(dup)).toThrow(/claim id X1 is used twice/);
    const dangling = registration();
    dangling.claims[1].manipulation = "Z";
    expect(() => checkPreregistration(dangling)).toThrow(/manipulation check Z is not registered/);
    const notSanity = registration();
    notSanity.claims[1].manipulation = "X2";
    expect(() => checkPreregistration(notSanity)).toThrow(/not a sanity claim/);
  });

  it("has a fingerprint that ignores key order and changes with any threshold", () => {
    const a = registration();
    const b = JSON.parse(JSON.stringify(a)) as Preregistration;
    b.claims[1] = Object.fromEntries(Object.entries(b.claims[1]).reverse()) as unknown as (typeof b.claims)[1];
    expect(preregFingerprint(b)).toBe(preregFingerprint(a));
    const c = registration();
    c.claims[1].criteria[0].expect = { ...up, sesoi: 0.03 };
    expect(preregFingerprint(c)).not.toBe(preregFingerprint(a));
    expect(preregFingerprint(a)).toMatch(/^[0-9a-f]{12}$/);
  });

  it("shows seeds, criteria and the fingerprint, and embeds the record", () => {
    const html = preregistrationHtml(registration());
    expect(html).toContain("confirmation seeds (the verdicts): 100–104");
    expect(html).toContain("Exploration seeds: 0–2");
    expect(html).toContain("smallest effect of interest 0.02");
    expect(html).toContain(preregFingerprint(registration()));
    expect(html).toContain('class="skiplab-prereg"');
    expect(seedText([5, 0, 1, 2, 7, 8])).toBe("0–2, 5, 7–8");
  });

  it("evaluates criteria into verdicts, with the manipulation check gating the claim and 'not tested' kept", () => {
    const ok = est(-0.1, -0.15, -0.05, 0.001);
    const checks = evaluateClaims(
      registration(),
      measured(ok, est(0.05, 0.02, 0.08, 0.01), est(0.06, 0.03, 0.09, 0.004)),
    );
    expect(checks.map((c) => [c.id, c.kind, c.verdict])).toEqual([
      ["M", "sanity", "reproduced"],
      ["X1", "paper", "reproduced"],
      ["X2", "paper", "not tested"],
    ]);
    expect(checks[1].numbers["mean acc treated"]).toBe(0.8);
    expect(String(checks[1].numbers.mid)).toMatch(/p = 0\.010 → pass/);
    expect(checks[1].preregistration).toBe(preregFingerprint(registration()));
    const noManip = evaluateClaims(
      registration(),
      measured(est(0.0, -0.01, 0.01, 0.9), est(0.05, 0.02, 0.08, 0.01), est(0.06, 0.03, 0.09, 0.004)),
    );
    expect(noManip[0].verdict).toBe("not reproduced");
    expect(noManip[1].verdict).toBe("inconclusive");
    expect(noManip[1].criterion).toMatch(/sanity check M \(the manipulation\) is not reproduced/);
  });

  it("throws when a registered criterion has no estimate", () => {
    expect(() =>
      evaluateClaims(registration(), { estimates: { M: { dead: est(-1, -2, -0.5, 0.01) }, X1: {} } }),
    ).toThrow(/no estimate for claim X1, criterion mid/);
  });

  it("confirms on the confirmation seeds and carries the exploration verdict; the tables flag a difference", () => {
    const seen: string[] = [];
    const checks = confirmClaims(registration(), (seeds, phase) => {
      seen.push(`${phase}:${seeds.join(",")}`);
      const manip = est(-0.1, -0.15, -0.05, 0.001);
      return phase === "exploration"
        ? measured(manip, est(0.05, 0.02, 0.08, 0.01), est(0.06, 0.03, 0.09, 0.004))
        : measured(manip, est(0.01, -0.03, 0.05, 0.5), est(0.06, 0.03, 0.09, 0.004));
    });
    expect(seen).toEqual(["confirmation:100,101,102,103,104", "exploration:0,1,2"]);
    expect(checks[1].verdict).toBe("partly reproduced");
    expect(checks[1].exploration?.verdict).toBe("reproduced");
    const meta = { notebook: "99-test", dataset: "d", scale: "quick", seeds: "100–104", backend: "wasm" };
    const html = claimsHtml({ ...meta, checks });
    expect(html).toContain("⚠ differs");
    expect(html).toMatch(/<b>Sanity checks<\/b>/);
    expect(html).not.toContain("No claim of the paper is tested here");
    // a notebook with sanity checks only says so instead of drawing an empty table of paper claims
    const sanityOnly = claimsHtml({ ...meta, checks: checks.filter((c) => c.kind === "sanity") });
    expect(sanityOnly).toContain("No claim of the paper is tested here: only the sanity checks below.");
    expect(sanityOnly.match(/<table class="skiplab-table">/g)).toHaveLength(1);
    const index = renderIndex(
      [{ name: "99-test", title: "Test", status: "ok", scale: "quick", claims: [{ ...meta, checks }] }],
      { generated: "now", scale: "quick", commit: "abc", machine: "m", command: "c" },
    );
    expect(index).toContain(
      "Paper claims: 0 reproduced · 1 partly reproduced · 0 not reproduced · 0 inconclusive · 1 not tested",
    );
    expect(index).toContain("Sanity checks (ours): 1 reproduced");
    expect(index).toContain("1 verdict(s) differ between exploration and confirmation seeds");
    expect(index).toContain("<b>sanity check</b> (ours, not a paper claim)");
  });
});
