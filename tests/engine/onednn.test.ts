/**
 * The oneDNN binding's ABI against the installed headers: a C program compiled against <oneapi/dnnl/dnnl.h> prints
 * every constant and struct size the binding hard-codes (engine/onednn.ts, ONEDNN_ABI), and they must agree.
 * Needs a C compiler and the headers (Debian: gcc, libdnnl-dev); the library itself is tested in conv.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ONEDNN_ABI, oneDnnCandidates } from "../../lib/src/engine/onednn";
import { needs } from "../support/requirements";

const HEADER = "/usr/include/oneapi/dnnl/dnnl.h";
const hasCc = spawnSync("cc", ["--version"]).status === 0;
const hasHeader = fs.existsSync(HEADER);

describe("oneDNN binding", () => {
  needs(hasCc && hasHeader, "a C compiler and the oneDNN 2.x headers (Debian: gcc, libdnnl-dev)")(
    "every constant and struct size in ONEDNN_ABI equals the installed headers'",
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiplab-dnnl-abi-"));
      const entries = Object.entries(ONEDNN_ABI);
      const src = [
        "#include <stdio.h>",
        "#include <oneapi/dnnl/dnnl.h>",
        "int main(void) {",
        ...entries.map(([name, e]) => `  printf("${name} %lld\\n", (long long)(${e.c}));`),
        '  printf("version %d\\n", DNNL_VERSION_MAJOR);',
        "  return 0;",
        "}",
      ].join("\n");
      fs.writeFileSync(path.join(dir, "abi.c"), src);
      const cc = spawnSync("cc", ["-o", path.join(dir, "abi"), path.join(dir, "abi.c")], { encoding: "utf8" });
      expect(cc.status, cc.stderr).toBe(0);
      const run = spawnSync(path.join(dir, "abi"), { encoding: "utf8" });
      const got = Object.fromEntries(
        run.stdout
          .trim()
          .split("\n")
          .map((l) => l.split(" "))
          .map(([k, v]) => [k, Number(v)]),
      );
      expect(got.version, "the headers are not oneDNN 2.x").toBe(2);
      for (const [name, e] of entries) expect(got[name], `${name} (${e.c})`).toBe(e.value);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );

  it("SKIPLAB_DNNL=off disables it; a path in SKIPLAB_DNNL is tried first", () => {
    expect(oneDnnCandidates({ SKIPLAB_DNNL: "off" })).toEqual([]);
    expect(oneDnnCandidates({ SKIPLAB_DNNL: "/opt/x/libdnnl.so.2" })[0]).toBe("/opt/x/libdnnl.so.2");
    expect(oneDnnCandidates({ CONDA_PREFIX: "/c" })).toContain("/c/lib/libdnnl.so.2");
  });
});
