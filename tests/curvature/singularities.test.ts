/**
 * Analytic singularities of the Hessian (docs/spec/p1.md §1.2.2), checked on exact spectra of tiny ReLU MLPs:
 * - overlap: two hidden units with the same incoming weights and bias make e_{w_a} − e_{w_b} (outgoing weights) a
 *   null vector of the Gauss–Newton matrix everywhere, and of the Hessian at a critical point (a zero-loss fit);
 * - elimination: a dead ReLU unit (bias −100, inactive on every input) gives exactly fan-in + 1 + fan-out zero
 *   eigenvalues (its rows and columns of H are exactly zero);
 * - an identity skip into that unit (h_a = relu(·) + x_a) makes its outgoing weights identifiable again: the fan-out
 *   null directions disappear. Its fan-in + 1 incoming directions stay null, because relu′ = 0 on every input
 *   whatever the skip adds (the skip changes what the unit *feeds forward*, not the gradient through its own ReLU).
 *
 * Counting zeros: |λ| < τ·max|λ| with τ = TOL_ZERO_EIG = 1e-6. The test asserts both sides of the margin it relies on:
 * the float32 noise floor of the assembled Hessian (curvature/exact.ts) is below τ/10, and the smallest eigenvalue
 * that is not predicted to vanish is above 10·τ.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import {
  assembleOperator,
  exactSpectrum,
  gaussNewtonOperator,
  hessianOperator,
  type ExactSpectrum,
} from "../../lib/src/curvature";
import { coord, makeRealizable, matVec, setParam, tinyNet, TOL_NULL_REL, type TinyNet } from "./helpers";

/** Zero-eigenvalue threshold relative to max|λ| (see the module comment). */
const TOL_ZERO_EIG = 1e-6;

