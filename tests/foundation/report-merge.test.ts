/**
 * The report keeps what it had (`--only` merges into the folder's earlier summary), says why a notebook failed (the
 * failing cell's error in the terminal), and has an index a reader scans in a minute (verdicts per paper, one row
 * per claim, a thumbnail per notebook).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeSummary, readSummary, writeThumbnail } from "../../lib/src/cli/reproduce";
import type { ClaimCheck, ClaimsRecord } from "../../lib/src/report/claims";
import { cleanDriverError, errorMessageLines, failureHeadline } from "../../lib/src/report/execute";
import { keyNumber, NotebookResult, paperOf, renderIndex, verdictCounts } from "../../lib/src/report/index-page";
import { findJupyterPython } from "../../lib/src/report/jupyter";
import { needs } from "../support/requirements";
import { CLI, runNode, tempProject, testNotebook } from "../support/notebook-project";

const withJupyter = needs(
  findJupyterPython() !== null,
  "Jupyter for Python: nbclient, nbconvert, jupyter_client, nbformat (scripts/setup.sh installs them)",
);

/** A 1×1 PNG. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const entry = (name: string, o: Partial<NotebookResult> = {}): NotebookResult => ({
  name,
  title: name,
  status: "ok",
  scale: "smoke",
  seconds: 1,
  claims: [],
  ...o,
});

describe("--only merges into the earlier report", () => {
  const previous = {
    meta: { generated: "2026-01-01T10:00:00.000Z", scale: "smoke", commit: "old1234", machine: "m", command: "c" },
    results: [entry("01-a"), entry("02-b", { status: "failed", error: "boom" }), entry("03-c"), entry("99-gone")],
  };

  it("keeps the other entries with the time and commit they were produced at, and replaces the re-run ones", () => {
    const fresh = [entry("02-b", { scale: "quick", generated: "2026-02-02T00:00:00.000Z", commit: "new5678" })];
    const { results, info, foreign } = mergeSummary(previous, fresh, ["01-a", "02-b", "03-c"]);
    expect(foreign).toBe(false);
    expect(results.map((r) => r.name)).toEqual(["01-a", "02-b", "03-c"]);
    expect(results[1]).toBe(fresh[0]);
    expect(results[1]).toMatchObject({ status: "ok", scale: "quick", commit: "new5678" });
    // entries written before entries carried their own time and commit take the earlier summary's
    expect(results[0]).toMatchObject({ generated: "2026-01-01T10:00:00.000Z", commit: "old1234", scale: "smoke" });
    expect(info.kept).toEqual(["01-a", "03-c"]);
    expect(info.replaced).toEqual(["02-b"]);
    // a notebook no longer in notebooks/ is dropped, with a note
    expect(info.dropped).toEqual(["99-gone"]);
    expect(info.notes).toEqual(["99-gone is no longer in notebooks/: its entry from an earlier run was dropped."]);
  });

  it("an entry's own time and commit win over the earlier summary's; a new notebook is added in name order", () => {
    const prev = { ...previous, results: [entry("03-c", { generated: "2025-12-31T00:00:00.000Z", commit: "own" })] };
    const { results } = mergeSummary(prev, [entry("01-a")], ["01-a", "03-c"]);
    expect(results.map((r) => [r.name, r.commit])).toEqual([
      ["01-a", undefined],
      ["03-c", "own"],
    ]);
    expect(results[1].generated).toBe("2025-12-31T00:00:00.000Z");
  });

  it("no earlier summary: only this run's entries", () => {
    const r = mergeSummary(undefined, [entry("02-b"), entry("01-a")], ["01-a", "02-b"]);
    expect(r.results.map((x) => x.name)).toEqual(["01-a", "02-b"]);
    expect(r.info).toEqual({ kept: [], replaced: [], dropped: [], notes: [] });
  });

  it("a foreign summary.json starts fresh and says so; an unreadable entry is left out with a note", () => {
    for (const foreign of [{ hello: "world" }, [1, 2], null, "text", { results: "nope" }]) {
      const r = mergeSummary(foreign, [entry("01-a")], ["01-a", "02-b"]);
      expect(r.foreign).toBe(true);
      expect(r.results.map((x) => x.name)).toEqual(["01-a"]);
      expect(r.info.notes[0]).toMatch(/not a reproduce summary .* starts fresh/);
    }
    const r = mergeSummary(
      {
        meta: {},
        results: [{ name: "../../etc", status: "ok" }, 7, entry("02-b", { status: "weird" as never }), entry("02-b")],
      },
      [entry("01-a")],
      ["01-a", "02-b"],
    );
    expect(r.foreign).toBe(false);
    expect(r.results.map((x) => x.name)).toEqual(["01-a", "02-b"]);
    expect(r.info.notes).toEqual([
      "Entry 1 of the earlier summary.json could not be read (no usable notebook name) and was left out.",
      "Entry 2 of the earlier summary.json could not be read (not an object) and was left out.",
      'Entry 3 of the earlier summary.json could not be read (status "weird") and was left out.',
    ]);
  });

  it("a damaged summary.json is reported, not thrown", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplab-merge-"));
    expect(readSummary(join(dir, "summary.json"))).toEqual({});
    writeFileSync(join(dir, "summary.json"), '{"meta": {"generated": "x"}, "results": [');
    expect(readSummary(join(dir, "summary.json")).problem).toMatch(/^it is not valid JSON \(/);
    writeFileSync(join(dir, "summary.json"), JSON.stringify(previous));
    expect(readSummary(join(dir, "summary.json")).value).toEqual(previous);
  });
});

/** An executed notebook whose cell 1 wrote `stderr` (tslab's way of reporting a failing cell). */
function executedNotebook(stderr: string, extra: object[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "skiplab-headline-"));
  const path = join(dir, "x.ipynb");
  const busy = { execution: { "iopub.status.busy": "2026-01-01T00:00:00Z" } };
  writeFileSync(
    path,
    JSON.stringify({
      cells: [
        { cell_type: "markdown", metadata: {}, source: "# t" },
        {
          cell_type: "code",
          metadata: busy,
          source: "f();",
          outputs: [{ output_type: "stream", name: "stderr", text: stderr.split(/(?<=\n)/) }, ...extra],
        },
        { cell_type: "code", metadata: {}, source: "g();", outputs: [] },
      ],
    }),
  );
  return path;
}

