import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // tfjs' wasm backend and zeromq are native-ish; separate processes keep them isolated.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    // SKIPLAB_TEST_BACKEND=webgpu: tests that force wasm run on that backend instead (tests/webgpu/test-backend.ts).
    setupFiles: process.env.SKIPLAB_TEST_BACKEND ? ["tests/webgpu/test-backend.ts"] : [],
  },
});
