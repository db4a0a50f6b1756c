/**
 * Sample layouts: flattening (a free relabelling, rows are already contiguous) and CHW <-> HWC transposition
 * (tfjs convolutions expect NHWC; the loaders produce CHW, the native order of CIFAR).
 */
import { withInputs, type Dataset, type InputArray } from "./dataset";
import { DatasetError } from "./errors";

/** Marks each sample as a flat vector of d features: shape [d], layout "flat". Shares x, no copy. */
export function flatten(ds: Dataset): Dataset {
  return withInputs(ds, ds.x, [ds.d], "flat");
}

/** Transposes image rows between CHW and HWC (a copy); a no-op when already in `layout`. */
export function toLayout(ds: Dataset, layout: "chw" | "hwc"): Dataset {
  if (ds.layout === layout) return ds;
  if (ds.layout === "flat") {
    throw new DatasetError({
      code: "argument",
      what: `Dataset "${ds.name}" is flat; its image layout is no longer known`,
      file: ds.name,
      expected: 'layout "chw" or "hwc"',
      found: '"flat"',
      fix: "change the layout before flattening",
    });
  }
  const [C, H, W] = ds.layout === "chw" ? ds.shape : [ds.shape[2], ds.shape[0], ds.shape[1]];
  const x: InputArray = ds.x instanceof Uint8Array ? new Uint8Array(ds.x.length) : new Float32Array(ds.x.length);
  const d = ds.d;
  const HW = H * W;
  for (let i = 0; i < ds.n; i++) {
    const o = i * d;
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < HW; p++) {
        // CHW index c * HW + p  <->  HWC index p * C + c
        if (layout === "hwc") x[o + p * C + c] = ds.x[o + c * HW + p];
        else x[o + c * HW + p] = ds.x[o + p * C + c];
      }
    }
  }
  return withInputs(ds, x, layout === "hwc" ? [H, W, C] : [C, H, W], layout);
}