describe("the failing cell's error, in a line or three", () => {
  const V8 = (msg: string) =>
    `evalmachine.<anonymous>:3\nfunction f() { throw new Error("x"); }\n               ^\n\n${msg}\n    at f (evalmachine.<anonymous>:3:22)\n    at Script.runInThisContext (node:vm:135:14)\n`;

  it("takes the name and message from tslab's stderr, without the preamble, the stack or earlier stderr writes", () => {
    const msg = "Error: cifar100 (train) is not available here. Fetch it first with `npx skiplab data fetch cifar100`";
    expect(errorMessageLines(V8(msg))).toEqual([msg]);
    expect(
      errorMessageLines(`a warning first\nError: async boom\nsecond line\n    at g (evalmachine.<anonymous>:3:28)\n`),
    ).toEqual(["Error: async boom", "second line"]);
    expect(
      errorMessageLines('evalmachine.<anonymous>:7\nthrow new DataMissing("no data");\n^\n\nDataMissing: no data\n'),
    ).toEqual(["DataMissing: no data"]);
    expect(errorMessageLines("1:7 - Type 'string' is not assignable to type 'number'.\n")).toEqual([
      "1:7 - Type 'string' is not assignable to type 'number'.",
    ]);
    expect(failureHeadline(executedNotebook(V8(msg)), "An error occurred…")).toBe(`cell 1: ${msg}`);
    expect(failureHeadline(executedNotebook("1:7 - Type 'string' is not assignable to type 'number'.\n"), null)).toBe(
      "cell 1: TypeScript: 1:7 - Type 'string' is not assignable to type 'number'.",
    );
  });

  it("prefers a real error output, cuts long messages, and falls back on the driver's message", () => {
    const withOutput = executedNotebook("", [
      { output_type: "error", ename: "RangeError", evalue: "too far", traceback: [] },
    ]);
    expect(failureHeadline(withOutput, null)).toBe("cell 1: RangeError: too far");
    const long = executedNotebook(V8(`Error: ${"x".repeat(400)}\nline 2\nline 3\nline 4`));
    const h = failureHeadline(long, null)!;
    expect(h.split("\n")).toHaveLength(3);
    expect(h.split("\n")[0]).toHaveLength("cell 1: ".length + 300);
    expect(h.endsWith("line 3 …")).toBe(true);
    const timeout = executedNotebook("warn\n");
    const driver =
      "A cell timed out while it was being executed, after 3 seconds.\nThe message was: Cell execution timed out.\n-----\nsrc";
    expect(failureHeadline(timeout, driver, { preferDriver: true })).toBe(
      "cell 1: A cell timed out while it was being executed, after 3 seconds.\nThe message was: Cell execution timed out.",
    );
    expect(failureHeadline("/nonexistent.ipynb", "Kernel died")).toBe("Kernel died");
    expect(failureHeadline("/nonexistent.ipynb", null)).toBeNull();
  });

  it("drops nbclient's empty '<Error>:' line", () => {
    expect(
      cleanDriverError("An error occurred while executing the following cell:\n---\nf();\n---\n\n\n<Error>:\n"),
    ).toBe("An error occurred while executing the following cell:\n---\nf();\n---");
    expect(cleanDriverError("<Error>:")).toBeNull();
    expect(cleanDriverError(null)).toBeNull();
  });
});

