/**
 * `graph` of a large network: above 100 peers or 300 links a summary, peers on the same subnets
 * as one node with their count, links between two such nodes on a subnet as one edge; read back
 * by Graphviz itself (@viz-js/viz, in process).
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { instance } from "@viz-js/viz";
import { makeAcl } from "../../bench/acls.js";
import { buildNetwork } from "../../src/acl/v1/network.js";
import type { AclV1 } from "../../src/acl/v1/schema.js";
import { toDot } from "../../src/render/graph/dot.js";
import { DETAIL_LIMIT, graphOf } from "../../src/render/graph/graph.js";
import { toMermaid } from "../../src/render/graph/mermaid.js";
import { layoutEngine } from "../../src/render/graph/svg.js";

/** Node labels and edge labels as Graphviz reads our DOT. */
async function readDot(dot: string): Promise<{ nodes: string[]; edges: string[] }> {
  const viz = await instance();
  const json = viz.renderJSON(dot) as {
    objects: { _gvid: number; name: string; label?: string; nodes?: number[] }[];
    edges?: { tail: number; head: number; label?: string }[];
  };
  const nodes = json.objects.filter((o) => o.nodes === undefined);
  const byId = new Map(nodes.map((o) => [o._gvid, (o.label ?? "").split("\\n")[0] ?? ""]));
  return {
    nodes: nodes.map((o) => byId.get(o._gvid) ?? "").sort(),
    edges: (json.edges ?? [])
      .map((e) => `${byId.get(e.tail)} -- ${byId.get(e.head)} [${e.label}]`)
      .sort(),
  };
}

// 10 hubs meshed on core; 100 spokes, 10 per hub on its subnet siteK (bench/acls.ts).
const hubs = buildNetwork(makeAcl("hubs", 110) as AclV1);

test("above 100 peers, peers on the same subnets are one node and their links one edge", async () => {
  const graph = graphOf(hubs);
  // 45 hub pairs on core, 10 spokes to each hub: 145 links, written out by hand.
  assert.deepEqual(graph.summary, { peers: 110, links: 145 });
  const { nodes, edges } = await readDot(toDot(graph));
  const hubNames = Array.from({ length: 10 }, (_, k) => `hub${k}`);
  assert.deepEqual(nodes, [...hubNames, ...Array(10).fill("10 peers")].sort());
  const expected: string[] = [];
  for (let a = 0; a < 10; a++) {
    for (let b = a + 1; b < 10; b++) expected.push(`hub${a} -- hub${b} [core: 1 link]`);
    expected.push(`hub${a} -- 10 peers [site${a}: 10 links]`);
  }
  assert.deepEqual(edges, expected.sort());
  assert.match(toMermaid(graph), /\|"site3: 10 links"\|/);
});

test("a full mesh above the limits is one node with a loop counting its links", async () => {
  const mesh = buildNetwork(makeAcl("mesh", 120) as AclV1);
  const graph = graphOf(mesh);
  assert.deepEqual(graph.summary, { peers: 120, links: 7140 });
  const { nodes, edges } = await readDot(toDot(graph));
  assert.deepEqual(nodes, ["120 peers"]);
  assert.deepEqual(edges, ["120 peers -- 120 peers [mesh: 7140 links]"]);
});

test("within the limits, or with detail, every peer is drawn", () => {
  const small = buildNetwork(makeAcl("mesh", 20) as AclV1);
  const drawn = graphOf(small);
  assert.equal(drawn.summary, undefined);
  assert.equal(drawn.nodes.length, 20);
  assert.equal(drawn.edges.length, 190);
  const reported: number[] = [];
  const detailed = graphOf(hubs, { detail: true, progress: (done) => reported.push(done) });
  assert.equal(detailed.summary, undefined);
  assert.equal(detailed.nodes.length, 110);
  assert.equal(detailed.edges.length, 145);
  assert.equal(reported.at(-1), 110);
  assert.ok(DETAIL_LIMIT.peers === 100 && DETAIL_LIMIT.links === 300);
});

test("svg layout: dot for small graphs, sfdp above 100 edges", () => {
  assert.equal(layoutEngine(5), "dot");
  assert.equal(layoutEngine(100), "dot");
  assert.equal(layoutEngine(101), "sfdp");
});
