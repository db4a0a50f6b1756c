/**
 * Paper-scale sweeps of paper 1's protocol: sweep files with exactly the hashes `p1Grid` asks for, and the sweep
 * command with paper 1's data provider and measures registered.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sweepCommand } from "../../runs/cli";
import type { SweepSpec } from "../../runs/sweep";
import { registerP1Data } from "./data";
import { P1Protocol, p1Grid, p1RunSpec } from "./protocol";

/**
 * A sweep file (runs/sweep.ts) for a protocol over archs × depths × seeds, runnable with `p1SweepCommand`. The grid
 * is over whole model configs (the init gain depends on arch and depth, so skip and depth cannot vary separately);
 * its runs have exactly the hashes of `p1Grid` (the notebooks then read them from the cache).
 */
export function p1SweepSpec(p: P1Protocol, name: string, o: { depths?: number[] } = {}): SweepSpec {
  const first = p1RunSpec(p, p.archs[0], p.seeds[0]);
  const base = JSON.parse(JSON.stringify(first.config));
  const models: unknown[] = [];
  for (const depth of o.depths ?? [p.depth])
    for (const arch of p.archs) models.push(p1RunSpec(p, arch, p.seeds[0], { depth }).config.model);
  return { name, base, grid: { model: models }, seeds: p.seeds };
}

/** Writes `p1SweepSpec` to a JSON file (creating folders); returns the path. */
export function writeP1Sweep(file: string, spec: SweepSpec): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(spec, null, 2) + "\n");
  return file;
}

/**
 * `skiplab sweep` with paper 1's data providers and metric set registered, then the generic sweep command (same
 * arguments: FILE [--shard i/N] [--list] …).
 */
export async function p1SweepCommand(argv: string[]): Promise<number> {
  registerP1Data();
  return sweepCommand(argv);
}