function zeroCount(spec: ExactSpectrum): { zeros: number; smallestNonzero: number } {
  const rel = Array.from(spec.values, (v) => Math.abs(v) / spec.maxAbs).sort((a, b) => a - b);
  const zeros = rel.filter((v) => v < TOL_ZERO_EIG).length;
  return { zeros, smallestNonzero: rel[zeros] };
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Copies hidden unit `from`'s incoming weights and bias (layer L1, W [fanIn, width]) onto unit `to`. */
function duplicateUnit(net: TinyNet, from: number, to: number): void {
  setParam(net, "L1.W", (w, [fanIn, width]) => {
    for (let i = 0; i < fanIn; i++) w[i * width + to] = w[i * width + from];
  });
  setParam(net, "L1.b", (b) => {
    b[to] = b[from];
  });
}

describe("analytic singularities of the Hessian (wasm)", () => {
  const nets: TinyNet[] = [];
  beforeAll(async () => {
    await initBackend({ force: "wasm" });
  });
  afterAll(() => nets.forEach((n) => n.dispose()));

  it("overlap: e_{w_a} − e_{w_b} is a null vector of H at a zero-loss fit, and of the Gauss–Newton part anywhere", async () => {
    // MSE, 4 → 5 → 2; units 1 and 3 identical; targets = the network's own outputs (loss 0, a global minimum)
    const net = tinyNet({ seed: 51, inputDim: 4, hidden: [5], outputs: 2, batch: 40, task: "mse" });
    nets.push(net);
    duplicateUnit(net, 1, 3);
    makeRealizable(net);
    const H = await assembleOperator(hessianOperator(net.loss, net.set));
    const scale = (await exactSpectrum(hessianOperator(net.loss, net.set))).maxAbs;
    for (let k = 0; k < 2; k++) {
      const d = new Float64Array(H.n);
      d[coord(net.set, "out.W", 1 * 2 + k)] = 1; // out.W [5, 2]: row a = unit a's outgoing weights
      d[coord(net.set, "out.W", 3 * 2 + k)] = -1;
      expect(norm(matVec(H.matrix, H.n, d)) / (norm(d) * scale), `output ${k}`).toBeLessThan(TOL_NULL_REL);
      // a non-overlapping pair is not flat (so the check can fail)
      const e = new Float64Array(H.n);
      e[coord(net.set, "out.W", 0 * 2 + k)] = 1;
      e[coord(net.set, "out.W", 2 * 2 + k)] = -1;
      expect(norm(matVec(H.matrix, H.n, e)) / (norm(e) * scale)).toBeGreaterThan(1e-3);
    }

    // softmax CE at a generic (non-critical) point: null for Gauss–Newton, not for the full Hessian
    const ce = tinyNet({ seed: 52, inputDim: 4, hidden: [5], outputs: 3, batch: 40, task: "ce" });
    nets.push(ce);
    duplicateUnit(ce, 0, 4);
    const G = await assembleOperator(gaussNewtonOperator(ce.forward, ce.set, { kind: "softmax-ce" }));
    const Hce = await assembleOperator(hessianOperator(ce.loss, ce.set));
    const gScale = (await exactSpectrum(gaussNewtonOperator(ce.forward, ce.set, { kind: "softmax-ce" }))).maxAbs;
    const d = new Float64Array(G.n);
    d[coord(ce.set, "out.W", 0 * 3 + 1)] = 1;
    d[coord(ce.set, "out.W", 4 * 3 + 1)] = -1;
    expect(norm(matVec(G.matrix, G.n, d)) / (norm(d) * gScale)).toBeLessThan(TOL_NULL_REL);
    expect(norm(matVec(Hce.matrix, Hce.n, d)) / (norm(d) * gScale)).toBeGreaterThan(1e-3);
  });

  it("elimination: a dead ReLU unit gives exactly fan-in + 1 + fan-out zero eigenvalues", async () => {
    // MSE at a generic point, 4 → 6 → 2 (44 parameters); unit 1: fan-in 4, bias 1, fan-out 2 → 7 null directions
    const net = tinyNet({ seed: 42, inputDim: 4, hidden: [6], outputs: 2, batch: 64, task: "mse" });
    nets.push(net);
    const alive = await exactSpectrum(hessianOperator(net.loss, net.set));
    expect(zeroCount(alive).zeros).toBe(0);
    setParam(net, "L1.b", (b) => {
      b[1] = -100;
    });
    const op = hessianOperator(net.loss, net.set);
    const dead = await exactSpectrum(op, { keepMatrix: true });
    expect(dead.noiseFloor).toBeLessThan((TOL_ZERO_EIG / 10) * dead.maxAbs);
    const { zeros, smallestNonzero } = zeroCount(dead);
    expect(zeros).toBe(4 + 1 + 2);
    expect(smallestNonzero).toBeGreaterThan(10 * TOL_ZERO_EIG);
    // and the dead unit's rows are exactly zero (relu′ = 0 and h_a = 0 on every input)
    const rows = [0, 1, 2, 3].map((i) => coord(net.set, "L1.W", i * 6 + 1));
    rows.push(coord(net.set, "L1.b", 1), coord(net.set, "out.W", 1 * 2), coord(net.set, "out.W", 1 * 2 + 1));
    for (const r of rows) expect(dead.matrix!.subarray(r * dead.n, (r + 1) * dead.n).every((x) => x === 0)).toBe(true);
  });

  it("an identity skip into the dead unit removes its fan-out null directions", async () => {
    // 4 → 4 → 4 → 2, unit 1 of layer 2 dead (fan-in 4, bias 1, fan-out 2)
    const plain = tinyNet({ seed: 43, inputDim: 4, hidden: [4, 4], outputs: 2, batch: 64, task: "mse" });
    const skip = tinyNet({
      seed: 43,
      inputDim: 4,
      hidden: [4, 4],
      outputs: 2,
      batch: 64,
      task: "mse",
      skip: [false, true],
    });
    nets.push(plain, skip);
    for (const net of [plain, skip]) {
      setParam(net, "L2.b", (b) => {
        b[1] = -100;
      });
    }
    const sp = await exactSpectrum(hessianOperator(plain.loss, plain.set));
    const ss = await exactSpectrum(hessianOperator(skip.loss, skip.set), { keepMatrix: true });
    for (const s of [sp, ss]) expect(s.noiseFloor).toBeLessThan((TOL_ZERO_EIG / 10) * s.maxAbs);
    const p = zeroCount(sp);
    const s = zeroCount(ss);
    expect(p.zeros).toBe(4 + 1 + 2);
    expect(s.zeros).toBe(4 + 1); // J_a and b_a only
    expect(p.smallestNonzero).toBeGreaterThan(10 * TOL_ZERO_EIG);
    expect(s.smallestNonzero).toBeGreaterThan(10 * TOL_ZERO_EIG);
    // the outgoing weights of the unit now have curvature: H_{w_a w_a} = (2/(B·C)) Σ_n x_na² > 0 under MSE
    const r = coord(skip.set, "out.W", 1 * 2);
    expect(ss.matrix![r * ss.n + r]).toBeGreaterThan(1e-3 * ss.maxAbs);
  });
});
