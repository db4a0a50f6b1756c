import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { installKernel, jupyterEnv } from "../../lib/src/report/jupyter";
import { needs, pythonWith } from "../support/requirements";

const root = join(__dirname, "..", "..");
const clientPython = pythonWith("jupyter_client");

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

/** A throw-away project that shares the real node_modules, and an empty HOME. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), "skiplab-proj-"));
  const home = mkdtempSync(join(tmpdir(), "skiplab-home-"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CONFIG_HOME: join(home, ".config"),
  };
  return { dir, home, env };
}

describe("tslab kernel registration", () => {
  it("writes tslab's kernel spec inside the project, without Python, and nothing in HOME", () => {
    const p = project();
    const spec = installKernel(p.dir);
    expect(spec).toBe(join(p.dir, ".jupyter", "env", "share", "jupyter", "kernels", "tslab", "kernel.json"));
    const kernel = JSON.parse(readFileSync(spec, "utf8"));
    expect(kernel).toEqual({
      argv: [join(p.dir, "node_modules", ".bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
      display_name: "TypeScript",
      language: "typescript",
    });
    // Idempotent: a second registration leaves one spec and no temporary files.
    installKernel(p.dir);
    expect(readdirSync(join(p.dir, ".jupyter", "env", "share", "jupyter", "kernels", "tslab"))).toEqual([
      "kernel.json",
    ]);
    expect(listFiles(p.home)).toEqual([]);
    const written = listFiles(p.dir)
      .map((f) => relative(p.dir, f))
      .filter((f) => f !== "node_modules");
    for (const f of written) expect(f.startsWith(".jupyter/")).toBe(true);
    expect(statSync(join(p.dir, ".jupyter", "runtime")).isDirectory()).toBe(true);
  });

  it("says to install the dependencies when tslab is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplab-proj-"));
    expect(() => installKernel(dir)).toThrow(
      /tslab not found at .*node_modules\/\.bin\/tslab: install the project's dependencies first \(`npm ci`/,
    );
  });

  it("points every Jupyter directory inside the project", () => {
    const env = jupyterEnv("/some/project", {});
    for (const k of ["JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"]) {
      expect(env[k]!.startsWith("/some/project/.jupyter/")).toBe(true);
    }
  });

  needs(clientPython !== null, "a Python with jupyter_client (Debian: jupyter-client; scripts/setup.sh installs it)")(
    "Jupyter's own kernel-spec manager finds the spec, with the project's environment and an empty HOME",
    () => {
      const p = project();
      installKernel(p.dir);
      const script =
        "import json; from jupyter_client.kernelspec import KernelSpecManager as M; s = M().get_kernel_spec('tslab'); print(json.dumps([s.resource_dir, s.argv, s.language]))";
      const r = spawnSync(clientPython!, ["-c", script], { encoding: "utf8", env: jupyterEnv(p.dir, p.env) });
      expect(r.stderr).toBe("");
      const [dir, argv, language] = JSON.parse(r.stdout);
      expect(dir).toBe(join(p.dir, ".jupyter", "env", "share", "jupyter", "kernels", "tslab"));
      expect(argv[0]).toBe(join(p.dir, "node_modules", ".bin", "tslab"));
      expect(language).toBe("typescript");
      expect(listFiles(p.home)).toEqual([]);
    },
  );
});
