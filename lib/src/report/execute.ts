/**
 * Executes one notebook through nbclient (Jupyter's own executor) and always writes the executed notebook, also
 * when a cell fails, times out or the kernel dies, so the report can show what ran and where it stopped.
 *
 * tslab reports a failing cell as an `execute_reply` with status "error" and the stack trace on stderr, without an
 * `error` output; nbconvert's `--allow-errors` would therefore hide the failure. This driver stops at the first
 * failing cell (nbclient's default), saves the partial notebook atomically, and prints one JSON line describing
 * the outcome.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const DRIVER = String.raw`
import json, os, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
src, dst, kernel, timeout, cwd = sys.argv[1:6]
nb = nbformat.read(src, as_version=4)
t = int(float(timeout))
outcome = {"status": "ok", "error": None}
t0 = time.time()
try:
    client = NotebookClient(nb, kernel_name=kernel, timeout=(None if t <= 0 else t), allow_errors=False,
                            record_timing=True, resources={"metadata": {"path": cwd}})
    client.execute()
except CellTimeoutError as e:
    outcome = {"status": "timeout", "error": str(e).strip()[-2000:]}
except DeadKernelError as e:
    outcome = {"status": "dead-kernel", "error": str(e).strip()[-2000:]}
except CellExecutionError as e:
    outcome = {"status": "error", "error": str(e).strip()[-2000:]}
except KeyboardInterrupt:
    outcome = {"status": "interrupted", "error": "interrupted"}
except Exception as e:
    outcome = {"status": "error", "error": "%s: %s" % (type(e).__name__, e)}
finally:
    outcome["seconds"] = time.time() - t0
    nbformat.write(nb, dst + ".tmp")
    os.replace(dst + ".tmp", dst)
    print("SKIPLAB-OUTCOME " + json.dumps(outcome), flush=True)
sys.exit(0 if outcome["status"] == "ok" else 1)
`;

export interface ExecuteOutcome {
  status: "ok" | "error" | "timeout" | "dead-kernel" | "interrupted" | "crashed";
  /** What went wrong: the failing cell, its index and the stderr it printed (stack trace). */
  error: string | null;
  /** The failing cell's error name and message in one to three lines, e.g. "cell 4: Error: … not available here". */
  headline: string | null;
  seconds: number;
  /** Everything the driver and Jupyter printed. */
  log: string;
}

export interface ExecuteOptions {
  python: string;
  kernel: string;
  /** Per-cell timeout in seconds; 0 = none. */
  cellTimeout: number;
  /** Working directory of the kernel (the notebook's folder). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with each line the driver prints (progress). */
  onLine?: (line: string) => void;
}

export function executeNotebook(src: string, dst: string, o: ExecuteOptions): Promise<ExecuteOutcome> {
  return new Promise((resolve) => {
    const child = spawn(o.python, ["-c", DRIVER, src, dst, o.kernel, String(o.cellTimeout), o.cwd], { env: o.env, cwd: o.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    let pending = "";
    const onData = (d: Buffer) => {
      const s = d.toString();
      log += s;
      pending += s;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim() && !line.startsWith("SKIPLAB-OUTCOME ")) o.onLine?.(line);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const interrupt = () => child.kill("SIGINT");
    process.once("SIGINT", interrupt);
    child.on("close", () => {
      process.removeListener("SIGINT", interrupt);
      const m = log.match(/^SKIPLAB-OUTCOME (.*)$/m);
      if (!m) {
        const error = `the notebook driver exited without a result:\n${log.split("\n").slice(-30).join("\n")}`;
        resolve({ status: "crashed", error, headline: failureHeadline(dst, error, { preferDriver: true }), seconds: 0, log });
        return;
      }
      const r = JSON.parse(m[1]) as { status: ExecuteOutcome["status"]; error: string | null; seconds: number };
      const driverError = cleanDriverError(r.error);
      const error = r.status === "ok" ? null : [failedCellReport(dst), driverError].filter(Boolean).join("\n\n");
      const headline = r.status === "ok" ? null : failureHeadline(dst, driverError, { preferDriver: r.status !== "error" });
      resolve({ status: r.status, error, headline, seconds: r.seconds, log });
    });
  });
}

interface NbCell {
  cell_type: string;
  source: string | string[];
  metadata?: { execution?: Record<string, string> };
  outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; ename?: string; evalue?: string; traceback?: string[] }>;
}

const join = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : s ?? "");

function readNotebook(ipynb: string): { cells: NbCell[] } | null {
  try {
    return JSON.parse(readFileSync(ipynb, "utf8")) as { cells: NbCell[] };
  } catch {
    return null;
  }
}

