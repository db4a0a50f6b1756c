/**
 * The report's index page, built to be scanned in a minute: a verdict overview per paper (stacked bars, paper claims
 * and sanity checks apart), then one card per notebook with a thumbnail of its first figure linking to the rendered
 * notebook, its scale, backend, run time, when and at which commit it was produced, and one row per claim (verdict
 * badge, key number, whether the exploration seeds disagree; the full claim, criterion and numbers on expand).
 * Static: no script, no network; it works from file:// and prints to PDF. Pure: (results, meta) → HTML string.
 */
import { escapeHtml } from "../display/html";
import { ClaimCheck, ClaimsRecord, explorationCell, formatClaimNumber, verdictColor } from "./claims";
import { Verdict, VERDICTS } from "./verdict";

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
  /** What went wrong, for a failed notebook (the failing cell, its source and its whole error). */
  error?: string;
  /** The failing cell's error in one to three lines, e.g. "cell 4: Error: cifar100 (train) is not available here…". */
  reason?: string;
  /** When this entry was produced (ISO time): an `--only` run keeps the other notebooks' entries from earlier runs. */
  generated?: string;
  /** The git commit this entry was produced at. */
  commit?: string;
  /** Relative link to a PNG of the notebook's first figure (thumbs/<name>.png). */
  thumb?: string;
}

/** What an `--only` run did with the report folder's earlier entries. */
export interface MergeInfo {
  /** Entries kept from earlier runs. */
  kept: string[];
  /** Entries this run replaced. */
  replaced: string[];
  /** Entries dropped: their notebook is no longer in notebooks/. */
  dropped: string[];
  /** What the reader should know (a damaged summary.json, a dropped entry), one sentence each. */
  notes: string[];
}

export interface ReportMeta {
  /** When the last run wrote the report. */
  generated: string;
  /** The last run's scale (each entry carries its own). */
  scale: string;
  commit: string;
  machine: string;
  command: string;
  /** The PDF step, when --pdf asked for one. */
  pdf?: { status: "ok"; path: string } | { status: "failed"; error: string };
  /** Set when the last run merged into an earlier report (`--only`). */
  merge?: MergeInfo;
}

/** "P1", "P2", … from a claim's figure field ("P1 Fig. C", "P2 Theorem 2", "P1 v3-D"); "other" when it names none. */
export function paperOf(figure: string): string {
  const m = /^\s*P(\d+)\b/.exec(figure ?? "");
  return m ? `P${m[1]}` : "other";
}

const PAPER_NAMES: Record<string, string> = {
  P1: "Orhan & Pitkow, ICLR 2018",
  P2: "Oyedotun et al., TNNLS 2022",
  P3: "Wang et al., IJCAI 2020",
};

function paperLabel(p: string): string {
  return p === "other" ? "Other" : `Paper ${p.slice(1)}`;
}

export interface VerdictCounts {
  claims: Record<Verdict, number>;
  sanity: Record<Verdict, number>;
}

const zero = (): Record<Verdict, number> => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;

/** Verdict counts per paper (derived from each claim's figure field), paper claims and sanity checks apart. */
export function verdictCounts(results: NotebookResult[]): Map<string, VerdictCounts> {
  const out = new Map<string, VerdictCounts>();
  for (const r of results)
    for (const c of r.claims)
      for (const k of c.checks) {
        const p = paperOf(k.figure);
        if (!out.has(p)) out.set(p, { claims: zero(), sanity: zero() });
        const bucket = out.get(p)![k.kind === "sanity" ? "sanity" : "claims"];
        if (k.verdict in bucket) bucket[k.verdict] += 1;
      }
  return new Map(
    [...out.entries()].sort(([a], [b]) =>
      a === "other" ? 1 : b === "other" ? -1 : Number(a.slice(1)) - Number(b.slice(1)),
    ),
  );
}

/**
 * The key number of a claim: its first criterion's estimate with its interval (from the claim's numbers, as
 * report/prereg.ts writes them: "0.302 [0.264, 0.341], p = 9.94e-8 → pass"), else the first number shown.
 */
