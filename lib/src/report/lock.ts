/**
 * One `reproduce` at a time per report folder. Two runs writing the same `report/` would overwrite each other's
 * summary.json, index and executed notebooks; the second one therefore stops at once and says which run holds the
 * folder and how to run beside it (`--out <dir>`). A lock whose process is gone (killed, machine rebooted) is taken
 * over with a note, so an interrupted run never blocks the next one (util/lockfile.ts).
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import { type LockHolder, takeLockFile } from "../util/lockfile";

export const LOCK_FILE = ".reproduce.lock";

export class ReportBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | null,
  ) {
    super(message);
    this.name = "ReportBusyError";
  }
}

/**
 * Takes the lock of `outDir` for this process and returns its release function (also run at exit). Throws
 * `ReportBusyError` when another live process holds it. `notes` receives what was done about a stale lock.
 */
export function lockReport(outDir: string, command: string, notes: (line: string) => void = () => undefined): () => void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, LOCK_FILE);
  const r = takeLockFile(path, { command }, (h) =>
    notes(`removed a stale lock ${path}${h ? ` left by pid ${h.pid} ('${h.command}', started ${h.since})` : ""}`),
  );
  if ("holder" in r) {
    const h = r.holder;
    const rel = relative(process.cwd(), outDir);
    const dir = `${rel === "" ? "." : rel.startsWith("..") ? outDir : rel}/`;
    const who = h ? `'${h.command}' (pid ${h.pid}${h.host && h.host !== hostname() ? ` on host ${h.host}` : ""}, started ${h.since})` : "a run that is starting right now";
    throw new ReportBusyError(
      `Another reproduce run is writing ${dir}: ${who}. Wait for it to finish, or run this one beside it with an output ` +
        `folder of its own (--out <dir>). If that run is gone, delete ${path}.`,
      h,
    );
  }
  const release = () => {
    r.release();
    process.removeListener("exit", release);
  };
  process.on("exit", release);
  return release;
}
