import { describe, expect, it } from "vitest";
import { parseArgs } from "node:util";
import { strictly, UsageError } from "../../lib/src/cli/args";
import { dataCommand } from "../../lib/src/data/cli";
import { parseReproduceArgs } from "../../lib/src/cli/reproduce";
import { sweepCommand } from "../../lib/src/runs/cli";

const options = {
  dir: { type: "string" },
  prune: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;
const parseCommandLine = (argv: string[], o: typeof options) =>
  strictly(() => parseArgs({ args: argv, options: o, allowPositionals: true, strict: true }));

describe("command-line parsing (node:util parseArgs, strict)", () => {
  it("takes values inline or as the next word, short flags and positionals", () => {
    expect(parseCommandLine(["fetch", "--dir=/d", "cifar10", "-q", "--prune"], options)).toEqual({
      values: { dir: "/d", quiet: true, prune: true },
      positionals: ["fetch", "cifar10"],
    });
    expect(parseCommandLine(["--dir", "/e"], options).values.dir).toBe("/e");
  });

  it("refuses unknown options, missing values and an option where a value should be, in one line", () => {
    const msg = (argv: string[]) => {
      try {
        parseCommandLine(argv, options);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(msg(["--bogus"])).toBe("Unknown option '--bogus'.");
    expect(msg(["--dir"])).toBe("--dir needs a value.");
    expect(msg(["--dir", "--prune"])).toBe("--dir needs a value.");
  });

  it("reproduce: repeated and comma-separated --only, usage on errors", () => {
    expect(parseReproduceArgs(["--only", "01", "--only=02,03"], "/r").only).toEqual(["01", "02", "03"]);
    expect(() => parseReproduceArgs(["--out"], "/r")).toThrow(/^--out needs a value\.\n\nUsage: npm run reproduce/);
    expect(() => parseReproduceArgs(["--cell-timeout", "-5"], "/r")).toThrow(/--cell-timeout/);
    expect(() => parseReproduceArgs(["quick"], "/r")).toThrow(/^Unexpected argument 'quick'[\s\S]*Usage/);
  });

  it("skiplab data: a usage error exits 2 and names the problem", async () => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await dataCommand(["fetch", "--mirror"])).toBe(2);
      expect(await dataCommand(["list", "--colour"])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err[0]).toMatch(/^skiplab data: --mirror needs a value\.\n\nUsage: skiplab data/);
    expect(err[1]).toMatch(/^skiplab data: Unknown option '--colour'\./);
  });

  it("skiplab sweep: usage errors exit 2 with the usage; --help exits 0", async () => {
    const err: string[] = [];
    const saved = console.error;
    console.error = (s: string) => err.push(String(s));
    try {
      expect(await sweepCommand(["a.json", "--shard"])).toBe(2);
      expect(await sweepCommand(["a.json", "b.json"])).toBe(2);
      expect(await sweepCommand([])).toBe(2);
      expect(await sweepCommand(["--help"])).toBe(0);
    } finally {
      console.error = saved;
    }
    expect(err[0]).toMatch(/^skiplab sweep: --shard needs a value\.\nusage: skiplab sweep/);
    expect(err[1]).toMatch(/^skiplab sweep: one sweep file only \(got a\.json and b\.json\)/);
    expect(err[2]).toMatch(/^skiplab sweep: missing <sweep\.json>/);
    expect(err[3]).toMatch(/^usage: skiplab sweep/);
  });
});
