/**
 * Finding a dataset's files for a loader. Loading never downloads: a missing file is an error that names the
 * exact fetch command, a file of the wrong size is an error that says to delete it and fetch again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { DatasetError, fetchCommand, htmlStart, refetchAdvice, rejectHtml } from "./errors";
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
    // An HTML page saved in place of the file is named as such, before its size makes it look "truncated".
    rejectHtmlFile(file, refetchAdvice(file, entry.name));
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

/**
 * Throws the "html" DatasetError when `file` starts like an HTML page, read as is or, for a gzip file (an HTML
 * page saved with its Content-Encoding), after inflating its first bytes.
 */
export function rejectHtmlFile(file: string, fix: string): void {
  for (const head of fileHeads(file)) rejectHtml(head, file, fix);
}

/** The tag an HTML page saved as `file` starts with ("<!doctype html>"), or null when it is not one. */
export function htmlFileStart(file: string): string | null {
  for (const head of fileHeads(file)) {
    const tag = htmlStart(head);
    if (tag !== null) return tag;
  }
  return null;
}

/** The first 64 bytes of `file`, and of its inflated content when it is gzip-compressed. */
function fileHeads(file: string): Buffer[] {
  const fd = fs.openSync(file, "r");
  let head: Buffer;
  try {
    head = Buffer.alloc(4096);
    head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
  } finally {
    fs.closeSync(fd);
  }
  const heads = [head.subarray(0, 64)];
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      heads.push(zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, 64));
    } catch {
      // damaged gzip: the parser reports it
    }
  }
  return heads;
}

/** Reads a text member (class names) when present; null when absent. An HTML page there is an error. */
export function readOptionalLines(entry: DatasetEntry, rel: string, opts: DataDirOptions = {}): string[] | null {
  const file = path.join(downloadDir(entry.name, opts), rel);
  if (!fs.existsSync(file)) return null;
  rejectHtmlFile(file, refetchAdvice(file, entry.name));
  return fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