export function keyNumber(k: ClaimCheck): { label: string; value: string; p?: string; outcome?: string } | null {
  const numbers = k.numbers ?? {};
  const first = Object.keys(k.tests ?? {}).find((id) => id in numbers) ?? Object.keys(numbers)[0];
  if (first === undefined) return null;
  const v = numbers[first];
  if (typeof v === "string") {
    const m = /^(.*\])\s*,\s*p\s*=\s*(\S+)\s*→\s*(\S+)\s*$/.exec(v);
    if (m) return { label: first, value: m[1], p: m[2], outcome: m[3] };
    return { label: first, value: v };
  }
  return { label: first, value: formatClaimNumber(v) };
}

/** "2026-12-06 17:25 UTC" from an ISO time; the text as it is when it is not one. */
export function shortTime(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function shorten(s: string, n: number): string {
  if (s.length <= n) return s;
  const cut = s.slice(0, n);
  const at = cut.lastIndexOf(" ");
  return `${(at > n * 0.6 ? cut.slice(0, at) : cut).replace(/[\s,;:.–—-]+$/, "")}…`;
}

const SCALE_COLORS: Record<string, string> = {
  smoke: "#6e7781",
  quick: "#0969da",
  standard: "#1b7c83",
  paper: "#8250df",
};

const STYLE = `
*{box-sizing:border-box}
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:1.5em auto;max-width:1240px;color:#1f2328;padding:0 1.2em;line-height:1.4}
h1{font-size:1.5em;margin:0 0 .2em} h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #d8dee4;padding-bottom:.2em}
a{color:#0969da;text-decoration:none} a:hover{text-decoration:underline}
.meta{color:#57606a;font-size:.86em;margin:.2em 0} code{font-size:.92em;background:#f6f8fa;padding:0 .25em;border-radius:3px}
.note{background:#fff8c5;border:1px solid #eed888;border-radius:6px;padding:.45em .7em;font-size:.88em;margin:.6em 0}
.failures{background:#fff1f0;border:1px solid #f0caca;border-radius:6px;padding:.5em .8em;margin:.8em 0;font-size:.9em}
.failures ul{margin:.3em 0;padding-left:1.2em} .failures li{margin:.15em 0}
.reason{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;white-space:pre-wrap;color:#82071e}
.papers{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:.8em 1.6em}
.paper h3{font-size:1em;margin:.2em 0} .paper h3 small{color:#57606a;font-weight:normal}
.paper svg{display:block} .paper svg text{font-size:11px;font-family:inherit}
.legend{font-size:.82em;color:#57606a;margin:.2em 0 .6em} .legend span{display:inline-block;margin-right:1em}
.legend i{display:inline-block;width:.85em;height:.85em;border-radius:2px;margin-right:.3em;vertical-align:-.1em}
.tally{font-size:.82em;color:#57606a;margin:.4em 0 0}
.nb{display:grid;grid-template-columns:250px 1fr;gap:1em;border:1px solid #d8dee4;border-radius:8px;padding:.8em;margin:.8em 0;break-inside:avoid}
.thumb img{width:240px;border:1px solid #d8dee4;border-radius:4px;display:block;background:#fff}
.thumb .none{width:240px;height:150px;border:1px dashed #d0d7de;border-radius:4px;display:flex;align-items:center;justify-content:center;color:#8c959f;font-size:.85em}
.nb h3{font-size:1.02em;margin:0 0 .15em}
.pill{display:inline-block;border-radius:10px;padding:.05em .55em;font-size:.78em;font-weight:600;color:#fff;white-space:nowrap;vertical-align:.08em}
.scale{border-radius:4px}
table.claims{border-collapse:collapse;width:100%;margin:.5em 0 0;font-size:.86em;table-layout:fixed}
table.claims td{border-top:1px solid #eaeef2;padding:.3em .45em;vertical-align:top}
table.claims td.id{color:#57606a;width:6em} table.claims td.v{width:9.5em} table.claims td.key{width:14em}
table.claims td.ex{width:7.5em;font-size:.92em} table.claims td{overflow-wrap:anywhere}
tr.sanity td{color:#57606a} tr.sanity .pill{opacity:.8}
.tag{font-size:.75em;border:1px solid #d0d7de;border-radius:3px;padding:0 .3em;color:#57606a}
.num{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em} .iv{white-space:nowrap} td.key small{font-size:.85em}
details summary{cursor:pointer} details .full{margin:.3em 0 .2em;color:#1f2328;font-size:.95em}
details .full p{margin:.2em 0} pre{white-space:pre-wrap;background:#fff4f4;border:1px solid #f0caca;padding:.6em;font-size:.8em;max-height:22em;overflow:auto}
.status-failed{color:#cf222e;font-weight:bold} .status-pending{color:#57606a} small{color:#57606a}
.differs{color:#cf222e;font-weight:600} .same{color:#8c959f}
.howto{font-size:.82em;color:#57606a}
@media print{body{margin:0;max-width:none} a{color:#1f2328} .nb{break-inside:avoid}}
`;

const VERDICT_SHORT: Record<Verdict, string> = {
  reproduced: "reproduced",
  "partly reproduced": "partly",
  "not reproduced": "not reproduced",
  inconclusive: "inconclusive",
  "not tested": "not tested",
};

function badge(v: Verdict | "failed" | "pending", text: string = v): string {
  return `<span class="pill verdict" style="background:${verdictColor(v)}">${escapeHtml(text)}</span>`;
}

/** One stacked bar (SVG) of verdict counts, scaled so `max` claims fill `width` pixels. */
function stackedBar(label: string, counts: Record<Verdict, number>, max: number, width = 230): string {
  const total = VERDICTS.reduce((s, v) => s + counts[v], 0);
  const labelW = 112;
  const h = 20;
  let x = labelW;
  const segs = VERDICTS.filter((v) => counts[v] > 0)
    .map((v) => {
      const w = Math.max(2, (counts[v] / Math.max(1, max)) * width);
      const seg =
        `<rect x="${x.toFixed(1)}" y="2" width="${w.toFixed(1)}" height="${h - 4}" fill="${verdictColor(v)}"><title>${counts[v]} ${v}</title></rect>` +
        (w >= 16
          ? `<text x="${(x + w / 2).toFixed(1)}" y="${h / 2 + 4}" text-anchor="middle" fill="#fff" font-weight="600">${counts[v]}</text>`
          : "");
      x += w;
      return seg;
    })
    .join("");
  const empty = total === 0 ? `<text x="${labelW}" y="${h / 2 + 4}" fill="#8c959f">none</text>` : "";
  return (
    `<svg width="${labelW + width + 8}" height="${h}" role="img" aria-label="${escapeHtml(`${label}: ${VERDICTS.map((v) => `${counts[v]} ${v}`).join(", ")}`)}">` +
    `<text x="0" y="${h / 2 + 4}" fill="#1f2328">${escapeHtml(label)} (${total})</text>${segs}${empty}</svg>`
  );
}

function tallyText(counts: Record<Verdict, number>): string {
  return VERDICTS.filter((v) => counts[v] > 0)
    .map((v) => `${counts[v]} ${VERDICT_SHORT[v]}`)
    .join(" · ");
}

function overview(results: NotebookResult[]): string {
  const per = verdictCounts(results);
  if (per.size === 0) return `<p class="meta">No claim checks yet.</p>`;
  const max = Math.max(
    1,
    ...[...per.values()].flatMap((c) => [c.claims, c.sanity].map((x) => VERDICTS.reduce((s, v) => s + x[v], 0))),
  );
  const legend = `<div class="legend">${VERDICTS.map((v) => `<span><i style="background:${verdictColor(v)}"></i>${v}</span>`).join("")}</div>`;
  const blocks = [...per.entries()]
    .map(([p, c]) => {
      const name = PAPER_NAMES[p] ? ` <small>${escapeHtml(PAPER_NAMES[p])}</small>` : "";
      const tally = [
        tallyText(c.claims) && `claims: ${tallyText(c.claims)}`,
        tallyText(c.sanity) && `sanity: ${tallyText(c.sanity)}`,
      ]
        .filter(Boolean)
        .join("<br>");
      return (
        `<div class="paper" data-paper="${p}"><h3>${paperLabel(p)}${name}</h3>` +
        stackedBar("paper claims", c.claims, max) +
        stackedBar("sanity checks", c.sanity, max) +
        `<p class="tally">${tally}</p></div>`
      );
    })
    .join("");
  return `${legend}<div class="papers">${blocks}</div>`;
}

/** "0.302 [0.264, 0.341]" with the interval kept on one line (it may wrap after the estimate). */
function intervalHtml(value: string): string {
  const m = /^(\S+)\s+(\[[^\]]*\])$/.exec(value);
  return m ? `${escapeHtml(m[1])} <span class="iv">${escapeHtml(m[2])}</span>` : escapeHtml(value);
}

