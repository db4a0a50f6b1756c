/**
 * `npm run lab` (lib/src/cli/lab.ts): JupyterLab when present, else the classic Notebook, `--allow-root` as root,
 * messages that name what Debian packages; notebooks that stay trusted when a cell without an id is added and saved
 * (scripts/skiplab_jupyter.py's save hooks, installed through the server config `lab` writes); and the committed
 * notebooks in nbformat 4.5 with a unique id on every cell.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  chooseLabApp,
  hooksModule,
  kernelMessage,
  labArgs,
  labInstallHelp,
  projectNotebooks,
  serverConfig,
  startNotebookServer,
  writeServerConfig,
} from "../../lib/src/cli/lab";
import { jupyterEnv } from "../../lib/src/report/jupyter";
import { needs, pythonWith } from "../support/requirements";

const root = join(__dirname, "..", "..");
const nbformatPython = pythonWith("nbformat");
const notebookPython = pythonWith("notebook", "nbformat");
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

describe("npm run lab: app, arguments and messages", () => {
  it("prefers JupyterLab, falls back to the classic Notebook, and says when neither is there", () => {
    expect(chooseLabApp({ jupyterlab: "4.2.0", notebook: "6.4.12" })).toBe("jupyterlab");
    expect(chooseLabApp({ jupyterlab: null, notebook: "6.4.12" })).toBe("notebook");
    expect(chooseLabApp({ jupyterlab: null, notebook: null })).toBeNull();
    expect(chooseLabApp({ jupyterlab: null, notebook: "6.4.12" }, "jupyterlab")).toBeNull();
  });

  it("passes --allow-root with a one-line note as root, and only then", () => {
    const asRoot = labArgs({ app: "notebook", version: "6.4.12", root: true });
    expect(asRoot.args).toEqual(["--allow-root"]);
    expect(asRoot.notes).toEqual([
      "Running as root: passing --allow-root to Jupyter (it refuses to start as root without it).",
    ]);
    expect(labArgs({ app: "notebook", version: "6.4.12", root: false })).toEqual({ args: [], notes: [] });
    // the user's own options come last and are not doubled
    const own = labArgs({
      app: "notebook",
      version: "6.4.12",
      root: true,
      ip: "127.0.0.1",
      port: 8890,
      noBrowser: true,
      extra: ["--allow-root", "--port=9999"],
    });
    expect(own.args).toEqual(["--ip=127.0.0.1", "--no-browser", "--allow-root", "--port=9999"]);
  });

  it("opens on notebooks/ in each app", () => {
    const open = (app: "notebook" | "jupyterlab", version: string) =>
      labArgs({ app, version, root: false, openFolder: "notebooks" }).args;
    expect(open("notebook", "6.4.12")).toEqual(["--NotebookApp.default_url=/tree/notebooks"]);
    expect(open("notebook", "7.2.1")).toEqual(["--JupyterNotebookApp.default_url=/tree/notebooks"]);
    expect(open("jupyterlab", "4.2.0")).toEqual(["--LabApp.default_url=/lab/tree/notebooks"]);
  });

  it("names what Debian packages (jupyter-notebook) and where JupyterLab comes from (pip, conda)", () => {
    const help = labInstallHelp("/usr/bin/python3");
    expect(help).toContain("Neither JupyterLab nor the classic Notebook is installed for /usr/bin/python3.");
    expect(help).toContain("apt-get install jupyter-notebook");
    expect(help).toContain("python3 -m pip install jupyterlab");
    expect(help).toContain("conda env create -f environment.yml");
    expect(help).not.toMatch(/apt-get install[^\n]*jupyterlab/);
    const kernel = kernelMessage("/p/.jupyter/env/share/jupyter/kernels/tslab/kernel.json", "/p");
    expect(kernel).toContain("npm run lab");
    expect(kernel).toContain("JUPYTER_PATH=/p/.jupyter/env/share/jupyter jupyter notebook");
    expect(kernel).toContain("apt-get install jupyter-notebook");
    expect(kernel).not.toMatch(/apt-get install[^\n]*jupyterlab/);
  });

  it("writes a server config for Notebook 6 and jupyter_server apps that installs the save hooks", () => {
    const dir = temp("skiplab-lab-");
    const files = writeServerConfig(dir);
    expect(files.map((f) => f.slice(dir.length))).toEqual([
      "/.jupyter/config/jupyter_notebook_config.py",
      "/.jupyter/config/jupyter_server_config.py",
    ]);
    for (const f of files) expect(readFileSync(f, "utf8")).toBe(serverConfig());
    expect(serverConfig()).toContain(JSON.stringify(join(root, "scripts")));
    expect(serverConfig()).toContain("configure_trust(c)");
    expect(hooksModule()).toBe(join(root, "scripts", "skiplab_jupyter.py"));
  });

  it("the project's notebooks are the tracked notebooks/*.ipynb", () => {
    const nbs = projectNotebooks(root);
    expect(nbs.length).toBeGreaterThanOrEqual(20);
    for (const f of nbs) expect(f).toMatch(/\/notebooks\/[^/]+\.ipynb$/);
  });
});

describe("the committed notebooks", () => {
  it("are nbformat 4.5 or later, with a unique string id on every cell", () => {
    const names = readdirSync(join(root, "notebooks")).filter((f) => f.endsWith(".ipynb"));
    expect(names.length).toBeGreaterThanOrEqual(20);
    const problems: string[] = [];
    for (const name of names) {
      const nb = JSON.parse(readFileSync(join(root, "notebooks", name), "utf8")) as {
        nbformat: number;
        nbformat_minor: number;
        cells: Array<{ id?: unknown }>;
      };
      if (nb.nbformat !== 4 || !(nb.nbformat_minor >= 5))
        problems.push(`${name}: nbformat ${nb.nbformat}.${nb.nbformat_minor}`);
      const seen = new Set<string>();
      nb.cells.forEach((c, i) => {
        if (typeof c.id !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(c.id))
          problems.push(`${name}: cell ${i} has no valid id`);
        else if (seen.has(c.id)) problems.push(`${name}: cell ${i} repeats id ${c.id}`);
        else seen.add(c.id);
      });
    }
    expect(problems).toEqual([]);
  });
});

/**
 * A save as the server makes it, through the server config `lab` writes. With Debian's classic Notebook: its own
 * NotebookApp loads the config from JUPYTER_CONFIG_DIR and its FileContentsManager saves (pre-save hook, sign, write,
 * post-save hook); without it: the same steps imitated with nbformat. Prints one JSON object of results.
 */
