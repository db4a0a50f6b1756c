/**
 * Loss surfaces around a finished run's parameters as cached, sharded computations (docs/spec/p3.md §3.1: Li et
 * al.'s 51×51 surface over all of CIFAR-10 is hours of forward passes, so it runs one grid row per shard).
 *
 * A surface is named by its spec — the run, the examples, the grid, the direction seed and the normalisation — and
 * stored under `<runs root>/surfaces/<hash>/`:
 *
 *   spec.json        the spec (written by the first shard)
 *   row-<j>.json     row j of the grid: { j, y, losses: [f(x_0, y_j), …] } (written atomically when it finishes)
 *
 * Shard i of N computes the rows j with j mod N = i that are not on disk yet, so an interrupted shard resumes where
 * it stopped, and shards on different machines share nothing but the folder. Every shard draws the same two
 * filter-normalised directions from the spec's seed and the run's final parameters (metrics/loss-surface.ts), so the
 * assembled rows belong to one surface. `assembleSurface` reads the rows back and names the missing ones.
 *
 * The loss is the run's training loss on its first `examples` training examples, BN in inference mode (as Li et al.'s
 * `eval_loss`, which puts the net in eval mode), computed in batches of `batch`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { type GridAxis, gridPoints, lossSurface } from "../metrics/loss-surface";
import { networkParamSet } from "../metrics/network-context";
import { loadRunWithData, runPaths, trainingSlice } from "./execute";
import { findCheckoutRoot, readJson, runsRoot, writeJsonAtomic } from "./files";

/** What a surface is (every field is part of its hash). */
export interface SurfaceSpec {
  /** The finished run whose final parameters are the centre θ*. */
  run: string;
  /** The loss is over the first `examples` training examples of the run's data. */
  examples: number;
  x: GridAxis;
  y: GridAxis;
  /** Seed of the two random directions. */
  seed: number;
  /** Li et al.'s `--xnorm filter --xignore biasbn` by default. */
  norm: "filter" | "layer" | "none";
  ignore: "biasbn" | "none";
}

export type SurfaceSpecInput = Omit<SurfaceSpec, "norm" | "ignore"> & Partial<Pick<SurfaceSpec, "norm" | "ignore">>;

/** Fills the defaults and checks the spec. */
export function surfaceSpec(input: SurfaceSpecInput): SurfaceSpec {
  const s: SurfaceSpec = {
    run: input.run,
    examples: input.examples,
    x: { ...input.x },
    y: { ...input.y },
    seed: input.seed,
    norm: input.norm ?? "filter",
    ignore: input.ignore ?? "biasbn",
  };
  if (typeof s.run !== "string" || !/^[0-9a-f]{8,}$/.test(s.run))
    throw new Error(`surface spec: run must be a run hash, got ${JSON.stringify(s.run)}`);
  if (!(Number.isInteger(s.examples) && s.examples >= 1))
    throw new Error(`surface spec: examples must be a positive integer, got ${s.examples}`);
  if (!Number.isInteger(s.seed)) throw new Error(`surface spec: seed must be an integer, got ${s.seed}`);
  gridPoints(s.x);
  gridPoints(s.y);
  return s;
}

/** The content hash of a surface spec (16 hex digits). */
export function surfaceHash(spec: SurfaceSpec): string {
  const s = surfaceSpec(spec);
  const canonical = JSON.stringify([
    s.run,
    s.examples,
    s.x.min,
    s.x.max,
    s.x.num,
    s.y.min,
    s.y.max,
    s.y.num,
    s.seed,
    s.norm,
    s.ignore,
  ]);
  return createHash("sha256").update(`surface:${canonical}`).digest("hex").slice(0, 16);
}

export function surfacePaths(spec: SurfaceSpec, dir?: string) {
  const root = path.join(runsRoot(dir), "surfaces", surfaceHash(spec));
  return { dir: root, spec: path.join(root, "spec.json"), row: (j: number) => path.join(root, `row-${j}.json`) };
}

