/**
 * A reader for MATLAB level-5 MAT-files (the format of SVHN's train_32x32.mat / test_32x32.mat): numeric arrays
 * only, stored plainly (miMATRIX) or zlib-compressed (miCOMPRESSED, what MATLAB writes by default since v7).
 *
 * File:    128-byte header: 116 bytes of text ("MATLAB 5.0 MAT-file ..."), 8 bytes subsystem offset,
 *          uint16 version 0x0100, 2 bytes endian indicator "IM" (little-endian file) or "MI" (big-endian).
 * Element: 8-byte tag (uint32 type, uint32 byte count) + data, padded to a multiple of 8 bytes; or the
 *          "small element" form when the data fits in 4 bytes: (uint16 byte count << 16 | uint16 type) + 4 bytes.
 *          A top-level miCOMPRESSED element is a zlib stream holding one miMATRIX element; it is not padded.
 * miMATRIX: array flags (miUINT32 x2: class in the low byte, 0x0800 complex, 0x0200 logical),
 *          dimensions (miINT32), name (miINT8), real part (any numeric storage type; MATLAB may store a double
 *          array as miUINT8 when its values fit), [imaginary part].
 * Data is column-major: element (i0, i1, ...) of dims (d0, d1, ...) is at i0 + d0 * (i1 + d1 * (...)).
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { asciiPreview, DatasetError, rejectHtml } from "./errors";

export const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

/** MATLAB array classes (mxClassID). */
export const MX_CLASS_NAMES: Record<number, string> = {
  1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single", 8: "int8", 9: "uint8",
  10: "int16", 11: "uint16", 12: "int32", 13: "uint32", 14: "int64", 15: "uint64",
};

export type MatNumeric = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface MatVariable {
  name: string;
  /** MATLAB class: "double", "uint8", ... (what MATLAB calls it, not the storage type). */
  className: string;
  /** Dimensions, MATLAB order (rows first). */
  dims: number[];
  /** Real part, column-major, in its storage type (null for non-numeric classes, which are skipped). */
  data: MatNumeric | null;
  complex: boolean;
}

export interface ReadMatOptions {
  /** Decode only these variables (others are skipped, compressed ones without inflating them fully). */
  names?: string[];
  /** Advice for errors. */
  fix?: string;
}

const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

/** Reads a MAT-file from disk. */
export function readMatFile(file: string, opts: ReadMatOptions = {}): Map<string, MatVariable> {
  return readMat(fs.readFileSync(file), file, opts);
}

