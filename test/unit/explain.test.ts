/** `wirenix explain` on the examples, through the real CLI; expected values read off the ACLs. */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Explanation } from "../../src/analysis/explain.js";
import { fixtures } from "../support/paths.js";
import { wirenixInProcess } from "../support/run.js";

const spoke = join(fixtures, "check", "example-spoke.yaml");
const homelab = join(fixtures, "check", "homelab.yaml");

async function explain(acl: string, a: string, b: string): Promise<Explanation> {
  const run = await wirenixInProcess(["explain", acl, a, b, "--format", "json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Explanation;
}

test("spoke: the hub and a leaf are linked by connections[0]; endpoints and their sources", async () => {
  const e = await explain(spoke, "central", "leaf1");
  assert.equal(e.linked, true);
  assert.deepEqual(
    e.shared.map((s) => [s.subnet, s.linked]),
    [["mySpoke", true]],
  );
  const [subnet] = e.shared;
  assert.ok(subnet);
  assert.equal(subnet.connections.length, 1);
  assert.equal(subnet.connections[0]?.links, true);
  assert.match(subnet.connections[0]?.reason ?? "", /"central" is on both sides/);
  assert.match(subnet.connections[0]?.reason ?? "", /"leaf1" is on side a only/);
  assert.deepEqual(
    subnet.dials.map((d) => [d.from, d.to, d.address, d.sources.map((s) => s.path)]),
    [
      [
        "central",
        "leaf1",
        "192.168.1.12:51820",
        ["subnets[0].endpoints[0]", "peers[1].endpoints[0]"],
      ],
      [
        "leaf1",
        "central",
        "192.168.1.11:51820",
        ["subnets[0].endpoints[0]", "peers[0].endpoints[0]"],
      ],
    ],
  );
  assert.deepEqual(subnet.dials[0]?.sources[0], {
    path: "subnets[0].endpoints[0]",
    owner: "subnet",
    name: "mySpoke",
    fields: { port: 51820 },
  });
  // The generated address of leaf1 on mySpoke, as in the original's golden output.
  assert.deepEqual(subnet.members[1].addresses, ["fdbe:2a69:b2f2:15a0:d103:cfb5:e499:c566"]);
  assert.deepEqual(subnet.members[1].allowedIPs, ["fdbe:2a69:b2f2:15a0:d103:cfb5:e499:c566/128"]);
});

test("spoke: two leaves are not linked, and the filter that keeps them apart is named", async () => {
  const e = await explain(spoke, "leaf1", "leaf2");
  assert.equal(e.linked, false);
  assert.deepEqual(e.shared[0]?.dials, []);
  assert.match(e.shared[0]?.connections[0]?.reason ?? "", /b\[0\] peer is central excludes it/);
  const text = await wirenixInProcess(["explain", spoke, "leaf1", "leaf2"]);
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /^"leaf1" and "leaf2" are not linked: no connection selects one on each side/,
  );
});

test("homelab: a match on the peer's endpoint changes what the servers dial", async () => {
  const e = await explain(homelab, "nas", "gateway");
  const lab = e.shared.find((s) => s.subnet === "lab");
  const dial = lab?.dials.find((d) => d.from === "nas");
  assert.equal(dial?.address, "192.168.1.1:51820");
  assert.deepEqual(
    dial?.sources.map((s) => [s.path, s.owner, s.name]),
    [
      ["subnets[0].endpoints[0]", "subnet", "lab"],
      ["peers[0].endpoints[0]", "peer", "gateway"],
      ["peers[0].endpoints[1]", "peer", "gateway"],
    ],
  );
  assert.deepEqual(dial?.sources[2]?.match, [{ type: "group", rule: "is", value: "servers" }]);
  const roaming = (await explain(homelab, "laptop", "gateway")).shared[0]?.dials[0];
  assert.equal(roaming?.address, "gw.example.net:51821");
  assert.equal(roaming?.endpoint.persistentKeepalive, 25);
});

test("homelab: linked on one shared subnet and not on the other", async () => {
  const e = await explain(homelab, "gateway", "media");
  assert.deepEqual(
    e.shared.map((s) => [s.subnet, s.linked]),
    [
      ["lab", true],
      ["roam", false],
    ],
  );
  const roam = e.shared[1];
  assert.match(roam?.connections[0]?.reason ?? "", /applies only to subnet "lab"/);
  assert.match(roam?.connections[1]?.reason ?? "", /"gateway" is on side b only/);
  assert.match(roam?.connections[1]?.reason ?? "", /"media" is on side b only/);
});

test("homelab: no shared subnet", async () => {
  const e = await explain(homelab, "laptop", "nas");
  assert.equal(e.linked, false);
  assert.deepEqual([e.shared, e.onlyA, e.onlyB], [[], ["roam"], ["lab"]]);
  const text = await wirenixInProcess(["explain", homelab, "laptop", "nas"]);
  assert.equal(
    text.stdout,
    [
      '"laptop" and "nas" are not linked: they share no subnet ("laptop": roam; "nas": lab)',
      "",
      // The way a packet takes is part of every answer, as with a service or `nas.lab`.
      'packets from "laptop" to "nas" (any service): do not arrive (the ACL has no rules: links carry everything)',
      "  to 10.10.0.2: dropped",
      '    "laptop" drops it: "laptop" has no route to "10.10.0.2"',
      "  to fda5:1146:d380:77ff:047d:e0f5:43c7:e359: dropped",
      '    "laptop" drops it: "laptop" has no route to "fda5:1146:d380:77ff:047d:e0f5:43c7:e359"',
      "",
    ].join("\n"),
  );
});

test("unknown or repeated peers are usage errors", async () => {
  const unknown = await wirenixInProcess(["explain", homelab, "laptop", "nobody"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /no peer "nobody" in .*homelab\.yaml \(peers: gateway, nas, media, laptop\)/,
  );
  assert.equal((await wirenixInProcess(["explain", homelab, "nas", "nas"])).code, 2);
  assert.equal((await wirenixInProcess(["explain", homelab, "nas"])).code, 2);
});

test("group endpoints are named as sources, between the subnet's and the peer's", async () => {
  const acl = {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port: 1000 }] }],
    groups: [{ name: "site", endpoints: [{ port: 2000, persistentKeepalive: 15 }] }],
    peers: ["x", "y"].map((name, i) => ({
      name,
      groups: ["site"],
      subnets: { lan: { listenPort: 2000 } },
      endpoints: [{ ip: `10.0.0.${i + 1}` }],
    })),
    connections: [{ a: [], b: [] }],
  };
  const file = join(mkdtempSync(join(tmpdir(), "wirenix-explain-")), "groups.json");
  writeFileSync(file, JSON.stringify(acl));
  const dial = (await explain(file, "x", "y")).shared[0]?.dials[0];
  assert.equal(dial?.address, "10.0.0.2:2000");
  assert.equal(dial?.endpoint.persistentKeepalive, 15);
  assert.deepEqual(
    dial?.sources.map((s) => [s.path, s.owner, s.name]),
    [
      ["subnets[0].endpoints[0]", "subnet", "lan"],
      ["groups[0].endpoints[0]", "group", "site"],
      ["peers[1].endpoints[0]", "peer", "y"],
    ],
  );
});
