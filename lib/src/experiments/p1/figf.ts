/**
 * Paper 1, Fig. F: a bias regulariser plus a single BatchNorm layer instead of skip connections, as a pre-registered
 * grid with the setting of every arm selected on the exploration seeds (docs/spec/p1.md §1.3 "Fig. F"; every value is
 * ours, PROPOSED).
 *
 * Arms ("families"), each over the same learning-rate grid:
 *   plain, residual                          the references (the protocol's init: He; 1/√L branch gain on the skips)
 *   bn@l                                     plain + one BatchNorm layer at hidden layer l
 *   reg                                      plain + the bias regulariser (form × β × λ)
 *   both@l                                   plain + bias regulariser (form × β × λ) + BatchNorm at layer l
 * Screening: every cell of the grid on the exploration seeds, with the per-epoch layer measures but without the
 * Hessian (`figFScreeningProtocol`). Selection: per family, the cell with the highest mean training-curve AUC over the
 * exploration seeds (a non-finite AUC, e.g. a diverged run, ranks last; ties go to the earlier cell in grid order).
 * Confirmation: the selected cell of every family, with the full measures, on the exploration and the confirmation
 * seeds; the verdicts come from the confirmation seeds, which no selection saw (the held-out split).
 *
 * Quick has no time for the screening (about 1,000 runs), so it confirms the selection that the standard scale's
 * screening made (`FIG_F_REGISTERED_SELECTION`, the same protocol and exploration seeds); the standard scale re-runs the
 * screening and flags any cell where its selection differs from the registered one.
 */
import type { BiasRegularizerConfig, BiasRegularizerForm, MlpConfigInput } from "../../models/config";
import type { P1Scale } from "./data";
import type { P1Arch } from "./models";
import { p1RunSpec, type P1Protocol, type P1RunRequest } from "./protocol";
import type { HeatmapPanel } from "../../plots/p1-variants";
import { finite, mean } from "../../stats";
import type { VariantRunRow } from "./variants";

/** The pre-registered grid of one scale. */
export interface FigFGrid {
  /** Regulariser forms (models/config.ts `BiasRegularizerForm`). */
  forms: BiasRegularizerForm[];
  /** β: the target bias (l2), the mean per-unit target (random), the pre-activation floor (hinge). */
  targets: number[];
  /** λ, the regulariser's weight. */
  lambdas: number[];
  /** Hidden layers (1-based) the single BatchNorm layer may sit on. */
  bnLayers: number[];
  /** Adam learning rates, the same for every family. */
  lrs: number[];
}

/**
 * The middle BatchNorm placement: layer ⌈L/2⌉ + 1, just above the layer whose weight block's Hessian the measures
 * compute (⌈L/2⌉); BN on that layer itself would make the loss invariant to rescaling each row of its W and add
 * `width` null directions to the measured block.
 */
export function figFMiddleLayer(depth: number): number {
  return Math.min(depth, Math.ceil(depth / 2) + 1);
}

/**
 * The grid per scale (ours): forms {l2, random, hinge} × β {0.1, 0.5, 1} × λ {1e-3, 1e-2, 1e-1}, BN at layer 1, the
 * middle (`figFMiddleLayer`) or L, Adam lr {1e-3, 3e-3, 1e-2}. Smoke keeps every form and placement at one β, λ and
 * the protocol's lr, so that CI runs the whole path in seconds.
 */
export function figFGrid(scale: P1Scale, protocol: P1Protocol): FigFGrid {
  const L = protocol.depth;
  const bnLayers = [...new Set([1, figFMiddleLayer(L), L])];
  if (scale === "smoke")
    return { forms: ["l2", "random", "hinge"], targets: [0.5], lambdas: [1e-2], bnLayers, lrs: [protocolLr(protocol)] };
  return {
    forms: ["l2", "random", "hinge"],
    targets: [0.1, 0.5, 1],
    lambdas: [1e-3, 1e-2, 1e-1],
    bnLayers,
    lrs: [1e-3, 3e-3, 1e-2],
  };
}

