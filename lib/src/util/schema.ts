/**
 * One schema per config: the fields a config section knows, their types, defaults and meaning. The same object
 *   - refuses what a config does not know (`checkConfig`: unknown fields with "did you mean …", missing required
 *     fields, values of the wrong type or outside a field's listed values), before the section's own normaliser fills
 *     the defaults and checks ranges; and
 *   - generates the documentation table of docs/config.md (`schemaMarkdown`; `skiplab config --write` rewrites the
 *     file and a test checks that it is current).
 *
 * A field's `kind` is what `checkConfig` enforces; `type` is what the docs show (it may say more, e.g. a union of a
 * name and an object, which the section's normaliser checks itself).
 */
import { refuseUnknownKeys } from "./keys";

/** The JSON type a field's value must have (`any`: the section's normaliser checks it). */
export type FieldKind = "integer" | "number" | "boolean" | "string" | "object" | "array" | "any";

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** The type as the docs show it, e.g. `"none" \| "identity" \| object`; default: the kind (with its values). */
  type?: string;
  /** The allowed values (strings or numbers) of a string or number field. */
  values?: readonly (string | number)[];
  /** null is allowed (and means what `doc` says). */
  nullable?: boolean;
  /** Required: the config has no default for it. */
  required?: boolean;
  /** The default as the docs show it (omit for required fields). */
  default?: string;
  /** One or two sentences; may point to docs/spec. */
  doc: string;
}

export interface ConfigSchema {
  /** Where a config of this schema is written, as errors name it, e.g. "train config: optimizer (adam)". */
  where: string;
  /** The heading of its table in docs/config.md. */
  title: string;
  /** What the section is, above its table. */
  doc: string;
  fields: readonly FieldSpec[];
  /** Extra sentences for keys that belong elsewhere (e.g. a run's `seed`). */
  hints?: Readonly<Record<string, string>>;
}

/** The field names of a schema, in order. */
export function fieldNames(schema: ConfigSchema): string[] {
  return schema.fields.map((f) => f.name);
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "object") return "an object";
  return String(v);
}

function kindOk(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && !Number.isNaN(v);
    case "boolean":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "any":
      return true;
  }
}

const KIND_WORDS: Record<FieldKind, string> = {
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  string: "a string",
  object: "an object",
  array: "an array",
  any: "a value",
};

/**
 * Checks a config object against its schema and throws one error listing every problem: unknown fields (with the
 * closest known one), missing required fields, and values of the wrong kind or outside the field's values. An absent
 * (undefined) field is left to its default. `where` overrides the schema's own (e.g. with the file it came from).
 */
export function checkConfig(obj: unknown, schema: ConfigSchema, where = schema.where): void {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj))
    throw new Error(
      `${where}: must be an object with the fields ${fieldNames(schema).join(", ")}, got ${describeValue(obj)}`,
    );
  refuseUnknownKeys(obj, fieldNames(schema), where, schema.hints);
  const o = obj as Record<string, unknown>;
  const problems: string[] = [];
  const missing = schema.fields.filter((f) => f.required && o[f.name] === undefined).map((f) => `"${f.name}"`);
  if (missing.length) problems.push(`missing required field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  for (const f of schema.fields) {
    const v = o[f.name];
    if (v === undefined) continue;
    if (v === null) {
      if (!f.nullable && f.kind !== "any") problems.push(`"${f.name}" must be ${expected(f)}, got null`);
      continue;
    }
    if (!kindOk(f.kind, v)) problems.push(`"${f.name}" must be ${expected(f)}, got ${describeValue(v)}`);
    else if (f.values && !f.values.includes(v as string | number))
      problems.push(
        `"${f.name}" must be one of ${f.values.map((x) => JSON.stringify(x)).join(", ")}, got ${describeValue(v)}`,
      );
  }
  if (problems.length) throw new Error(`${where}: ${problems.join("; ")}.`);
}

function expected(f: FieldSpec): string {
  const base = f.values ? `one of ${f.values.map((x) => JSON.stringify(x)).join(", ")}` : KIND_WORDS[f.kind];
  return f.nullable ? `${base} or null` : base;
}

/** The type column of a field in the docs. */
export function fieldType(f: FieldSpec): string {
  if (f.type) return f.type;
  const base = f.values ? f.values.map((x) => JSON.stringify(x)).join(" | ") : f.kind;
  return f.nullable ? `${base} | null` : base;
}

/** A table cell: one line, pipes escaped. */
const cell = (s: string) => s.replace(/\n/g, " ").replace(/\|/g, "\\|");

/** One schema as a markdown section: heading, description, and a table (field, type, default, meaning). */
export function schemaMarkdown(schema: ConfigSchema, level = 3): string {
  const rows = schema.fields.map(
    (f) =>
      `| \`${f.name}\` | ${cell(fieldType(f))} | ${f.required ? "**required**" : f.default !== undefined ? cell(f.default) : "—"} | ${cell(f.doc)} |`,
  );
  return [
    `${"#".repeat(level)} ${schema.title}`,
    "",
    schema.doc,
    "",
    "| field | type | default | meaning |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
