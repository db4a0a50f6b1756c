/**
 * Downloading one file, verified while it streams, written atomically.
 *
 *   1. If `dest` exists and matches the expected size and checksum: nothing to do ("present").
 *   2. Otherwise stream the URL (following redirects) into `dest.part`, hashing every chunk as it arrives.
 *   3. Only when the byte count and the checksum match is `dest.part` renamed onto `dest`.
 * Any failure (network, HTTP status, HTML page, size, checksum) deletes `dest.part` and leaves `dest` exactly as
 * it was, so a partial or wrong download never looks valid and a good file is never lost.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { digestFile, digestMismatch, type ExpectedDigest } from "./checksum";
import { asciiPreview, DatasetError, formatBytes, looksLikeHtml } from "./errors";
import { byteProgress, type ByteProgressOptions } from "../display/progress";

export interface DownloadOptions {
  /** URLs serving the file, tried in order until one gives a verified copy. */
  urls: string[];
  /** Final path. */
  dest: string;
  /** Size and checksum the file must have. */
  expected: ExpectedDigest;
  /** Advice appended to errors (e.g. the fetch command to re-run). */
  fix?: string;
  /** Progress output; false to silence. Default: on, to stderr. */
  progress?: boolean;
  /** Stream for progress and notes; default process.stderr. */
  stream?: ByteProgressOptions["stream"];
  /** Inactivity timeout in ms, while waiting for the headers or between chunks of the body (default 60 s). */
  timeoutMs?: number;
  /** Maximum redirects followed per URL (default 10). */
  maxRedirects?: number;
}

export interface DownloadResult {
  status: "present" | "downloaded";
  dest: string;
  /** The URL the verified bytes came from (after redirects); absent when the file was already present. */
  from?: string;
  bytes: number;
  sha256: string;
}

const USER_AGENT = "skiplab-data/0.1 (skip-singularities; Node.js)";

/** Downloads `opts.urls` to `opts.dest` as described in the module comment. */
export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const log = (s: string) => {
    if (opts.progress !== false) (opts.stream ?? process.stderr).write(s + "\n");
  };
  if (fs.existsSync(opts.dest)) {
    const found = await digestFile(opts.dest);
    const bad = digestMismatch(found, opts.expected);
    if (bad === null) return { status: "present", dest: opts.dest, bytes: found.bytes, sha256: found.sha256 };
    log(`${path.basename(opts.dest)}: existing file does not verify (${bad}); downloading a fresh copy`);
  }
  fs.mkdirSync(path.dirname(opts.dest), { recursive: true });
  const errors: DatasetError[] = [];
  for (const url of opts.urls) {
    try {
      return await downloadOnce(url, opts);
    } catch (e) {
      const err =
        e instanceof DatasetError
          ? e
          : new DatasetError({
              code: "network",
              what: `Download failed: ${(e as Error).message}`,
              file: url,
              fix: opts.fix ?? "check the network connection and try again",
              cause: e,
            });
      errors.push(err);
      if (opts.urls.length > 1) log(`${url}: ${attemptSummary(err).join("; ")}`);
    }
  }
  if (errors.length === 1) throw errors[0];
  const last = errors[errors.length - 1];
  const allNetwork = errors.every((e) => e.code === "network");
  const sameCode = errors.every((e) => e.code === last.code);
  // Every URL's own failure is kept: its kind, and what it expected and found (both checksums, byte counts).
  const listing = errors.map((e, i) => {
    const [head, ...detail] = attemptSummary(e);
    return [`    ${i + 1}. ${e.file ?? opts.urls[i]}: ${head}`, ...detail.map((d) => `         ${d}`)].join("\n");
  });
  throw new DatasetError({
    code: last.code, // each URL's own kind is in `attempts` and in the listing
    what: `Could not download ${path.basename(opts.dest)} from any of its ${errors.length} URLs`,
    file: opts.dest,
    expected: describeExpected(opts.expected),
    found: `${errors.length} failures, one per URL${sameCode ? ` (all ${last.code})` : ""}:\n${listing.join("\n")}`,
    fix: allNetwork ? "check the network connection (and any proxy), then " + (opts.fix ?? "try again") : opts.fix,
    attempts: errors,
  });
}

/** One attempt's failure as lines: "<what> [<kind>]", then "expected ...", "found ..." where known. */
function attemptSummary(e: DatasetError): string[] {
  const lines = [`${e.what} [${e.code}]`];
  if (e.expected !== undefined) lines.push(`expected ${e.expected}`);
  if (e.found !== undefined) lines.push(`found    ${e.found}`);
  return lines;
}

