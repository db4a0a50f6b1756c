/**
 * oneDNN (the library PyTorch's CPU convolutions run on) through the FFI package `koffi`: 2-D convolutions —
 * forward, backward-data and backward-weights, grouped or not, strided and dilated — computed directly on float32
 * buffers in tfjs' wasm heap. engine/conv.ts turns these into tfjs kernels.
 *
 * API: oneDNN 2.x's C API (the descriptor API; Debian 12 ships 2.6.3 as `libdnnl2`). oneDNN 3.x replaced
 * descriptors with opaque handles and is refused with a message saying so. Two structs cross the boundary as
 * opaque bytes, sized from the 2.x headers: `dnnl_memory_desc_t` (696 bytes) and `dnnl_convolution_desc_t`
 * (5976 bytes); a primitive descriptor's own memory descriptors are returned as pointers and passed back as they
 * are.
 *
 * Layouts: activations are NHWC (tfjs' layout, user memory, no copy); weights are HWIO (HWIGO when grouped) in user
 * memory and reordered to and from the blocked format oneDNN picks (`any`): on plain user weight layouts oneDNN
 * falls back to a much slower GEMM path, while with NHWC activations and `any` weights it runs the kernels PyTorch's
 * channels-last path runs. The weight reorders are cheap (weights are small next to activations).
 *
 * Primitives are created once per geometry and thread count and cached. Buffers are bound right before each
 * execution: a view of the wasm heap is taken after every allocation (an allocation may grow, and so replace, the
 * heap; a view of the old heap would reach C as a null pointer) and its length is checked against the geometry.
 *
 * Threads: oneDNN runs on OpenMP (libgomp). `OMP_WAIT_POLICY=PASSIVE` is set before the library loads (unless the
 * environment sets it), because spinning threads stall badly when another process holds a core; the thread count is
 * set with `omp_set_num_threads` and is part of the cache key (a primitive keeps the count it was created with).
 *
 * Library lookup: `SKIPLAB_DNNL` (a path; `off` disables oneDNN), then libdnnl.so.2, libdnnl.so,
 * $CONDA_PREFIX/lib/libdnnl.so.2.
 */
import type * as Koffi from "koffi";

/** The FFI package, loaded lazily (it is only needed when oneDNN is). */
let koffi: typeof Koffi;

