/**
 * `wirenix graph`, read back by real parsers: DOT by Graphviz itself (@viz-js/viz), SVG as XML
 * (jsdom's XML parser), Mermaid by Mermaid's own flowchart parser.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { instance } from "@viz-js/viz";
import { JSDOM } from "jsdom";
import { buildNetwork } from "../../src/acl/v1/network.js";
import type { AclV1 } from "../../src/acl/v1/schema.js";
import { toDot } from "../../src/render/graph/dot.js";
import { networkGraph } from "../../src/render/graph/graph.js";
import { toMermaid } from "../../src/render/graph/mermaid.js";
import { toSvg } from "../../src/render/graph/svg.js";
import { fixtures } from "../support/paths.js";
import { wirenixInProcess } from "../support/run.js";

const homelab = join(fixtures, "check", "homelab.yaml");
const dir = mkdtempSync(join(tmpdir(), "wirenix-graph-"));

/** What the homelab ACL says, read by hand: lab is a full mesh of the three servers, roam links the laptop to the two servers on roam. */
const HOMELAB_EDGES = [
  "gateway -- media [lab]",
  "gateway -- nas [lab]",
  "gateway -- laptop [roam]",
  "media -- nas [lab]",
  "laptop -- media [roam]",
].sort();

async function graph(acl: string, format: string): Promise<string> {
  const run = await wirenixInProcess(["graph", acl, "--format", format]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  return run.stdout;
}

interface VizObject {
  _gvid: number;
  name: string;
  label?: string;
  style?: string;
  nodes?: number[];
}

/** Graphviz's own reading of our DOT: nodes by label, clusters, edges. */
async function readDot(dot: string) {
  const viz = await instance();
  const json = viz.renderJSON(dot) as {
    _subgraph_cnt: number;
    objects: VizObject[];
    edges: { tail: number; head: number; label?: string; style?: string }[];
  };
  const byId = new Map(json.objects.map((o) => [o._gvid, o]));
  // Graphviz reports labels with DOT's escapes still in them; \n is a line break.
  const label = (o: VizObject | undefined) => (o?.label ?? "").split("\\n");
  const nameOf = (gvid: number) => label(byId.get(gvid))[0] ?? "";
  return {
    clusters: json.objects
      .slice(0, json._subgraph_cnt)
      .map((c) => `${c.label}: ${(c.nodes ?? []).map(nameOf).sort().join(", ")}`),
    nodes: json.objects.slice(json._subgraph_cnt).map((o) => ({
      lines: label(o),
      style: o.style ?? "",
    })),
    edges: json.edges.map((e) => {
      const [x, y] = [nameOf(e.tail), nameOf(e.head)].sort();
      return `${x} -- ${y} [${e.label}]${e.style === "dashed" ? " dashed" : ""}`;
    }),
  };
}

test("DOT: Graphviz reads every peer, the subnet boxes and one edge per link", async () => {
  const dot = await readDot(await graph(homelab, "dot"));
  assert.deepEqual(dot.clusters, ["lab: nas", "roam: laptop"]);
  assert.deepEqual(dot.nodes.map((n) => n.lines.join(" / ")).sort(), [
    "gateway / (lab, roam)",
    "laptop",
    "media / (lab, roam)",
    "nas",
  ]);
  assert.deepEqual(dot.edges.sort(), HOMELAB_EDGES);
});

function spokeVariant(edit: (acl: Record<string, any>) => void, name: string): string {
  const acl = JSON.parse(readFileSync(join(fixtures, "check", "example-spoke.json"), "utf8"));
  edit(acl);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(acl));
  return file;
}

test("DOT: a peer no one can dial is marked; a link no side can start is dashed", async () => {
  // leaf3 without an ip: central cannot dial it, but leaf3 can dial central.
  const leaf = spokeVariant((acl) => {
    delete acl.peers[3].endpoints;
  }, "leaf3-no-ip");
  const one = await readDot(await graph(leaf, "dot"));
  const leaf3 = one.nodes.find((n) => n.lines[0] === "leaf3");
  assert.deepEqual(leaf3?.lines, ["leaf3", "(no endpoint)"]);
  assert.match(leaf3?.style ?? "", /dashed/);
  assert.ok(one.edges.includes("central -- leaf3 [mySpoke]"), one.edges.join("\n"));
  // No ports anywhere: nobody can dial anybody.
  const none = spokeVariant((acl) => {
    acl.subnets[0].endpoints = [];
  }, "no-ports");
  const two = await readDot(await graph(none, "dot"));
  assert.deepEqual(two.edges.sort(), [
    "central -- leaf1 [mySpoke] dashed",
    "central -- leaf2 [mySpoke] dashed",
    "central -- leaf3 [mySpoke] dashed",
  ]);
  assert.ok(two.nodes.every((n) => n.style.includes("dashed")));
});

