/**
 * Exclusive lock files shared by the run cache (one process computes a run) and the report (one `reproduce` writes
 * a report folder): created with O_EXCL, holding the owner's pid, host and start time as JSON. A lock whose owner is
 * gone (same host, pid not alive), or one left empty by an owner that died while creating it, is stale and taken
 * over; a live owner's lock, or one from another host (a shared file system), is respected.
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

/** An empty or unreadable lock file younger than this may still be being written by its owner. */
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
    let fd: number;
    try {
      fd = fs.openSync(file, "wx");
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
    fs.writeSync(fd, JSON.stringify(me));
    fs.closeSync(fd);
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
