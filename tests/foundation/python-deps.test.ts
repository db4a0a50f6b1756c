/**
 * scripts/python-deps.tsv lists every Python module the project runs, and scripts/setup.sh installs from it. These
 * tests keep the list and the code in step: every Python import anywhere in the repository (.py files, Python
 * embedded in TypeScript and JavaScript, `python -c "import …"` and `python -m …` calls) is listed, every
 * listed module is imported somewhere, and setup.sh asks for every listed Debian package.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAB_APPS } from "../../lib/src/report/jupyter";
import { needs, pythonWith } from "../support/requirements";

const root = join(__dirname, "..", "..");

interface Dep {
  module: string;
  debian: string;
  neededBy: string;
}

function readDeps(): Dep[] {
  return readFileSync(join(root, "scripts", "python-deps.tsv"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#") && !l.startsWith("module\t"))
    .map((l) => {
      const [module, debian, neededBy] = l.split("\t");
      return { module, debian, neededBy };
    });
}

const IDENT = String.raw`[A-Za-z_][\w.]*`;
const IMPORT_LIST = String.raw`${IDENT}(?:\s+as\s+\w+)?(?:\s*,\s*${IDENT}(?:\s+as\s+\w+)?)*`;

/**
 * Top-level module names a text imports as Python. In a .py file every import statement counts; elsewhere, lines
 * that are Python import statements (a TypeScript import always has quotes or braces, a Python one never does),
 * `-c "import a, b; …"` one-liners (a string right after -c) and `-m module` invocations.
 */
