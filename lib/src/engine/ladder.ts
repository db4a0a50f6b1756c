/**
 * The backend ladder: one call that picks, initialises and reports the TensorFlow.js backend.
 *
 *   tensorflow  @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (native libtensorflow; optional, user-installed)
 *   webgpu      the `webgpu` package (dawn.node) + @tensorflow/tfjs-backend-webgpu, when a hardware adapter is found
 *               (optional, `scripts/install-webgpu.sh`; a software adapter such as lavapipe only when forced)
 *   wasm        @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; the default on machines without the above)
 *   cpu         the pure-JS reference backend
 *
 * `SKIPLAB_BACKEND=tensorflow|webgpu|wasm|cpu` forces one rung and fails with a message saying how to get it.
 *
 * The webgpu rung reports the adapter dawn.node offers (vendor / architecture / device / description) and whether it
 * is a software adapter (Mesa lavapipe, SwiftShader). A software adapter is correct but slower than wasm, so the
 * ladder passes over it unless webgpu is forced; forced, it runs (that is how the tests check the webgpu code paths
 * on a machine without a GPU). `SKIPLAB_WEBGPU_FLAGS` passes flags to dawn.node's `create`, e.g.
 * "adapter=NVIDIA" or "backend=vulkan" (an unknown adapter name makes dawn list the adapters it sees).
 * On webgpu, read tensors asynchronously (read.ts): it has no `dataSync` for GPU-resident tensors.
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
  /** webgpu only: the adapter found, when one was. */
  adapter?: WebgpuAdapterReport;
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
  /** The WebGPU adapter in use (backend webgpu), else null. */
  adapter: WebgpuAdapterReport | null;
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
    "install the WebGPU path (`scripts/install-webgpu.sh`, i.e. `npm install --no-save webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`) " +
    "and a Vulkan driver (NVIDIA's driver ships one; `scripts/install-webgpu.sh --lavapipe` installs Mesa lavapipe from Debian " +
    "bookworm-backports, a software adapter). See README 'Running on a GPU'. " +
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
  /** Run the ladder again even when an earlier call already picked a backend (default false: reuse that choice). */
  fresh?: boolean;
}

let current: BackendReport | null = null;

/** The report of the last successful `initBackend`, or null. */
export function backendReport(): BackendReport | null {
  return current;
}

/** The last WebGPU adapter the ladder found (used or skipped), or null when none was probed or found. */
export function webgpuAdapter(): WebgpuAdapterReport | null {
  return lastAdapter;
}

/**
 * Picks, initialises and reports the tfjs backend. Idempotent: a second call with the same choice returns the
 * same report without re-initialising.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const load = options.load ?? ((id: string) => require(id));
  const requested = options.force ?? parseBackendName(env.SKIPLAB_BACKEND);
  if (
    !options.fresh &&
    current &&
    (requested === undefined || requested === current.backend) &&
    tf.getBackend() === current.backend
  ) {
    return current;
  }

  const attempts: RungAttempt[] = [];
  const rungs = requested ? [requested] : BACKEND_LADDER;
  for (const rung of rungs) {
    const attempt = await tryRung(rung, load, env, requested !== undefined);
    attempts.push(attempt);
    if (attempt.ok) {
      current = {
        backend: rung,
        forced: requested !== undefined,
        description: `${rung} (${attempt.detail}) — tfjs ${tf.version.tfjs}`,
        attempts,
        tfjsVersion: tf.version.tfjs,
        asyncReadsOnly: rung === "webgpu",
        adapter: rung === "webgpu" ? (attempt.adapter ?? null) : null,
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

export function parseBackendName(value: string | undefined): BackendName | undefined {
  if (value === undefined || value.trim() === "" || value === "auto") return undefined;
  const v = value.trim().toLowerCase();
  if ((BACKEND_LADDER as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(
    `SKIPLAB_BACKEND='${value}' is not a backend. Use one of: ${BACKEND_LADDER.join(", ")} (or unset it to let the ladder pick).`,
  );
}

async function tryRung(
  rung: BackendName,
  load: (id: string) => unknown,
  env: Record<string, string | undefined>,
  forced: boolean,
): Promise<RungAttempt> {
  try {
    switch (rung) {
      case "tensorflow":
        return await tryTensorflow(load);
      case "webgpu":
        return await tryWebgpu(load, env, forced);
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

/** What WebGPU adapter dawn.node offered (the fields of GPUAdapterInfo, plus a software-adapter verdict). */
export interface WebgpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /**
   * True for a CPU rasteriser posing as a GPU (Mesa lavapipe/llvmpipe, SwiftShader, WARP) or an adapter flagged as
   * a fallback: correct, and slower than the wasm backend (≈ 500 ms vs 70 ms per 30×128 MLP step on 2 cores).
   */
  software: boolean;
  /** The dawn.node flags passed to `create` (from SKIPLAB_WEBGPU_FLAGS, e.g. "adapter=NVIDIA backend=vulkan"). */
  flags: string[];
}