interface RowFile {
  j: number;
  y: number;
  losses: Array<number | null>;
}

/** Rows of shard `index` of `count` (j mod count = index). */
export function shardRows(rows: number, index: number, count: number): number[] {
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count))
    throw new Error(`surface shard: needs 0 ≤ i < N, got ${index}/${count}`);
  return Array.from({ length: rows }, (_, j) => j).filter((j) => j % count === index);
}

export interface SurfaceShardResult {
  hash: string;
  computed: number[];
  /** Rows of this shard already on disk. */
  cached: number[];
  seconds: number;
}

/**
 * Computes shard `index` of `count` of a surface (the rows not yet stored). The run's data provider must be
 * registered (`registerExperiments()`); the run must be finished.
 */
export async function computeSurfaceShard(
  input: SurfaceSpecInput,
  shard: { index: number; count: number } = { index: 0, count: 1 },
  o: { dir?: string; batch?: number; log?: (line: string) => void } = {},
): Promise<SurfaceShardResult> {
  const t0 = performance.now();
  const spec = surfaceSpec(input);
  const paths = surfacePaths(spec, o.dir);
  const run = runPaths(spec.run, o.dir);
  if (!fs.existsSync(run.done))
    throw new Error(`surface: run ${spec.run} is not finished (no ${run.done}); compute it first, then the surface`);
  if (!fs.existsSync(paths.spec)) writeJsonAtomic(paths.spec, spec);
  const ys = gridPoints(spec.y);
  const mine = shardRows(ys.length, shard.index, shard.count);
  const cached = mine.filter((j) => fs.existsSync(paths.row(j)));
  const todo = mine.filter((j) => !cached.includes(j));
  if (todo.length === 0) return { hash: surfaceHash(spec), computed: [], cached, seconds: 0 };

  const { model, data } = await loadRunWithData(spec.run, o.dir);
  const n = Math.min(spec.examples, data.train.n);
  const batch = Math.max(1, o.batch ?? 1000);
  const batches: Array<{ x: tf.Tensor2D; y: tf.Tensor; w: number }> = [];
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    batches.push({ ...trainingSlice(data.train, s, m), w: m / n });
  }
  // the mean loss over the examples: batch means weighted by batch size
  const loss = () =>
    tf.tidy(
      () =>
        batches
          .map((b) =>
            tf.mul(
              model.loss(model.forward(b.x, { training: false, updateStats: false }).output, b.y as tf.Tensor1D),
              b.w,
            ),
          )
          .reduce((a, v) => tf.add(a, v)) as tf.Scalar,
    );
  try {
    await lossSurface(loss, networkParamSet(model), {
      seed: spec.seed,
      x: spec.x,
      y: spec.y,
      norm: spec.norm,
      ignore: spec.ignore,
      rows: todo,
      onRow: (j, losses) => {
        const row: RowFile = { j, y: ys[j], losses: Array.from(losses, (v) => (Number.isFinite(v) ? v : null)) };
        writeJsonAtomic(paths.row(j), row);
        o.log?.(`surface ${surfaceHash(spec)}: row ${j + 1}/${ys.length} done`);
      },
    });
  } finally {
    model.dispose();
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  }
  return { hash: surfaceHash(spec), computed: todo, cached, seconds: (performance.now() - t0) / 1000 };
}

/** A surface read back from its rows. */
export interface AssembledSurface {
  spec: SurfaceSpec;
  hash: string;
  x: Float64Array;
  y: Float64Array;
  /** Row-major [y.num, x.num]; NaN for a missing row (and for a non-finite loss). */
  losses: Float64Array;
  /** Rows not on disk yet. */
  missing: number[];
}

