/**
 * `skiplab sweep <sweep.json> [--shard i/N] [--dir DIR] [--list] [--progress auto|tty|lines|off] [--backend NAME]`
 *
 * Runs (or lists) the runs of a sweep file, or of one shard of it; finished runs are skipped, interrupted ones
 * resume. Exit status: 0 when every selected run is finished (done or diverged), 1 when some run failed, is damaged
 * or is locked by another process, 2 for usage errors. See README.md in this folder for SLURM and GNU parallel
 * recipes.
 *
 * `skiplab runs verify [--fix] [--dir DIR] [<hash>…]` checks a whole runs cache (or the runs named): one line per
 * damaged run with the file and the fix, then a summary; exit 1 when a damaged run is left.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type BackendName, initBackend } from "../engine/ladder";
import { parseArgs } from "node:util";
import { strictly } from "../cli/args";
import type { ProgressMode } from "../display/progress";
import {
  CHECKPOINT_FILE,
  CONFIG_FILE,
  DONE_FILE,
  METRICS_FILE,
  RunDamagedError,
  checkRun,
  clearRunCommand,
  describeProblems,
  executeRun,
  repairRun,
  repairRunCommand,
} from "./execute";
import { RunLockedError, acquireLock, removeStaleTmpFiles, runsRoot, shellQuote, staleTmpFiles } from "./files";
import { type SweepRun, type SweepSpec, expandSweep, parseShard, shard } from "./sweep";

export const SWEEP_USAGE = `usage: skiplab sweep <sweep.json> [--shard i/N] [--dir DIR] [--list] [--progress auto|tty|lines|off] [--backend wasm|cpu|webgpu|tensorflow]

  --shard i/N   run only shard i of N (0 ≤ i < N): the runs whose rank in hash order is ≡ i (mod N)
  --dir DIR     runs root (default: the sweep's "dir", else $SKIPLAB_RUNS_DIR, else <checkout>/data/runs)
  --list        print the selected runs and their status; compute nothing
  --progress    progress display (default auto; SKIPLAB_PROGRESS also works)
  --backend     force a tfjs backend (default: the backend ladder's choice)`;

interface Args {
  file: string;
  shard: { index: number; count: number } | null;
  dir: string | undefined;
  list: boolean;
  progress: ProgressMode | undefined;
  backend: BackendName | undefined;
}

function parseSweepArgs(argv: string[]): Args {
  const { values, positionals } = strictly(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        shard: { type: "string" },
        dir: { type: "string" },
        list: { type: "boolean" },
        "dry-run": { type: "boolean" },
        progress: { type: "string" },
        backend: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (values.help) throw new Error("help");
  if (positionals.length > 1) throw new Error(`one sweep file only (got ${positionals.join(" and ")})`);
  if (positionals.length === 0) throw new Error("missing <sweep.json>");
  return {
    file: positionals[0],
    shard: values.shard !== undefined ? parseShard(values.shard) : null,
    dir: values.dir,
    list: (values.list ?? false) || (values["dry-run"] ?? false),
    progress: values.progress as ProgressMode | undefined,
    backend: values.backend as BackendName | undefined,
  };
}

/** A run's state, cheaply checked (sizes, counts, parsing; no hashes): a damaged one is handed to executeRun. */
function status(dir: string, hash: string): "done" | "diverged" | "partial" | "new" | "damaged" {
  return checkRun(path.join(dir, hash), { hash, hashes: "none" }).status;
}

function describePoint(r: SweepRun): string {
  return Object.entries(r.point)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}

/** The CLI entry; returns the exit status. */
/** A JSON parse error with its line and column ("not valid JSON at line 3, column 7: …"). */
export function jsonErrorAt(text: string, e: Error): string {
  const m = /position (\d+)/.exec(e.message);
  if (m) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    const column = pos - before.lastIndexOf("\n");
    return `not valid JSON at line ${line}, column ${column}: ${e.message}`;
  }
  return `not valid JSON: ${e.message}${/end of JSON/i.test(e.message) ? " (the file ends early: is it complete?)" : ""}`;
}

