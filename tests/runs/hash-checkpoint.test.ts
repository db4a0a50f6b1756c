import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { getMetric } from "../../lib/src/runs/spec";
import {
  canonicalJson,
  decodeArrays,
  encodeArrays,
  libVersion,
  resolveRunConfig,
  runHash,
  runSpec,
  writeFileAtomic,
} from "../../lib/src/runs";

describe("run hashes", () => {
  it("canonical JSON sorts keys at every level and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: -0 })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":0}',
    );
    expect(() => canonicalJson({ x: NaN })).toThrow(/NaN/);
  });

  it("a hash depends on meaning, not on spelling: defaults and key order do not change it", () => {
    const a = runSpec(
      { model: { depth: 3, width: 8, inputDim: 4, outputDim: 2 }, data: { name: "gaussian-mixture", dim: 4 } },
      0,
    );
    const b = runSpec(
      {
        data: { dim: 4, name: "gaussian-mixture" },
        train: { optimizer: "adam", epochs: 10 },
        model: { outputDim: 2, inputDim: 4, width: 8, depth: 3, activation: "relu", skip: "none" },
      },
      0,
    );
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(runSpec(a.config, 1).hash).not.toBe(a.hash); // the seed
    expect(runSpec({ ...a.config, model: { ...a.config.model, skip: { type: "identity" } } }, 0).hash).not.toBe(a.hash);
    expect(runHash(resolveRunConfig(a.config), 0)).toBe(a.hash);
    expect(libVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("checkpoint container", () => {
  it("round-trips named float32 arrays and meta exactly", () => {
    const arrays = [
      { name: "model/L1.W", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, NaN, Infinity, 1e-40]) },
      { name: "opt/L1.W.m", shape: [1], data: Float32Array.from([0.125]) },
      { name: "empty", shape: [0], data: new Float32Array(0) },
    ];
    const bytes = encodeArrays(arrays, { epoch: 3, records: [{ kind: "epoch", epoch: 1 }] });
    const back = decodeArrays(bytes);
    expect(back.meta).toEqual({ epoch: 3, records: [{ kind: "epoch", epoch: 1 }] });
    back.arrays.forEach((a, i) => {
      expect(a.name).toBe(arrays[i].name);
      expect(a.shape).toEqual(arrays[i].shape);
      expect(Array.from(a.data)).toEqual(Array.from(arrays[i].data));
    });
    expect(() => decodeArrays(bytes.subarray(0, bytes.length - 2))).toThrow(/truncated/);
    expect(() => decodeArrays(new Uint8Array(32))).toThrow(/magic/);
  });

  it("writes atomically: the target is complete or absent, no temporary files are left", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-atomic-"));
    const f = path.join(dir, "sub", "x.json");
    writeFileAtomic(f, "one");
    writeFileAtomic(f, "two");
    expect(fs.readFileSync(f, "utf8")).toBe("two");
    expect(fs.readdirSync(path.dirname(f))).toEqual(["x.json"]);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("metric sets in run configs", () => {
  it("are typed objects hashed with the config: a string is version 1 without options; version and params change the hash", () => {
    const base = { data: { name: "gaussian-mixture" }, model: { outputDim: 2, inputDim: 4, width: 8, depth: 3 } };
    const h = (metrics: unknown[]) => runSpec({ ...base, metrics } as never, 0).hash;
    expect(runSpec({ ...base, metrics: ["m"] } as never, 0).config.metrics).toEqual([
      { name: "m", version: 1, params: {} },
    ]);
    expect(h(["m"])).toBe(h([{ name: "m", version: 1, params: {} }]));
    expect(h([{ name: "m", version: 2, params: {} }])).not.toBe(h(["m"]));
    expect(h([{ name: "m", version: 1, params: { probe: 256 } }])).not.toBe(h(["m"]));
    expect(() => h([{ name: "m" }])).toThrow(/needs \{ name: string, version: integer, params \}/);
  });

  it("an unregistered metric set is named with its version and how to register it", () => {
    expect(() => getMetric({ name: "nope", version: 3, params: {} })).toThrow(
      /No metric set 'nope' version 3\. .*registerMetricSet/,
    );
  });
});