/** Reads a surface's rows (missing rows are NaN and listed; `requireComplete` throws instead, naming them). */
export function assembleSurface(
  input: SurfaceSpecInput,
  o: { dir?: string; requireComplete?: boolean } = {},
): AssembledSurface {
  const spec = surfaceSpec(input);
  const paths = surfacePaths(spec, o.dir);
  const x = gridPoints(spec.x);
  const y = gridPoints(spec.y);
  const losses = new Float64Array(x.length * y.length).fill(NaN);
  const missing: number[] = [];
  for (let j = 0; j < y.length; j++) {
    if (!fs.existsSync(paths.row(j))) {
      missing.push(j);
      continue;
    }
    const row = readJson<RowFile>(paths.row(j));
    if (row.j !== j || row.losses.length !== x.length)
      throw new Error(`surface ${surfaceHash(spec)}: ${paths.row(j)} does not hold row ${j} of ${x.length} points`);
    row.losses.forEach((v, i) => (losses[j * x.length + i] = v === null ? NaN : v));
  }
  if (missing.length && o.requireComplete)
    throw new Error(
      `surface ${surfaceHash(spec)}: rows ${missing.join(", ")} of ${y.length} are missing; run its shards (npx skiplab surface <spec.json> --shard i/N) until every row is stored`,
    );
  return { spec, hash: surfaceHash(spec), x, y, losses, missing };
}

export const SURFACE_USAGE = `usage: skiplab surface <surface.json>… [--shard i/N] [--dir DIR] [--status]
  Computes the rows of shard i of N of each loss surface (a SurfaceSpec as JSON: run, examples, x, y, seed[, norm,
  ignore]) that are not stored yet, under <runs root>/surfaces/<hash>/; --status lists the stored and missing rows.
  Shards resume where they stopped; run them concurrently or on different machines, e.g.
    parallel -j 2 --line-buffer npx skiplab surface s.json --shard {}/2 ::: 0 1`;

/** The `skiplab surface` command; returns the exit status. The experiments' data providers must be registered. */
export async function surfaceCommand(argv: string[]): Promise<number> {
  const { parseShard } = await import("./sweep");
  const files = argv.filter((a, i) => !a.startsWith("--") && !["--shard", "--dir"].includes(argv[i - 1] ?? ""));
  const opt = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (files.length === 0 || argv.includes("--help")) {
    console.error(SURFACE_USAGE);
    return files.length ? 0 : 2;
  }
  const specs: SurfaceSpec[] = [];
  let shard = { index: 0, count: 1 };
  try {
    for (const f of files) specs.push(surfaceSpec(readJson<SurfaceSpecInput>(f)));
    if (opt("shard")) shard = parseShard(opt("shard")!);
  } catch (e) {
    console.error(`skiplab surface: ${(e as Error).message}\n${SURFACE_USAGE}`);
    return 2;
  }
  const dir = opt("dir");
  if (argv.includes("--status")) {
    for (const spec of specs) {
      const a = assembleSurface(spec, { dir });
      console.log(
        `surface ${a.hash}: ${a.y.length - a.missing.length}/${a.y.length} rows stored${a.missing.length ? `; missing ${a.missing.join(", ")}` : ""}`,
      );
    }
    return 0;
  }
  const { initBackend } = await import("../engine/ladder");
  await initBackend();
  try {
    for (const spec of specs) {
      const r = await computeSurfaceShard(spec, shard, { dir });
      console.log(
        `surface ${r.hash}, shard ${shard.index}/${shard.count}: ${r.computed.length} rows computed, ${r.cached.length} already stored (${r.seconds.toFixed(1)} s)`,
      );
    }
    return 0;
  } catch (e) {
    console.error(`skiplab surface: ${(e as Error).message}`);
    return 1;
  }
}

/**
 * Writes the surfaces' spec files (`<runs root>/surfaces/<hash>.json`) and returns the command of each shard, as a
 * user types it at the checkout root (no --dir for the default runs root; files outside the checkout by absolute
 * path): for a scheduler, or to show before computing.
 */
