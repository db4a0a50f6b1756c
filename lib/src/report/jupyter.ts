/**
 * Jupyter plumbing for headless execution: find a Python with nbclient/nbconvert, register the tslab kernel
 * inside the project, and give every Jupyter process an environment that keeps its files inside the project
 * (no writes to ~/.local/share/jupyter or ~/.jupyter).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const JUPYTER_HELP = `Jupyter (nbclient + nbconvert + jupyter_client) was not found for any Python tried.
Get it one of these ways, then run the command again:
  • conda:  conda env create -f environment.yml && conda activate skip-singularities
  • Debian/Ubuntu (as root):  scripts/setup.sh  (or: apt-get install jupyter-nbconvert jupyter-client python3-nbclient python3-nbformat)
  • pip:    python3 -m pip install nbclient nbconvert jupyter_client nbformat
Or point SKIPLAB_PYTHON at a Python that has them.`;

/** The project-local Jupyter folders. */
export function jupyterDirs(root: string) {
  const base = join(root, ".jupyter");
  return {
    base,
    prefix: join(base, "env"),
    path: join(base, "env", "share", "jupyter"),
    data: join(base, "data"),
    runtime: join(base, "runtime"),
    config: join(base, "config"),
    ipython: join(base, "ipython"),
  };
}

/** Environment for Jupyter processes: every Jupyter directory points inside the project. */
export function jupyterEnv(root: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const d = jupyterDirs(root);
  return {
    ...base,
    JUPYTER_PATH: d.path,
    JUPYTER_DATA_DIR: d.data,
    JUPYTER_RUNTIME_DIR: d.runtime,
    JUPYTER_CONFIG_DIR: d.config,
    IPYTHONDIR: d.ipython,
    JUPYTER_PLATFORM_DIRS: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
}

/** The apps \`npm run lab\` starts, in order of preference (Python modules run with \`python -m\`). */
export const LAB_APPS = ["jupyterlab", "notebook"] as const;

/** Python interpreters to try, in order. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const c: string[] = [];
  if (env.SKIPLAB_PYTHON) return [env.SKIPLAB_PYTHON];
  if (env.CONDA_PREFIX) c.push(join(env.CONDA_PREFIX, "bin", "python"));
  c.push("python3", "/usr/bin/python3", "python");
  return Array.from(new Set(c));
}

/** The first Python that imports nbclient, nbconvert and jupyter_client; null when none does. */
export function findJupyterPython(env: NodeJS.ProcessEnv = process.env): { python: string; versions: string } | null {
  for (const py of pythonCandidates(env)) {
    const r = spawnSync(py, ["-c", "import nbclient, nbconvert, jupyter_client, nbformat; print(nbconvert.__version__, nbclient.__version__, jupyter_client.__version__)"], {
      encoding: "utf8",
      env,
      timeout: 60_000,
    });
    if (r.status === 0) {
      const [nbconvert, nbclient, client] = r.stdout.trim().split(/\s+/);
      const resolved = spawnSync(py, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", env }).stdout.trim() || py;
      return { python: resolved, versions: `nbconvert ${nbconvert}, nbclient ${nbclient}, jupyter_client ${client}` };
    }
  }
  return null;
}

/** The kernel spec of the tslab kernel, as Jupyter reads it from `kernels/tslab/kernel.json`. */
export function tslabKernelSpec(tslab: string): { argv: string[]; display_name: string; language: string } {
  // "--config-path" and "{connection_file}" are separate arguments (tslab reads the connection file from the next one).
  return { argv: [tslab, "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript", language: "typescript" };
}

/**
 * Registers the tslab kernel under `<root>/.jupyter/env/share/jupyter/kernels/tslab/kernel.json` by writing the
 * kernel spec itself (no Python involved: tslab's own installer needs IPython only to make a temporary folder), and
 * creates the project's Jupyter data, runtime, config and IPython folders. Writes nothing outside the project.
 * Idempotent; the spec is replaced atomically.
 */
export function installKernel(root: string): string {
  const d = jupyterDirs(root);
  for (const dir of [d.prefix, d.data, d.runtime, d.config, d.ipython]) mkdirSync(dir, { recursive: true });
  const tslab = join(root, "node_modules", ".bin", "tslab");
  if (!existsSync(tslab)) throw new Error(`tslab not found at ${tslab}: install the project's dependencies first (\`npm ci\`, or scripts/setup.sh).`);
  const dir = join(d.path, "kernels", "tslab");
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, "kernel.json");
  const tmp = `${spec}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(tslabKernelSpec(tslab), null, 1) + "\n");
  renameSync(tmp, spec);
  return spec;
}
