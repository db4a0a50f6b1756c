/**
 * Pre-registration: a figure's claims, criteria, tests, thresholds and seeds, written down (as a library value)
 * before any run is made, shown in the notebook in a cell before the first run, and then used, unchanged, by the code
 * that computes the verdicts.
 *
 * Seeds come in two disjoint sets. Setups and criteria may be explored on the *exploration* seeds; the reported
 * verdict comes from the *confirmation* seeds, which nothing was tuned on. `confirmClaims` evaluates both and
 * attaches the exploration verdict to each confirmation claim, so the report can flag a claim whose verdict
 * depends on the seeds.
 *
 * The record embedded in the notebook output carries a fingerprint (sha256 of the registration's canonical JSON), and
 * each claims record names the fingerprint it was evaluated under.
 */
import { createHash } from "node:crypto";
import { escapeHtml, showHtml, TABLE_STYLE } from "../display/html";
import type { ClaimCheck } from "./claims";
import { claimVerdict, type EffectEstimate, type Expectation, judge, type Outcome, type Verdict } from "./verdict";

export interface PreregCriterion {
  /** Unique within its claim, e.g. "residual>plain@mid". */
  id: string;
  /** What is estimated, e.g. "mean train accuracy, residual − plain, at epoch 5". */
  estimate: string;
  /** The test and interval, e.g. "Welch t-test, 95 % t interval". */
  test: string;
  expect: Expectation;
}

export interface PreregClaim {
  /** Unique within the registration, e.g. "C1". */
  id: string;
  /** Paper figure id, e.g. "P1 Fig. C". */
  figure: string;
  claim: string;
  /** Provenance of the claim (docs/spec/ tag). */
  source: string;
  /** "paper": a claim of the paper; "sanity": an identity or a manipulation check of ours, reported apart. */
  kind: "paper" | "sanity";
  criteria: PreregCriterion[];
  /** A sanity claim's id: when that check is not reproduced, this claim is inconclusive (the manipulation failed). */
  manipulation?: string;
  /** Set when the claim is not run at this scale; the verdict is then "not tested", with this reason. */
  notTested?: string;
}

export interface Preregistration {
  /** The notebook's file stem, e.g. "03-figC-deep-fc". */
  notebook: string;
  scale: string;
  seeds: { exploration: readonly number[]; confirmation: readonly number[] };
  claims: PreregClaim[];
  /** Anything else fixed in advance (data, budgets, how runs are grouped). */
  notes: string[];
}

/** Thrown for a registration that cannot be evaluated: duplicate ids, overlapping seed sets, a dangling reference. */
export function checkPreregistration(p: Preregistration): void {
  const problems: string[] = [];
  const overlap = p.seeds.exploration.filter((s) => p.seeds.confirmation.includes(s));
  if (overlap.length) problems.push(`seeds ${overlap.join(", ")} are both exploration and confirmation seeds`);
  if (p.seeds.confirmation.length === 0) problems.push("no confirmation seeds");
  const ids = new Set<string>();
  for (const c of p.claims) {
    if (ids.has(c.id)) problems.push(`claim id ${c.id} is used twice`);
    ids.add(c.id);
    if (c.criteria.length === 0) problems.push(`claim ${c.id} has no criterion`);
    const cids = new Set<string>();
    for (const k of c.criteria) {
      if (cids.has(k.id)) problems.push(`claim ${c.id}: criterion id ${k.id} is used twice`);
      cids.add(k.id);
      if (!(k.expect.sesoi >= 0) || !(k.expect.alpha > 0 && k.expect.alpha < 1))
        problems.push(`claim ${c.id}, criterion ${k.id}: SESOI must be ≥ 0 and α in (0, 1)`);
    }
  }
  for (const c of p.claims) {
    if (c.manipulation === undefined) continue;
    const m = p.claims.find((q) => q.id === c.manipulation);
    if (!m) problems.push(`claim ${c.id}: its manipulation check ${c.manipulation} is not registered`);
    else if (m.kind !== "sanity") problems.push(`claim ${c.id}: its manipulation check ${c.manipulation} is not a sanity claim`);
  }
  if (problems.length) throw new Error(`pre-registration of ${p.notebook}: ${problems.join("; ")}`);
}