const SAVE_SCRIPT = String.raw`
import copy, json, os, sys
import nbformat
from nbformat.sign import NotebookNotary

work = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from skiplab_jupyter import pre_save_hook, post_save_hook, trust_notebooks

def notebook(trusted, with_ids):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# title"},
        {"cell_type": "code", "execution_count": 1, "metadata": {"trusted": trusted}, "source": "show()",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"text/html": "<script>draw()</script>", "text/plain": "fig"}}]},
        # the cell the browser added: no id
        {"cell_type": "code", "execution_count": None, "metadata": {"trusted": trusted}, "source": "1 + 1", "outputs": []},
    ]
    if with_ids:
        cells[0]["id"] = "a1"
        cells[1]["id"] = "b2"
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}

def manager(hooks):
    try:
        from notebook.notebookapp import NotebookApp
        from notebook.services.contents.filemanager import FileContentsManager
    except ImportError:
        return None
    app = NotebookApp()
    if hooks:
        app.load_config_file(suppress_errors=False)
    return FileContentsManager(parent=app, root_dir=work)

class Imitation:
    """The classic Notebook's FileContentsManager.save, step by step (notebook 6.4.12)."""
    def __init__(self, hooks):
        self.hooks = hooks
        self.notary = NotebookNotary()
    def save(self, model, path):
        if self.hooks:
            pre_save_hook(model=model, path=path, contents_manager=self)
        nb = nbformat.from_dict(model["content"])
        if self.notary.check_cells(nb):
            self.notary.sign(nb)
        nbformat.write(nb, os.path.join(work, path))
        if self.hooks:
            post_save_hook(model={"type": "notebook", "path": path}, os_path=os.path.join(work, path), contents_manager=self)

def save(hooks, path, nb):
    m = manager(hooks) or Imitation(hooks)
    m.save({"type": "notebook", "format": "json", "content": nb}, path)
    return type(m).__name__

def state(path):
    with open(os.path.join(work, path)) as f:
        raw = json.load(f)
    nb = nbformat.read(os.path.join(work, path), as_version=4)
    ids = [c.get("id") for c in raw["cells"]]
    return {"minor": raw["nbformat_minor"], "ids": ids, "signed": NotebookNotary().check_signature(nb)}

out = {}
out["manager"] = save(True, "fixed.ipynb", notebook(True, True))
out["fixed"] = state("fixed.ipynb")
save(False, "control.ipynb", notebook(True, True))
out["control"] = state("control.ipynb")
save(True, "untrusted.ipynb", notebook(False, True))
out["untrusted"] = state("untrusted.ipynb")
# the hooks called directly, as the server calls them, on a notebook missing every id
model = {"type": "notebook", "content": notebook(True, False)}
pre_save_hook(model=model, path="direct.ipynb", contents_manager=None)
nb = nbformat.from_dict(model["content"])
NotebookNotary().sign(nb)
nbformat.write(nb, os.path.join(work, "direct.ipynb"))
post_save_hook(model={"type": "notebook", "path": "direct.ipynb"}, os_path=os.path.join(work, "direct.ipynb"), contents_manager=None)
out["direct"] = state("direct.ipynb")
# jupyter trust, on a file missing an id
with open(os.path.join(work, "cold.ipynb"), "w") as f:
    json.dump(notebook(False, False) | {"nbformat_minor": 4}, f)
out["trustLines"] = [what for _, what in trust_notebooks([os.path.join(work, "cold.ipynb")])]
out["cold"] = state("cold.ipynb")
print(json.dumps(out))
`;

interface NbState {
  minor: number;
  ids: Array<string | null>;
  signed: boolean;
}

