/**
 * `skiplab reproduce` (npm run reproduce): execute every notebook headless through real Jupyter at one scale and
 * render the report.
 *
 *   report/index.html                 every figure: claim, verdict, scale, backend, run time, link
 *   report/<name>.html                the executed notebook rendered by nbconvert (plotly.js linked locally)
 *   report/notebooks/<name>.ipynb     the executed notebook
 *   report/assets/plotly.min.js       the plotly.js every page uses (no CDN)
 *   report/thumbs/<name>.png          the first figure of each notebook (its static PNG), shown in the index
 *   report/summary.json               the same data as the index, machine-readable
 *
 * The index is rewritten after every notebook, so an interrupted run keeps what it finished. A run with `--only`
 * merges into the folder's earlier report: it replaces its notebooks' entries and keeps the others, each entry
 * carrying the scale, time and commit it was produced at; a full run replaces everything.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { basename, join, resolve } from "node:path";
import { plotlyScriptPath } from "../display/assets";
import { claimProblems, extractClaims } from "../report/claims";
import { SCALES, Scale, projectRoot } from "../report/context";
import { firstLines, MergeInfo, renderIndex, NotebookResult, ReportMeta } from "../report/index-page";
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
  --only          run only notebooks whose file name starts with or contains this text (repeatable); the report
                  folder keeps the other notebooks' entries from earlier runs, each with its own scale and time
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

function writeAtomic(path: string, text: string | Buffer): void {
  writeFileSync(path + ".tmp", text);
  renameSync(path + ".tmp", path);
}

const STATUSES = ["ok", "failed", "pending"];

/** Why an entry of an earlier summary.json cannot be kept (null when it can). */
function entryProblem(e: unknown): string | null {
  if (!e || typeof e !== "object" || Array.isArray(e)) return "not an object";
  const r = e as Record<string, unknown>;
  if (typeof r.name !== "string" || !/^[\w.+-]+$/.test(r.name)) return "no usable notebook name";
  if (!STATUSES.includes(r.status as string)) return `status ${JSON.stringify(r.status)}`;
  if (typeof r.scale !== "string" || typeof r.title !== "string") return "no scale or title";
  if (!Array.isArray(r.claims) || !r.claims.every((c) => c && typeof c === "object" && Array.isArray(c.checks)))
    return "no list of claim checks";
  return null;
}

/**
 * Merges this run's entries into the report folder's earlier summary.json (an `--only` run). `previous` is the
 * parsed summary.json (undefined when there is none), `fresh` this run's entries, `available` the notebooks now in
 * notebooks/ (file stems). The entries this run executes replace theirs; every other entry is kept with the scale,
 * time and commit it was produced at (an entry from before entries carried their own gets its summary's); an entry
 * whose notebook is gone from notebooks/ is dropped with a note. A summary that is not a reproduce summary is not
 * merged: the result is `fresh` with a note. Sorted by name, as a full run orders them. Pure.
 */
export function mergeSummary(
  previous: unknown,
  fresh: NotebookResult[],
  available: string[],
): { results: NotebookResult[]; info: MergeInfo; foreign: boolean } {
  const info: MergeInfo = { kept: [], replaced: [], dropped: [], notes: [] };
  const byName = (a: NotebookResult, b: NotebookResult) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (previous === undefined) return { results: [...fresh].sort(byName), info, foreign: false };
  const prev = previous as { meta?: unknown; results?: unknown };
  if (!prev || typeof prev !== "object" || Array.isArray(prev) || !Array.isArray(prev.results)) {
    info.notes.push(
      "The earlier summary.json is not a reproduce summary (no list of results): this index starts fresh.",
    );
    return { results: [...fresh].sort(byName), info, foreign: true };
  }
  const meta = (prev.meta && typeof prev.meta === "object" ? prev.meta : {}) as Partial<ReportMeta>;
  const runNames = new Set(fresh.map((r) => r.name));
  const have = new Set(available);
  const kept: NotebookResult[] = [];
  const seen = new Set<string>();
  prev.results.forEach((e, i) => {
    const problem = entryProblem(e);
    if (problem) {
      info.notes.push(`Entry ${i + 1} of the earlier summary.json could not be read (${problem}) and was left out.`);
      return;
    }
    const r = e as NotebookResult;
    if (seen.has(r.name)) return;
    seen.add(r.name);
    if (runNames.has(r.name)) return; // this run replaces it
    if (!have.has(r.name)) {
      info.dropped.push(r.name);
      info.notes.push(`${r.name} is no longer in notebooks/: its entry from an earlier run was dropped.`);
      return;
    }
    kept.push({
      ...r,
      generated: r.generated ?? (typeof meta.generated === "string" ? meta.generated : undefined),
      commit: r.commit ?? (typeof meta.commit === "string" ? meta.commit : undefined),
    });
    info.kept.push(r.name);
  });
  info.replaced = fresh.map((r) => r.name); // this run's notebooks, also those the earlier report did not have
  return { results: [...kept, ...fresh].sort(byName), info, foreign: false };
}

