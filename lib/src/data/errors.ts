/**
 * DatasetError: the one error type of the data layer.
 *
 * Every error says which file (or dataset) is at fault, what was expected, what was found, and what to do
 * about it, so that a failed figure run can be fixed from the message alone:
 *
 *   Dataset file is truncated
 *     file:     data/downloads/cifar10/cifar-10-batches-bin/data_batch_3.bin
 *     expected: 30730000 bytes (10000 records of 3073 bytes)
 *     found:    1048576 bytes
 *     fix:      delete the file and re-run `npx skiplab data fetch cifar10`
 */

/** What kind of failure a DatasetError reports; tests and callers branch on this, never on message text. */
export type DatasetErrorCode =
  | "missing" // a file the loader needs is not there
  | "checksum" // sha256 / md5 of a file differs from the registry
  | "size" // byte count differs from the registry or the server's announcement
  | "truncated" // a file ends before its header says it should
  | "format" // wrong magic number, header or structure
  | "html" // an HTML page (error page, captive portal) saved in place of a dataset
  | "labels" // a label outside the dataset's class range
  | "unknown-dataset" // a name the registry does not know
  | "http" // the server answered with an error status or an unexpected content type
  | "network" // connection failure, timeout, too many redirects
  | "argument"; // a caller passed options that cannot work (e.g. a subset larger than the dataset)

export interface DatasetErrorDetails {
  /** One-line summary of what went wrong. */
  what: string;
  code: DatasetErrorCode;
  /** The file (or URL, or dataset name) at fault. */
  file?: string;
  /** What the data layer expected to find. */
  expected?: string;
  /** What it found instead. */
  found?: string;
  /** What the user should do: the command to run, the file to delete. */
  fix?: string;
  cause?: unknown;
  /**
   * For a download tried at several URLs: the error of each attempt, in the order tried, each with its own kind
   * (`code`), expected and found values. The message lists every one of them.
   */
  attempts?: DatasetError[];
}

export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  /** The one-line summary (the first line of the message). */
  readonly what: string;
  readonly attempts?: DatasetError[];
  readonly file?: string;
  readonly expected?: string;
  readonly found?: string;
  readonly fix?: string;

  constructor(details: DatasetErrorDetails) {
    const lines = [details.what];
    if (details.file !== undefined) lines.push(`  file:     ${details.file}`);
    if (details.expected !== undefined) lines.push(`  expected: ${details.expected}`);
    if (details.found !== undefined) lines.push(`  found:    ${details.found}`);
    if (details.fix !== undefined) lines.push(`  fix:      ${details.fix}`);
    super(lines.join("\n"), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "DatasetError";
    this.code = details.code;
    this.what = details.what;
    this.attempts = details.attempts;
    this.file = details.file;
    this.expected = details.expected;
    this.found = details.found;
    this.fix = details.fix;
  }
}

/** The command that fetches a registry dataset, quoted the same way in every message. */
export function fetchCommand(name: string): string {
  return `npx skiplab data fetch ${name}`;
}

/** The standard advice for a damaged downloaded file. */
export function refetchAdvice(file: string, name?: string): string {
  return name === undefined
    ? `delete ${file} and recreate it`
    : `delete ${file} and re-run \`${fetchCommand(name)}\``;
}

/**
 * Throws a DatasetError with code "html" when `head` (the first bytes of a file or response body) looks like an
 * HTML document: what a proxy, a captive portal, a login wall or a moved-file error page leaves behind. Checked
 * before any size or structure check, so such a file is reported as an HTML page, never as "truncated".
 */
export function rejectHtml(head: Uint8Array, file: string, fix: string): void {
  const tag = htmlStart(head);
  if (tag !== null) {
    throw new DatasetError({
      code: "html",
      what: `${file.split(/[\\/]/).pop() ?? file} is an HTML page (starts with ${tag}), not a dataset file: a login or error page was probably saved instead of the data`,
      file,
      expected: "binary dataset content",
      found: JSON.stringify(asciiPreview(head, 60)),
      fix,
    });
  }
}

/** The opening tag an HTML document starts with (lower case, e.g. "<!doctype html>"), or null when not HTML. */
export function htmlStart(head: Uint8Array): string | null {
  if (!looksLikeHtml(head)) return null;
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  const text = asciiPreview(head.subarray(i), 40).toLowerCase();
  const end = text.indexOf(">");
  return end > 0 ? text.slice(0, end + 1) : text.split(/\s/)[0];
}

/** `n` with thousands separators: 10485760 -> "10,485,760". */
export function formatBytes(n: number): string {
  return n.toLocaleString("en-US");
}

/** True when the bytes start (after whitespace / a UTF-8 BOM) with `<!doctype html`, `<html`, `<head` or `<?xml`. */
export function looksLikeHtml(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  const text = asciiPreview(head.subarray(i), 16).toLowerCase();
  return (
    text.startsWith("<!doctype html") || text.startsWith("<html") || text.startsWith("<head") || text.startsWith("<?xml")
  );
}

/** Printable ASCII rendering of the first `max` bytes (non-printables as '.'). */
export function asciiPreview(bytes: Uint8Array, max: number): string {
  let s = "";
  const m = Math.min(max, bytes.length);
  for (let i = 0; i < m; i++) {
    const c = bytes[i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
  }
  return s;
}