function claimRow(rec: ClaimsRecord, k: ClaimCheck): string {
  const sanity = k.kind === "sanity";
  const full = k.claim ?? "";
  const short = shorten(full, 110);
  const key = keyNumber(k);
  const keyHtml = key
    ? `<span class="num">${intervalHtml(key.value)}</span><br><small title="${escapeHtml(key.label)}">${escapeHtml(shorten(key.label, 28))}${
        key.p !== undefined ? ` · p ${escapeHtml(key.p)}${key.outcome ? ` · ${escapeHtml(key.outcome)}` : ""}` : ""
      }</small>`
    : `<small>—</small>`;
  let ex = `<span class="same">—</span>`;
  if (k.exploration) {
    ex =
      k.exploration.verdict !== k.verdict
        ? `<span class="differs" title="the exploration seeds' verdict differs">⚠ differs</span><br>${badge(k.exploration.verdict, VERDICT_SHORT[k.exploration.verdict] ?? k.exploration.verdict)}`
        : `<span class="same" title="exploration seeds: ${escapeHtml(k.exploration.verdict)}">same</span>`;
  }
  const numbers = Object.entries(k.numbers ?? {})
    .map(([n, v]) => `${escapeHtml(n)} = ${formatClaimNumber(v)}`)
    .join("<br>");
  const tests = Object.entries(k.tests ?? {})
    .map(([n, t]) => `${escapeHtml(n)}: ${escapeHtml(t)}`)
    .join("<br>");
  const details =
    `<div class="full">` +
    (sanity ? `<p><b>sanity check</b> (ours, not a paper claim)</p>` : "") +
    `<p>${escapeHtml(k.figure)}: ${escapeHtml(full)}</p>` +
    `<p><small>criterion:</small> ${escapeHtml(k.criterion ?? "")}</p>` +
    `<p><small>numbers:</small><br><span class="num">${numbers || "—"}</span></p>` +
    (tests ? `<p><small>tests:</small><br>${tests}</p>` : "") +
    (k.exploration ? `<table><tr><td><small>exploration seeds:</small></td>${explorationCell(k)}</tr></table>` : "") +
    `<p><small>source: ${escapeHtml(k.source ?? "")} · data: ${escapeHtml(rec.dataset ?? "")} · seeds: ${escapeHtml(rec.seeds ?? "")}</small></p>` +
    `</div>`;
  return (
    `<tr class="claim-row${sanity ? " sanity" : ""}" data-verdict="${escapeHtml(k.verdict)}">` +
    `<td class="id">${escapeHtml(k.id ?? "")}${sanity ? ` <span class="tag">sanity</span>` : ""}</td>` +
    `<td class="claim" title="${escapeHtml(full)}"><details><summary>${escapeHtml(short)}</summary>${details}</details></td>` +
    `<td class="v">${badge(k.verdict)}</td><td class="key">${keyHtml}</td><td class="ex">${ex}</td></tr>`
  );
}

