/**
 * `npm run lab` (`skiplab lab`): a Jupyter server for the project's notebooks, and `startNotebookServer`, the same
 * server started from code (e.g. by a browser test).
 *
 * - **Which app:** JupyterLab when the project's Python has it (pip or conda: Debian does not package it), else the
 *   classic Notebook (Debian: `apt-get install jupyter-notebook`, Notebook 6.4). Neither: a message naming both.
 * - **As root** (a container, the README's quick start): `--allow-root` is passed, with a one-line note (Jupyter
 *   refuses to start as root without it).
 * - **Served from the project root**, so every file under it is reachable through the server's `/files/` route
 *   (e.g. `lib/dist/assets/plotly.min.js` at `/files/lib/dist/assets/plotly.min.js`); the browser opens on
 *   `notebooks/`.
 * - **Kernel and config inside the project:** the tslab kernel is registered under `.jupyter/` (report/jupyter.ts
 *   `installKernel`) and every Jupyter directory points there (`jupyterEnv`: config, data with the trust database,
 *   runtime).
 * - **Trust that survives a save:** the server config written at every start (`.jupyter/config/
 *   jupyter_notebook_config.py` for Notebook 6, `jupyter_server_config.py` for JupyterLab and Notebook 7) installs
 *   the save hooks of scripts/skiplab_jupyter.py: a notebook is normalised (nbformat 4.5, a cell id on every cell)
 *   before the server signs it, so a notebook with a cell added in the browser reopens trusted (Notebook 6.4.12 adds
 *   the ids only while writing, after signing). At start the project's notebooks (`notebooks/*.ipynb` that git
 *   tracks) are signed, as `jupyter trust` does.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { projectRoot } from "../report/context";
import { installKernel, jupyterDirs, jupyterEnv, LAB_APPS, pythonCandidates } from "../report/jupyter";

/** The Jupyter apps `lab` can start (Python modules run with `python -m`), in order of preference. */
export type LabApp = (typeof LAB_APPS)[number];

/** What a Python offers for `lab`: its path and the versions of the apps it can import (null: absent). */
export interface LabPython {
  python: string;
  jupyterlab: string | null;
  notebook: string | null;
  nbformat: string | null;
}

const DETECT = `
import importlib.util, json, sys
def version(name):
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return str(getattr(__import__(name), "__version__", "unknown"))
    except Exception:
        return None
print(json.dumps({"python": sys.executable, "jupyterlab": version("jupyterlab"), "notebook": version("notebook"), "nbformat": version("nbformat")}))
`;

/** The first Python (SKIPLAB_PYTHON, conda's, python3, /usr/bin/python3, python) that has JupyterLab or the Notebook. */
export function findLabPython(env: NodeJS.ProcessEnv = process.env): LabPython | null {
  for (const py of pythonCandidates(env)) {
    const r = spawnSync(py, ["-c", DETECT], { encoding: "utf8", env, timeout: 60_000 });
    if (r.status !== 0) continue;
    try {
      const found = JSON.parse(r.stdout.trim().split("\n").pop()!) as LabPython;
      if (found.jupyterlab || found.notebook) return found;
    } catch {
      // not our JSON: try the next Python
    }
  }
  return null;
}

/** The app to start: JupyterLab when present, else the classic Notebook; null when neither is installed. */
export function chooseLabApp(py: Pick<LabPython, "jupyterlab" | "notebook">, asked: LabApp | "auto" = "auto") {
  if (asked !== "auto") return py[asked] ? asked : null;
  return LAB_APPS.find((a) => py[a]) ?? null;
}

/** How to get JupyterLab or the classic Notebook: what Debian packages, and JupyterLab from pip or conda. */
export function labInstallHelp(python: string | null): string {
  return [
    python
      ? `Neither JupyterLab nor the classic Notebook is installed for ${python}.`
      : "No Python with JupyterLab or the classic Notebook was found (tried SKIPLAB_PYTHON, conda's, python3, /usr/bin/python3).",
    "Install one, then run `npm run lab` again:",
    "  • the classic Notebook, Debian/Ubuntu (as root): apt-get install jupyter-notebook   (scripts/setup.sh does)",
    "  • JupyterLab (Debian does not package it): python3 -m pip install jupyterlab,",
    "    or conda: conda env create -f environment.yml && conda activate skip-singularities",
    "Or point SKIPLAB_PYTHON at a Python that has one.",
  ].join("\n");
}

