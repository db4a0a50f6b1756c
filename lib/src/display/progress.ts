/**
 * A progress bar with loss, accuracy and ETA that updates in place:
 *   - in a tslab notebook: one updatable display (an HTML bar; tslab's `newDisplay()` mechanism, reached through the
 *     kernel's display writer like display/html.ts does, without importing tslab);
 *   - on a terminal (TTY): one line rewritten with `\r`;
 *   - in CI logs, pipes and files: a plain line every `lineIntervalMs` (default 10 s) and at every `log()`.
 * Which one is `decideProgressMode`'s table (on by default in notebooks and terminals, plain lines in CI logs);
 * `SKIPLAB_PROGRESS=lines|off|tty|notebook|auto` overrides it.
 *
 * Rendering is throttled (`minIntervalMs`, default 250 ms); `update` returns true when it rendered, so a long
 * synchronous loop knows when to yield to the event loop (`await yieldToEventLoop()`) and let the kernel send the
 * message.
 */
import { escapeHtml } from "./html";

export type ProgressMode = "auto" | "notebook" | "tty" | "lines" | "off";

export interface ProgressUpdate {
  /** Steps done (0..total). */
  step: number;
  /** 1-based epoch being run, and the number of epochs. */
  epoch?: number;
  epochs?: number;
  /** Running mean loss / accuracy of the current epoch. */
  loss?: number;
  acc?: number;
  /** Anything else to show, e.g. "lr 1e-3". */
  extra?: string;
}

export interface ProgressOptions {
  /** Total steps. */
  total: number;
  label?: string;
  /**
   * What the steps count, shown as "3/10 runs"; without it the text says "step 3/10". Steps may be fractional (the
   * bar and ETA use them as they are; the count shows their whole part).
   */
  unit?: string;
  mode?: ProgressMode;
  /** Terminal stream (default process.stderr). */
  stream?: NodeJS.WriteStream;
  minIntervalMs?: number;
  lineIntervalMs?: number;
  env?: Record<string, string | undefined>;
  /** Clock (tests). */
  now?: () => number;
}

let displayCounter = 0;

type DisplayWriter = (
  data: { data: Record<string, string>; metadata: object; transient: { display_id: string } },
  update: boolean,
) => void;

/** tslab's display writer when running inside a tslab kernel, else null (never loads tslab itself). */
function tslabWriter(): DisplayWriter | null {
  let path: string;
  try {
    path = require.resolve("tslab/dist/jupyter");
  } catch {
    return null;
  }
  const jupyter = require.cache[path]?.exports as { lastWriteDisplayData?: DisplayWriter | null } | undefined;
  const write = jupyter?.lastWriteDisplayData;
  return typeof write === "function" ? write : null;
}

/** What the default decision looks at (`decideProgressMode`). */
export interface ProgressContext {
  /** Running inside a tslab kernel, i.e. a notebook (its display writer is reachable). */
  notebook: boolean;
  /** The progress stream (stderr) is a terminal. */
  tty: boolean;
  /** The environment: SKIPLAB_PROGRESS and CI are read. */
  env: Record<string, string | undefined>;
}

