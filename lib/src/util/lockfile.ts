/**
 * Exclusive lock files shared by the run cache (one process computes a run) and the report (one `reproduce` writes
 * a report folder), holding the owner's pid, host and start time as JSON. A lock whose owner is gone (same host, pid
 * not alive) is stale and taken over; a live owner's lock, or one from another host (a shared file system), is
 * respected.
 *
 * A lock is created complete: its JSON is written to a temporary file `<lock>.tmp-<host>-<pid>-<n>` (the run cache's
 * naming, so `runs/files.ts` cleans a leftover one) and hard-linked to the lock's name, which fails when the lock
 * exists (as O_EXCL does). So no reader ever sees an empty lock, and a process killed while locking leaves no lock at
 * all. Where hard links are not supported, the lock is created with O_EXCL and then written; a lock left empty or
 * half-written that way (or by an older version) counts as being created for 10 s, then as stale.
 */
import * as fs from "node:fs";
import { hostname } from "node:os";

export interface LockHolder {
  pid?: number;
  host?: string;
  since?: string;
  [key: string]: unknown;
}

/** Whether a process with this pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

let tmpCounter = 0;
/** Error codes of a file system that does not support hard links. */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV", "EMLINK"]);

/**
 * Creates `file` holding `text`, exclusively: throws EEXIST when it exists. Written to a temporary file first and
 * hard-linked into place (module comment); without hard links, O_EXCL and a write.
 */
function createComplete(file: string, text: string): void {
  const tmp = `${file}.tmp-${hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host"}-${process.pid}-${++tmpCounter}`;
  fs.writeFileSync(tmp, text);
  try {
    fs.linkSync(tmp, file);
    return;
  } catch (e) {
    if (!NO_LINKS.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const fd = fs.openSync(file, "wx");
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** An empty or unreadable lock file younger than this may still be being written by its owner (no hard links). */
const UNREADABLE_GRACE_MS = 10_000;

function staleHolder(file: string, holder: LockHolder | null): boolean {
  if (holder === null) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_GRACE_MS;
    } catch {
      return true; // gone meanwhile
    }
  }
  return holder.host === hostname() && (holder.pid === undefined || !processAlive(holder.pid));
}

/**
 * Tries to take `file`. Returns `{ release }` (release deletes the file only while it is still this process's), or
 * `{ holder }` naming the live owner (null: a lock file being written right now, not yet readable). Stale locks are
 * removed first, each reported to `onStale`.
 */
export function takeLockFile(
  file: string,
  info: Record<string, unknown> = {},
  onStale: (holder: LockHolder | null) => void = () => undefined,
): { release: () => void } | { holder: LockHolder | null } {
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), ...info };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createComplete(file, JSON.stringify(me));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder: LockHolder | null = null;
      try {
        holder = JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
      } catch {
        // empty or half-written
      }
      if (!staleHolder(file, holder)) return { holder };
      onStale(holder);
      fs.rmSync(file, { force: true });
      continue;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      try {
        const now = JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
        if (now.pid === me.pid && now.host === me.host) fs.rmSync(file, { force: true });
      } catch {
        // already gone
      }
    };
    return { release };
  }
  return {
    holder: { pid: undefined, host: undefined, since: undefined, note: "a process that keeps re-creating the lock" },
  };
}