function protocolLr(p: P1Protocol): number {
  const o = p.train.optimizer;
  const lr = typeof o === "object" && o !== null ? (o as { lr?: number }).lr : undefined;
  if (typeof lr !== "number") throw new Error("Fig. F: the protocol's optimizer must state its learning rate");
  return lr;
}

/** One cell of the grid: a family at one setting. */
export interface FigFCell {
  /** "plain", "residual", "bn@l", "reg" or "both@l". */
  family: string;
  /** Unique key, e.g. "both@11|hinge β=0.5 λ=0.01|lr=0.003". */
  key: string;
  /** Readable label of the setting within its family, e.g. "hinge β=0.5 λ=0.01, lr 0.003". */
  setting: string;
  arch: P1Arch;
  lr: number;
  reg: BiasRegularizerConfig | null;
  bn: number | null;
}

/** The families of a grid, in display order. */
export function figFFamilies(grid: FigFGrid): string[] {
  return ["plain", "residual", ...grid.bnLayers.map((l) => `bn@${l}`), "reg", ...grid.bnLayers.map((l) => `both@${l}`)];
}

/** A family's readable name. */
export function figFFamilyLabel(family: string): string {
  if (family === "plain") return "plain";
  if (family === "residual") return "residual";
  if (family === "reg") return "plain + bias reg";
  const [kind, l] = family.split("@");
  return kind === "bn" ? `plain + BN (layer ${l})` : `plain + bias reg + BN (layer ${l})`;
}

function regText(r: BiasRegularizerConfig): string {
  return `${r.form ?? "l2"} β=${r.target} λ=${r.lambda}`;
}

/** A cell's setting as text, e.g. "hinge β=0.5 λ=0.01, lr 0.003" (or "lr 0.003" without a regulariser). */
function settingText(reg: BiasRegularizerConfig | null, lr: number): string {
  return [reg ? regText(reg) : "", `lr ${lr}`].filter(Boolean).join(", ");
}

/** Every cell of a grid: families × (regulariser settings) × learning rates, in grid order. */
export function figFGridCells(grid: FigFGrid): FigFCell[] {
  const regs: BiasRegularizerConfig[] = grid.forms.flatMap((form) =>
    grid.targets.flatMap((target) =>
      grid.lambdas.map((lambda) => (form === "l2" ? { lambda, target } : { form, lambda, target })),
    ),
  );
  const out: FigFCell[] = [];
  const add = (family: string, arch: P1Arch, reg: BiasRegularizerConfig | null, bn: number | null) => {
    for (const lr of grid.lrs) {
      out.push({
        family,
        key: `${family}|${reg ? regText(reg) : "-"}|lr=${lr}`,
        setting: settingText(reg, lr),
        arch,
        lr,
        reg,
        bn,
      });
    }
  };
  add("plain", "plain", null, null);
  add("residual", "residual", null, null);
  for (const l of grid.bnLayers) add(`bn@${l}`, "plain", null, l);
  for (const r of regs) add("reg", "plain", r, null);
  for (const l of grid.bnLayers) for (const r of regs) add(`both@${l}`, "plain", r, l);
  return out;
}

/** The screening protocol: the same runs without the Hessian (the layer measures stay). */
export function figFScreeningProtocol(p: P1Protocol): P1Protocol {
  return { ...p, measures: { ...p.measures, hess: "none", hessAt: [] } };
}

/** The model fields a cell adds to its architecture. */
function cellExtra(c: Pick<FigFCell, "reg" | "bn">): Partial<MlpConfigInput> {
  return { ...(c.reg ? { biasRegularizer: c.reg } : {}), ...(c.bn !== null ? { batchNorm: [c.bn] } : {}) };
}

/**
 * Run requests for cells × seeds under a protocol (the cell's learning rate replaces the protocol's; `condition` is
 * the cell key, or the name `conditionOf` gives). A cell at the protocol's lr hashes like the same condition of the
 * other notebooks (e.g. the plain and residual references of Figs. C and E).
 */