function notebookCard(r: NotebookResult, meta: ReportMeta, mixed: boolean): string {
  const title = r.html ? `<a href="${escapeHtml(r.html)}">${escapeHtml(r.title)}</a>` : escapeHtml(r.title);
  const thumb = r.thumb
    ? `<img src="${escapeHtml(r.thumb)}" alt="first figure of ${escapeHtml(r.name)}" width="240" loading="lazy">`
    : `<div class="none">${r.status === "pending" ? "not run yet" : "no figure"}</div>`;
  const thumbHtml = r.html
    ? `<a class="thumb" href="${escapeHtml(r.html)}">${thumb}</a>`
    : `<div class="thumb">${thumb}</div>`;
  const backend = Array.from(new Set(r.claims.map((c) => c.backend))).join(", ") || "—";
  const time = r.seconds !== undefined ? `${r.seconds.toFixed(1)} s` : "—";
  const scaleColor = SCALE_COLORS[r.scale] ?? "#57606a";
  const links = [
    r.html ? `<a href="${escapeHtml(r.html)}">HTML</a>` : "",
    r.ipynb ? `<a href="${escapeHtml(r.ipynb)}">.ipynb</a>` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const commit = r.commit ?? meta.commit;
  const produced = r.status === "pending" ? "" : ` · produced ${escapeHtml(shortTime(r.generated ?? meta.generated))} at ${escapeHtml(commit)}`;
  const scaleHtml = mixed
    ? `<span class="pill scale" style="background:${scaleColor}">${escapeHtml(r.scale)}</span>`
    : `scale <b>${escapeHtml(r.scale)}</b>`;
  const metaLine = `<p class="meta">${escapeHtml(r.name)} · ${scaleHtml} · backend ${escapeHtml(backend)} · ${time}${produced}${links ? ` · ${links}` : ""}</p>`;
  const all = r.claims.flatMap((c) => c.checks.map((k) => ({ rec: c, k })));
  const checks = [...all.filter((x) => x.k.kind !== "sanity"), ...all.filter((x) => x.k.kind === "sanity")];
  let headBadge = "";
  let body = "";
  if (r.status === "failed") {
    headBadge = ` ${badge("failed", "FAILED")}`;
    body =
      `<p class="reason">${escapeHtml(r.reason ?? firstLines(r.error ?? "unknown error"))}</p>` +
      `<details><summary><small>the whole error</small></summary><pre>${escapeHtml(r.error ?? "unknown error")}</pre></details>`;
  } else if (r.status === "pending") {
    headBadge = ` <span class="status-pending">not run yet</span>`;
  } else if (checks.length === 0) {
    headBadge = ` <span class="status-failed">no claim check found in the executed notebook</span>`;
  }
  const table = checks.length
    ? `<table class="claims"><tbody>${checks.map(({ rec, k }) => claimRow(rec, k)).join("")}</tbody></table>`
    : "";
  return (
    `<section class="nb" id="nb-${escapeHtml(r.name)}" data-status="${r.status}">${thumbHtml}` +
    `<div class="body"><h3>${title}${headBadge}</h3>${metaLine}${body}${table}</div></section>`
  );
}

/** The first lines of a message, trimmed (for a failure reason). */
export function firstLines(s: string, n = 3): string {
  return s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .join("\n");
}

export function renderIndex(results: NotebookResult[], meta: ReportMeta): string {
  const checks = results.flatMap((r) => r.claims.flatMap((c) => c.checks));
  const tallyOf = (list: typeof checks) =>
    VERDICTS.filter((v) => v !== "not tested" || list.some((k) => k.verdict === v))
      .map((v) => `${list.filter((k) => k.verdict === v).length} ${v}`)
      .join(" · ");
  const paper = checks.filter((k) => k.kind !== "sanity");
  const sanity = checks.filter((k) => k.kind === "sanity");
  const differ = checks.filter((k) => k.exploration && k.exploration.verdict !== k.verdict).length;
  const tally =
    `All papers. Paper claims: ${tallyOf(paper)}` +
    (sanity.length ? `. Sanity checks (ours): ${tallyOf(sanity)}` : "") +
    (differ ? `. <b class="differs">${differ} verdict(s) differ between exploration and confirmation seeds</b>` : "");
  const failedList = results.filter((r) => r.status === "failed");
  const failed = failedList.length;
  const pdf =
    meta.pdf?.status === "failed"
      ? `<div class="failures"><span class="status-failed">The PDF could not be made:</span><pre>${escapeHtml(meta.pdf.error)}</pre></div>`
      : "";
  const failures = failed
    ? `<div class="failures"><span class="status-failed">${failed} notebook(s) failed.</span><ul>${failedList
        .map(
          (r) =>
            `<li><a href="#nb-${escapeHtml(r.name)}">${escapeHtml(r.name)}</a> <small>(${escapeHtml(r.scale)})</small><br><span class="reason">${escapeHtml(r.reason ?? firstLines(r.error ?? "unknown error"))}</span></li>`,
        )
        .join("")}</ul></div>`
    : "";
  // which runs the entries come from: an --only run keeps the others', each with its own scale and time
  const scales = new Map<string, string[]>();
  for (const r of results) scales.set(r.scale, [...(scales.get(r.scale) ?? []), r.name]);
  const mixed = scales.size > 1;
  const times = results
    .filter((r) => r.status !== "pending")
    .map((r) => r.generated ?? meta.generated)
    .sort();
  const commits = new Set(results.filter((r) => r.status !== "pending").map((r) => r.commit ?? meta.commit));
  const notes: string[] = [];
  if (mixed)
    notes.push(
      `This report mixes scales: ${[...scales.entries()]
        .map(([s, names]) => `<b>${escapeHtml(s)}</b> for ${names.length === 1 ? escapeHtml(names[0]) : `${names.length} notebooks`}`)
        .join(", ")}. Each notebook below says its own scale, run time, and when and at which commit it was produced.`,
    );
  else if (commits.size > 1 || (times.length > 1 && times[0].slice(0, 13) !== times[times.length - 1].slice(0, 13)))
    notes.push(
      `The notebooks come from more than one run (${commits.size} commit(s), ${escapeHtml(shortTime(times[0]))} – ${escapeHtml(shortTime(times[times.length - 1]))}); each notebook below says when and at which commit it was produced.`,
    );
  if (meta.merge) {
    const m = meta.merge;
    if (m.kept.length)
      notes.push(
        `The last run updated ${m.replaced.length ? escapeHtml(m.replaced.join(", ")) : "no notebook"} and kept ${m.kept.length} notebook(s) from earlier runs.`,
      );
    for (const n of m.notes) notes.push(escapeHtml(n));
  }
  const range =
    times.length > 1 && times[0] !== times[times.length - 1]
      ? `produced ${escapeHtml(shortTime(times[0]))} – ${escapeHtml(shortTime(times[times.length - 1]))}`
      : `generated ${escapeHtml(shortTime(meta.generated))}`;
  const cards = results.map((r) => notebookCard(r, meta, mixed)).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>skip-singularities — reproduction report</title><style>${STYLE}</style></head>
<body>
<h1>skip-singularities — reproduction report</h1>
<p class="meta">${results.length} notebook(s) · ${mixed ? `scales ${[...scales.keys()].map(escapeHtml).join(", ")}` : `scale <b>${escapeHtml(meta.scale)}</b>`} · ${range}${meta.pdf?.status === "ok" ? ` · <a href="${escapeHtml(meta.pdf.path)}">PDF</a>` : ""}<br>
Last run: <code>${escapeHtml(meta.command)}</code> · ${escapeHtml(shortTime(meta.generated))} · commit ${escapeHtml(meta.commit)} · ${escapeHtml(meta.machine)}</p>
${notes.map((n) => `<div class="note">${n}</div>`).join("\n")}
${failures}${pdf}
<h2>Verdicts</h2>
${overview(results)}
<p class="tally">${tally}.</p>
<p class="howto">Each verdict is computed by the notebook's claim-check cell from the numbers shown, by criteria registered before the runs; where a notebook has exploration and confirmation seeds, the verdict is the confirmation seeds' (nothing was tuned on them), and the last column says whether the exploration seeds' verdict differs. The key number is the first criterion's estimate with its 95 % interval. Click a claim for its full text, criterion and numbers. Setups marked PROPOSED are ours, not the papers' (see each notebook's "paper vs ours" table).</p>
<h2>Notebooks</h2>
${cards}
</body></html>
`;
}