export async function sweepCommand(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseSweepArgs(argv);
  } catch (e) {
    const m = (e as Error).message;
    console.error(m === "help" ? SWEEP_USAGE : `skiplab sweep: ${m}\n${SWEEP_USAGE}`);
    return m === "help" ? 0 : 2;
  }
  let spec: SweepSpec;
  let runs: SweepRun[];
  try {
    const text = fs.readFileSync(args.file, "utf8");
    try {
      spec = JSON.parse(text) as SweepSpec;
    } catch (e) {
      throw new Error(jsonErrorAt(text, e as Error));
    }
  } catch (e) {
    console.error(`skiplab sweep: cannot read ${args.file}: ${(e as Error).message}`);
    return 2;
  }
  try {
    runs = expandSweep(spec);
  } catch (e) {
    console.error(`skiplab sweep: ${args.file}: ${(e as Error).message}`);
    return 2;
  }
  const dir = runsRoot(args.dir ?? (spec.dir ? path.resolve(path.dirname(args.file), spec.dir) : undefined));
  const selected = args.shard
    ? shard(runs, args.shard.index, args.shard.count)
    : [...runs].sort((a, b) => (a.hash < b.hash ? -1 : 1));
  const states = selected.map((r) => status(dir, r.hash));
  const count = (s: string) => states.filter((x) => x === s).length;
  const where = args.shard ? `shard ${args.shard.index}/${args.shard.count}: ` : "";
  console.log(
    `${spec.name ?? path.basename(args.file)}: ${where}${selected.length} of ${runs.length} runs ` +
      `(${count("done")} done, ${count("diverged")} diverged, ${count("partial")} partial, ${count("new")} new` +
      `${count("damaged") ? `, ${count("damaged")} damaged` : ""}) in ${dir}`,
  );
  if (args.list) {
    selected.forEach((r, i) => console.log(`  ${r.hash}  ${states[i].padEnd(8)}  ${describePoint(r)}`));
    return 0;
  }
  try {
    const report = await initBackend(args.backend ? { force: args.backend } : {});
    console.log(`backend: ${report.description}`);
  } catch (e) {
    console.error(`skiplab sweep: ${(e as Error).message}`);
    return 1;
  }
  let failed = 0;
  let damaged = 0;
  for (let i = 0; i < selected.length; i++) {
    const r = selected[i];
    const tag = `[${i + 1}/${selected.length}] ${r.hash}`;
    if (states[i] === "done" || states[i] === "diverged") {
      console.log(`${tag} already ${states[i]}`);
      continue;
    }
    const verb = states[i] === "partial" ? "resuming" : states[i] === "damaged" ? "checking damaged run" : "starting";
    console.log(`${tag} ${verb}: ${describePoint(r)}`);
    try {
      const res = await executeRun(r, {
        dir,
        progress: args.progress,
        label: r.hash,
        onNote: (m) => console.log(`${tag} ${m}`),
      });
      const f = res.final;
      const summary = f
        ? `epoch ${f.epoch}, train loss ${f.train_loss.toPrecision(4)}${f.train_acc !== null ? `, acc ${(100 * f.train_acc).toFixed(2)}%` : ""}`
        : "no epoch finished";
      console.log(`${tag} ${res.status} (${summary}; ${res.done.wallSeconds.toFixed(1)} s)`);
      if (res.status === "diverged") console.log(res.done.message);
    } catch (e) {
      failed++;
      if (e instanceof RunLockedError) console.log(`${tag} skipped: ${e.message}`);
      else if (e instanceof RunDamagedError) {
        damaged++;
        console.error(`${tag} refused: ${e.message}`);
      } else console.error(`${tag} failed: ${(e as Error).stack ?? e}`);
    }
  }
  if (failed > damaged)
    console.log(`${failed - damaged} run(s) not finished; run the same command again to retry them.`);
  if (damaged)
    console.log(
      `${damaged} run(s) damaged: clear each with the command above, then run the same command again to recompute them.`,
    );
  return failed ? 1 : 0;
}