export function figFRequests(
  p: P1Protocol,
  cells: readonly FigFCell[],
  seeds: readonly number[],
  conditionOf: (c: FigFCell) => string = (c) => c.key,
): P1RunRequest[] {
  const opt = p.train.optimizer as Record<string, unknown>;
  return cells.flatMap((c) => {
    const q: P1Protocol = { ...p, train: { ...p.train, optimizer: { ...opt, lr: c.lr } as typeof p.train.optimizer } };
    return seeds.map((seed) => ({
      arch: c.arch,
      depth: p.depth,
      width: p.width,
      seed,
      condition: conditionOf(c),
      spec: p1RunSpec(q, c.arch, seed, { extra: cellExtra(c) }),
    }));
  });
}

/** The selected cell of one family: its setting and the exploration AUC it was selected on. */
export interface FigFChoice {
  family: string;
  lr: number;
  reg: BiasRegularizerConfig | null;
  bn: number | null;
  /** Mean training-curve AUC over the exploration seeds (the selection score). */
  auc: number;
  /** Its rank statistics: the runner-up's score and the number of cells compared. */
  runnerUp: number;
  cells: number;
}

/** Mean of the finite values, −∞ when a value is not finite or there is none (a diverged cell ranks last). */
function score(values: readonly number[]): number {
  if (!values.length || values.some((v) => !Number.isFinite(v))) return -Infinity;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Per cell: the exploration seeds' AUCs and their mean (−∞ when a run diverged or is missing). */
export function figFCellScores(
  rows: readonly VariantRunRow[],
  cells: readonly FigFCell[],
  seeds: readonly number[],
): Array<FigFCell & { score: number; aucs: number[]; deadFinal: number }> {
  return cells.map((c) => {
    const rs = rows.filter((r) => r.condition === c.key && seeds.includes(r.seed));
    const aucs = seeds.map((s) => {
      const r = rs.find((x) => x.seed === s);
      return r && r.status === "done" ? r.auc : NaN;
    });
    const dead = finite(rs.map((r) => r.deadFinal));
    return {
      ...c,
      aucs,
      score: score(aucs),
      deadFinal: mean(dead),
    };
  });
}

/** The selection rule of the module comment, applied to the screening rows of the exploration seeds. */
export function figFSelect(
  rows: readonly VariantRunRow[],
  grid: FigFGrid,
  seeds: readonly number[],
): Record<string, FigFChoice> {
  const scored = figFCellScores(rows, figFGridCells(grid), seeds);
  const out: Record<string, FigFChoice> = {};
  for (const family of figFFamilies(grid)) {
    const fam = scored.filter((c) => c.family === family);
    let best = fam[0];
    for (const c of fam) if (c.score > best.score) best = c;
    if (!Number.isFinite(best.score))
      throw new Error(
        `Fig. F: no cell of family "${family}" has a finite AUC on every exploration seed (${seeds.join(", ")}); the screening runs are missing or all diverged`,
      );
    const others = fam.filter((c) => c !== best).map((c) => c.score);
    out[family] = {
      family,
      lr: best.lr,
      reg: best.reg,
      bn: best.bn,
      auc: best.score,
      runnerUp: others.length ? Math.max(...others) : NaN,
      cells: fam.length,
    };
  }
  return out;
}

/** Whether two choices name the same setting (lr, regulariser, BN placement). */
export function figFSameChoice(a: FigFChoice, b: FigFChoice): boolean {
  return a.lr === b.lr && a.bn === b.bn && JSON.stringify(a.reg) === JSON.stringify(b.reg);
}

/** The cell a choice names (its key is the family, the condition name of the confirmation runs). */
export function figFChoiceCell(c: FigFChoice): FigFCell {
  return {
    family: c.family,
    key: c.family,
    setting: settingText(c.reg, c.lr),
    arch: c.family === "residual" ? "residual" : "plain",
    lr: c.lr,
    reg: c.reg,
    bn: c.bn,
  };
}

/** Condition name of the plain net at the selected regulariser's learning rate (the manipulation check's control). */
export const FIG_F_PLAIN_AT_REG_LR = "plain@reg-lr";

/**
 * The confirmation cells: the selected cell of every family (condition = family), plus the plain net at the selected
 * regulariser's lr (`FIG_F_PLAIN_AT_REG_LR`) where that differs from the selected plain lr: the manipulation check
 * compares the regulariser with no regulariser at one learning rate.
 */
export function figFConfirmationCells(selection: Record<string, FigFChoice>): FigFCell[] {
  const cells = Object.values(selection).map(figFChoiceCell);
  if (figFManipulationControl(selection) === FIG_F_PLAIN_AT_REG_LR)
    cells.push({
      family: "plain",
      key: FIG_F_PLAIN_AT_REG_LR,
      setting: settingText(null, selection.reg.lr),
      arch: "plain",
      lr: selection.reg.lr,
      reg: null,
      bn: null,
    });
  return cells;
}

/** The condition the manipulation check compares the selected regulariser with. */
export function figFManipulationControl(selection: Record<string, FigFChoice>): string {
  return selection.reg && selection.plain && selection.reg.lr !== selection.plain.lr ? FIG_F_PLAIN_AT_REG_LR : "plain";
}

/** A compact number label: 0.001 → "1e-3", 0.5 → "0.5". */
function short(v: number): string {
  return v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(0) : String(v);
}

/**
 * The screening grid as heatmap panels (plots `heatmapPanelsFigure`): one panel per regularised family × form
 * (rows β × lr, columns λ), then one panel for the unregularised families (rows family, columns lr). The value is
 * the mean training-curve AUC over the exploration seeds; each family's selected cell is outlined.
 */
export function figFGridPanels(
  scored: ReadonlyArray<FigFCell & { score: number }>,
  grid: FigFGrid,
  selection: Record<string, FigFChoice>,
): HeatmapPanel[] {
  const xOf = (lambda: number) => `λ ${short(lambda)}`;
  const yOf = (beta: number, lr: number) => `β ${beta} · lr ${short(lr)}`;
  const x = grid.lambdas.map(xOf);
  const y = grid.targets.flatMap((beta) => grid.lrs.map((lr) => yOf(beta, lr)));
  const at = (c: { score: number } | undefined) => (c && Number.isFinite(c.score) ? c.score : null);
  const regFamilies = ["reg", ...grid.bnLayers.map((l) => `both@${l}`)];
  const panels = regFamilies.flatMap((family) =>
    grid.forms.map((form) => {
      const fam = scored.filter((c) => c.family === family && (c.reg?.form ?? "l2") === form);
      const z = grid.targets.flatMap((beta) =>
        grid.lrs.map((lr) =>
          grid.lambdas.map((lambda) =>
            at(fam.find((c) => c.reg!.target === beta && c.reg!.lambda === lambda && c.lr === lr)),
          ),
        ),
      );
      const s = selection[family];
      const marked =
        s && s.reg && (s.reg.form ?? "l2") === form
          ? [{ x: xOf(s.reg.lambda), y: yOf(s.reg.target, s.lr), label: `selected: ${figFChoiceCell(s).setting}` }]
          : [];
      const arm = family === "reg" ? "bias reg alone" : `bias reg + BN@${family.split("@")[1]}`;
      return { title: `${arm} · ${form}`, xTitle: "", yTitle: "", x, y, z, marked, emptyText: "div." };
    }),
  );
  const plainFamilies = ["plain", "residual", ...grid.bnLayers.map((l) => `bn@${l}`)];
  const lrX = grid.lrs.map((lr) => `lr ${short(lr)}`);
  panels.push({
    title: "no regulariser",
    xTitle: "",
    yTitle: "",
    x: lrX,
    y: plainFamilies.map(figFFamilyLabel),
    z: plainFamilies.map((family) => grid.lrs.map((lr) => at(scored.find((c) => c.family === family && c.lr === lr)))),
    marked: plainFamilies
      .filter((f) => selection[f])
      .map((f) => ({
        x: `lr ${short(selection[f].lr)}`,
        y: figFFamilyLabel(f),
        label: `selected: lr ${selection[f].lr}`,
      })),
    emptyText: "div.",
  });
  return panels;
}

/** One row per family: the selected setting, its exploration AUC, the runner-up, and (given) the registered choice. */
export function figFSelectionTable(
  selection: Record<string, FigFChoice>,
  registered: Record<string, FigFChoice> | null = null,
): Array<Record<string, string | number>> {
  return Object.values(selection).map((c) => ({
    arm: figFFamilyLabel(c.family),
    selected: figFChoiceCell(c).setting,
    "exploration AUC": c.auc,
    "runner-up AUC": c.runnerUp,
    cells: c.cells,
    ...(registered
      ? {
          registered: registered[c.family]
            ? figFSameChoice(c, registered[c.family])
              ? "same"
              : `DIFFERS: ${figFChoiceCell(registered[c.family]).setting}`
            : "none",
        }
      : {}),
  }));
}

/**
 * The selection the standard scale's screening made on the exploration seeds, per scale whose protocol it applies to
 * (quick and standard share one protocol). Quick confirms it without re-screening; standard re-screens and flags
 * any family where its selection differs. Written from `figFSelect` on the 1,017 screening runs of the quick protocol's
 * seeds 0–2 (339 cells, wasm backend, 2 cores, 1,138 s; none diverged), before any confirmation run of these
 * settings. `auc` is the exploration mean training-curve AUC it was selected on, `runnerUp` the family's next best.
 */
const STANDARD_SCREENING_SELECTION: Record<string, FigFChoice> = {
  plain: { family: "plain", lr: 0.01, reg: null, bn: null, auc: 0.453017, runnerUp: 0.442625, cells: 3 },
  residual: { family: "residual", lr: 0.01, reg: null, bn: null, auc: 0.779758, runnerUp: 0.744458, cells: 3 },
  "bn@1": { family: "bn@1", lr: 0.003, reg: null, bn: 1, auc: 0.451608, runnerUp: 0.413492, cells: 3 },
  "bn@11": { family: "bn@11", lr: 0.01, reg: null, bn: 11, auc: 0.490025, runnerUp: 0.4465, cells: 3 },
  "bn@20": { family: "bn@20", lr: 0.01, reg: null, bn: 20, auc: 0.495717, runnerUp: 0.4819, cells: 3 },
  reg: {
    family: "reg",
    lr: 0.01,
    reg: { form: "hinge", lambda: 0.01, target: 0.5 },
    bn: null,
    auc: 0.558633,
    runnerUp: 0.530925,
    cells: 81,
  },
  "both@1": {
    family: "both@1",
    lr: 0.01,
    reg: { form: "hinge", lambda: 0.1, target: 0.5 },
    bn: 1,
    auc: 0.537683,
    runnerUp: 0.520383,
    cells: 81,
  },
  "both@11": {
    family: "both@11",
    lr: 0.01,
    reg: { form: "hinge", lambda: 0.01, target: 0.5 },
    bn: 11,
    auc: 0.563875,
    runnerUp: 0.561833,
    cells: 81,
  },
  "both@20": {
    family: "both@20",
    lr: 0.01,
    reg: { form: "random", lambda: 0.01, target: 1 },
    bn: 20,
    auc: 0.601433,
    runnerUp: 0.584092,
    cells: 81,
  },
};
export const FIG_F_REGISTERED_SELECTION: Partial<Record<P1Scale, Record<string, FigFChoice>>> = {
  quick: STANDARD_SCREENING_SELECTION,
  standard: STANDARD_SCREENING_SELECTION,
};

/** A confirmation cell's label: its arm and setting (the manipulation control says so). */
export function figFCellLabel(c: FigFCell): string {
  const arm = c.key === FIG_F_PLAIN_AT_REG_LR ? "plain (at the reg's lr)" : figFFamilyLabel(c.family);
  return `${arm}, ${c.setting}`;
}
