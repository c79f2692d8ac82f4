/** The network graph in Graphviz's DOT language (render with `dot -Tsvg`, or `graph --format svg`). */
import { edgeLabel, type GraphNode, type NetworkGraph, nodeNotes, subnetColour } from "./graph.js";

/**
 * A DOT double-quoted string. Inside one, `\` starts Graphviz escapes (`\n`, `\N`), so a literal
 * backslash is doubled; control characters, which no label shows, become spaces.
 */
export function dotString(text: string): string {
  let out = '"';
  for (const c of text) {
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c < " " || c === "\u007f") out += " ";
    else out += c;
  }
  return `${out}"`;
}

function nodeLine(node: GraphNode, indent: string): string {
  const notes = nodeNotes(node);
  const label = notes.length > 0 ? `${node.peer}\n(${notes.join("; ")})` : node.peer;
  const style =
    node.isolated || node.endpointless ? ', style="rounded,dashed", color="#888888"' : "";
  return `${indent}${node.id} [label=${dotString(label)}${style}];`;
}

/** The whole network as one undirected DOT graph. */
export function toDot(graph: NetworkGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const legend = graph.summary
    ? `${graph.summary.peers} peers, ${graph.summary.links} links: peers on the same subnets drawn as one box; dashed box: no peer has an endpoint for them; dashed line: no link can handshake`
    : "dashed box: no peer has an endpoint for it; dashed line: neither side has an endpoint";
  const lines = [
    "graph wirenix {",
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, labelloc=b,',
    `         label=${dotString(legend)}];`,
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const cluster of graph.clusters) {
    const colour = subnetColour(graph, cluster.subnet);
    lines.push(
      `  subgraph cluster_${cluster.id} {`,
      `    label=${dotString(cluster.subnet)}; labelloc=t; color=${dotString(colour)}; fontcolor=${dotString(colour)};`,
    );
    for (const id of cluster.nodes) lines.push(nodeLine(byId.get(id) as GraphNode, "    "));
    lines.push("  }");
  }
  for (const id of graph.loose) lines.push(nodeLine(byId.get(id) as GraphNode, "  "));
  for (const edge of graph.edges) {
    const colour = dotString(subnetColour(graph, edge.subnet));
    const style = edge.handshake ? "" : ", style=dashed";
    lines.push(
      `  ${edge.from} -- ${edge.to} [label=${dotString(edgeLabel(edge))}, color=${colour}, fontcolor=${colour}${style}];`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
