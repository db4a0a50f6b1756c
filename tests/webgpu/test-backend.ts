/**
 * Runs the suite's tfjs tests on another backend: with `SKIPLAB_TEST_BACKEND=webgpu` (vitest.config.ts loads this
 * file only when the variable is set), every `initBackend({ force: "wasm" })` in a test — the suite's way of saying
 * "the default backend" — initialises that backend instead. Other forced backends (cpu) and unforced calls are left
 * alone, so comparisons against cpu still compare two backends.
 *
 *   SKIPLAB_TEST_BACKEND=webgpu npx vitest run tests/webgpu tests/models/blocks.test.ts …   (scripts/test-webgpu.sh)
 *
 * webgpu needs `scripts/install-webgpu.sh` and a Vulkan driver; a software adapter (lavapipe) is fine, only slow.
 */
import { vi } from "vitest";
import type * as Ladder from "../../lib/src/engine/ladder";

vi.mock("../../lib/src/engine/ladder", async (importOriginal) => {
  const ladder = await importOriginal<typeof Ladder>();
  const target = (process.env.SKIPLAB_TEST_BACKEND ?? "").trim().toLowerCase();
  if (!(ladder.BACKEND_LADDER as readonly string[]).includes(target)) {
    throw new Error(
      `SKIPLAB_TEST_BACKEND='${target}' is not a backend; use one of ${ladder.BACKEND_LADDER.join(", ")}`,
    );
  }
  const initBackend: typeof ladder.initBackend = (options = {}) =>
    ladder.initBackend(options.force === "wasm" ? { ...options, force: target as Ladder.BackendName } : options);
  return { ...ladder, initBackend };
});