describe("trust survives adding a cell and saving (scripts/skiplab_jupyter.py)", () => {
  needs(nbformatPython !== null, "a Python with nbformat (Debian: python3-nbformat; scripts/setup.sh installs it)")(
    "the save hooks add the missing ids before signing, so the saved file is signed; an untrusted notebook stays unsigned",
    () => {
      const project = temp("skiplab-trust-");
      writeServerConfig(project);
      const work = join(project, "work");
      mkdirSync(work);
      const r = spawnSync(nbformatPython!, ["-c", SAVE_SCRIPT, work, join(root, "scripts")], {
        encoding: "utf8",
        env: { ...jupyterEnv(project), HOME: project },
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, NbState> & {
        manager: string;
        trustLines: string[];
      };
      // with Debian's Notebook present, its own FileContentsManager saved, with the config loaded as the server does
      if (notebookPython) expect(out.manager).toBe("FileContentsManager");
      const validIds = (s: NbState) =>
        s.ids.every((id) => typeof id === "string" && /^[a-zA-Z0-9_-]{1,64}$/.test(id)) &&
        new Set(s.ids).size === s.ids.length;
      expect(out.fixed.ids.slice(0, 2)).toEqual(["a1", "b2"]);
      expect(validIds(out.fixed)).toBe(true);
      expect(out.fixed.minor).toBe(5);
      expect(out.fixed.signed).toBe(true);
      // the bug, without the hooks: nbformat adds the id while writing, after signing, and the file is not trusted
      expect(validIds(out.control)).toBe(true);
      expect(out.control.signed).toBe(false);
      // a notebook the server did not trust is not signed by the hooks
      expect(out.untrusted.signed).toBe(false);
      expect(validIds(out.direct) && out.direct.signed).toBe(true);
      expect(out.trustLines).toEqual(["signed (cell ids added)"]);
      expect(validIds(out.cold) && out.cold.minor === 5 && out.cold.signed).toBe(true);
    },
    120_000,
  );

  needs(
    notebookPython !== null,
    "a Python with the classic Notebook (Debian: jupyter-notebook; scripts/setup.sh installs it)",
  )(
    "startNotebookServer: answers on its port, serves files under the root, signs the notebooks at start, keeps a saved notebook with a new cell trusted",
    async () => {
      // a throw-away project sharing the real node_modules (the kernel spec points at its tslab)
      const project = temp("skiplab-labsrv-");
      symlinkSync(join(root, "node_modules"), join(project, "node_modules"));
      mkdirSync(join(project, "notebooks"));
      mkdirSync(join(project, "lib", "dist", "assets"), { recursive: true });
      writeFileSync(join(project, "lib", "dist", "assets", "probe.js"), "window.probe = 1;\n");
      const nb = "01-toy-model-ghosts.ipynb";
      copyFileSync(join(root, "notebooks", nb), join(project, "notebooks", nb));
      const server = await startNotebookServer({ root: project });
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        expect(["jupyterlab", "notebook"]).toContain(server.app);
        const get = (p: string) => fetch(`${server.url}${p}`, { headers: server.headers });
        // files under the root, through /files/
        const asset = await get("files/lib/dist/assets/probe.js");
        expect(asset.status).toBe(200);
        expect(await asset.text()).toBe("window.probe = 1;\n");
        // signed at start: every code cell comes back trusted
        type Model = { content: { cells: Array<{ cell_type: string; id?: string; metadata: { trusted?: boolean } }> } };
        const trusted = async (p: string) => {
          const m = (await (await get(`api/contents/${p}`)).json()) as Model;
          return m.content.cells.filter((c) => c.cell_type === "code").map((c) => c.metadata.trusted);
        };
        const atStart = await trusted(`notebooks/${nb}`);
        expect(atStart.length).toBeGreaterThan(2);
        expect(atStart.every((t) => t === true)).toBe(true);
        // the browser adds a cell (no id) and saves: the notebook reopens trusted
        const model = (await (await get(`api/contents/notebooks/${nb}`)).json()) as Model;
        model.content.cells.push({
          cell_type: "code",
          metadata: { trusted: true },
          ...({ source: "1 + 1", outputs: [], execution_count: null } as object),
        });
        const put = await fetch(`${server.url}api/contents/notebooks/${nb}`, {
          method: "PUT",
          headers: { ...server.headers, "Content-Type": "application/json" },
          body: JSON.stringify({ type: "notebook", format: "json", content: model.content }),
        });
        expect(put.status).toBe(200);
        const reopened = await trusted(`notebooks/${nb}`);
        expect(reopened.length).toBe(atStart.length + 1);
        expect(reopened.every((t) => t === true)).toBe(true);
        const saved = JSON.parse(readFileSync(join(project, "notebooks", nb), "utf8")) as {
          nbformat_minor: number;
          cells: Array<{ id?: string }>;
        };
        expect(saved.nbformat_minor).toBeGreaterThanOrEqual(5);
        expect(saved.cells.every((c) => typeof c.id === "string")).toBe(true);
      } finally {
        expect(await server.stop()).not.toBeUndefined();
      }
      // stopped: the port no longer answers
      await expect(fetch(`${server.url}api/status`)).rejects.toThrow();
    },
    120_000,
  );
});
