#!/usr/bin/env node
/**
 * The `skiplab` command.
 *
 *   skiplab reproduce [--scale smoke|quick|standard|paper] [--only <nb>] [--pdf]   execute notebooks, render report/
 *   skiplab kernel                                                       register the tslab kernel in .jupyter/
 *   skiplab lab [jupyter options]                                        JupyterLab, else the classic Notebook (cli/lab.ts)
 *   skiplab backend                                                      show which tfjs backend the ladder picks
 */
import { initBackend } from "../engine/ladder";
import { projectRoot } from "../report/context";
import { installKernel } from "../report/jupyter";
import { kernelMessage, labCommand } from "./lab";
import { dataCommand } from "../data/cli";
import { reproduce } from "./reproduce";

const HELP = `skiplab — skip-singularities command line

  skiplab reproduce [--scale smoke|quick|standard|paper] [--only <notebook>] [--pdf]
      execute the notebooks headless through Jupyter and render report/index.html
  skiplab data list | fetch <name…> | verify <name…>
      the dataset registry: download with checksum verification into data/downloads/
  skiplab sweep <sweep.json> [--shard i/N] [--list]
      run (or list) a grid of cached runs; --shard runs a deterministic 1/N of it (see lib/src/runs/README.md)
  skiplab surface <surface.json> [--shard i/N] [--status]
      compute (or list) the rows of a cached loss surface around a finished run; --shard computes rows j ≡ i mod N
  skiplab runs verify [--fix] [--dir DIR] [<hash>…]
      check the run cache against what each done.json records; --fix repairs or clears the damaged runs
  skiplab runs clear [--dir DIR] <hash>…
      remove runs from the cache (each under its lock: a run being computed is refused)
  skiplab config [--write | --check]
      the configuration reference (every field of sweep, run, model, train and data configs), generated from the
      schemas that check them; --write rewrites docs/config.md
  skiplab kernel
      register the tslab kernel inside the project (.jupyter/); then start a server with \`skiplab lab\`
  skiplab lab [jupyter options]
      register the kernel, keep saved notebooks trusted, and start JupyterLab when installed, else the classic
      Notebook (Debian: apt-get install jupyter-notebook; JupyterLab: pip or conda), serving the project root and
      opening notebooks/; as root it passes --allow-root. E.g. skiplab lab --ip=127.0.0.1 --port=8888 --no-browser
  skiplab backend
      initialise TensorFlow.js through the backend ladder and report what it found
      (SKIPLAB_BACKEND=tensorflow|webgpu|wasm|cpu forces one)
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "reproduce":
      return reproduce(rest);
    case "data":
      return dataCommand(rest);
    case "sweep": {
      // The generic sweep, with the experiments' data providers and metric sets registered first (nothing
      // registers on import).
      const { registerExperiments } = await import("../experiments");
      const { sweepCommand } = await import("../runs/cli");
      registerExperiments();
      return sweepCommand(rest);
    }
    case "runs":
      return (await import("../runs/cli")).runsCommand(rest);
    case "config":
      return (await import("./config-docs")).configCommand(rest);
    case "surface": {
      const { registerExperiments } = await import("../experiments");
      const { surfaceCommand } = await import("../runs/surface");
      registerExperiments();
      return surfaceCommand(rest);
    }
    case "kernel": {
      const root = projectRoot();
      console.log(kernelMessage(installKernel(root), root));
      return 0;
    }
    case "lab":
      // JupyterLab or the classic Notebook, with the project's kernel, config and trust (cli/lab.ts)
      return labCommand(rest);
    case "backend": {
      const r = await initBackend();
      console.log(`backend: ${r.description}`);
      for (const a of r.attempts) console.log(`  ${a.ok ? "✓" : "✗"} ${a.backend}: ${a.detail}`);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return 0;
    default:
      console.error(`Unknown command '${cmd}'.\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  },
);