/** Adapter names that mark a software implementation. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|softpipe|software|microsoft basic render|\bwarp\b/i;

/** One line naming the adapter, e.g. "nvidia / hopper / … (NVIDIA H100 80GB HBM3)" or "mesa / software / llvmpipe … [software]". */
export function describeAdapter(a: WebgpuAdapterReport): string {
  const parts = [a.vendor, a.architecture, a.device].filter((s) => s);
  const head = parts.join(" / ") || "unnamed adapter";
  const desc = a.description && !parts.includes(a.description) ? ` (${a.description})` : "";
  return `${head}${desc}${a.software ? " [software adapter]" : ""}`;
}

/** Classifies a GPUAdapterInfo-like record. Exported for tests. */
export function adapterReport(
  info: Record<string, unknown>,
  flags: string[] = [],
  isFallback = false,
): WebgpuAdapterReport {
  const field = (k: string) => (typeof info[k] === "string" ? (info[k] as string).trim() : "");
  const r = {
    vendor: field("vendor"),
    architecture: field("architecture"),
    device: field("device"),
    description: field("description"),
  };
  const software =
    isFallback ||
    info.isFallbackAdapter === true ||
    SOFTWARE_ADAPTER.test([r.vendor, r.architecture, r.device, r.description].join(" "));
  return { ...r, software, flags };
}

/** The webgpu adapter of the last successful webgpu initialisation (or of the last probe that found one), or null. */
let lastAdapter: WebgpuAdapterReport | null = null;

interface GpuAdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create: (flags: string[]) => GpuLike;
  globals?: Record<string, unknown>;
}

/** dawn.node flags from SKIPLAB_WEBGPU_FLAGS (whitespace-separated; dawn's own lists use commas). */
export function webgpuFlags(env: Record<string, string | undefined>): string[] {
  return (env.SKIPLAB_WEBGPU_FLAGS ?? "").split(/\s+/).filter((s) => s);
}