// ---- the oneDNN 2.x ABI this binding relies on: constants from dnnl_types.h and the two struct sizes
// (tests/engine/onednn.test.ts compiles a C program against the installed headers and compares every entry)
export const ONEDNN_ABI = {
  DNNL_SUCCESS: { value: 0, c: "dnnl_success" },
  DNNL_F32: { value: 3, c: "dnnl_f32" },
  DNNL_TAG_ANY: { value: 1, c: "dnnl_format_tag_any" },
  DNNL_TAG_NHWC: { value: 20, c: "dnnl_nhwc" },
  DNNL_TAG_HWIO: { value: 30, c: "dnnl_hwio" },
  DNNL_TAG_HWIGO: { value: 33, c: "dnnl_hwigo" },
  DNNL_FORWARD_TRAINING: { value: 64, c: "dnnl_forward_training" },
  DNNL_CONVOLUTION_DIRECT: { value: 1, c: "dnnl_convolution_direct" },
  DNNL_CPU: { value: 1, c: "dnnl_cpu" },
  DNNL_STREAM_DEFAULT: { value: 1, c: "dnnl_stream_default_flags" },
  ARG_SRC: { value: 1, c: "DNNL_ARG_SRC" },
  ARG_DST: { value: 17, c: "DNNL_ARG_DST" },
  ARG_WEIGHTS: { value: 33, c: "DNNL_ARG_WEIGHTS" },
  ARG_DIFF_SRC: { value: 129, c: "DNNL_ARG_DIFF_SRC" },
  ARG_DIFF_DST: { value: 145, c: "DNNL_ARG_DIFF_DST" },
  ARG_DIFF_WEIGHTS: { value: 161, c: "DNNL_ARG_DIFF_WEIGHTS" },
  ARG_FROM: { value: 1, c: "DNNL_ARG_FROM" },
  ARG_TO: { value: 17, c: "DNNL_ARG_TO" },
  QUERY_SRC_MD: { value: 129, c: "dnnl_query_src_md" },
  QUERY_DIFF_SRC_MD: { value: 130, c: "dnnl_query_diff_src_md" },
  QUERY_WEIGHTS_MD: { value: 131, c: "dnnl_query_weights_md" },
  QUERY_DIFF_WEIGHTS_MD: { value: 132, c: "dnnl_query_diff_weights_md" },
  QUERY_DST_MD: { value: 133, c: "dnnl_query_dst_md" },
  QUERY_DIFF_DST_MD: { value: 134, c: "dnnl_query_diff_dst_md" },
  QUERY_IMPL_INFO_STR: { value: 8, c: "dnnl_query_impl_info_str" },
  DNNL_TAG_A: { value: 2, c: "dnnl_a" },
  DNNL_BACKWARD: { value: 128, c: "dnnl_backward" },
  DNNL_USE_SCALE: { value: 8, c: "dnnl_use_scale" },
  DNNL_USE_SHIFT: { value: 16, c: "dnnl_use_shift" },
  ARG_MEAN: { value: 49, c: "DNNL_ARG_MEAN" },
  ARG_VARIANCE: { value: 50, c: "DNNL_ARG_VARIANCE" },
  ARG_SCALE: { value: 51, c: "DNNL_ARG_SCALE" },
  ARG_SHIFT: { value: 52, c: "DNNL_ARG_SHIFT" },
  ARG_DIFF_SCALE: { value: 255, c: "DNNL_ARG_DIFF_SCALE" },
  ARG_DIFF_SHIFT: { value: 256, c: "DNNL_ARG_DIFF_SHIFT" },
  DNNL_BNORM_DESC_BYTES: { value: 3496, c: "sizeof(dnnl_batch_normalization_desc_t)" },
  DNNL_MEMORY_DESC_BYTES: { value: 696, c: "sizeof(dnnl_memory_desc_t)" },
  DNNL_CONV_DESC_BYTES: { value: 5976, c: "sizeof(dnnl_convolution_desc_t)" },
} as const;
const DNNL_SUCCESS = ONEDNN_ABI.DNNL_SUCCESS.value;
const DNNL_F32 = ONEDNN_ABI.DNNL_F32.value;
const DNNL_TAG_ANY = ONEDNN_ABI.DNNL_TAG_ANY.value;
const DNNL_TAG_NHWC = ONEDNN_ABI.DNNL_TAG_NHWC.value;
const DNNL_TAG_HWIO = ONEDNN_ABI.DNNL_TAG_HWIO.value;
const DNNL_TAG_HWIGO = ONEDNN_ABI.DNNL_TAG_HWIGO.value;
const DNNL_FORWARD_TRAINING = ONEDNN_ABI.DNNL_FORWARD_TRAINING.value;
const DNNL_CONVOLUTION_DIRECT = ONEDNN_ABI.DNNL_CONVOLUTION_DIRECT.value;
const DNNL_CPU = ONEDNN_ABI.DNNL_CPU.value;
const DNNL_STREAM_DEFAULT = ONEDNN_ABI.DNNL_STREAM_DEFAULT.value;
const ARG_SRC = ONEDNN_ABI.ARG_SRC.value;
const ARG_DST = ONEDNN_ABI.ARG_DST.value;
const ARG_WEIGHTS = ONEDNN_ABI.ARG_WEIGHTS.value;
const ARG_DIFF_SRC = ONEDNN_ABI.ARG_DIFF_SRC.value;
const ARG_DIFF_DST = ONEDNN_ABI.ARG_DIFF_DST.value;
const ARG_DIFF_WEIGHTS = ONEDNN_ABI.ARG_DIFF_WEIGHTS.value;
const ARG_FROM = ONEDNN_ABI.ARG_FROM.value;
const ARG_TO = ONEDNN_ABI.ARG_TO.value;
const QUERY_SRC_MD = ONEDNN_ABI.QUERY_SRC_MD.value;
const QUERY_DIFF_SRC_MD = ONEDNN_ABI.QUERY_DIFF_SRC_MD.value;
const QUERY_WEIGHTS_MD = ONEDNN_ABI.QUERY_WEIGHTS_MD.value;
const QUERY_DIFF_WEIGHTS_MD = ONEDNN_ABI.QUERY_DIFF_WEIGHTS_MD.value;
const QUERY_DST_MD = ONEDNN_ABI.QUERY_DST_MD.value;
const QUERY_DIFF_DST_MD = ONEDNN_ABI.QUERY_DIFF_DST_MD.value;
const QUERY_IMPL_INFO_STR = ONEDNN_ABI.QUERY_IMPL_INFO_STR.value;
const DNNL_TAG_A = ONEDNN_ABI.DNNL_TAG_A.value;
const DNNL_BACKWARD = ONEDNN_ABI.DNNL_BACKWARD.value;
const DNNL_USE_SCALE = ONEDNN_ABI.DNNL_USE_SCALE.value;
const DNNL_USE_SHIFT = ONEDNN_ABI.DNNL_USE_SHIFT.value;
const ARG_MEAN = ONEDNN_ABI.ARG_MEAN.value;
const ARG_VARIANCE = ONEDNN_ABI.ARG_VARIANCE.value;
const ARG_SCALE = ONEDNN_ABI.ARG_SCALE.value;
const ARG_SHIFT = ONEDNN_ABI.ARG_SHIFT.value;
const ARG_DIFF_SCALE = ONEDNN_ABI.ARG_DIFF_SCALE.value;
const ARG_DIFF_SHIFT = ONEDNN_ABI.ARG_DIFF_SHIFT.value;
const DNNL_BNORM_DESC_BYTES = ONEDNN_ABI.DNNL_BNORM_DESC_BYTES.value;
const DNNL_MEMORY_DESC_BYTES = ONEDNN_ABI.DNNL_MEMORY_DESC_BYTES.value;
const DNNL_CONV_DESC_BYTES = ONEDNN_ABI.DNNL_CONV_DESC_BYTES.value;
/** (void *)-1: let oneDNN allocate the buffer of a memory object. */
const DNNL_MEMORY_ALLOCATE = -1n;

