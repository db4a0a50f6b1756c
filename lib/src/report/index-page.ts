/**
 * The report's index page: every notebook with its claims, verdicts, scale, backend and run time, linking to the
 * executed notebook rendered as HTML. Pure: (results) → HTML string.
 */
import { escapeHtml } from "../display/html";
import { ClaimsRecord, explorationCell, formatClaimNumber, verdictColor } from "./claims";
import { VERDICTS } from "./verdict";

export type NotebookStatus = "ok" | "failed" | "pending";

export interface NotebookResult {
  /** File stem, e.g. "01-toy-model-ghosts". */
  name: string;
  /** First heading of the notebook. */
  title: string;
  status: NotebookStatus;
  scale: string;
  /** Seconds of execution, when it ran. */
  seconds?: number;
  /** Relative link to the rendered notebook. */
  html?: string;
  /** Relative link to the executed .ipynb. */
  ipynb?: string;
  claims: ClaimsRecord[];
  /** What went wrong, for a failed notebook. */
  error?: string;
}

export interface ReportMeta {
  generated: string;
  scale: string;
  commit: string;
  machine: string;
  command: string;
  /** The PDF step, when --pdf asked for one. */
  pdf?: { status: "ok"; path: string } | { status: "failed"; error: string };
}

const STYLE = `
body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} .meta{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:1em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.45em .6em;vertical-align:top;text-align:left} th{background:#f4f4f4}
.verdict{font-weight:bold;white-space:nowrap} pre{white-space:pre-wrap;background:#fff4f4;border:1px solid #f0caca;padding:.6em;font-size:.85em;max-height:20em;overflow:auto}
.status-failed{color:#cf222e;font-weight:bold} .status-pending{color:#666} small{color:#666}
@media print{body{margin:0;max-width:none} a{color:#222}}
`;

export function renderIndex(results: NotebookResult[], meta: ReportMeta): string {
  const rows = results
    .map((r) => {
      const link = r.html ? `<a href="${escapeHtml(r.html)}">${escapeHtml(r.title)}</a>` : escapeHtml(r.title);
      const ipynb = r.ipynb ? ` <small>(<a href="${escapeHtml(r.ipynb)}">.ipynb</a>)</small>` : "";
      // paper claims first, then the notebook's sanity checks (marked), each group in the notebook's order
      const all = r.claims.flatMap((c) => c.checks.map((k) => ({ rec: c, k })));
      const checks = [...all.filter((x) => x.k.kind !== "sanity"), ...all.filter((x) => x.k.kind === "sanity")];
      const backend = Array.from(new Set(r.claims.map((c) => c.backend))).join(", ") || "—";
      const time = r.seconds !== undefined ? `${r.seconds.toFixed(1)} s` : "—";
      const head = `<td rowspan="${Math.max(1, checks.length)}">${link}${ipynb}<br><small>${escapeHtml(r.name)}</small></td>`;
      const tail = `<td rowspan="${Math.max(1, checks.length)}">${escapeHtml(r.scale)}</td><td rowspan="${Math.max(1, checks.length)}">${escapeHtml(backend)}</td><td rowspan="${Math.max(1, checks.length)}">${time}</td>`;
      if (r.status !== "ok" || checks.length === 0) {
        const msg =
          r.status === "failed"
            ? `<span class="status-failed">FAILED</span><pre>${escapeHtml(r.error ?? "unknown error")}</pre>`
            : r.status === "pending"
              ? `<span class="status-pending">not run yet</span>`
              : `<span class="status-failed">no claim check found in the executed notebook</span>`;
        return `<tr>${head}<td colspan="3">${msg}</td><td class="verdict" style="color:${verdictColor(r.status === "ok" ? "not reproduced" : r.status)}">${r.status === "ok" ? "—" : r.status}</td><td>—</td>${tail}</tr>`;
      }
      return checks
        .map(({ rec, k }, i) => {
          const sanity = k.kind === "sanity" ? `<b>sanity check</b> (ours, not a paper claim) · ` : "";
          const cells =
            `<td>${sanity}${escapeHtml(k.id ? `${k.id} · ` : "")}${escapeHtml(k.figure)}: ${escapeHtml(k.claim)}<br><small>source: ${escapeHtml(k.source)} · data: ${escapeHtml(rec.dataset)} · seeds: ${escapeHtml(rec.seeds)}</small></td>` +
            `<td>${escapeHtml(k.criterion)}</td><td>${Object.entries(k.numbers)
              .map(([n, v]) => `${escapeHtml(n)} = ${formatClaimNumber(v)}`)
              .join("<br>")}</td>` +
            `<td class="verdict" style="color:${verdictColor(k.verdict)}">${k.verdict}</td>` +
            explorationCell(k);
          return `<tr>${i === 0 ? head : ""}${cells}${i === 0 ? tail : ""}</tr>`;
        })
        .join("");
    })
    .join("\n");
  const checks = results.flatMap((r) => r.claims.flatMap((c) => c.checks));
  const tallyOf = (list: typeof checks) =>
    VERDICTS.filter((v) => v !== "not tested" || list.some((k) => k.verdict === v))
      .map((v) => `${list.filter((k) => k.verdict === v).length} ${v}`)
      .join(" · ");
  const paper = checks.filter((k) => k.kind !== "sanity");
  const sanity = checks.filter((k) => k.kind === "sanity");
  const differ = checks.filter((k) => k.exploration && k.exploration.verdict !== k.verdict).length;
  const tally =
    tallyOf(paper) +
    (sanity.length ? `. Sanity checks (ours): ${tallyOf(sanity)}` : "") +
    (differ ? `. <b>${differ} verdict(s) differ between exploration and confirmation seeds</b>` : "");
  const failed = results.filter((r) => r.status === "failed").length;
  const pdf = meta.pdf?.status === "failed" ? `<p class="status-failed">The PDF could not be made:</p><pre>${escapeHtml(meta.pdf.error)}</pre>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>skip-singularities — reproduction report</title><style>${STYLE}</style></head>
<body>
<h1>skip-singularities — reproduction report</h1>
<p class="meta">Scale <b>${escapeHtml(meta.scale)}</b> · generated ${escapeHtml(meta.generated)} · commit ${escapeHtml(meta.commit)} · ${escapeHtml(meta.machine)}<br>
Command: <code>${escapeHtml(meta.command)}</code></p>
<p>Paper claims: ${tally}.${failed ? ` <span class="status-failed">${failed} notebook(s) failed.</span>` : ""} Each verdict is computed by the notebook's claim-check cell from the numbers shown, by criteria registered before the runs; where a notebook has exploration and confirmation seeds, the verdict is the confirmation seeds' (nothing was tuned on them) and the exploration verdict is shown beside it. Setups marked PROPOSED are ours, not the papers' (see each notebook's "paper vs ours" table).</p>
${pdf}
<table><thead><tr><th>notebook</th><th>claim</th><th>criterion</th><th>numbers</th><th>verdict</th><th>exploration seeds</th><th>scale</th><th>backend</th><th>run time</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
