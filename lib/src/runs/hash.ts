/**
 * Content hashes of runs: a run is (config, seed), stored under the sha256 of
 *
 *   canonicalJson({ config, seed, code: { lib: <skiplab version>, format: RUN_FORMAT } })
 *
 * where canonical JSON sorts object keys at every level and drops `undefined` members, so the same meaning always
 * hashes the same. Bump `RUN_FORMAT` whenever a code change alters the numbers a run produces (training loop,
 * models, metrics definitions): every run then gets a new hash and is recomputed, and old results stay readable.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Version of what a run computes and how it is stored; part of every hash. */
export const RUN_FORMAT = 1;

/** Hex digits of the sha256 used as a run's directory name (64 bits: collisions are negligible below ~10⁸ runs). */
export const HASH_LENGTH = 16;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON with object keys sorted at every level, no whitespace; rejects NaN/Infinity, functions and cycles. */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown, where: string): Json => {
    if (v === null) return null;
    switch (typeof v) {
      case "boolean":
      case "string":
        return v;
      case "number":
        if (!Number.isFinite(v)) throw new Error(`canonicalJson: ${where} is ${v}, which JSON cannot represent`);
        return Object.is(v, -0) ? 0 : v;
      case "object": {
        if (seen.has(v as object)) throw new Error(`canonicalJson: ${where} is a cycle`);
        seen.add(v as object);
        let out: Json;
        if (Array.isArray(v)) out = v.map((x, i) => walk(x, `${where}[${i}]`));
        else {
          const o: { [k: string]: Json } = {};
          for (const k of Object.keys(v as object).sort()) {
            const x = (v as Record<string, unknown>)[k];
            if (x !== undefined) o[k] = walk(x, `${where}.${k}`);
          }
          out = o;
        }
        seen.delete(v as object);
        return out;
      }
      default:
        throw new Error(`canonicalJson: ${where} is a ${typeof v}`);
    }
  };
  return stringifySorted(walk(value, "value"));
}

function stringifySorted(v: Json): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stringifySorted).join(",")}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}:${stringifySorted(v[k])}`)
    .join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

let cachedVersion: string | null = null;

/** The skiplab package version (lib/package.json), read once. */
export function libVersion(): string {
  if (cachedVersion) return cachedVersion;
  for (const p of [path.join(__dirname, "..", "..", "package.json"), path.join(__dirname, "..", "package.json")]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(p, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "skiplab" && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // try the next location
    }
  }
  return (cachedVersion = "unknown");
}

/** The code version that enters every run hash. */
export function codeVersion(): { lib: string; format: number } {
  return { lib: libVersion(), format: RUN_FORMAT };
}

/** The full sha256 (64 hex digits) of a run. */
export function runHashFull(config: unknown, seed: number): string {
  return sha256Hex(canonicalJson({ config, seed, code: codeVersion() }));
}

/** A run's id and directory name: the first HASH_LENGTH hex digits of `runHashFull`. */
export function runHash(config: unknown, seed: number): string {
  return runHashFull(config, seed).slice(0, HASH_LENGTH);
}
