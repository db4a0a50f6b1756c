/**
 * `skiplab reproduce` (npm run reproduce): execute every notebook headless through real Jupyter at one scale and
 * render the report.
 *
 *   report/index.html                 every figure: claim, verdict, scale, backend, run time, link
 *   report/<name>.html                the executed notebook rendered by nbconvert (plotly.js linked locally)
 *   report/notebooks/<name>.ipynb     the executed notebook
 *   report/assets/plotly.min.js       the plotly.js every page uses (no CDN)
 *   report/summary.json               the same data as the index, machine-readable
 *
 * The index is rewritten after every notebook, so an interrupted run keeps what it finished.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { basename, join, resolve } from "node:path";
import { plotlyScriptPath } from "../display/assets";
import { claimProblems, extractClaims } from "../report/claims";
import { SCALES, Scale, projectRoot } from "../report/context";
import { renderIndex, NotebookResult, ReportMeta } from "../report/index-page";
import { executeNotebook } from "../report/execute";
import { findJupyterPython, installKernel, JUPYTER_HELP, jupyterEnv } from "../report/jupyter";
import { lockReport, ReportBusyError } from "../report/lock";
import { parseArgs } from "node:util";
import { strictly } from "./args";

export interface ReproduceOptions {
  scale: Scale;
  only: string[];
  /** Per-cell timeout in seconds. */
  cellTimeout: number;
  outDir: string;
  pdf: boolean;
}

const USAGE = `Usage: npm run reproduce -- [--scale smoke|quick|standard|paper] [--only <notebook>[,<notebook>]] [--cell-timeout <s>] [--out <dir>] [--pdf]

Executes the notebooks in notebooks/ through Jupyter (tslab kernel) and renders report/index.html.
  --scale         smoke: seconds per figure (CI); quick: real data at reduced size, minutes (default);
                  standard: quick plus the searches quick has no time for (P1 Fig. F's grid), tens of minutes;
                  paper: the paper-scale protocol (GPU or a sharded sweep)
  --only          run only notebooks whose file name starts with or contains this text (repeatable)
  --cell-timeout  seconds one cell may run (default: 1800; 0 = no limit)
  --out           the report folder (default: report/). One run at a time per folder: a second run on the same
                  folder stops with exit 3 and names the run that holds it
  --pdf           also print the report to PDF with headless Chromium (report/report.pdf: the index, then
                  every notebook); a PDF that cannot be made fails the run

A notebook fails when a cell fails, when it reports no claim check, or when a claim number is NaN or ±Infinity.
Exit status: 0 all notebooks (and the PDF) ok, 1 something failed, 2 usage or missing Jupyter, 3 report folder busy.`;

