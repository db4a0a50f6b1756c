import * as tf from "@tensorflow/tfjs";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import {
  BackendUnavailableError,
  adapterReport,
  describeAdapter,
  initBackend,
  webgpuAdapter,
  webgpuFlags,
} from "../../lib/src/engine/ladder";

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

/** A stand-in for the `webgpu` package (dawn.node) whose only adapter has the given info (null: no adapter). */
function fakeDawn(info: Record<string, unknown> | null) {
  const created: string[][] = [];
  return {
    created,
    module: {
      globals: {},
      create: (flags: string[]) => {
        created.push(flags);
        return { requestAdapter: async () => (info ? { info } : null) };
      },
    },
  };
}
const NVIDIA = { vendor: "nvidia", architecture: "hopper", device: "", description: "NVIDIA H100 80GB HBM3" };
const LAVAPIPE = {
  vendor: "mesa",
  architecture: "software",
  device: "llvmpipe-llvm-15-0-6-256-bits-",
  description: "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1",
};

describe("webgpu rung: adapter discovery and report (with a stand-in dawn.node)", () => {
  // These run first: once a real dawn.node is in use (navigator.gpu set), the ladder uses it and not the stand-in.
  const hasRealGpu = () => (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined;
  const standInOnly = it.skipIf(hasRealGpu());
  const NOTE = hasRealGpu()
    ? " [skipped: a real WebGPU device is already in use in this process, so the stand-in cannot be]"
    : "";

  it("classifies adapters: lavapipe/SwiftShader/fallback are software, an NVIDIA GPU is not", () => {
    expect(adapterReport(LAVAPIPE).software).toBe(true);
    expect(
      adapterReport({ vendor: "google", architecture: "", device: "", description: "SwiftShader Device (Subzero)" })
        .software,
    ).toBe(true);
    expect(adapterReport({ vendor: "intel", description: "x" }, [], true).software).toBe(true);
    expect(adapterReport({ vendor: "intel", description: "x", isFallbackAdapter: true }).software).toBe(true);
    const nv = adapterReport(NVIDIA, ["adapter=NVIDIA"]);
    expect(nv).toEqual({ ...NVIDIA, software: false, flags: ["adapter=NVIDIA"] });
    expect(describeAdapter(nv)).toBe("nvidia / hopper (NVIDIA H100 80GB HBM3)");
    expect(describeAdapter(adapterReport(LAVAPIPE))).toMatch(
      /^mesa \/ software \/ llvmpipe.*\(llvmpipe: Mesa 25.*\) \[software adapter\]$/,
    );
    expect(describeAdapter(adapterReport({}))).toBe("unnamed adapter");
    expect(webgpuFlags({ SKIPLAB_WEBGPU_FLAGS: "  adapter=NVIDIA  enable-dawn-features=a,b " })).toEqual([
      "adapter=NVIDIA",
      "enable-dawn-features=a,b",
    ]);
    expect(webgpuFlags({})).toEqual([]);
  });

  standInOnly(`reports a hardware adapter it finds, and says when tfjs-backend-webgpu is missing${NOTE}`, async () => {
    const dawn = fakeDawn(NVIDIA);
    const load = (id: string) =>
      id === "webgpu" ? dawn.module : loaderWithout("@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-backend-webgpu")(id);
    const r = await initBackend({ env: { SKIPLAB_WEBGPU_FLAGS: "adapter=NVIDIA" }, load, fresh: true });
    expect(r.backend).toBe("wasm");
    const w = r.attempts.find((a) => a.backend === "webgpu")!;
    expect(w.ok).toBe(false);
    expect(w.detail).toBe(
      "adapter nvidia / hopper (NVIDIA H100 80GB HBM3) found, but @tensorflow/tfjs-backend-webgpu is not installed",
    );
    expect(w.adapter!.software).toBe(false);
    expect(dawn.created).toEqual([["adapter=NVIDIA"]]);
    expect(webgpuAdapter()!.description).toBe("NVIDIA H100 80GB HBM3");
    // the unused instance is released (a referenced dawn instance keeps Node alive)
    expect(hasRealGpu()).toBe(false);
  });

  standInOnly(
    `passes over a software adapter unless webgpu is forced; says so when there is no adapter at all${NOTE}`,
    async () => {
      const soft = fakeDawn(LAVAPIPE);
      const load = (id: string) =>
        id === "webgpu"
          ? soft.module
          : loaderWithout("@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-backend-webgpu")(id);
      const r = await initBackend({ env: {}, load, fresh: true });
      expect(r.backend).toBe("wasm");
      expect(r.attempts.find((a) => a.backend === "webgpu")!.detail).toMatch(
        /\[software adapter\] skipped: a software adapter is slower than wasm \(force it with SKIPLAB_BACKEND=webgpu\)/,
      );
      // forced, the software adapter is accepted (here the tfjs package is missing, so it fails one step later)
      await expect(initBackend({ env: { SKIPLAB_BACKEND: "webgpu" }, load })).rejects.toThrow(
        /llvmpipe.*\[software adapter\] found, but @tensorflow\/tfjs-backend-webgpu is not installed/,
      );
      const none = fakeDawn(null);
      const load2 = (id: string) => (id === "webgpu" ? none.module : require(id));
      await expect(initBackend({ env: { SKIPLAB_BACKEND: "webgpu" }, load: load2 })).rejects.toThrow(
        /found no GPU adapter \(no usable Vulkan driver/,
      );
      expect(hasRealGpu()).toBe(false);
    },
  );
});

describe("backend ladder", () => {
  it("picks wasm here: tensorflow is absent (or only the danfo alias), webgpu has no package, no adapter or only a software one", async () => {
    const r = await initBackend({ env: {}, fresh: true });
    const webgpu = r.attempts.find((a) => a.backend === "webgpu")!;
    if (webgpu.ok) {
      // a machine with the WebGPU path and a hardware adapter: the ladder rightly prefers it
      expect(r.backend).toBe("webgpu");
      expect(webgpu.adapter!.software).toBe(false);
      expect(r.asyncReadsOnly).toBe(true);
      return;
    }
    expect(webgpu.detail).toMatch(/not installed|no GPU adapter|software adapter is slower than wasm/);
    expect(r.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(r.forced).toBe(false);
    expect(r.adapter).toBeNull();
    expect(r.asyncReadsOnly).toBe(false);
    expect(r.attempts.map((a) => a.backend)).toEqual(["tensorflow", "webgpu", "wasm"]);
    expect(r.attempts[0].ok).toBe(false);
    expect(r.description).toMatch(/^wasm \(SIMD (on|off), /);
  });

  it("prefers the native tensorflow backend when tfjs-node-gpu is importable", async () => {
    // A stand-in for @tensorflow/tfjs-node-gpu: importing it registers a 'tensorflow' backend (here a cpu one).
    const load = (id: string) => {
      if (id === "@tensorflow/tfjs-node-gpu") {
        tf.registerBackend("tensorflow", () => new MathBackendCPU());
        return {};
      }
      return require(id);
    };
    try {
      const r = await initBackend({ env: {}, load, fresh: true });
      expect(r.backend).toBe("tensorflow");
      expect(r.attempts.map((a) => a.backend)).toEqual(["tensorflow"]);
      expect(r.description).toMatch(/^tensorflow \(native libtensorflow via @tensorflow\/tfjs-node-gpu\)/);
    } finally {
      await initBackend({ force: "wasm" });
      if (tf.findBackendFactory("tensorflow")) tf.removeBackend("tensorflow");
    }
  });

  it("without tfjs-node-gpu (this machine), forcing tensorflow says how to install it, CUDA 11.2 + cuDNN 8.1 included", async () => {
    const load = loaderWithout("@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node");
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "tensorflow" }, load })).rejects.toThrow(
      /'tensorflow' is unavailable: @tensorflow\/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed[\s\S]*tfjs-node-gpu@4\.22\.0 \(CUDA 11\.2 \+ cuDNN 8\.1\)/,
    );
  });

  it("does not mistake danfo's tfjs-node alias for the native backend", async () => {
    // node_modules/@tensorflow/tfjs-node is plain tfjs through the npm override: it loads, but registers no
    // 'tensorflow' backend.
    const r = await initBackend({ env: {}, load: loaderWithout("@tensorflow/tfjs-node-gpu", "webgpu"), fresh: true });
    const tfAttempt = r.attempts.find((a) => a.backend === "tensorflow")!;
    expect(tfAttempt.ok).toBe(false);
    expect(tfAttempt.detail).toMatch(/tfjs-node-gpu not installed/);
    expect(tfAttempt.detail).toMatch(/alias|not installed/);
  });

  it("forcing an unavailable backend fails with a message that says how to get it", async () => {
    const load = loaderWithout("@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node", "webgpu");
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "tensorflow" }, load })).rejects.toThrow(
      BackendUnavailableError,
    );
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "tensorflow" }, load })).rejects.toThrow(
      /npm install --no-save @tensorflow\/tfjs-node/,
    );
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "webgpu" }, load })).rejects.toThrow(
      /'webgpu' is unavailable: package 'webgpu' \(dawn.node\) not installed[\s\S]*How to fix: install the WebGPU path/,
    );
  });

  it("rejects an unknown backend name", async () => {
    await expect(initBackend({ env: { SKIPLAB_BACKEND: "cuda" } })).rejects.toThrow(
      /SKIPLAB_BACKEND='cuda' is not a backend/,
    );
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
