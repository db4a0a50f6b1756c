/**
 * Fault injection, downloads (issue 18, class 4): every registry file has several URLs, so a failed fetch always
 * ends in the "all URLs failed" error. That error must keep, per URL, the kind of failure and its detail: both
 * sha256 values and the byte count for a checksum mismatch, the expected and received byte counts for a body cut
 * short. Good files already on disk survive a failed re-fetch. Served from 127.0.0.1 only, never the network.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dataCommand, downloadFile, fetchDataset, REGISTRY, type DatasetEntry } from "../../lib/src/data";
import { failure, serveBytes, startServer, tmpDir, type TestServer } from "./helpers";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const SIZE = 1 << 20; // 1,048,576 bytes
const GOOD = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 2654435761) % 256));
const EVIL = Buffer.from(GOOD.map((v) => v ^ 0x5a)); // same size, different bytes
const HALF = SIZE / 2;
const expected = { bytes: SIZE, sha256: sha256(GOOD) };

let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    "/good.bin": serveBytes(GOOD),
    "/evil.bin": serveBytes(EVIL),
    // Chunked transfer (no Content-Length), ended cleanly after half the body: nothing at the HTTP level is wrong.
    "/half-chunked": (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      res.end(GOOD.subarray(0, HALF));
    },
    // Announces the full length, sends half, then closes the socket cleanly (FIN, not a reset).
    "/half-length": (req, res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": SIZE });
      res.write(GOOD.subarray(0, HALF), () => setTimeout(() => req.socket.end(), 20));
    },
  });
});

afterAll(async () => {
  await server.close();
});

const nothingLeft = (dir: string) => expect(fs.readdirSync(dir)).toEqual([]);

describe("download faults keep their detail", () => {
  it("a checksum mismatch shows the expected and the actual sha256 and the byte count, at every URL", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "f.bin");
    const urls = [`${server.url}/evil.bin`, `${server.url}/evil.bin?mirror`];
    const e = await failure(downloadFile({ urls, dest, expected, progress: false }));
    expect(e.message).toContain("any of its 2 URLs");
    expect(e.code).toBe("checksum");
    expect(e.attempts?.map((a) => a.code)).toEqual(["checksum", "checksum"]);
    // Both values, for each URL (the actual one twice: once per attempt).
    expect(e.message.split(sha256(EVIL)).length - 1).toBe(2);
    expect(e.message).toContain(expected.sha256);
    expect(e.message).toContain(`found    1,048,576 bytes, sha256 ${sha256(EVIL)}`);
    for (const a of e.attempts ?? []) {
      expect(a.expected).toBe(`1,048,576 bytes, sha256 ${expected.sha256}`);
      expect(a.found).toBe(`1,048,576 bytes, sha256 ${sha256(EVIL)}`);
    }
    nothingLeft(dir);
  });

  it("a body closed cleanly after half gives the byte counts (chunked, no Content-Length)", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/half-chunked`], dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.code).toBe("network");
    expect(e.message).toContain("closed before the download finished");
    expect(e.message).toContain("received 524,288 of 1,048,576 bytes");
    expect(e.message).not.toContain("does not match the registry checksum");
    nothingLeft(dir);
  });

  it("a body closed after half with the full Content-Length announced gives the byte counts", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/half-length`], dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.code).toBe("network");
    // Counted as the bytes that got through before the socket closed: at most the half that was sent (what undici
    // had buffered but not yet handed on when the close arrived is not counted).
    const m = /received ([\d,]+) of 1,048,576 bytes \(.+\)/.exec(e.message);
    expect(m, e.message).not.toBeNull();
    const got = Number(m![1].replace(/,/g, ""));
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(HALF);
    nothingLeft(dir);
  });

  it("two URLs failing differently: each keeps its own kind and detail", async () => {
    const dir = tmpDir();
    const urls = [`${server.url}/evil.bin`, `${server.url}/half-chunked`, `${server.url}/missing.bin`];
    const e = await failure(downloadFile({ urls, dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.message).toContain("any of its 3 URLs");
    expect(e.attempts?.map((a) => a.code)).toEqual(["checksum", "network", "http"]);
    const lines = e.message.split("\n");
    const at = (url: string) => lines.findIndex((l) => l.includes(url));
    // Each URL is listed, in order, with its kind and, below it, its own expected / found values.
    expect(at(urls[0])).toBeGreaterThan(0);
    expect(at(urls[1])).toBeGreaterThan(at(urls[0]));
    expect(at(urls[2])).toBeGreaterThan(at(urls[1]));
    expect(lines[at(urls[0])]).toContain("[checksum]");
    expect(lines.slice(at(urls[0]), at(urls[1])).join("\n")).toContain(`sha256 ${sha256(EVIL)}`);
    expect(lines[at(urls[1])]).toContain("[network]");
    expect(lines.slice(at(urls[1]), at(urls[2])).join("\n")).toContain("received 524,288 of 1,048,576 bytes");
    expect(lines[at(urls[2])]).toContain("HTTP 404");
    nothingLeft(dir);
  });

  it("the per-URL progress notes carry the detail too", async () => {
    const dir = tmpDir();
    const notes: string[] = [];
    const stream = { write: (s: string) => notes.push(s), isTTY: false } as unknown as NodeJS.WritableStream;
    const urls = [`${server.url}/evil.bin`, `${server.url}/half-chunked`];
    await failure(downloadFile({ urls, dest: path.join(dir, "f"), expected, stream }));
    const text = notes.join("");
    expect(text).toContain(sha256(EVIL));
    expect(text).toContain("received 524,288 of 1,048,576 bytes");
  });
});

describe("skiplab data fetch with every URL failing (what the user sees)", () => {
  /** A one- or two-file registry entry for "mnist", served locally; restored afterwards. */
  async function withEntry(files: DatasetEntry["files"], f: () => Promise<void>) {
    const real = REGISTRY.mnist;
    (REGISTRY as Record<string, DatasetEntry>).mnist = { ...real, files };
    try {
      await f();
    } finally {
      (REGISTRY as Record<string, DatasetEntry>).mnist = real;
    }
  }
  const remote = (file: string, url: string, mirrors: string[], body: Buffer): DatasetEntry["files"][number] => ({
    file,
    url,
    mirrors,
    bytes: body.length,
    sha256: sha256(body),
    checksumSource: "test",
  });

  it("the CLI's message lists both URLs with their own detail; exit 1", async () => {
    await withEntry([remote("a.gz", `${server.url}/evil.bin`, [`${server.url}/half-length`], GOOD)], async () => {
      const dir = tmpDir();
      let err = "";
      const spy = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
      try {
        expect(await dataCommand(["fetch", "mnist", "--dir", dir, "--quiet"])).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(err).toContain("Could not download a.gz from any of its 2 URLs");
      expect(err).toContain(`sha256 ${expected.sha256}`);
      expect(err).toContain(`sha256 ${sha256(EVIL)}`);
      expect(err).toMatch(/received [\d,]+ of 1,048,576 bytes/);
      expect(err).toContain("npx skiplab data fetch mnist");
    });
  });

  it("good files survive a failed re-fetch; a damaged file is left as it was, not deleted", async () => {
    const other = Buffer.from("the second file, as the registry has it");
    await withEntry(
      [
        remote("a.gz", `${server.url}/good.bin`, [], GOOD),
        remote("b.gz", `${server.url}/evil.bin`, [`${server.url}/half-chunked`], other),
      ],
      async () => {
        const dir = tmpDir();
        const dl = path.join(dir, "downloads", "mnist");
        fs.mkdirSync(dl, { recursive: true });
        fs.writeFileSync(path.join(dl, "a.gz"), GOOD);
        const damaged = Buffer.from("a damaged copy of b");
        fs.writeFileSync(path.join(dl, "b.gz"), damaged);
        const before = fs.statSync(path.join(dl, "a.gz")).mtimeMs;
        const hits = server.hits["/good.bin"] ?? 0;
        const e = await failure(fetchDataset("mnist", { dir, progress: false }));
        expect(e.message).toContain("b.gz");
        expect(fs.readFileSync(path.join(dl, "a.gz")).equals(GOOD)).toBe(true);
        expect(fs.statSync(path.join(dl, "a.gz")).mtimeMs).toBe(before);
        expect(server.hits["/good.bin"] ?? 0).toBe(hits); // a valid file is not even downloaded again
        expect(fs.readFileSync(path.join(dl, "b.gz")).equals(damaged)).toBe(true);
        expect(fs.readdirSync(dl).sort()).toEqual(["a.gz", "b.gz"]); // no .part left
      },
    );
  });
});