/** What `npm run kernel` prints after registering the kernel. */
export function kernelMessage(spec: string, root: string): string {
  const path = jupyterDirs(root).path;
  return [
    `tslab kernel registered: ${spec}`,
    "Start a notebook server with it: npm run lab   (JupyterLab when installed, else the classic Notebook)",
    "or by hand, from the project root:",
    `  JUPYTER_PATH=${path} jupyter notebook   (Debian: apt-get install jupyter-notebook; add --allow-root as root)`,
    `  JUPYTER_PATH=${path} jupyter lab        (JupyterLab: python3 -m pip install jupyterlab, or conda env create -f environment.yml)`,
    "(`npm run lab` also keeps saved notebooks trusted; a server started by hand does not.)",
  ].join("\n");
}

/** True for the root user (uid 0). */
export function runningAsRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A short name of the app and version, e.g. "the classic Notebook 6.4.12". */
export function appName(app: LabApp, version: string | null): string {
  return app === "jupyterlab" ? `JupyterLab ${version ?? ""}`.trim() : `the classic Notebook ${version ?? ""}`.trim();
}

/** True when the app runs on jupyter_server (JupyterLab, Notebook ≥ 7), false for the classic Notebook ≤ 6. */
export function onJupyterServer(app: LabApp, version: string | null): boolean {
  return app === "jupyterlab" || Number.parseInt(version ?? "6", 10) >= 7;
}

export interface LabArgsOptions {
  app: LabApp;
  version: string | null;
  /** Running as root (adds --allow-root). */
  root: boolean;
  /** Open the browser on this folder (relative to the served folder), e.g. "notebooks"; none: Jupyter's default. */
  openFolder?: string;
  ip?: string;
  port?: number;
  noBrowser?: boolean;
  /** The user's own Jupyter options, passed last. */
  extra?: readonly string[];
}

/** The arguments after `python -m <app>`, and the notes to print (one line each). */
export function labArgs(o: LabArgsOptions): { args: string[]; notes: string[] } {
  const extra = o.extra ?? [];
  const has = (flag: string) => extra.some((a) => a === flag || a.startsWith(`${flag}=`));
  const args: string[] = [];
  const notes: string[] = [];
  if (o.ip !== undefined && !has("--ip")) args.push(`--ip=${o.ip}`);
  if (o.port !== undefined && !has("--port")) args.push(`--port=${o.port}`, "--port-retries=0");
  if (o.noBrowser && !has("--no-browser")) args.push("--no-browser");
  if (o.openFolder !== undefined) {
    const folder = o.openFolder.split("/").map(encodeURIComponent).join("/");
    const server = onJupyterServer(o.app, o.version);
    if (o.app === "jupyterlab") args.push(`--LabApp.default_url=/lab/tree/${folder}`);
    else if (server) args.push(`--JupyterNotebookApp.default_url=/tree/${folder}`);
    else args.push(`--NotebookApp.default_url=/tree/${folder}`);
  }
  if (o.root && !has("--allow-root")) {
    args.push("--allow-root");
    notes.push("Running as root: passing --allow-root to Jupyter (it refuses to start as root without it).");
  }
  args.push(...extra);
  return { args, notes };
}

/** The code path of scripts/skiplab_jupyter.py (the save hooks), from lib/src/cli or lib/dist/cli alike. */
export function hooksModule(): string {
  return resolve(__dirname, "..", "..", "..", "scripts", "skiplab_jupyter.py");
}

/** The server config that installs the save hooks (the same text for Notebook 6 and jupyter_server apps). */
export function serverConfig(hooks: string = hooksModule()): string {
  const dir = JSON.stringify(resolve(hooks, ".."));
  return `# Written by \`npm run lab\` (lib/src/cli/lab.ts) at every start: edits here are overwritten.
# Installs the save hooks that keep a notebook trusted when a cell without an id was added (scripts/skiplab_jupyter.py).
import sys

c = get_config()  # noqa: F821 (given by Jupyter's config loader)
if ${dir} not in sys.path:
    sys.path.insert(0, ${dir})
from skiplab_jupyter import configure_trust  # noqa: E402

configure_trust(c)
`;
}

