/**
 * Real process kills of `skiplab sweep` (lib/dist/cli/main.js, built by `npm test`'s pretest): SIGKILL at
 * seeded-random moments, and SIGKILL in the middle of an atomic write (the SKIPLAB_FAULT_KILL_WRITE test hook,
 * runs/files.ts). After each kill the cache holds nothing damaged and loads nothing wrong; re-running the same sweep
 * finishes it, removes the stale temporary files, and gives exactly the reference's numbers: metrics.jsonl byte for
 * byte and checkpoint.bin's arrays bit for bit, with only the wall-clock timings (`wall_s`) masked, since those
 * differ between any two runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricRecord } from "../../lib/src/train";
import { type DoneInfo, type RunRecord, decodeArrays, loadRuns, verifyRuns } from "../../lib/src/runs";

const CLI = path.join(__dirname, "../../lib/dist/cli/main.js");
const EPOCHS = 5;
/** writeFileAtomic calls per run of a fresh, uninterrupted session (evalAtStart: one metrics write before epoch 1). */
const WRITES_PER_RUN = { "config.json": 1, "metrics.jsonl": 1 + EPOCHS + 1, "checkpoint.bin": EPOCHS, "done.json": 1 };

const SWEEP = {
  name: "kill-test",
  base: {
    model: { inputDim: 8, outputDim: 3, depth: 3, width: 32 },
    train: { epochs: EPOCHS, batchSize: 32, optimizer: { type: "adam", lr: 0.003 }, logEverySteps: 5 },
    data: { name: "gaussian-mixture", n: 480, nTest: 64, dim: 8, classes: 3 },
    evalAtStart: true,
  },
  grid: { "model.skip": ["none", "identity"] },
  seeds: 2,
};

let tmp: string;
let sweepFile: string;
let refRoot: string;
/** The reference's run hashes in sweep order (hash order), its wall time and when its backend was up (ms). */
let order: string[];
let refMs: number;
let startupMs: number;
let counter = 0;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  pid: number;
  ms: number;
  /** ms from spawn to the "backend:" line (null: not reached). */
  backendMs: number | null;
}

/** Runs the CLI; with `killAfterMs`, SIGKILLs it that long after the spawn (unless it has exited). */
function cli(args: string[], options: { env?: Record<string, string>; killAfterMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SKIPLAB_BACKEND: "wasm", SKIPLAB_PROGRESS: "off" };
    delete env.SKIPLAB_FAULT_KILL_WRITE;
    Object.assign(env, options.env);
    const t0 = performance.now();
    const p: ChildProcess = spawn(process.execPath, [CLI, ...args], { env });
    let out = "";
    let backendMs: number | null = null;
    p.stdout!.on("data", (d) => {
      out += d;
      if (backendMs === null && /^backend:/m.test(out)) backendMs = performance.now() - t0;
    });
    p.stderr!.on("data", (d) => (out += d));
    const timer =
      options.killAfterMs !== undefined ? setTimeout(() => p.kill("SIGKILL"), options.killAfterMs) : undefined;
    p.on("error", reject);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, pid: p.pid!, ms: performance.now() - t0, backendMs });
    });
  });
}

const sweep = (root: string, options: Parameters<typeof cli>[1] = {}) =>
  cli(["sweep", sweepFile, "--dir", root, "--progress", "off"], options);

function freshRoot(): string {
  return path.join(tmp, `case-${++counter}`);
}

/** Every file under `dir`, recursively. */
function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const tmpFiles = (root: string) => walk(root).filter((f) => /\.tmp-/.test(path.basename(f)));

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** A metric record without its wall-clock time. */
const maskRecord = ({ wall_s, ...r }: MetricRecord) => r;
/** metrics.jsonl's bytes with every `"wall_s":<number>` replaced by `"wall_s":0`. */
const maskMetricsText = (text: string) => text.replace(/"wall_s":[^,}\n]+/g, '"wall_s":0');

/** A checkpoint: the sha256 of its raw data section (the float32 arrays as stored), its array table and its meta. */
function checkpointDigest(file: string) {
  const bytes = fs.readFileSync(file);
  const { arrays, meta } = decodeArrays(bytes, file);
  const headerLength = bytes.readUInt32LE(12);
  return {
    data: sha256(bytes.subarray(Math.ceil((16 + headerLength) / 4) * 4)),
    arrays: arrays.map((a) => ({ name: a.name, shape: a.shape })),
    meta: { ...meta, records: (meta.records as MetricRecord[]).map(maskRecord) } as Record<string, unknown>,
  };
}

