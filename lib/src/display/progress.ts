/**
 * A progress bar with loss, accuracy and ETA that updates in place:
 *   - in a tslab notebook: one updatable display (an HTML bar; tslab's `newDisplay()` mechanism, reached through the
 *     kernel's display writer like display/html.ts does, without importing tslab);
 *   - on a terminal (TTY): one line rewritten with `\r`;
 *   - otherwise (logs, CI, pipes): a plain line every `lineIntervalMs` (default 10 s) and at every `log()`.
 * `SKIPLAB_PROGRESS=lines|off|tty|notebook|auto` overrides the choice (auto by default).
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

/** The mode `auto` resolves to here and now. */
export function resolveProgressMode(
  mode: ProgressMode = "auto",
  env: Record<string, string | undefined> = process.env,
  stream: NodeJS.WriteStream = process.stderr,
): Exclude<ProgressMode, "auto"> {
  const forced = (env.SKIPLAB_PROGRESS ?? "").trim().toLowerCase();
  const m = (["lines", "off", "tty", "notebook"].includes(forced) ? forced : mode) as ProgressMode;
  if (m !== "auto") return m === "notebook" && !tslabWriter() ? "lines" : m;
  if (tslabWriter()) return "notebook";
  return stream.isTTY ? "tty" : "lines";
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
    parts.push(`step ${u.step}/${this.total}`);
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