/** True when `CI` is set to anything but "", "0", "false" or "no" (CI services set CI=true). */
export function isCI(env: Record<string, string | undefined>): boolean {
  const v = (env.CI ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false" && v !== "no";
}

/**
 * The progress display's mode: environment in, mode out (pure; `resolveProgressMode` feeds it the real context).
 * First match wins:
 *
 * | condition                                          | mode                                                   |
 * |----------------------------------------------------|--------------------------------------------------------|
 * | asked for `off` in code (`progress: false`)        | off (a display switched off in code stays off)         |
 * | SKIPLAB_PROGRESS = lines, off, tty or notebook     | that mode                                              |
 * | asked for lines, tty or notebook in code           | that mode                                              |
 * | in a notebook (a tslab kernel), CI or not          | notebook: the live HTML display                        |
 * | CI=true                                            | lines: a plain line every 10 s (CI logs)               |
 * | stderr is a terminal                               | tty: one line redrawn in place                         |
 * | anything else (pipes, files, nohup)                | lines                                                  |
 *
 * `notebook` outside a notebook becomes lines. SKIPLAB_PROGRESS=auto (or unset, or unknown) leaves the choice to the
 * rows below it.
 */
export function decideProgressMode(requested: ProgressMode, ctx: ProgressContext): Exclude<ProgressMode, "auto"> {
  if (requested === "off") return "off";
  const forced = (ctx.env.SKIPLAB_PROGRESS ?? "").trim().toLowerCase();
  const m = (["lines", "off", "tty", "notebook"].includes(forced) ? forced : requested) as ProgressMode;
  if (m !== "auto") return m === "notebook" && !ctx.notebook ? "lines" : m;
  if (ctx.notebook) return "notebook";
  if (isCI(ctx.env)) return "lines";
  return ctx.tty ? "tty" : "lines";
}

/** The mode `requested` (default auto) resolves to here and now (`decideProgressMode` with this process's context). */
export function resolveProgressMode(
  mode: ProgressMode = "auto",
  env: Record<string, string | undefined> = process.env,
  stream: { isTTY?: boolean } = process.stderr,
): Exclude<ProgressMode, "auto"> {
  return decideProgressMode(mode, { notebook: tslabWriter() !== null, tty: stream.isTTY === true, env });
}

/** "4:05", "1:02:03". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function fmt(x: number | undefined, digits = 4): string {
  if (x === undefined) return "";
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(digits);
}

export class ProgressBar {
  readonly mode: Exclude<ProgressMode, "auto">;
  private readonly total: number;
  private readonly label: string;
  private readonly unit: string | undefined;
  private readonly stream: NodeJS.WriteStream;
  private readonly minInterval: number;
  private readonly lineInterval: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastRender = -Infinity;
  private lastLine = -Infinity;
  private last: ProgressUpdate = { step: 0 };
  private readonly logLines: string[] = [];
  private readonly displayId = `skiplab-progress-${process.pid}-${Date.now().toString(36)}-${++displayCounter}`;
  private displayed = false;
  private finished = false;

  constructor(options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.mode = resolveProgressMode(options.mode, options.env, this.stream);
    this.total = Math.max(1, options.total);
    this.label = options.label ?? "train";
    this.unit = options.unit;
    this.minInterval = options.minIntervalMs ?? 250;
    this.lineInterval = options.lineIntervalMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Seconds since the bar was created. */
  elapsed(): number {
    return (this.now() - this.start) / 1000;
  }

  /** One-line text of the current state. */
  text(u: ProgressUpdate = this.last, width = 20): string {
    const frac = Math.min(1, u.step / this.total);
    const filled = Math.round(frac * width);
    const el = this.elapsed();
    const eta = frac > 0 ? (el * (1 - frac)) / frac : NaN;
    const bar = width > 0 ? ` [${"#".repeat(filled)}${"-".repeat(width - filled)}]` : "";
    const parts = [`${this.label}${bar} ${(100 * frac).toFixed(0).padStart(3)}%`];
    if (u.epoch !== undefined) parts.push(`epoch ${u.epoch}${u.epochs ? `/${u.epochs}` : ""}`);
    parts.push(
      this.unit === undefined
        ? `step ${u.step}/${this.total}`
        : `${Math.floor(u.step + 1e-9)}/${this.total} ${this.unit}`,
    );
    if (u.loss !== undefined) parts.push(`loss ${fmt(u.loss)}`);
    if (u.acc !== undefined) parts.push(`acc ${(100 * u.acc).toFixed(1)}%`);
    if (u.extra) parts.push(u.extra);
    parts.push(`${formatDuration(el)} elapsed`, `ETA ${formatDuration(eta)}`);
    return parts.join(" · ");
  }

  private html(u: ProgressUpdate): string {
    const log = this.logLines
      .slice(-8)
      .map((l) => escapeHtml(l))
      .join("\n");
    return (
      `<div style="font-family:monospace;font-size:12px">` +
      `<progress value="${u.step}" max="${this.total}" style="width:240px;vertical-align:middle"></progress> ` +
      `${escapeHtml(this.text(u, 0))}` +
      (log ? `<pre style="margin:4px 0 0 0">${log}</pre>` : "") +
      `</div>`
    );
  }

  private renderNotebook(u: ProgressUpdate): void {
    const write = tslabWriter();
    if (!write) return;
    const plain = [...this.logLines.slice(-8), this.text(u)].join("\n");
    write(
      {
        data: { "text/html": this.html(u), "text/plain": plain },
        metadata: {},
        transient: { display_id: this.displayId },
      },
      this.displayed,
    );
    this.displayed = true;
  }

  /** Records progress; renders when due. Returns true when it rendered. */
  update(u: ProgressUpdate, force = false): boolean {
    this.last = u;
    if (this.mode === "off" || this.finished) return false;
    const t = this.now();
    if (this.mode === "lines") {
      if (!force && t - this.lastLine < this.lineInterval) return false;
      this.lastLine = t;
      this.stream.write(this.text(u) + "\n");
      return true;
    }
    if (!force && t - this.lastRender < this.minInterval) return false;
    this.lastRender = t;
    if (this.mode === "tty") this.stream.write(`\r${this.text(u)}\x1b[K`);
    else this.renderNotebook(u);
    return true;
  }

  /** A permanent message (e.g. an epoch summary) shown above the bar / as its own line. */
  log(message: string): void {
    if (this.mode === "off") return;
    if (this.mode === "lines") {
      this.stream.write(message + "\n");
      this.lastLine = this.now();
    } else if (this.mode === "tty") {
      this.stream.write(`\r\x1b[K${message}\n`);
      this.update(this.last, true);
    } else {
      this.logLines.push(message);
      this.update(this.last, true);
    }
  }

  /** Final render; ends the TTY line. */
  finish(message?: string): void {
    if (this.finished) return;
    if (message) this.log(message);
    this.update(this.last, true);
    this.finished = true;
    if (this.mode === "tty") this.stream.write("\n");
  }
}