/** What must agree between a run and its reference (nothing time-dependent). */
function doneDigest(d: DoneInfo) {
  return {
    hash: d.hash,
    status: d.status,
    epochs: d.epochs,
    steps: d.steps,
    final: d.final && maskRecord(d.final),
    backend: d.backend,
    matmul: d.matmul,
    epochRecords: d.contents?.epochRecords,
    records: d.contents?.records,
    checkpointEpoch: d.contents?.checkpoint?.epoch,
  };
}
const recordDigest = (r: RunRecord) => ({
  hash: r.hash,
  seed: r.seed,
  config: r.config,
  status: r.status,
  done: r.done && doneDigest(r.done),
  records: r.records.map(maskRecord),
});

/** verifyRuns in this process, its lines captured. */
function verifyHere(root: string) {
  const lines: string[] = [];
  const sum = verifyRuns(root, { log: (l) => lines.push(l) });
  return { sum, lines };
}

/** After a kill: nothing is damaged, and every finished run loads exactly as the reference's. */
function expectNothingLoadedWrong(root: string, what: string) {
  const { sum, lines } = verifyHere(root);
  expect(sum.damaged, `${what}: verify\n${lines.join("\n")}`).toBe(0);
  const ref = new Map(loadRuns(refRoot).map((r) => [r.hash, recordDigest(r)]));
  for (const r of loadRuns(root)) expect(recordDigest(r), `${what}: run ${r.hash}`).toEqual(ref.get(r.hash));
}

/** The finished cache in `root` is the reference's: same runs, same bytes (timings masked), verified, no tmp files. */
async function expectSameAsReference(root: string) {
  expect(fs.readdirSync(root).sort()).toEqual(order);
  for (const h of order) {
    const [a, b] = [path.join(root, h), path.join(refRoot, h)];
    expect(maskMetricsText(fs.readFileSync(path.join(a, "metrics.jsonl"), "utf8")), `${h} metrics.jsonl`).toBe(
      maskMetricsText(fs.readFileSync(path.join(b, "metrics.jsonl"), "utf8")),
    );
    expect(checkpointDigest(path.join(a, "checkpoint.bin")), `${h} checkpoint.bin`).toEqual(
      checkpointDigest(path.join(b, "checkpoint.bin")),
    );
    const done = (d: string) => doneDigest(JSON.parse(fs.readFileSync(path.join(d, "done.json"), "utf8")) as DoneInfo);
    expect(done(a), `${h} done.json`).toEqual(done(b));
  }
  expect(tmpFiles(root)).toEqual([]);
  const v = await cli(["runs", "verify", "--dir", root]);
  expect(v.code, v.out).toBe(0);
  expect(v.out.trim()).toBe(
    `${root}: ${order.length} run(s) checked: ${order.length} finished and intact, 0 unfinished, 0 damaged`,
  );
  expect(loadRuns(root).map(recordDigest)).toEqual(loadRuns(refRoot).map(recordDigest));
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Six cases of 1–3 kills in a row, each at a fraction of the way from the backend being up to the reference's end. */
const random = rng(20240611);
const CASES = Array.from({ length: 6 }, () =>
  Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.round(random() * 100) / 100),
);

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-kill-"));
  sweepFile = path.join(tmp, "sweep.json");
  fs.writeFileSync(sweepFile, JSON.stringify(SWEEP, null, 2));
  refRoot = path.join(tmp, "reference");
  const ref = await sweep(refRoot);
  expect(ref.code, ref.out).toBe(0);
  order = fs.readdirSync(refRoot).sort();
  expect(order.length).toBe(4);
  refMs = ref.ms;
  startupMs = ref.backendMs!;
  expect(tmpFiles(refRoot)).toEqual([]);
}, 60_000);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("skiplab sweep killed (SIGKILL) at seeded-random moments, then re-run", () => {
  for (const [i, fractions] of CASES.entries()) {
    const name = fractions.map((f) => `${Math.round(f * 100)}%`).join(", then ");
    it(`case ${i + 1}: killed at ${name} of the run; the re-run finishes with the reference's bytes`, async () => {
      const root = freshRoot();
      const outcomes: string[] = [];
      for (const f of fractions) {
        const delay = startupMs + f * (refMs - startupMs);
        const r = await sweep(root, { killAfterMs: delay });
        outcomes.push(`${Math.round(delay)} ms: ${r.signal ?? `exit ${r.code}`}`);
        // killed, or it finished first (a resumed session is shorter than the reference)
        expect(r.signal === "SIGKILL" || r.code === 0, r.out).toBe(true);
        expectNothingLoadedWrong(root, outcomes.join("; "));
      }
      const last = await sweep(root);
      expect(last.code, `${outcomes.join("; ")}\n${last.out}`).toBe(0);
      await expectSameAsReference(root);
    }, 60_000);
  }
});

