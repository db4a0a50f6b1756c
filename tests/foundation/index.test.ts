/**
 * The public index: a curated flat API (what the notebooks call) plus one namespace per library area. Every name a
 * notebook uses must resolve, and the flat level must stay small.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as sk from "../../lib/src";

const root = join(__dirname, "..", "..");
const NAMESPACES = [
  "engine",
  "data",
  "linalg",
  "spectra",
  "models",
  "train",
  "runs",
  "curvature",
  "metrics",
  "stats",
  "toy",
  "experiments",
  "plots",
  "display",
  "frames",
  "report",
  "random",
];

/**
 * `sk.a` and `sk.a.b` references in the code cells of every notebook, and in the shell commands its markdown gives
 * (fenced blocks with `const sk=require("skiplab")` or `require("skiplab").a`), which nothing else runs.
 */
function notebookReferences(): Array<{ notebook: string; path: string[]; constructed: boolean }> {
  const out: Array<{ notebook: string; path: string[]; constructed: boolean }> = [];
  for (const f of readdirSync(join(root, "notebooks")).filter((n) => n.endsWith(".ipynb"))) {
    const nb = JSON.parse(readFileSync(join(root, "notebooks", f), "utf8")) as {
      cells: Array<{ cell_type: string; source: string[] }>;
    };
    for (const c of nb.cells) {
      const text = c.source.join("");
      const code =
        c.cell_type === "code"
          ? text
          : [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
              .map((m) => m[1])
              .filter((b) => b.includes('require("skiplab")'))
              .join("\n")
              .replace(/require\("skiplab"\)\./g, "sk.");
      for (const m of code.matchAll(/(new\s+)?\bsk\.([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?/g))
        out.push({ notebook: f, path: [m[2], ...(m[3] ? [m[3]] : [])], constructed: m[1] !== undefined });
    }
  }
  return out;
}

describe("the public index", () => {
  const index = sk as unknown as Record<string, unknown>;
  it("has one namespace per area, each holding that area's API", () => {
    for (const ns of NAMESPACES) expect(typeof index[ns], ns).toBe("object");
    expect(typeof sk.linalg.eigh).toBe("function");
    expect(typeof sk.curvature.hessianOperator).toBe("function");
    expect(typeof sk.stats.welch).toBe("function");
    expect(typeof sk.engine.accelerateWasm).toBe("function");
  });

  it("every name a notebook uses resolves (values; types are checked by tslab when the notebooks run)", () => {
    const refs = notebookReferences();
    expect(refs.length).toBeGreaterThan(100);
    const missing = refs
      // capitalised names (sk.X, or sk.namespace.X) may be types only, unless the notebook constructs them with `new`
      .filter(({ path, constructed }) => {
        const last = path[path.length - 1];
        if (path.length === 2 && NAMESPACES.includes(path[0]))
          return /^[a-z]/.test(last) || constructed || (index[path[0]] as Record<string, unknown>)[last] !== undefined;
        return /^[a-z]/.test(path[0]) || constructed || index[path[0]] !== undefined;
      })
      .filter(({ path }) => {
        const top = index[path[0]];
        if (top === undefined) return true;
        return (
          path.length === 2 && NAMESPACES.includes(path[0]) && (top as Record<string, unknown>)[path[1]] === undefined
        );
      })
      .map(({ notebook, path }) => `${notebook}: sk.${path.join(".")}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it("keeps the flat level curated: only the names notebooks use, a few documented entry points and the namespaces", () => {
    const flat = Object.keys(index);
    const used = new Set(notebookReferences().map((r) => r.path[0]));
    const documented = [
      "showHtml",
      "p1SweepCommand",
      "registerExperiments",
      "readFloat32",
      "readScalar",
      "readAllFloat32",
      "readFloat32Sync",
    ];
    const extra = flat.filter((n) => !used.has(n) && !NAMESPACES.includes(n) && !documented.includes(n));
    expect(extra).toEqual([]);
  });
});
