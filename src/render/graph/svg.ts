/**
 * SVG of the network graph, laid out by Graphviz itself: the WebAssembly build in
 * `@viz-js/viz`, which ships inside the package, so nothing is downloaded at run time.
 */

import { toDot } from "./dot.js";
import type { NetworkGraph } from "./graph.js";

/**
 * Graphviz's layout engine for a graph of this many edges: `dot` (ranked, boxes for subnets)
 * while it is quick, `sfdp` (multiscale force-directed, made for large graphs; it does not box
 * subnets) above: `dot` takes tens of seconds on a 200-edge mesh, `sfdp` one or two.
 */
export function layoutEngine(edges: number): "dot" | "sfdp" {
  return edges <= DOT_EDGES ? "dot" : "sfdp";
}

/** Above this many edges `dot`'s layout gets slow (see layoutEngine). */
export const DOT_EDGES = 100;

/** Renders DOT text to SVG; Graphviz's own errors are raised, as our DOT should never have any. */
export async function dotToSvg(dot: string, engine: "dot" | "sfdp" = "dot"): Promise<string> {
  // Loaded on first use: the module carries Graphviz's WebAssembly, which other commands never need.
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  const result = viz.render(dot, { format: "svg", engine });
  if (result.status !== "success")
    throw new Error(
      `internal error: Graphviz rejected the generated DOT: ${result.errors.map((e) => e.message).join("; ")}`,
    );
  return result.output;
}

/** The network as an SVG picture. */
export function toSvg(graph: NetworkGraph): Promise<string> {
  return dotToSvg(toDot(graph), layoutEngine(graph.edges.length));
}
