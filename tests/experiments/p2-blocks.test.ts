/** P2 Fig. 2: the library's blocks compute the diagrams' maps (float64 reference), and the diagram draws all three. */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/src/engine/ladder";
import { p2BlockMapError } from "../../lib/src/experiments/p2/blocks-check";
import { blockDiagramsFigure } from "../../lib/src/plots/blocks-diagram";

beforeAll(async () => {
  await initBackend({ force: "wasm" });
});

describe("P2 Fig. 2 blocks", () => {
  it("each BlockNet family's block equals its diagram's map to float32 round-off", () => {
    for (const f of ["plain", "resnet", "resnext"] as const) {
      const e = p2BlockMapError(f, { width: 16, cardinality: 4, groupWidth: 4, batch: 32 }, 1);
      expect(e, f).toBeLessThan(1e-5);
      expect(e, f).toBeGreaterThanOrEqual(0);
    }
  });

  it("draws three panels; the ResNet and ResNeXt blocks carry the identity skip", () => {
    const fig = blockDiagramsFigure({ cardinality: 4, width: 64, groupWidth: 16 });
    const texts = (fig.layout.annotations as Array<{ text: string; xref: string }>).map((a) => a.text);
    expect(texts.filter((t) => t.startsWith("<b>"))).toEqual([
      "<b>PlainNet block</b>",
      "<b>ResNet block</b>",
      "<b>ResNeXt block (s = 4, q = 16 < n = 64)</b>",
    ]);
    const identity = (fig.layout.annotations as Array<{ text: string; xref: string }>).filter(
      (a) => a.text === "identity",
    );
    expect(identity.map((a) => a.xref)).toEqual(["x2", "x3"]);
    expect(texts.filter((t) => t.startsWith("W₁<sup>")).length).toBe(3); // paths 1, 2 and s drawn, the rest as ⋯
  });
});
