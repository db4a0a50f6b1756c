/**
 * Paper 2's Fig. 1 — ImageNet error against depth, a plot the paper takes from the literature (its ref. [25]). Only
 * values checked against their primary source are plotted; the others are listed as unverified, with where the value
 * was seen (docs/spec/p2.md §2.3 Fig. 1). Nothing is trained.
 */
import type { ClaimCheck } from "../../report/claims";

export interface P2Fig1Entry {
  model: string;
  /** Weight layers. */
  depth: number;
  /** Whether the net has skip (or multi-path) connections, as the paper's figure groups them. */
  skips: boolean;
  /** ILSVRC top-5 test error (%), or null when no value could be checked. */
  top5: number | null;
  /** true: the value (and depth) stand in the primary source named in `source`. */
  verified: boolean;
  source: string;
}

/** The entries of Fig. 1 (AlexNet and ZFNet plain; GoogLeNet and ResNet with skips / multiple paths). */
export const P2_FIG1_ENTRIES: readonly P2Fig1Entry[] = [
  {
    model: "AlexNet (ILSVRC 2012)",
    depth: 8,
    skips: false,
    top5: 15.3,
    verified: true,
    source:
      "Krizhevsky, Sutskever & Hinton 2012, abstract: a variant of the model won ILSVRC-2012 with a 15.3 % top-5 test error; five convolutional and three fully connected layers",
  },
  {
    model: "ZFNet (ILSVRC 2013)",
    depth: 8,
    skips: false,
    top5: null,
    verified: false,
    source:
      "not verified: Zeiler & Fergus 2014's own table (seen only in a third-party copy of an early version) gives 15.3 % test top-5 for 5 of their nets; the 11.7 % often quoted for the ILSVRC-2013 entry was not found in a primary source",
  },
  {
    model: "GoogLeNet (ILSVRC 2014)",
    depth: 22,
    skips: true,
    top5: null,
    verified: false,
    source:
      "depth verified (Szegedy et al. 2015, abstract: 22 layers deep); the 6.67 % top-5 error is quoted by secondary sources only, not checked against the paper",
  },
  {
    model: "ResNet (ILSVRC 2015)",
    depth: 152,
    skips: true,
    top5: 3.57,
    verified: true,
    source:
      "He, Zhang, Ren & Sun 2016, abstract: an ensemble of residual nets of up to 152 layers reached 3.57 % top-5 error on the ImageNet test set and won ILSVRC 2015",
  },
];

/**
 * Fig. 1's claim check: the paper's claim is about published results, so nothing here tests it (verdict "not
 * tested", with the reason); the notebook re-plots the verified values and lists the rest.
 */
export function p2Fig1Claims(entries: readonly P2Fig1Entry[] = P2_FIG1_ENTRIES): ClaimCheck[] {
  const verified = entries.filter((e) => e.verified && e.top5 !== null);
  return [
    {
      id: "L1",
      kind: "paper",
      figure: "P2 Fig. 1",
      claim:
        "Deeper nets with skip or multi-path connections (GoogLeNet, ResNet) reached lower ImageNet errors than the 8-layer plain nets (AlexNet, ZFNet).",
      source: "FOUND (Fig. 1 caption; values from the literature, the paper's ref. [25])",
      criterion: `not tested: published ILSVRC results re-plotted, nothing trained here (ImageNet training is out of reach, Table IV); ${verified.length} of the ${entries.length} values are verified against their primary sources and plotted`,
      verdict: "not tested",
      numbers: Object.fromEntries(verified.map((e) => [`${e.model}, ${e.depth} layers: top-5 error`, `${e.top5} %`])),
    },
  ];
}
