/**
 * Tests that need something outside Node (a Python module, LAPACK, Jupyter) say so through `needs`, never by
 * returning early or silently dropping cases:
 *
 *   const torch = pythonWith("torch");
 *   needs(torch !== null, "Debian's python3-torch for /usr/bin/python3 (scripts/setup.sh installs it)")(
 *     "agrees with float64 torch", () => { ... });
 *
 * Where the requirement is missing the test is skipped and its name says what is missing and how to get it. With
 * CI=true it is not skipped: it fails with that message, because an independent check that silently stops running
 * is how a red build reads green. `scripts/setup.sh` installs every such requirement on Debian.
 */
import { spawnSync } from "node:child_process";
import { it } from "vitest";
import { pythonCandidates } from "../../lib/src/report/jupyter";

type TestFn = () => unknown;

/** True when missing requirements must fail rather than skip (CI=true, as CI and the fresh-machine check set it). */
export const STRICT = process.env.CI === "true" || process.env.CI === "1";

/**
 * `it`, when `available`; otherwise a skipped test whose name carries `what` (under CI=true, a failing one).
 * `what` names the missing piece and how to install it.
 */
export function needs(available: boolean, what: string) {
  return (name: string, fn: TestFn, timeout?: number): void => {
    if (available) {
      it(name, fn, timeout);
    } else if (STRICT) {
      it(`${name} [requires ${what}]`, () => {
        throw new Error(
          `missing: ${what}. CI=true does not let this independent check be skipped; install it (scripts/setup.sh does on Debian).`,
        );
      });
    } else {
      it.skipIf(true)(`${name} [skipped: missing ${what}]`, fn, timeout);
    }
  };
}

/**
 * The project's Python that imports every module given (SKIPLAB_PYTHON, the conda environment's, python3,
 * /usr/bin/python3, in that order), or null when none does.
 */
export function pythonWith(...modules: string[]): string | null {
  for (const py of pythonCandidates(process.env)) {
    const r = spawnSync(py, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}
