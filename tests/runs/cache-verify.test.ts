/**
 * `skiplab runs verify [--fix]` over a cache with intact, old-format, damaged and unfinished runs and a stale
 * temporary file; and `skiplab sweep` on a damaged cache (never "already done" for a truncated run).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  type RunConfigInput,
  type SweepSpec,
  executeRun,
  expandSweep,
  loadRuns,
  runPaths,
  runSpec,
  runsCommand,
  sweepCommand,
} from "../../lib/src/runs";

const config: RunConfigInput = {
  model: { inputDim: 8, outputDim: 2, depth: 2, width: 8 },
  train: { epochs: 2, batchSize: 32, optimizer: "adam" },
  data: { name: "gaussian-mixture", n: 96, dim: 8, classes: 2 },
};

/** Runs the command with console.log / console.error captured. */
async function capture(f: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a) => void lines.push(a.join(" ")));
  const err = vi.spyOn(console, "error").mockImplementation((...a) => void lines.push(a.join(" ")));
  const warn = vi.spyOn(console, "warn").mockImplementation((...a) => void lines.push(a.join(" ")));
  try {
    return { code: await f(), out: lines.join("\n") };
  } finally {
    log.mockRestore();
    err.mockRestore();
    warn.mockRestore();
  }
}

describe("skiplab runs verify", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-verify-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("prints one line per damaged run with the file and the fix, a summary, exit 1; --fix repairs or clears", async () => {
    const dir = path.join(root, "cache");
    const specs = [0, 1, 2, 3, 4, 5].map((s) => runSpec(config, s));
    const [ok, old, badDone, badMetrics, badCkpt, partial] = specs;
    for (const s of specs.slice(0, 5)) await executeRun(s, { dir, progress: false });
    await expect(
      executeRun(partial, {
        dir,
        progress: false,
        onEpoch: ({ epoch }) => {
          if (epoch === 2) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const p = (s: (typeof specs)[number]) => runPaths(s.hash, dir);
    const good = fs.readFileSync(p(ok).metrics);
    // an older version's done.json
    const oldDone = JSON.parse(fs.readFileSync(p(old).done, "utf8"));
    delete oldDone.contents;
    fs.writeFileSync(p(old).done, JSON.stringify(oldDone));
    // damage
    fs.writeFileSync(p(badDone).done, '{"hash": "x", status: done}');
    const m = fs.readFileSync(p(badMetrics).metrics);
    fs.writeFileSync(p(badMetrics).metrics, m.subarray(0, m.length - 20));
    const c = Buffer.from(fs.readFileSync(p(badCkpt).checkpoint));
    c[c.length - 1] ^= 0x55;
    fs.writeFileSync(p(badCkpt).checkpoint, c);
    // a stale temporary file (dead writer on this host)
    const host = os.hostname().replace(/[^A-Za-z0-9.]/g, "_") || "host";
    const deadPid = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const tmp = `${p(ok).metrics}.tmp-${host}-${deadPid}-7`;
    fs.writeFileSync(tmp, good.subarray(0, 10));
    fs.mkdirSync(path.join(dir, "surfaces"), { recursive: true }); // not a run: ignored

    const r1 = await capture(() => runsCommand(["verify", "--dir", dir]));
    expect(r1.code).toBe(1);
    const lines = r1.out.split("\n");
    const line = (s: (typeof specs)[number]) => lines.filter((l) => l.includes(s.hash) && l.startsWith("damaged"));
    expect(line(ok)).toEqual([]);
    expect(line(old)).toEqual([]);
    expect(line(partial)).toEqual([]);
    expect(line(badDone)).toHaveLength(1);
    expect(line(badDone)[0]).toContain(`${p(badDone).done}: not valid JSON`);
    expect(line(badDone)[0]).toContain(`fix: npx skiplab runs verify --fix --dir ${dir} ${badDone.hash}`);
    expect(line(badMetrics)[0]).toContain(`${p(badMetrics).metrics}: `);
    expect(line(badMetrics)[0]).toContain("truncated or changed");
    expect(line(badMetrics)[0]).toContain(`fix: npx skiplab runs verify --fix --dir ${dir} ${badMetrics.hash}`);
    expect(line(badCkpt)[0]).toContain(`${p(badCkpt).checkpoint}: its sha256 differs`);
    expect(line(badCkpt)[0]).toContain(`fix: rm -r ${p(badCkpt).dir}`);
    expect(r1.out).toContain(`stale     ${ok.hash}: ${tmp}`);
    expect(r1.out).toContain(
      `${dir}: 6 run(s) checked: 2 finished and intact (1 unverified (written by an older version): counts and the final record checked, no checksums), 1 unfinished, 3 damaged, 1 stale temporary file(s)`,
    );
    expect(r1.out).toContain(`to fix what can be fixed: npx skiplab runs verify --fix --dir ${dir}`);
    expect(fs.existsSync(tmp)).toBe(true); // verify without --fix changes nothing

    // one run only
    const one = await capture(() => runsCommand(["verify", "--dir", dir, ok.hash]));
    expect(one.code).toBe(0);

    const r2 = await capture(() => runsCommand(["verify", "--fix", "--dir", dir]));
    expect(r2.code).toBe(0);
    expect(r2.out).toContain(`removed   ${ok.hash}: ${tmp}`);
    expect(r2.out).toMatch(new RegExp(`resumable ${badDone.hash}: .*done\\.json: not valid JSON`));
    expect(r2.out).toMatch(new RegExp(`repaired  ${badMetrics.hash}: .*metrics\\.jsonl.*restored it from`));
    expect(r2.out).toContain(`cleared   ${badCkpt.hash}: ${p(badCkpt).checkpoint}: its sha256 differs`);
    expect(fs.existsSync(tmp)).toBe(false);
    expect(fs.existsSync(p(badCkpt).dir)).toBe(false);

    const r3 = await capture(() => runsCommand(["verify", "--dir", dir]));
    expect(r3.code).toBe(0);
    expect(r3.out).toContain("0 damaged");
    // what is left loads, and what was cleared or made resumable is recomputed
    for (const s of specs)
      expect((await executeRun(s, { dir, progress: false, onNote: () => {} })).status).toBe("done");
    expect(loadRuns(dir).length).toBe(6);
    expect((await capture(() => runsCommand(["verify", "--dir", dir]))).out).toContain("6 finished and intact");
  });

  it("usage errors exit 2", async () => {
    expect((await capture(() => runsCommand([]))).code).toBe(2);
    expect((await capture(() => runsCommand(["nope"]))).code).toBe(2);
    expect((await capture(() => runsCommand(["verify", "--bogus"]))).code).toBe(2);
    expect((await capture(() => runsCommand(["verify", "not-a-hash"]))).code).toBe(2);
    expect((await capture(() => runsCommand(["verify", "--help"]))).code).toBe(0);
  });

  it("a sweep never reports a run with a truncated metrics.jsonl as 'already done'; a damaged checkpoint is refused with the fix", async () => {
    const sweep: SweepSpec = {
      name: "cache-sweep",
      base: config as SweepSpec["base"],
      grid: { "model.skip": ["none", "identity"] },
      seeds: [0],
    };
    const file = path.join(root, "sweep.json");
    fs.writeFileSync(file, JSON.stringify(sweep));
    const dir = path.join(root, "sweep-runs");
    expect((await capture(() => sweepCommand([file, "--dir", dir, "--progress", "off"]))).code).toBe(0);
    const [a, b] = expandSweep(sweep).map((r) => runPaths(r.hash, dir));
    const m = fs.readFileSync(a.metrics);
    fs.writeFileSync(a.metrics, m.subarray(0, m.length >> 1));
    fs.writeFileSync(b.checkpoint, fs.readFileSync(b.checkpoint).subarray(0, 64));
    const list = await capture(() => sweepCommand([file, "--dir", dir, "--list"]));
    expect(list.out).toMatch(/2 of 2 runs \(0 done, 0 diverged, 0 partial, 0 new, 2 damaged\)/);
    const r = await capture(() => sweepCommand([file, "--dir", dir, "--progress", "off"]));
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/already done/);
    expect(r.out).toContain(a.metrics);
    expect(r.out).toMatch(/restored it from/);
    expect(r.out).toContain(`refused: run ${path.basename(b.dir)} is damaged: ${b.checkpoint}`);
    expect(r.out).toContain(`rm -r ${b.dir}`);
    expect(r.out).not.toMatch(/run the same command again to retry/);
    fs.rmSync(b.dir, { recursive: true });
    expect((await capture(() => sweepCommand([file, "--dir", dir, "--progress", "off"]))).code).toBe(0);
    expect(loadRuns(dir).length).toBe(2);
  });

  it("skiplab runs clear removes the runs named, refuses a locked one and a name that is not a hash", async () => {
    const dir = path.join(root, "clear");
    const [a, b, c] = [0, 1, 2].map((s) => runSpec(config, s));
    for (const s of [a, b, c]) await executeRun(s, { dir, progress: false });
    // b is being computed by another (live) process: its lock file names a live pid on this host
    const lock = path.join(runPaths(b.hash, dir).dir, "lock");
    fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: os.hostname(), since: new Date().toISOString() }));
    const r = await capture(() => runsCommand(["clear", "--dir", dir, a.hash, b.hash, "0123456789abcdef"]));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`cleared   ${a.hash}: removed ${runPaths(a.hash, dir).dir}`);
    expect(r.out).toMatch(new RegExp(`locked    ${b.hash}: `));
    expect(r.out).toContain("missing   0123456789abcdef");
    expect(fs.existsSync(runPaths(a.hash, dir).dir)).toBe(false);
    expect(fs.existsSync(runPaths(b.hash, dir).done)).toBe(true);
    expect(
      loadRuns(dir)
        .map((x) => x.seed)
        .sort(),
    ).toEqual([1, 2]);
    expect((await capture(() => runsCommand(["clear", "--dir", dir, "xyz"]))).code).toBe(2);
    expect((await capture(() => runsCommand(["clear", "--dir", dir]))).code).toBe(2);
    expect((await capture(() => runsCommand(["clear", "--fix", "--dir", dir, c.hash]))).code).toBe(2);
    fs.rmSync(lock);
    expect((await capture(() => runsCommand(["clear", "--dir", dir, b.hash, c.hash]))).code).toBe(0);
    expect(loadRuns(dir)).toEqual([]);
  });
});
