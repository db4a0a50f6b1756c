/**
 * The backend ladder: one call that picks, initialises and reports the TensorFlow.js backend.
 *
 *   tensorflow  @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (native libtensorflow; optional, user-installed)
 *   webgpu      the `webgpu` package (dawn.node) + @tensorflow/tfjs-backend-webgpu, when an adapter is found
 *   wasm        @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; the default on machines without the above)
 *   cpu         the pure-JS reference backend
 *
 * `SKIPLAB_BACKEND=tensorflow|webgpu|wasm|cpu` forces one rung and fails with a message saying how to get it.
 */
import * as tf from "@tensorflow/tfjs";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
export const BACKEND_LADDER: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

/** What one rung of the ladder did. */
export interface RungAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it was skipped or failed, or what it found (package, adapter). */
  detail: string;
}

export interface BackendReport {
  /** The backend tfjs now uses. */
  backend: BackendName;
  /** True when the backend was forced through `SKIPLAB_BACKEND` or `options.force`. */
  forced: boolean;
  /** A one-line description, e.g. "wasm (SIMD on, 1 thread) — tfjs 4.22.0". */
  description: string;
  /** Every rung tried, in order. */
  attempts: RungAttempt[];
  tfjsVersion: string;
  /** Whether reads must be asynchronous (`await t.data()`): true on webgpu, which has no `dataSync`. */
  asyncReadsOnly: boolean;
}

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`Backend '${backend}' is unavailable: ${reason}\nHow to fix: ${fix}`);
    this.name = "BackendUnavailableError";
  }
}

/** How a user gets each rung, quoted in errors. */
export const BACKEND_FIX: Record<BackendName, string> = {
  tensorflow:
    "install @tensorflow/tfjs-node@4.22.0 (CPU) or @tensorflow/tfjs-node-gpu@4.22.0 (CUDA 11.2 + cuDNN 8.1) next to the project " +
    "(`npm install --no-save @tensorflow/tfjs-node@4.22.0`); its install script downloads libtensorflow, so it needs internet. " +
    "Or unset SKIPLAB_BACKEND to let the ladder pick.",
  webgpu:
    "install the WebGPU path (`npm install --no-save webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`) and a Vulkan driver " +
    "(NVIDIA's driver ships one; Mesa lavapipe from Debian bookworm-backports gives a software adapter). See README 'Running on a GPU'. " +
    "Or unset SKIPLAB_BACKEND to let the ladder pick.",
  wasm: "reinstall the project's dependencies (`npm ci`): @tensorflow/tfjs-backend-wasm is a required dependency.",
  cpu: "reinstall the project's dependencies (`npm ci`).",
};

export interface InitBackendOptions {
  /** Force one rung (overrides the environment variable). */
  force?: BackendName;
  /** Environment to read `SKIPLAB_BACKEND` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Module loader used to probe optional packages (default: Node's `require`). Tests pass a loader that
   * pretends a package is missing.
   */
  load?: (id: string) => unknown;
}

let current: BackendReport | null = null;

/** The report of the last successful `initBackend`, or null. */
export function backendReport(): BackendReport | null {
  return current;
}

