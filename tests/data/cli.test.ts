/**
 * `skiplab data` command: help, list, verify, usage errors, unknown names. No network (fetch is covered in
 * fetch.test.ts against a local server).
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { dataCommand, DATASET_NAMES } from "../../lib/src/data";
import { byteProgress } from "../../lib/src/display/progress";
import { textSink, tmpDir } from "./helpers";

let out: MockInstance;
let err: MockInstance;
const stdout = () => out.mock.calls.map((c) => String(c[0])).join("");
const stderr = () => err.mock.calls.map((c) => String(c[0])).join("");

beforeEach(() => {
  out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => {
  out.mockRestore();
  err.mockRestore();
});

describe("skiplab data", () => {
  it("--help prints usage and exits 0; no command exits 2", async () => {
    expect(await dataCommand(["--help"])).toBe(0);
    expect(stdout()).toContain("skiplab data <command>");
    expect(stdout()).toContain("fetch <name...>");
    expect(await dataCommand([])).toBe(2);
  });

  it("list shows every dataset as missing in an empty data dir", async () => {
    const dir = tmpDir();
    expect(await dataCommand(["list", "--dir", dir])).toBe(0);
    for (const name of DATASET_NAMES) expect(stdout()).toMatch(new RegExp(`${name}\\s+[0-9.]+ MB\\s+missing`));
    expect(stdout()).toContain(dir);
  });

  it("verify fails (exit 1) and names the fetch command when files are missing", async () => {
    const dir = tmpDir();
    expect(await dataCommand(["verify", "svhn", `--dir=${dir}`])).toBe(1);
    expect(stdout()).toContain("NOT OK");
    expect(stdout()).toContain("missing");
    expect(stdout()).toContain("npx skiplab data fetch svhn");
  });

  it("unknown dataset: exit 1 with the known names; bad usage: exit 2", async () => {
    expect(await dataCommand(["fetch", "cifar11", "--dir", tmpDir()])).toBe(1);
    expect(stderr()).toContain('Unknown dataset "cifar11"');
    expect(stderr()).toContain("fashion-mnist");
    expect(await dataCommand(["fetch"])).toBe(2);
    expect(await dataCommand(["frobnicate"])).toBe(2);
    expect(await dataCommand(["list", "--bogus"])).toBe(2);
    expect(await dataCommand(["list", "--dir"])).toBe(2);
  });
});

describe("progress output", () => {
  it("redraws one line in place on a TTY, prints lines otherwise", () => {
    let t = 0;
    const tty = textSink();
    const p = byteProgress({ label: "f.bin", total: 1000, stream: tty, tty: true, now: () => t });
    for (let i = 1; i <= 10; i++) {
      t += 150;
      p.update(i * 100);
    }
    p.finish();
    expect(tty.text()).toContain("\r");
    expect(tty.text().split("\n").filter(Boolean).length).toBe(1);
    expect(tty.text()).toContain("[####################]");

    const log = textSink();
    const q = byteProgress({ label: "f.bin", total: 1000, stream: log, tty: false, now: () => t });
    for (let i = 1; i <= 100; i++) q.update(i * 10);
    q.finish("done");
    const lines = log.text().trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(log.text()).not.toContain("\r");
    expect(lines.at(-1)).toBe("f.bin  done");

    // SKIPLAB_PROGRESS=off silences it, like the training bar
    const off = textSink();
    const r = byteProgress({ label: "f.bin", total: 1000, stream: off, tty: false, env: { SKIPLAB_PROGRESS: "off" } });
    r.update(500);
    r.finish("done");
    expect(off.text()).toBe("");
  });
});