async function tryWebgpu(
  load: (id: string) => unknown,
  env: Record<string, string | undefined>,
  forced: boolean,
): Promise<RungAttempt> {
  let dawn: DawnModule;
  try {
    dawn = load("webgpu") as DawnModule;
  } catch (e) {
    if (missing(e)) return { backend: "webgpu", ok: false, detail: "package 'webgpu' (dawn.node) not installed" };
    const code = (e as { code?: string }).code;
    const why =
      code === "ERR_REQUIRE_ESM"
        ? `it is an ES module and this Node (${process.version}) cannot require one: use Node ≥ 20.19`
        : (e as Error).message.split("\n")[0];
    return { backend: "webgpu", ok: false, detail: `package 'webgpu' failed to load: ${why}` };
  }
  const flags = webgpuFlags(env);
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  let gpu = g.navigator?.gpu;
  let release = () => {};
  if (!gpu) {
    // tfjs-backend-webgpu uses the GPU* constants (GPUBufferUsage, GPUMapMode, …) as globals and looks for navigator.gpu.
    if (dawn.globals) Object.assign(globalThis, dawn.globals);
    gpu = dawn.create(flags);
    const before = Object.getOwnPropertyDescriptor(globalThis, "navigator");
    Object.defineProperty(globalThis, "navigator", {
      value: { ...(g.navigator ?? {}), gpu },
      configurable: true,
      writable: true,
    });
    // An unused dawn instance referenced from a global keeps Node from exiting (dawn.node README, "Lifetime").
    release = () => {
      if (before) Object.defineProperty(globalThis, "navigator", before);
      else delete (globalThis as { navigator?: unknown }).navigator;
    };
  }
  let ok = false;
  try {
    const attempt = await webgpuWith(gpu, flags, load, forced);
    ok = attempt.ok;
    return attempt;
  } finally {
    if (!ok) release();
  }
}

async function webgpuWith(
  gpu: GpuLike,
  flags: string[],
  load: (id: string) => unknown,
  forced: boolean,
): Promise<RungAttempt> {
  // The same request tfjs-backend-webgpu makes, so the adapter reported is the one it will use.
  const powerPreference = lowPowerGpuWanted() ? "low-power" : "high-performance";
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) {
    return {
      backend: "webgpu",
      ok: false,
      detail:
        "dawn.node found no GPU adapter (no usable Vulkan driver: install the NVIDIA driver's Vulkan ICD, or Mesa lavapipe for a software check)",
    };
  }
  const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  const found = adapterReport(info, flags, adapter.isFallbackAdapter === true);
  lastAdapter = found;
  const name = describeAdapter(found);
  if (found.software && !forced) {
    return {
      backend: "webgpu",
      ok: false,
      detail: `adapter ${name} skipped: a software adapter is slower than wasm (force it with SKIPLAB_BACKEND=webgpu)`,
      adapter: found,
    };
  }
  try {
    load("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    const why = missing(e) ? "is not installed" : `failed to load: ${(e as Error).message.split("\n")[0]}`;
    return {
      backend: "webgpu",
      ok: false,
      detail: `adapter ${name} found, but @tensorflow/tfjs-backend-webgpu ${why}`,
      adapter: found,
    };
  }
  if (tf.findBackendFactory("webgpu") === null) {
    // The package registers its backend only if navigator.gpu existed when it was first imported.
    return {
      backend: "webgpu",
      ok: false,
      detail: `adapter ${name} found, but @tensorflow/tfjs-backend-webgpu was imported before navigator.gpu was set and registered no backend: let initBackend import it`,
      adapter: found,
    };
  }
  if (!(await tf.setBackend("webgpu")))
    return { backend: "webgpu", ok: false, detail: `adapter ${name}: tf.setBackend('webgpu') failed`, adapter: found };
  await tf.ready();
  return { backend: "webgpu", ok: true, detail: `adapter: ${name}`, adapter: found };
}

/** tfjs' WEBGPU_USE_LOW_POWER_GPU flag (false until tfjs-backend-webgpu has registered it). */
function lowPowerGpuWanted(): boolean {
  try {
    return tf.env().getBool("WEBGPU_USE_LOW_POWER_GPU");
  } catch {
    return false;
  }
}

async function tryWasm(load: (id: string) => unknown): Promise<RungAttempt> {
  try {
    load("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    return {
      backend: "wasm",
      ok: false,
      detail: missing(e) ? "@tensorflow/tfjs-backend-wasm not installed" : `failed to load: ${(e as Error).message}`,
    };
  }
  if (!(await tf.setBackend("wasm"))) return { backend: "wasm", ok: false, detail: "tf.setBackend('wasm') failed" };
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  return {
    backend: "wasm",
    ok: true,
    detail: `SIMD ${simd ? "on" : "off"}, ${threads ? "multithreaded" : "1 thread"}`,
  };
}
