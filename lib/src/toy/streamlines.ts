/**
 * Streamlines of the restricted 2-D gradient flow on a plane (see planes.ts): integral curves of
 * −∇ℓ(a, b), traced by classical RK4 on the unit direction field −∇ℓ/‖∇ℓ‖ (arc-length parametrisation, so
 * slow and fast regions get evenly spaced points). Seeds: an seedsA × seedsB grid of interior points.
 *
 * Stopping rules (per direction): leaving the box, speed ‖∇ℓ‖ < minSpeed at any RK stage (a fixed point or a
 * ghost), a stalled step (net RK displacement < h/2: the stages disagree because a fixed point lies within one
 * step), the direction reversing between steps (crossing a sink or a saddle's stable line), arc length >
 * maxLength, or maxSteps steps.
 */
import { ToyModel } from "./model";
import { ToyPlane, ToyPlaneField } from "./planes";

/** Options of `planeStreamlines`. */
export interface ToyStreamlineOptions {
  /** Box [aMin, aMax] × [bMin, bMax] the lines stay in. */
  aRange: [number, number];
  bRange: [number, number];
  /** Seed grid size along a and b (seeds at cell centres). Default 8 × 8. */
  seedsA?: number;
  seedsB?: number;
  /** Arc-length step in plane units. Default 1/200 of the box diagonal. */
  step?: number;
  /** Maximum arc length per direction. Default 2 box diagonals. */
  maxLength?: number;
  /** Stop where the restricted speed falls below this. Default 1e-7. */
  minSpeed?: number;
  /** Maximum RK4 steps per direction. Default 4000. */
  maxSteps?: number;
  /** Also trace backwards from each seed (the line then runs from its upstream end to its downstream end). Default true. */
  both?: boolean;
}

/** One streamline, ordered along the flow (downhill). */
export interface ToyStreamline {
  /** a coordinates. */
  x: Float64Array;
  /** b coordinates. */
  y: Float64Array;
  /** Restricted speed ‖∇ℓ‖ at each point (for colouring). */
  speed: Float64Array;
  /** Restricted loss ℓ at each point. */
  loss: Float64Array;
  /** The seed point. */
  seed: [number, number];
}

interface Trace {
  x: number[];
  y: number[];
  speed: number[];
  loss: number[];
}

/** Traces streamlines of the restricted gradient flow of `model` on `plane`. */
export function planeStreamlines(model: ToyModel, plane: ToyPlane, opts: ToyStreamlineOptions): ToyStreamline[] {
  const [aMin, aMax] = opts.aRange;
  const [bMin, bMax] = opts.bRange;
  const diag = Math.hypot(aMax - aMin, bMax - bMin);
  const nSA = opts.seedsA ?? 8;
  const nSB = opts.seedsB ?? 8;
  const h = opts.step ?? diag / 200;
  const maxLength = opts.maxLength ?? 2 * diag;
  const minSpeed = opts.minSpeed ?? 1e-7;
  const maxSteps = opts.maxSteps ?? 4000;
  const both = opts.both ?? true;
  const field = new ToyPlaneField(model, plane);
  const ev = new Float64Array(3);
  const inBox = (a: number, b: number): boolean => a >= aMin && a <= aMax && b >= bMin && b <= bMax;

  // unit direction of the flow (sign = +1 downhill, −1 uphill); returns speed, writes dir into k
  const dir = (a: number, b: number, sign: number, k: Float64Array): number => {
    field.evaluate(a, b, ev);
    const sp = Math.hypot(ev[1], ev[2]);
    if (sp > 0) {
      k[0] = (-sign * ev[1]) / sp;
      k[1] = (-sign * ev[2]) / sp;
    } else {
      k[0] = 0;
      k[1] = 0;
    }
    return sp;
  };
  const k1 = new Float64Array(2);
  const k2 = new Float64Array(2);
  const k3 = new Float64Array(2);
  const k4 = new Float64Array(2);

  const trace = (a0: number, b0: number, sign: number): Trace => {
    const tr: Trace = { x: [a0], y: [b0], speed: [], loss: [] };
    let a = a0;
    let b = b0;
    let sp = dir(a, b, sign, k1);
    tr.speed.push(sp);
    tr.loss.push(ev[0]);
    let prevX = k1[0];
    let prevY = k1[1];
    let length = 0;
    for (let n = 0; n < maxSteps && length < maxLength; n++) {
      if (sp < minSpeed) break;
      const s2 = dir(a + 0.5 * h * k1[0], b + 0.5 * h * k1[1], sign, k2);
      const s3 = dir(a + 0.5 * h * k2[0], b + 0.5 * h * k2[1], sign, k3);
      const s4 = dir(a + h * k3[0], b + h * k3[1], sign, k4);
      if (s2 < minSpeed || s3 < minSpeed || s4 < minSpeed) break;
      const da = (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      const db = (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
      // stalled: the RK stages disagree because a fixed point lies within one step
      if (Math.hypot(da, db) < 0.5 * h) break;
      const na = a + da;
      const nb = b + db;
      if (!inBox(na, nb)) break;
      sp = dir(na, nb, sign, k1);
      if (k1[0] * prevX + k1[1] * prevY < 0) break; // direction reversed: crossed a node
      a = na;
      b = nb;
      length += Math.hypot(da, db);
      tr.x.push(a);
      tr.y.push(b);
      tr.speed.push(sp);
      tr.loss.push(ev[0]);
      prevX = k1[0];
      prevY = k1[1];
    }
    return tr;
  };

  const lines: ToyStreamline[] = [];
  for (let ib = 0; ib < nSB; ib++) {
    for (let ia = 0; ia < nSA; ia++) {
      const a0 = aMin + ((ia + 0.5) * (aMax - aMin)) / nSA;
      const b0 = bMin + ((ib + 0.5) * (bMax - bMin)) / nSB;
      const fwd = trace(a0, b0, +1);
      let x = fwd.x;
      let y = fwd.y;
      let speed = fwd.speed;
      let loss = fwd.loss;
      if (both) {
        const bwd = trace(a0, b0, -1);
        // backward trace reversed (upstream end first), without repeating the seed
        x = bwd.x.slice(1).reverse().concat(x);
        y = bwd.y.slice(1).reverse().concat(y);
        speed = bwd.speed.slice(1).reverse().concat(speed);
        loss = bwd.loss.slice(1).reverse().concat(loss);
      }
      if (x.length < 2) continue;
      lines.push({
        x: Float64Array.from(x),
        y: Float64Array.from(y),
        speed: Float64Array.from(speed),
        loss: Float64Array.from(loss),
        seed: [a0, b0],
      });
    }
  }
  return lines;
}
