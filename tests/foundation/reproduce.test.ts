import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseReproduceArgs } from "../../lib/src/cli/reproduce";
import { claimProblems, claimsHtml, extractClaims } from "../../lib/src/report/claims";
import { renderIndex } from "../../lib/src/report/index-page";
import { findJupyterPython } from "../../lib/src/report/jupyter";
import { LOCK_FILE, lockReport, ReportBusyError } from "../../lib/src/report/lock";
import { needs } from "../support/requirements";
import { CLI, runNode, tempProject, testNotebook } from "../support/notebook-project";

const root = join(__dirname, "..", "..");
const cli = CLI;
const py = findJupyterPython();
const withJupyter = needs(
  py !== null,
  "Jupyter for Python: nbclient, nbconvert, jupyter_client, nbformat (scripts/setup.sh installs them)",
);

describe("reproduce command", () => {
  it("parses scale and --only, and rejects bad values with the usage", () => {
    expect(parseReproduceArgs([], "/r")).toMatchObject({ scale: "quick", only: [], outDir: "/r/report", pdf: false });
    expect(parseReproduceArgs(["--scale", "smoke", "--only", "01,02", "--pdf"], "/r")).toMatchObject({
      scale: "smoke",
      only: ["01", "02"],
      pdf: true,
    });
    expect(parseReproduceArgs(["--scale=paper"], "/r").scale).toBe("paper");
    expect(() => parseReproduceArgs(["--scale", "huge"], "/r")).toThrow(/use one of smoke, quick, standard, paper/);
    expect(() => parseReproduceArgs(["--bogus"], "/r")).toThrow(/Unknown option '--bogus'[\s\S]*Usage/);
  });

  it("claims survive the trip through HTML", () => {
    const rec = {
      notebook: "n",
      dataset: "d",
      scale: "smoke",
      seeds: "0-19",
      backend: "wasm",
      checks: [
        {
          figure: "F",
          claim: "a </script> b",
          source: "s",
          criterion: "c",
          verdict: "partly reproduced" as const,
          numbers: { x: 1.25, y: "∞" },
        },
      ],
    };
    expect(extractClaims(`<p>before</p>${claimsHtml(rec)}<p>after</p>`)).toEqual([rec]);
  });

  it("the index shows a failed notebook with its error", () => {
    const html = renderIndex(
      [
        {
          name: "02-x",
          title: "X",
          status: "failed",
          scale: "smoke",
          seconds: 1.5,
          claims: [],
          error: "cell 3: Error: boom <here>",
        },
      ],
      { generated: "now", scale: "smoke", commit: "abc", machine: "m", command: "c" },
    );
    expect(html).toContain("FAILED");
    expect(html).toContain("cell 3: Error: boom &lt;here&gt;");
    expect(html).toContain("1 notebook(s) failed");
  });

  it("without Jupyter it says how to get it and exits non-zero", () => {
    const r = spawnSync(process.execPath, [cli, "reproduce", "--scale", "smoke"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, SKIPLAB_PYTHON: "/nonexistent/python3" },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Jupyter \(nbclient \+ nbconvert \+ jupyter_client\) was not found/);
    expect(r.stderr).toMatch(/conda env create -f environment.yml/);
    expect(r.stderr).toMatch(/apt-get install jupyter-nbconvert jupyter-client python3-nbclient/);
  });

  withJupyter(
    "executes notebooks through Jupyter; a failing one gives a non-zero exit and shows in the report",
    async () => {
      const good = testNotebook([
        'import * as sk from "skiplab";\nsk.reportClaims([{ figure: "T", claim: "ok", source: "test", criterion: "1 = 1", verdict: "reproduced", numbers: { scale: sk.currentScale() } }], { notebook: "a", dataset: "none", scale: sk.currentScale(), seeds: "0", backend: "none" });',
      ]);
      const bad = testNotebook(['console.log("before");', 'throw new Error("deliberate failure in cell 2");']);
      const dir = tempProject({ "a-good.ipynb": good, "b-bad.ipynb": bad });
      const r = await runNode([cli, "reproduce", "--scale", "smoke"], {
        cwd: dir,
        env: { ...process.env, SKIPLAB_ROOT: "" },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/FAILED: b-bad/);
      const index = readFileSync(join(dir, "report", "index.html"), "utf8");
      expect(index).toContain("cell 2 failed:");
      expect(index).toContain("Error: deliberate failure in cell 2\n    at evalmachine");
      expect(index).toMatch(/a-good\.html/);
      const summary = JSON.parse(readFileSync(join(dir, "report", "summary.json"), "utf8"));
      expect(summary.results.map((x: { status: string }) => x.status)).toEqual(["ok", "failed"]);
      expect(summary.results[0].claims[0].checks[0]).toMatchObject({
        verdict: "reproduced",
        numbers: { scale: "smoke" },
      });
    },
  );
});

describe("report index with non-finite claim numbers", () => {
  it("shows NaN/Infinity that came back from JSON as null as n/a instead of failing", () => {
    const claims = [
      {
        notebook: "n",
        dataset: "d",
        scale: "smoke",
        seeds: "0",
        backend: "wasm",
        checks: [
          {
            figure: "F",
            claim: "c",
            source: "s",
            criterion: "k",
            verdict: "not reproduced" as const,
            numbers: JSON.parse(JSON.stringify({ rho: NaN, kappa: Infinity, n: 3 })),
          },
        ],
      },
    ];
    const html = renderIndex([{ name: "04-x", title: "X", status: "ok", scale: "smoke", seconds: 1, claims }], {
      generated: "now",
      scale: "smoke",
      commit: "abc",
      machine: "m",
      command: "c",
    });
    expect(html).toContain("rho = n/a");
    expect(html).toContain("kappa = n/a");
    expect(html).toContain("n = 3");
    expect(claimsHtml(claims[0])).toContain("rho = n/a");
  });
});

const CLAIM_CELL = (numbers: string) =>
  `import * as sk from "skiplab";\nsk.reportClaims([{ figure: "T", claim: "c", source: "test", criterion: "k", verdict: "reproduced", numbers: ${numbers} }], { notebook: "n", dataset: "none", scale: sk.currentScale(), seeds: "0", backend: "none" });`;

describe("a notebook's claim check must be usable", () => {
  const rec = (numbers: Record<string, unknown>, verdict = "reproduced") => ({
    notebook: "n",
    dataset: "d",
    scale: "smoke",
    seeds: "0",
    backend: "wasm",
    checks: [{ figure: "F", claim: "c", source: "s", criterion: "k", verdict, numbers }],
  });
  const afterJson = <T>(x: T): T => JSON.parse(JSON.stringify(x));

  it("accepts finite numbers and strings (an infinite result written as '∞')", () => {
    expect(claimProblems(afterJson([rec({ rho: -0.5, n: 3, kappa: "∞" })]) as never)).toEqual([]);
  });

  it("names a missing claim check, each non-finite number and a bad verdict", () => {
    expect(claimProblems([])).toEqual([
      "no claim check: the notebook never called reportClaims([...]), or its output was lost",
    ]);
    expect(claimProblems([{ ...rec({}), checks: [] }] as never)).toHaveLength(1);
    const p = claimProblems(afterJson([rec({ rho: NaN, kappa: Infinity, ok: 1 }, "maybe")]) as never);
    expect(p).toEqual([
      'F, claim "c": verdict "maybe" is not one of reproduced, partly reproduced, not reproduced, inconclusive, not tested',
      'F, claim "c": number "rho" is NaN or ±Infinity (null after JSON), not a finite number',
      'F, claim "c": number "kappa" is NaN or ±Infinity (null after JSON), not a finite number',
    ]);
    // called on the record itself (before JSON), the values are named as they are
    expect(claimProblems([rec({ rho: NaN, kappa: -Infinity })] as never)).toEqual([
      'F, claim "c": number "rho" is NaN, not a finite number',
      'F, claim "c": number "kappa" is -Infinity, not a finite number',
    ]);
  });

  it("the claims block in the notebook says so too", () => {
    expect(claimsHtml(rec({ rho: NaN }) as never)).toContain(
      "This claim check is not usable:</b> F, claim &quot;c&quot;: number &quot;rho&quot; is NaN",
    );
    expect(claimsHtml(rec({ rho: 0.5 }) as never)).not.toContain("not usable");
  });

  withJupyter(
    "reproduce fails a notebook that runs but reports no claims, or a NaN claim number, and says why",
    async () => {
      const dir = tempProject({
        "a-ok.ipynb": testNotebook([CLAIM_CELL("{ x: 1 }")]),
        "b-no-claims.ipynb": testNotebook(['console.log("ran, but checked nothing");']),
        "c-nan.ipynb": testNotebook([CLAIM_CELL("{ rho: NaN }")]),
      });
      const r = await runNode([cli, "reproduce", "--scale", "smoke"], {
        cwd: dir,
        env: { ...process.env, SKIPLAB_ROOT: "" },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/FAILED: b-no-claims, c-nan/);
      const summary = JSON.parse(readFileSync(join(dir, "report", "summary.json"), "utf8"));
      expect(summary.results.map((x: { status: string }) => x.status)).toEqual(["ok", "failed", "failed"]);
      expect(summary.results[1].error).toMatch(/claim check is not usable:\n  • no claim check/);
      expect(summary.results[2].error).toMatch(/number "rho" is NaN or ±Infinity/);
      expect(existsSync(join(dir, "report", LOCK_FILE))).toBe(false);
    },
  );
});

describe("one reproduce run per report folder", () => {
  it("a second lock on the same folder is refused with the holder named; released, it can be taken again", () => {
    const out = mkdtempSync(join(tmpdir(), "skiplab-lock-"));
    const release = lockReport(out, "npm run reproduce -- --scale quick");
    let err: unknown;
    try {
      lockReport(out, "npm run reproduce -- --scale smoke");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportBusyError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `'npm run reproduce -- --scale quick' \\(pid ${process.pid}, started .*\\)\\. Wait for it to finish, or run this one beside it with an output folder of its own \\(--out <dir>\\)`,
      ),
    );
    release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    lockReport(out, "again")();
  });

  it("takes over a lock whose process is gone, and says so", () => {
    const out = mkdtempSync(join(tmpdir(), "skiplab-lock-"));
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const pid = Number(dead.stdout);
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid, host: require("node:os").hostname(), since: "earlier", command: "killed run" }),
    );
    const notes: string[] = [];
    const release = lockReport(out, "new run", (n) => notes.push(n));
    expect(notes).toEqual([
      `removed a stale lock ${join(out, LOCK_FILE)} left by pid ${pid} ('killed run', started earlier)`,
    ]);
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    release();
    // an empty lock file is a run being created right now; left that way for longer, it died while creating it
    writeFileSync(join(out, LOCK_FILE), "");
    expect(() => lockReport(out, "new run")).toThrow(/writing .*: a run that is starting right now/);
    utimesSync(join(out, LOCK_FILE), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    lockReport(out, "new run", (n) => notes.push(n))();
    expect(notes[1]).toBe(`removed a stale lock ${join(out, LOCK_FILE)}`);
    // a lock held on another host (a shared file system) is never taken over
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid: 1, host: "elsewhere", since: "now", command: "remote run" }),
    );
    expect(() => lockReport(out, "new run")).toThrow(/'remote run' \(pid 1 on host elsewhere, started now\)/);
  });

  withJupyter(
    "while one run is executing, a second on the same folder exits 3 naming it; with --out it runs beside it",
    async () => {
      const dir = tempProject({
        "a-slow.ipynb": testNotebook(["await new Promise((r) => setTimeout(r, 6000));", CLAIM_CELL("{ x: 1 }")]),
      });
      const env = { ...process.env, SKIPLAB_ROOT: "" };
      const first = spawn(process.execPath, [cli, "reproduce", "--scale", "smoke"], {
        cwd: dir,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let firstErr = "";
      first.stderr.on("data", (d) => (firstErr += d));
      const firstDone = new Promise<number | null>((res) => first.on("close", res));
      const lock = join(dir, "report", LOCK_FILE);
      for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(lock)).toBe(true);
      const second = spawnSync(process.execPath, [cli, "reproduce", "--scale", "quick"], {
        cwd: dir,
        encoding: "utf8",
        env,
      });
      expect(second.status).toBe(3);
      expect(second.stderr).toMatch(
        new RegExp(
          `Another reproduce run is writing report/: 'npm run reproduce -- --scale smoke' \\(pid ${first.pid}, started`,
        ),
      );
      const beside = await runNode([cli, "reproduce", "--scale", "smoke", "--out", "report-2"], { cwd: dir, env });
      expect(beside.status, beside.stderr).toBe(0);
      expect(await firstDone, firstErr).toBe(0);
      for (const out of ["report", "report-2"]) {
        const summary = JSON.parse(readFileSync(join(dir, out, "summary.json"), "utf8"));
        expect(summary.results.map((x: { status: string }) => x.status)).toEqual(["ok"]);
        expect(existsSync(join(dir, out, LOCK_FILE))).toBe(false);
      }
      expect(JSON.parse(readFileSync(join(dir, "report", "summary.json"), "utf8")).meta.command).toBe(
        "npm run reproduce -- --scale smoke",
      );
    },
  );
});
