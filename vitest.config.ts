import { configDefaults, defineConfig } from "vitest/config";

// tests/browser/ (a live notebook server driven by Chromium) runs on its own: `npm run test:browser`.
const browser = process.env.SKIPLAB_BROWSER_TESTS === "1";

export default defineConfig({
  test: {
    include: browser ? ["tests/browser/**/*.test.ts"] : ["tests/**/*.test.ts"],
    exclude: browser ? configDefaults.exclude : [...configDefaults.exclude, "tests/browser/**"],
    // tfjs' wasm backend and zeromq are native-ish; separate processes keep them isolated.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    // SKIPLAB_TEST_BACKEND=webgpu: tests that force wasm run on that backend instead (tests/webgpu/test-backend.ts).
    setupFiles: process.env.SKIPLAB_TEST_BACKEND ? ["tests/webgpu/test-backend.ts"] : [],
  },
});
