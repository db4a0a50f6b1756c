/**
 * Strict configs (issue 18, class 2): a field a config does not know is refused with the closest known field as a
 * suggestion; a run config names the section it misses; the repo's own sweep files pass.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { describe, expect, it, vi } from "vitest";
import { sweepCommand } from "../../lib/src/runs/cli";
import { blockNetConfig, convNetConfig, mlpConfig } from "../../lib/src/models/config";
import { resolveRunConfig } from "../../lib/src/runs/spec";
import { expandSweep, type SweepSpec } from "../../lib/src/runs/sweep";
import { trainConfig } from "../../lib/src/train/config";
import { closestKey, editDistance, refuseUnknownKeys } from "../../lib/src/util/keys";

describe("strict configs", () => {
  it("edit distance and the closest key", () => {
    expect(editDistance("widht", "width")).toBe(1); // a transposition
    expect(editDistance("epoch", "epochs")).toBe(1);
    expect(editDistance("abc", "xyz")).toBe(3);
    expect(closestKey("widht", ["depth", "width", "inputDim"])).toBe("width");
    expect(closestKey("lr", ["epochs", "batchSize", "optimizer"])).toBeNull();
    expect(() => refuseUnknownKeys({ a: 1, b: undefined }, ["a"], "x")).not.toThrow(); // undefined fields are absent
  });

  it("model configs refuse misspelt fields, with a suggestion, at every level", () => {
    expect(() => mlpConfig({ widht: 8 } as never)).toThrow(
      /model config \(mlp\): unknown field "widht" — did you mean "width"\?/,
    );
    expect(() => mlpConfig({ skip: { type: "matrix", matrx: "mean" } as never })).toThrow(
      /model config: skip: unknown field "matrx" — did you mean "matrix"\?/,
    );
    expect(() => mlpConfig({ init: { type: "he", gian: 2 } as never })).toThrow(
      /init: unknown field "gian" — did you mean "gain"\?/,
    );
    expect(() => blockNetConfig({ block: 3 } as never)).toThrow(
      /model config \(blocks\): unknown field "block" — did you mean "blocks"\?/,
    );
    expect(() => convNetConfig({ depht: 20 } as never)).toThrow(
      /model config \(conv\): unknown field "depht" — did you mean "depth"\?/,
    );
    // a resolved config is accepted as input (its derived and optional fields are known)
    const conv = convNetConfig({ branchGain: 0.5 });
    expect(convNetConfig(conv)).toEqual(conv);
    const mlp = mlpConfig({ unitBreaking: { gainSpread: 0.2 }, skip: { type: "matrix", matrix: "mean", scale: -1 } });
    expect(mlpConfig(mlp as never)).toEqual(mlp);
  });

  it("train configs refuse misspelt fields, in the optimizer and the schedule too", () => {
    expect(() => trainConfig({ epoch: 3 } as never)).toThrow(
      /train config: unknown field "epoch" — did you mean "epochs"\?/,
    );
    expect(() => trainConfig({ optimizer: { type: "sgd", momentun: 0.9 } as never })).toThrow(
      /optimizer \(sgd\): unknown field "momentun" — did you mean "momentum"\?/,
    );
    expect(() => trainConfig({ optimizer: { type: "adam", momentum: 0.9 } as never })).toThrow(
      /optimizer \(adam\): unknown field "momentum"/,
    );
    expect(() => trainConfig({ schedule: { type: "cosine", finalLR: 0 } as never })).toThrow(
      /did you mean "finalLr"\?/,
    );
  });

  it("a run config names a missing section and says where a seed belongs", () => {
    const data = { name: "gaussian-mixture", n: 10 };
    expect(() => resolveRunConfig({ data } as never)).toThrow(/run config: missing section `model`/);
    expect(() => resolveRunConfig({} as never)).toThrow(/missing sections `model` and `data`/);
    expect(() => resolveRunConfig({ model: {}, data, seed: 3 } as never)).toThrow(
      /unknown field "seed" — a run's seed is not part of its config/,
    );
    expect(() => resolveRunConfig({ model: {}, data, metric: [] } as never)).toThrow(/did you mean "metrics"\?/);
  });

  it("a sweep names a missing base, refuses a top-level seed, and a grid over a misspelt field fails instead of collapsing", () => {
    const base = { model: { inputDim: 4, outputDim: 2 }, data: { name: "gaussian-mixture", n: 10 } };
    expect(() => expandSweep({ grid: {} } as never)).toThrow(/sweep: missing section `base`/);
    expect(() => expandSweep({ base, seed: 2 } as never)).toThrow(
      /unknown field "seed" — a sweep lists its seeds in `seeds`/,
    );
    expect(() => expandSweep({ base, grid: { "model.widht": [8, 16] } })).toThrow(
      /unknown field "widht" — did you mean "width"\?/,
    );
    expect(expandSweep({ base, grid: { "model.width": [8, 16] }, seeds: 2 })).toHaveLength(4);
  });

  it("skiplab sweep names a file that does not parse, with the line and column, and exits 2", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-strict-"));
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, '{\n  "base": {\n    "model": { "width": 8,, }\n  }\n}\n');
    const cut = path.join(dir, "cut.json");
    fs.writeFileSync(cut, ""); // e.g. a copy interrupted at once
    const noBase = path.join(dir, "nobase.json");
    fs.writeFileSync(noBase, '{ "grid": {} }');
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((m: string) => void errors.push(String(m)));
    try {
      expect(await sweepCommand([bad])).toBe(2);
      expect(await sweepCommand([cut])).toBe(2);
      expect(await sweepCommand([noBase])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(
      new RegExp(`cannot read ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON at line 3, column \\d+`),
    );
    expect(errors[1]).toMatch(/cut\.json: not valid JSON: .*the file ends early/);
    expect(errors[2]).toMatch(/nobase\.json: sweep: missing section `base`/);
  });

  it("every sweep file in the repo resolves", () => {
    const dir = path.join(__dirname, "..", "..", "sweeps");
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
    for (const f of files) {
      const spec = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as SweepSpec;
      expect(() => expandSweep(spec), f).not.toThrow();
    }
  });
});