export const RUNS_USAGE = `usage: skiplab runs verify [--fix] [--dir DIR] [<hash>…]
       skiplab runs clear [--dir DIR] <hash>…

  verify        check every run under the runs root (or the runs named): config.json and done.json parse,
                metrics.jsonl and checkpoint.bin have the sizes, record counts and sha256 that done.json records,
                an unfinished run's checkpoint decodes; one line per damaged run with the file and the fix
  --fix         repair what can be: metrics.jsonl restored from the final checkpoint when it matches, else a run
                with an intact checkpoint is made resumable (done.json removed; its sweep resumes it), any other
                damaged run is cleared (recomputed from scratch when asked for); stale temporary files are removed
  --dir DIR     runs root (default: $SKIPLAB_RUNS_DIR, else <checkout>/data/runs)
  exit status   0 when nothing damaged is left, 1 otherwise, 2 for usage errors

  clear         remove the runs named (their whole folders: config, records, checkpoints), each under its lock, so a
                run being computed by another process is refused; a sweep that asks for one recomputes it from scratch
  exit status   0 when every run named was removed, 1 when one was missing or locked, 2 for usage errors`;

/** Removes the runs `hashes` under `root`, each under its lock; returns how many were removed and what failed. */
export function clearRuns(
  root: string,
  hashes: readonly string[],
  log: (line: string) => void = (l) => console.log(l),
): { cleared: number; failed: number } {
  let cleared = 0;
  let failed = 0;
  for (const name of hashes) {
    const dir = path.join(root, name);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      failed++;
      log(`missing   ${name}: no run at ${dir}`);
      continue;
    }
    let release: () => void;
    try {
      release = acquireLock(dir);
    } catch (e) {
      if (!(e instanceof RunLockedError)) throw e;
      failed++;
      log(`locked    ${name}: ${e.message}`);
      continue;
    }
    try {
      fs.rmSync(dir, { recursive: true, force: true }); // the lock file goes with the folder
    } catch (e) {
      release();
      throw e;
    }
    cleared++;
    log(`cleared   ${name}: removed ${dir}`);
  }
  return { cleared, failed };
}

export interface VerifySummary {
  root: string;
  checked: number;
  ok: number;
  /** Finished runs whose done.json predates the recorded contents (no checksums to compare). */
  unverified: number;
  unfinished: number;
  damaged: number;
  fixed: number;
  locked: number;
  staleTmp: number;
}