/** Reads a summary.json: its parsed value, nothing when there is none, or why it cannot be read. */
export function readSummary(path: string): { value?: unknown; problem?: string } {
  if (!existsSync(path)) return {};
  try {
    return { value: JSON.parse(readFileSync(path, "utf8")) };
  } catch (e) {
    return { problem: `it is not valid JSON (${(e as Error).message.split("\n")[0]})` };
  }
}

/**
 * Writes the first figure of an executed notebook (the static PNG every figure output carries, see
 * display/plotly.ts figureBundle) to `<out>/thumbs/<name>.png` as it is, and returns its link relative to `out`;
 * undefined when the notebook has no figure (or cannot be read).
 */
export function writeThumbnail(ipynb: string, out: string, name: string): string | undefined {
  let nb: { cells?: Array<{ outputs?: Array<{ data?: Record<string, string | string[]> }> }> };
  try {
    nb = JSON.parse(readFileSync(ipynb, "utf8"));
  } catch {
    return undefined;
  }
  for (const c of nb.cells ?? [])
    for (const o of c.outputs ?? []) {
      const png = o.data?.["image/png"];
      if (!png) continue;
      const bytes = Buffer.from((Array.isArray(png) ? png.join("") : png).replace(/\s+/g, ""), "base64");
      if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) continue; // not a PNG
      mkdirSync(join(out, "thumbs"), { recursive: true });
      writeAtomic(join(out, "thumbs", `${name}.png`), bytes);
      return `thumbs/${name}.png`;
    }
  return undefined;
}

/** An entry kept from an earlier run: links to files that are gone are dropped; a missing thumbnail is made. */
function refreshKept(r: NotebookResult, out: string): void {
  if (r.html && !existsSync(join(out, r.html))) delete r.html;
  if (r.ipynb && !existsSync(join(out, r.ipynb))) delete r.ipynb;
  if (r.thumb && !existsSync(join(out, r.thumb))) delete r.thumb;
  if (!r.thumb && r.ipynb) r.thumb = writeThumbnail(join(out, r.ipynb), out, r.name);
}

