/**
 * File helpers for run directories: atomic writes (write a temporary file in the same directory, fsync, rename),
 * JSON and JSON-lines, the runs root, and a per-run lock file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { takeLockFile } from "../util/lockfile";

export const RUNS_DIR_ENV = "SKIPLAB_RUNS_DIR";

let tmpCounter = 0;

/** Writes `data` to `file` atomically: readers see the old content or the new one, never a partial file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${++tmpCounter}`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** One JSON value per line. */
export function toJsonLines(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
}

/** Parses JSON lines; a torn last line (a crash mid-append by another tool) is ignored. */
export function parseJsonLines<T>(text: string): T[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const out: T[] = [];
  lines.forEach((l, i) => {
    try {
      out.push(JSON.parse(l) as T);
    } catch (e) {
      if (i !== lines.length - 1) throw e;
    }
  });
  return out;
}

/** The nearest ancestor of `start` whose package.json declares `workspaces` (the checkout root), or null. */
export function findCheckoutRoot(start: string): string | null {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { workspaces?: unknown }).workspaces !== undefined) return dir;
      } catch {
        // not the root
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Where runs live: `dir`, else $SKIPLAB_RUNS_DIR, else <checkout root>/data/runs, else ./data/runs. */
export function runsRoot(dir?: string): string {
  if (dir) return path.resolve(dir);
  const env = process.env[RUNS_DIR_ENV];
  if (env) return path.resolve(env);
  const root = findCheckoutRoot(process.cwd()) ?? findCheckoutRoot(__dirname);
  return path.join(root ?? process.cwd(), "data", "runs");
}

export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: string,
  ) {
    super(
      `Run ${path.basename(dir)} is being computed by another process (${holder}); skipping it. Remove ${path.join(dir, "lock")} if that process is gone.`,
    );
    this.name = "RunLockedError";
  }
}

/**
 * Takes `<dir>/lock` (util/lockfile.ts). A lock left by a dead process on this host is taken over; a live one, or
 * one from another host (a shared file system), throws RunLockedError. Returns the release function.
 */
export function acquireLock(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const r = takeLockFile(path.join(dir, "lock"));
  if ("release" in r) return r.release;
  const h = r.holder;
  throw new RunLockedError(
    dir,
    h
      ? ((h.note as string | undefined) ?? `pid ${h.pid ?? "?"} on ${h.host ?? "?"} since ${h.since ?? "?"}`)
      : "a process that is creating the lock right now",
  );
}