/** Decodes the bytes of a level-5 MAT-file; `file` names it in errors. */
export function readMat(bytes: Uint8Array, file: string, opts: ReadMatOptions = {}): Map<string, MatVariable> {
  const fix = opts.fix ?? `delete ${file} and fetch it again`;
  rejectHtml(bytes.subarray(0, 64), file, fix);
  const fail = (code: "format" | "truncated", what: string, expected: string, found: string): never => {
    throw new DatasetError({ code, what, file, expected, found, fix });
  };
  if (bytes.length < 128) fail("truncated", "MAT-file is truncated inside its 128-byte header", "at least 128 bytes", `${bytes.length} bytes`);
  const text = asciiPreview(bytes.subarray(0, 116), 116);
  if (text.startsWith("MATLAB 7.3")) {
    fail("format", "MAT-file is version 7.3 (HDF5), which this reader does not parse", "a level-5 MAT-file (MATLAB 5.0 / v7)", text.slice(0, 40));
  }
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (!text.startsWith("MATLAB") || (endian !== "IM" && endian !== "MI")) {
    fail("format", "Not a MATLAB level-5 MAT-file (bad header)", 'header text "MATLAB 5.0 MAT-file" and endian mark "IM"/"MI"', JSON.stringify(text.slice(0, 40)) + `, endian mark ${JSON.stringify(endian)}`);
  }
  const le = endian === "IM";
  const wanted = opts.names === undefined ? null : new Set(opts.names);
  const out = new Map<string, MatVariable>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 128;
  while (pos + 8 <= bytes.length) {
    const type = view.getUint32(pos, le);
    const nbytes = view.getUint32(pos + 4, le);
    if ((type >>> 16) !== 0) fail("format", "MAT-file has a small-format element at top level", "a full 8-byte tag", `tag 0x${type.toString(16)} at byte ${pos}`);
    const start = pos + 8;
    if (start + nbytes > bytes.length) {
      fail("truncated", "MAT-file is truncated", `an element of ${nbytes} bytes at byte ${start}`, `${bytes.length - start} bytes left`);
    }
    const body = bytes.subarray(start, start + nbytes);
    if (type === MI.COMPRESSED) {
      if (wanted !== null) {
        const name = peekCompressedName(body, le);
        if (name !== null && !wanted.has(name)) {
          pos = start + nbytes;
          continue;
        }
      }
      let inflated: Buffer;
      try {
        inflated = zlib.inflateSync(body);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        return fail(err.code === "Z_BUF_ERROR" ? "truncated" : "format", `Compressed MAT-file element is damaged: ${err.message}`, "a complete zlib stream", `error ${err.code ?? ""} in the element at byte ${pos}`);
      }
      const iv = new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength);
      const itype = iv.getUint32(0, le);
      const inb = iv.getUint32(4, le);
      if (itype === MI.MATRIX) {
        if (8 + inb > inflated.length) fail("truncated", "Compressed MAT-file element is truncated", `${inb} bytes inside`, `${inflated.length - 8}`);
        const v = parseMatrix(inflated.subarray(8, 8 + inb), le, fail);
        if (v !== null && (wanted === null || wanted.has(v.name))) out.set(v.name, v);
      }
      pos = start + nbytes; // compressed elements are not padded
    } else {
      if (type === MI.MATRIX) {
        const v = parseMatrix(body, le, fail);
        if (v !== null && (wanted === null || wanted.has(v.name))) out.set(v.name, v);
      }
      pos = start + align8(nbytes);
    }
  }
  return out;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

type Fail = (code: "format" | "truncated", what: string, expected: string, found: string) => never;

/** Sub-element reader: returns [type, data, nextOffset]. */
function subElement(b: Uint8Array, view: DataView, pos: number, le: boolean, fail: Fail): [number, Uint8Array, number] {
  if (pos + 8 > b.length) fail("truncated", "MAT-file array is truncated", "another sub-element", `end of data at byte ${pos}`);
  const first = view.getUint32(pos, le);
  if ((first >>> 16) !== 0) {
    // Small data element: byte count in the upper 16 bits, type in the lower 16, data in the next 4 bytes.
    const n = first >>> 16;
    const type = first & 0xffff;
    if (n > 4) fail("format", "MAT-file small element claims more than 4 bytes", "<= 4 bytes", `${n}`);
    return [type, b.subarray(pos + 4, pos + 4 + n), pos + 8];
  }
  const n = view.getUint32(pos + 4, le);
  if (pos + 8 + n > b.length) fail("truncated", "MAT-file array is truncated", `a sub-element of ${n} bytes`, `${b.length - pos - 8} bytes left`);
  return [first, b.subarray(pos + 8, pos + 8 + n), pos + 8 + align8(n)];
}

function parseMatrix(b: Uint8Array, le: boolean, fail: Fail): MatVariable | null {
  if (b.length === 0) return null; // an empty miMATRIX (MATLAB's empty cell placeholder)
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  const [flagsType, flags, p1] = subElement(b, view, pos, le, fail);
  if (flagsType !== MI.UINT32 || flags.length < 8) fail("format", "MAT-file array has no array-flags sub-element", "miUINT32 array flags", `type ${flagsType}`);
  const fv = new DataView(flags.buffer, flags.byteOffset, flags.byteLength);
  const word = fv.getUint32(0, le);
  const classId = word & 0xff;
  const complex = (word & 0x0800) !== 0;
  pos = p1;
  const [dimsType, dimsBytes, p2] = subElement(b, view, pos, le, fail);
  if (dimsType !== MI.INT32) fail("format", "MAT-file array has no dimensions sub-element", "miINT32 dimensions", `type ${dimsType}`);
  const dv = new DataView(dimsBytes.buffer, dimsBytes.byteOffset, dimsBytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i + 4 <= dimsBytes.length; i += 4) dims.push(dv.getInt32(i, le));
  pos = p2;
  const [, nameBytes, p3] = subElement(b, view, pos, le, fail);
  const name = Buffer.from(nameBytes).toString("latin1");
  pos = p3;
  const className = MX_CLASS_NAMES[classId] ?? `class${classId}`;
  if (!NUMERIC_CLASSES.has(classId)) return { name, className, dims, data: null, complex };
  const [realType, realBytes] = subElement(b, view, pos, le, fail);
  const count = dims.reduce((a, c) => a * c, 1);
  const data = decodeNumeric(realType, realBytes, le, fail);
  if (data.length !== count) {
    fail("truncated", `MAT-file variable "${name}" holds the wrong number of elements`, `${count} for dims [${dims.join(", ")}]`, `${data.length}`);
  }
  return { name, className, dims, data, complex };
}

