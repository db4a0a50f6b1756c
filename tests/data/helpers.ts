/**
 * Test helpers: writers for small files in each real binary format (CIFAR, MAT v5, STL-10, idx, tar) and a
 * local HTTP server on 127.0.0.1. Tests never touch the network.
 */
import { pythonWith } from "../support/requirements";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { expect } from "vitest";
import { DatasetError } from "../../lib/src/data";

/** The DatasetError a promise rejects with (the test fails when it resolves or rejects with anything else). */
export async function failure(p: Promise<unknown>): Promise<DatasetError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatasetError);
  return e as DatasetError;
}

/** A fresh temporary directory. */
export function tmpDir(prefix = "skiplab-data-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A deterministic pixel value for image n, channel c, row h, column w. */
export function pixel(n: number, c: number, h: number, w: number): number {
  return (n * 7 + c * 50 + h * 3 + w * 5) % 256;
}

/** CIFAR-10 records: label byte + 3072 CHW pixels. */
export function cifar10Bytes(labels: number[]): Buffer {
  const rec = 1 + 3072;
  const out = Buffer.alloc(labels.length * rec);
  labels.forEach((lab, n) => {
    out[n * rec] = lab;
    for (let c = 0; c < 3; c++)
      for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) out[n * rec + 1 + c * 1024 + h * 32 + w] = pixel(n, c, h, w);
  });
  return out;
}

/** CIFAR-100 records: coarse byte, fine byte, 3072 CHW pixels. */
export function cifar100Bytes(coarse: number[], fine: number[]): Buffer {
  const rec = 2 + 3072;
  const out = Buffer.alloc(fine.length * rec);
  fine.forEach((f, n) => {
    out[n * rec] = coarse[n];
    out[n * rec + 1] = f;
    for (let c = 0; c < 3; c++)
      for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) out[n * rec + 2 + c * 1024 + h * 32 + w] = pixel(n, c, h, w);
  });
  return out;
}

/** STL-10 images, column-major 3 x 96 x 96 per image (pixel(n, c, h, w) at 9216 c + 96 w + h). */
export function stl10ImageBytes(n: number, value: (n: number, c: number, h: number, w: number) => number = pixel): Buffer {
  const out = Buffer.alloc(n * 27648);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++)
      for (let w = 0; w < 96; w++) for (let h = 0; h < 96; h++) out[i * 27648 + 9216 * c + 96 * w + h] = value(i, c, h, w);
  return out;
}

// ---- MATLAB level-5 writer --------------------------------------------------------------------------------------

const mi = { INT8: 1, UINT8: 2, INT32: 5, UINT32: 6, DOUBLE: 9, MATRIX: 14, COMPRESSED: 15 };

export interface MatVar {
  name: string;
  /** mxClassID: 6 double, 9 uint8. */
  classId: number;
  dims: number[];
  /** Storage type (miUINT8, miDOUBLE, ...) and the raw little-endian bytes. */
  storage: "uint8" | "double";
  values: ArrayLike<number>;
}