async function downloadOnce(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const part = opts.dest + ".part";
  const fix = opts.fix ?? "try again later, or download the file by hand and place it at " + opts.dest;
  const idle = idleTimeout(opts.timeoutMs ?? 60_000);
  try {
    const { res, finalUrl } = await openUrl(url, opts.maxRedirects ?? 10, idle, fix);
    return await receive(res, finalUrl, part, opts, idle, fix);
  } finally {
    idle.clear();
  }
}

/** Streams a 200 response into `part` through the checks, then renames it onto `opts.dest` once it verifies. */
async function receive(
  res: Response,
  finalUrl: string,
  part: string,
  opts: DownloadOptions,
  idle: IdleTimeout,
  fix: string,
): Promise<DownloadResult> {
  const expectedBytes = opts.expected.bytes;
  const contentType = res.headers.get("content-type") ?? "";
  if (/text\/html/i.test(contentType)) {
    const head = await readSome(res, 512);
    throw new DatasetError({
      code: "html",
      what: "The server sent an HTML page instead of the dataset file",
      file: finalUrl,
      expected: "binary content (application/octet-stream or similar)",
      found: `Content-Type ${contentType}: ${JSON.stringify(asciiPreview(head, 80))}`,
      fix,
    });
  }
  const length = res.headers.get("content-length");
  const announced = length === null ? null : Number(length);
  if (announced !== null && expectedBytes !== undefined && announced !== expectedBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new DatasetError({
      code: "size",
      what: "The server announces a different file size than the registry (the upstream file may have changed)",
      file: finalUrl,
      expected: `${formatBytes(expectedBytes)} bytes`,
      found: `Content-Length ${announced}`,
      fix: `${fix}; if upstream really changed, the registry entry needs a new checksum`,
    });
  }
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  const progress = byteProgress({
    label: path.basename(opts.dest),
    total: expectedBytes ?? announced,
    stream: opts.stream,
    silent: opts.progress === false,
  });
  /** Checks each chunk as it passes: an HTML page sniffed from the first bytes, a body longer than expected. */
  async function* verified(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      idle.touch();
      if (bytes === 0 && looksLikeHtml(chunk.subarray(0, 64))) {
        throw new DatasetError({
          code: "html",
          what: "The server sent an HTML page instead of the dataset file",
          file: finalUrl,
          expected: "binary dataset content",
          found: JSON.stringify(asciiPreview(Buffer.from(chunk), 80)),
          fix,
        });
      }
      bytes += chunk.length;
      if (expectedBytes !== undefined && bytes > expectedBytes) {
        throw new DatasetError({
          code: "size",
          what: "The download is larger than the registry says the file is",
          file: finalUrl,
          expected: `${formatBytes(expectedBytes)} bytes`,
          found: `more than ${formatBytes(bytes - chunk.length)} bytes`,
          fix,
        });
      }
      sha.update(chunk);
      md5.update(chunk);
      progress.update(bytes);
      yield chunk;
    }
  }
  const encoding = res.headers.get("content-encoding");
  const decoded = encoding !== null && encoding !== "identity" ? ` (the server compressed the transfer with Content-Encoding ${encoding})` : "";
  const total = expectedBytes ?? announced ?? undefined;
  /** "received 5,242,880 of 10,485,760 bytes": the error for a body that ended early, cleanly or not. */
  const closedEarly = (reason: string, cause?: unknown) =>
    new DatasetError({
      code: "network",
      what: "The connection closed before the download finished; the partial file was discarded",
      file: finalUrl,
      expected: total === undefined ? "the whole file" : `${formatBytes(total)} bytes`,
      found:
        (total === undefined ? `received ${formatBytes(bytes)} bytes` : `received ${formatBytes(bytes)} of ${formatBytes(total)} bytes`) +
        ` (${reason})${decoded}`,
      fix,
      cause,
    });
  try {
    if (res.body === null) throw new Error("the response has no body");
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), verified, fs.createWriteStream(part));
    } catch (e) {
      if (e instanceof DatasetError) throw e;
      throw closedEarly(idle.reason() ?? describeFetchError(e), e);
    }
    if (total !== undefined && bytes < total) {
      throw closedEarly(announced === null ? "the server ended the body without announcing its length" : "the server ended the body early");
    }
    const digest = { bytes, sha256: sha.digest("hex"), md5: md5.digest("hex") };
    const bad = digestMismatch(digest, opts.expected);
    if (bad !== null) {
      throw new DatasetError({
        code: "checksum",
        what: "The downloaded file does not match the registry checksum; it was discarded",
        file: finalUrl,
        expected: describeExpected(opts.expected),
        found: describeFound(digest, opts.expected) + decoded,
        fix: `${fix}; if it keeps failing the server may serve a different file (report it)`,
      });
    }
    syncFile(part);
    fs.renameSync(part, opts.dest);
    progress.finish(`${(bytes / 1e6).toFixed(1)} MB, sha256 ok`);
    return { status: "downloaded", dest: opts.dest, from: finalUrl, bytes, sha256: digest.sha256 };
  } catch (e) {
    await res.body?.cancel().catch(() => undefined);
    fs.rmSync(part, { force: true });
    progress.finish("failed");
    throw e;
  }
}

