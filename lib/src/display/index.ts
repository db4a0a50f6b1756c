/** Showing things in a notebook: HTML, Plotly figures (live and static), progress bars. */
export * from "./html";
export * from "./plotly";
export * from "./static-image";
export * from "./progress";