/** Index of the last code cell that started executing (nbclient's record_timing), or -1. */
function lastStartedCell(nb: { cells: NbCell[] }): number {
  let idx = -1;
  nb.cells.forEach((c, i) => {
    if (c.cell_type === "code" && c.metadata?.execution?.["iopub.status.busy"]) idx = i;
  });
  return idx;
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** The error text of one cell: its error outputs (ename: evalue + traceback) and what it wrote to stderr. */
function cellErrorText(cell: NbCell): string {
  return (cell.outputs ?? [])
    .map((o) =>
      o.output_type === "error"
        ? `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join("\n")}`
        : o.name === "stderr"
          ? join(o.text)
          : "",
    )
    .join("")
    .replace(ANSI, "")
    .trim();
}

/** The last cell that started executing, with its source head and the error text it produced. */
export function failedCellReport(ipynb: string): string {
  const nb = readNotebook(ipynb);
  if (!nb) return "";
  const idx = lastStartedCell(nb);
  if (idx < 0) return "";
  const cell = nb.cells[idx];
  const errText = cellErrorText(cell);
  const head = join(cell.source).split("\n").slice(0, 6).join("\n");
  return `cell ${idx} failed:\n${head}\n---\n${errText.split("\n").slice(0, 40).join("\n")}`;
}

/**
 * nbclient's message for a failing cell ends in "<Error>:" for tslab: tslab answers a failing cell with an
 * execute_reply of status "error" that carries no ename, evalue or traceback (the real error went to the cell's
 * stderr), so nbclient fills in "<Error>" and an empty message. That line says nothing: drop it.
 */
export function cleanDriverError(error: string | null): string | null {
  if (!error) return error;
  const cleaned = error
    .split("\n")
    .filter((l) => !/^\s*<Error>:\s*$/.test(l))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return cleaned || null;
}

/**
 * The name and message of an error as tslab (Node's vm) prints it to a cell's stderr, without the stack:
 *
 *   evalmachine.<anonymous>:3            ← V8's preamble: where, the source line, a caret, a blank line
 *   function f() { throw new Error(…) }
 *                  ^
 *
 *   Error: cifar100 (train) is not available here. Fetch it first with …
 *       at f (evalmachine.<anonymous>:3:22)
 *
 * With a stack, the message is the paragraph just above its first "at" line, from its "Name: message" line on (the
 * cell's own stderr writes may precede it); without one (a thrown string, a TypeScript compile error
 * "1:7 - Type … is not assignable …"), the last paragraph.
 */
export function errorMessageLines(text: string): string[] {
  const lines = text.replace(ANSI, "").replace(/\r/g, "").split("\n");
  const stack = lines.findIndex((l) => /^\s+at\s/.test(l));
  let end = stack >= 0 ? stack : lines.length;
  while (end > 0 && !lines[end - 1].trim()) end--;
  let start = end;
  while (start > 0 && lines[start - 1].trim()) start--;
  let block = lines.slice(start, end);
  // a preamble with no blank line after it (evalmachine.<anonymous>:N, source, caret) is not the message
  if (block.length && /^\S*evalmachine\.<anonymous>:\d+$/.test(block[0].trim())) {
    const caret = block.findIndex((l) => /^\s*\^+\s*$/.test(l));
    block = block.slice(caret >= 0 ? caret + 1 : 1);
  }
  // what the cell wrote to stderr before the error is not the message: start at the error's "Name: message" line
  const header = (re: RegExp) => block.findIndex((l) => re.test(l.trim()));
  const named = header(/^[\w$.]*(Error|Exception)\b[^:]*:/);
  const any = named >= 0 ? named : header(/^[A-Za-z_$][\w$.]*( \[[^\]]*\])?:\s/);
  if (any > 0) block = block.slice(any);
  return block.map((l) => l.trim()).filter(Boolean);
}

/**
 * The failing cell's error in at most `maxLines` lines of at most 300 characters: "cell N: Error: message", from its
 * error output when the kernel sent one, else from what it wrote to stderr, else the driver's own first line (a
 * timeout, a dead kernel; `preferDriver` puts the driver's first before the cell's stderr, for an outcome that is not
 * the cell's own error). For the terminal summary and the index.
 */
export function failureHeadline(
  ipynb: string,
  driverError: string | null,
  o: { maxLines?: number; preferDriver?: boolean } = {},
): string | null {
  const maxLines = o.maxLines ?? 3;
  const nb = readNotebook(ipynb);
  const idx = nb ? lastStartedCell(nb) : -1;
  let lines: string[] = [];
  if (nb && idx >= 0) {
    const cell = nb.cells[idx];
    const errOut = (cell.outputs ?? []).filter((o) => o.output_type === "error" && o.ename && o.ename !== "<Error>");
    if (errOut.length) {
      const o = errOut[errOut.length - 1];
      lines = `${o.ename}: ${o.evalue ?? ""}`.replace(ANSI, "").split("\n").map((l) => l.trim()).filter(Boolean);
    } else {
      const stderr = (cell.outputs ?? [])
        .filter((o) => o.name === "stderr")
        .map((o) => join(o.text))
        .join("");
      lines = errorMessageLines(stderr);
      if (lines.length && /^\d+:\d+ - /.test(lines[0])) lines[0] = `TypeScript: ${lines[0]}`;
    }
  }
  // no error text in the cell (a timeout, a dead kernel, a crashed driver): the driver's first meaningful lines
  const driverLines = (driverError ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^-+$/.test(l));
  if (lines.length === 0 || (o.preferDriver && driverLines.length)) lines = driverLines.slice(0, 2);
  if (lines.length === 0) return null;
  const more = lines.length > maxLines;
  const out = lines.slice(0, maxLines).map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l));
  if (more) out[out.length - 1] += " …";
  return (idx >= 0 ? `cell ${idx}: ` : "") + out.join("\n");
}
