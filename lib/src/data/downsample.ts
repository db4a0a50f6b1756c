/**
 * Spatial downsampling by area averaging (what OpenCV calls INTER_AREA): output pixel (i, j) is the mean of the
 * input over the rectangle [i * H/h, (i + 1) * H/h) x [j * W/w, (j + 1) * W/w), partial pixels weighted by the
 * fraction covered. For integer factors (32 -> 8, 96 -> 32, 28 -> 14) that is the plain mean of each k x k block.
 * The filter is separable: rows first, then columns, in float64.
 */
import { withInputs, type Dataset, type InputArray } from "./dataset";
import { DatasetError } from "./errors";

/** For each output index o: the input indices it covers and their weights (summing to 1). */
export interface AreaPlan {
  inLen: number;
  outLen: number;
  /** Offsets into idx/w per output index: entries start[o] .. start[o + 1] - 1. */
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

/** Area-averaging weights for shrinking `inLen` samples to `outLen`. */
export function areaPlan(inLen: number, outLen: number): AreaPlan {
  if (!(Number.isInteger(outLen) && outLen >= 1 && outLen <= inLen)) {
    throw new DatasetError({
      code: "argument",
      what: "Area downsampling can only shrink an image",
      file: "downsample",
      expected: `an output size in 1..${inLen}`,
      found: `${outLen}`,
      fix: "pick a smaller output size (e.g. 8 or 16 for 32x32 images, 32 for STL-10's 96x96)",
    });
  }
  const s = inLen / outLen; // input samples per output sample
  const start = new Int32Array(outLen + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let o = 0; o < outLen; o++) {
    start[o] = idx.length;
    const a = o * s;
    const b = (o + 1) * s;
    for (let i = Math.floor(a); i < Math.min(Math.ceil(b - 1e-12), inLen); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 1e-12) {
        idx.push(i);
        w.push(overlap / s);
      }
    }
  }
  start[outLen] = idx.length;
  return { inLen, outLen, start, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/**
 * Downsamples one image of C channels between arbitrary strides (CHW: sc = H*W, sh = W, sw = 1;
 * HWC: sc = 1, sh = W*C, sw = C). `tmp` must hold at least H * outW numbers.
 */
export function downsampleImage(
  src: ArrayLike<number>, srcOff: number, C: number, H: number, W: number, srcStrides: [number, number, number],
  dst: Float32Array | Uint8Array, dstOff: number, rows: AreaPlan, cols: AreaPlan, dstStrides: [number, number, number],
  tmp: Float64Array,
): void {
  if (rows.inLen !== H || cols.inLen !== W) throw new Error(`downsampleImage: plans for ${rows.inLen}x${cols.inLen}, image ${H}x${W}`);
  const [sc, sh, sw] = srcStrides;
  const [dc, dh, dw] = dstStrides;
  const outH = rows.outLen;
  const outW = cols.outLen;
  const round = dst instanceof Uint8Array;
  for (let c = 0; c < C; c++) {
    // Along each row: tmp[h, j] = sum_k w_k * src[c, h, idx_k]            (tmp: [H, outW])
    for (let h = 0; h < H; h++) {
      const base = srcOff + c * sc + h * sh;
      for (let j = 0; j < outW; j++) {
        let acc = 0;
        for (let k = cols.start[j]; k < cols.start[j + 1]; k++) acc += cols.w[k] * src[base + cols.idx[k] * sw];
        tmp[h * outW + j] = acc;
      }
    }
    // Along each column: dst[c, i, j] = sum_k w_k * tmp[idx_k, j]
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        let acc = 0;
        for (let k = rows.start[i]; k < rows.start[i + 1]; k++) acc += rows.w[k] * tmp[rows.idx[k] * outW + j];
        dst[dstOff + c * dc + i * dh + j * dw] = round ? Math.min(255, Math.max(0, Math.round(acc))) : acc;
      }
    }
  }
}

export interface DownsampleOptions {
  /** Output height. */
  height: number;
  /** Output width; default = height. */
  width?: number;
  /**
   * Output element type. "float32" (default) keeps the exact averages; "same" keeps a uint8 input uint8,
   * rounding each average to the nearest integer (error <= 0.5 grey level), for compact storage.
   */
  dtype?: "float32" | "same";
}

/** Strides (channel, row, column) of a [C, H, W] image stored in `layout`. */
export function imageStrides(layout: "chw" | "hwc", C: number, H: number, W: number): [number, number, number] {
  return layout === "chw" ? [H * W, W, 1] : [1, W * C, C];
}

/** Downsamples every image of a CHW or HWC dataset; keeps the layout. */
export function downsample(ds: Dataset, opts: DownsampleOptions): Dataset {
  if (ds.layout === "flat" || ds.shape.length !== 3) {
    throw new DatasetError({
      code: "argument",
      what: `downsample needs images, but dataset "${ds.name}" is ${ds.layout} with shape [${ds.shape.join(", ")}]`,
      file: ds.name,
      expected: 'layout "chw" or "hwc" with a 3-d shape',
      found: `layout "${ds.layout}"`,
      fix: "downsample before flattening or PCA",
    });
  }
  const [C, H, W] = ds.layout === "chw" ? ds.shape : [ds.shape[2], ds.shape[0], ds.shape[1]];
  const outH = opts.height;
  const outW = opts.width ?? opts.height;
  const rows = areaPlan(H, outH);
  const cols = areaPlan(W, outW);
  const dIn = C * H * W;
  const dOut = C * outH * outW;
  const x: InputArray =
    opts.dtype === "same" && ds.x instanceof Uint8Array ? new Uint8Array(ds.n * dOut) : new Float32Array(ds.n * dOut);
  const tmp = new Float64Array(H * outW);
  const sIn = imageStrides(ds.layout, C, H, W);
  const sOut = imageStrides(ds.layout, C, outH, outW);
  for (let i = 0; i < ds.n; i++) downsampleImage(ds.x, i * dIn, C, H, W, sIn, x, i * dOut, rows, cols, sOut, tmp);
  const shape = ds.layout === "chw" ? [C, outH, outW] : [outH, outW, C];
  return withInputs(ds, x, shape, ds.layout);
}
