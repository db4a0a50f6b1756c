/**
 * Fault injection into the run cache: damaged, truncated and missing done.json / metrics.jsonl / checkpoint.bin, and
 * stale temporary files. Each case asserts that nothing wrong is loaded, and that a refusal names the file and a
 * command that clears it (which then works).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  type RunConfigInput,
  RunDamagedError,
  checkRun,
  executeRun,
  loadRunModel,
  loadRuns,
  runPaths,
  runSpec,
  staleTmpFiles,
} from "../../lib/src/runs";

const config: RunConfigInput = {
  model: { inputDim: 8, outputDim: 2, depth: 2, width: 8 },
  train: { epochs: 2, batchSize: 32, optimizer: "adam" },
  data: { name: "gaussian-mixture", n: 96, dim: 8, classes: 2 },
  evalAtStart: true,
};

let root: string;
let counter = 0;

/** A finished tiny run in a fresh runs root. */
async function finishedRun(seed = 0) {
  const dir = path.join(root, `c${++counter}`);
  const spec = runSpec(config, seed);
  const res = await executeRun(spec, { dir, progress: false });
  return { dir, spec, res, paths: runPaths(spec.hash, dir) };
}

/** Runs `f`, collecting executeRun's notes. */
async function withNotes<T>(f: (onNote: (m: string) => void) => Promise<T>): Promise<{ value: T; notes: string[] }> {
  const notes: string[] = [];
  const value = await f((m) => notes.push(m));
  return { value, notes };
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

async function rejected(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("run cache: fault injection", () => {
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-cache-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("done.json records the epoch and record counts and the sha256 of metrics.jsonl and the final checkpoint", async () => {
    const { res, paths } = await finishedRun();
    const c = res.done.contents!;
    expect(c.epochRecords).toBe(3); // epochs 0 (evalAtStart), 1, 2
    expect(c.records).toBe(res.records.length);
    expect(c.metrics.bytes).toBe(fs.statSync(paths.metrics).size);
    expect(c.metrics.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.checkpoint!.bytes).toBe(fs.statSync(paths.checkpoint).size);
    expect(c.checkpoint!.epoch).toBe(2);
    const check = checkRun(paths.dir, { hashes: "all" });
    expect(check.status).toBe("done");
    expect(check.unverified).toBe(false);
  });

  it("a damaged done.json: loadRuns names the file and the fix; executeRun recomputes it from its checkpoint", async () => {
    const { dir, spec, res, paths } = await finishedRun();
    fs.writeFileSync(paths.done, fs.readFileSync(paths.done, "utf8").slice(0, 60) + "\n oops");
    const e = thrown(() => loadRuns(dir));
    expect(e).toBeInstanceOf(RunDamagedError);
    expect(e.message).toContain(paths.done);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toContain(`npx skiplab runs verify --fix --dir ${dir} ${spec.hash}`);
    expect(e.message).toContain(`rm -r ${paths.dir}`);
    const { value: again, notes } = await withNotes((onNote) => executeRun(spec, { dir, progress: false, onNote }));
    expect(notes.join("\n")).toContain(paths.done);
    expect(notes.join("\n")).toMatch(/recomputing it from its last good checkpoint \(epoch 2/);
    expect(again.fromCache).toBe(false);
    expect(again.records).toEqual(res.records);
    expect(loadRuns(dir)[0].records).toEqual(res.records);
  });

  it("a missing done.json with a good checkpoint is an unfinished run: it resumes to the same records", async () => {
    const { dir, spec, res, paths } = await finishedRun();
    fs.rmSync(paths.done);
    expect(loadRuns(dir)).toEqual([]); // unfinished: not loaded
    const again = await executeRun(spec, { dir, progress: false });
    expect(again.done.resumedFrom).toBe(2);
    expect(again.records).toEqual(res.records);
  });

  it("a truncated, altered or missing metrics.jsonl is refused by loadRuns and restored from the checkpoint", async () => {
    const { dir, spec, res, paths } = await finishedRun();
    const good = fs.readFileSync(paths.metrics);
    // truncated
    fs.writeFileSync(paths.metrics, good.subarray(0, Math.floor(good.length / 2)));
    let e = thrown(() => loadRuns(dir));
    expect(e.message).toContain(paths.metrics);
    expect(e.message).toMatch(/bytes, but done\.json records \d+ \(truncated or changed\)/);
    expect(e.message).toContain("npx skiplab runs verify --fix");
    expect(() => loadRuns([spec.hash], { dir })).toThrow(RunDamagedError);
    const { value: again, notes } = await withNotes((onNote) => executeRun(spec, { dir, progress: false, onNote }));
    expect(notes.join("\n")).toContain(`${paths.metrics}`);
    expect(notes.join("\n")).toMatch(/restored it from .*checkpoint\.bin/);
    expect(again.records).toEqual(res.records);
    expect(fs.readFileSync(paths.metrics).equals(good)).toBe(true);
    // same size, different content: caught by the sha256
    const text = good.toString("utf8");
    const flipped = text.replace(/("train_loss":-?\d\.)(\d)/, (_, a: string, d: string) => a + (d === "1" ? "2" : "1"));
    expect(flipped.length).toBe(text.length);
    expect(flipped).not.toBe(text);
    fs.writeFileSync(paths.metrics, flipped);
    e = thrown(() => loadRuns(dir));
    expect(e.message).toContain(paths.metrics);
    expect(e.message).toMatch(/sha256 differs/);
    // missing
    fs.rmSync(paths.metrics);
    e = thrown(() => loadRuns(dir));
    expect(e.message).toContain(`${paths.metrics}: missing`);
    expect((await executeRun(spec, { dir, progress: false, onNote: () => {} })).records).toEqual(res.records);
    expect(fs.readFileSync(paths.metrics).equals(good)).toBe(true);
  });

  it("a done.json written by an older version (no contents): a truncated metrics.jsonl is still caught", async () => {
    const { dir, res, paths } = await finishedRun();
    const done = JSON.parse(fs.readFileSync(paths.done, "utf8"));
    delete done.contents;
    fs.writeFileSync(paths.done, JSON.stringify(done));
    const ok = checkRun(paths.dir, { hashes: "all" });
    expect(ok.status).toBe("done");
    expect(ok.unverified).toBe(true);
    expect(loadRuns(dir)[0].records).toEqual(res.records);
    const lines = fs.readFileSync(paths.metrics, "utf8").trimEnd().split("\n");
    fs.writeFileSync(paths.metrics, lines.slice(0, -1).join("\n") + "\n");
    const e = thrown(() => loadRuns(dir));
    expect(e.message).toContain(paths.metrics);
    expect(e.message).toMatch(/ends at epoch 1, but done\.json's final epoch is 2 \(truncated\?\)/);
  });

  it("a damaged checkpoint.bin of a finished run is refused, naming the file and `rm -r <run>`, which then works", async () => {
    const { dir, spec, res, paths } = await finishedRun();
    const bytes = fs.readFileSync(paths.checkpoint);
    // same size, damaged data: loadRunModel hashes the checkpoint
    const bad = Buffer.from(bytes);
    bad[bad.length - 3] ^= 0xff;
    fs.writeFileSync(paths.checkpoint, bad);
    let e = thrown(() => loadRunModel(spec.hash, dir));
    expect(e).toBeInstanceOf(RunDamagedError);
    expect(e.message).toContain(`${paths.checkpoint}: its sha256 differs`);
    expect(e.message).toContain(`clear it (it is then recomputed from scratch) with: rm -r ${paths.dir}`);
    // truncated: caught by its size wherever the run is read
    fs.writeFileSync(paths.checkpoint, bytes.subarray(0, 100));
    e = await rejected(executeRun(spec, { dir, progress: false }));
    expect(e).toBeInstanceOf(RunDamagedError);
    expect(e.message).toContain(paths.checkpoint);
    expect(e.message).toContain(`rm -r ${paths.dir}`);
    expect(e.message).not.toMatch(/same command again/);
    expect(thrown(() => loadRuns(dir)).message).toContain(paths.checkpoint);
    // the advised command works: the run is recomputed, to the same numbers
    fs.rmSync(paths.dir, { recursive: true });
    const again = await executeRun(spec, { dir, progress: false });
    const strip = (rs: typeof res.records) => rs.map(({ wall_s, ...r }) => r);
    expect(strip(again.records)).toEqual(strip(res.records));
    // missing
    fs.rmSync(paths.checkpoint);
    e = await rejected(executeRun(spec, { dir, progress: false }));
    expect(e.message).toContain(`${paths.checkpoint}: missing`);
    expect(e.message).toContain(`rm -r ${paths.dir}`);
  });

  it("a damaged config.json: loadRuns names it; executeRun (which knows the config) rewrites it with a note", async () => {
    const { dir, spec, res, paths } = await finishedRun();
    const good = fs.readFileSync(paths.config, "utf8");
    fs.writeFileSync(paths.config, good.slice(0, 40));
    const e = thrown(() => loadRuns(dir));
    expect(e.message).toContain(`${paths.config}: not valid JSON`);
    expect(e.message).toContain(`rm -r ${paths.dir}`);
    const { value, notes } = await withNotes((onNote) => executeRun(spec, { dir, progress: false, onNote }));
    expect(notes.join("\n")).toContain(`rewrote ${paths.config}`);
    expect(value.fromCache).toBe(true);
    expect(value.records).toEqual(res.records);
    expect(loadRuns(dir)[0].config).toEqual(spec.config);
  });

  it("a damaged done.json and a damaged checkpoint: refused, naming the checkpoint", async () => {
    const { dir, spec, paths } = await finishedRun();
    fs.writeFileSync(paths.done, "{");
    fs.writeFileSync(paths.checkpoint, "SKIPCKPT garbage");
    const e = await rejected(executeRun(spec, { dir, progress: false, onNote: () => {} }));
    expect(e).toBeInstanceOf(RunDamagedError);
    expect(e.message).toContain(paths.done);
    expect(e.message).toContain(paths.checkpoint);
    expect(e.message).toContain(`rm -r ${paths.dir}`);
  });

  /** A run stopped by an exception during epoch 2, after epoch 1's checkpoint. */
  async function interruptedRun(seed: number) {
    const dir = path.join(root, `c${++counter}`);
    const spec = runSpec(config, seed);
    await expect(
      executeRun(spec, {
        dir,
        progress: false,
        onEpoch: ({ epoch }) => {
          if (epoch === 2) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    return { dir, spec, paths: runPaths(spec.hash, dir) };
  }

  it("an interrupted run with a damaged checkpoint is refused (no stack), naming the file and the fix", async () => {
    const { dir, spec, paths } = await interruptedRun(5);
    expect(checkRun(paths.dir).status).toBe("partial");
    fs.writeFileSync(paths.checkpoint, fs.readFileSync(paths.checkpoint).subarray(0, 40));
    expect(checkRun(paths.dir, { hashes: "all" }).problems[0].file).toBe(paths.checkpoint);
    const e = await rejected(executeRun(spec, { dir, progress: false }));
    expect(e).toBeInstanceOf(RunDamagedError);
    expect(e.message).toContain(`${paths.checkpoint}: truncated`);
    expect(e.message).toContain(`rm -r ${paths.dir}`);
    fs.rmSync(paths.dir, { recursive: true });
    expect((await executeRun(spec, { dir, progress: false })).status).toBe("done");
  });

  it("an interrupted run whose checkpoint has a flipped bit (same size) is refused: the container's sha256 catches it", async () => {
    const { dir, spec, paths } = await interruptedRun(7);
    const bytes = fs.readFileSync(paths.checkpoint);
    for (const at of [bytes.length - 5, 40]) {
      // a parameter's bit, then a digit of the header's JSON
      const bad = Buffer.from(bytes);
      bad[at] ^= at === 40 ? 0x01 : 0x10;
      fs.writeFileSync(paths.checkpoint, bad);
      expect(checkRun(paths.dir, { hashes: "all" }).problems[0].file).toBe(paths.checkpoint);
      const e = await rejected(executeRun(spec, { dir, progress: false }));
      expect(e).toBeInstanceOf(RunDamagedError);
      expect(e.message).toMatch(
        new RegExp(`${paths.checkpoint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*(damaged|sha256)`),
      );
      expect(e.message).toContain(`rm -r ${paths.dir}`);
    }
    fs.writeFileSync(paths.checkpoint, bytes); // the intact file resumes
    expect((await executeRun(spec, { dir, progress: false })).status).toBe("done");
  });

  it("stale temporary files: a dead writer's is removed, a live writer's is kept (unless very old)", async () => {
    const dir = path.join(root, `c${++counter}`);
    const spec = runSpec(config, 6);
    const paths = runPaths(spec.hash, dir);
    fs.mkdirSync(paths.dir, { recursive: true });
    const host = os.hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host";
    const child = spawnSync(process.execPath, ["-e", "process.pid"]);
    const deadPid = child.pid!;
    const dead = `${paths.metrics}.tmp-${host}-${deadPid}-1`;
    const live = `${paths.checkpoint}.tmp-${host}-${process.ppid}-1`;
    const otherHost = `${paths.done}.tmp-elsewhere.example-${deadPid}-3`;
    const oldOther = `${paths.config}.tmp-elsewhere.example-${deadPid}-4`;
    for (const f of [dead, live, otherHost, oldOther]) fs.writeFileSync(f, "partial");
    const twoDaysAgo = (Date.now() - 48 * 3600 * 1000) / 1000;
    fs.utimesSync(oldOther, twoDaysAgo, twoDaysAgo);
    expect(staleTmpFiles(paths.dir).sort()).toEqual([dead, oldOther].sort());
    const { notes } = await withNotes((onNote) => executeRun(spec, { dir, progress: false, onNote }));
    expect(notes.join("\n")).toContain(`removed ${dead}`);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(oldOther)).toBe(false);
    expect(fs.existsSync(live)).toBe(true); // its writer may still be writing
    expect(fs.existsSync(otherHost)).toBe(true); // another host's pid cannot be checked: only age counts
    // the atomic writes name their temporary files with host and pid
    expect(
      fs
        .readdirSync(paths.dir)
        .filter((f) => f.includes(".tmp-"))
        .sort(),
    ).toEqual([path.basename(live), path.basename(otherHost)].sort());
  });
});
