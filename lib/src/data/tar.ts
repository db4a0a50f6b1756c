/**
 * Streaming reads of the CIFAR and STL-10 .tar.gz archives, through node-tar's parser (`tar` on npm, the archive
 * library npm itself uses) over node:zlib. Memory stays constant whatever the archive size: the parser waits
 * while a member's sink is busy, so a slow disk slows the read instead of filling memory.
 *
 * What this module adds to the parser: members are handed to the caller one at a time and in order, each sink is
 * awaited before the next member starts, the read can stop early, and every failure is a DatasetError that names
 * the archive and says what to do (a damaged header is "format", an archive cut short is "truncated").
 */
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { DatasetError } from "./errors";

export interface TarHeader {
  /** Member path as stored (after applying ustar prefix, GNU long name or pax path). */
  name: string;
  size: number;
  /** "file" for regular files, "directory", or "other" (links, devices, ...). */
  type: "file" | "directory" | "other";
  /** Modification time, seconds since the epoch. */
  mtime: number;
}

/** Receives a selected member's bytes in order. */
export interface TarSink {
  write(chunk: Uint8Array): Promise<void> | void;
  /** The member is complete. */
  end(): Promise<void> | void;
  /** The read stopped inside this member (a damaged archive, or another failure): release what the sink holds. */
  abort?(): Promise<void> | void;
}

/** Called for every regular file in the archive; return a sink to receive its data, or null to skip it. */
export type TarVisitor = (header: TarHeader) => Promise<TarSink | null> | TarSink | null;

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

function headerOf(entry: ReadEntry): TarHeader {
  const type = FILE_TYPES.has(entry.type) ? "file" : entry.type === "Directory" ? "directory" : "other";
  const mtime = entry.mtime instanceof Date ? Math.floor(entry.mtime.getTime() / 1000) : 0;
  return { name: entry.path, size: entry.size, type, mtime };
}

/** The DatasetError for a failure of the tar parser or of zlib. */
function archiveError(e: unknown, label: string): DatasetError {
  if (e instanceof DatasetError) return e;
  const err = e as NodeJS.ErrnoException & { tarCode?: string };
  const code = err.tarCode ?? err.code ?? "";
  const fix = `delete the archive ${label} and fetch it again`;
  if (code.startsWith("Z_") || /zlib|gzip|incorrect header check/i.test(err.message)) {
    const truncated = code === "Z_BUF_ERROR" || /unexpected end/i.test(err.message);
    return new DatasetError({
      code: truncated ? "truncated" : "format",
      what: truncated ? "Archive is truncated (gzip stream ends early)" : `Archive is not valid gzip: ${err.message}`,
      file: label,
      expected: "a complete .tar.gz file",
      found: err.code ?? err.message,
      fix,
      cause: e,
    });
  }
  if (/truncated input/i.test(err.message)) {
    return new DatasetError({
      code: "truncated",
      what: "Archive ends in the middle of a member",
      file: label,
      expected: "a complete tar archive",
      found: err.message.replace(/^TAR_BAD_ARCHIVE: /, ""),
      fix: "the download was cut short; " + fix,
      cause: e,
    });
  }
  return new DatasetError({
    code: "format",
    what: "Archive is damaged or is not a tar archive",
    file: label,
    expected: "tar header blocks with valid checksums",
    found: err.message,
    fix,
    cause: e,
  });
}

function memberCutShort(header: TarHeader, received: number, label: string): DatasetError {
  return new DatasetError({
    code: "truncated",
    what: "Archive ends in the middle of a member",
    file: `${label}:${header.name}`,
    expected: `${header.size} bytes`,
    found: `${received} bytes`,
    fix: `the download was cut short; delete the archive ${label} and fetch it again`,
  });
}

/**
 * Reads a tar stream (uncompressed bytes), calling `visit` for each regular file and streaming the data of the
 * files it selects into their sinks, one member after the other. `label` names the archive in errors; `done` is
 * checked after each member: return true to stop reading (the rest of the input is never read).
 * Throws a DatasetError ("format" or "truncated") on a damaged archive, or the error a sink threw.
 */
export async function walkTar(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  visit: TarVisitor,
  label: string,
  done?: () => boolean,
): Promise<void> {
  await walk([Readable.from(input as AsyncIterable<Buffer>)], visit, label, done);
}

/** The shared walk over `stages` (a byte source, then optional transforms such as gunzip) into the parser. */
async function walk(
  stages: NodeJS.ReadWriteStream[] | [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]],
  visit: TarVisitor,
  label: string,
  done?: () => boolean,
): Promise<void> {
  const abort = new AbortController();
  let failure: unknown = null;
  let stopped = false;
  let queue: Promise<void> = Promise.resolve();
  let current: ReadEntry | null = null; // the member whose data is being read

  const consume = async (entry: ReadEntry): Promise<void> => {
    const header = headerOf(entry);
    const sink = stopped || header.type !== "file" ? null : await visit(header);
    if (sink === null) {
      entry.resume();
      return;
    }
    let received = 0;
    current = entry;
    try {
      for await (const chunk of entry) {
        if (stopped) break;
        received += (chunk as Buffer).length;
        await sink.write(chunk as Buffer);
      }
    } catch (e) {
      if (!stopped) throw e; // else the entry was destroyed by stop()
    } finally {
      current = null;
    }
    // A member cut off by a failure or by the end of the input is incomplete: its sink is aborted, never ended.
    if (stopped || received !== header.size) {
      await sink.abort?.();
      if (!stopped) throw memberCutShort(header, received, label);
      return;
    }
    await sink.end();
    if (done?.()) stop(null);
  };
  /** Stops the read: `null` when the caller has what it wants, else the failure to report. */
  const stop = (e: unknown, fromParser = false): void => {
    if (e !== null && failure === null) failure = fromParser ? archiveError(e, label) : e;
    if (!stopped) {
      stopped = true;
      abort.abort();
      current?.destroy(); // ends a consumer waiting for data that will not come
    }
  };

  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      queue = queue.then(() => (stopped ? void entry.resume() : consume(entry))).catch((e) => stop(e));
    },
  });
  try {
    await pipeline([...stages, parser] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream], {
      signal: abort.signal,
    });
  } catch (e) {
    if (!stopped) stop(e, true);
  }
  await queue; // cannot hang: after a stop, the member being read is destroyed and the rest are skipped
  if (failure !== null) throw failure;
}

/**
 * Streams a gzip-compressed tar archive from disk through the tar parser (see `walkTar`).
 * `onCompressedBytes` reports how much of the .tar.gz has been read (for a progress bar).
 */
export async function walkTarGz(
  archive: string,
  visit: TarVisitor,
  onCompressedBytes?: (n: number) => void,
  done?: () => boolean,
): Promise<void> {
  const input = fs.createReadStream(archive, { highWaterMark: 1 << 20 });
  let read = 0;
  input.on("data", (c: Buffer | string) => {
    read += c.length;
    onCompressedBytes?.(read);
  });
  await walk([input, zlib.createGunzip({ chunkSize: 1 << 20 })], visit, archive, done);
}

/** Lists the regular files of a .tar.gz (name, size, type); reads the whole archive. */
export async function listTarGz(archive: string): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  await walkTarGz(archive, (h) => {
    out.push(h);
    return null;
  });
  return out;
}
