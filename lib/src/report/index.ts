/** Claim checks, the run context of a notebook (scale, project root), and what `reproduce` uses to run notebooks. */
export * from "./context";
export * from "./claims";