/** Decodes numeric sub-element bytes into a typed array of the storage type (copying into aligned memory). */
function decodeNumeric(type: number, bytes: Uint8Array, le: boolean, fail: Fail): MatNumeric {
  const make = <T extends MatNumeric>(ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, read: (v: DataView, o: number) => number): T => {
    const size = ctor.BYTES_PER_ELEMENT;
    if (bytes.length % size !== 0) fail("format", "MAT-file numeric data is not a whole number of elements", `a multiple of ${size} bytes`, `${bytes.length}`);
    if ((le || size === 1) && bytes.byteOffset % size === 0) {
      // Native order and aligned: a view, no copy (SVHN's X is 225 MB).
      return new (ctor as unknown as { new (b: ArrayBufferLike, o: number, n: number): T })(bytes.buffer, bytes.byteOffset, bytes.length / size);
    }
    const copy = new Uint8Array(bytes); // aligned, owned copy (Buffer#slice would be a view)
    if (le || size === 1) return new ctor(copy.buffer as ArrayBuffer);
    const out = new ctor(new ArrayBuffer(copy.length));
    const v = new DataView(copy.buffer);
    for (let i = 0; i < out.length; i++) out[i] = read(v, i * size);
    return out;
  };
  switch (type) {
    case MI.UINT8: return make(Uint8Array, (v, o) => v.getUint8(o));
    case MI.INT8: return make(Int8Array, (v, o) => v.getInt8(o));
    case MI.UINT16: return make(Uint16Array, (v, o) => v.getUint16(o, false));
    case MI.INT16: return make(Int16Array, (v, o) => v.getInt16(o, false));
    case MI.UINT32: return make(Uint32Array, (v, o) => v.getUint32(o, false));
    case MI.INT32: return make(Int32Array, (v, o) => v.getInt32(o, false));
    case MI.SINGLE: return make(Float32Array, (v, o) => v.getFloat32(o, false));
    case MI.DOUBLE: return make(Float64Array, (v, o) => v.getFloat64(o, false));
    default:
      return fail("format", "MAT-file numeric data has an unsupported storage type", "miINT8..miDOUBLE", `type ${type}`);
  }
}

/**
 * The variable name inside a compressed element, from inflating only its first bytes; null if that is not
 * enough to tell (the caller then inflates everything).
 */
function peekCompressedName(body: Uint8Array, le: boolean): string | null {
  try {
    const head = zlib.inflateSync(body.subarray(0, Math.min(body.length, 512)), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    if (head.length < 16) return null;
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (v.getUint32(0, le) !== MI.MATRIX) return null;
    const inner = head.subarray(8);
    const iv = new DataView(inner.buffer, inner.byteOffset, inner.byteLength);
    let pos = 0;
    for (let k = 0; k < 3; k++) {
      if (pos + 8 > inner.length) return null;
      const first = iv.getUint32(pos, le);
      let data: Uint8Array;
      let next: number;
      if ((first >>> 16) !== 0) {
        data = inner.subarray(pos + 4, pos + 4 + (first >>> 16));
        next = pos + 8;
      } else {
        const n = iv.getUint32(pos + 4, le);
        if (pos + 8 + n > inner.length) return null;
        data = inner.subarray(pos + 8, pos + 8 + n);
        next = pos + 8 + align8(n);
      }
      if (k === 2) return Buffer.from(data).toString("latin1");
      pos = next;
    }
    return null;
  } catch {
    return null;
  }
}