const check = (o: Partial<ClaimCheck>): ClaimCheck => ({
  figure: "P1 Fig. C",
  claim: "c",
  source: "s",
  criterion: "k",
  verdict: "reproduced",
  numbers: {},
  ...o,
});
const record = (checks: ClaimCheck[]): ClaimsRecord => ({
  notebook: "n",
  dataset: "d",
  scale: "smoke",
  seeds: "0",
  backend: "wasm",
  checks,
});

describe("the index a reader scans in a minute", () => {
  const results: NotebookResult[] = [
    entry("01-a", {
      title: "P1 A",
      html: "01-a.html",
      ipynb: "notebooks/01-a.ipynb",
      thumb: "thumbs/01-a.png",
      generated: "2026-01-01T10:00:00.000Z",
      commit: "old1234",
      claims: [
        record([
          check({
            id: "C1",
            claim: "Skip connections speed up training of deep fully connected nets ".repeat(4).trim(),
            numbers: { "residual>plain": "0.302 [0.264, 0.341], p = 9.94e-8 → pass", seeds: 5 },
            tests: { "residual>plain": "Welch" },
            exploration: { verdict: "partly reproduced", numbers: {} },
          }),
          check({ id: "C2", verdict: "partly reproduced", exploration: { verdict: "partly reproduced", numbers: {} } }),
          check({ id: "S1", kind: "sanity", figure: "P1 v3-D", numbers: { x: 1.5 } }),
        ]),
      ],
    }),
    entry("08-b", {
      title: "P2 B",
      html: "08-b.html",
      scale: "quick",
      thumb: "thumbs/08-b.png",
      claims: [
        record([
          check({ id: "T2", figure: "P2 Theorem 2", verdict: "not reproduced" }),
          check({ id: "L1", figure: "P2 Lemma 1, Theorem 5", verdict: "inconclusive" }),
        ]),
      ],
    }),
    entry("14-c", {
      title: "P3 C",
      claims: [record([check({ id: "P", figure: "P3 Fig. 1", verdict: "not tested" })])],
    }),
    entry("10-d", {
      title: "P2 D",
      status: "failed",
      reason: "cell 4: Error: cifar100 (train) is not available here",
      error: "cell 4 failed:\n…\nError: cifar100 (train) is not available here\n    at x",
    }),
  ];
  const meta = { generated: "2026-02-02T00:00:00.000Z", scale: "smoke", commit: "new5678", machine: "m", command: "c" };

  it("derives the paper from a claim's figure field and counts verdicts per paper, claims and sanity checks apart", () => {
    expect(["P1 Fig. C", "P2 Figs. 3–4", "P3 theorem (our check)", "P1 v3-D", "Fig. X"].map(paperOf)).toEqual([
      "P1",
      "P2",
      "P3",
      "P1",
      "other",
    ]);
    const c = verdictCounts(results);
    expect([...c.keys()]).toEqual(["P1", "P2", "P3"]);
    expect(c.get("P1")!.claims).toMatchObject({ reproduced: 1, "partly reproduced": 1 });
    expect(c.get("P1")!.sanity).toMatchObject({ reproduced: 1 });
    expect(c.get("P2")!.claims).toMatchObject({ "not reproduced": 1, inconclusive: 1, reproduced: 0 });
    expect(c.get("P3")!.claims["not tested"]).toBe(1);
  });

  it("the key number is the first criterion's estimate with its interval", () => {
    const k = results[0].claims[0].checks[0];
    expect(keyNumber(k)).toEqual({
      label: "residual>plain",
      value: "0.302 [0.264, 0.341]",
      p: "9.94e-8",
      outcome: "pass",
    });
    expect(keyNumber(check({ numbers: { rho: 0.123456 } }))).toEqual({ label: "rho", value: "0.1235" });
    expect(keyNumber(check({ numbers: {} }))).toBeNull();
  });

  it("shows the overview per paper, one row per claim with its badge, a thumbnail per notebook, failures with their reason", () => {
    const html = renderIndex(results, meta);
    // overview: one stacked bar chart per paper, claims and sanity checks apart, with the counts
    for (const p of ["P1", "P2", "P3"]) expect(html).toContain(`data-paper="${p}"`);
    expect(html).toContain(
      `aria-label="paper claims: 1 reproduced, 1 partly reproduced, 0 not reproduced, 0 inconclusive, 0 not tested"`,
    );
    expect(html).toContain(`aria-label="sanity checks: 1 reproduced, 0 partly reproduced`);
    expect(html).toContain(
      `aria-label="paper claims: 0 reproduced, 0 partly reproduced, 1 not reproduced, 1 inconclusive, 0 not tested"`,
    );
    expect(html).toContain("claims: 1 not reproduced · 1 inconclusive");
    // one row per claim, each with a coloured badge
    const rows = html.match(/<tr class="claim-row[^"]*" data-verdict="[^"]+">/g) ?? [];
    expect(rows).toHaveLength(6);
    expect(html).toContain('<span class="pill verdict" style="background:#1a7f37">reproduced</span>');
    expect(html).toContain('<span class="pill verdict" style="background:#cf222e">not reproduced</span>');
    // the claim shortened, in full on hover and on expand; the key number; exploration differs
    expect(html).toContain(`title="${results[0].claims[0].checks[0].claim}"`);
    expect(html).toContain(
      "<summary>Skip connections speed up training of deep fully connected nets Skip connections speed up training of deep…</summary>",
    );
    expect(html).toContain('0.302 <span class="iv">[0.264, 0.341]</span>');
    expect(html.match(/<span class="differs"[^>]*>⚠ differs<\/span>/g)).toHaveLength(1);
    // a thumbnail per notebook that has one, linking to its page; a placeholder otherwise
    expect(html).toContain('<a class="thumb" href="01-a.html"><img src="thumbs/01-a.png"');
    expect(html).toContain('<a class="thumb" href="08-b.html"><img src="thumbs/08-b.png"');
    expect(html.match(/<img /g)).toHaveLength(2);
    // scale per entry (mixed here), when and at which commit, links
    expect(html).toContain("This report mixes scales");
    expect(html).toContain("produced 2026-01-01 10:00 UTC at old1234");
    expect(html).toContain('<a href="notebooks/01-a.ipynb">.ipynb</a>');
    // a failure with its reason, at the top and on its card
    expect(html).toContain("1 notebook(s) failed");
    expect(html.match(/cell 4: Error: cifar100 \(train\) is not available here<\/span>/g)).toHaveLength(1);
    expect(html).toContain('<p class="reason">cell 4: Error: cifar100 (train) is not available here</p>');
    // static: no script, nothing fetched from the network
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
  });

  it("writes the first figure's PNG of an executed notebook as its thumbnail", () => {
    const out = mkdtempSync(join(tmpdir(), "skiplab-thumb-"));
    const nb = join(out, "n.ipynb");
    writeFileSync(
      nb,
      JSON.stringify({
        cells: [
          { cell_type: "code", outputs: [{ output_type: "stream", name: "stdout", text: "hi" }] },
          {
            cell_type: "code",
            outputs: [{ output_type: "display_data", data: { "text/html": "<div>", "image/png": PNG + "\n" } }],
          },
          { cell_type: "code", outputs: [{ output_type: "display_data", data: { "image/png": "AAAA" } }] },
        ],
      }),
    );
    expect(writeThumbnail(nb, out, "01-a")).toBe("thumbs/01-a.png");
    expect(readFileSync(join(out, "thumbs", "01-a.png"))).toEqual(Buffer.from(PNG, "base64"));
    writeFileSync(nb, JSON.stringify({ cells: [{ cell_type: "code", outputs: [] }] }));
    expect(writeThumbnail(nb, out, "02-b")).toBeUndefined();
    expect(writeThumbnail(join(out, "missing.ipynb"), out, "03-c")).toBeUndefined();
  });
});