test("SVG: well-formed XML drawn by Graphviz, with a node per peer and an edge per link", async () => {
  const svg = await graph(homelab, "svg");
  const dom = new JSDOM(svg, { contentType: "image/svg+xml" });
  const root = dom.window.document.documentElement;
  assert.equal(root.tagName, "svg");
  assert.equal(root.getAttribute("xmlns"), "http://www.w3.org/2000/svg");
  const groups = (cls: string) => [...root.querySelectorAll(`g.${cls}`)];
  assert.equal(groups("node").length, 4);
  assert.equal(groups("edge").length, 5);
  assert.equal(groups("cluster").length, 2);
  const texts = groups("node").map((g) =>
    [...g.querySelectorAll("text")].map((t) => t.textContent).join(" "),
  );
  assert.deepEqual(texts.sort(), ["gateway (lab, roam)", "laptop", "media (lab, roam)", "nas"]);
  // The comment Graphviz writes proves the picture was laid out by Graphviz itself.
  assert.match(svg, /Generated by graphviz version \d+/);
  // Malformed XML would not parse: the same parser rejects a cut-off document.
  assert.throws(() => new JSDOM(svg.slice(0, svg.length / 2), { contentType: "image/svg+xml" }));
});

test("graph --out writes the file", async () => {
  const out = join(dir, "picture.svg");
  const run = await wirenixInProcess(["graph", homelab, "--format", "svg", "--out", out]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.match(readFileSync(out, "utf8"), /<svg /);
});

interface MermaidDb {
  getVertices(): Map<string, { id: string; text: string; classes: string[] }>;
  getEdges(): { start: string; end: string; text: string; type: string; stroke: string }[];
  getSubGraphs(): { id: string; title: string; nodes: string[] }[];
}

/** Mermaid's own parser; it needs a DOM for its sanitizer, which jsdom gives. */
async function readMermaid(text: string): Promise<MermaidDb> {
  const { window } = new JSDOM("");
  Object.assign(globalThis, { window, document: window.document });
  const { default: mermaid } = await import("mermaid");
  await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  return diagram.db as unknown as MermaidDb;
}

test("Mermaid: Mermaid's parser reads the nodes, subgraphs and labelled edges", async () => {
  const db = await readMermaid(await graph(homelab, "mermaid"));
  const names = new Map([...db.getVertices().values()].map((v) => [v.id, v.text]));
  assert.deepEqual([...names.values()].sort(), [
    "gateway (lab, roam)",
    "laptop",
    "media (lab, roam)",
    "nas",
  ]);
  const peer = (id: string) => (names.get(id) ?? "").split(" ")[0];
  assert.deepEqual(
    db
      .getEdges()
      .map((e) => {
        const [x, y] = [peer(e.start), peer(e.end)].sort();
        return `${x} -- ${y} [${e.text}]`;
      })
      .sort(),
    HOMELAB_EDGES,
  );
  assert.deepEqual(
    db
      .getSubGraphs()
      .map((s) => `${s.title}: ${s.nodes.map(peer).sort().join(", ")}`)
      .sort(),
    ["lab: nas", "roam: laptop"],
  );
});

test("Mermaid: unreachable peers get the dashed class, dead links a dotted line", async () => {
  const none = spokeVariant((acl) => {
    acl.subnets[0].endpoints = [];
  }, "mermaid-no-ports");
  const db = await readMermaid(await graph(none, "mermaid"));
  assert.ok([...db.getVertices().values()].every((v) => v.classes.includes("noEndpoint")));
  assert.ok(db.getEdges().every((e) => e.stroke === "dotted"));
});

test("names that need escaping survive DOT, SVG and Mermaid", async () => {
  // ACL v1 refuses such names (intentional difference 9); a plugin's parser may not, so the
  // network is built here without v1's validation, and the printers must still escape them.
  const odd = 'we"ird\\name #1 <x>';
  const acl = JSON.parse(readFileSync(join(fixtures, "check", "example-spoke.json"), "utf8"));
  acl.peers[0].name = odd;
  acl.connections[0].b[0].value = odd;
  const drawn = networkGraph(buildNetwork(acl as AclV1));
  const dot = await readDot(toDot(drawn));
  assert.equal(dot.nodes.length, 4);
  const svg = new JSDOM(await toSvg(drawn), { contentType: "image/svg+xml" });
  const texts = [...svg.window.document.querySelectorAll("g.node text")].map((t) => t.textContent);
  assert.ok(texts.includes(odd), JSON.stringify(texts));
  const db = await readMermaid(toMermaid(drawn));
  assert.equal(db.getVertices().size, 4);
  assert.equal(db.getEdges().length, 3);
});
