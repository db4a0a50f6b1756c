/** Figure builders (pure: data in, Plotly figure out) and the shared theme. */
export * from "./theme";
export * from "./grid";
export * from "./curves";
export * from "./schematic";
export * from "./blocks-diagram";
export * from "./p1";
export * from "./p1-variants";
export * from "./histograms";
export * from "./surface3d";
export * from "./symmetry-schematic";
export * from "./binary-toy";
