/**
 * A small streaming tar reader (POSIX ustar, GNU long names, pax path/size records) over node:zlib, for the
 * CIFAR and STL-10 archives. No dependencies; constant memory whatever the archive size.
 *
 * Layout: a sequence of 512-byte header blocks, each followed by the member's data padded to a multiple of 512;
 * two all-zero blocks end the archive. Header fields (offset, length): name (0, 100), mode (100, 8),
 * size (124, 12, octal or base-256), mtime (136, 12), chksum (148, 8), typeflag (156, 1), magic (257, 6),
 * prefix (345, 155; ustar only). The checksum is the byte sum of the header with the chksum field read as spaces.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { DatasetError } from "./errors";

export interface TarHeader {
  /** Member path as stored (after applying ustar prefix, GNU long name or pax path). */
  name: string;
  size: number;
  /** "file" for regular files, "directory", or "other" (links, devices, ...). */
  type: "file" | "directory" | "other";
  mtime: number;
}

/** Receives a selected member's bytes in order. */
export interface TarSink {
  write(chunk: Uint8Array): Promise<void> | void;
  end(): Promise<void> | void;
}

/** Called for every member; return a sink to receive its data, or null to skip it. */
export type TarVisitor = (header: TarHeader) => Promise<TarSink | null> | TarSink | null;

const BLOCK = 512;

