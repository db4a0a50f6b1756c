/**
 * Notebook cells type-check against the library's public types with danfo's own results: a frame that danfo's
 * methods return (`query`, `groupby(…).agg/mean`, `sortValues`) is typed with danfojs-base's DataFrame, which
 * TypeScript does not accept where danfojs-node's is asked for (their `toCSV` differ). The helpers take
 * `FrameLike`, which both satisfy. The cells are compiled with the TypeScript compiler API under the options tslab
 * compiles a cell with (Node10 module resolution, ESNext modules, esModuleInterop, skipLibCheck; converter.js), with
 * `skiplab` mapped to the library's index (lib/src/index.ts) so no build is needed.
 */
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const cellFile = join(root, "notebooks", "__typecheck_cell__.ts");

/** The type errors of one notebook-style cell (an `import * as sk from "skiplab"` module). */
function typeErrors(cell: string, extra: ts.CompilerOptions = {}): string[] {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    skipLibCheck: true,
    resolveJsonModule: true,
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")],
    noEmit: true,
    baseUrl: root,
    paths: { skiplab: [join(root, "lib", "src", "index.ts")] },
    ...extra,
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === cellFile
      ? ts.createSourceFile(name, cell, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === cellFile || fileExists(name);
  const program = ts.createProgram([cellFile], options, host);
  const source = program.getSourceFile(cellFile)!;
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
    const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

const HEADER = `import * as sk from "skiplab";
const df = sk.toFrame([
  { arch: "plain", seed: 0, acc: 0.5 },
  { arch: "plain", seed: 1, acc: 0.7 },
  { arch: "residual", seed: 0, acc: 0.9 },
]);
`;

// danfo's own methods, each result handed to every helper that takes a frame, with no cast anywhere
const CELL =
  HEADER +
  `const good = df.query(df["acc"].gt(0.6));
const byArch = df.groupby(["arch"]).agg({ acc: "mean" });
const means = df.groupby(["arch"]).col(["acc"]).mean();
const sorted = df.sortValues("acc", { ascending: false });
const summary = sk.summarize(good, "arch", "acc");
for (const f of [df, good, byArch, means, sorted, summary]) {
  sk.showTable(f);
  sk.showTable(f, 3);
  const html: string = sk.frames.frameHtml(f);
  const rows: sk.frames.RecordRow[] = sk.frames.fromFrame(f);
  sk.summarize(f, "arch", "acc");
}
sk.showTable(df.query(df["acc"].gt(0.6)));
sk.showTable(sk.summarize(df.sortValues("acc"), ["arch"], "acc").query(df["n"].gt(0)));
sk.frames.frameHtml(df.groupby(["arch"]).agg({ acc: "mean" }).sortValues("acc_mean"));
const typed: sk.frames.FrameLike = df.query(df["acc"].gt(0.6));
sk.showTable([{ a: 1, b: "x" }]);
`;

describe("danfo frames type-check against every helper without casts", () => {
  it("a notebook cell passing query / groupby / sortValues results to the helpers compiles with zero errors", () => {
    expect(typeErrors(CELL)).toEqual([]);
    // and under strict checking too
    expect(typeErrors(CELL, { strict: true })).toEqual([]);
  }, 120_000);

  it("the check can fail: wrong arguments are type errors, and danfo's two DataFrame types really differ", () => {
    const wrong = typeErrors(
      HEADER +
        `sk.frames.frameHtml(df.columns);
sk.showTable(42);
`,
    );
    expect(wrong.length).toBe(2);
    expect(wrong[0]).toMatch(/^line 7: Argument of type 'string\[\]' is not assignable/);
    expect(wrong[1]).toMatch(/^line 8: .*'number'/);
    // what the helpers took before: danfojs-node's DataFrame refuses danfojs-base's (the error tslab showed)
    const split = typeErrors(
      HEADER +
        `import type { DataFrame } from "danfojs-node";
const take = (f: DataFrame): number => f.shape[0];
take(df);
take(df.query(df["acc"].gt(0.6)));
`,
    );
    expect(split.length).toBe(1);
    expect(split[0]).toMatch(/^line 10: Argument of type .*danfojs-base\/core\/frame.*toCSV/s);
  }, 120_000);
});