export function parseReproduceArgs(argv: string[], root: string): ReproduceOptions {
  let values;
  try {
    ({ values } = strictly(() =>
      parseArgs({
        args: argv,
        allowPositionals: false,
        strict: true,
        options: {
          scale: { type: "string" },
          only: { type: "string", multiple: true },
          "cell-timeout": { type: "string" },
          out: { type: "string" },
          pdf: { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      }),
    ));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new UsageRequest(USAGE);
  const o: ReproduceOptions = {
    scale: "quick",
    only: [],
    cellTimeout: 1800,
    outDir: join(root, "report"),
    pdf: values.pdf ?? false,
  };
  if (values.scale !== undefined) {
    if (!(SCALES as readonly string[]).includes(values.scale))
      throw new Error(`--scale ${values.scale}: use one of ${SCALES.join(", ")}.`);
    o.scale = values.scale as Scale;
  }
  for (const only of values.only ?? []) o.only.push(...only.split(",").filter(Boolean));
  if (values["cell-timeout"] !== undefined) o.cellTimeout = Number(values["cell-timeout"]);
  if (values.out !== undefined) o.outDir = resolve(values.out); // the notebooks run elsewhere: keep no relative path
  if (!Number.isFinite(o.cellTimeout) || o.cellTimeout < 0)
    throw new Error(`--cell-timeout must be a number of seconds ≥ 0.`);
  return o;
}

export class UsageRequest extends Error {}

/** The notebooks to run: notebooks/*.ipynb sorted by name, filtered by --only. */
export function selectNotebooks(root: string, only: string[]): string[] {
  const dir = join(root, "notebooks");
  const all = readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  if (only.length === 0) return all.map((f) => join(dir, f));
  const picked = all.filter((f) =>
    only.some((o) => f.startsWith(o) || f.replace(/\.ipynb$/, "") === o || f.includes(o)),
  );
  if (picked.length === 0)
    throw new Error(`--only ${only.join(",")} matches no notebook. Notebooks: ${all.join(", ")}`);
  return picked.map((f) => join(dir, f));
}

function notebookTitle(path: string): string {
  try {
    const nb = JSON.parse(readFileSync(path, "utf8")) as {
      cells: Array<{ cell_type: string; source: string | string[] }>;
    };
    for (const c of nb.cells) {
      if (c.cell_type !== "markdown") continue;
      const src = Array.isArray(c.source) ? c.source.join("") : c.source;
      const m = src.match(/^#\s+(.+)$/m);
      if (m) return m[1].trim();
    }
  } catch {
    // fall through to the file name
  }
  return basename(path, ".ipynb");
}

interface Executed {
  ok: boolean;
  error?: string;
  seconds: number;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  echoPrefix: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (d: Buffer) => {
      const s = d.toString();
      output += s;
      for (const line of s.split("\n")) if (line.trim()) process.stderr.write(`${echoPrefix}${line}\n`);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const stop = () => child.kill("SIGTERM");
    process.once("SIGINT", stop);
    child.on("close", (code) => {
      process.removeListener("SIGINT", stop);
      resolveRun({ code, output });
    });
  });
}

/** The text/html of every output, joined (for claim extraction). */
function notebookHtmlOutputs(ipynb: string): string {
  const nb = JSON.parse(readFileSync(ipynb, "utf8")) as {
    cells: Array<{ outputs?: Array<{ data?: Record<string, string | string[]> }> }>;
  };
  const parts: string[] = [];
  for (const c of nb.cells)
    for (const o of c.outputs ?? []) {
      const h = o.data?.["text/html"];
      if (h) parts.push(Array.isArray(h) ? h.join("") : h);
    }
  return parts.join("\n");
}

/** Replaces the inlined plotly.js in an exported page with a link to the shared local copy. */
export function linkPlotly(html: string, src: string): string {
  return html.replace(
    /<script type="text\/javascript" data-skiplab-plotly="[^"]*">[\s\S]*?<\/script>/g,
    `<script type="text/javascript" src="${src}"></script>`,
  );
}

function gitCommit(root: string): string {
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) return "unknown";
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: root,
    encoding: "utf8",
  }).stdout.trim();
  return r.stdout.trim() + (dirty ? " (with uncommitted changes)" : "");
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + ".tmp", text);
  renameSync(path + ".tmp", path);
}

export async function reproduce(argv: string[]): Promise<number> {
  const root = projectRoot();
  let opts: ReproduceOptions;
  try {
    opts = parseReproduceArgs(argv, root);
  } catch (e) {
    if (e instanceof UsageRequest) {
      console.log(e.message);
      return 0;
    }
    console.error((e as Error).message);
    return 2;
  }
  const notebooks = selectNotebooks(root, opts.only);
  const jupyter = findJupyterPython();
  if (!jupyter) {
    console.error(JUPYTER_HELP);
    return 2;
  }
  const out = opts.outDir;
  const command = `npm run reproduce -- --scale ${opts.scale}${opts.only.length ? ` --only ${opts.only.join(",")}` : ""}${out !== join(root, "report") ? ` --out ${out}` : ""}${opts.pdf ? " --pdf" : ""}`;
  let unlock: () => void;
  try {
    unlock = lockReport(out, command, (note) => console.error(`reproduce: ${note}`));
  } catch (e) {
    if (e instanceof ReportBusyError) {
      console.error(`reproduce: ${e.message}`);
      return 3;
    }
    throw e;
  }
  try {
    return await reproduceLocked(root, opts, jupyter, notebooks, command);
  } finally {
    unlock();
  }
}

