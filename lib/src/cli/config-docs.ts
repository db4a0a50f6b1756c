/**
 * docs/config.md, generated from the config schemas (util/schema.ts): one table per config section, in the order a
 * user meets them (sweep file → run config → model → train → data). `skiplab config --write` rewrites the file,
 * `skiplab config --check` exits 1 when it is out of date (CI and a test run it), `skiplab config` prints it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  BIAS_REGULARIZER_SCHEMA,
  BLOCK_NET_SCHEMA,
  CONV_NET_SCHEMA,
  INIT_SCHEMA,
  MLP_SCHEMA,
  SKIP_SCHEMA,
  UNIT_BREAKING_SCHEMA,
} from "../models/config";
import { ADAM_SCHEMA, DIVERGENCE_SCHEMA, SCHEDULE_SCHEMA, SGD_SCHEMA, TRAIN_SCHEMA } from "../train/config";
import { GAUSSIAN_MIXTURE_SCHEMA, RANDOM_LABELS_SCHEMA, RUN_SCHEMA, TEACHER_REGRESSION_SCHEMA } from "../runs/spec";
import { SWEEP_SCHEMA } from "../runs/sweep";
import { P1_DATA_SCHEMA, P1_VARIANT_DATA_SCHEMA } from "../experiments/p1/data";
import { P2_DATA_SCHEMA } from "../experiments/p2/nets";
import { projectRoot } from "../report/context";
import { type ConfigSchema, schemaMarkdown } from "../util/schema";

/** Every config schema, grouped as docs/config.md shows them. */
export const CONFIG_SCHEMAS: ReadonlyArray<{ group: string; schemas: readonly ConfigSchema[] }> = [
  { group: "Sweeps and runs", schemas: [SWEEP_SCHEMA, RUN_SCHEMA] },
  {
    group: "Models",
    schemas: [
      MLP_SCHEMA,
      BLOCK_NET_SCHEMA,
      CONV_NET_SCHEMA,
      SKIP_SCHEMA,
      INIT_SCHEMA,
      BIAS_REGULARIZER_SCHEMA,
      UNIT_BREAKING_SCHEMA,
    ],
  },
  { group: "Training", schemas: [TRAIN_SCHEMA, ADAM_SCHEMA, SGD_SCHEMA, SCHEDULE_SCHEMA, DIVERGENCE_SCHEMA] },
  {
    group: "Data",
    schemas: [
      GAUSSIAN_MIXTURE_SCHEMA,
      RANDOM_LABELS_SCHEMA,
      TEACHER_REGRESSION_SCHEMA,
      P1_DATA_SCHEMA,
      P1_VARIANT_DATA_SCHEMA,
      P2_DATA_SCHEMA,
    ],
  },
];

/** The text of docs/config.md. */
export function configDocs(): string {
  const parts = [
    "# Configuration reference",
    "",
    "<!-- Generated from the config schemas by `npm run skiplab -- config --write`; do not edit by hand. -->",
    "",
    "Every config a sweep file, a notebook or `runSpec` takes, field by field. The same schemas check configs when they",
    'are read: an unknown field is refused with the closest known one (`unknown field "widht" — did you mean',
    '"width"?`), a missing required field and a value of the wrong type are named, and a sweep file that does not parse',
    "is named with the line and column of the error (exit 2). Defaults are filled in before a run is hashed, so two",
    "configs that mean the same run share one directory of the run cache. A default marked PROPOSED is ours, not a",
    "paper's (docs/spec/).",
    "",
  ];
  for (const g of CONFIG_SCHEMAS) {
    parts.push(`## ${g.group}`, "");
    for (const s of g.schemas) parts.push(schemaMarkdown(s));
  }
  return parts.join("\n").replace(/\n+$/, "\n");
}

export const CONFIG_USAGE = `usage: skiplab config [--write | --check]

  (no option)   print the configuration reference (docs/config.md) generated from the config schemas
  --write       rewrite docs/config.md
  --check       exit 1 when docs/config.md differs from what the schemas generate`;

/** `skiplab config [--write|--check]`. */
export function configCommand(argv: string[]): number {
  const file = path.join(projectRoot(), "docs", "config.md");
  const text = configDocs();
  if (argv.length === 0) {
    process.stdout.write(text);
    return 0;
  }
  if (argv.length === 1 && argv[0] === "--write") {
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
    return 0;
  }
  if (argv.length === 1 && argv[0] === "--check") {
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (current === text) {
      console.log("docs/config.md is up to date with the config schemas");
      return 0;
    }
    console.error("docs/config.md is out of date with the config schemas: run `npm run skiplab -- config --write`");
    return 1;
  }
  console.error(CONFIG_USAGE);
  return 2;
}