/** A FIFO of byte chunks that hands out exact-length pieces without copying more than needed. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private offset = 0; // read offset into chunks[0]
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Up to `n` bytes as a view into the first chunk (never copies). */
  takeSome(n: number): Buffer {
    const head = this.chunks[0];
    const m = Math.min(n, head.length - this.offset);
    const out = head.subarray(this.offset, this.offset + m);
    this.advance(m);
    return out;
  }

  /** Exactly `n` bytes (n <= length), copied into one buffer when they span chunks. */
  take(n: number): Buffer {
    const head = this.chunks[0];
    if (head.length - this.offset >= n) {
      const out = head.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.takeSome(n - filled);
      piece.copy(out, filled);
      filled += piece.length;
    }
    return out;
  }

  skip(n: number): void {
    while (n > 0) n -= this.takeSome(n).length;
  }

  private advance(m: number): void {
    this.offset += m;
    this.length -= m;
    if (this.offset === this.chunks[0].length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

function cString(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? len : end).toString("utf8");
}

/** A numeric header field: octal text (NUL/space terminated), or GNU base-256 when the high bit is set. */
function numberField(b: Buffer, start: number, len: number): number {
  if (b[start] & 0x80) {
    let v = b[start] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[start + i];
    return v;
  }
  const text = b.subarray(start, start + len).toString("latin1").replace(/[\0 ]+/g, " ").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

/** Parses pax extended header records "LEN key=value\n". */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = parseInt(data.subarray(pos, sp).toString("latin1"), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, pos + len - 1).toString("utf8"); // drop trailing "\n"
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/**
 * Walks a tar stream, calling `visit` for each member and streaming the data of selected members into their sinks.
 * `label` names the archive in errors. Throws a DatasetError ("format" or "truncated") on a damaged archive.
 */
export async function walkTar(
  chunks: AsyncIterable<Buffer>,
  visit: TarVisitor,
  label: string,
  /** Checked between members: return true to stop reading (e.g. every wanted member is out). */
  done?: () => boolean,
): Promise<void> {
  const q = new ByteQueue();
  type State = "header" | "data" | "pad" | "meta" | "end";
  let state = "header" as State;
  let remaining = 0; // data bytes left in the current member
  let pad = 0; // padding bytes after it
  let sink: TarSink | null = null;
  let zeroBlocks = 0;
  let metaKind = ""; // "L" (GNU long name) or "x" (pax) while reading a meta member's data
  let metaSize = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  let blocksSeen = 0;

  const corrupt = (found: string): never => {
    throw new DatasetError({
      code: "format",
      what: "Archive is damaged or is not a tar archive",
      file: label,
      expected: "tar header blocks with valid checksums",
      found,
      fix: "delete the archive and fetch it again",
    });
  };

  const step = async (): Promise<boolean> => {
    switch (state) {
      case "end":
        q.skip(q.length);
        return false;
      case "header": {
        if (q.length < BLOCK) return false;
        const h = q.take(BLOCK);
        blocksSeen++;
        let allZero = true;
        for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) { allZero = false; break; }
        if (allZero) {
          zeroBlocks++;
          if (zeroBlocks >= 2) state = "end";
          return true;
        }
        zeroBlocks = 0;
        const stored = numberField(h, 148, 8);
        let sum = 0;
        for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
        if (stored !== sum) corrupt(`header block ${blocksSeen - 1}: checksum ${stored}, computed ${sum}`);
        const typeflag = String.fromCharCode(h[156] || 0x30);
        let size = numberField(h, 124, 12);
        if (!Number.isFinite(size)) corrupt(`header block ${blocksSeen - 1}: unreadable size field`);
        const magic = h.subarray(257, 263).toString("latin1");
        let name = cString(h, 0, 100);
        if (magic === "ustar\0") {
          const prefix = cString(h, 345, 155);
          if (prefix !== "") name = `${prefix}/${name}`;
        }
        if (typeflag === "L" || typeflag === "x" || typeflag === "g") {
          metaKind = typeflag;
          metaSize = size;
          remaining = size;
          pad = (BLOCK - (size % BLOCK)) % BLOCK;
          state = "meta";
          return true;
        }
        if (longName !== null) name = longName;
        if (pax.path !== undefined) name = pax.path;
        if (pax.size !== undefined) size = Number(pax.size);
        longName = null;
        pax = {};
        const type = typeflag === "0" || typeflag === "7" ? "file" : typeflag === "5" ? "directory" : "other";
        const header: TarHeader = { name, size, type, mtime: numberField(h, 136, 12) };
        sink = type === "file" ? await visit(header) : null;
        remaining = type === "file" || type === "other" ? size : 0;
        if (typeflag === "1" || typeflag === "2") remaining = 0; // links carry no data
        pad = (BLOCK - (remaining % BLOCK)) % BLOCK;
        state = "data";
        if (remaining === 0) {
          if (sink !== null) await sink.end();
          sink = null;
          state = "pad";
        }
        return true;
      }
      case "meta": {
        if (q.length < metaSize) return false;
        const data = q.take(metaSize);
        if (metaKind === "L") longName = cString(data, 0, data.length);
        else if (metaKind === "x") pax = parsePax(data);
        state = "pad";
        return true;
      }
      case "data": {
        if (q.length === 0) return false;
        const piece = q.takeSome(remaining);
        remaining -= piece.length;
        if (sink !== null) await sink.write(piece);
        if (remaining === 0) {
          if (sink !== null) await sink.end();
          sink = null;
          state = "pad";
        }
        return true;
      }
      case "pad": {
        if (pad === 0) {
          state = "header";
          return true;
        }
        if (q.length === 0) return false;
        pad -= q.takeSome(pad).length;
        return true;
      }
    }
  };

  for await (const chunk of chunks) {
    q.push(chunk);
    while (await step()) {
      if (state === "header" && done?.()) return; // leaving the loop closes the source stream
    }
  }
  // End of input: accept a clean end (two zero blocks, or a header boundary with nothing left).
  if (state === "end" || (state === "header" && q.length === 0 && blocksSeen > 0)) return;
  if (state === "pad" && pad === 0) return;
  throw new DatasetError({
    code: "truncated",
    what: "Archive ends in the middle of a member",
    file: label,
    expected: state === "data" ? `${remaining} more data bytes` : "a complete tar archive",
    found: "end of file",
    fix: "the download was cut short; delete the archive and fetch it again",
  });
}

/**
 * Streams a gzip-compressed tar archive from disk through `walkTar`.
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
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  input.on("error", (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    await walkTar(gunzip, visit, archive, done);
    input.destroy();
  } catch (e) {
    input.destroy();
    gunzip.destroy();
    if (e instanceof DatasetError) throw e;
    const err = e as NodeJS.ErrnoException;
    const truncated = err.code === "Z_BUF_ERROR" || /unexpected end/i.test(err.message);
    throw new DatasetError({
      code: truncated ? "truncated" : "format",
      what: truncated ? "Archive is truncated (gzip stream ends early)" : `Archive is not valid gzip: ${err.message}`,
      file: archive,
      expected: "a complete .tar.gz file",
      found: err.code ?? err.message,
      fix: "delete the archive and fetch it again",
      cause: e,
    });
  }
}

/** Lists the members of a .tar.gz (name, size, type); reads the whole archive. */
export async function listTarGz(archive: string): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  await walkTarGz(archive, (h) => {
    out.push(h);
    return null;
  });
  return out;
}
