/**
 * File helpers for run directories: atomic writes (write a temporary file in the same directory, fsync, rename),
 * JSON and JSON-lines, the runs root, a per-run lock file, and the clean-up of temporary files left by a process
 * killed mid-write (`staleTmpFiles`).
 *
 * Test hook (fault injection; tests/runs/cache-kill.test.ts): with `SKIPLAB_FAULT_KILL_WRITE=<basename>:<n>` in the
 * environment (e.g. `checkpoint.bin:3`), the n-th `writeFileAtomic` of a file named <basename> in this process writes
 * only the first half of its bytes to the temporary file (fsync'd) and then kills the process with SIGKILL, before
 * the rename: a real kill in the middle of an atomic write. The variable is read once per process; unset, the hook
 * costs one comparison per write.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { processAlive, takeLockFile } from "../util/lockfile";

export const RUNS_DIR_ENV = "SKIPLAB_RUNS_DIR";

let tmpCounter = 0;

export const FAULT_KILL_WRITE_ENV = "SKIPLAB_FAULT_KILL_WRITE";

/** The parsed SKIPLAB_FAULT_KILL_WRITE (null: unset; undefined: not read yet) and the writes counted so far. */
let faultKill: { base: string; n: number; seen: number } | null | undefined;

/** Whether this write is the one SKIPLAB_FAULT_KILL_WRITE names (the test hook; see the module comment). */
function faultKillThisWrite(file: string): boolean {
  if (faultKill === undefined) {
    const v = process.env[FAULT_KILL_WRITE_ENV];
    if (!v) faultKill = null;
    else {
      const m = /^(.+):([1-9]\d*)$/.exec(v);
      if (!m) throw new Error(`${FAULT_KILL_WRITE_ENV}=${v}: expected <basename>:<n> (n >= 1), e.g. checkpoint.bin:3`);
      faultKill = { base: m[1], n: Number(m[2]), seen: 0 };
    }
  }
  if (faultKill === null || path.basename(file) !== faultKill.base) return false;
  return ++faultKill.seen === faultKill.n;
}

/** This host's name as it appears in temporary file names (no characters that need quoting). */
function tmpHost(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host";
}

/**
 * Writes `data` to `file` atomically: readers see the old content or the new one, never a partial file. The
 * temporary file is `<file>.tmp-<host>-<pid>-<n>`, so a stale one (its writer was killed) can be told from one being
 * written (`staleTmpFiles`).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${tmpHost()}-${process.pid}-${++tmpCounter}`;
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const kill = faultKillThisWrite(file);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, kill ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (kill) {
    process.kill(process.pid, "SIGKILL");
    throw new Error(`${FAULT_KILL_WRITE_ENV}: SIGKILL did not end the process`); // not reached
  }
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/** Parses a JSON file; a file that does not parse is named in the error, with the parser's position. */
export function readJson<T>(file: string): T {
  const text = fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** sha256 (hex) of a file's bytes, or of a string / bytes. */
export function sha256Of(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256File(file: string): string {
  return sha256Of(fs.readFileSync(file));
}

/** `s` quoted for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Temporary files of writes older than this are stale whoever wrote them (an atomic write takes seconds). */
export const STALE_TMP_AGE_MS = 24 * 3600 * 1000;

/**
 * The temporary files in `dir` (`*.tmp-<host>-<pid>-<n>`, or the older `*.tmp-<pid>-<n>`) whose writer cannot still
 * be writing: written on this host by a process that is gone, or older than STALE_TMP_AGE_MS (another host's, an
 * older version's). Call it only while holding the run's lock, so that no process of this tool writes there.
 */
export function staleTmpFiles(dir: string, now = Date.now()): string[] {
  if (!fs.existsSync(dir)) return [];
  const me = tmpHost();
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = /\.tmp-(?:(.+)-)?(\d+)-(\d+)$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const pid = Number(m[2]);
    let stale = false;
    if (m[1] === me && pid !== process.pid && !processAlive(pid)) stale = true;
    else {
      try {
        stale = now - fs.statSync(file).mtimeMs > STALE_TMP_AGE_MS;
      } catch {
        continue; // gone meanwhile
      }
    }
    if (stale) out.push(file);
  }
  return out;
}

/** Removes `staleTmpFiles(dir)` (hold the run's lock); returns the files removed. */
export function removeStaleTmpFiles(dir: string): string[] {
  const files = staleTmpFiles(dir);
  for (const f of files) fs.rmSync(f, { force: true });
  return files;
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
