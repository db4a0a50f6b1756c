/**
 * `skiplab sweep <sweep.json> [--shard i/N] [--dir DIR] [--list] [--progress auto|tty|lines|off] [--backend NAME]`
 *
 * Runs (or lists) the runs of a sweep file, or of one shard of it; finished runs are skipped, interrupted ones
 * resume. Exit status: 0 when every selected run is finished (done or diverged), 1 when some run failed or is locked
 * by another process, 2 for usage errors. See README.md in this folder for SLURM and GNU parallel recipes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type BackendName, initBackend } from "../engine/ladder";
import { parseArgs } from "node:util";
import { strictly } from "../cli/args";
import type { ProgressMode } from "../display/progress";
import { CHECKPOINT_FILE, DONE_FILE, type DoneInfo, executeRun } from "./execute";
import { RunLockedError, readJson, runsRoot } from "./files";
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

function status(dir: string, hash: string): "done" | "diverged" | "partial" | "new" {
  const d = path.join(dir, hash);
  if (fs.existsSync(path.join(d, DONE_FILE))) return readJson<DoneInfo>(path.join(d, DONE_FILE)).status;
  return fs.existsSync(path.join(d, CHECKPOINT_FILE)) ? "partial" : "new";
}

function describePoint(r: SweepRun): string {
  return Object.entries(r.point)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}

/** The CLI entry; returns the exit status. */
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
    spec = JSON.parse(fs.readFileSync(args.file, "utf8")) as SweepSpec;
    runs = expandSweep(spec);
  } catch (e) {
    console.error(`skiplab sweep: cannot read ${args.file}: ${(e as Error).message}`);
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
      `(${count("done")} done, ${count("diverged")} diverged, ${count("partial")} partial, ${count("new")} new) in ${dir}`,
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
  for (let i = 0; i < selected.length; i++) {
    const r = selected[i];
    const tag = `[${i + 1}/${selected.length}] ${r.hash}`;
    if (states[i] === "done" || states[i] === "diverged") {
      console.log(`${tag} already ${states[i]}`);
      continue;
    }
    console.log(`${tag} ${states[i] === "partial" ? "resuming" : "starting"}: ${describePoint(r)}`);
    try {
      const res = await executeRun(r, { dir, progress: args.progress, label: r.hash });
      const f = res.final;
      const summary = f
        ? `epoch ${f.epoch}, train loss ${f.train_loss.toPrecision(4)}${f.train_acc !== null ? `, acc ${(100 * f.train_acc).toFixed(2)}%` : ""}`
        : "no epoch finished";
      console.log(`${tag} ${res.status} (${summary}; ${res.done.wallSeconds.toFixed(1)} s)`);
      if (res.status === "diverged") console.log(res.done.message);
    } catch (e) {
      failed++;
      if (e instanceof RunLockedError) console.log(`${tag} skipped: ${e.message}`);
      else console.error(`${tag} failed: ${(e as Error).stack ?? e}`);
    }
  }
  if (failed) console.log(`${failed} run(s) not finished; run the same command again to retry them.`);
  return failed ? 1 : 0;
}