/** An opaque oneDNN pointer (a koffi External); branded so that an out-parameter array is never passed for one. */
interface Handle {
  readonly __dnnlHandle: never;
}

interface Api {
  version(): { major: number; minor: number; patch: number; hash: string };
  engineCreate(out: Array<Handle | null>, kind: number, index: number): number;
  streamCreate(out: Array<Handle | null>, engine: Handle, flags: number): number;
  streamWait(stream: Handle): number;
  mdInitByTag(md: Buffer, ndims: number, dims: BigInt64Array, dtype: number, tag: number): number;
  mdGetSize(md: Handle | Buffer): number | bigint;
  mdEqual(a: Handle | Buffer, b: Handle | Buffer): number;
  convFwdInit(
    cd: Buffer,
    prop: number,
    alg: number,
    src: Buffer,
    wei: Buffer,
    bias: null,
    dst: Buffer,
    strides: BigInt64Array,
    dilates: BigInt64Array,
    padL: BigInt64Array,
    padR: BigInt64Array,
  ): number;
  convBwdDataInit(
    cd: Buffer,
    alg: number,
    diffSrc: Buffer,
    wei: Buffer,
    diffDst: Buffer,
    strides: BigInt64Array,
    dilates: BigInt64Array,
    padL: BigInt64Array,
    padR: BigInt64Array,
  ): number;
  convBwdWeightsInit(
    cd: Buffer,
    alg: number,
    src: Buffer,
    diffWei: Buffer,
    diffBias: null,
    diffDst: Buffer,
    strides: BigInt64Array,
    dilates: BigInt64Array,
    padL: BigInt64Array,
    padR: BigInt64Array,
  ): number;
  bnFwdInit(bd: Buffer, prop: number, data: Buffer, eps: number, flags: number): number;
  bnBwdInit(bd: Buffer, prop: number, diffData: Buffer, data: Buffer, eps: number, flags: number): number;
  pdCreate(out: Array<Handle | null>, desc: Buffer | null, attr: null, engine: Handle, hint: Handle | null): number;
  pdQueryMd(pd: Handle, what: number, index: number): Handle;
  pdQueryStr(pd: Handle, what: number, index: number, out: string[]): number;
  reorderPdCreate(
    out: Array<Handle | null>,
    src: Handle | Buffer,
    srcEngine: Handle,
    dst: Handle | Buffer,
    dstEngine: Handle,
    attr: null,
  ): number;
  primitiveCreate(out: Array<Handle | null>, pd: Handle): number;
  primitiveExecute(prim: Handle, stream: Handle, nargs: number, args: Buffer): number;
  memoryCreate(out: Array<Handle | null>, md: Handle | Buffer, engine: Handle, handle: Handle | bigint | null): number;
  memorySetDataHandle(mem: Handle, data: Float32Array): number;
  setThreads?: (n: number) => void;
}

export interface OneDnnStatus {
  available: boolean;
  /** The library that loaded, e.g. "libdnnl.so.2 (oneDNN 2.6.3)". */
  library: string | null;
  /** Every candidate tried, with the reason it failed. */
  tried: string[];
}

interface Loaded {
  api: Api;
  engine: Handle;
  stream: Handle;
  status: OneDnnStatus;
}

let loaded: Loaded | null | undefined;
let lastStatus: OneDnnStatus = { available: false, library: null, tried: [] };

const DISABLED = new Set(["off", "none", "0", "false"]);

/** The library names/paths tried, in order (empty when SKIPLAB_DNNL=off). */
export function oneDnnCandidates(env: Record<string, string | undefined> = process.env): string[] {
  const forced = env.SKIPLAB_DNNL;
  if (forced !== undefined && DISABLED.has(forced.trim().toLowerCase())) return [];
  const out = forced ? [forced] : [];
  out.push("libdnnl.so.2", "libdnnl.so");
  if (env.CONDA_PREFIX) out.push(`${env.CONDA_PREFIX}/lib/libdnnl.so.2`);
  return out;
}

