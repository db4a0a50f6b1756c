/**
 * Throw-away projects for the tests that run `skiplab reproduce` end to end (tests/foundation/reproduce.test.ts,
 * report-merge.test.ts): a notebook from code cells, a project folder with the real node_modules and its own
 * notebooks/, and the CLI in a child process.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

/** The skiplab CLI of this checkout (lib/dist, which npm test builds). */
export const CLI = join(root, "lib", "dist", "cli", "main.js");

/** An nbformat 4.5 tslab notebook: a title cell, then one code cell per source. */
export function testNotebook(cells: string[]): string {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", id: "m0", metadata: {}, source: ["# A test notebook"] },
      ...cells.map((src, i) => ({
        cell_type: "code",
        id: `c${i}`,
        metadata: {},
        execution_count: null,
        outputs: [],
        source: [src],
      })),
    ],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** A throw-away project: package.json with workspaces, the real node_modules, its own notebooks/. */
export function tempProject(notebooks: Record<string, string>, prefix = "skiplab-repro-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "t", private: true, workspaces: ["lib"] }));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "notebooks"));
  for (const [name, text] of Object.entries(notebooks)) writeFileSync(join(dir, "notebooks", name), text);
  return dir;
}

/**
 * Runs node with `args` in a child process without blocking the test worker. A spawnSync of a Jupyter run (30–40 s,
 * longer under load) stalls the worker's event loop, and vitest's worker RPC times out after 60 s ("Timeout calling
 * onTaskUpdate"), which fails the whole run although every test passed.
 */
export function runNode(
  args: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: o.cwd, env: o.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
