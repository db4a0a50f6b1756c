#!/usr/bin/env node
/**
 * CI's summary: one line per stage, then "N passed, N failed". Every stage counts what its own record says AND its
 * exit status, so a red run can never read "0 failed": a stage that exited non-zero counts at least one failure even
 * when its record is missing, unreadable or shows none (a failing beforeAll turns its tests into "skipped"; a test
 * file that throws on import has no tests; a PDF that fails after every notebook is ok has no notebook to blame).
 *
 *   node scripts/ci-summary.mjs STAGES.json      STAGES.json: [{ name, kind, rc, seconds, file?, reason? }, ...]
 *
 * kind: "vitest" (file: vitest's JSON report), "reproduce" (file: report/summary.json), "fresh" (file:
 * fresh-machine.json from scripts/check-fresh-machine.sh), "command" (rc only). A stage with `reason` was skipped.
 * Exit status: 0 when nothing failed, 1 otherwise.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

function readJson(file) {
  try {
    return { value: JSON.parse(readFileSync(file, "utf8")) };
  } catch (e) {
    return { error: `${file}: ${e.code === "ENOENT" ? "not written" : e.message}` };
  }
}

const time = (s) => (typeof s === "number" ? ` [${s < 90 ? `${s} s` : `${(s / 60).toFixed(1)} min`}]` : "");

/** One stage → { line, passed, failed }. */
export function stageSummary(stage) {
  const { name, kind, rc, seconds, file, reason } = stage;
  if (reason) return { line: `${name}: skipped: ${reason}${time(seconds)}`, passed: 0, failed: 0 };
  let passed = 0;
  let failed = 0;
  let detail;
  const rec = file ? readJson(file) : { value: null };
  if (rec.error) {
    detail = `no result (${rec.error})`;
  } else if (kind === "vitest") {
    const r = rec.value;
    // test files that failed with no failing test inside: a hook, an import, a collection error
    const outside = (r.testResults ?? []).filter(
      (f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"),
    );
    passed = r.numPassedTests ?? 0;
    failed = (r.numFailedTests ?? 0) + outside.length;
    detail =
      `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped` +
      (outside.length
        ? `; ${outside.length} test file(s) failed outside any test (hook, import or collection): ${outside.map((f) => f.name.replace(/^.*?\/tests\//, "tests/")).join(", ")}`
        : "");
  } else if (kind === "reproduce") {
    const s = rec.value;
    const ok = s.results.filter((r) => r.status === "ok");
    const bad = s.results.filter((r) => r.status !== "ok");
    passed = ok.length;
    failed = bad.length;
    detail = `notebooks ${ok.length} ok, ${bad.length} failed${bad.length ? ` (${bad.map((r) => r.name).join(", ")})` : ""}`;
    if (s.meta?.pdf) {
      if (s.meta.pdf.status === "ok") passed += 1;
      else failed += 1;
      detail += `; PDF ${s.meta.pdf.status === "ok" ? "ok" : `FAILED (${s.meta.pdf.error.split("\n")[0]})`}`;
    }
  } else if (kind === "fresh") {
    const f = rec.value;
    const parts = f.commands.map((c) => {
      if (c.exit === 0) passed += 1;
      else failed += 1;
      const what = c.notebooks
        ? `notebooks ${c.notebooks.ok}/${c.notebooks.total} ok`
        : c.tests
          ? `tests ${c.tests}`
          : "";
      return `'${c.command}' ${c.exit === 0 ? "passed" : `FAILED (exit ${c.exit})`} in ${c.seconds} s${what ? ` — ${what}` : ""}`;
    });
    const notRun = Object.entries(f.independentChecks ?? {})
      .filter(([, v]) => !v.ran)
      .map(([k]) => k);
    failed += notRun.length;
    detail = `commit ${f.commit}: ${parts.join("; ")}; independent checks ${notRun.length ? `NOT RUN: ${notRun.join(", ")}` : "all ran"}`;
  } else {
    detail = rc === 0 ? "ok" : "failed";
    if (rc === 0) passed = 1;
  }
  if (rc !== 0 && failed === 0) {
    failed = 1;
    detail += ` — but it exited ${rc}: see its output above`;
  }
  return { line: `${name}: ${detail}${time(seconds)}`, passed, failed };
}

export function ciSummary(stages) {
  const rows = stages.map(stageSummary);
  const passed = rows.reduce((s, r) => s + r.passed, 0);
  const failed = rows.reduce((s, r) => s + r.failed, 0);
  return { lines: rows.map((r) => `ci: ${r.line}`), passed, failed };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const stages = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const s = ciSummary(stages);
  for (const l of s.lines) console.log(l);
  console.log(`${s.passed} passed, ${s.failed} failed`);
  process.exit(s.failed ? 1 : 0);
}