function bind(lib: Koffi.IKoffiLib): Api {
  const version = koffi.struct("skiplab_dnnl_version_t", {
    major: "int",
    minor: "int",
    patch: "int",
    hash: "const char *",
    cpu_runtime: "uint",
    gpu_runtime: "uint",
  });
  const versionFn = lib.func("dnnl_version", koffi.pointer(version), []);
  const f = (proto: string) => lib.func(proto);
  const api: Api = {
    version: () => koffi.decode(versionFn(), version) as { major: number; minor: number; patch: number; hash: string },
    engineCreate: f("int dnnl_engine_create(_Out_ void **engine, int kind, size_t index)"),
    streamCreate: f("int dnnl_stream_create(_Out_ void **stream, void *engine, uint flags)"),
    streamWait: f("int dnnl_stream_wait(void *stream)"),
    mdInitByTag: f("int dnnl_memory_desc_init_by_tag(void *md, int ndims, const int64_t *dims, int dtype, int tag)"),
    mdGetSize: f("size_t dnnl_memory_desc_get_size(const void *md)"),
    mdEqual: f("int dnnl_memory_desc_equal(const void *a, const void *b)"),
    convFwdInit: f(
      "int dnnl_dilated_convolution_forward_desc_init(void *cd, int prop, int alg, const void *src, const void *wei, " +
        "const void *bias, const void *dst, const int64_t *strides, const int64_t *dilates, const int64_t *padL, " +
        "const int64_t *padR)",
    ),
    convBwdDataInit: f(
      "int dnnl_dilated_convolution_backward_data_desc_init(void *cd, int alg, const void *diffSrc, const void *wei, " +
        "const void *diffDst, const int64_t *strides, const int64_t *dilates, const int64_t *padL, const int64_t *padR)",
    ),
    convBwdWeightsInit: f(
      "int dnnl_dilated_convolution_backward_weights_desc_init(void *cd, int alg, const void *src, const void *diffWei, " +
        "const void *diffBias, const void *diffDst, const int64_t *strides, const int64_t *dilates, " +
        "const int64_t *padL, const int64_t *padR)",
    ),
    bnFwdInit: f(
      "int dnnl_batch_normalization_forward_desc_init(void *bd, int prop, const void *data, float eps, uint flags)",
    ),
    bnBwdInit: f(
      "int dnnl_batch_normalization_backward_desc_init(void *bd, int prop, const void *diffData, const void *data, " +
        "float eps, uint flags)",
    ),
    pdCreate: f(
      "int dnnl_primitive_desc_create(_Out_ void **pd, const void *desc, const void *attr, void *engine, const void *hint)",
    ),
    pdQueryMd: f("const void *dnnl_primitive_desc_query_md(const void *pd, int what, int index)"),
    pdQueryStr: f("int dnnl_primitive_desc_query(const void *pd, int what, int index, _Out_ const char **result)"),
    reorderPdCreate: f(
      "int dnnl_reorder_primitive_desc_create(_Out_ void **pd, const void *src, void *srcEngine, const void *dst, " +
        "void *dstEngine, const void *attr)",
    ),
    primitiveCreate: f("int dnnl_primitive_create(_Out_ void **prim, const void *pd)"),
    primitiveExecute: f("int dnnl_primitive_execute(const void *prim, void *stream, int nargs, const void *args)"),
    memoryCreate: f("int dnnl_memory_create(_Out_ void **mem, const void *md, void *engine, void *handle)"),
    memorySetDataHandle: f("int dnnl_memory_set_data_handle(void *mem, void *handle)"),
  };
  return api;
}

function ompThreads(): ((n: number) => void) | undefined {
  for (const name of ["libgomp.so.1", "libiomp5.so", "libomp.so"]) {
    try {
      const lib = koffi.load(name);
      const set = lib.func("void omp_set_num_threads(int n)");
      return (n: number) => set(n);
    } catch {
      // try the next runtime
    }
  }
  return undefined;
}

/**
 * Loads oneDNN once per process (see the module comment); null when it is not available, with the reasons in
 * `oneDnnStatus().tried`.
 */
