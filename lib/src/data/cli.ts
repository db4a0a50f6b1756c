/**
 * `skiplab data <sub>`: list, fetch and verify the registry datasets.
 *
 *   skiplab data list [--dir DIR]
 *   skiplab data fetch <name...> [--dir DIR] [--mirror URL] [--prune] [--quiet]
 *   skiplab data verify <name...> [--dir DIR]
 *   skiplab data --help
 * Exit codes: 0 success, 1 a dataset failed (message on stderr), 2 bad usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { strictly } from "../cli/args";
import { DatasetError } from "./errors";
import { datasetStatus, fetchDataset, verifyDataset } from "./fetch";
import { DEBIAN_FASHION_MNIST_DIR, fashionMnistSources } from "./mnist";
import { DATA_DIR_ENV, resolveDataDir } from "./paths";
import { DATASET_NAMES, downloadBytes, getDatasetEntry, REGISTRY } from "./registry";

export const DATA_USAGE = `Usage: skiplab data <command> [options]

Commands:
  list                 show every dataset, its download size and whether it is on this machine
  fetch <name...>      download, verify (sha256) and extract datasets into <data dir>/downloads/<name>/
  verify <name...>     re-hash downloaded files and check extracted files

Datasets: ${DATASET_NAMES.join(", ")}  ("all" for every one)

Options:
  --dir DIR            data directory (default: $${DATA_DIR_ENV}, else data/ in the project root)
  --mirror URL         try URL/<file> before the canonical URLs (fetch)
  --prune              delete an archive once its members are extracted (fetch; saves 2.6 GB for stl10)
  --quiet              no progress output (fetch)
  -h, --help           show this help

Loading never downloads: a notebook that needs a missing dataset stops with the fetch command to run.
Fashion-MNIST also loads, without fetching, from Debian's dataset-fashion-mnist package or from the
committed subset in data/fashion-mnist-subset/.`;

interface Parsed {
  command: string | null;
  names: string[];
  dir?: string;
  mirror?: string;
  prune: boolean;
  quiet: boolean;
  help: boolean;
}

function parse(argv: string[]): Parsed {
  const { values, positionals } = strictly(() => parseArgs({ args: argv, allowPositionals: true, strict: true, options: {
    dir: { type: "string" },
    mirror: { type: "string" },
    prune: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  } }));
  const [command = null, ...names] = positionals;
  return { command, names, dir: values.dir, mirror: values.mirror, prune: values.prune ?? false, quiet: values.quiet ?? false, help: values.help ?? false };
}


const MB = 1e6;

/** Runs `skiplab data ...` with `argv` = the words after "data". Returns the process exit code. */
export async function dataCommand(argv: string[]): Promise<number> {
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`skiplab data: ${(e as Error).message}\n\n${DATA_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(DATA_USAGE + "\n");
    return 0;
  }
  if (args.command === null) {
    process.stderr.write(DATA_USAGE + "\n");
    return 2;
  }
  try {
    switch (args.command) {
      case "list":
        return list(args);
      case "fetch":
      case "verify": {
        if (args.names.length === 0) {
          process.stderr.write(`skiplab data ${args.command}: name a dataset (${DATASET_NAMES.join(", ")}, or all)\n`);
          return 2;
        }
        const names = args.names.includes("all") ? DATASET_NAMES : args.names.map((n) => getDatasetEntry(n).name);
        let failed = 0;
        for (const name of names) {
          try {
            if (args.command === "fetch") {
              await fetchDataset(name, { dir: args.dir, mirror: args.mirror, prune: args.prune, progress: !args.quiet });
            } else if (!(await verify(name, args.dir))) failed++;
          } catch (e) {
            if (!(e instanceof DatasetError)) throw e;
            process.stderr.write(`skiplab data ${args.command} ${name}: ${e.message}\n`);
            failed++;
          }
        }
        return failed === 0 ? 0 : 1;
      }
      default:
        process.stderr.write(`skiplab data: unknown command "${args.command}"\n\n${DATA_USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof DatasetError) {
      process.stderr.write(`skiplab data: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function list(args: Parsed): number {
  const dir = resolveDataDir({ dir: args.dir });
  const rows = DATASET_NAMES.map((name) => {
    const e = REGISTRY[name];
    return [name, `${(downloadBytes(e) / MB).toFixed(1)} MB`, datasetStatus(name, { dir }), e.title];
  });
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ["name", "download", "status"][c].length));
  const line = (r: string[]) => r.map((v, c) => (c < 3 ? v.padEnd(widths[c]) : v)).join("  ");
  process.stdout.write(`data dir: ${dir}\n`);
  process.stdout.write(line(["name", "download", "status", "description"]) + "\n");
  for (const r of rows) process.stdout.write(line(r) + "\n");
  const fm = fashionMnistSources({ dir });
  process.stdout.write(
    `\nfashion-mnist without fetching: ${fm.length === 0 ? "none" : fm.map((s) => `${s.source} (${s.dir})`).join(", ")}\n`,
  );
  if (!fm.some((s) => s.source === "debian") && !fs.existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    process.stdout.write(`  (apt install dataset-fashion-mnist puts the full set in ${DEBIAN_FASHION_MNIST_DIR})\n`);
  }
  return 0;
}

async function verify(name: string, dir: string | undefined): Promise<boolean> {
  const r = await verifyDataset(name, { dir });
  process.stdout.write(`${name}: ${r.ok ? "ok" : "NOT OK"} (${r.dir})\n`);
  for (const f of [...r.files, ...r.members]) {
    process.stdout.write(`  ${f.state.padEnd(12)} ${path.join(f.file)}${f.detail ? `  (${f.detail})` : ""}\n`);
  }
  if (!r.ok) process.stdout.write(`  fix: run \`npx skiplab data fetch ${name}\` (good files are kept, bad ones replaced)\n`);
  return r.ok;
}
