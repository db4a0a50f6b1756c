/**
 * Claim checks and "paper vs ours" tables: what each notebook ends with.
 *
 * A claim check is data: the claim, where it comes from, an explicit criterion, the numbers, and a verdict the
 * code derived from them. `reportClaims` shows it as a table and embeds the same JSON in the output
 * (`<script type="application/json" class="skiplab-claims">`), where `npm run reproduce` reads it back from the
 * executed notebook to build the report's index. No side files: the executed notebook is the record.
 */
import { escapeHtml, showHtml, TABLE_STYLE } from "../display/html";
import { type Verdict, VERDICTS } from "./verdict";

export type { Verdict } from "./verdict";

export interface ClaimCheck {
  /** Paper figure id, e.g. "P1 Fig. B". */
  figure: string;
  /** The claim in one sentence. */
  claim: string;
  /** Provenance of the claim (docs/spec/ tag), e.g. "FOUND: v5–v7 abstract". */
  source: string;
  /** The test applied, stated so a reader can re-check it from the numbers. */
  criterion: string;
  verdict: Verdict;
  /** The numbers the verdict was derived from. */
  numbers: Record<string, number | string>;
  /** The pre-registered claim id (report/prereg.ts), when the claim was registered. */
  id?: string;
  /** "paper" (default): a claim of the paper; "sanity": an identity or manipulation check, reported apart. */
  kind?: "paper" | "sanity";
  /** Fingerprint of the pre-registration the verdict was evaluated under. */
  preregistration?: string;
  /** The test behind each criterion, by criterion id. */
  tests?: Record<string, string>;
  /** The same registered criteria on the exploration seeds (the verdict above is the confirmation seeds'). */
  exploration?: { verdict: Verdict; numbers: Record<string, number | string> };
}

export interface ClaimsMeta {
  notebook: string;
  dataset: string;
  scale: string;
  seeds: string;
  backend: string;
}

export interface ClaimsRecord extends ClaimsMeta {
  checks: ClaimCheck[];
}

const VERDICT_COLORS: Record<Verdict, string> = {
  reproduced: "#1a7f37",
  "partly reproduced": "#b58900",
  "not reproduced": "#cf222e",
  inconclusive: "#5a32a3",
  "not tested": "#666",
};

export function verdictColor(v: Verdict | "failed" | "pending"): string {
  return (VERDICT_COLORS as Record<string, string>)[v] ?? (v === "failed" ? "#cf222e" : "#666");
}

/**
 * One claim number as text. NaN and ±Infinity become null in the JSON the report reads back, so null is shown as
 * "n/a" (not a number).
 */
export function formatClaimNumber(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return "n/a";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(4) : String(v);
  return escapeHtml(v);
}

/** Marker the report builder searches for in executed notebooks. */
export const CLAIMS_MARKER = "skiplab-claims";

