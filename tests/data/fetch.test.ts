/**
 * Downloading against a local HTTP server on 127.0.0.1 (never the network): success, checksum mismatch (a present
 * file untouched, no .part left), server errors and HTML pages, redirects, no-op when valid, mirrors, dropped
 * connections; then a whole `skiplab data fetch` of an archive dataset, extraction included.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  dataCommand,
  downloadFile,
  fetchDataset,
  loadCifar10,
  REGISTRY,
  verifyDataset,
  type DatasetEntry,
} from "../../lib/src/data";
import { cifar10Bytes, failure, serveBytes, startServer, tarBytes, textSink, tmpDir, type TestServer } from "./helpers";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const GOOD = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) % 256));
const EVIL = Buffer.from(GOOD.map((v) => v ^ 1));
const PAGE = Buffer.from("<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>");

let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    "/good.bin": serveBytes(GOOD),
    "/evil.bin": serveBytes(EVIL), // same size, different bytes
    "/short.bin": serveBytes(GOOD.subarray(0, 1000)),
    "/error500": (_req, res) => {
      res.writeHead(500, { "Content-Type": "text/html" });
      res.end(PAGE);
    },
    "/page200": serveBytes(PAGE, "text/html; charset=utf-8"),
    "/page-as-binary": serveBytes(Buffer.concat([PAGE, Buffer.alloc(GOOD.length - PAGE.length, 0x20)])),
    "/redirect": (_req, res) => {
      res.writeHead(302, { Location: "/hop2" });
      res.end();
    },
    "/hop2": (_req, res) => {
      res.writeHead(301, { Location: `${server.url}/good.bin` }); // absolute this time
      res.end();
    },
    "/loop": (_req, res) => {
      res.writeHead(307, { Location: "/loop" });
      res.end();
    },
    "/stall": (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": GOOD.length });
      res.write(GOOD.subarray(0, 1000)); // then nothing
    },
    "/encoded": (_req, res) => {
      // A server that compresses the transfer despite "Accept-Encoding: identity": the bytes arrive decoded
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Encoding": "gzip" });
      res.end(zlib.gzipSync(EVIL));
    },
    "/drop": (req, res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": GOOD.length });
      res.write(GOOD.subarray(0, 100_000), () => setTimeout(() => req.socket.destroy(), 20));
    },
  });
});

afterAll(async () => {
  await server.close();
});

const expected = { bytes: GOOD.length, sha256: sha256(GOOD) };
const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith(".part"));

describe("downloadFile", () => {
  it("downloads, verifies and renames into place, with progress lines when not a TTY", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "sub", "file.bin");
    const log = textSink();
    const r = await downloadFile({ urls: [`${server.url}/good.bin`], dest, expected, stream: log });
    expect(r.status).toBe("downloaded");
    expect(r.sha256).toBe(expected.sha256);
    expect(fs.readFileSync(dest).equals(GOOD)).toBe(true);
    expect(leftovers(path.dirname(dest))).toEqual([]);
    expect(log.text()).toMatch(/file\.bin .*100\.0%/);
    expect(log.text()).toContain("sha256 ok");
    expect(log.text()).not.toContain("\r"); // line mode, not an in-place bar
  });

  it("is a no-op when the file is present and valid (no request made)", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    fs.writeFileSync(dest, GOOD);
    const before = server.hits["/good.bin"] ?? 0;
    const r = await downloadFile({ urls: [`${server.url}/good.bin`], dest, expected, progress: false });
    expect(r.status).toBe("present");
    expect(server.hits["/good.bin"] ?? 0).toBe(before);
  });

  it("on a checksum mismatch: error, existing file untouched, no .part left", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    const old = Buffer.from("an older file the user had here");
    fs.writeFileSync(dest, old);
    const e = await failure(downloadFile({ urls: [`${server.url}/evil.bin`], dest, expected, progress: false }));
    expect(e.code).toBe("checksum");
    expect(e.message).toContain(expected.sha256);
    expect(e.message).toContain(sha256(EVIL));
    expect(fs.readFileSync(dest).equals(old)).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it("a good file is never replaced by a failed download", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    fs.writeFileSync(dest, GOOD);
    // Valid file: no request at all, whatever the URL would serve.
    await downloadFile({ urls: [`${server.url}/evil.bin`], dest, expected, progress: false });
    expect(fs.readFileSync(dest).equals(GOOD)).toBe(true);
  });

  it("replaces an invalid file once a verified copy has arrived", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    fs.writeFileSync(dest, EVIL);
    const r = await downloadFile({ urls: [`${server.url}/good.bin`], dest, expected, progress: false });
    expect(r.status).toBe("downloaded");
    expect(fs.readFileSync(dest).equals(GOOD)).toBe(true);
  });

  it("server error with an HTML page: http error, nothing written", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    const e = await failure(downloadFile({ urls: [`${server.url}/error500`], dest, expected, progress: false }));
    expect(e.code).toBe("http");
    expect(e.message).toContain("HTTP 500");
    expect(e.message).toContain("HTML error page");
    expect(fs.readdirSync(dir)).toEqual([]);
    const e404 = await failure(downloadFile({ urls: [`${server.url}/nope`], dest, expected, progress: false }));
    expect(e404.message).toContain("HTTP 404");
  });

  it("an HTML page served with status 200 (by content type, or sniffed from the bytes)", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    const a = await failure(downloadFile({ urls: [`${server.url}/page200`], dest, expected, progress: false }));
    expect(a.code).toBe("html");
    const b = await failure(downloadFile({ urls: [`${server.url}/page-as-binary`], dest, expected, progress: false }));
    expect(b.code).toBe("html");
    expect(b.message).toContain("Service Unavailable");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("follows relative and absolute redirects; stops a redirect loop", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "file.bin");
    const r = await downloadFile({ urls: [`${server.url}/redirect`], dest, expected, progress: false });
    expect(r.from).toBe(`${server.url}/good.bin`);
    expect(fs.readFileSync(dest).equals(GOOD)).toBe(true);
    const e = await failure(downloadFile({ urls: [`${server.url}/loop`], dest: path.join(dir, "x"), expected, progress: false, maxRedirects: 5 }));
    expect(e.code).toBe("network");
    expect(e.message).toContain("Too many redirects");
  });

  it("rejects a size mismatch announced by Content-Length before downloading", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/short.bin`], dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.code).toBe("size");
    expect(e.message).toContain("Content-Length 1000");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a transfer the server compressed is named as such when it fails to verify", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/encoded`], dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.code).toBe("checksum");
    expect(e.message).toContain("Content-Encoding gzip");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a connection dropped mid-body leaves no file and no .part", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/drop`], dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.code).toBe("network");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a stalled transfer times out: network error, no file, no .part", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/stall`], dest: path.join(dir, "f"), expected, progress: false, timeoutMs: 300 }));
    expect(e.code).toBe("network");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("falls through to the next URL (mirror) when one fails", async () => {
    const dir = tmpDir();
    const dest = path.join(dir, "f");
    const r = await downloadFile({ urls: [`${server.url}/nope`, `${server.url}/evil.bin`, `${server.url}/good.bin`], dest, expected, progress: false });
    expect(r.from).toBe(`${server.url}/good.bin`);
  });

  it("when every URL fails, the error lists each one", async () => {
    const dir = tmpDir();
    const e = await failure(downloadFile({ urls: [`${server.url}/nope`, `${server.url}/evil.bin`], dest: path.join(dir, "f"), expected, progress: false }));
    expect(e.message).toContain("any of its 2 URLs");
    expect(e.message).toContain("/nope: The server answered HTTP 404");
    expect(e.message).toContain("/evil.bin: The downloaded file does not match");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a refused connection is a network error naming the URL", async () => {
    const dir = tmpDir();
    const closed = await startServer({});
    const url = `${closed.url}/x.bin`;
    await closed.close(); // nothing listens on that port now
    const e = await failure(downloadFile({ urls: [url], dest: path.join(dir, "f"), expected, progress: false, timeoutMs: 2000 }));
    expect(e.code).toBe("network");
    expect(e.message).toContain(url);
    expect(e.message).toContain("ECONNREFUSED");
  });
});

describe("skiplab data fetch (archive dataset, end to end)", () => {
  it("downloads, extracts, is a no-op the second time, verifies, loads; --prune removes the archive", async () => {
    // A miniature CIFAR-10 archive with the real member layout, served locally; the registry entry is pointed
    // at it for this test only (each test file runs in its own process).
    const members = [1, 2, 3, 4, 5].map((b) => ({ name: `cifar-10-batches-bin/data_batch_${b}.bin`, data: cifar10Bytes([b, b - 1]) }));
    members.push({ name: "cifar-10-batches-bin/test_batch.bin", data: cifar10Bytes([9]) });
    members.push({ name: "cifar-10-batches-bin/batches.meta.txt", data: Buffer.from("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n") });
    members.push({ name: "cifar-10-batches-bin/readme.html", data: Buffer.from("<html></html>") });
    const archive = zlib.gzipSync(tarBytes(members));
    const local = await startServer({ "/cifar-10-binary.tar.gz": serveBytes(archive) });
    const real = REGISTRY.cifar10;
    const entry: DatasetEntry = {
      ...real,
      files: [{ ...real.files[0], url: `${local.url}/cifar-10-binary.tar.gz`, bytes: archive.length, sha256: sha256(archive) }],
      archive: { file: "cifar-10-binary.tar.gz", members: real.archive!.members.map((m) => ({ path: m.path })) },
    };
    (REGISTRY as Record<string, DatasetEntry>).cifar10 = entry;
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const dir = tmpDir();
      expect(await dataCommand(["fetch", "cifar10", "--dir", dir])).toBe(0);
      const dl = path.join(dir, "downloads", "cifar10");
      expect(fs.existsSync(path.join(dl, "cifar-10-batches-bin", "data_batch_3.bin"))).toBe(true);
      expect(fs.existsSync(path.join(dl, "cifar-10-batches-bin", "readme.html"))).toBe(false); // not a needed member
      expect(fs.existsSync(path.join(dl, ".extracted.json"))).toBe(true);
      expect(fs.readdirSync(path.join(dl, "cifar-10-batches-bin")).filter((f) => f.endsWith(".part"))).toEqual([]);

      const hits = local.hits["/cifar-10-binary.tar.gz"];
      const again = await fetchDataset("cifar10", { dir, progress: false });
      expect(again.files[0].status).toBe("present");
      expect(again.extracted).toEqual([]);
      expect(local.hits["/cifar-10-binary.tar.gz"]).toBe(hits);

      expect((await verifyDataset("cifar10", { dir })).ok).toBe(true);
      expect(await dataCommand(["verify", "cifar10", "--dir", dir])).toBe(0);

      const train = loadCifar10({ split: "train", dir, allowPartial: true });
      expect(Array.from(train.y)).toEqual([1, 0, 2, 1, 3, 2, 4, 3, 5, 4]);

      // A damaged member is reported by verify and repaired by fetch.
      fs.writeFileSync(path.join(dl, "cifar-10-batches-bin", "test_batch.bin"), "x");
      fs.rmSync(path.join(dl, ".extracted.json"));
      expect(await dataCommand(["fetch", "cifar10", "--dir", dir, "--quiet", "--prune"])).toBe(0);
      expect(fs.statSync(path.join(dl, "cifar-10-batches-bin", "test_batch.bin")).size).toBe(3073);
      expect(fs.existsSync(path.join(dl, "cifar-10-binary.tar.gz"))).toBe(false);
      // Pruned: fetch is still a no-op and verify still passes.
      const pruned = await fetchDataset("cifar10", { dir, progress: false });
      expect(pruned.files).toEqual([]);
      expect((await verifyDataset("cifar10", { dir })).ok).toBe(true);
    } finally {
      (REGISTRY as Record<string, DatasetEntry>).cifar10 = real;
      stderr.mockRestore();
      stdout.mockRestore();
      await local.close();
    }
  });

  it("a corrupt archive leaves no extracted members or .part files behind", async () => {
    const good = zlib.gzipSync(tarBytes([{ name: "cifar-10-batches-bin/test_batch.bin", data: cifar10Bytes([1]) }]));
    const local = await startServer({ "/a.tar.gz": serveBytes(good) });
    const real = REGISTRY.cifar10;
    (REGISTRY as Record<string, DatasetEntry>).cifar10 = {
      ...real,
      files: [{ ...real.files[0], url: `${local.url}/a.tar.gz`, bytes: good.length, sha256: sha256(good) }],
      archive: { file: "cifar-10-binary.tar.gz", members: real.archive!.members.map((m) => ({ path: m.path })) },
    };
    try {
      const dir = tmpDir();
      const e = await failure(fetchDataset("cifar10", { dir, progress: false }));
      expect(e.code).toBe("format");
      expect(e.message).toContain("data_batch_1.bin");
      const dl = path.join(dir, "downloads", "cifar10");
      expect(fs.existsSync(path.join(dl, "cifar-10-binary.tar.gz"))).toBe(true); // the verified download is kept
      const all = fs.readdirSync(dl, { recursive: true }) as string[];
      expect(all.filter((f) => f.endsWith(".part"))).toEqual([]);
      expect(fs.existsSync(path.join(dl, ".extracted.json"))).toBe(false);
    } finally {
      (REGISTRY as Record<string, DatasetEntry>).cifar10 = real;
      await local.close();
    }
  });
});
