/**
 * The pairs `diff` follows (analysis/reach-changes.ts) against the whole-network reachability
 * of both versions (reachability.ts, itself held to the packet tracer): for many changes to
 * networks that take every kind of step (rules, routed networks, an exit node, a relay), the
 * pairs whose services differ must be exactly those the two full passes tell apart. Then a
 * 300-peer mesh, where one rule, one peer or one endpoint changes, with the rows written by hand.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { parseAcl } from "../../src/acl/parse.js";
import type { NetworkDiff } from "../../src/analysis/diff.js";
import { reachabilityChanges } from "../../src/analysis/reach-changes.js";
import { type Reachability, reachability } from "../../src/analysis/reachability.js";
import { serviceSpace } from "../../src/analysis/services.js";
import { createRegistry } from "../../src/app/registry.js";
import { compareNames } from "../../src/core/order.js";
import type { Network } from "../../src/network/model.js";
import { meshAcl, relayAcl, roadWarriorAcl } from "../support/acl.js";
import { fixtures, repoRoot } from "../support/paths.js";
import { wirenixInProcess, withTempDir, writeAcl } from "../support/run.js";

// ACLs are edited as plain data here.
type Acl = Record<string, any>;

function network(acl: unknown): Network | undefined {
  const parsed = parseAcl(acl, createRegistry());
  return parsed.ok ? parsed.value : undefined;
}

const yamlAcl = (path: string): Acl => parse(readFileSync(path, "utf8"));
const peerIs = (value: string) => ({ type: "peer", rule: "is", value });
const key = (name: string) => createHash("sha256").update(`test-key:${name}`).digest("base64");

/** The pairs two full passes tell apart, in name order. */
function fullPasses(a: Network, b: Network) {
  const space = serviceSpace([a, b]);
  const ra = reachability(a, space);
  const rb = reachability(b, space);
  const mask = (r: Reachability, from: string, to: string) => {
    const i = r.peers.indexOf(from);
    const j = r.peers.indexOf(to);
    return i < 0 || j < 0 ? 0n : (r.masks[i * r.peers.length + j] ?? 0n);
  };
  const names = [...new Set([...ra.peers, ...rb.peers])].sort(compareNames);
  const out: string[] = [];
  for (const from of names)
    for (const to of names) {
      if (from === to) continue;
      const before = mask(ra, from, to);
      const after = mask(rb, from, to);
      if (before !== after)
        out.push(`${from}->${to} ${space.text(before)} => ${space.text(after)}`);
    }
  return { space, out };
}

const changes: [string, (acl: Acl) => void][] = [
  ["nothing", () => {}],
  [
    "a rule for the first peer",
    (acl) => {
      acl.rules = [
        ...(acl.rules ?? []),
        { from: [peerIs(acl.peers[0].name)], to: [], allow: ["tcp/22"] },
      ];
    },
  ],
  [
    "the rules gone",
    (acl) => {
      delete acl.rules;
    },
  ],
  [
    "the first rule's services",
    (acl) => {
      if (acl.rules?.[0]) acl.rules[0].allow = ["udp/53", "icmp"];
    },
  ],
  [
    "the last peer gone",
    (acl) => {
      acl.peers.pop();
    },
  ],
  [
    "a peer added like the last",
    (acl) => {
      const copy = structuredClone(acl.peers[acl.peers.length - 1]);
      copy.name = "zz-new";
      copy.publicKey = key("zz-new");
      for (const m of Object.values(copy.subnets ?? {}) as Acl[])
        if (m.ipAddresses) m.ipAddresses = ["10.99.0.99"];
      acl.peers.push(copy);
    },
  ],
  [
    "the first peer's endpoints gone",
    (acl) => {
      delete acl.peers[0].endpoints;
      acl.peers[0].roaming = true;
    },
  ],
  [
    "the connections narrowed to the first peer",
    (acl) => {
      acl.connections = [{ a: [peerIs(acl.peers[0].name)], b: [] }];
    },
  ],
  [
    "the second peer's address",
    (acl) => {
      for (const m of Object.values(acl.peers[1].subnets ?? {}) as Acl[])
        if (m.ipAddresses) m.ipAddresses = ["10.77.0.7"];
    },
  ],
  [
    "a network routed by the second peer",
    (acl) => {
      for (const m of Object.values(acl.peers[1].subnets ?? {}) as Acl[])
        m.routes = [...(m.routes ?? []), "172.31.0.0/16"];
    },
  ],
];

const bases: [string, () => Acl][] = [
  ["the mesh", () => meshAcl()],
  [
    "the mesh with rules",
    () => ({
      ...meshAcl(),
      rules: [
        { from: [peerIs("a")], to: [], allow: ["tcp/22", "icmp"] },
        { from: [], to: [peerIs("c")], allow: ["tcp/80"] },
      ],
    }),
  ],
  ["the road warrior (exit node, routed network)", () => roadWarriorAcl()],
  ["the office rules", () => yamlAcl(join(fixtures, "rules", "office.yaml"))],
  ["the homelab example", () => yamlAcl(join(repoRoot, "examples", "homelab.yaml"))],
  ["the road-warrior example", () => yamlAcl(join(repoRoot, "examples", "road-warrior.yaml"))],
  ["a relay", () => relayAcl()],
];

