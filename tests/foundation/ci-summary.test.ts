/**
 * CI's summary line (scripts/ci-summary.mjs) must never read "0 failed" on a red run: every way a stage can fail
 * that its own record does not count (a failing hook, a file that throws on import, a PDF failing after every
 * notebook passed, a stage that wrote no record) still counts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without type declarations
import { ciSummary } from "../../scripts/ci-summary.mjs";

const dir = mkdtempSync(join(tmpdir(), "skiplab-ci-"));
function file(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(value));
  return p;
}
const vitest = (over: Record<string, unknown>) => ({
  numPassedTests: 10,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  testResults: [],
  ...over,
});
const summary = (results: Array<{ name: string; status: string }>, pdf?: unknown) => ({ meta: { pdf }, results });

describe("CI summary", () => {
  it("a green run: counts tests, notebooks and the PDF", () => {
    const s = ciSummary([
      { name: "setup", kind: "command", rc: 0, seconds: 3 },
      { name: "unit", kind: "vitest", rc: 0, seconds: 80, file: file("g.json", vitest({})) },
      {
        name: "nb",
        kind: "reproduce",
        rc: 0,
        seconds: 100,
        file: file("gs.json", summary([{ name: "01", status: "ok" }], { status: "ok", path: "report.pdf" })),
      },
    ]);
    expect([s.passed, s.failed]).toEqual([13, 0]);
    expect(s.lines[1]).toBe("ci: unit: 10 passed, 0 failed, 0 skipped [80 s]");
    expect(s.lines[2]).toBe("ci: nb: notebooks 1 ok, 0 failed; PDF ok [1.7 min]");
  });

  it("a failing beforeAll (its tests reported as skipped) and a file that throws on import count as failures", () => {
    const r = vitest({
      numPendingTests: 1,
      testResults: [
        { name: "/x/tests/a.test.ts", status: "failed", message: "", assertionResults: [{ status: "skipped" }] },
        { name: "/x/tests/b.test.ts", status: "failed", message: "import boom", assertionResults: [] },
        { name: "/x/tests/c.test.ts", status: "passed", assertionResults: [{ status: "passed" }] },
      ],
    });
    const s = ciSummary([{ name: "unit", kind: "vitest", rc: 1, seconds: 1, file: file("h.json", r) }]);
    expect(s.failed).toBe(2);
    expect(s.lines[0]).toMatch(
      /2 test file\(s\) failed outside any test \(hook, import or collection\): tests\/a\.test\.ts, tests\/b\.test\.ts/,
    );
  });

  it("a PDF that fails after every notebook passed is a failure", () => {
    const s = ciSummary([
      {
        name: "nb",
        kind: "reproduce",
        rc: 1,
        file: file(
          "p.json",
          summary([{ name: "01", status: "ok" }], { status: "failed", error: "Chromium crashed\nstack" }),
        ),
      },
    ]);
    expect(s.failed).toBe(1);
    expect(s.lines[0]).toBe("ci: nb: notebooks 1 ok, 0 failed; PDF FAILED (Chromium crashed)");
  });

  it("a stage that exits non-zero counts as failed even when its record shows nothing wrong, or is missing", () => {
    const clean = ciSummary([{ name: "unit", kind: "vitest", rc: 1, file: file("c.json", vitest({})) }]);
    expect(clean.failed).toBe(1);
    expect(clean.lines[0]).toMatch(/but it exited 1: see its output above/);
    const missing = ciSummary([{ name: "nb", kind: "reproduce", rc: 2, file: join(dir, "absent.json") }]);
    expect(missing.failed).toBe(1);
    expect(missing.lines[0]).toMatch(/no result \(.*absent\.json: not written\)/);
    expect(ciSummary([{ name: "setup", kind: "command", rc: 100 }]).failed).toBe(1);
  });

  it("the fresh-machine stage counts each README command and flags independent checks that did not run", () => {
    const f = {
      commit: "abc1234",
      commands: [
        {
          command: "scripts/setup.sh && npm run reproduce -- --scale smoke",
          exit: 0,
          seconds: 300,
          notebooks: { ok: 7, total: 7 },
        },
        { command: "scripts/setup.sh && npm test", exit: 0, seconds: 120, tests: "440 passed | 1 skipped (441)" },
      ],
      independentChecks: { "torch float64": { ran: true }, "scipy MAT files": { ran: false } },
    };
    const s = ciSummary([{ name: "fresh", kind: "fresh", rc: 0, seconds: 500, file: file("f.json", f) }]);
    expect([s.passed, s.failed]).toEqual([2, 1]);
    expect(s.lines[0]).toBe(
      "ci: fresh: commit abc1234: 'scripts/setup.sh && npm run reproduce -- --scale smoke' passed in 300 s — notebooks 7/7 ok; " +
        "'scripts/setup.sh && npm test' passed in 120 s — tests 440 passed | 1 skipped (441); independent checks NOT RUN: scipy MAT files [8.3 min]",
    );
  });

  it("a skipped stage says why and counts nothing", () => {
    const s = ciSummary([{ name: "webgpu", kind: "command", rc: 0, reason: "SKIPLAB_CI_WEBGPU=0" }]);
    expect([s.passed, s.failed, s.lines[0]]).toEqual([0, 0, "ci: webgpu: skipped: SKIPLAB_CI_WEBGPU=0"]);
  });
});
