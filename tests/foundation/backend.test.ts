import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, initBackend } from "../../lib/src/backend/ladder";

/** A module loader that pretends the optional accelerator packages are not installed. */
function loaderWithout(...absent: string[]) {
  return (id: string) => {
    if (absent.includes(id)) {
      const e = new Error(`Cannot find module '${id}'`) as Error & { code: string };
      e.code = "MODULE_NOT_FOUND";
      throw e;
    }
    return require(id);
  };
}

describe("backend ladder", () => {
  it("picks wasm here: tensorflow is absent (or only the danfo alias), webgpu has no adapter or package", async () => {
    const r = await initBackend({ env: {} });
    expect(r.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(r.forced).toBe(false);
    expect(r.attempts.map((a) => a.backend)).toEqual(["tensorflow", "webgpu", "wasm"]);
    expect(r.attempts[0].ok).toBe(false);
    expect(r.description).toMatch(/^wasm \(SIMD (on|off), /);
  });

  it("does not mistake danfo's tfjs-node alias for the native backend", async () => {
    // node_modules/@tensorflow/tfjs-node is plain tfjs through the npm override: it loads, but registers no
    // 'tensorflow' backend.
    const r = await initBackend({ env: {}, load: loaderWithout("@tensorflow/tfjs-node-gpu", "webgpu") });
    const tfAttempt = r.attempts.find((a) => a.backend === "tensorflow")!;
    expect(tfAttempt.ok).toBe(false);
    expect(tfAttempt.detail).toMatch(/tfjs-node-gpu not installed/);
    expect(tfAttempt.detail).toMatch(/alias|not installed/);
  });

  it("forcing an unavailable backend fails with a message that says how to get it", async () => {
    const load = loaderWithout("@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node", "webgpu");
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "tensorflow" }, load })).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "tensorflow" }, load })).rejects.toThrow(/npm install --no-save @tensorflow\/tfjs-node/);
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "webgpu" }, load })).rejects.toThrow(/'webgpu' is unavailable: package 'webgpu' \(dawn.node\) not installed[\s\S]*How to fix: install the WebGPU path/);
  });

  it("rejects an unknown backend name", async () => {
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "cuda" } })).rejects.toThrow(/SKIPLAB_BACKEND='cuda' is not a backend/);
  });

  it("forces cpu and wasm when asked, and reports it", async () => {
    const cpu = await initBackend({ env: { SKIPLAB_BACKEND: "cpu" } });
    expect(cpu.backend).toBe("cpu");
    expect(cpu.forced).toBe(true);
    expect(tf.getBackend()).toBe("cpu");
    const wasm = await initBackend({ force: "wasm" });
    expect(wasm.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });
});
