/**
 * The network as a graph, for pictures: peers as nodes (grouped by subnet when they are in one
 * subnet only), links as edges labelled by subnet, and the facts a picture should show: who
 * cannot be dialled, and which links can never handshake.
 */
import type { NetPeer, Network } from "../../network/model.js";

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
  /** In a summary: how many links between the two groups of peers the edge stands for. */
  links?: number;
}

export interface NetworkGraph {
  subnets: readonly string[];
  nodes: readonly GraphNode[];
  clusters: readonly GraphCluster[];
  /** Nodes in no cluster (in several subnets, or in none), in ACL order. */
  loose: readonly string[];
  edges: readonly GraphEdge[];
  /**
   * Set when the graph is a summary: each node stands for the peers on the same subnets
   * (`peer` is then its label, such as "1000 peers"), each edge for the links between two such
   * groups on one subnet. `peers` and `links` are the network's.
   */
  summary?: { peers: number; links: number };
}

/**
 * Up to this many peers and links, a picture of every peer stays readable and Graphviz lays it
 * out in seconds; above, `graphOf` draws a summary.
 */
export const DETAIL_LIMIT = { peers: 100, links: 300 } as const;

/** How many links (linked pairs per subnet) the network has: one peer's interfaces at a time. */
export function countLinks(network: Network): number {
  let directed = 0;
  for (const peer of network.peers)
    for (const iface of network.interfaces(peer.name)) directed += iface.links.length;
  return directed / 2;
}

/**
 * The picture of a network: every peer when it is within `DETAIL_LIMIT` or `detail` asks for
 * it, else the summary. `progress` hears how far the detailed one got (peers resolved).
 */
export function graphOf(
  network: Network,
  options: { detail?: boolean; progress?: (done: number, of: number) => void } = {},
): NetworkGraph {
  if (options.detail) return networkGraph(network, options.progress);
  // Counting the links of a few peers is cheap; above the peer limit it is not needed.
  const small =
    network.peers.length <= DETAIL_LIMIT.peers && countLinks(network) <= DETAIL_LIMIT.links;
  return small ? networkGraph(network, options.progress) : summaryGraph(network);
}

/** Builds the graph: one edge per linked pair per subnet, in ACL peer order. */
export function networkGraph(
  network: Network,
  progress?: (done: number, of: number) => void,
): NetworkGraph {
  const id = (index: number) => `n${index}`;
  const dialed = new Set<string>();
  const edges: GraphEdge[] = [];
  const linked = new Set<number>();
  const dials = new Set<string>();
  const count = network.peers.length;
  const all = network.peers.map((p, index) => {
    progress?.(index, count);
    return network.interfaces(p.name);
  });
  progress?.(count, count);
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
  return clustered(network, nodes, edges);
}

/**
 * The network drawn by groups: the peers on the same subnets (in the same subnet box, or listing
 * the same subnets) are one node with their count (a group of one peer keeps its name), and the
 * links between two groups on one subnet are one edge with theirs. Dashed as in the full picture
 * when none of the group's peers has an endpoint any linked peer knows, or none of the edge's
 * links can handshake. One peer's interfaces at a time: memory does not grow with the links.
 */
export function summaryGraph(network: Network): NetworkGraph {
  let links = 0;
  const groupOf = new Int32Array(network.peers.length);
  const groups: { subnets: string[]; peers: string[] }[] = [];
  const byKey = new Map<string, number>();
  for (const peer of network.peers) {
    const subnets = peer.memberships.map((m) => m.subnet);
    const key = subnets.join("\u0000");
    let group = byKey.get(key);
    if (group === undefined) {
      group = groups.length;
      byKey.set(key, group);
      groups.push({ subnets, peers: [] });
    }
    groups[group]?.peers.push(peer.name);
    groupOf[peer.index] = group;
  }
  const linked = new Uint8Array(network.peers.length);
  const dialed = new Uint8Array(network.peers.length);
  /** Per subnet and pair of groups (lower first): links, and directed links with an endpoint. */
  const pairs = new Map<
    string,
    { subnet: string; from: number; to: number; links: number; dials: number }
  >();
  for (const peer of network.peers) {
    const mine = groupOf[peer.index] as number;
    for (const iface of network.interfaces(peer.name))
      for (const link of iface.links) {
        linked[peer.index] = 1;
        const dials = link.endpoint.address !== undefined;
        if (dials) dialed[link.peer.index] = 1;
        const theirs = groupOf[link.peer.index] as number;
        const [from, to] = mine <= theirs ? [mine, theirs] : [theirs, mine];
        const key = `${iface.subnet.name}\u0000${from}\u0000${to}`;
        let pair = pairs.get(key);
        if (!pair) {
          pair = { subnet: iface.subnet.name, from, to, links: 0, dials: 0 };
          pairs.set(key, pair);
        }
        // Each link is seen from both ends: count it at the end of the lower ACL index.
        if (peer.index < link.peer.index) {
          pair.links++;
          links++;
        }
        if (dials) pair.dials++;
      }
  }
  const nodes: GraphNode[] = groups.map((g, index) => {
    const members = g.peers.map((name) => network.peer(name) as NetPeer);
    const isolated = members.every((p) => !linked[p.index]);
    return {
      id: `g${index}`,
      peer: g.peers.length === 1 ? (g.peers[0] as string) : `${g.peers.length} peers`,
      subnets: g.subnets,
      endpointless: !isolated && members.every((p) => !linked[p.index] || !dialed[p.index]),
      isolated,
    };
  });
  const edges: GraphEdge[] = [...pairs.values()].map((p) => ({
    from: `g${p.from}`,
    to: `g${p.to}`,
    subnet: p.subnet,
    handshake: p.dials > 0,
    links: p.links,
  }));
  return { ...clustered(network, nodes, edges), summary: { peers: network.peers.length, links } };
}

/** The graph with each node on one subnet inside that subnet's cluster, the others loose. */
function clustered(network: Network, nodes: GraphNode[], edges: GraphEdge[]): NetworkGraph {
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

/** What an edge's label says: its subnet, and in a summary how many links it stands for. */
export function edgeLabel(edge: GraphEdge): string {
  if (edge.links === undefined) return edge.subnet;
  return `${edge.subnet}: ${edge.links} link${edge.links === 1 ? "" : "s"}`;
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
