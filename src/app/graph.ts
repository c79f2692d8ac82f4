/**
 * `graph` as the library runs it: the network as a picture, in DOT, Mermaid, or SVG (laid out by
 * Graphviz, built into the package). Names end up in labels; no control character reaches a terminal or an SVG.
 */
import type { Result } from "../core/diagnostics.js";
import { printable } from "../core/printable.js";
import { toDot } from "../render/graph/dot.js";
import { graphOf, type NetworkGraph } from "../render/graph/graph.js";
import { toMermaid } from "../render/graph/mermaid.js";
import { toSvg } from "../render/graph/svg.js";
import { type AclInput, type AclOptions, readAcl } from "./acl-input.js";

/** The picture formats of `graph`. */
export type GraphFormat = "dot" | "mermaid" | "svg";

/** `graph`'s options: the format (default `dot`), and every peer drawn however many. */
export interface GraphRequest extends AclOptions {
  format?: GraphFormat;
  /** Every peer, even above `DETAIL_LIMIT` (else peers on the same subnets are one node). */
  detail?: boolean;
}

/** A network's graph drawn in `format`. */
export async function drawGraph(graph: NetworkGraph, format: GraphFormat): Promise<string> {
  const drawn =
    format === "svg" ? await toSvg(graph) : format === "mermaid" ? toMermaid(graph) : toDot(graph);
  return printable(drawn, { keepLineBreaks: true });
}

/** The ACL's network as a picture. */
export async function graph(acl: AclInput, request: GraphRequest = {}): Promise<Result<string>> {
  const read = readAcl(acl, request);
  if (!read.ok) return read;
  const drawn = graphOf(read.value.network, { detail: request.detail === true });
  const text = await drawGraph(drawn, request.format ?? "dot");
  return { ok: true, value: text, warnings: read.warnings };
}