describe("skiplab sweep killed in the middle of an atomic write (SKIPLAB_FAULT_KILL_WRITE), then re-run", () => {
  // [file, n]: the n-th write of that file in the child, counted across the sweep's runs (in hash order)
  const cases: [keyof typeof WRITES_PER_RUN, number, string][] = [
    ["metrics.jsonl", 10, "run 2, the records after its epoch 2"],
    ["checkpoint.bin", 8, "run 2, its epoch-3 checkpoint"],
    ["config.json", 3, "run 3, its first write"],
    ["done.json", 4, "the last run's, the sweep's final write"],
  ];
  for (const [file, n, where] of cases) {
    it(`${file}:${n} (${where}): half a temporary file, no damage; the re-run removes it and matches the reference`, async () => {
      const root = freshRoot();
      const killed = await sweep(root, { env: { SKIPLAB_FAULT_KILL_WRITE: `${file}:${n}` } });
      expect(killed.signal, killed.out).toBe("SIGKILL");
      expect(killed.code).toBe(null);
      const run = order[Math.ceil(n / WRITES_PER_RUN[file]) - 1];
      const dir = path.join(root, run);
      // exactly one temporary file, of that file, by the killed child, holding a partial write
      const host = os.hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host";
      const left = tmpFiles(root);
      expect(left.length, left.join("\n")).toBe(1);
      const tmpFile = left[0];
      expect(path.dirname(tmpFile)).toBe(dir);
      expect(path.basename(tmpFile)).toMatch(
        new RegExp(`^${file.replace(".", "\\.")}\\.tmp-${host}-${killed.pid}-\\d+$`),
      );
      const partial = fs.readFileSync(tmpFile);
      expect(partial.length).toBeGreaterThan(0);
      if (file === "checkpoint.bin") expect(() => decodeArrays(partial, tmpFile)).toThrow(/truncated/);
      else if (file === "metrics.jsonl") {
        const whole = maskMetricsText(fs.readFileSync(path.join(refRoot, run, file), "utf8"));
        expect(whole.startsWith(maskMetricsText(partial.toString("utf8"))), partial.toString("utf8")).toBe(true);
      } else expect(() => JSON.parse(partial.toString("utf8"))).toThrow();
      // the file itself is the previous version (or absent), never the partial one
      const target = path.join(dir, file);
      if (file === "config.json" || file === "done.json") expect(fs.existsSync(target)).toBe(false);
      if (file === "checkpoint.bin") expect(checkpointDigest(target).meta.epoch).toBe(2);
      // metrics.jsonl as written after epoch 1: evalAtStart's epoch 0, then epoch 1 (15 steps, a line every 5)
      if (file === "metrics.jsonl")
        expect(
          fs
            .readFileSync(target, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l).kind),
        ).toEqual(["epoch", ...Array(3).fill("step"), "epoch"]);
      expectNothingLoadedWrong(root, `${file}:${n}`);

      const again = await sweep(root);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain(`run ${run}: removed ${tmpFile} (left by a killed write)`);
      await expectSameAsReference(root);
    }, 60_000);
  }
});

describe("skiplab runs verify (no --fix) after a mid-write kill", () => {
  it("reports the run as unfinished and the temporary file as stale, not damaged; exit 0", async () => {
    const root = freshRoot();
    // run 3's epoch-3 checkpoint: runs 1 and 2 are finished, run 3 has its epoch-2 checkpoint
    const n = 2 * WRITES_PER_RUN["checkpoint.bin"] + 3;
    const killed = await sweep(root, { env: { SKIPLAB_FAULT_KILL_WRITE: `checkpoint.bin:${n}` } });
    expect(killed.signal, killed.out).toBe("SIGKILL");
    const [tmpFile] = tmpFiles(root);
    expect(tmpFile).toBeDefined();
    const v = await cli(["runs", "verify", "--dir", root]);
    expect(v.code, v.out).toBe(0);
    expect(v.out.trim().split("\n")).toEqual([
      `stale     ${order[2]}: ${tmpFile} (left by a killed write); --fix removes it`,
      `${root}: 3 run(s) checked: 2 finished and intact, 1 unfinished, 0 damaged, 1 stale temporary file(s)`,
    ]);
    const again = await sweep(root);
    expect(again.code, again.out).toBe(0);
    await expectSameAsReference(root);
  }, 60_000);
});
