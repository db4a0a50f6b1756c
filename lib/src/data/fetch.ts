/**
 * Fetching a registry dataset: download every file (verified, atomic; see download.ts), then extract the archive
 * members the loaders need (each member written to `.part` and renamed once complete and the right size), then
 * write a small manifest `.extracted.json` recording which archive the members came from.
 *
 *   data/downloads/cifar10/cifar-10-binary.tar.gz
 *   data/downloads/cifar10/cifar-10-batches-bin/data_batch_1.bin ...
 *   data/downloads/cifar10/.extracted.json
 *
 * Running it again is a no-op when everything is present and valid. Loading never downloads: see locate.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { digestFile, digestMismatch } from "./checksum";
import { downloadFile, type DownloadResult } from "./download";
import { DatasetError, fetchCommand } from "./errors";
import { downloadDir, type DataDirOptions } from "./paths";
import { byteProgress, type ByteProgressOptions } from "../display/progress";
import { htmlFileStart } from "./locate";
import { getDatasetEntry, loaderFiles, type DatasetEntry } from "./registry";
import { walkTarGz } from "./tar";

export interface FetchOptions extends DataDirOptions {
  /** Base URL of a mirror holding the files under their registry names; tried before the canonical URLs. */
  mirror?: string;
  /** Progress bars and notes on `stream` (default true). */
  progress?: boolean;
  stream?: ByteProgressOptions["stream"];
  /** Delete the archive after a successful extraction (saves 2.6 GB for STL-10). Default false. */
  prune?: boolean;
  /** Socket inactivity timeout for downloads, ms. */
  timeoutMs?: number;
}

export interface FetchReport {
  name: string;
  dir: string;
  files: DownloadResult[];
  /** Members extracted by this call (empty when they were already in place). */
  extracted: string[];
}

const MANIFEST = ".extracted.json";

interface Manifest {
  archive: string;
  sha256: string;
  members: { path: string; bytes: number }[];
}

/** Downloads, verifies and extracts dataset `name` into `<data dir>/downloads/<name>/`. */
export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<FetchReport> {
  const entry = getDatasetEntry(name);
  const dir = downloadDir(entry.name, opts);
  const stream = opts.stream ?? process.stderr;
  const note = (s: string) => {
    if (opts.progress !== false) stream.write(s + "\n");
  };
  fs.mkdirSync(dir, { recursive: true });

  // An archive that was extracted and then pruned need not come back.
  if (entry.archive !== undefined && !fs.existsSync(path.join(dir, entry.archive.file)) && membersReady(entry, dir)) {
    note(`${entry.name}: extracted files present and complete (archive pruned); nothing to do`);
    return { name: entry.name, dir, files: [], extracted: [] };
  }

  const files: DownloadResult[] = [];
  for (const f of entry.files) {
    const urls = [
      ...(opts.mirror ? [`${opts.mirror.replace(/\/+$/, "")}/${f.file}`] : []),
      f.url,
      ...f.mirrors,
    ];
    const r = await downloadFile({
      urls,
      dest: path.join(dir, f.file),
      expected: { bytes: f.bytes, sha256: f.sha256 },
      fix: `re-run \`${fetchCommand(entry.name)}\` (an existing good file is kept)`,
      progress: opts.progress,
      stream,
      timeoutMs: opts.timeoutMs,
    });
    if (r.status === "present") note(`${f.file}: present, ${f.bytes} bytes, sha256 ok`);
    files.push(r);
  }

  let extracted: string[] = [];
  if (entry.archive !== undefined) {
    const archive = entry.archive.file;
    const sha = files.find((r) => path.basename(r.dest) === archive)?.sha256 ?? "";
    if (manifestMatches(entry, dir, sha) && membersReady(entry, dir)) {
      note(`${entry.name}: archive members already extracted`);
    } else {
      extracted = await extractMembers(entry, dir, opts, stream);
      const manifest: Manifest = {
        archive,
        sha256: sha,
        members: entry.archive.members.map((m) => ({ path: m.path, bytes: fs.statSync(path.join(dir, m.path)).size })),
      };
      writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    }
    if (opts.prune) {
      fs.rmSync(path.join(dir, archive), { force: true });
      note(`${archive}: removed after extraction (--prune)`);
    }
  }
  note(`${entry.name}: ready in ${dir}`);
  return { name: entry.name, dir, files, extracted };
}

