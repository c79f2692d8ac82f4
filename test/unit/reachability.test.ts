/**
 * The whole-network reachability (analysis/reachability.ts) against the packet tracer it
 * stands for: for every pair of peers and every service piece, one `tracePacket` per address
 * of the target must arrive exactly when the mask says so. Run on networks that take every
 * kind of step (rules, routed networks, an exit node, a relay, unenforced platforms), plus
 * hand-written masks for the service pieces.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { parseAcl } from "../../src/acl/parse.js";
import { tracePacket } from "../../src/analysis/packet-trace.js";
import { reachability } from "../../src/analysis/reachability.js";
import { serviceSpace } from "../../src/analysis/services.js";
import { createRegistry } from "../../src/app/registry.js";
import { AccessRules } from "../../src/network/access.js";
import type { Network } from "../../src/network/model.js";
import { targetAddresses } from "../../src/network/targets.js";
import { meshAcl, relayAcl, roadWarriorAcl } from "../support/acl.js";
import { fixtures, repoRoot } from "../support/paths.js";

function network(acl: unknown): Network {
  const parsed = parseAcl(acl, createRegistry());
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

const yamlAcl = (path: string) => network(parse(readFileSync(path, "utf8")));

function agrees(net: Network): number {
  const space = serviceSpace([net]);
  const r = reachability(net, space);
  const rules = new AccessRules(net);
  const n = r.peers.length;
  let reached = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      const from = r.peers[a] as string;
      const to = r.peers[b] as string;
      space.atoms.forEach((_, i) => {
        const packet = space.probe(i);
        const traced = targetAddresses(net, { peer: to }).some(
          (address) => tracePacket(net, rules, from, address, packet).reached,
        );
        const bit = ((r.masks[a * n + b] ?? 0n) >> BigInt(i)) & 1n;
        assert.equal(bit === 1n, traced, `${from} -> ${to} ${space.text(1n << BigInt(i))}`);
        if (traced) reached++;
      });
    }
  return reached;
}

const cases: [string, () => Network][] = [
  ["the mesh", () => network(meshAcl())],
  ["the road warrior (exit node, routed network)", () => network(roadWarriorAcl())],
  ["the office rules", () => yamlAcl(join(fixtures, "rules", "office.yaml"))],
  [
    "the homelab example (routes on roam)",
    () => yamlAcl(join(repoRoot, "examples", "homelab.yaml")),
  ],
  ["the road-warrior example", () => yamlAcl(join(repoRoot, "examples", "road-warrior.yaml"))],
  ["a relay carrying two roaming peers", () => network(relayAcl())],
];

for (const [name, make] of cases)
  test(`reachability agrees with tracePacket for every pair and service: ${name}`, () => {
    assert.ok(agrees(make()) > 0, "some packet arrives, so the comparison can fail");
  });

test("service pieces: every allowed range cuts the ports, written back joined", () => {
  const net = network({
    ...meshAcl(),
    rules: [
      { from: [], to: [], allow: ["tcp/22", "tcp/8000-8999", "udp/53"] },
      { from: [], to: [], allow: ["icmp"] },
    ],
  });
  const space = serviceSpace([net]);
  assert.deepEqual(
    space.atoms.map((a) => (a.protocol === "icmp" ? "icmp" : `${a.protocol}/${a.low}-${a.high}`)),
    [
      "tcp/1-21",
      "tcp/22-22",
      "tcp/23-7999",
      "tcp/8000-8999",
      "tcp/9000-65535",
      "udp/1-52",
      "udp/53-53",
      "udp/54-65535",
      "icmp",
    ],
  );
  const r = reachability(net, space);
  // a -> b: exactly what the rules allow, on the mesh link.
  assert.equal(space.text(r.masks[1] ?? 0n), "tcp/22, tcp/8000-8999, udp/53, icmp");
  assert.equal(space.text(space.all), "*");
  assert.equal(space.text(0n), "nothing");
});