/** A multi-line reason for the terminal: its later lines indented under the first. */
function indentReason(reason: string, indent: number): string {
  return reason.split("\n").join("\n" + " ".repeat(indent));
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
  const fresh: NotebookResult[] = notebooks.map((p) => ({
    name: basename(p, ".ipynb"),
    title: notebookTitle(p),
    status: "pending",
    scale: opts.scale,
    claims: [],
  }));
  let results = fresh;
  const summaryPath = join(out, "summary.json");
  if (opts.only.length) {
    // --only: merge into the folder's earlier report, keeping the other notebooks' entries
    const available = readdirSync(join(root, "notebooks"))
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => basename(f, ".ipynb"));
    const prev = readSummary(summaryPath);
    let foreign = false;
    let info: MergeInfo = { kept: [], replaced: [], dropped: [], notes: [] };
    if (prev.problem) {
      foreign = true;
      info.notes.push(`The earlier summary.json could not be read (${prev.problem}): this index starts fresh.`);
    } else {
      const merged = mergeSummary(prev.value, fresh, available);
      results = merged.results;
      info = merged.info;
      foreign = merged.foreign;
    }
    if (foreign) {
      // keep the unreadable file beside the new one, so nothing is lost silently
      copyFileSync(summaryPath, summaryPath + ".unreadable");
      info.notes.push(`It was kept as summary.json.unreadable.`);
    }
    for (const r of results) if (!fresh.includes(r)) refreshKept(r, out);
    if (info.kept.length)
      console.error(
        `reproduce: --only: keeping ${info.kept.length} notebook(s) from the earlier report in ${out}: ` +
          results
            .filter((r) => !fresh.includes(r))
            .map((r) => `${r.name} (${r.scale}, ${r.generated ?? "time unknown"})`)
            .join(", "),
      );
    for (const n of info.notes) console.error(`reproduce: ${n}`);
    if (info.kept.length || info.dropped.length || info.notes.length) meta.merge = info;
  }
  const writeIndex = () => {
    writeAtomic(join(out, "index.html"), renderIndex(results, meta));
    writeAtomic(summaryPath, JSON.stringify({ meta, results }, null, 2));
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
    const r = fresh[i];
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
    let reason = ex.status === "ok" ? undefined : (ex.headline ?? firstLines(ex.error ?? ex.status));
    r.seconds = result.seconds;
    r.generated = new Date().toISOString();
    r.commit = meta.commit;
    if (existsSync(executed)) {
      r.ipynb = `notebooks/${r.name}.ipynb`;
      r.claims = extractClaims(notebookHtmlOutputs(executed));
      r.thumb = writeThumbnail(executed, out, r.name);
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
        const last = html.output
          .split("\n")
          .filter((l) => l.trim())
          .pop();
        reason = `rendering to HTML failed${last ? `: ${last.trim()}` : ""}`;
      }
    }
    if (result.ok) {
      const problems = claimProblems(r.claims);
      if (problems.length) {
        result.ok = false;
        result.error = `the notebook ran, but its claim check is not usable:\n${problems.map((p) => `  • ${p}`).join("\n")}`;
        reason = `the claim check is not usable: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`;
      }
    }
    r.status = result.ok ? "ok" : "failed";
    r.error = result.error;
    r.reason = result.ok ? undefined : reason;
    console.error(
      `reproduce: ${r.name} ${r.status} in ${result.seconds.toFixed(1)} s` +
        (r.claims.length ? ` — ${r.claims.flatMap((c) => c.checks.map((k) => k.verdict)).join(", ")}` : ""),
    );
    if (!result.ok) {
      console.error(result.error);
      console.error(
        `reproduce: ${r.name} failed: ${indentReason(r.reason ?? "", `reproduce: ${r.name} failed: `.length)}`,
      );
    }
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
  // this run's notebooks decide the exit status; the entries kept from earlier runs are only reported
  const failed = fresh.filter((r) => r.status !== "ok");
  const kept = results.filter((r) => !fresh.includes(r));
  console.error(
    `\nreproduce: ${fresh.length - failed.length}/${fresh.length} notebooks ok in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${join(out, "index.html")}` +
      (kept.length ? ` (the index also keeps ${kept.length} notebook(s) from earlier runs)` : ""),
  );
  if (failed.length) {
    console.error(`reproduce: FAILED: ${failed.map((r) => r.name).join(", ")} (see the report for the errors)`);
    const width = Math.max(...failed.map((r) => r.name.length));
    for (const r of failed)
      console.error(
        `  ${r.name.padEnd(width)}  ${indentReason(r.reason ?? firstLines(r.error ?? "unknown error"), width + 4)}`,
      );
  }
  const keptFailed = kept.filter((r) => r.status === "failed");
  if (keptFailed.length)
    console.error(
      `reproduce: note: kept from earlier runs and failed there: ${keptFailed.map((r) => r.name).join(", ")}`,
    );
  if (!pdfOk) console.error(`reproduce: FAILED: the PDF (${pdfError})`);
  return failed.length || !pdfOk ? 1 : 0;
}