/** Extracts the registry's members of `entry.archive` into `dir`; returns the member paths written. */
export async function extractMembers(
  entry: DatasetEntry,
  dir: string,
  opts: { progress?: boolean } = {},
  stream: ByteProgressOptions["stream"] = process.stderr,
): Promise<string[]> {
  if (entry.archive === undefined) return [];
  const archivePath = path.join(dir, entry.archive.file);
  const wanted = new Map(entry.archive.members.map((m) => [m.path, m]));
  const done: string[] = [];
  const progress = byteProgress({
    label: `extracting ${entry.archive.file}`,
    total: fs.statSync(archivePath).size,
    stream,
    silent: opts.progress === false,
  });
  const parts: string[] = [];
  try {
    await walkTarGz(
      archivePath,
      async (h) => {
        const m = wanted.get(h.name.replace(/^\.\//, ""));
        if (m === undefined) return null;
        const dest = path.join(dir, m.path);
        const part = dest + ".part";
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        const fh = await fs.promises.open(part, "w");
        parts.push(part);
        let written = 0;
        return {
          async write(chunk: Uint8Array) {
            written += chunk.length;
            await fh.write(chunk);
          },
          async end() {
            await fh.close();
            if (m.bytes !== undefined && written !== m.bytes) {
              throw new DatasetError({
                code: "size",
                what: "Archive member has the wrong size",
                file: `${archivePath}:${m.path}`,
                expected: `${m.bytes} bytes`,
                found: `${written} bytes`,
                fix: `delete ${archivePath} and re-run \`${fetchCommand(entry.name)}\``,
              });
            }
            fs.renameSync(part, dest);
            done.push(m.path);
          },
          async abort() {
            await fh.close();
          },
        };
      },
      (n) => progress.update(n),
      // Stop reading once every wanted member is out: STL-10's archive ends with 2.7 GB of unlabelled images.
      () => done.length === wanted.size,
    );
  } finally {
    for (const p of parts) fs.rmSync(p, { force: true });
  }
  const missing = entry.archive.members.filter((m) => !done.includes(m.path)).map((m) => m.path);
  if (missing.length > 0) {
    progress.finish("failed");
    throw new DatasetError({
      code: "format",
      what: "Archive does not contain the expected members",
      file: archivePath,
      expected: entry.archive.members.map((m) => m.path).join(", "),
      found: `missing ${missing.join(", ")}`,
      fix: `delete ${archivePath} and re-run \`${fetchCommand(entry.name)}\``,
    });
  }
  progress.finish(`${done.length} files extracted`);
  return done;
}

function manifestMatches(entry: DatasetEntry, dir: string, sha256: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8")) as Manifest;
    return m.archive === entry.archive?.file && m.sha256 === sha256;
  } catch {
    return false;
  }
}

/** True when every file a loader reads exists with its pinned size. */
export function membersReady(entry: DatasetEntry, dir: string): boolean {
  return loaderFiles(entry).every((f) => {
    try {
      const st = fs.statSync(path.join(dir, f.path));
      return st.isFile() && (f.bytes === undefined || st.size === f.bytes);
    } catch {
      return false;
    }
  });
}

function writeFileAtomic(file: string, text: string): void {
  const part = file + ".part";
  fs.writeFileSync(part, text);
  fs.renameSync(part, file);
}

export type FileState = "ok" | "missing" | "wrong-size" | "bad-checksum";

export interface VerifyReport {
  name: string;
  dir: string;
  ok: boolean;
  /** Downloaded files: state, found size, and what was wrong. */
  files: { file: string; state: FileState; detail?: string }[];
  /** Extracted members (archives only). */
  members: { file: string; state: FileState; detail?: string }[];
}

/**
 * Re-hashes every downloaded file of `name` and checks every extracted member's size. A pruned archive (missing,
 * with all members in place) counts as ok.
 */
export async function verifyDataset(name: string, opts: DataDirOptions = {}): Promise<VerifyReport> {
  const entry = getDatasetEntry(name);
  const dir = downloadDir(entry.name, opts);
  const members = entry.archive === undefined ? [] : memberStates(entry, dir);
  const membersOk = members.every((m) => m.state === "ok");
  const files: VerifyReport["files"] = [];
  for (const f of entry.files) {
    const p = path.join(dir, f.file);
    if (!fs.existsSync(p)) {
      const pruned = entry.archive?.file === f.file && members.length > 0 && membersOk;
      files.push({ file: f.file, state: pruned ? "ok" : "missing", detail: pruned ? "pruned after extraction" : undefined });
      continue;
    }
    const found = await digestFile(p);
    const bad = digestMismatch(found, { bytes: f.bytes, sha256: f.sha256 });
    files.push(
      bad === null
        ? { file: f.file, state: "ok" }
        : { file: f.file, state: found.bytes !== f.bytes ? "wrong-size" : "bad-checksum", detail: withHtml(p, bad) },
    );
  }
  const ok = files.every((f) => f.state === "ok") && membersOk;
  return { name: entry.name, dir, ok, files, members };
}

function memberStates(entry: DatasetEntry, dir: string): VerifyReport["members"] {
  return loaderFiles(entry).map((m) => {
    const p = path.join(dir, m.path);
    if (!fs.existsSync(p)) return { file: m.path, state: "missing" as const };
    const size = fs.statSync(p).size;
    if (m.bytes !== undefined && size !== m.bytes) {
      return { file: m.path, state: "wrong-size" as const, detail: withHtml(p, `size ${size} bytes, expected ${m.bytes}`) };
    }
    return { file: m.path, state: "ok" as const };
  });
}

/** `detail`, led by "an HTML page (starts with ...)" when the file is one: the likelier explanation. */
function withHtml(file: string, detail: string): string {
  const tag = htmlFileStart(file);
  return tag === null ? detail : `an HTML page (starts with ${tag}), not the dataset file; ${detail}`;
}

/** Cheap status for `skiplab data list`: "ready" (loader files in place), "partial", or "missing". No hashing. */
export function datasetStatus(name: string, opts: DataDirOptions = {}): "ready" | "partial" | "missing" {
  const entry = getDatasetEntry(name);
  const dir = downloadDir(entry.name, opts);
  if (membersReady(entry, dir)) return "ready";
  const any =
    entry.files.some((f) => fs.existsSync(path.join(dir, f.file))) ||
    loaderFiles(entry).some((f) => fs.existsSync(path.join(dir, f.path)));
  return any ? "partial" : "missing";
}
