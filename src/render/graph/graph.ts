/**
 * The network as a graph, for pictures: peers as nodes (grouped by subnet when they are in one
 * subnet only), links as edges labelled by subnet, and the facts a picture should show: who
 * cannot be dialled, and which links can never handshake.
 */
import type { Network } from "../../network/model.js";

export interface GraphNode {
  /** A stable identifier safe in every graph language: `n` + ACL peer index. */
  id: string;
  peer: string;
  subnets: readonly string[];
  /** No linked peer has an endpoint (ip and port) for it: it can only be reached by its own dial. */
  endpointless: boolean;
  /** Linked to no one. */
  isolated: boolean;
}

/** The peers that are members of one subnet only, drawn inside that subnet's box. */
export interface GraphCluster {
  id: string;
  subnet: string;
  nodes: readonly string[];
}

export interface GraphEdge {
  from: string;
  to: string;
  subnet: string;
  /** At least one side has an endpoint for the other, so a handshake can start. */
  handshake: boolean;
}

export interface NetworkGraph {
  subnets: readonly string[];
  nodes: readonly GraphNode[];
  clusters: readonly GraphCluster[];
  /** Nodes in no cluster (in several subnets, or in none), in ACL order. */
  loose: readonly string[];
  edges: readonly GraphEdge[];
}

/** Builds the graph: one edge per linked pair per subnet, in ACL peer order. */
export function networkGraph(network: Network): NetworkGraph {
  const id = (index: number) => `n${index}`;
  const dialed = new Set<string>();
  const edges: GraphEdge[] = [];
  const linked = new Set<number>();
  const dials = new Set<string>();
  const all = network.peers.map((p) => network.interfaces(p.name));
  all.forEach((interfaces, index) => {
    const name = network.peers[index]?.name ?? "";
    for (const iface of interfaces)
      for (const link of iface.links)
        if (link.endpoint.address !== undefined) {
          dialed.add(link.peer.name);
          dials.add(`${iface.subnet.name}\u0000${name}\u0000${link.peer.name}`);
        }
  });
  all.forEach((interfaces, index) => {
    const local = network.peers[index];
    if (!local) return;
    for (const iface of interfaces)
      for (const link of iface.links) {
        linked.add(index);
        const remote = link.peer;
        if (remote.index <= index) continue;
        edges.push({
          from: id(index),
          to: id(remote.index),
          subnet: iface.subnet.name,
          handshake:
            link.endpoint.address !== undefined ||
            dials.has(`${iface.subnet.name}\u0000${remote.name}\u0000${local.name}`),
        });
      }
  });
  const nodes: GraphNode[] = network.peers.map((p) => ({
    id: id(p.index),
    peer: p.name,
    subnets: p.memberships.map((m) => m.subnet),
    endpointless: linked.has(p.index) && !dialed.has(p.name),
    isolated: !linked.has(p.index),
  }));
  const clusters: GraphCluster[] = network.subnets.map((s) => ({
    id: `s${s.index}`,
    subnet: s.name,
    nodes: nodes.filter((n) => n.subnets.length === 1 && n.subnets[0] === s.name).map((n) => n.id),
  }));
  return {
    subnets: network.subnets.map((s) => s.name),
    nodes,
    clusters: clusters.filter((c) => c.nodes.length > 0),
    loose: nodes.filter((n) => n.subnets.length !== 1).map((n) => n.id),
    edges,
  };
}

/** A colour per subnet (Tableau 10), so edges of one subnet read as one network. */
export function subnetColour(graph: NetworkGraph, subnet: string): string {
  const palette = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
  ];
  const index = Math.max(0, graph.subnets.indexOf(subnet));
  return palette[index % palette.length] as string;
}

/** What a node's label says besides the peer's name: its subnets when several, and why dashed. */
export function nodeNotes(node: GraphNode): string[] {
  const notes: string[] = [];
  if (node.subnets.length > 1) notes.push(node.subnets.join(", "));
  if (node.isolated) notes.push("no links");
  else if (node.endpointless) notes.push("no endpoint");
  return notes;
}