/** Checks (and with `fix`, repairs) the runs under `root`; prints one line per damaged run and a summary. */
export function verifyRuns(
  root: string,
  options: { fix?: boolean; hashes?: string[]; log?: (line: string) => void } = {},
): VerifySummary {
  const log = options.log ?? ((l: string) => console.log(l));
  const sum: VerifySummary = {
    root,
    checked: 0,
    ok: 0,
    unverified: 0,
    unfinished: 0,
    damaged: 0,
    fixed: 0,
    locked: 0,
    staleTmp: 0,
  };
  const names = options.hashes?.length ? options.hashes : fs.existsSync(root) ? fs.readdirSync(root).sort() : [];
  const runFiles = [CONFIG_FILE, DONE_FILE, METRICS_FILE, CHECKPOINT_FILE];
  for (const name of names) {
    const dir = path.join(root, name);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      if (options.hashes?.length) log(`missing   ${name}: no run at ${dir}`);
      continue;
    }
    if (!runFiles.some((f) => fs.existsSync(path.join(dir, f)))) continue; // not a run (e.g. surfaces/)
    sum.checked++;
    let release: (() => void) | null = null;
    if (options.fix) {
      try {
        release = acquireLock(dir);
      } catch (e) {
        if (!(e instanceof RunLockedError)) throw e;
        sum.locked++;
        log(`locked    ${name}: being computed by another process; not checked (run verify again later)`);
        continue;
      }
    }
    try {
      const stale = staleTmpFiles(dir);
      sum.staleTmp += stale.length;
      if (options.fix)
        for (const f of removeStaleTmpFiles(dir)) log(`removed   ${name}: ${f} (left by a killed write)`);
      else for (const f of stale) log(`stale     ${name}: ${f} (left by a killed write); --fix removes it`);
      const check = checkRun(dir, { hashes: "all" });
      if (check.status !== "damaged") {
        if (check.status === "partial" || check.status === "new") sum.unfinished++;
        else sum.ok++;
        if (check.unverified) sum.unverified++;
        continue;
      }
      const what = describeProblems(check.problems);
      const files = new Set(check.problems.map((p) => p.file));
      const resumable = !files.has(path.join(dir, CHECKPOINT_FILE)) && !files.has(path.join(dir, CONFIG_FILE));
      if (!options.fix) {
        sum.damaged++;
        log(
          `damaged   ${name}: ${what}; fix: ${resumable ? repairRunCommand(dir) : clearRunCommand(dir)}` +
            (resumable ? " (keeps its checkpoint; its sweep resumes it)" : " (recomputed from scratch when asked for)"),
        );
        continue;
      }
      const r = repairRun(dir, check);
      sum.fixed++;
      if (r.action === "refuse") {
        fs.rmSync(dir, { recursive: true, force: true });
        release = null; // the lock went with the folder
        log(`cleared   ${name}: ${what}; removed ${dir} (recomputed from scratch when asked for)`);
      } else if (r.action === "repaired") log(`repaired  ${name}: ${r.note.replace(`run ${check.hash}: `, "")}`);
      else
        log(
          `resumable ${name}: ${what}; removed ${path.join(dir, DONE_FILE)}: its sweep (or executeRun) recomputes it from ${r.checkpoint ? `its checkpoint (epoch ${r.checkpoint.epoch})` : "the start (no checkpoint)"}`,
        );
    } finally {
      release?.();
    }
  }
  const parts = [
    `${sum.ok} finished and intact${sum.unverified ? ` (${sum.unverified} unverified (written by an older version): counts and the final record checked, no checksums)` : ""}`,
    `${sum.unfinished} unfinished`,
    options.fix ? `${sum.fixed} damaged and fixed` : `${sum.damaged} damaged`,
  ];
  if (sum.locked) parts.push(`${sum.locked} locked (being computed)`);
  if (sum.staleTmp) parts.push(`${sum.staleTmp} stale temporary file(s)${options.fix ? " removed" : ""}`);
  log(`${root}: ${sum.checked} run(s) checked: ${parts.join(", ")}`);
  if (sum.damaged) log(`to fix what can be fixed: npx skiplab runs verify --fix --dir ${shellQuote(root)}`);
  return sum;
}

/** `skiplab runs …`; returns the exit status. */
export async function runsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
    console.log(RUNS_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "verify" && sub !== "clear") {
    console.error(`skiplab runs: unknown subcommand '${sub}'\n${RUNS_USAGE}`);
    return 2;
  }
  let values: { fix?: boolean; dir?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = strictly(() =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: { fix: { type: "boolean" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
      }),
    ));
    if (sub === "clear" && values.fix) throw new Error("--fix belongs to `runs verify`");
  } catch (e) {
    console.error(`skiplab runs ${sub}: ${(e as Error).message}\n${RUNS_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(RUNS_USAGE);
    return 0;
  }
  const bad = positionals.find((h) => !/^[0-9a-f]{16}$/.test(h));
  if (bad !== undefined) {
    console.error(`skiplab runs ${sub}: '${bad}' is not a run hash (16 hex digits)\n${RUNS_USAGE}`);
    return 2;
  }
  if (sub === "clear") {
    if (!positionals.length) {
      console.error(`skiplab runs clear: name the runs to remove (their hashes)\n${RUNS_USAGE}`);
      return 2;
    }
    return clearRuns(runsRoot(values.dir), positionals).failed ? 1 : 0;
  }
  const sum = verifyRuns(runsRoot(values.dir), { fix: values.fix, hashes: positionals });
  return sum.damaged ? 1 : 0;
}
