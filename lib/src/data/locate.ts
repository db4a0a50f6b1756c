/**
 * Finding a dataset's files for a loader. Loading never downloads: a missing file is an error that names the
 * exact fetch command, a file of the wrong size is an error that says to delete it and fetch again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DatasetError, fetchCommand, refetchAdvice } from "./errors";
import { downloadDir, type DataDirOptions } from "./paths";
import { loaderFiles, type DatasetEntry } from "./registry";

export interface LocateOptions extends DataDirOptions {
  /**
   * Accept files holding fewer records than the official split (hand-made subsets, small test files).
   * Structure is still checked by the parsers; only the pinned registry sizes are not enforced.
   */
  allowPartial?: boolean;
}

/** Absolute paths of `relPaths` under the dataset's download folder, after checking they exist (and their sizes). */
export function locateFiles(entry: DatasetEntry, relPaths: string[], opts: LocateOptions = {}): string[] {
  const dir = downloadDir(entry.name, opts);
  const pinned = new Map(loaderFiles(entry).map((f) => [f.path, f.bytes]));
  return relPaths.map((rel) => {
    const file = path.join(dir, rel);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      const archive = entry.archive?.file;
      const archiveHere = archive !== undefined && fs.existsSync(path.join(dir, archive));
      throw new DatasetError({
        code: "missing",
        what: `Dataset "${entry.name}" is not on this machine (loading never downloads)`,
        file,
        expected: archiveHere ? `${rel}, extracted from ${archive}` : `${rel} (${entry.title})`,
        found: archiveHere ? "the archive is there but this member was not extracted" : "no such file",
        fix: `run \`${fetchCommand(entry.name)}\`` + (opts.dir ? ` --dir ${path.resolve(opts.dir)}` : ""),
      });
    }
    const bytes = pinned.get(rel);
    if (!opts.allowPartial && bytes !== undefined && size !== bytes) {
      throw new DatasetError({
        code: size < bytes ? "truncated" : "size",
        what: size < bytes ? "Dataset file is truncated" : "Dataset file is larger than the official file",
        file,
        expected: `${bytes} bytes`,
        found: `${size} bytes`,
        fix: refetchAdvice(file, entry.name),
      });
    }
    return file;
  });
}

/** Reads a text member (class names) when present; null when absent. */
export function readOptionalLines(entry: DatasetEntry, rel: string, opts: DataDirOptions = {}): string[] | null {
  const file = path.join(downloadDir(entry.name, opts), rel);
  if (!fs.existsSync(file)) return null;
  return fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
