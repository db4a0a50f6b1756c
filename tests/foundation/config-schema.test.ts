/**
 * One schema per config (issue 18): the schema that checks a config section also generates its table in
 * docs/config.md. Checked here: the committed docs are what the schemas generate; every section refuses an unknown
 * field, a missing required field and a value of the wrong type, naming the section and the field; data specs are
 * checked against their provider's schema when a run config is resolved and when the data are loaded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMAS, configDocs } from "../../lib/src/cli/config-docs";
import {
  BIAS_REGULARIZER_SCHEMA,
  BLOCK_NET_SCHEMA,
  CONV_NET_SCHEMA,
  INIT_SCHEMA,
  MLP_SCHEMA,
  SKIP_SCHEMA,
  UNIT_BREAKING_SCHEMA,
  modelConfig,
} from "../../lib/src/models/config";
import { registerExperiments } from "../../lib/src/experiments";
import { loadRunData, resolveRunConfig, RUN_SCHEMA, type DataSpec } from "../../lib/src/runs/spec";
import { expandSweep, SWEEP_SCHEMA } from "../../lib/src/runs/sweep";
import {
  ADAM_SCHEMA,
  DIVERGENCE_SCHEMA,
  SCHEDULE_SCHEMA,
  SGD_SCHEMA,
  TRAIN_SCHEMA,
  trainConfig,
} from "../../lib/src/train/config";
import { type ConfigSchema, checkConfig, type FieldSpec } from "../../lib/src/util/schema";

const root = path.join(__dirname, "../..");
const data: DataSpec = { name: "gaussian-mixture", n: 40, dim: 4, classes: 2 };
const model = { depth: 2, width: 4, inputDim: 4, outputDim: 2 };

/** Each schema with a function that resolves a config whose section `section` is `value`. */
const SECTIONS: Array<{ schema: ConfigSchema; resolve: (section: Record<string, unknown>) => unknown; base: object }> =
  [
    { schema: SWEEP_SCHEMA, resolve: (s) => expandSweep(s as never), base: { base: { model, data } } },
    { schema: RUN_SCHEMA, resolve: (s) => resolveRunConfig(s as never), base: { model, data } },
    { schema: MLP_SCHEMA, resolve: (s) => modelConfig(s as never), base: model },
    {
      schema: BLOCK_NET_SCHEMA,
      resolve: (s) => modelConfig(s as never),
      base: { kind: "blocks", blocks: 1, width: 4 },
    },
    { schema: CONV_NET_SCHEMA, resolve: (s) => modelConfig(s as never), base: { kind: "conv", depth: 8, width: 2 } },
    { schema: SKIP_SCHEMA, resolve: (s) => modelConfig({ ...model, skip: s } as never), base: { type: "matrix" } },
    { schema: INIT_SCHEMA, resolve: (s) => modelConfig({ ...model, init: s } as never), base: { type: "he" } },
    {
      schema: BIAS_REGULARIZER_SCHEMA,
      resolve: (s) => modelConfig({ ...model, biasRegularizer: s } as never),
      base: { lambda: 0.01, target: 0.1 },
    },
    {
      schema: UNIT_BREAKING_SCHEMA,
      resolve: (s) => modelConfig({ ...model, unitBreaking: s } as never),
      base: { offsetStd: 0.1 },
    },
    { schema: TRAIN_SCHEMA, resolve: (s) => trainConfig(s as never), base: {} },
    { schema: ADAM_SCHEMA, resolve: (s) => trainConfig({ optimizer: s } as never), base: { type: "adam" } },
    { schema: SGD_SCHEMA, resolve: (s) => trainConfig({ optimizer: s } as never), base: { type: "sgd" } },
    { schema: SCHEDULE_SCHEMA, resolve: (s) => trainConfig({ schedule: s } as never), base: { type: "step" } },
    { schema: DIVERGENCE_SCHEMA, resolve: (s) => trainConfig({ divergence: s } as never), base: { lossFactor: 10 } },
  ];

/** A value of the wrong JSON type for a field (one its kind and values refuse). */
function wrongValue(f: FieldSpec): unknown {
  if (f.kind === "string") return 3;
  if (f.kind === "boolean") return "yes";
  if (f.kind === "array") return "a";
  if (f.kind === "object") return [1];
  return "many"; // integer, number
}

const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