/** Canonical JSON (object keys sorted) of a value. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The first 12 hex digits of the sha256 of the registration's canonical JSON. */
export function preregFingerprint(p: Preregistration): string {
  return createHash("sha256").update(canonical(p)).digest("hex").slice(0, 12);
}

/** Seeds as text: runs of consecutive seeds as ranges ("0–2, 7"). */
export function seedText(seeds: readonly number[]): string {
  const s = [...seeds].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}–${s[j]}` : String(s[i]));
    i = j + 1;
  }
  return parts.join(", ");
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(3) : v.toExponential(2)) : String(v));
const sign = (x: Expectation) => (x.direction === "positive" ? "> 0" : "< 0");

/** One criterion in words: "estimate > 0: test; α = 0.05, smallest effect of interest 0.02". */
export function criterionText(k: PreregCriterion): string {
  return `${k.estimate} ${sign(k.expect)} (${k.test}; α = ${k.expect.alpha}, smallest effect of interest ${k.expect.sesoi})`;
}

export const PREREG_MARKER = "skiplab-prereg";

/** The registration as HTML: seeds, then one row per claim with its criteria; the JSON record embedded. */
export function preregistrationHtml(p: Preregistration): string {
  checkPreregistration(p);
  const rows = p.claims
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.id)}</td><td>${escapeHtml(c.kind === "sanity" ? "sanity check" : c.figure)}</td>` +
        `<td>${escapeHtml(c.claim)}<br><small>source: ${escapeHtml(c.source)}</small></td>` +
        `<td>${c.criteria.map((k) => `<b>${escapeHtml(k.id)}</b>: ${escapeHtml(criterionText(k))}`).join("<br>")}` +
        `${c.manipulation ? `<br><small>inconclusive unless sanity check ${escapeHtml(c.manipulation)} holds</small>` : ""}` +
        `${c.notTested ? `<br><small>not tested: ${escapeHtml(c.notTested)}</small>` : ""}</td></tr>`,
    )
    .join("");
  const fp = preregFingerprint(p);
  const json = JSON.stringify({ ...p, fingerprint: fp }).replace(/<\//g, "<\\/");
  return (
    TABLE_STYLE +
    `<div class="skiplab-prereg-block"><p><b>Pre-registration</b> (${escapeHtml(p.notebook)}, scale ${escapeHtml(p.scale)}, fingerprint <code>${fp}</code>) — ` +
    `fixed before any run. Exploration seeds: ${escapeHtml(seedText(p.seeds.exploration) || "none")}; ` +
    `confirmation seeds (the verdicts): ${escapeHtml(seedText(p.seeds.confirmation))}. ` +
    `A criterion passes when p &lt; α with the predicted sign, fails when its whole confidence interval falls short of the ` +
    `smallest effect of interest, and is otherwise inconclusive; a claim is reproduced when all its criteria pass, ` +
    `partly when some do, not reproduced when none pass and one fails, inconclusive otherwise (docs/verdicts.md).</p>` +
    (p.notes.length ? `<ul>${p.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "") +
    `<table class="skiplab-table"><thead><tr><th>id</th><th>figure</th><th>claim</th><th>criteria</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></div>` +
    `<script type="application/json" class="${PREREG_MARKER}">${json}</script>`
  );
}

/** Shows the registration in the notebook (and prints it outside one). */
export function showPreregistration(p: Preregistration): void {
  const plain = [
    `Pre-registration ${p.notebook} (${p.scale}, ${preregFingerprint(p)}): exploration seeds ${seedText(p.seeds.exploration)}, confirmation seeds ${seedText(p.seeds.confirmation)}`,
    ...p.claims.map((c) => `${c.id} [${c.kind}] ${c.claim}: ${c.criteria.map(criterionText).join("; ")}`),
  ].join("\n");
  showHtml(preregistrationHtml(p), plain);
}

/** What the claim code measured on one seed set: an estimate per (claim id, criterion id), and extra numbers. */
export interface Measured {
  estimates: Record<string, Record<string, EffectEstimate>>;
  /** Descriptive numbers shown with a claim (means, counts), by claim id. */
  numbers?: Record<string, Record<string, number | string>>;
}

export interface EvaluatedCriterion {
  id: string;
  estimate: EffectEstimate;
  outcome: Outcome;
}

/** Evaluates a registration on one seed set's measurements; every registered criterion must have an estimate. */
export function evaluateClaims(p: Preregistration, m: Measured): ClaimCheck[] {
  checkPreregistration(p);
  const evaluated = new Map<string, { verdict: Verdict; criteria: EvaluatedCriterion[] }>();
  const fingerprint = preregFingerprint(p);
  for (const c of p.claims) {
    if (c.notTested) {
      evaluated.set(c.id, { verdict: "not tested", criteria: [] });
      continue;
    }
    const criteria = c.criteria.map((k) => {
      const e = m.estimates[c.id]?.[k.id];
      if (!e) throw new Error(`evaluateClaims: no estimate for claim ${c.id}, criterion ${k.id} (${k.estimate})`);
      return { id: k.id, estimate: e, outcome: judge(e, k.expect) };
    });
    evaluated.set(c.id, { verdict: claimVerdict(criteria.map((k) => k.outcome)), criteria });
  }
  return p.claims.map((c) => {
    const ev = evaluated.get(c.id)!;
    let verdict = ev.verdict;
    let note = "";
    if (c.manipulation && verdict !== "not tested") {
      const m2 = evaluated.get(c.manipulation)!;
      if (m2.verdict !== "reproduced") {
        verdict = "inconclusive";
        note = ` — inconclusive: sanity check ${c.manipulation} (the manipulation) is ${m2.verdict}`;
      }
    }
    const numbers: Record<string, number | string> = {};
    for (const k of ev.criteria) {
      const e = k.estimate;
      numbers[k.id] = `${fmt(e.estimate)} [${fmt(e.lo)}, ${fmt(e.hi)}], p = ${fmt(e.p)} → ${k.outcome}`;
    }
    Object.assign(numbers, m.numbers?.[c.id] ?? {});
    return {
      id: c.id,
      kind: c.kind,
      figure: c.figure,
      claim: c.claim,
      source: c.source,
      criterion:
        (c.notTested ? `not tested: ${c.notTested}. Registered: ` : "") +
        c.criteria.map((k) => `${k.id}: ${criterionText(k)}`).join("; ") +
        (c.manipulation ? `; inconclusive unless sanity check ${c.manipulation} holds` : "") +
        note,
      verdict,
      numbers,
      preregistration: fingerprint,
      tests: Object.fromEntries(ev.criteria.map((k) => [k.id, k.estimate.test])),
    };
  });
}

/**
 * The verdicts of a registration: `measure` is called with the exploration seeds and with the confirmation seeds;
 * the confirmation claims are returned, each carrying the exploration verdict and numbers.
 */
export function confirmClaims(
  p: Preregistration,
  measure: (seeds: readonly number[], phase: "exploration" | "confirmation") => Measured,
): ClaimCheck[] {
  const confirmation = evaluateClaims(p, measure(p.seeds.confirmation, "confirmation"));
  if (p.seeds.exploration.length === 0) return confirmation;
  const exploration = evaluateClaims(p, measure(p.seeds.exploration, "exploration"));
  return confirmation.map((c, i) => ({
    ...c,
    exploration: { verdict: exploration[i].verdict, numbers: exploration[i].numbers },
  }));
}
