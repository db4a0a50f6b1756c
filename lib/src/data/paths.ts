/**
 * Where datasets live on disk.
 *
 *   <data dir>/downloads/<name>/<file>     downloaded files and their extracted members
 *   <repo>/data/fashion-mnist-subset/      the small committed Fashion-MNIST subset
 *
 * The data dir is, in order: an explicit `dir` argument, the environment variable SKIPLAB_DATA_DIR, or `data/`
 * in the project root, found by walking up from the working directory (then from this module's location) to the
 * first folder whose package.json declares `workspaces`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DatasetError } from "./errors";

export const DATA_DIR_ENV = "SKIPLAB_DATA_DIR";

/** The project root: the nearest ancestor of `start` whose package.json has a `workspaces` field, or null. */
export function findProjectRoot(start: string): string | null {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        const json = JSON.parse(fs.readFileSync(pkg, "utf8")) as { workspaces?: unknown };
        if (json.workspaces !== undefined) return dir;
      } catch {
        // An unreadable package.json is not the root we are looking for; keep walking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export interface DataDirOptions {
  /** Explicit data directory; wins over everything else. */
  dir?: string;
  /** Where to start walking up; default process.cwd(). */
  cwd?: string;
}

/** Resolves the data directory (see the module comment); throws a DatasetError saying how to set it if none is found. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  if (opts.dir !== undefined && opts.dir !== "") return path.resolve(opts.dir);
  const env = process.env[DATA_DIR_ENV];
  if (env !== undefined && env !== "") return path.resolve(env);
  const root = findProjectRoot(opts.cwd ?? process.cwd()) ?? findProjectRoot(__dirname);
  if (root !== null) return path.join(root, "data");
  throw new DatasetError({
    code: "missing",
    what: "Cannot find the project data directory",
    file: opts.cwd ?? process.cwd(),
    expected: "a parent folder whose package.json has `workspaces` (the skip-singularities checkout)",
    found: "none",
    fix: `set ${DATA_DIR_ENV}=/path/to/data or pass --dir /path/to/data`,
  });
}

/** `<data dir>/downloads/<name>`: where `skiplab data fetch <name>` puts a dataset's files. */
export function downloadDir(name: string, opts: DataDirOptions = {}): string {
  return path.join(resolveDataDir(opts), "downloads", name);
}

/**
 * Candidate locations of the committed Fashion-MNIST subset: inside the data dir, and inside the checkout this
 * module belongs to (so that SKIPLAB_DATA_DIR pointing elsewhere does not hide it).
 */
export function subsetDirCandidates(opts: DataDirOptions = {}): string[] {
  const out: string[] = [];
  try {
    out.push(path.join(resolveDataDir(opts), "fashion-mnist-subset"));
  } catch {
    // no data dir: fall through to the module-relative location
  }
  const root = findProjectRoot(__dirname);
  if (root !== null) out.push(path.join(root, "data", "fashion-mnist-subset"));
  return [...new Set(out)];
}