export function surfaceShardCommands(
  inputs: readonly SurfaceSpecInput[],
  o: { shards: number; dir?: string },
): { files: string[]; commands: string[] } {
  const root = runsRoot(o.dir);
  const files = inputs.map(surfaceSpec).map((s) => {
    const f = path.join(root, "surfaces", `${surfaceHash(s)}.json`);
    writeJsonAtomic(f, s);
    return f;
  });
  const base = findCheckoutRoot(process.cwd()) ?? process.cwd();
  const dirArg = root === runsRoot() ? "" : ` --dir ${root}`;
  const shown = files.map((f) => (path.relative(base, f).startsWith("..") ? f : path.relative(base, f))).join(" ");
  const commands = Array.from(
    { length: o.shards },
    (_, i) => `npx skiplab surface ${shown} --shard ${i}/${o.shards}${dirArg}`,
  );
  return { files, commands };
}

/**
 * Computes surfaces as `shards` `skiplab surface` processes (shard i of N each, over every spec; at most
 * `concurrency` at once, default one per core), then returns them assembled. The spec files go to `<runs root>/surfaces/<hash>.json`; `log` gets one line per shard.
 * Returns the command each process runs, as typed at the checkout root, for the notebook to show.
 */
export async function computeSurfacesSharded(
  inputs: readonly SurfaceSpecInput[],
  o: { shards?: number; concurrency?: number; dir?: string; log?: (line: string) => void } = {},
): Promise<{ surfaces: AssembledSurface[]; commands: string[]; seconds: number }> {
  const { spawn } = await import("node:child_process");
  const t0 = performance.now();
  const shards = Math.max(1, o.shards ?? 2);
  const specs = inputs.map(surfaceSpec);
  const root = runsRoot(o.dir);
  const { files, commands } = surfaceShardCommands(specs, { shards, dir: o.dir });
  const todo = specs.some((s) => assembleSurface(s, { dir: o.dir }).missing.length > 0);
  // this module's sibling CLI when it runs built; the checkout's build when it runs from source (tests)
  const local = path.join(__dirname, "..", "cli", "main.js");
  const cli = fs.existsSync(local)
    ? local
    : path.join(findCheckoutRoot(__dirname) ?? process.cwd(), "lib", "dist", "cli", "main.js");
  if (!fs.existsSync(cli)) throw new Error(`surface shards: the skiplab CLI is not built (${cli}); run npm run build`);
  if (todo) {
    const runOne = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const t1 = performance.now();
        const p = spawn(process.execPath, [cli, "surface", ...files, "--shard", `${i}/${shards}`, "--dir", root], {
          env: { ...process.env, SKIPLAB_PROGRESS: "off" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        p.stdout.on("data", (d: Buffer) => (out += String(d)));
        p.stderr.on("data", (d: Buffer) => (err += String(d)));
        p.on("close", (code) => {
          if (code !== 0) {
            reject(
              new Error(`surface shard ${i}/${shards} exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`),
            );
            return;
          }
          // one line per shard: its rows over every surface
          let computed = 0;
          let stored = 0;
          for (const m of out.matchAll(/: (\d+) rows computed, (\d+) already stored/g)) {
            computed += Number(m[1]);
            stored += Number(m[2]);
          }
          o.log?.(
            `shard ${i}/${shards}: ${computed} rows computed, ${stored} already stored, over ${specs.length} surfaces (${((performance.now() - t1) / 1000).toFixed(1)} s)`,
          );
          resolve();
        });
      });
    // at most `concurrency` processes at once (default: one per core); the other shards wait their turn
    const { cpus } = await import("node:os");
    const pool = Math.max(1, Math.min(shards, o.concurrency ?? cpus().length));
    let next = 0;
    await Promise.all(
      Array.from({ length: pool }, async () => {
        while (next < shards) await runOne(next++);
      }),
    );
  }
  return {
    surfaces: specs.map((s) => assembleSurface(s, { dir: o.dir, requireComplete: true })),
    commands,
    seconds: (performance.now() - t0) / 1000,
  };
}
