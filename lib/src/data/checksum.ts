/**
 * File checksums, computed by streaming (constant memory, any file size).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

export interface FileDigest {
  bytes: number;
  sha256: string;
  md5: string;
}

/** sha256 and md5 (lower-case hex) and the byte count of a file, read in 1 MiB chunks. */
export async function digestFile(file: string, onBytes?: (done: number) => void): Promise<FileDigest> {
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    sha.update(chunk);
    md5.update(chunk);
    bytes += chunk.length;
    onBytes?.(bytes);
  }
  return { bytes, sha256: sha.digest("hex"), md5: md5.digest("hex") };
}

/** Expected identity of a file: size plus sha256 (and/or md5, for files no source gives a sha256 for). */
export interface ExpectedDigest {
  bytes?: number;
  sha256?: string;
  md5?: string;
}

/**
 * Compares a digest with what is expected. Returns null when it matches, or a short reason
 * ("size 12 != 34", "sha256 ab12... != cd34...") when it does not. sha256 is used when given; md5 only when no
 * sha256 is known for the file.
 */
export function digestMismatch(found: FileDigest, expected: ExpectedDigest): string | null {
  if (expected.bytes !== undefined && found.bytes !== expected.bytes) {
    return `size ${found.bytes} bytes, expected ${expected.bytes}`;
  }
  if (expected.sha256 !== undefined) {
    return found.sha256 === expected.sha256.toLowerCase() ? null : `sha256 ${found.sha256}, expected ${expected.sha256}`;
  }
  if (expected.md5 !== undefined) {
    return found.md5 === expected.md5.toLowerCase() ? null : `md5 ${found.md5}, expected ${expected.md5}`;
  }
  return null;
}
