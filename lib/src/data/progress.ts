/**
 * A byte-progress bar for downloads, extraction and hashing, written to stderr.
 *
 * On a TTY it redraws one line in place (at most every 100 ms):
 *   cifar-10-binary.tar.gz [#########...........]  45.2%  76.9/170.1 MB  12.3 MB/s  eta 8s
 * Otherwise (CI logs, notebooks) it prints a plain line every 10 % or every 10 s, whichever comes first.
 */

export interface ProgressOptions {
  /** Shown before the bar, usually a file name. */
  label: string;
  /** Total bytes, when known (null: show bytes and rate only). */
  total: number | null;
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force in-place (true) or line mode (false); default: the stream's isTTY. */
  tty?: boolean;
  /** Clock, for tests; default Date.now. */
  now?: () => number;
  /** Suppress all output. */
  silent?: boolean;
}

export interface Progress {
  /** Reports the number of bytes done so far (absolute, not a delta). */
  update(done: number): void;
  /** Writes the final line (with a newline). */
  finish(message?: string): void;
}

const MB = 1e6;

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const start = now();
  let lastDraw = -Infinity;
  let lastFraction = -1;
  let done = 0;
  let finished = false;

  const describe = (): string => {
    const secs = Math.max((now() - start) / 1000, 1e-3);
    const rate = done / secs;
    const parts = [opts.label];
    if (opts.total !== null && opts.total > 0) {
      const f = Math.min(done / opts.total, 1);
      if (tty) {
        const width = 20;
        const filled = Math.round(f * width);
        parts.push(`[${"#".repeat(filled)}${".".repeat(width - filled)}]`);
      }
      parts.push(`${(100 * f).toFixed(1).padStart(5)}%`);
      parts.push(`${(done / MB).toFixed(1)}/${(opts.total / MB).toFixed(1)} MB`);
      parts.push(`${(rate / MB).toFixed(1)} MB/s`);
      if (rate > 0 && f < 1) parts.push(`eta ${Math.ceil((opts.total - done) / rate)}s`);
    } else {
      parts.push(`${(done / MB).toFixed(1)} MB`, `${(rate / MB).toFixed(1)} MB/s`);
    }
    return parts.join("  ");
  };

  return {
    update(n: number) {
      done = n;
      if (opts.silent || finished) return;
      const t = now();
      if (tty) {
        if (t - lastDraw < 100) return;
        lastDraw = t;
        stream.write(`\r${describe()}\x1b[K`);
      } else {
        const f = opts.total ? done / opts.total : 0;
        const step = Math.floor(f * 10);
        if (step > lastFraction || t - lastDraw >= 10_000) {
          lastFraction = step;
          lastDraw = t;
          stream.write(`${describe()}\n`);
        }
      }
    },
    finish(message?: string) {
      if (opts.silent || finished) return;
      finished = true;
      const line = message === undefined ? describe() : `${opts.label}  ${message}`;
      stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
