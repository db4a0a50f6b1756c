/** Every sweep file shipped in sweeps/ parses, expands and builds its models (so `npx skiplab sweep` accepts it). */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { countParams } from "../../lib/src/models";
import { expandSweep } from "../../lib/src/runs/sweep";

const dir = path.join(__dirname, "..", "..", "sweeps");
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];

describe("sweep files in sweeps/", () => {
  it("there is at least one", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(`${f}: expands to runs whose models are valid`, () => {
      const runs = expandSweep(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
      expect(runs.length).toBeGreaterThan(0);
      for (const r of runs) expect(countParams(r.config.model)).toBeGreaterThan(0);
    });
  }
});