export function loadOneDnn(env: Record<string, string | undefined> = process.env): Loaded | null {
  if (loaded !== undefined) return loaded;
  const tried: string[] = [];
  const candidates = oneDnnCandidates(env);
  if (candidates.length === 0) tried.push("nothing: oneDNN is disabled (SKIPLAB_DNNL=off)");
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "PASSIVE";
  if (candidates.length > 0) {
    try {
      koffi = require("koffi") as typeof Koffi;
    } catch (e) {
      tried.push(`koffi (the FFI package) failed to load: ${(e as Error).message}`);
      lastStatus = { available: false, library: null, tried };
      return (loaded = null);
    }
  }
  for (const name of candidates) {
    try {
      const lib = koffi.load(name);
      const api = bind(lib);
      const v = api.version();
      if (v.major !== 2) {
        tried.push(`${name}: oneDNN ${v.major}.${v.minor}.${v.patch}; this binding speaks the 2.x C API only`);
        continue;
      }
      api.setThreads = ompThreads();
      const engine: Array<Handle | null> = [null];
      check(api.engineCreate(engine, DNNL_CPU, 0), "dnnl_engine_create");
      const stream: Array<Handle | null> = [null];
      check(api.streamCreate(stream, engine[0]!, DNNL_STREAM_DEFAULT), "dnnl_stream_create");
      const status: OneDnnStatus = {
        available: true,
        library: `${name} (oneDNN ${v.major}.${v.minor}.${v.patch})`,
        tried,
      };
      lastStatus = status;
      return (loaded = { api, engine: engine[0]!, stream: stream[0]!, status });
    } catch (e) {
      tried.push(`${name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  lastStatus = { available: false, library: null, tried };
  return (loaded = null);
}

/** Whether oneDNN loaded, from where, and what was tried. */
export function oneDnnStatus(): OneDnnStatus {
  return { ...lastStatus, tried: [...lastStatus.tried] };
}

/** How to get oneDNN, for messages. */
export const ONEDNN_INSTALL_HINT =
  "install oneDNN 2.x (Debian/Ubuntu: apt-get install libdnnl2; conda: conda install -c conda-forge 'onednn<3') " +
  "or set SKIPLAB_DNNL=/path/to/libdnnl.so.2";

function check(status: number, what: string): void {
  if (status !== DNNL_SUCCESS) throw new Error(`oneDNN: ${what} failed with status ${status}`);
}

/** A 2-D convolution's geometry, NHWC activations; `groups` divides the channels. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  /** tfjs convention: 1 = no dilation. */
  dilations: [number, number];
  /** [top, left] and [bottom, right] padding. */
  padBegin: [number, number];
  padEnd: [number, number];
  groups: number;
}

/** A memory object bound to user data at execution time, with the element count the geometry implies. */
interface Bound {
  mem: Handle;
  length: number;
}

/** A weights layout conversion: user HWIO(/HWIGO) memory ⇄ the primitive's own format (null when they agree). */
interface WeightsReorder {
  prim: Handle;
  user: Bound;
  internal: Handle;
}

interface Step {
  prim: Handle;
  args: Buffer;
  /** Memory objects to bind, by their role. */
  bound: Record<string, Bound>;
  weights: WeightsReorder | null;
  impl: string;
}

interface ConvPrimitives {
  fwd?: Step;
  bwdData?: Step;
  bwdWeights?: Step;
  fwdPd?: Handle;
}

const cache = new Map<string, ConvPrimitives>();
let threads = 1;

/** The OpenMP thread count oneDNN primitives are created with from now on (part of the primitive cache key). */
export function setOneDnnThreads(n: number): void {
  const d = loadOneDnn();
  threads = Math.max(1, Math.floor(n));
  d?.api.setThreads?.(threads);
}

export function oneDnnThreads(): number {
  return threads;
}

function dims(...v: number[]): BigInt64Array {
  return BigInt64Array.from(v.map((x) => BigInt(x)));
}

function mdByTag(api: Api, shape: number[], tag: number): Buffer {
  const md = Buffer.alloc(DNNL_MEMORY_DESC_BYTES);
  check(api.mdInitByTag(md, shape.length, dims(...shape), DNNL_F32, tag), "dnnl_memory_desc_init_by_tag");
  return md;
}

/** Logical oneDNN shapes and user tags of the three tensors. */
function descs(api: Api, g: ConvGeometry) {
  const src = [g.batch, g.inChannels, g.inHeight, g.inWidth];
  const dst = [g.batch, g.outChannels, g.outHeight, g.outWidth];
  const wei =
    g.groups === 1
      ? [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth]
      : [g.groups, g.outChannels / g.groups, g.inChannels / g.groups, g.filterHeight, g.filterWidth];
  const weiTag = g.groups === 1 ? DNNL_TAG_HWIO : DNNL_TAG_HWIGO;
  return {
    src: mdByTag(api, src, DNNL_TAG_NHWC),
    dst: mdByTag(api, dst, DNNL_TAG_NHWC),
    weiUser: mdByTag(api, wei, weiTag),
    weiAny: mdByTag(api, wei, DNNL_TAG_ANY),
    counts: {
      src: src.reduce((a, b) => a * b, 1),
      dst: dst.reduce((a, b) => a * b, 1),
      wei: wei.reduce((a, b) => a * b, 1),
    },
    strides: dims(...g.strides),
    dilates: dims(g.dilations[0] - 1, g.dilations[1] - 1),
    padL: dims(...g.padBegin),
    padR: dims(...g.padEnd),
  };
}

function execArgs(pairs: Array<[number, Handle]>): Buffer {
  const b = Buffer.alloc(16 * pairs.length); // struct { int arg; dnnl_memory_t memory; }
  pairs.forEach(([arg, mem], i) => {
    b.writeInt32LE(arg, 16 * i);
    b.writeBigUInt64LE(BigInt(koffi.address(mem)), 16 * i + 8);
  });
  return b;
}

function memory(d: Loaded, md: Handle | Buffer, allocate = false): Handle {
  const out: Array<Handle | null> = [null];
  check(d.api.memoryCreate(out, md, d.engine, allocate ? DNNL_MEMORY_ALLOCATE : null), "dnnl_memory_create");
  return out[0]!;
}

function primitive(d: Loaded, pd: Handle): Handle {
  const out: Array<Handle | null> = [null];
  check(d.api.primitiveCreate(out, pd), "dnnl_primitive_create");
  return out[0]!;
}

function implName(d: Loaded, pd: Handle): string {
  const out: string[] = [""];
  return d.api.pdQueryStr(pd, QUERY_IMPL_INFO_STR, 0, out) === DNNL_SUCCESS ? out[0] : "?";
}

/**
 * The weights as the primitive wants them: when its format (queried with `query`) differs from the user HWIO
 * layout, a library-allocated buffer and a reorder between the two (`toUser`: internal → user, for gradients).
 */
function weightsFor(d: Loaded, pd: Handle, query: number, userMd: Buffer, count: number, toUser: boolean) {
  const md = d.api.pdQueryMd(pd, query, 0);
  if (d.api.mdEqual(md, userMd)) return { mem: memory(d, userMd), reorder: null };
  const internal = memory(d, md, true);
  const user = memory(d, userMd);
  const rpd: Array<Handle | null> = [null];
  check(
    toUser
      ? d.api.reorderPdCreate(rpd, md, d.engine, userMd, d.engine, null)
      : d.api.reorderPdCreate(rpd, userMd, d.engine, md, d.engine, null),
    "dnnl_reorder_primitive_desc_create",
  );
  const reorder: WeightsReorder = { prim: primitive(d, rpd[0]!), user: { mem: user, length: count }, internal };
  return { mem: internal, reorder };
}

function keyOf(g: ConvGeometry): string {
  return JSON.stringify([g, threads]);
}

function forwardPd(d: Loaded, g: ConvGeometry, p: ConvPrimitives, ds: ReturnType<typeof descs>): Handle {
  if (p.fwdPd !== undefined) return p.fwdPd;
  const cd = Buffer.alloc(DNNL_CONV_DESC_BYTES);
  check(
    d.api.convFwdInit(
      cd,
      DNNL_FORWARD_TRAINING,
      DNNL_CONVOLUTION_DIRECT,
      ds.src,
      ds.weiAny,
      null,
      ds.dst,
      ds.strides,
      ds.dilates,
      ds.padL,
      ds.padR,
    ),
    "dnnl_dilated_convolution_forward_desc_init",
  );
  return (p.fwdPd = primitiveDesc(d, cd, null, "convolution forward"));
}

function primitivesFor(g: ConvGeometry): ConvPrimitives {
  const key = keyOf(g);
  let p = cache.get(key);
  if (!p) {
    p = {};
    cache.set(key, p);
  }
  return p;
}

type Descs = ReturnType<typeof descs>;

/** A primitive descriptor for an initialised operation descriptor (`hint`: the forward one, for backward passes). */
function primitiveDesc(d: Loaded, desc: Buffer, hint: Handle | null, what: string): Handle {
  const out: Array<Handle | null> = [null];
  check(d.api.pdCreate(out, desc, null, d.engine, hint), `dnnl_primitive_desc_create (${what})`);
  return out[0]!;
}

/**
 * A convolution step from its primitive descriptor: the weights (user memory, or oneDNN's format with a reorder
 * `toUser` or from the user layout) and two activation tensors, each bound by name at execution time.
 */
function convStep(
  d: Loaded,
  pd: Handle,
  ds: Descs,
  weights: { name: string; arg: number; query: number; toUser: boolean },
  acts: Array<{ name: string; arg: number; query: number; length: number }>,
): Step {
  const w = weightsFor(d, pd, weights.query, ds.weiUser, ds.counts.wei, weights.toUser);
  const bound: Record<string, Bound> = {};
  const pairs: Array<[number, Handle]> = [[weights.arg, w.mem]];
  for (const a of acts) {
    const mem = memory(d, d.api.pdQueryMd(pd, a.query, 0));
    bound[a.name] = { mem, length: a.length };
    pairs.push([a.arg, mem]);
  }
  if (!w.reorder) bound[weights.name] = { mem: w.mem, length: ds.counts.wei };
  return { prim: primitive(d, pd), args: execArgs(pairs), bound, weights: w.reorder, impl: implName(d, pd) };
}

function buildForward(d: Loaded, g: ConvGeometry): Step {
  const ds = descs(d.api, g);
  const pd = forwardPd(d, g, primitivesFor(g), ds);
  return convStep(d, pd, ds, { name: "w", arg: ARG_WEIGHTS, query: QUERY_WEIGHTS_MD, toUser: false }, [
    { name: "x", arg: ARG_SRC, query: QUERY_SRC_MD, length: ds.counts.src },
    { name: "y", arg: ARG_DST, query: QUERY_DST_MD, length: ds.counts.dst },
  ]);
}

function buildBackwardData(d: Loaded, g: ConvGeometry): Step {
  const ds = descs(d.api, g);
  const hint = forwardPd(d, g, primitivesFor(g), ds);
  const cd = Buffer.alloc(DNNL_CONV_DESC_BYTES);
  check(
    d.api.convBwdDataInit(
      cd,
      DNNL_CONVOLUTION_DIRECT,
      ds.src,
      ds.weiAny,
      ds.dst,
      ds.strides,
      ds.dilates,
      ds.padL,
      ds.padR,
    ),
    "dnnl_dilated_convolution_backward_data_desc_init",
  );
  const pd = primitiveDesc(d, cd, hint, "convolution backward data");
  return convStep(d, pd, ds, { name: "w", arg: ARG_WEIGHTS, query: QUERY_WEIGHTS_MD, toUser: false }, [
    { name: "dy", arg: ARG_DIFF_DST, query: QUERY_DIFF_DST_MD, length: ds.counts.dst },
    { name: "dx", arg: ARG_DIFF_SRC, query: QUERY_DIFF_SRC_MD, length: ds.counts.src },
  ]);
}

function buildBackwardWeights(d: Loaded, g: ConvGeometry): Step {
  const ds = descs(d.api, g);
  const hint = forwardPd(d, g, primitivesFor(g), ds);
  const cd = Buffer.alloc(DNNL_CONV_DESC_BYTES);
  check(
    d.api.convBwdWeightsInit(
      cd,
      DNNL_CONVOLUTION_DIRECT,
      ds.src,
      ds.weiAny,
      null,
      ds.dst,
      ds.strides,
      ds.dilates,
      ds.padL,
      ds.padR,
    ),
    "dnnl_dilated_convolution_backward_weights_desc_init",
  );
  const pd = primitiveDesc(d, cd, hint, "convolution backward weights");
  return convStep(d, pd, ds, { name: "dw", arg: ARG_DIFF_WEIGHTS, query: QUERY_DIFF_WEIGHTS_MD, toUser: true }, [
    { name: "x", arg: ARG_SRC, query: QUERY_SRC_MD, length: ds.counts.src },
    { name: "dy", arg: ARG_DIFF_DST, query: QUERY_DIFF_DST_MD, length: ds.counts.dst },
  ]);
}

function bindData(d: Loaded, what: string, b: Bound, data: Float32Array): void {
  if (data.length !== b.length) {
    throw new Error(`oneDNN convolution: buffer '${what}' has ${data.length} elements, the geometry needs ${b.length}`);
  }
  if (data.buffer.byteLength === 0) throw new Error(`oneDNN convolution: buffer '${what}' is detached`);
  check(d.api.memorySetDataHandle(b.mem, data), "dnnl_memory_set_data_handle");
}

function run(d: Loaded, prim: Handle, args: Buffer): void {
  check(d.api.primitiveExecute(prim, d.stream, args.length / 16, args), "dnnl_primitive_execute");
  check(d.api.streamWait(d.stream), "dnnl_stream_wait");
}

function reorderArgs(r: WeightsReorder, toUser: boolean): Buffer {
  return execArgs(
    toUser
      ? [
          [ARG_FROM, r.internal],
          [ARG_TO, r.user.mem],
        ]
      : [
          [ARG_FROM, r.user.mem],
          [ARG_TO, r.internal],
        ],
  );
}

const reorderArgCache = new WeakMap<WeightsReorder, Buffer>();

function runReorder(d: Loaded, r: WeightsReorder, userData: Float32Array, toUser: boolean): void {
  bindData(d, "weights", r.user, userData);
  let args = reorderArgCache.get(r);
  if (!args) reorderArgCache.set(r, (args = reorderArgs(r, toUser)));
  run(d, r.prim, args);
}

function loadedOrThrow(): Loaded {
  const d = loadOneDnn();
  if (!d) throw new Error(`oneDNN is not available: ${oneDnnStatus().tried.join("; ")}. ${ONEDNN_INSTALL_HINT}`);
  return d;
}

/** y = conv(x, w): x [N,H,W,C], w [KH,KW,C/G,OC] (grouped: out channels group-major), y [N,OH,OW,OC]. */
export function convForward(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array): void {
  const d = loadedOrThrow();
  const p = primitivesFor(g);
  const s = (p.fwd ??= buildForward(d, g));
  if (s.weights) runReorder(d, s.weights, w, false); // into oneDNN's format; else w is bound as it is
  runBound(d, s, { x, w, y });
}

/** dx = ∂⟨dy, conv(x, w)⟩/∂x. */
export function convBackwardData(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void {
  const d = loadedOrThrow();
  const p = primitivesFor(g);
  const s = (p.bwdData ??= buildBackwardData(d, g));
  if (s.weights) runReorder(d, s.weights, w, false);
  runBound(d, s, { dy, w, dx });
}

/** dw = ∂⟨dy, conv(x, w)⟩/∂w, written in the user layout. */
export function convBackwardWeights(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void {
  const d = loadedOrThrow();
  const p = primitivesFor(g);
  const s = (p.bwdWeights ??= buildBackwardWeights(d, g));
  runBound(d, s, { x, dy, dw });
  if (s.weights) runReorder(d, s.weights, dw, true); // out of oneDNN's format into the user layout
}

/** The implementations oneDNN chose for a geometry (e.g. "brg:avx512_core"), creating its primitives if needed. */
export function convImplementations(g: ConvGeometry): {
  forward: string;
  backwardData: string;
  backwardWeights: string;
} {
  const d = loadedOrThrow();
  const p = primitivesFor(g);
  p.fwd ??= buildForward(d, g);
  p.bwdData ??= buildBackwardData(d, g);
  p.bwdWeights ??= buildBackwardWeights(d, g);
  return { forward: p.fwd.impl, backwardData: p.bwdData.impl, backwardWeights: p.bwdWeights.impl };
}

/** How many geometries have cached primitives. */
export function oneDnnCacheSize(): number {
  return cache.size;
}

// ---- batch normalisation over the channels of [N, C] data (N = batch · height · width for a conv layer)

/** Rows and channels of a batch normalisation, and its ε. */
export interface BatchNormGeometry {
  rows: number;
  channels: number;
  eps: number;
}

interface BnPrimitives {
  fwdPd: Handle;
  fwd: Step;
  bwd?: Step;
}

const bnCache = new Map<string, BnPrimitives>();

function bnDescs(api: Api, g: BatchNormGeometry) {
  // [N, C] as an N×C×1×1 tensor in NHWC order: channels innermost, exactly the row-major [N, C] buffer
  return {
    data: mdByTag(api, [g.rows, g.channels, 1, 1], DNNL_TAG_NHWC),
    stat: mdByTag(api, [g.channels], DNNL_TAG_A),
  };
}

function bnPrimitives(d: Loaded, g: BatchNormGeometry): BnPrimitives {
  const key = JSON.stringify([g, threads]);
  const hit = bnCache.get(key);
  if (hit) return hit;
  const ds = bnDescs(d.api, g);
  const bd = Buffer.alloc(DNNL_BNORM_DESC_BYTES);
  const flags = DNNL_USE_SCALE | DNNL_USE_SHIFT;
  check(
    d.api.bnFwdInit(bd, DNNL_FORWARD_TRAINING, ds.data, g.eps, flags),
    "dnnl_batch_normalization_forward_desc_init",
  );
  const pd = primitiveDesc(d, bd, null, "batch normalization forward");
  const mem = (md: Buffer) => memory(d, md);
  const bound = {
    x: { mem: mem(ds.data), length: g.rows * g.channels },
    y: { mem: mem(ds.data), length: g.rows * g.channels },
    mean: { mem: mem(ds.stat), length: g.channels },
    variance: { mem: mem(ds.stat), length: g.channels },
    gamma: { mem: mem(ds.stat), length: g.channels },
    beta: { mem: mem(ds.stat), length: g.channels },
  };
  const fwd: Step = {
    prim: primitive(d, pd),
    args: execArgs([
      [ARG_SRC, bound.x.mem],
      [ARG_DST, bound.y.mem],
      [ARG_MEAN, bound.mean.mem],
      [ARG_VARIANCE, bound.variance.mem],
      [ARG_SCALE, bound.gamma.mem],
      [ARG_SHIFT, bound.beta.mem],
    ]),
    bound,
    weights: null,
    impl: implName(d, pd),
  };
  const p: BnPrimitives = { fwdPd: pd, fwd };
  bnCache.set(key, p);
  return p;
}

function bnBackwardStep(d: Loaded, g: BatchNormGeometry, p: BnPrimitives): Step {
  const ds = bnDescs(d.api, g);
  const bd = Buffer.alloc(DNNL_BNORM_DESC_BYTES);
  const flags = DNNL_USE_SCALE | DNNL_USE_SHIFT;
  check(
    d.api.bnBwdInit(bd, DNNL_BACKWARD, ds.data, ds.data, g.eps, flags),
    "dnnl_batch_normalization_backward_desc_init",
  );
  const pd = primitiveDesc(d, bd, p.fwdPd, "batch normalization backward");
  const mem = (md: Buffer) => memory(d, md);
  const n = g.rows * g.channels;
  const bound = {
    x: { mem: mem(ds.data), length: n },
    dy: { mem: mem(ds.data), length: n },
    dx: { mem: mem(ds.data), length: n },
    mean: { mem: mem(ds.stat), length: g.channels },
    variance: { mem: mem(ds.stat), length: g.channels },
    gamma: { mem: mem(ds.stat), length: g.channels },
    beta: { mem: mem(ds.stat), length: g.channels },
    dgamma: { mem: mem(ds.stat), length: g.channels },
    dbeta: { mem: mem(ds.stat), length: g.channels },
  };
  return {
    prim: primitive(d, pd),
    args: execArgs([
      [ARG_SRC, bound.x.mem],
      [ARG_DIFF_DST, bound.dy.mem],
      [ARG_MEAN, bound.mean.mem],
      [ARG_VARIANCE, bound.variance.mem],
      [ARG_SCALE, bound.gamma.mem],
      [ARG_SHIFT, bound.beta.mem], // oneDNN 2.6 refuses the backward pass without it, though dx does not use β
      [ARG_DIFF_SRC, bound.dx.mem],
      [ARG_DIFF_SCALE, bound.dgamma.mem],
      [ARG_DIFF_SHIFT, bound.dbeta.mem],
    ]),
    bound,
    weights: null,
    impl: implName(d, pd),
  };
}

/** Binds every memory of the step to the buffer of the same name, then executes it. */
function runBound(d: Loaded, s: Step, buffers: Record<string, Float32Array>): void {
  for (const [name, b] of Object.entries(s.bound)) bindData(d, name, b, buffers[name]);
  run(d, s.prim, s.args);
}

/** Training-mode batch normalisation: y = γ (x − μ)/√(σ² + ε) + β per channel, and the batch μ and (biased) σ². */
export function batchNormForward(
  g: BatchNormGeometry,
  buffers: {
    x: Float32Array;
    gamma: Float32Array;
    beta: Float32Array;
    y: Float32Array;
    mean: Float32Array;
    variance: Float32Array;
  },
): void {
  const d = loadedOrThrow();
  runBound(d, bnPrimitives(d, g).fwd, buffers);
}

/** Its backward pass (y path): dx, dγ, dβ from x, dy and the saved batch statistics. */
export function batchNormBackward(
  g: BatchNormGeometry,
  buffers: {
    x: Float32Array;
    dy: Float32Array;
    mean: Float32Array;
    variance: Float32Array;
    gamma: Float32Array;
    beta: Float32Array;
    dx: Float32Array;
    dgamma: Float32Array;
    dbeta: Float32Array;
  },
): void {
  const d = loadedOrThrow();
  const p = bnPrimitives(d, g);
  p.bwd ??= bnBackwardStep(d, g, p);
  runBound(d, p.bwd, buffers);
}
