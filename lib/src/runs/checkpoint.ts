/**
 * Checkpoint files: a small binary container of named float32 arrays with a JSON header.
 *
 *   offset 0   8 bytes  magic "SKIPCKPT"
 *   offset 8   u32 LE   container version (1)
 *   offset 12  u32 LE   header length H (bytes)
 *   offset 16  H bytes  UTF-8 JSON: { arrays: [{ name, shape, offset, length }], meta: {...}, sha256 }
 *              padding to a multiple of 4
 *   data       float32 little-endian blobs; `offset` (bytes) is relative to the start of the data section
 *
 * A training checkpoint stores the model's parameters and state ("model/<name>"), the optimizer's slots
 * ("opt/<name>.m", …) and, in `meta`, the position (epoch, step), the optimizer step counter, the records so far and
 * the last finite loss: everything `train({ resume })` needs to continue exactly. Written atomically.
 *
 * `sha256` (hex) is the digest of the header's JSON without it followed by the data section, so reading detects any
 * damage, a flipped bit that keeps the size included; files written before it existed have none and are read as
 * before.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import type { NamedArray } from "../models/network";
import type { MetricRecord, TrainCheckpoint } from "../train/loop";
import type { OptimizerState } from "../train/optimizers";
import { writeFileAtomic } from "./files";

const MAGIC = "SKIPCKPT";
const CONTAINER_VERSION = 1;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface Header {
  arrays: { name: string; shape: number[]; offset: number; length: number }[];
  meta: Record<string, unknown>;
  sha256?: string;
}

/** The digest `sha256` of a header (without its own `sha256`) and the data section. */
function contentDigest(header: Header, data: Uint8Array): string {
  const { sha256: _omit, ...rest } = header;
  return createHash("sha256").update(JSON.stringify(rest), "utf8").update(data).digest("hex");
}

/** Serialises named arrays and a JSON meta object. */
export function encodeArrays(arrays: NamedArray[], meta: Record<string, unknown>): Uint8Array {
  let offset = 0;
  const header: Header = { arrays: [], meta };
  for (const a of arrays) {
    const length = a.shape.reduce((x, y) => x * y, 1);
    if (length !== a.data.length)
      throw new Error(`checkpoint: '${a.name}' has ${a.data.length} values for shape ${JSON.stringify(a.shape)}`);
    header.arrays.push({ name: a.name, shape: a.shape, offset, length });
    offset += 4 * length;
  }
  const data = new Uint8Array(offset);
  const dview = new DataView(data.buffer);
  header.arrays.forEach((h, i) => {
    const src = arrays[i].data;
    if (LITTLE_ENDIAN) new Float32Array(data.buffer, h.offset, h.length).set(src);
    else for (let k = 0; k < src.length; k++) dview.setFloat32(h.offset + 4 * k, src[k], true);
  });
  header.sha256 = contentDigest(header, data);
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const dataStart = Math.ceil((16 + headerBytes.length) / 4) * 4;
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, "ascii"), 0);
  view.setUint32(8, CONTAINER_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  out.set(data, dataStart);
  return out;
}

/** Parses what `encodeArrays` wrote. */
export function decodeArrays(
  bytes: Uint8Array,
  source = "checkpoint",
): { arrays: NamedArray[]; meta: Record<string, unknown> } {
  if (bytes.length < 16 || Buffer.from(bytes.subarray(0, 8)).toString("ascii") !== MAGIC) {
    throw new Error(`${source}: not a skiplab checkpoint (bad magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CONTAINER_VERSION)
    throw new Error(`${source}: container version ${version}, this code reads ${CONTAINER_VERSION}`);
  const hlen = view.getUint32(12, true);
  if (16 + hlen > bytes.length) throw new Error(`${source}: truncated header`);
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(16, 16 + hlen)).toString("utf8")) as Header;
  } catch (e) {
    throw new Error(`${source}: damaged header (${(e as Error).message})`);
  }
  const dataStart = Math.ceil((16 + hlen) / 4) * 4;
  if (header.sha256 !== undefined) {
    const end = dataStart + header.arrays.reduce((m, h) => Math.max(m, h.offset + 4 * h.length), 0);
    if (end > bytes.length) throw new Error(`${source}: truncated data (${bytes.length} of ${end} bytes)`);
    if (end < bytes.length) throw new Error(`${source}: ${bytes.length - end} bytes after the data (damaged)`);
    if (contentDigest(header, bytes.subarray(dataStart, end)) !== header.sha256)
      throw new Error(`${source}: damaged: its contents do not match the sha256 it was written with`);
  }
  const arrays = header.arrays.map((h) => {
    if (dataStart + h.offset + 4 * h.length > bytes.length)
      throw new Error(`${source}: truncated data for '${h.name}'`);
    const data = new Float32Array(h.length);
    const at = bytes.byteOffset + dataStart + h.offset;
    if (LITTLE_ENDIAN && at % 4 === 0) data.set(new Float32Array(bytes.buffer, at, h.length));
    else for (let k = 0; k < h.length; k++) data[k] = view.getFloat32(dataStart + h.offset + 4 * k, true);
    return { name: h.name, shape: h.shape, data };
  });
  return { arrays, meta: header.meta };
}

/** Writes a training checkpoint to `file` atomically. */
export function writeTrainCheckpoint(file: string, c: TrainCheckpoint, extraMeta: Record<string, unknown> = {}): void {
  const arrays: NamedArray[] = [
    ...c.weights.map((a) => ({ ...a, name: `model/${a.name}` })),
    ...c.optimizer.arrays.map((a) => ({ ...a, name: `opt/${a.name}` })),
  ];
  const meta = {
    ...extraMeta,
    epoch: c.epoch,
    step: c.step,
    optimizer: { type: c.optimizer.type, t: c.optimizer.t },
    lastFiniteLoss: c.lastFiniteLoss,
    lastFiniteStep: c.lastFiniteStep,
    records: c.records,
  };
  writeFileAtomic(file, encodeArrays(arrays, meta));
}

/** Reads a training checkpoint written by `writeTrainCheckpoint`. */
export function readTrainCheckpoint(file: string): { checkpoint: TrainCheckpoint; meta: Record<string, unknown> } {
  const { arrays, meta } = decodeArrays(fs.readFileSync(file), file);
  const opt = meta.optimizer as { type: OptimizerState["type"]; t: number };
  const strip = (prefix: string) =>
    arrays.filter((a) => a.name.startsWith(prefix)).map((a) => ({ ...a, name: a.name.slice(prefix.length) }));
  return {
    checkpoint: {
      epoch: meta.epoch as number,
      step: meta.step as number,
      weights: strip("model/"),
      optimizer: { type: opt.type, t: opt.t, arrays: strip("opt/") },
      records: (meta.records as MetricRecord[]) ?? [],
      lastFiniteLoss: (meta.lastFiniteLoss as number | null) ?? null,
      lastFiniteStep: (meta.lastFiniteStep as number | null) ?? null,
    },
    meta,
  };
}
