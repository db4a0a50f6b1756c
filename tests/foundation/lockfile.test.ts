/**
 * Lock files (util/lockfile.ts): created complete (a temporary file hard-linked into place), so no reader sees an
 * empty lock and a process killed while locking leaves none; exclusive; stale locks of dead owners taken over; a lock
 * left empty by an older version (or a file system without hard links) respected for its grace period.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { takeLockFile } from "../../lib/src/util/lockfile";

const dirs: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-lockfile-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("lock files", () => {
  it("a lock is complete from its first byte, exclusive, leaves no temporary file, and is released", () => {
    const file = path.join(tmpDir(), "lock");
    const a = takeLockFile(file, { what: "a" });
    expect("release" in a).toBe(true);
    const held = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(held).toMatchObject({ pid: process.pid, host: os.hostname(), what: "a" });
    expect(fs.readdirSync(path.dirname(file))).toEqual(["lock"]);
    const b = takeLockFile(file);
    expect(b).toEqual({ holder: held }); // this (live) process holds it
    (a as { release: () => void }).release();
    expect(fs.existsSync(file)).toBe(false);
    const c = takeLockFile(file);
    expect("release" in c).toBe(true);
    (c as { release: () => void }).release();
  });

  it("a dead owner's lock is taken over and reported", () => {
    const file = path.join(tmpDir(), "lock");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    fs.writeFileSync(file, JSON.stringify({ pid: dead, host: os.hostname(), since: "2026-01-01T00:00:00Z" }));
    const stale: unknown[] = [];
    const r = takeLockFile(file, {}, (h) => stale.push(h));
    expect("release" in r).toBe(true);
    expect(stale).toEqual([{ pid: dead, host: os.hostname(), since: "2026-01-01T00:00:00Z" }]);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(process.pid);
  });

  it("an empty lock (an older version's, killed while writing it) is respected for 10 s, then taken over", () => {
    const file = path.join(tmpDir(), "lock");
    fs.writeFileSync(file, "");
    expect(takeLockFile(file)).toEqual({ holder: null });
    const old = new Date(Date.now() - 11_000);
    fs.utimesSync(file, old, old);
    expect("release" in takeLockFile(file)).toBe(true);
  });

  it("a process killed while locking leaves no lock (only, at worst, a temporary file its pid names)", () => {
    const dir = tmpDir();
    const file = path.join(dir, "lock");
    // the state a SIGKILL between writing the temporary file and linking it leaves
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    fs.writeFileSync(path.join(dir, `lock.tmp-${os.hostname().replace(/[^A-Za-z0-9.]/g, "_")}-${dead}-1`), "{}");
    const r = takeLockFile(file);
    expect("release" in r).toBe(true); // at once: no grace period to wait out
  });
});
