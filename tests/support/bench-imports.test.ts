/**
 * The benchmarks (bench/*.mjs) load the built library (lib/dist) at run time, so a renamed or moved export breaks
 * `npm run bench` without breaking the type check or any other test. This reads every benchmark's library imports —
 * `const { a, b } = require(join(lib, "engine/x.js"))`, `const { a } = lib.ns` and `lib.ns.name` — and checks each
 * name against the module's source (lib/src), which lib/dist is built from.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as sk from "../../lib/src/index";

const benchDir = join(__dirname, "..", "..", "bench");
const benches = readdirSync(benchDir).filter((f) => f.endsWith(".mjs"));

const names = (list: string): string[] =>
  list
    .split(",")
    .map((s) => s.trim().split(":")[0]!.trim())
    .filter((s) => s.length > 0);

interface Use {
  module: string;
  name: string;
}

/** Every (module, name) pair a benchmark takes from the library; `module` is a lib/src path or `sk.<namespace>`. */
function libraryUses(source: string): Use[] {
  const uses: Use[] = [];
  for (const m of source.matchAll(
    /const\s*\{([^}]*)\}\s*=\s*require\(\s*join\(\s*lib\s*,\s*"([^"]+)\.js"\s*\)\s*,?\s*\)/g,
  ))
    for (const name of names(m[1]!)) uses.push({ module: m[2]!, name });
  for (const m of source.matchAll(/const\s*\{([^}]*)\}\s*=\s*lib\.(\w+)\s*;/g))
    for (const name of names(m[1]!)) uses.push({ module: `sk.${m[2]}`, name });
  for (const m of source.matchAll(/\blib\.(\w+)\.(\w+)/g)) uses.push({ module: `sk.${m[1]}`, name: m[2]! });
  return uses;
}

async function exportsOf(module: string): Promise<Record<string, unknown>> {
  if (module.startsWith("sk.")) {
    const ns = (sk as unknown as Record<string, unknown>)[module.slice(3)];
    return (ns ?? {}) as Record<string, unknown>;
  }
  return (await import(/* @vite-ignore */ `../../lib/src/${module}`)) as Record<string, unknown>;
}

describe("benchmarks import only what the library exports", () => {
  it("finds the benchmarks and their imports (the patterns below still match the code)", () => {
    expect(benches.length).toBeGreaterThanOrEqual(5);
    const all = benches.flatMap((f) => libraryUses(readFileSync(join(benchDir, f), "utf8")));
    expect(all.length).toBeGreaterThan(20);
  });

  for (const file of benches) {
    it(`bench/${file}`, async () => {
      const source = readFileSync(join(benchDir, file), "utf8");
      const requires = [...source.matchAll(/require\(\s*join\(\s*lib\b/g)].length;
      const read = new Set(
        libraryUses(source)
          .filter((u) => !u.module.startsWith("sk."))
          .map((u) => u.module),
      );
      const modules = new Set([...source.matchAll(/join\(\s*lib\s*,\s*"([^"]+)\.js"/g)].map((m) => m[1]!));
      expect(read, `bench/${file}: a require(join(lib, …)) this reader does not understand`).toEqual(modules);
      expect(requires).toBeGreaterThanOrEqual(modules.size);
      const missing: string[] = [];
      for (const { module, name } of libraryUses(source)) {
        const mod = await exportsOf(module);
        if (mod[name] === undefined) missing.push(`${name} from ${module}`);
      }
      expect(missing, `bench/${file} uses names the library does not export`).toEqual([]);
    });
  }
});

describe("the import reader", () => {
  it("reads destructured requires, namespace destructuring and dotted uses", () => {
    const src = `const { a, b: c } = require(\n  join(lib, "engine/x.js"),\n);\nconst { d } = lib.ns;\nlib.ns2.e();`;
    expect(libraryUses(src)).toEqual([
      { module: "engine/x", name: "a" },
      { module: "engine/x", name: "b" },
      { module: "sk.ns", name: "d" },
      { module: "sk.ns2", name: "e" },
    ]);
  });
});
