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
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { digestFile, digestMismatch, type ExpectedDigest } from "./checksum";
import { asciiPreview, DatasetError, looksLikeHtml } from "./errors";
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
  /** Socket inactivity timeout in ms (default 60 s). */
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
      if (opts.urls.length > 1) log(`${url}: ${err.message.split("\n")[0]}`);
    }
  }
  if (errors.length === 1) throw errors[0];
  const last = errors[errors.length - 1];
  const allNetwork = errors.every((e) => e.code === "network");
  throw new DatasetError({
    code: last.code,
    what: `Could not download ${path.basename(opts.dest)} from any of its ${errors.length} URLs`,
    file: opts.dest,
    expected: describeExpected(opts.expected),
    found: errors.map((e) => `${e.file}: ${e.message.split("\n")[0]}`).join("; "),
    fix: allNetwork ? "check the network connection (and any proxy), then " + (opts.fix ?? "try again") : opts.fix,
  });
}

async function downloadOnce(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const part = opts.dest + ".part";
  const fix = opts.fix ?? "try again later, or download the file by hand and place it at " + opts.dest;
  const { res, finalUrl } = await openUrl(url, opts.maxRedirects ?? 10, opts.timeoutMs ?? 60_000, fix);
  const expectedBytes = opts.expected.bytes;
  const contentType = String(res.headers["content-type"] ?? "");
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
  const announced = res.headers["content-length"] === undefined ? null : Number(res.headers["content-length"]);
  if (announced !== null && expectedBytes !== undefined && announced !== expectedBytes) {
    res.destroy();
    throw new DatasetError({
      code: "size",
      what: "The server announces a different file size than the registry (the upstream file may have changed)",
      file: finalUrl,
      expected: `${expectedBytes} bytes`,
      found: `Content-Length ${announced}`,
      fix: `${fix}; if upstream really changed, the registry entry needs a new checksum`,
    });
  }
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  let first = true;
  const progress = byteProgress({
    label: path.basename(opts.dest),
    total: expectedBytes ?? announced,
    stream: opts.stream,
    silent: opts.progress === false,
  });
  const fh = await fs.promises.open(part, "w");
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        if (looksLikeHtml(chunk.subarray(0, 64))) {
          throw new DatasetError({
            code: "html",
            what: "The server sent an HTML page instead of the dataset file",
            file: finalUrl,
            expected: "binary dataset content",
            found: JSON.stringify(asciiPreview(chunk, 80)),
            fix,
          });
        }
      }
      bytes += chunk.length;
      if (expectedBytes !== undefined && bytes > expectedBytes) {
        throw new DatasetError({
          code: "size",
          what: "The download is larger than the registry says the file is",
          file: finalUrl,
          expected: `${expectedBytes} bytes`,
          found: `more than ${bytes - chunk.length} bytes`,
          fix,
        });
      }
      sha.update(chunk);
      md5.update(chunk);
      await fh.write(chunk);
      progress.update(bytes);
    }
    if (!res.complete) {
      throw new DatasetError({
        code: "network",
        what: "The connection closed before the download finished",
        file: finalUrl,
        expected: `${expectedBytes ?? announced ?? "?"} bytes`,
        found: `${bytes} bytes`,
        fix,
      });
    }
    const digest = { bytes, sha256: sha.digest("hex"), md5: md5.digest("hex") };
    const bad = digestMismatch(digest, opts.expected);
    if (bad !== null) {
      throw new DatasetError({
        code: bytes === expectedBytes || expectedBytes === undefined ? "checksum" : "size",
        what: "The downloaded file does not match the registry checksum; it was discarded",
        file: finalUrl,
        expected: describeExpected(opts.expected),
        found: bad,
        fix: `${fix}; if it keeps failing the server may serve a different file (report it)`,
      });
    }
    await fh.sync();
    await fh.close();
    fs.renameSync(part, opts.dest);
    progress.finish(`${(bytes / 1e6).toFixed(1)} MB, sha256 ok`);
    return { status: "downloaded", dest: opts.dest, from: finalUrl, bytes, sha256: digest.sha256 };
  } catch (e) {
    res.destroy();
    await fh.close().catch(() => undefined);
    fs.rmSync(part, { force: true });
    progress.finish("failed");
    throw e;
  }
}

function describeExpected(e: ExpectedDigest): string {
  const parts: string[] = [];
  if (e.bytes !== undefined) parts.push(`${e.bytes} bytes`);
  if (e.sha256 !== undefined) parts.push(`sha256 ${e.sha256}`);
  else if (e.md5 !== undefined) parts.push(`md5 ${e.md5}`);
  return parts.join(", ");
}

/** GET `url`, following up to `maxRedirects` redirects; resolves with a 200 response or throws a DatasetError. */
async function openUrl(
  url: string,
  maxRedirects: number,
  timeoutMs: number,
  fix: string,
): Promise<{ res: http.IncomingMessage; finalUrl: string }> {
  let current = url;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const res = await get(current, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      const next = new URL(res.headers.location, current).toString();
      if (!/^https?:/.test(next)) {
        throw new DatasetError({ code: "network", what: "Redirect to a non-HTTP URL", file: current, found: next, fix });
      }
      current = next;
      continue;
    }
    if (status !== 200) {
      const head = await readSome(res, 2048);
      const html = looksLikeHtml(head) || /text\/html/i.test(String(res.headers["content-type"] ?? ""));
      throw new DatasetError({
        code: "http",
        what: `The server answered HTTP ${status} ${res.statusMessage ?? ""}`.trim(),
        file: current,
        expected: "HTTP 200 with the dataset file",
        found: `HTTP ${status}${html ? " with an HTML error page" : ""}: ${JSON.stringify(asciiPreview(head, 80))}`,
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

function get(url: string, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.get(
      url,
      { headers: { "User-Agent": USER_AGENT, "Accept-Encoding": "identity", Accept: "*/*" } },
      (res) => resolve(res),
    );
    // Socket inactivity, during the headers or the body: destroying the request also ends the response stream.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs / 1000} s (timeout)`)));
    req.on("error", (e) =>
      reject(
        new DatasetError({
          code: "network",
          what: `Cannot download: ${e.message}`,
          file: url,
          fix: "check the network connection (and any proxy), then re-run the command",
          cause: e,
        }),
      ),
    );
  });
}

/** Reads up to `max` bytes of a response body, then discards the rest. */
async function readSome(res: http.IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= max) break;
    }
  } catch {
    // a broken error body is still an error; report what we have
  }
  res.destroy();
  return Buffer.concat(parts).subarray(0, max);
}