/**
 * Picks, initialises and reports the tfjs backend. Idempotent: a second call with the same choice returns the
 * same report without re-initialising.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const load = options.load ?? ((id: string) => require(id));
  const requested = options.force ?? parseBackendName(env.SKIPLAB_BACKEND);
  if (current && (requested === undefined || requested === current.backend) && tf.getBackend() === current.backend) {
    return current;
  }

  const attempts: RungAttempt[] = [];
  const rungs = requested ? [requested] : BACKEND_LADDER;
  for (const rung of rungs) {
    const attempt = await tryRung(rung, load);
    attempts.push(attempt);
    if (attempt.ok) {
      current = {
        backend: rung,
        forced: requested !== undefined,
        description: `${rung} (${attempt.detail}) — tfjs ${tf.version.tfjs}`,
        attempts,
        tfjsVersion: tf.version.tfjs,
        asyncReadsOnly: rung === "webgpu",
      };
      return current;
    }
    if (requested) throw new BackendUnavailableError(rung, attempt.detail, BACKEND_FIX[rung]);
  }
  throw new Error(
    "No TensorFlow.js backend could be initialised:\n" +
      attempts.map((a) => `  ${a.backend}: ${a.detail}`).join("\n") +
      "\nHow to fix: reinstall the project's dependencies with `npm ci`.",
  );
}

function parseBackendName(value: string | undefined): BackendName | undefined {
  if (value === undefined || value.trim() === "" || value === "auto") return undefined;
  const v = value.trim().toLowerCase();
  if ((BACKEND_LADDER as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(
    `SKIPLAB_BACKEND='${value}' is not a backend. Use one of: ${BACKEND_LADDER.join(", ")} (or unset it to let the ladder pick).`,
  );
}

async function tryRung(rung: BackendName, load: (id: string) => unknown): Promise<RungAttempt> {
  try {
    switch (rung) {
      case "tensorflow":
        return await tryTensorflow(load);
      case "webgpu":
        return await tryWebgpu(load);
      case "wasm":
        return await tryWasm(load);
      case "cpu":
        if (!(await tf.setBackend("cpu"))) return { backend: "cpu", ok: false, detail: "tf.setBackend('cpu') failed" };
        await tf.ready();
        return { backend: "cpu", ok: true, detail: "pure JavaScript" };
    }
  } catch (e) {
    return { backend: rung, ok: false, detail: `initialisation threw: ${(e as Error).message}` };
  }
}

function missing(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND";
}

async function tryTensorflow(load: (id: string) => unknown): Promise<RungAttempt> {
  const notes: string[] = [];
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      load(pkg);
    } catch (e) {
      notes.push(missing(e) ? `${pkg} not installed` : `${pkg} failed to load: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    // danfojs-node depends on tfjs-node; the project aliases that dependency to plain tfjs, so a package of this
    // name can load without registering the native backend. Only a registered 'tensorflow' backend counts.
    if (tf.findBackendFactory("tensorflow") === null) {
      notes.push(`${pkg} resolves to a package without the native 'tensorflow' backend (an alias)`);
      continue;
    }
    if (!(await tf.setBackend("tensorflow"))) {
      notes.push(`${pkg} registered 'tensorflow' but it failed to initialise`);
      continue;
    }
    await tf.ready();
    return { backend: "tensorflow", ok: true, detail: `native libtensorflow via ${pkg}` };
  }
  return { backend: "tensorflow", ok: false, detail: notes.join("; ") };
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: Record<string, string>; requestAdapterInfo?: () => Promise<Record<string, string>> } | null>;
}

async function tryWebgpu(load: (id: string) => unknown): Promise<RungAttempt> {
  let dawn: { create: (flags: string[]) => GpuLike; globals?: Record<string, unknown> };
  try {
    dawn = load("webgpu") as typeof dawn;
  } catch (e) {
    return { backend: "webgpu", ok: false, detail: missing(e) ? "package 'webgpu' (dawn.node) not installed" : `webgpu failed to load: ${(e as Error).message}` };
  }
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  let gpu = g.navigator?.gpu;
  if (!gpu) {
    if (dawn.globals) Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
    // tfjs-backend-webgpu looks for navigator.gpu.
    Object.defineProperty(globalThis, "navigator", { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { backend: "webgpu", ok: false, detail: "dawn.node found no GPU adapter (no usable Vulkan driver)" };
  const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  const adapterName = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(" ") || "unnamed adapter";
  try {
    load("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    return { backend: "webgpu", ok: false, detail: `adapter '${adapterName}' found, but @tensorflow/tfjs-backend-webgpu is not installed` };
  }
  if (!(await tf.setBackend("webgpu"))) return { backend: "webgpu", ok: false, detail: `adapter '${adapterName}': tf.setBackend('webgpu') failed` };
  await tf.ready();
  return { backend: "webgpu", ok: true, detail: `adapter: ${adapterName}` };
}

async function tryWasm(load: (id: string) => unknown): Promise<RungAttempt> {
  try {
    load("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    return { backend: "wasm", ok: false, detail: missing(e) ? "@tensorflow/tfjs-backend-wasm not installed" : `failed to load: ${(e as Error).message}` };
  }
  if (!(await tf.setBackend("wasm"))) return { backend: "wasm", ok: false, detail: "tf.setBackend('wasm') failed" };
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  return { backend: "wasm", ok: true, detail: `SIMD ${simd ? "on" : "off"}, ${threads ? "multithreaded" : "1 thread"}` };
}