export function pythonImports(text: string, kind: "python" | "shell" | "js"): string[] {
  const found = new Set<string>();
  const add = (list: string) => {
    for (const part of list.split(",")) {
      const name = part
        .trim()
        .split(/\s+as\s+/)[0]
        .split(".")[0];
      if (name) found.add(name);
    }
  };
  for (const line of text.split("\n")) {
    let m = line.match(new RegExp(String.raw`^\s*import\s+(${IMPORT_LIST})\s*(?:#.*)?$`));
    if (m) add(m[1]);
    m = line.match(new RegExp(String.raw`^\s*from\s+(${IDENT})\s+import\s+[\w\s,*()]+(?:#.*)?$`));
    if (m && !m[1].startsWith(".")) add(m[1]);
    if (kind === "python") continue;
    for (const c of line.matchAll(
      new RegExp(String.raw`-c["']?,?\s*["'\`]\s*import\s+(${IMPORT_LIST})\s*[;"'\`]`, "g"),
    ))
      add(c[1]);
    for (const c of line.matchAll(/["']-m["'],\s*["']([\w.]+)["']/g)) add(c[1]);
    if (kind === "shell") for (const c of line.matchAll(/python3?\S*"?\s+-m\s+([\w.]+)/g)) add(c[1]);
  }
  return [...found];
}

/** Every tracked file that can run Python, with the modules it imports. */
function importsInRepo(): Map<string, string[]> {
  const files = spawnSync(
    "git",
    ["ls-files", "-z", "--", "lib/src", "tests", "bench", "scripts", ".ci", "package.json"],
    { cwd: root, encoding: "utf8" },
  )
    .stdout.split("\0")
    .filter((f) => /\.(ts|mjs|cjs|js|py|sh|json)$/.test(f) || f === ".ci/run");
  const out = new Map<string, string[]>();
  for (const f of files) {
    if (f === "tests/foundation/python-deps.test.ts") continue; // this file's own examples
    const kind = f.endsWith(".py") ? "python" : f.endsWith(".sh") || f === ".ci/run" ? "shell" : "js";
    const mods = pythonImports(readFileSync(join(root, f), "utf8"), kind);
    if (mods.length) out.set(f, mods);
  }
  return out;
}

/** Python's standard library and the repository's own .py modules (not dependencies). */
function notDependencies(python: string): Set<string> {
  const r = spawnSync(python, ["-c", "import sys; print('\\n'.join(sorted(sys.stdlib_module_names)))"], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${python} could not list its standard library: ${r.stderr}`);
  const local = spawnSync("git", ["ls-files", "*.py"], { cwd: root, encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean);
  return new Set([
    ...r.stdout.split("\n").filter(Boolean),
    ...local.map((f) => f.replace(/^.*\//, "").replace(/\.py$/, "")),
  ]);
}

const anyPython = pythonWith("sys");

describe("the Python dependency list (scripts/python-deps.tsv)", () => {
  it("finds Python imports and leaves TypeScript imports alone", () => {
    const ts =
      'import * as tf from "@tensorflow/tfjs";\nimport { a, b } from "./x";\nimport type { T } from "y";\n} from "z";';
    expect(pythonImports(ts, "js")).toEqual([]);
    const py =
      "const S = `\nimport json, sys, torch\nimport numpy as np, scipy.io\nfrom nbclient.exceptions import CellTimeoutError\n`;";
    expect(pythonImports(py, "js").sort()).toEqual(["json", "nbclient", "numpy", "scipy", "sys", "torch"]);
    expect(
      pythonImports(
        'spawnSync(py, ["-c", "import nbclient, nbformat; print(1)"]); run(py, ["-m", "nbconvert", "--to"]);',
        "js",
      ).sort(),
    ).toEqual(["nbclient", "nbconvert", "nbformat"]);
    expect(pythonImports('"$py" -c "import torch" && /usr/bin/python3 -m pip list', "shell").sort()).toEqual([
      "pip",
      "torch",
    ]);
    expect(pythonImports("console.log(`python3 -m pip install nbclient`)", "js")).toEqual([]);
    expect(pythonImports('{ message: "import boom" }', "js")).toEqual([]);
    expect(pythonImports("from . import sibling\nimport os  # comment", "python")).toEqual(["os"]);
  });

  needs(anyPython !== null, "a Python 3.10+ (Debian: python3)")(
    "lists every module the code imports, and nothing it does not",
    () => {
      const deps = readDeps();
      const listed = new Set(deps.map((d) => d.module));
      const skip = notDependencies(anyPython!);
      const used = new Map<string, string[]>();
      for (const [file, mods] of importsInRepo()) {
        for (const m of mods) if (!skip.has(m)) used.set(m, [...(used.get(m) ?? []), file]);
      }
      for (const app of LAB_APPS) used.set(app, [...(used.get(app) ?? []), "lib/src/report/jupyter.ts (LAB_APPS)"]);
      const unlisted = [...used.keys()]
        .filter((m) => !listed.has(m))
        .map((m) => `${m} (imported by ${used.get(m)!.join(", ")})`);
      expect(unlisted, "imported but missing from scripts/python-deps.tsv").toEqual([]);
      const unused = [...listed].filter((m) => !used.has(m));
      expect(unused, "listed in scripts/python-deps.tsv but imported nowhere").toEqual([]);
      // the modules the main job and the independent checks need are all installed by setup.sh
      for (const m of ["nbformat", "nbclient", "nbconvert", "jupyter_client", "numpy", "scipy", "torch"]) {
        expect(deps.find((d) => d.module === m)!.debian, m).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
      }
    },
  );

  it("setup.sh asks for the Debian package of every listed module that the Python lacks", () => {
    const r = spawnSync("bash", [join(root, "scripts", "setup.sh"), "--check"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, SKIPLAB_PYTHON: "/nonexistent/python3" },
    });
    expect(r.status).toBe(1);
    const packages = (r.stdout.match(/^setup: apt-get install (.*)$/m) ?? [])[1]?.split(" ") ?? [];
    const debian = [
      ...new Set(
        readDeps()
          .map((d) => d.debian)
          .filter((p) => p !== "-"),
      ),
    ];
    for (const p of debian) expect(packages).toContain(p);
    expect(r.stdout).toMatch(
      /missing for \/nonexistent\/python3: nbformat nbclient nbconvert jupyter_client notebook numpy scipy torch/,
    );
  });

  needs(
    pythonWith(
      ...readDeps()
        .filter((d) => d.debian !== "-")
        .map((d) => d.module),
    ) !== null,
    "every module of scripts/python-deps.tsv (scripts/setup.sh installs them)",
  )("the project's Python imports every module setup.sh installs", () => {
    const r = spawnSync("bash", [join(root, "scripts", "setup.sh"), "--check"], { cwd: root, encoding: "utf8" });
    expect(r.stdout).not.toMatch(/missing for [^:]*: (?!no Python modules)/);
  });
});
