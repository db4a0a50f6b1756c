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
        resolve({ status: "crashed", error: `the notebook driver exited without a result:\n${log.split("\n").slice(-30).join("\n")}`, seconds: 0, log });
        return;
      }
      const r = JSON.parse(m[1]) as { status: ExecuteOutcome["status"]; error: string | null; seconds: number };
      const error = r.status === "ok" ? null : [failedCellReport(dst), r.error].filter(Boolean).join("\n\n");
      resolve({ status: r.status, error, seconds: r.seconds, log });
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

/** The last cell that started executing, with its source head and the error text it produced. */
export function failedCellReport(ipynb: string): string {
  let nb: { cells: NbCell[] };
  try {
    nb = JSON.parse(readFileSync(ipynb, "utf8"));
  } catch {
    return "";
  }
  let idx = -1;
  nb.cells.forEach((c, i) => {
    if (c.cell_type === "code" && c.metadata?.execution?.["iopub.status.busy"]) idx = i;
  });
  if (idx < 0) return "";
  const cell = nb.cells[idx];
  const errText = (cell.outputs ?? [])
    .map((o) => (o.output_type === "error" ? `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join("\n")}` : o.name === "stderr" ? join(o.text) : ""))
    .join("")
    .replace(/\u001b\[[0-9;]*m/g, "")
    .trim();
  const head = join(cell.source).split("\n").slice(0, 6).join("\n");
  return `cell ${idx} failed:\n${head}\n---\n${errText.split("\n").slice(0, 40).join("\n")}`;
}