function u32(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

function pad8(b: Buffer): Buffer {
  const p = (8 - (b.length % 8)) % 8;
  return p === 0 ? b : Buffer.concat([b, Buffer.alloc(p)]);
}

function subElement(type: number, data: Buffer, le: boolean): Buffer {
  if (data.length <= 4 && data.length > 0) {
    // small data element: (nbytes << 16 | type), then 4 bytes of data
    const tag = u32((data.length << 16) | type, le);
    return Buffer.concat([tag, data, Buffer.alloc(4 - data.length)]);
  }
  return Buffer.concat([u32(type, le), u32(data.length, le), pad8(data)]);
}

function matrixBody(v: MatVar, le: boolean): Buffer {
  const flags = Buffer.concat([u32(v.classId, le), u32(0, le)]);
  const dims = Buffer.concat(v.dims.map((d) => u32(d, le)));
  const name = Buffer.from(v.name, "latin1");
  let real: Buffer;
  if (v.storage === "uint8") real = Buffer.from(Uint8Array.from(v.values));
  else {
    real = Buffer.alloc(v.values.length * 8);
    for (let i = 0; i < v.values.length; i++) {
      if (le) real.writeDoubleLE(v.values[i], i * 8);
      else real.writeDoubleBE(v.values[i], i * 8);
    }
  }
  return Buffer.concat([
    subElement(mi.UINT32, flags, le),
    subElement(mi.INT32, dims, le),
    subElement(mi.INT8, name, le),
    subElement(v.storage === "uint8" ? mi.UINT8 : mi.DOUBLE, real, le),
  ]);
}

/** A MAT-file with the given variables, plain (miMATRIX) or compressed (miCOMPRESSED), little- or big-endian. */
export function matBytes(vars: MatVar[], opts: { compressed: boolean; le?: boolean }): Buffer {
  const le = opts.le ?? true;
  const header = Buffer.alloc(128, 0x20);
  header.write("MATLAB 5.0 MAT-file, Platform: skiplab-test, Created on: test", 0, "latin1");
  header.fill(0, 116, 124);
  if (le) {
    header.writeUInt16LE(0x0100, 124);
    header.write("IM", 126, "latin1");
  } else {
    header.writeUInt16BE(0x0100, 124);
    header.write("MI", 126, "latin1");
  }
  const elements = vars.map((v) => {
    const body = matrixBody(v, le);
    const matrix = Buffer.concat([u32(mi.MATRIX, le), u32(body.length, le), body]);
    if (!opts.compressed) return matrix;
    const z = zlib.deflateSync(matrix);
    return Buffer.concat([u32(mi.COMPRESSED, le), u32(z.length, le), z]); // compressed elements are not padded
  });
  return Buffer.concat([header, ...elements]);
}

/** SVHN-style variables: X uint8 [32, 32, 3, N] column-major holding pixel(), y [N, 1] double. */
export function svhnVars(labels: number[], yStorage: "double" | "uint8" = "double"): MatVar[] {
  const N = labels.length;
  const X = new Uint8Array(3072 * N);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < 3; c++)
      for (let w = 0; w < 32; w++) for (let h = 0; h < 32; h++) X[h + 32 * w + 1024 * c + 3072 * n] = pixel(n, c, h, w);
  return [
    { name: "X", classId: 9, dims: [32, 32, 3, N], storage: "uint8", values: X },
    { name: "y", classId: 6, dims: [N, 1], storage: yStorage, values: labels },
  ];
}

// ---- tar writer (POSIX ustar) -----------------------------------------------------------------------------------

function octal(v: number, len: number): string {
  return v.toString(8).padStart(len - 1, "0") + "\0";
}

/** A ustar archive of the given files (names <= 100 bytes). */
export function tarBytes(files: { name: string; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(512);
    h.write(f.name, 0, "utf8");
    h.write(octal(0o644, 8), 100, "latin1");
    h.write(octal(0, 8), 108, "latin1");
    h.write(octal(0, 8), 116, "latin1");
    h.write(octal(f.data.length, 12), 124, "latin1");
    h.write(octal(1700000000, 12), 136, "latin1");
    h.fill(0x20, 148, 156);
    h.write("0", 156, "latin1");
    h.write("ustar\0", 257, "latin1");
    h.write("00", 263, "latin1");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i];
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
    parts.push(h, Buffer.from(f.data), Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** True when GNU tar is on PATH (for cross-checking the reader against a real tar). */
export function hasSystemTar(): boolean {
  return spawnSync("tar", ["--version"]).status === 0;
}

/** The project's Python with numpy + scipy, for cross-checking the MAT reader; or null. */
export function scipyPython(): string | null {
  return pythonWith("scipy.io", "numpy");
}

// ---- local HTTP server -------------------------------------------------------------------------------------------

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  url: string;
  hits: Record<string, number>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (random port) answering the given paths; 404 for everything else. */
export async function startServer(routes: Record<string, Handler>): Promise<TestServer> {
  const hits: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const p = (req.url ?? "/").split("?")[0];
    hits[p] = (hits[p] ?? 0) + 1;
    const h = routes[p];
    if (h) h(req, res);
    else {
      res.writeHead(404, { "Content-Type": "text/html" });
      res.end("<!DOCTYPE html><html><body>404 Not Found</body></html>");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `body` as a binary file. */
export function serveBytes(body: Buffer, contentType = "application/octet-stream"): Handler {
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": contentType, "Content-Length": body.length });
    res.end(body);
  };
}

/** A writable that collects text (for progress output). */
export function textSink(): NodeJS.WritableStream & { text: () => string; isTTY?: boolean } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join("") });
}
