/**
 * The progress display's defaults: on in notebooks and terminals, plain lines in CI logs and pipes, SKIPLAB_PROGRESS
 * overriding (display/progress.ts `decideProgressMode`: environment in, mode out).
 */
import { describe, expect, it } from "vitest";
import { type ProgressMode, decideProgressMode, isCI, resolveProgressMode } from "../../lib/src/display/progress";

const ctx = (over: { notebook?: boolean; tty?: boolean; env?: Record<string, string | undefined> }) => ({
  notebook: false,
  tty: false,
  env: {},
  ...over,
});

describe("the progress display's default mode", () => {
  it("is on in a notebook and in a terminal, lines in CI logs and pipes", () => {
    const auto = (c: Parameters<typeof ctx>[0]) => decideProgressMode("auto", ctx(c));
    // notebook: the live display, also under CI=true (a browser test drives a real notebook in CI)
    expect(auto({ notebook: true })).toBe("notebook");
    expect(auto({ notebook: true, tty: true })).toBe("notebook");
    expect(auto({ notebook: true, env: { CI: "true" } })).toBe("notebook");
    // a terminal: one line redrawn in place
    expect(auto({ tty: true })).toBe("tty");
    // CI logs: lines, even on a pseudo-terminal
    expect(auto({ env: { CI: "true" } })).toBe("lines");
    expect(auto({ tty: true, env: { CI: "true" } })).toBe("lines");
    expect(auto({ tty: true, env: { CI: "1" } })).toBe("lines");
    // not CI
    expect(auto({ tty: true, env: { CI: "false" } })).toBe("tty");
    expect(auto({ tty: true, env: { CI: "0" } })).toBe("tty");
    expect(auto({ tty: true, env: { CI: "" } })).toBe("tty");
    // pipes, files
    expect(auto({})).toBe("lines");
  });

  it("SKIPLAB_PROGRESS overrides the choice and modes asked for in code, except off", () => {
    for (const forced of ["lines", "off", "tty"] as const) {
      for (const c of [{ notebook: true }, { tty: true }, { env: { CI: "true" } }, {}]) {
        const env = { ...(c as { env?: object }).env, SKIPLAB_PROGRESS: forced };
        expect(decideProgressMode("auto", ctx({ ...c, env })), `${forced} ${JSON.stringify(c)}`).toBe(forced);
        expect(decideProgressMode("notebook", ctx({ ...c, env }))).toBe(forced);
      }
    }
    expect(decideProgressMode("auto", ctx({ env: { SKIPLAB_PROGRESS: " LINES " }, tty: true }))).toBe("lines");
    // notebook only inside a notebook
    expect(decideProgressMode("auto", ctx({ notebook: true, env: { SKIPLAB_PROGRESS: "notebook" } }))).toBe("notebook");
    expect(decideProgressMode("auto", ctx({ tty: true, env: { SKIPLAB_PROGRESS: "notebook" } }))).toBe("lines");
    // auto, empty or unknown: the default decision
    for (const v of ["auto", "", "bogus", undefined])
      expect(decideProgressMode("auto", ctx({ tty: true, env: { SKIPLAB_PROGRESS: v } }))).toBe("tty");
    // a display switched off in code (progress: false) stays off
    for (const v of ["lines", "tty", "notebook"])
      expect(decideProgressMode("off", ctx({ notebook: true, tty: true, env: { SKIPLAB_PROGRESS: v } }))).toBe("off");
  });

  it("a mode asked for in code wins over the default decision", () => {
    const modes: ProgressMode[] = ["lines", "tty"];
    for (const m of modes) {
      expect(decideProgressMode(m, ctx({ notebook: true }))).toBe(m);
      expect(decideProgressMode(m, ctx({ env: { CI: "true" } }))).toBe(m);
    }
    expect(decideProgressMode("notebook", ctx({ notebook: true, env: { CI: "true" } }))).toBe("notebook");
    expect(decideProgressMode("notebook", ctx({ tty: true }))).toBe("lines");
  });

  it("resolveProgressMode feeds the real stream and environment in (outside a kernel here)", () => {
    expect(resolveProgressMode("auto", {}, { isTTY: true })).toBe("tty");
    expect(resolveProgressMode("auto", { CI: "true" }, { isTTY: true })).toBe("lines");
    expect(resolveProgressMode("auto", {}, { isTTY: false })).toBe("lines");
    expect(resolveProgressMode("auto", {}, {})).toBe("lines");
    expect(resolveProgressMode("notebook", {}, { isTTY: true })).toBe("lines");
    expect(isCI({ CI: "true" })).toBe(true);
    expect(isCI({ CI: "no" })).toBe(false);
    expect(isCI({})).toBe(false);
  });
});