const CLAIMS = (figure: string, verdict: string) =>
  `import * as sk from "skiplab";\nsk.reportClaims([{ id: "X1", figure: "${figure}", claim: "c", source: "test", criterion: "k", verdict: "${verdict}", numbers: { d: "0.5 [0.1, 0.9], p = 0.01 → pass" } }], { notebook: "n", dataset: "none", scale: sk.currentScale(), seeds: "0", backend: "none" });`;
const FIGURE = `import * as tslab from "tslab";\ntslab.display.png(Buffer.from("${PNG}", "base64"));`;

const runCli = (args: string[], cwd: string) =>
  runNode([CLI, ...args], { cwd, env: { ...process.env, SKIPLAB_ROOT: "" } });

describe("reproduce --only on a report folder", () => {
  withJupyter(
    "keeps the other notebooks, replaces the re-run one, prints the failing cell's error, and survives a damaged summary",
    async () => {
      const dir = tempProject({}, "skiplab-merge-e2e-");
      const put = (name: string, cells: string[]) => writeFileSync(join(dir, "notebooks", name), testNotebook(cells));
      put("a-one.ipynb", [FIGURE, CLAIMS("P1 Fig. B", "reproduced")]);
      put("b-two.ipynb", [CLAIMS("P2 Fig. 2", "partly reproduced")]);
      put("c-three.ipynb", [CLAIMS("P3 Fig. 1", "inconclusive")]);
      const report = join(dir, "report");
      const summary = () => JSON.parse(readFileSync(join(report, "summary.json"), "utf8"));

      const full = await runCli(["reproduce", "--scale", "smoke"], dir);
      expect(full.status, full.stderr).toBe(0);
      const first = summary();
      expect(first.results.map((r: NotebookResult) => r.name)).toEqual(["a-one", "b-two", "c-three"]);
      expect(first.results[0].thumb).toBe("thumbs/a-one.png");
      expect(existsSync(join(report, "thumbs", "a-one.png"))).toBe(true);

      // b now fails in its second cell; c is gone from notebooks/
      put("b-two.ipynb", [
        'console.log("ok so far");',
        'throw new Error("cifar100 (train) is not available here. Fetch it first with `npx skiplab data fetch cifar100`");',
      ]);
      rmSync(join(dir, "notebooks", "c-three.ipynb"));
      const only = await runCli(["reproduce", "--scale", "quick", "--only", "b-two"], dir);
      expect(only.status).toBe(1);
      expect(only.stderr).toContain(
        "  b-two  cell 2: Error: cifar100 (train) is not available here. Fetch it first with `npx skiplab data fetch cifar100`",
      );
      expect(only.stderr).not.toMatch(/^<Error>:/m);
      expect(only.stderr).toMatch(/keeping 1 notebook\(s\) from the earlier report/);
      expect(only.stderr).toContain("c-three is no longer in notebooks/: its entry from an earlier run was dropped.");
      const second = summary();
      expect(second.results.map((r: NotebookResult) => [r.name, r.status, r.scale])).toEqual([
        ["a-one", "ok", "smoke"],
        ["b-two", "failed", "quick"],
      ]);
      // the kept entry is the earlier run's, as it was
      expect(second.results[0]).toEqual(first.results[0]);
      expect(second.results[1].reason).toMatch(/^cell 2: Error: cifar100 \(train\) is not available here/);
      expect(second.meta.merge).toMatchObject({ kept: ["a-one"], replaced: ["b-two"], dropped: ["c-three"] });
      const index = readFileSync(join(report, "index.html"), "utf8");
      expect(index).toContain('id="nb-a-one"');
      expect(index).toContain('<img src="thumbs/a-one.png"');
      expect(index).toContain("This report mixes scales");
      expect(index).toContain("cell 2: Error: cifar100 (train) is not available here.");

      // a damaged summary.json: said so, kept aside, and the run starts a fresh index
      writeFileSync(join(report, "summary.json"), '{"meta": {}, "results": [');
      const again = await runCli(["reproduce", "--scale", "smoke", "--only", "a-one"], dir);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).toMatch(
        /The earlier summary.json could not be read \(it is not valid JSON .*\): this index starts fresh/,
      );
      expect(readFileSync(join(report, "summary.json.unreadable"), "utf8")).toBe('{"meta": {}, "results": [');
      expect(summary().results.map((r: NotebookResult) => r.name)).toEqual(["a-one"]);
    },
  );
});
