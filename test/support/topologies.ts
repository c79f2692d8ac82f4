/**
 * The topologies the end-to-end suites bring up: the original's VM tests (tests/*.nix) and its
 * README examples, with the links each one must have written down by hand from those tests
 * (never computed by Wirenix), and where each peer runs.
 */

/** One topology: an ACL from test/fixtures/differential/<fixture>/acl.json. */
export interface Topology {
  name: string;
  fixture: string;
  /** host → the peers running on it; default: one host per peer, named like the peer. */
  placement?: Record<string, readonly string[]>;
  devNameMethod?: "short" | "hash";
  /** Every link as [peer, peer, subnet]; every other pair must not reach the other. */
  links: readonly (readonly [string, string, string])[];
  /** Give the first subnet a preshared key (made with `wg genpsk`). */
  presharedKey?: boolean;
  /** Generate with --inline-private-keys (the ACL then carries privateKey). */
  inlinePrivateKeys?: boolean;
}

const ring = (names: readonly string[], subnet: string) =>
  names.map((name, i) => [name, names[(i + 1) % names.length] as string, subnet] as const);

const mesh = (names: readonly string[], subnet: string) =>
  names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b, subnet] as const));

export const TOPOLOGIES: readonly Topology[] = [
  {
    name: "simple (two peers, auto IPv6, preshared key)",
    fixture: "oracle-simple",
    links: [["node1", "node2", "simple"]],
    presharedKey: true,
  },
  {
    name: "ring of four (tests/ring.nix)",
    fixture: "oracle-ring",
    links: ring(["node1", "node2", "node3", "node4"], "ring"),
  },
  {
    name: "full mesh of four (tests/mesh.nix)",
    fixture: "oracle-mesh",
    links: mesh(["node1", "node2", "node3", "node4"], "mesh"),
  },
  {
    name: "two disjoint meshes sharing one peer (tests/disjointed-meshes.nix)",
    fixture: "oracle-disjointed-meshes",
    links: [
      ["node1", "node2", "disjoint1"],
      ["node2", "node3", "disjoint2"],
    ],
  },
  {
    name: "two peers per host on one subnet, hash device names (tests/double-dev-ring.nix)",
    fixture: "oracle-double-dev-ring",
    placement: { node1: ["peer1", "peer3"], node2: ["peer2", "peer4"] },
    devNameMethod: "hash",
    links: ring(["peer1", "peer2", "peer3", "peer4"], "ring"),
  },
  {
    name: "manual IPv4, private keys inline (tests/manual-ipv4.nix)",
    fixture: "oracle-manual-ipv4",
    links: [["node1", "node2", "manual"]],
    inlinePrivateKeys: true,
  },
  {
    name: "manual IPv6 (tests/manual-ipv6.nix)",
    fixture: "oracle-manual-ipv6",
    links: [["node1", "node2", "manual"]],
  },
  {
    name: "manual 'auto' IPv6 (tests/manual-ipv6-auto.nix)",
    fixture: "oracle-manual-ipv6-auto",
    links: [["node1", "node2", "manual"]],
  },
  {
    name: "hub and spoke (README example)",
    fixture: "oracle-example-spoke",
    links: [
      ["central", "leaf1", "mySpoke"],
      ["central", "leaf2", "mySpoke"],
      ["central", "leaf3", "mySpoke"],
    ],
  },
  {
    name: "ring of four (README example)",
    fixture: "oracle-example-ring",
    links: ring(["peer1", "peer2", "peer3", "peer4"], "myRing"),
  },
  {
    name: "full mesh of three (README example)",
    fixture: "oracle-example-fullmesh",
    links: mesh(["peer1", "peer2", "peer3"], "myMesh"),
  },
];
