import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseReproduceArgs } from "../../lib/src/cli/reproduce";
import { claimsHtml, extractClaims, verdictFrom } from "../../lib/src/report/claims";
import { renderIndex } from "../../lib/src/report/index-page";
import { findJupyterPython } from "../../lib/src/report/jupyter";

const root = join(__dirname, "..", "..");
const cli = join(root, "lib", "dist", "cli", "main.js");
const py = findJupyterPython();

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", id: "m0", metadata: {}, source: ["# A test notebook"] },
      ...cells.map((src, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source: [src] })),
    ],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** A throw-away project: package.json with workspaces, the real node_modules, its own notebooks/. */
function tempProject(notebooks: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "skiplab-repro-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "t", private: true, workspaces: ["lib"] }));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "notebooks"));
  for (const [name, text] of Object.entries(notebooks)) writeFileSync(join(dir, "notebooks", name), text);
  return dir;
}

describe("reproduce command", () => {
  it("parses scale and --only, and rejects bad values with the usage", () => {
    expect(parseReproduceArgs([], "/r")).toMatchObject({ scale: "quick", only: [], outDir: "/r/report", pdf: false });
    expect(parseReproduceArgs(["--scale", "smoke", "--only", "01,02", "--pdf"], "/r")).toMatchObject({ scale: "smoke", only: ["01", "02"], pdf: true });
    expect(parseReproduceArgs(["--scale=paper"], "/r").scale).toBe("paper");
    expect(() => parseReproduceArgs(["--scale", "huge"], "/r")).toThrow(/use one of smoke, quick, paper/);
    expect(() => parseReproduceArgs(["--bogus"], "/r")).toThrow(/Unknown option '--bogus'[\s\S]*Usage/);
  });

  it("claims survive the trip through HTML", () => {
    const rec = {
      notebook: "n", dataset: "d", scale: "smoke", seeds: "0-19", backend: "wasm",
      checks: [{ figure: "F", claim: "a </script> b", source: "s", criterion: "c", verdict: verdictFrom(1, 2), numbers: { x: 1.25, y: "∞" } }],
    };
    expect(extractClaims(`<p>before</p>${claimsHtml(rec)}<p>after</p>`)).toEqual([rec]);
  });

  it("the index shows a failed notebook with its error", () => {
    const html = renderIndex(
      [{ name: "02-x", title: "X", status: "failed", scale: "smoke", seconds: 1.5, claims: [], error: "cell 3: Error: boom <here>" }],
      { generated: "now", scale: "smoke", commit: "abc", machine: "m", command: "c" },
    );
    expect(html).toContain("FAILED");
    expect(html).toContain("cell 3: Error: boom &lt;here&gt;");
    expect(html).toContain("1 notebook(s) failed");
  });

  it("without Jupyter it says how to get it and exits non-zero", () => {
    const r = spawnSync(process.execPath, [cli, "reproduce", "--scale", "smoke"], { cwd: root, encoding: "utf8", env: { ...process.env, SKIPLAB_PYTHON: "/nonexistent/python3" } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Jupyter \(nbclient \+ nbconvert \+ jupyter_client\) was not found/);
    expect(r.stderr).toMatch(/conda env create -f environment.yml/);
    expect(r.stderr).toMatch(/apt-get install jupyter-nbconvert jupyter-client python3-nbclient/);
  });

  it.skipIf(!py)("executes notebooks through Jupyter; a failing one gives a non-zero exit and shows in the report", () => {
    const good = notebook([
      'import * as sk from "skiplab";\nsk.reportClaims([{ figure: "T", claim: "ok", source: "test", criterion: "1 = 1", verdict: sk.verdictFrom(1, 1), numbers: { scale: sk.currentScale() } }], { notebook: "a", dataset: "none", scale: sk.currentScale(), seeds: "0", backend: "none" });',
    ]);
    const bad = notebook(['console.log("before");', 'throw new Error("deliberate failure in cell 2");']);
    const dir = tempProject({ "a-good.ipynb": good, "b-bad.ipynb": bad });
    const r = spawnSync(process.execPath, [cli, "reproduce", "--scale", "smoke"], { cwd: dir, encoding: "utf8", env: { ...process.env, SKIPLAB_ROOT: "" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FAILED: b-bad/);
    const index = readFileSync(join(dir, "report", "index.html"), "utf8");
    expect(index).toContain("cell 2 failed:");
    expect(index).toContain("Error: deliberate failure in cell 2\n    at evalmachine");
    expect(index).toMatch(/a-good\.html/);
    const summary = JSON.parse(readFileSync(join(dir, "report", "summary.json"), "utf8"));
    expect(summary.results.map((x: { status: string }) => x.status)).toEqual(["ok", "failed"]);
    expect(summary.results[0].claims[0].checks[0]).toMatchObject({ verdict: "reproduced", numbers: { scale: "smoke" } });
  });
});

describe("report index with non-finite claim numbers", () => {
  it("shows NaN/Infinity that came back from JSON as null as n/a instead of failing", () => {
    const claims = [{ notebook: "n", dataset: "d", scale: "smoke", seeds: "0", backend: "wasm",
      checks: [{ figure: "F", claim: "c", source: "s", criterion: "k", verdict: "not reproduced" as const, numbers: JSON.parse(JSON.stringify({ rho: NaN, kappa: Infinity, n: 3 })) }] }];
    const html = renderIndex([{ name: "04-x", title: "X", status: "ok", scale: "smoke", seconds: 1, claims }], { generated: "now", scale: "smoke", commit: "abc", machine: "m", command: "c" });
    expect(html).toContain("rho = n/a");
    expect(html).toContain("kappa = n/a");
    expect(html).toContain("n = 3");
    expect(claimsHtml(claims[0])).toContain("rho = n/a");
  });
});
