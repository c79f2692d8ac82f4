/** The network graph as a Mermaid flowchart, which GitHub and many wikis draw from Markdown. */
import { edgeLabel, type GraphNode, type NetworkGraph, nodeNotes, subnetColour } from "./graph.js";

/**
 * A Mermaid quoted label. Mermaid has no backslash escapes; `"`, `#`, `<` and `>` are written as
 * its entity codes, and control characters become spaces.
 */
export function mermaidLabel(text: string): string {
  let out = '"';
  for (const c of text) {
    if (c === '"') out += "#quot;";
    else if (c === "#") out += "#35;";
    else if (c === "<") out += "#lt;";
    else if (c === ">") out += "#gt;";
    else if (c < " " || c === "\u007f") out += " ";
    else out += c;
  }
  return `${out}"`;
}

function nodeLine(node: GraphNode, indent: string): string {
  const notes = nodeNotes(node);
  const label = notes.length > 0 ? `${node.peer} (${notes.join("; ")})` : node.peer;
  const marked = node.isolated || node.endpointless ? ":::noEndpoint" : "";
  return `${indent}${node.id}[${mermaidLabel(label)}]${marked}`;
}

/** The whole network as one Mermaid flowchart. */
export function toMermaid(graph: NetworkGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines = ["flowchart LR"];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${cluster.id}[${mermaidLabel(cluster.subnet)}]`);
    for (const id of cluster.nodes) lines.push(nodeLine(byId.get(id) as GraphNode, "    "));
    lines.push("  end");
  }
  for (const id of graph.loose) lines.push(nodeLine(byId.get(id) as GraphNode, "  "));
  const bySubnet = new Map<string, number[]>();
  graph.edges.forEach((edge, index) => {
    const arrow = edge.handshake ? "---" : "-.-";
    lines.push(`  ${edge.from} ${arrow}|${mermaidLabel(edgeLabel(edge))}| ${edge.to}`);
    const list = bySubnet.get(edge.subnet) ?? [];
    list.push(index);
    bySubnet.set(edge.subnet, list);
  });
  lines.push("  classDef noEndpoint stroke-dasharray: 5 5");
  for (const [subnet, indices] of bySubnet)
    lines.push(`  linkStyle ${indices.join(",")} stroke:${subnetColour(graph, subnet)}`);
  return `${lines.join("\n")}\n`;
}