/** Flushes a written file to disk before it is renamed into place. */
function syncFile(file: string): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function describeExpected(e: ExpectedDigest): string {
  const parts: string[] = [];
  if (e.bytes !== undefined) parts.push(`${formatBytes(e.bytes)} bytes`);
  if (e.sha256 !== undefined) parts.push(`sha256 ${e.sha256}`);
  else if (e.md5 !== undefined) parts.push(`md5 ${e.md5}`);
  return parts.join(", ");
}

/** What was actually received, in the same terms as describeExpected (the sha256, or the md5 when only it is known). */
function describeFound(d: { bytes: number; sha256: string; md5: string }, e: ExpectedDigest): string {
  const sum = e.sha256 === undefined && e.md5 !== undefined ? `md5 ${d.md5}` : `sha256 ${d.sha256}`;
  return `${formatBytes(d.bytes)} bytes, ${sum}`;
}

interface IdleTimeout {
  /** Aborts the request when no data arrives for the timeout. */
  signal: AbortSignal;
  /** Data arrived: restart the clock. */
  touch(): void;
  clear(): void;
  /** Why the request was aborted, if it was. */
  reason(): string | null;
}

/** An inactivity timeout (during the headers or the body), restarted by every chunk received. */
function idleTimeout(ms: number): IdleTimeout {
  const controller = new AbortController();
  const message = `no data for ${ms / 1000} s (timeout)`;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(message)), ms);
  };
  touch();
  return {
    signal: controller.signal,
    touch,
    clear: () => clearTimeout(timer),
    reason: () => (controller.signal.aborted ? message : null),
  };
}

/** The underlying reason of a fetch failure ("fetch failed" says nothing; its cause names the socket error). */
function describeFetchError(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  const cause = err.cause;
  if (cause instanceof Error) return cause.code !== undefined && !cause.message.includes(cause.code) ? `${cause.message} (${cause.code})` : cause.message;
  return err.message;
}

/** GET `url`, following up to `maxRedirects` redirects; resolves with a 200 response or throws a DatasetError. */
async function openUrl(url: string, maxRedirects: number, idle: IdleTimeout, fix: string): Promise<{ res: Response; finalUrl: string }> {
  let current = url;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    let res: Response;
    try {
      res = await fetch(current, {
        redirect: "manual", // followed here, to keep the count, the URL actually served, and the check on the scheme
        signal: idle.signal,
        headers: { "User-Agent": USER_AGENT, "Accept-Encoding": "identity", Accept: "*/*" },
      });
    } catch (e) {
      throw new DatasetError({
        code: "network",
        what: `Cannot download: ${idle.reason() ?? describeFetchError(e)}`,
        file: current,
        fix: "check the network connection (and any proxy), then re-run the command",
        cause: e,
      });
    }
    idle.touch();
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await res.body?.cancel().catch(() => undefined);
      const next = new URL(location, current).toString();
      if (!/^https?:/.test(next)) {
        throw new DatasetError({ code: "network", what: "Redirect to a non-HTTP URL", file: current, found: next, fix });
      }
      current = next;
      continue;
    }
    if (res.status !== 200) {
      const head = await readSome(res, 2048);
      const html = looksLikeHtml(head) || /text\/html/i.test(res.headers.get("content-type") ?? "");
      throw new DatasetError({
        code: "http",
        what: `The server answered HTTP ${res.status} ${res.statusText}`.trim(),
        file: current,
        expected: "HTTP 200 with the dataset file",
        found: `HTTP ${res.status}${html ? " with an HTML error page" : ""}: ${JSON.stringify(asciiPreview(head, 80))}`,
        fix,
      });
    }
    return { res, finalUrl: current };
  }
  throw new DatasetError({
    code: "network",
    what: `Too many redirects (more than ${maxRedirects})`,
    file: url,
    found: `last location ${current}`,
    fix,
  });
}

/** Reads up to `max` bytes of a response body, then discards the rest. */
async function readSome(res: Response, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  const reader = res.body?.getReader();
  try {
    while (reader !== undefined && n < max) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(Buffer.from(value));
      n += value.length;
    }
  } catch {
    // a broken error body is still an error; report what we have
  }
  await reader?.cancel().catch(() => undefined);
  return Buffer.concat(parts).subarray(0, max);
}
