import { mkdtempSync, readdirSync, readFileSync, symlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { findJupyterPython, installKernel, jupyterEnv } from "../../lib/src/report/jupyter";

const root = join(__dirname, "..", "..");
const py = findJupyterPython();

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) out.push(p);
    else if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

describe("tslab kernel registration", () => {
  it.skipIf(!py)("writes the kernel spec inside the project and nothing in HOME", () => {
    const project = mkdtempSync(join(tmpdir(), "skiplab-proj-"));
    const home = mkdtempSync(join(tmpdir(), "skiplab-home-"));
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"));
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, ".local", "share"), XDG_CONFIG_HOME: join(home, ".config") };
    const spec = installKernel(project, py!.python, env);
    expect(spec).toBe(join(project, ".jupyter", "env", "share", "jupyter", "kernels", "tslab", "kernel.json"));
    const kernel = JSON.parse(readFileSync(spec, "utf8")) as { argv: string[]; language: string };
    expect(kernel.language).toBe("typescript");
    expect(kernel.argv[0]).toBe(join(project, "node_modules", ".bin", "tslab"));
    // Nothing written to HOME; every new file of the project is under .jupyter/.
    expect(listFiles(home)).toEqual([]);
    const written = listFiles(project).map((p) => relative(project, p)).filter((p) => p !== "node_modules");
    expect(written.length).toBeGreaterThan(0);
    for (const p of written) expect(p.startsWith(".jupyter/")).toBe(true);
    expect(statSync(join(project, ".jupyter", "runtime")).isDirectory()).toBe(true);
  });

  it("points every Jupyter directory inside the project", () => {
    const env = jupyterEnv("/some/project", {});
    for (const k of ["JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"]) {
      expect(env[k]!.startsWith("/some/project/.jupyter/")).toBe(true);
    }
  });

  it.runIf(!py)("is skipped: no Python with nbclient/nbconvert/jupyter_client on this machine", () => {
    console.warn("kernel registration test skipped: install Jupyter (see README) to run it");
  });
});