async function reproduceLocked(
  root: string,
  opts: ReproduceOptions,
  jupyter: { python: string; versions: string },
  notebooks: string[],
  command: string,
): Promise<number> {
  console.error(`reproduce: Python ${jupyter.python} (${jupyter.versions})`);
  const spec = installKernel(root);
  console.error(`reproduce: tslab kernel registered at ${spec}`);

  const out = opts.outDir;
  const nbOut = join(out, "notebooks");
  const assets = join(out, "assets");
  for (const d of [out, nbOut, assets]) mkdirSync(d, { recursive: true });
  copyFileSync(plotlyScriptPath(), join(assets, "plotly.min.js"));

  const meta: ReportMeta = {
    generated: new Date().toISOString(),
    scale: opts.scale,
    commit: gitCommit(root),
    machine: `${hostname()} · ${cpus().length} cores · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version}`,
    command,
  };
  const results: NotebookResult[] = notebooks.map((p) => ({
    name: basename(p, ".ipynb"),
    title: notebookTitle(p),
    status: "pending",
    scale: opts.scale,
    claims: [],
  }));
  const writeIndex = () => {
    writeAtomic(join(out, "index.html"), renderIndex(results, meta));
    writeAtomic(join(out, "summary.json"), JSON.stringify({ meta, results }, null, 2));
  };
  writeIndex();

  const env = {
    ...jupyterEnv(root),
    SKIPLAB_SCALE: opts.scale,
    SKIPLAB_ROOT: root,
  };
  const t0 = Date.now();
  for (let i = 0; i < notebooks.length; i++) {
    const path = notebooks[i];
    const r = results[i];
    console.error(`\nreproduce [${i + 1}/${notebooks.length}] ${r.name} at scale ${opts.scale}`);
    const executed = join(nbOut, `${r.name}.ipynb`);
    const ex = await executeNotebook(path, executed, {
      python: jupyter.python,
      kernel: "tslab",
      cellTimeout: opts.cellTimeout,
      cwd: join(root, "notebooks"),
      env: { ...env, SKIPLAB_NOTEBOOK: r.name },
      onLine: (line) => process.stderr.write(`  [${r.name}] ${line}\n`),
    });
    const result: Executed = { ok: ex.status === "ok", seconds: ex.seconds, error: ex.error ?? undefined };
    r.seconds = result.seconds;
    if (existsSync(executed)) {
      r.ipynb = `notebooks/${r.name}.ipynb`;
      r.claims = extractClaims(notebookHtmlOutputs(executed));
      const html = await run(
        jupyter.python,
        ["-m", "nbconvert", "--to", "html", "--output", r.name, "--output-dir", out, executed],
        env,
        root,
        `  [${r.name} → html] `,
      );
      const htmlPath = join(out, `${r.name}.html`);
      if (html.code === 0 && existsSync(htmlPath)) {
        writeAtomic(htmlPath, linkPlotly(readFileSync(htmlPath, "utf8"), "assets/plotly.min.js"));
        r.html = `${r.name}.html`;
      } else if (result.ok) {
        result.ok = false;
        result.error = `rendering to HTML failed:\n${html.output.split("\n").slice(-20).join("\n")}`;
      }
    }
    if (result.ok) {
      const problems = claimProblems(r.claims);
      if (problems.length) {
        result.ok = false;
        result.error = `the notebook ran, but its claim check is not usable:\n${problems.map((p) => `  • ${p}`).join("\n")}`;
      }
    }
    r.status = result.ok ? "ok" : "failed";
    r.error = result.error;
    console.error(
      `reproduce: ${r.name} ${r.status} in ${result.seconds.toFixed(1)} s` +
        (r.claims.length ? ` — ${r.claims.flatMap((c) => c.checks.map((k) => k.verdict)).join(", ")}` : ""),
    );
    if (!result.ok) console.error(result.error);
    writeIndex();
  }
  let pdfOk = true;
  let pdfError = "";
  if (opts.pdf) {
    const { printPdf } = await import("../report/pdf");
    const htmlPages = [join(out, "index.html"), ...results.filter((r) => r.html).map((r) => join(out, r.html!))];
    try {
      const pdf = await printPdf(htmlPages, join(out, "report.pdf"));
      pdfOk = pdf.joined !== null;
      pdfError = pdf.note ?? "no joined report.pdf";
      meta.pdf = pdfOk ? { status: "ok", path: "report.pdf" } : { status: "failed", error: pdfError };
      console.error(`reproduce: PDF ${pdf.joined ?? pdf.pages.join(", ")}${pdf.note ? ` (${pdf.note})` : ""}`);
    } catch (e) {
      pdfOk = false;
      pdfError = (e as Error).message;
      meta.pdf = { status: "failed", error: pdfError };
      console.error(`reproduce: the PDF could not be made: ${(e as Error).message}`);
    }
    writeIndex();
  }
  const failed = results.filter((r) => r.status !== "ok");
  console.error(
    `\nreproduce: ${results.length - failed.length}/${results.length} notebooks ok in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${join(out, "index.html")}`,
  );
  if (failed.length)
    console.error(`reproduce: FAILED: ${failed.map((r) => r.name).join(", ")} (see the report for the errors)`);
  if (!pdfOk) console.error(`reproduce: FAILED: the PDF (${pdfError})`);
  return failed.length || !pdfOk ? 1 : 0;
}