/** Writes the server config into the project's Jupyter config folder; returns the files written. */
export function writeServerConfig(root: string, hooks: string = hooksModule()): string[] {
  if (!existsSync(hooks)) throw new Error(`the notebook save hooks ${hooks} are missing from the checkout`);
  const dir = jupyterDirs(root).config;
  mkdirSync(dir, { recursive: true });
  const text = serverConfig(hooks);
  const files = ["jupyter_notebook_config.py", "jupyter_server_config.py"].map((f) => join(dir, f));
  for (const f of files) {
    const tmp = `${f}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, f);
  }
  return files;
}

/** The project's own notebooks: `notebooks/*.ipynb` that git tracks (all of them outside a git checkout). */
export function projectNotebooks(root: string): string[] {
  const dir = join(root, "notebooks");
  if (!existsSync(dir)) return [];
  const git = spawnSync("git", ["ls-files", "-z", "--", "notebooks/*.ipynb"], { cwd: root, encoding: "utf8" });
  const names =
    git.status === 0
      ? git.stdout.split("\0").filter((f) => f && !f.slice("notebooks/".length).includes("/"))
      : readdirSync(dir)
          .filter((f) => f.endsWith(".ipynb"))
          .map((f) => `notebooks/${f}`);
  return names
    .map((f) => join(root, f))
    .filter((f) => existsSync(f))
    .sort();
}

/**
 * Signs notebooks in the project's trust database (`jupyter trust`, through scripts/skiplab_jupyter.py, which also
 * adds cell ids a notebook lacks). Returns one line per notebook; throws with Python's message when it fails.
 */
export function trustNotebooks(python: string, root: string, notebooks: readonly string[]): string[] {
  if (notebooks.length === 0) return [];
  const r = spawnSync(python, [hooksModule(), "trust", ...notebooks], {
    encoding: "utf8",
    env: jupyterEnv(root),
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`signing the notebooks failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim().split("\n").filter(Boolean);
}

export interface NotebookServerOptions {
  /** The project root: its .jupyter/ holds the kernel spec, the server config and the trust database (default: the checkout). */
  root?: string;
  /** The folder served (default: the project root); a file under it is at `<url>files/<path>`. */
  serve?: string;
  /** "auto" (default): JupyterLab when installed, else the classic Notebook. */
  app?: LabApp | "auto";
  /** Default 127.0.0.1. */
  ip?: string;
  /** Default: a free port. */
  port?: number;
  /** The server's token (default: a random one); "" turns authentication off. */
  token?: string;
  /** Default true. */
  noBrowser?: boolean;
  /** Notebooks to sign at start (default: the project's, `projectNotebooks(root)`). */
  trust?: readonly string[];
  /** The Python to run Jupyter with (default: the first found by `findLabPython`). */
  python?: string;
  /** More Jupyter options. */
  args?: readonly string[];
  /** Each line the server prints (default: dropped). */
  log?: (line: string) => void;
  /** How long to wait for the server to answer (default 60 s). */
  timeoutMs?: number;
}

export interface NotebookServer {
  /** The server's base URL, e.g. "http://127.0.0.1:8890/" (without the token). */
  url: string;
  token: string;
  port: number;
  app: LabApp;
  /** E.g. "the classic Notebook 6.4.12". */
  appName: string;
  python: string;
  /** The URL of a page with the token, e.g. `urlFor("notebooks/notebooks/01-toy-model-ghosts.ipynb")`. */
  urlFor(path: string): string;
  /** Headers for the REST API (`Authorization: token …`; no XSRF cookie needed). */
  headers: Record<string, string>;
  /** The notes `lab` prints (root, app). */
  notes: string[];
  process: ChildProcess;
  /** Stops the server and its kernels (SIGTERM, then SIGKILL after 10 s); resolves with its exit code. */
  stop(): Promise<number | null>;
}

function freePort(ip: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, ip, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** What both the command and `startNotebookServer` do before starting Jupyter. */
function prepare(root: string, python: LabPython, asked: LabApp | "auto", trust: readonly string[]) {
  const app = chooseLabApp(python, asked);
  if (!app) throw new Error(labInstallHelp(python.python));
  installKernel(root);
  writeServerConfig(root);
  const trusted = trustNotebooks(python.python, root, trust);
  return { app, version: python[app], trusted };
}

/**
 * Starts a Jupyter server as `npm run lab` does (kernel registered, save hooks installed, the project's notebooks
 * signed, `--allow-root` as root), on 127.0.0.1 and a free port with a random token unless told otherwise, and
 * resolves once it answers on its REST API. Call `stop()` when done.
 *
 *   const server = await startNotebookServer();
 *   await page.goto(server.urlFor("notebooks/notebooks/01-toy-model-ghosts.ipynb")); // Notebook 6's page
 *   …
 *   await server.stop();
 */
export async function startNotebookServer(o: NotebookServerOptions = {}): Promise<NotebookServer> {
  const root = o.root ?? projectRoot();
  const serve = o.serve ?? root;
  const found = o.python ? findLabPython({ ...process.env, SKIPLAB_PYTHON: o.python }) : findLabPython();
  if (!found) throw new Error(labInstallHelp(o.python ?? null));
  const { app, version } = prepare(root, found, o.app ?? "auto", o.trust ?? projectNotebooks(root));
  const ip = o.ip ?? "127.0.0.1";
  const port = o.port ?? (await freePort(ip));
  const token = o.token ?? randomBytes(24).toString("hex");
  const opens = existsSync(join(serve, "notebooks")) ? "notebooks" : undefined;
  const { args, notes } = labArgs({
    app,
    version,
    root: runningAsRoot(),
    ip,
    port,
    noBrowser: o.noBrowser ?? true,
    openFolder: opens,
    extra: o.args,
  });
  const child = spawn(found.python, ["-m", app, ...args], {
    cwd: serve,
    env: { ...jupyterEnv(root), JUPYTER_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends the kernels with it
  });
  let output = "";
  const onData = (d: Buffer) => {
    const text = d.toString();
    output = (output + text).slice(-8000);
    if (o.log) for (const line of text.split("\n")) if (line.trim()) o.log(line);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res((exitCode = code))));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  const stop = async () => {
    if (exitCode === undefined) {
      killGroup("SIGTERM");
      const timer = setTimeout(() => killGroup("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener("exit", onExit);
    return exitCode ?? null;
  };
  const host = ip.includes(":") ? `[${ip}]` : ip === "0.0.0.0" ? "127.0.0.1" : ip;
  const url = `http://${host}:${port}/`;
  const headers: Record<string, string> = token ? { Authorization: `token ${token}` } : {};
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${appName(app, version)} exited with ${exitCode} before answering:\n${output.trim()}`);
    try {
      const r = await fetch(`${url}api/status`, { headers });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${appName(app, version)} did not answer on ${url} within ${o.timeoutMs ?? 60_000} ms:\n${output.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    token,
    port,
    app,
    appName: appName(app, version),
    python: found.python,
    urlFor: (path: string) => `${url}${path.replace(/^\//, "")}${token ? `?token=${token}` : ""}`,
    headers,
    notes,
    process: child,
    stop,
  };
}

/**
 * `skiplab lab [jupyter options]`: registers the kernel, writes the server config, signs the project's notebooks and
 * runs JupyterLab (or the classic Notebook) in the foreground from the project root, opening on notebooks/.
 * Returns the server's exit status (2 when no Jupyter app is installed).
 */
export async function labCommand(extra: readonly string[]): Promise<number> {
  const root = projectRoot();
  const found = findLabPython();
  if (!found) {
    installKernel(root);
    console.error(labInstallHelp(null));
    return 2;
  }
  let prepared: ReturnType<typeof prepare>;
  try {
    prepared = prepare(root, found, "auto", projectNotebooks(root));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const { app, version, trusted } = prepared;
  const { args, notes } = labArgs({ app, version, root: runningAsRoot(), openFolder: "notebooks", extra });
  const signed = trusted.filter((l) => /: signed/.test(l)).length;
  console.error(
    `Kernel registered and ${trusted.length} notebooks trusted (${signed} newly signed) in ${relative(root, jupyterDirs(root).base)}/.`,
  );
  if (app === "notebook")
    console.error(
      `Starting ${appName(app, version)} from ${root} (JupyterLab is not installed for ${found.python}; ` +
        "for it: python3 -m pip install jupyterlab, or conda env create -f environment.yml).",
    );
  else console.error(`Starting ${appName(app, version)} from ${root}.`);
  for (const n of notes) console.error(n);
  const child = spawn(found.python, ["-m", app, ...args], { cwd: root, env: jupyterEnv(root), stdio: "inherit" });
  // Ctrl-C reaches Jupyter from the terminal (it asks for confirmation, or stops on a second one) and this process
  // waits for it; SIGTERM and SIGHUP are passed on, so that the server and its kernels never outlive the command
  const ignore = () => undefined;
  const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
  const onTerm = forward("SIGTERM");
  const onHup = forward("SIGHUP");
  process.on("SIGINT", ignore);
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onHup);
  try {
    return await new Promise<number>((res) => {
      child.on("error", (e) => {
        console.error(`could not start ${appName(app, version)}: ${e.message}`);
        res(1);
      });
      child.on("exit", (code) => res(code ?? 1));
    });
  } finally {
    process.removeListener("SIGINT", ignore);
    process.removeListener("SIGTERM", onTerm);
    process.removeListener("SIGHUP", onHup);
  }
}
