/**
 * The repository stands alone: code, tests, benchmarks, notebooks and the README cite the spec and the stack facts in
 * docs/, never a file outside the repository, and every citation points at a section that exists.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const tracked = spawnSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
  .stdout.split("\0")
  .filter(Boolean);
const sources = tracked.filter(
  (f) =>
    !f.startsWith("docs/") &&
    /\.(ts|mjs|cjs|js|ipynb|md|py|sh)$/.test(f) &&
    f !== "tests/foundation/docs-citations.test.ts",
);

/** GitHub-style anchor of a heading. */
const slug = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");

function headings(file: string): string[] {
  return readFileSync(join(root, file), "utf8")
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, ""));
}

describe("citations of docs/", () => {
  it("nothing refers to a file outside the repository", () => {
    const outside = sources.filter((f) => /shared\/reference|\.\.\/shared\//.test(readFileSync(join(root, f), "utf8")));
    expect(outside).toEqual([]);
  });

  it("every 'docs/spec/<file> §x.y [Fig. X]' and 'docs/stack.md#anchor' names an existing section", () => {
    const bad: string[] = [];
    let count = 0;
    for (const f of sources) {
      const text = readFileSync(join(root, f), "utf8");
      for (const m of text.matchAll(
        /docs\/spec\/(p[123]|README)\.md`?\s+§(\d(?:\.\d)*)(?:\s+\\?"?(Figs?\.\s+[A-Z0-9]+|v3-[A-F]))?/g,
      )) {
        count++;
        const [, doc, sec, fig] = m;
        const hs = headings(`docs/spec/${doc}.md`);
        if (!hs.some((h) => h === sec || h.startsWith(`${sec} `) || h.startsWith(`${sec}.`)))
          bad.push(`${f}: ${m[0]} (no section ${sec})`);
        if (fig) {
          const name = fig.replace(/^Figs\./, "Fig.");
          if (!hs.some((h) => h.startsWith(name + ":") || h.startsWith(name + " ")))
            bad.push(`${f}: ${m[0]} (no heading ${name})`);
        }
      }
      for (const m of text.matchAll(/docs\/stack\.md#([a-z0-9-]+)/g)) {
        count++;
        if (!headings("docs/stack.md").some((h) => slug(h) === m[1])) bad.push(`${f}: ${m[0]} (no such heading)`);
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBeGreaterThan(50);
  });
});
