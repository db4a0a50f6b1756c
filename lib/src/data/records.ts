/**
 * Reading files of fixed-size binary records (CIFAR batches, STL-10 image files) in bounded memory:
 * the file is read a block of records at a time (~8 MB), never whole.
 */
import * as fs from "node:fs";
import { DatasetError, rejectHtml } from "./errors";

/** Number of records in `file`, after checking it is non-empty, not HTML, and a whole number of records. */
export function countRecords(file: string, recordBytes: number, what: string, fix: string): number {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(Math.min(64, size));
    fs.readSync(fd, head, 0, head.length, 0);
    rejectHtml(head, file, fix);
  } finally {
    fs.closeSync(fd);
  }
  if (size === 0 || size % recordBytes !== 0) {
    throw new DatasetError({
      code: "truncated",
      what: `${what} file is truncated or damaged: its size is not a whole number of records`,
      file,
      expected: `a multiple of ${recordBytes} bytes (one record per sample)`,
      found: `${size} bytes (${Math.floor(size / recordBytes)} records + ${size % recordBytes} bytes)`,
      fix,
    });
  }
  return size / recordBytes;
}

/**
 * Calls `onBlock(bytes, first, count)` for consecutive blocks of whole records: `bytes` holds records
 * first .. first + count - 1 back to back. The buffer is reused between calls.
 */
export function forEachRecordBlock(
  file: string,
  recordBytes: number,
  onBlock: (bytes: Uint8Array, first: number, count: number) => void,
  blockBytes = 8 << 20,
): number {
  const size = fs.statSync(file).size;
  const total = Math.floor(size / recordBytes);
  const perBlock = Math.max(1, Math.floor(blockBytes / recordBytes));
  const buf = Buffer.allocUnsafe(perBlock * recordBytes);
  const fd = fs.openSync(file, "r");
  try {
    for (let first = 0; first < total; first += perBlock) {
      const count = Math.min(perBlock, total - first);
      const want = count * recordBytes;
      let got = 0;
      while (got < want) {
        const n = fs.readSync(fd, buf, got, want - got, first * recordBytes + got);
        if (n === 0) break;
        got += n;
      }
      if (got !== want) {
        throw new DatasetError({
          code: "truncated",
          what: "File shrank while it was being read",
          file,
          expected: `${size} bytes`,
          found: `${first * recordBytes + got} bytes`,
          fix: "make sure nothing else is writing the file, then load again",
        });
      }
      onBlock(buf.subarray(0, want), first, count);
    }
  } finally {
    fs.closeSync(fd);
  }
  return total;
}
