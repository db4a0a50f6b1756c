/**
 * One `reproduce` at a time per report folder. Two runs writing the same `report/` would overwrite each other's
 * summary.json, index and executed notebooks; the second one therefore stops at once and says which run holds the
 * folder and how to run beside it (`--out <dir>`). A lock whose process is gone (killed, machine rebooted) is taken
 * over with a note, so an interrupted run never blocks the next one.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative } from "node:path";

export const LOCK_FILE = ".reproduce.lock";

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export class ReportBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockInfo,
  ) {
    super(message);
    this.name = "ReportBusyError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the lock of `outDir` for this process and returns its release function (also run at exit). Throws
 * `ReportBusyError` when a live process on this host holds it. `notes` receives what was done about a stale lock.
 */
export function lockReport(outDir: string, command: string, notes: (line: string) => void = () => undefined): () => void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder: LockInfo | null = null;
      try {
        holder = JSON.parse(readFileSync(path, "utf8")) as LockInfo;
      } catch {
        // written by a run that died between creating and filling the file: stale
      }
      if (holder && holder.host !== me.host) {
        throw new ReportBusyError(
          `${relative(process.cwd(), outDir) || "."}/ is locked by '${holder.command}' (pid ${holder.pid} on host ${holder.host}, started ${holder.started}). ` +
            `Wait for it, or write this run elsewhere with --out <dir>. If that run is gone, delete ${path}.`,
          holder,
        );
      }
      if (holder && alive(holder.pid)) {
        throw new ReportBusyError(
          `Another reproduce run is writing ${relative(process.cwd(), outDir) || "."}/: '${holder.command}' (pid ${holder.pid}, started ${holder.started}). ` +
            `Wait for it to finish, or run this one beside it with an output folder of its own (--out <dir>).`,
          holder,
        );
      }
      notes(`removed a stale lock ${path}${holder ? ` left by pid ${holder.pid} ('${holder.command}', started ${holder.started})` : ""}`);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify(me, null, 1) + "\n");
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      try {
        const now = JSON.parse(readFileSync(path, "utf8")) as LockInfo;
        if (now.pid === me.pid && now.host === me.host) rmSync(path, { force: true });
      } catch {
        // already gone
      }
      process.removeListener("exit", release);
    };
    process.on("exit", release);
    return release;
  }
  throw new Error(`Could not take the lock ${path} after removing a stale one three times; delete it and run again.`);
}
