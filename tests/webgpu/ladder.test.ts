/**
 * The webgpu rung with the real dawn.node, when the optional packages are installed (scripts/install-webgpu.sh);
 * skipped otherwise. With a software adapter (Mesa lavapipe) the unforced ladder passes over it and a forced one uses
 * it; with a hardware adapter the ladder picks it.
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, initBackend } from "../../lib/src/engine/ladder";
import { readFloat32 } from "../../lib/src/engine/read";

function installed(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}
const webgpuInstalled = installed("webgpu") && installed("@tensorflow/tfjs-backend-webgpu");

// Optional (not installed by npm ci or scripts/setup.sh): CI runs this file in its webgpu step, after installing it.
describe.skipIf(!webgpuInstalled)(
  `webgpu rung with dawn.node (installed here)${webgpuInstalled ? "" : " [skipped: webgpu and @tensorflow/tfjs-backend-webgpu are not installed; scripts/install-webgpu.sh]"}`,
  () => {
    it("discovers and reports the adapter; a software one is passed over unless forced", async () => {
      const auto = await initBackend({ env: {}, fresh: true });
      const attempt = auto.attempts.find((a) => a.backend === "webgpu")!;
      let forced;
      try {
        forced = await initBackend({ env: { SKIPLAB_BACKEND: "webgpu" }, fresh: true });
      } catch (e) {
        // the packages are there but no Vulkan driver is: the message says what to install
        expect(e).toBeInstanceOf(BackendUnavailableError);
        expect((e as Error).message).toMatch(/no GPU adapter \(no usable Vulkan driver/);
        expect(attempt.ok).toBe(false);
        return;
      }
      const adapter = forced.adapter!;
      expect(forced.backend).toBe("webgpu");
      expect(tf.getBackend()).toBe("webgpu");
      expect(forced.asyncReadsOnly).toBe(true);
      expect(adapter.vendor.length + adapter.description.length).toBeGreaterThan(0);
      expect(forced.description).toContain(adapter.description);
      console.log(`webgpu adapter: ${forced.description}`);
      if (adapter.software) {
        expect(auto.backend).not.toBe("webgpu");
        expect(attempt.detail).toMatch(/software adapter is slower than wasm/);
        expect(forced.description).toContain("[software adapter]");
      } else {
        expect(auto.backend === "webgpu" || auto.backend === "tensorflow").toBe(true);
      }
      // it computes: a device-sized matmul read back asynchronously
      const t = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])));
      expect((await readFloat32(t)).every((v) => v === 64)).toBe(true);
      t.dispose();
    });
  },
);
