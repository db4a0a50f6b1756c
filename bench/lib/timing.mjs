/**
 * Timing helpers shared by the benchmarks (bench/run.mjs runs only bench/*.mjs, not this folder).
 */
import { performance } from "node:perf_hooks";

/**
 * Medians of interleaved timings (ms): each round calls every function once (so machine-load drift hits all alike),
 * after `warmup` untimed rounds (V8 and wasm tier-up take ~10 calls; the first timed function otherwise pays for it).
 */
export async function interleavedMedians(fns, repeats, warmup = 10) {
  for (let w = 0; w < warmup; w++) for (const f of fns) await f();
  const ts = fns.map(() => []);
  for (let r = 0; r < repeats; r++) {
    for (let k = 0; k < fns.length; k++) {
      const t0 = performance.now();
      await fns[k]();
      ts[k].push(performance.now() - t0);
    }
  }
  return ts.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}
