/**
 * SVG of the network graph, laid out by Graphviz itself: the WebAssembly build in
 * `@viz-js/viz`, which ships inside the package, so nothing is downloaded at run time.
 */

import { toDot } from "./dot.js";
import type { NetworkGraph } from "./graph.js";

/** Renders DOT text to SVG; Graphviz's own errors are raised, as our DOT should never have any. */
export async function dotToSvg(dot: string): Promise<string> {
  // Loaded on first use: the module carries Graphviz's WebAssembly, which other commands never need.
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  const result = viz.render(dot, { format: "svg", engine: "dot" });
  if (result.status !== "success")
    throw new Error(
      `internal error: Graphviz rejected the generated DOT: ${result.errors.map((e) => e.message).join("; ")}`,
    );
  return result.output;
}

/** The network as an SVG picture. */
export function toSvg(graph: NetworkGraph): Promise<string> {
  return dotToSvg(toDot(graph));
}