describe("config schemas", () => {
  it("docs/config.md is what the schemas generate (`npm run skiplab -- config --write` rewrites it)", () => {
    const committed = fs.readFileSync(path.join(root, "docs/config.md"), "utf8");
    expect(committed, "docs/config.md is out of date: run `npm run skiplab -- config --write`").toBe(configDocs());
    // every schema has its own table, and every field its row
    for (const g of CONFIG_SCHEMAS)
      for (const s of g.schemas) {
        expect(committed).toContain(`### ${s.title}\n`);
        for (const f of s.fields) expect(committed).toContain(`| \`${f.name}\` |`);
      }
  });

  it("every config section is covered here and accepts its minimal form", () => {
    const documented = CONFIG_SCHEMAS.flatMap((g) => g.schemas).filter((s) => !s.where.startsWith("run config: data"));
    expect(new Set(SECTIONS.map((s) => s.schema))).toEqual(new Set(documented));
    for (const { resolve, base } of SECTIONS) expect(() => resolve({ ...base })).not.toThrow();
  });

  it.each(SECTIONS.map((s) => [s.schema.title, s] as const))(
    "%s: refuses an unknown field with a suggestion, and a wrong type for every typed field, naming the field",
    (_, { schema, resolve, base }) => {
      const first = schema.fields.find((f) => f.name.length > 3)!;
      const misspelt = first.name.slice(0, -1) + first.name.slice(-1).toUpperCase() + "x";
      expect(() => resolve({ ...base, [misspelt]: 1 })).toThrow(re(`${schema.where}: unknown field "${misspelt}"`));
      for (const f of schema.fields) {
        if (f.kind === "any" || f.name === "kind" || f.name === "type") continue; // discriminators: below
        expect(() => resolve({ ...base, [f.name]: wrongValue(f) }), `${schema.title}.${f.name}`).toThrow(
          re(`${schema.where}: "${f.name}" must be`),
        );
      }
      for (const f of schema.fields.filter((x) => x.required && x.name !== "type")) {
        const without: Record<string, unknown> = { ...base };
        delete without[f.name];
        expect(() => resolve(without), `${schema.title} without ${f.name}`).toThrow(re(f.name));
      }
    },
  );

  it("a discriminator outside its values is named with every family", () => {
    expect(() => modelConfig({ kind: "cnn" } as never)).toThrow(
      /model config: "kind" must be one of "mlp", "blocks", "conv", got "cnn"/,
    );
    expect(() => trainConfig({ optimizer: { type: "adamw" } as never })).toThrow(
      /Unknown optimizer 'adamw': use adam or sgd/,
    );
    expect(() => trainConfig({ schedule: { type: "linear" } as never })).toThrow(
      /train config: schedule: "type" must be one of "constant", "step", "cosine", got "linear"/,
    );
  });

  it("a null is refused where a field is not nullable, and accepted where it is", () => {
    expect(() => modelConfig({ ...model, depth: null } as never)).toThrow(
      /model config \(mlp\): "depth" must be an integer, got null/,
    );
    expect(() => trainConfig({ divergence: { lossFactor: null } })).not.toThrow();
    expect(() => checkConfig({ x: 1 }, { where: "w", title: "t", doc: "", fields: [] })).toThrow(
      /w: unknown field "x"/,
    );
  });

  it("data specs are checked against their provider's schema, in a run config and when loaded", async () => {
    expect(() => resolveRunConfig({ model, data: { ...data, nTset: 10 } })).toThrow(
      /run config: data \(gaussian-mixture\): unknown field "nTset" — did you mean "nTest"\?/,
    );
    expect(() => resolveRunConfig({ model, data: { ...data, n: "40" } })).toThrow(
      /run config: data \(gaussian-mixture\): "n" must be an integer, got "40"/,
    );
    await expect(loadRunData({ ...data, clases: 3 })).rejects.toThrow(/did you mean "classes"\?/);
    registerExperiments();
    const p1 = { name: "p1-data", dataset: "synthetic", nTrain: 40, nTest: 20, downsample: null, pca: null };
    expect(() => resolveRunConfig({ model, data: p1 })).toThrow(
      /run config: data \(p1-data\): missing required field "subsetSeed"/,
    );
    expect(() => resolveRunConfig({ model, data: { ...p1, subsetSeed: 0, dataset: "cifar" } })).toThrow(
      /"dataset" must be one of "synthetic", "fashion-mnist", "cifar10", "cifar100", got "cifar"/,
    );
    expect(() => resolveRunConfig({ model, data: { ...p1, subsetSeed: 0 } })).not.toThrow();
    expect(() =>
      resolveRunConfig({
        model,
        data: { name: "p2-data", dataset: "mnist", nTrain: 10, nTest: 10, downsample: 7, subsetSeed: 0, pca: null },
      }),
    ).toThrow(/run config: data \(p2-data\): unknown field "pca"/);
  });
});