/** Lets pending I/O (kernel messages, terminal writes) go out during a long loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------------------------
// byte progress (downloads, extraction, hashing)

/**
 * A byte-progress line for downloads, extraction and hashing, written to stderr. On a TTY it redraws one line in
 * place (at most every 100 ms):
 *   cifar-10-binary.tar.gz [#########...........]  45.2%  76.9/170.1 MB  12.3 MB/s  eta 8s
 * Otherwise (CI logs, notebooks) it prints a plain line every 10 % or every 10 s, whichever comes first.
 * SKIPLAB_PROGRESS=off silences it, as it does the training bar.
 */
export interface ByteProgressOptions {
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
  /** Suppress all output (also when SKIPLAB_PROGRESS=off). */
  silent?: boolean;
  /** Environment read for SKIPLAB_PROGRESS; default process.env. */
  env?: Record<string, string | undefined>;
}

export interface ByteProgress {
  /** Reports the number of bytes done so far (absolute, not a delta). */
  update(done: number): void;
  /** Writes the final line (with a newline). */
  finish(message?: string): void;
}

const MB = 1e6;

export function byteProgress(opts: ByteProgressOptions): ByteProgress {
  const silent = opts.silent === true || (opts.env ?? process.env).SKIPLAB_PROGRESS?.trim().toLowerCase() === "off";
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
      if (silent || finished) return;
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
      if (silent || finished) return;
      finished = true;
      const line = message === undefined ? describe() : `${opts.label}  ${message}`;
      stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
