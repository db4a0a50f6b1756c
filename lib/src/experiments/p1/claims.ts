/**
 * The claim checks of paper 1's Fig. 1 as a function of the numbers the notebook computes (the toy, Fig. B, and
 * Figs. C–G are pre-registered: figb.ts, prereg.ts): it returns the `ClaimCheck`s (claim, provenance, criterion, numbers,
 * verdict) that `reportClaims` shows and the report collects.
 * The criteria are fixed here, in code that tests cover (tests/experiments/p1-claims.test.ts, with cases where each
 * claim holds, holds partly and fails), not in notebook cells.
 */
import type { ClaimCheck } from "../../report/claims";
import { claimVerdict } from "../../report/verdict";
import { type Fig1Arch, type Fig1Case, fig1PredictedExcess } from "./fig1";

/** Deterministic criteria: each holds (pass) or not (fail), with no uncertainty; the verdict rule of report/verdict.ts. */
const count = (checks: readonly boolean[]) => claimVerdict(checks.map((c) => (c ? "pass" : "fail")));

/** One construction of Fig. 1 on one seed: the excess null directions and the in-null fraction of the predicted ones. */
export interface Fig1Row {
  case: string;
  arch: string;
  /** Null directions beyond those of the comparison point. */
  excess: number;
  /** Smallest ‖P_null u‖/‖u‖ over the predicted non-identifiable directions u. */
  predictedInNull: number;
}

/** The four constructed singular points of Fig. 1. */
const FIG1_SINGULAR_CASES: readonly Fig1Case[] = ["dead-unit", "zero-outgoing", "overlap", "linear-dependence"];

/**
 * Fig. 1: what an identity skip changes at constructed singular points (the paper's claim), and two sanity checks
 * that hold by construction: the predicted non-identifiable directions are exactly null in the plain layer, and the
 * null counts of both families match the derivation (`fig1PredictedExcess`). These are deterministic computations, so
 * each criterion must hold on every seed; there is no statistical test.
 */
export function fig1Claims(x: {
  rows: readonly Fig1Row[];
  /** In-null fractions of the dead unit's outgoing-weight directions (w_a) in the residual layer, over seeds. */
  deadUnitWaInNull: readonly number[];
}): ClaimCheck[] {
  const all = (kase: string, arch: string, pred: (r: Fig1Row) => boolean) => {
    const rs = x.rows.filter((r) => r.case === kase && r.arch === arch);
    return rs.length > 0 && rs.every(pred);
  };
  const residual = [
    all("overlap", "residual", (r) => r.predictedInNull < 0.9 && r.excess === 0),
    all("linear-dependence", "residual", (r) => r.predictedInNull < 0.9 && r.excess === 0),
    x.deadUnitWaInNull.length > 0 && Math.max(...x.deadUnitWaInNull) < 0.9,
  ];
  const inNull = FIG1_SINGULAR_CASES.map((k) => all(k, "plain", (r) => r.predictedInNull > 0.999));
  const counts = (["plain", "residual"] as const).flatMap((a) =>
    FIG1_SINGULAR_CASES.map((k) => all(k, a, (r) => r.excess === fig1PredictedExcess(k, a))),
  );
  const ex = (k: string, a: string) =>
    x.rows
      .filter((r) => r.case === k && r.arch === a)
      .map((r) => r.excess)
      .join("/");
  const excess = (a: string) => FIG1_SINGULAR_CASES.map((k) => ex(k, a)).join(" | ");
  const predicted = (a: Fig1Arch) => FIG1_SINGULAR_CASES.map((k) => fig1PredictedExcess(k, a)).join(", ");
  return [
    {
      id: "F1",
      kind: "paper",
      figure: "P1 Fig. 1",
      source: "FOUND (Fig. 1 description: skip connections break the singularities); criterion ours",
      claim:
        "An identity skip connection breaks the overlap and linear-dependence singularities of a layer, and the outgoing-weight part of elimination.",
      criterion:
        "residual, every seed: the overlap and linear-dependence directions leave the null space (‖P_null u‖/‖u‖ < 0.9) with no excess null direction; the dead unit's outgoing-weight directions w_a leave it",
      verdict: count(residual),
      numbers: {
        "residual excess dead/zero-out/overlap/lin-dep (per seed)": excess("residual"),
        "max in-null of overlap directions (residual)": Math.max(
          ...x.rows.filter((r) => r.arch === "residual" && r.case === "overlap").map((r) => r.predictedInNull),
        ),
        "max in-null of dead unit's w_a (residual)": Math.max(...x.deadUnitWaInNull),
      },
    },
    {
      id: "S1",
      kind: "sanity",
      figure: "P1 Fig. 1",
      source: "identity: at a zero-loss point H = JᵀJ/N, so a direction that leaves the outputs unchanged is null",
      claim: "The predicted non-identifiable directions of the plain layer are exactly null.",
      criterion: "plain, every seed and construction: ‖P_null u‖/‖u‖ > 0.999 for every predicted direction u",
      verdict: count(inNull),
      numbers: {
        "min in-null fraction (plain)": Math.min(
          ...x.rows.filter((r) => r.arch === "plain").map((r) => r.predictedInNull),
        ),
      },
    },
    {
      id: "S2",
      kind: "sanity",
      figure: "P1 Fig. 1",
      source: "DERIVED (docs/spec/p1.md §1.2.2; fig1PredictedExcess)",
      claim: "The excess null counts match the derivation, in both families.",
      criterion: `every seed: excess null count (over the baseline point) = plain ${predicted("plain")}, residual ${predicted("residual")} (dead unit, zero outgoing, overlap, linear dependence)`,
      verdict: count(counts),
      numbers: {
        "plain excess dead/zero-out/overlap/lin-dep (per seed)": excess("plain"),
        "residual excess dead/zero-out/overlap/lin-dep (per seed)": excess("residual"),
      },
    },
  ];
}