/** The HTML of a claims block (visible table + embedded JSON record). */
export function claimsHtml(record: ClaimsRecord): string {
  const fmt = formatClaimNumber;
  const explored = record.checks.some((c) => c.exploration);
  const row = (c: ClaimCheck) =>
    `<tr><td>${escapeHtml(c.id ? `${c.id} · ` : "")}${escapeHtml(c.figure)}</td><td>${escapeHtml(c.claim)}<br><small>source: ${escapeHtml(c.source)}</small></td>` +
    `<td>${escapeHtml(c.criterion)}</td><td>${Object.entries(c.numbers)
      .map(([k, v]) => `${escapeHtml(k)} = ${fmt(v)}`)
      .join("<br>")}</td>` +
    `<td style="color:${verdictColor(c.verdict)};font-weight:bold">${c.verdict}</td>` +
    (explored ? explorationCell(c) : "") +
    `</tr>`;
  const head =
    `<thead><tr><th>figure</th><th>claim</th><th>criterion</th><th>numbers</th><th>verdict${explored ? " (confirmation seeds)" : ""}</th>` +
    `${explored ? "<th>exploration seeds</th>" : ""}</tr></thead>`;
  const paper = record.checks.filter((c) => c.kind !== "sanity");
  const sanity = record.checks.filter((c) => c.kind === "sanity");
  const rows = paper.map(row).join("");
  const json = JSON.stringify(record).replace(/<\//g, "<\\/");
  const problems = claimProblems([JSON.parse(JSON.stringify(record)) as ClaimsRecord]);
  return (
    TABLE_STYLE +
    `<div class="skiplab-claims-block"><p><b>Claim check</b> — data: ${escapeHtml(record.dataset)} · scale: ${escapeHtml(record.scale)} · ` +
    `seeds: ${escapeHtml(record.seeds)} · backend: ${escapeHtml(record.backend)}</p>` +
    (paper.length
      ? `<table class="skiplab-table">${head}<tbody>${rows}</tbody></table>`
      : `<p>No claim of the paper is tested here: only the sanity checks below.</p>`) +
    (sanity.length
      ? `<p><b>Sanity checks</b> (identities and manipulation checks of ours; not claims of the paper)</p>` +
        `<table class="skiplab-table">${head}<tbody>${sanity.map(row).join("")}</tbody></table>`
      : "") +
    (problems.length ? `<p style="color:${verdictColor("failed")}"><b>This claim check is not usable:</b> ${problems.map(escapeHtml).join("; ")}</p>` : "") +
    `</div>` +
    `<script type="application/json" class="${CLAIMS_MARKER}">${json}</script>`
  );
}

/** The exploration seeds' verdict, flagged when it differs from the confirmation verdict. */
export function explorationCell(c: ClaimCheck): string {
  if (!c.exploration) return "<td>—</td>";
  const differs = c.exploration.verdict !== c.verdict;
  const nums = Object.entries(c.exploration.numbers)
    .map(([k, v]) => `${escapeHtml(k)} = ${formatClaimNumber(v)}`)
    .join("<br>");
  return (
    `<td><span style="color:${verdictColor(c.exploration.verdict)};font-weight:bold">${c.exploration.verdict}</span>` +
    (differs ? ` <b style="color:#cf222e">⚠ differs</b>` : "") +
    `<details><summary><small>numbers</small></summary><small>${nums}</small></details></td>`
  );
}

/** Shows the claim checks in the notebook (and prints them outside one). */
export function reportClaims(checks: ClaimCheck[], meta: ClaimsMeta): void {
  const record: ClaimsRecord = { ...meta, checks };
  const plain = checks
    .map(
      (c) =>
        `[${c.verdict}${c.exploration ? `; exploration: ${c.exploration.verdict}` : ""}]${c.kind === "sanity" ? " (sanity)" : ""} ${c.figure}: ${c.claim} — ${c.criterion}; ${JSON.stringify(c.numbers)}`,
    )
    .join("\n");
  showHtml(claimsHtml(record), plain);
}

/** Extracts every claims record embedded in an HTML text (one notebook output, or a whole exported page). */
export function extractClaims(html: string): ClaimsRecord[] {
  const re = new RegExp(`<script type="application/json" class="${CLAIMS_MARKER}">([\\s\\S]*?)</script>`, "g");
  return Array.from(html.matchAll(re), (m) => JSON.parse(m[1].replace(/<\\\//g, "</")) as ClaimsRecord);
}


/**
 * What makes an executed notebook's claims unusable, one line each (empty when they are fine): no claim check at all,
 * a verdict that is not one of the three, or a claim number that is not finite. NaN and ±Infinity come back from the
 * embedded JSON as null and would show as "n/a": a number the verdict cannot have been honestly derived from. A
 * result that really is infinite (a singular matrix's condition number) is reported as a string, e.g. "∞".
 */
export function claimProblems(records: ClaimsRecord[]): string[] {
  const checks = records.flatMap((r) => r.checks);
  if (checks.length === 0) return ["no claim check: the notebook never called reportClaims([...]), or its output was lost"];
  const problems: string[] = [];
  for (const c of checks) {
    const where = `${c.figure}, claim "${c.claim.length > 80 ? c.claim.slice(0, 77) + "..." : c.claim}"`;
    if (!(VERDICTS as readonly string[]).includes(c.verdict)) problems.push(`${where}: verdict ${JSON.stringify(c.verdict)} is not one of ${VERDICTS.join(", ")}`);
    for (const [k, v] of Object.entries(c.numbers ?? {})) {
      if (typeof v === "string") continue;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        problems.push(`${where}: number "${k}" is ${v === null ? "NaN or ±Infinity (null after JSON)" : typeof v === "number" ? String(v) : JSON.stringify(v)}, not a finite number`);
      }
    }
  }
  return problems;
}

export interface PaperVsOursRow {
  setting: string;
  paper: string;
  ours: string;
  /** True where the value is our choice (PROPOSED / not found in the paper), not the paper's. */
  ourChoice: boolean;
}

/** The "paper vs ours" table; settings that are ours are marked. */
export function paperVsOursHtml(rows: PaperVsOursRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.setting)}</td><td>${escapeHtml(r.paper)}</td><td>${escapeHtml(r.ours)}</td>` +
        `<td>${r.ourChoice ? "<b>ours</b> (not the paper's)" : "paper"}</td></tr>`,
    )
    .join("");
  return `${TABLE_STYLE}<table class="skiplab-table"><thead><tr><th>setting</th><th>paper</th><th>ours</th><th>whose value</th></tr></thead><tbody>${body}</tbody></table>`;
}

export function showPaperVsOurs(rows: PaperVsOursRow[]): void {
  showHtml(paperVsOursHtml(rows), rows.map((r) => `${r.setting}: paper=${r.paper}; ours=${r.ours}${r.ourChoice ? " (ours)" : ""}`).join("\n"));
}