for (const [baseName, base] of bases)
  test(`the pairs followed are the pairs two full passes tell apart: ${baseName}`, () => {
    let compared = 0;
    let differing = 0;
    for (const [changeName, change] of changes)
      for (const flip of [false, true]) {
        const before = base();
        const after = base();
        change(after);
        const a = network(flip ? after : before);
        const b = network(flip ? before : after);
        if (!a || !b) continue;
        const { space, out } = fullPasses(a, b);
        const got = reachabilityChanges(a, b, space).map(
          (c) => `${c.from}->${c.to} ${space.text(c.before)} => ${space.text(c.after)}`,
        );
        assert.deepEqual(got, out, `${changeName}${flip ? " (undone)" : ""}`);
        compared++;
        differing += out.length;
      }
    assert.ok(compared >= 10, `only ${compared} changes made valid networks`);
    assert.ok(differing > 0, "some change changes something, so the comparison can fail");
  });

// A 300-peer mesh: p000 ... p299 on "mesh" at 10.1.x.y; everyone reaches everyone on tcp/22,
// p007 reaches the "db" group (p100, p101, p102) on tcp/5432.
function bigMesh(): Acl {
  const name = (i: number) => `p${String(i).padStart(3, "0")}`;
  return {
    version: "v1",
    subnets: [{ name: "mesh", endpoints: [{ port: 51820 }] }],
    groups: [{ name: "db" }],
    peers: Array.from({ length: 300 }, (_, i) => ({
      name: name(i),
      groups: i >= 100 && i <= 102 ? ["db"] : [],
      publicKey: key(name(i)),
      privateKeyFile: "/etc/wg.key",
      subnets: { mesh: { listenPort: 51820, ipAddresses: [`10.1.${i >> 7}.${(i & 127) + 1}`] } },
      endpoints: [{ ip: `${name(i)}.example` }],
    })),
    connections: [{ a: [], b: [] }],
    rules: [
      { from: [], to: [], allow: ["tcp/22"] },
      {
        from: [peerIs("p007")],
        to: [{ type: "group", rule: "is", value: "db" }],
        allow: ["tcp/5432"],
      },
    ],
  };
}

async function meshDiff(change: (acl: Acl) => void): Promise<{ code: number; d: NetworkDiff }> {
  return withTempDir(async (dir) => {
    const old = bigMesh();
    const now = bigMesh();
    change(now);
    const run = await wirenixInProcess([
      "diff",
      writeAcl(dir, old, "old.json"),
      writeAcl(dir, now, "new.json"),
      "--format",
      "json",
    ]);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    return { code: run.code, d: JSON.parse(run.stdout) as NetworkDiff };
  });
}

const rows = (d: NetworkDiff) =>
  d.reachability.map((c) => `${c.change} ${c.from}->${c.to} ${c.service}`);

test("300-peer mesh: one rule widened opens exactly its three pairs", async () => {
  const { code, d } = await meshDiff((acl) => {
    acl.rules[1].allow = ["tcp/5432-5433"];
  });
  assert.equal(code, 1);
  assert.deepEqual(rows(d), [
    "opened p007->p100 tcp/5433",
    "opened p007->p101 tcp/5433",
    "opened p007->p102 tcp/5433",
  ]);
  assert.deepEqual(d.reachability[0]?.new, {
    reached: true,
    why: '"p007" -[mesh by connections[0]]-> "p100": allowed by rules[1]',
  });
});

test("300-peer mesh: one peer's endpoint changes no reachability, only what dials it", async () => {
  const { code, d } = await meshDiff((acl) => {
    acl.peers[42].endpoints = [{ ip: "elsewhere.example" }];
  });
  assert.equal(code, 1);
  assert.deepEqual(d.reachability, []);
  assert.equal(d.summary.hostsChanged, 299);
  assert.deepEqual(
    d.hosts
      .find((h) => h.host === "p000")
      ?.changes.map((c) => `${c.what} ${c.peer}: ${c.old} -> ${c.new}`),
    ["endpoint p042: p042.example:51820 -> elsewhere.example:51820"],
  );
});

test("300-peer mesh: a peer added reaches everyone and is reached on tcp/22", async () => {
  const { code, d } = await meshDiff((acl) => {
    acl.peers.push({
      name: "q",
      publicKey: key("q"),
      privateKeyFile: "/etc/wg.key",
      subnets: { mesh: { listenPort: 51820, ipAddresses: ["10.1.9.9"] } },
      endpoints: [{ ip: "q.example" }],
    });
  });
  assert.equal(code, 1);
  const got = rows(d);
  assert.equal(got.length, 600);
  assert.deepEqual(got.slice(0, 2), ["opened p000->q tcp/22", "opened p001->q tcp/22"]);
  assert.deepEqual(got.slice(-2), ["opened q->p298 tcp/22", "opened q->p299 tcp/22"]);
  assert.ok(got.every((r) => r.endsWith(" tcp/22") && r.includes("q")));
});
