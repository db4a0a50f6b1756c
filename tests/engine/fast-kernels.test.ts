/**
 * Curvature code runs on the fast kernels without a prior train(): creating a curvature operator installs them on the
 * wasm backend (`ensureFastKernels`), SKIPLAB_ACCEL=0 keeps tfjs' own, and an explicit restore afterwards is
 * respected. Each case runs in a fresh Node process (the kernels are process-wide), on lib/dist (npm test builds it).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { blasAvailable } from "../../lib/src/engine/wasm-accel";

const dist = path.join(__dirname, "../../lib/dist/index.js");
const script = `
const tf = require("@tensorflow/tfjs");
const lib = require(${JSON.stringify(dist)});
(async () => {
  await lib.engine.initBackend({ force: "wasm" });
  const before = lib.engine.matmulEngine();
  const set = { names: ["W"], tensors: [tf.ones([3, 2])] };
  const x = tf.ones([4, 3]);
  const H = lib.curvature.hessianOperator((p) => tf.sum(tf.square(tf.matMul(x, p[0]))), set);
  const after = lib.engine.matmulEngine();
  await H.apply(new Float64Array(6).fill(1));
  lib.engine.restoreWasmKernels();
  lib.curvature.hessianOperator((p) => tf.sum(p[0]), set); // a second operator does not reinstall them
  console.log(JSON.stringify({ before, after, restored: lib.engine.matmulEngine() }));
})();
`;

function run(env: Record<string, string>): { before: string; after: string; restored: string } {
  const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, ...env }, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe.skipIf(!blasAvailable() && !process.env.CI)("fast kernels for curvature", () => {
  it("a curvature operator installs OpenBLAS matMuls on wasm; SKIPLAB_ACCEL=0 keeps XNNPACK", () => {
    const on = run({ SKIPLAB_ACCEL: "" });
    expect(on.before).toMatch(/XNNPACK/);
    expect(on.after).toMatch(/OpenBLAS/);
    expect(on.restored).toMatch(/XNNPACK/); // an explicit restore is respected
    const off = run({ SKIPLAB_ACCEL: "0" });
    expect(off.after).toMatch(/XNNPACK/);
  });
});
