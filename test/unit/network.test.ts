/**
 * The rules of the model (docs/acl-v1.md), each on a small hand-written ACL with the expected
 * value written out from the spec.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { createRegistry } from "../../src/app/registry.js";
import { Address } from "../../src/network/address.js";
import { generatedAddress, memberAddresses } from "../../src/network/addresses.js";
import { deviceName, deviceNameProblem } from "../../src/network/devname.js";
import type { Network } from "../../src/network/model.js";
import { meshAcl } from "../support/acl.js";

type Json = Record<string, any>;

function network(acl: unknown): Network {
  const parsed = parseAcl(acl, createRegistry());
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.diagnostics));
  return parsed.value;
}

const linksOf = (net: Network, peer: string, subnet = "lan") =>
  net.interfaceOn(peer, subnet)?.links.map((l) => l.peer.name);

test("generated addresses follow the spec's example", () => {
  assert.equal(generatedAddress("simple", "node2"), "fda7:a39b:72f2:9718:15b1:8a72:4325:7695");
  const texts = (written: string[] | undefined) =>
    memberAddresses(
      written?.map((a) => (a === "auto" ? a : Address.of(a))),
      "simple",
      "node2",
    ).map((a) => a.text);
  assert.deepEqual(texts(undefined), ["fda7:a39b:72f2:9718:15b1:8a72:4325:7695"]);
  assert.deepEqual(texts(["auto", "10.0.0.1", "auto"]), [
    "10.0.0.1",
    "fda7:a39b:72f2:9718:15b1:8a72:4325:7695",
  ]);
  assert.deepEqual(texts([]), []);
  // A generated address compares like a parsed one.
  const [generated] = memberAddresses(undefined, "simple", "node2");
  assert.equal(generated?.value, Address.of("fda7:a39b:72f2:9718:15b1:8a72:4325:7695").value);
});

test("CIDR rules for interface addresses, AllowedIPs and hosts", () => {
  const of = Address.of;
  assert.equal(of("10.0.0.1").interfaceCidr, "10.0.0.1/24");
  assert.equal(of("fd00::1").interfaceCidr, "fd00::1/64");
  assert.equal(of("10.0.0.1/16").interfaceCidr, "10.0.0.1/16");
  assert.equal(of("10.0.0.1").allowedIP, "10.0.0.1/32");
  assert.equal(of("fd00::1").allowedIP, "fd00::1/128");
  assert.equal(of("fd00::/48").allowedIP, "fd00::/48");
  assert.equal(of("10.1.2.3/8").ip, "10.1.2.3");
  // Kept to the letter, as the original passes addresses through.
  assert.equal(of("fd00:0::0001").allowedIP, "fd00:0::0001/128");
  assert.equal(String(of("10.0.0.1/24")), "10.0.0.1/24");
  assert.equal(JSON.stringify([of("fd00::1")]), '["fd00::1"]');
});

test("device names: short, long, hash, and what Linux refuses", () => {
  assert.equal(deviceName("short", "p", "lan.home"), "lan");
  assert.equal(deviceName("long", "p", "lan.home"), "lan.home");
  assert.match(deviceName("hash", "peer1", "ring"), /^wn\.[0-9a-f]{12}$/);
  assert.notEqual(deviceName("hash", "peer1", "ring"), deviceName("hash", "peer3", "ring"));
  assert.equal(deviceNameProblem("wn.0123456789ab"), undefined);
  assert.match(deviceNameProblem("a-very-long-name") ?? "", /16 characters/);
  assert.match(deviceNameProblem("has space") ?? "", /space/);
});

test("filters: is/not on peer, group and subnet; lists intersect; empty selects all", () => {
  const acl = meshAcl();
  acl.groups = [{ name: "g" }];
  (acl.peers[0] as Json).groups = ["g"];
  (acl.peers[1] as Json).groups = ["g"];
  acl.connections = [
    {
      a: [{ type: "peer", rule: "is", value: "c" }],
      b: [
        { type: "group", rule: "is", value: "g" },
        { type: "peer", rule: "not", value: "a" },
      ],
    },
  ];
  const net = network(acl);
  assert.deepEqual(linksOf(net, "c"), ["b"]);
  assert.deepEqual(linksOf(net, "b"), ["c"]);
  assert.deepEqual(linksOf(net, "a"), []);
});

test("links are symmetric, exclude the peer itself, and respect connection subnets", () => {
  const acl = meshAcl();
  acl.subnets.push({ name: "wan", endpoints: [{ port: 51821 }] });
  for (const peer of acl.peers) (peer as Json).subnets.wan = { listenPort: 51821 };
  acl.connections = [
    { a: [{ type: "peer", rule: "is", value: "a" }], b: [], subnets: ["wan"] },
    {
      a: [{ type: "peer", rule: "is", value: "b" }],
      b: [{ type: "peer", rule: "is", value: "c" }],
    },
  ];
  const net = network(acl);
  assert.deepEqual(linksOf(net, "a", "wan"), ["b", "c"]);
  assert.deepEqual(linksOf(net, "c", "wan"), ["a", "b"]);
  assert.deepEqual(linksOf(net, "a", "lan"), []);
  assert.deepEqual(linksOf(net, "b", "lan"), ["c"]);
  assert.deepEqual(
    net.interfaceOn("c", "wan")?.links.map((l) => l.connections),
    [[0], [1]],
  );
});

test("connection extraArgs merge onto the link, later connections winning", () => {
  const acl = meshAcl();
  acl.connections = [
    { a: [], b: [], extraArgs: { x: 1, y: 1 } },
    {
      a: [{ type: "peer", rule: "is", value: "a" }],
      b: [{ type: "peer", rule: "is", value: "b" }],
      extraArgs: { y: 2 },
    },
  ];
  const net = network(acl);
  const ab = net.interfaceOn("a", "lan")?.links.find((l) => l.peer.name === "b");
  assert.deepEqual(ab?.extraArgs, { x: 1, y: 2 });
  assert.deepEqual(ab?.connections, [0, 1]);
  const ac = net.interfaceOn("a", "lan")?.links.find((l) => l.peer.name === "c");
  assert.deepEqual(ac?.extraArgs, { x: 1, y: 1 });
});

test("endpoints merge subnet, shared groups in the dialing peer's order, then matching peer entries", () => {
  const acl = meshAcl();
  acl.subnets[0] = { name: "lan", endpoints: [{ port: 1, persistentKeepalive: 5 }] };
  acl.groups = [
    { name: "g1", endpoints: [{ port: 11 }] },
    { name: "g2", endpoints: [{ port: 22 }] },
  ];
  (acl.peers[0] as Json).groups = ["g1", "g2"];
  (acl.peers[1] as Json).groups = ["g2", "g1"];
  (acl.peers[1] as Json).endpoints = [
    { ip: "b.example" },
    { ip: "b.inside", match: [{ type: "peer", rule: "is", value: "c" }] },
  ];
  const net = network(acl);
  const endpoint = (from: string, to: string) =>
    net.interfaceOn(from, "lan")?.links.find((l) => l.peer.name === to)?.endpoint;
  assert.equal(endpoint("a", "b")?.address, "b.example:22", "a's group order: g2 last");
  assert.equal(endpoint("b", "a")?.address, "a.example:11", "b's group order: g1 last");
  assert.equal(endpoint("c", "b")?.address, "b.inside:1");
  assert.equal(endpoint("c", "b")?.persistentKeepalive, 5);
  assert.deepEqual(endpoint("a", "b")?.sources, [
    "subnets[0].endpoints[0]",
    "groups[0].endpoints[0]",
    "groups[1].endpoints[0]",
    "peers[1].endpoints[0]",
  ]);
});

test("unknown keys warn with a suggestion; the rest still works", () => {
  const acl = meshAcl();
  (acl.peers[0] as Json).subnets.lan.listenport = 1;
  (acl as Json).tests = [];
  const parsed = parseAcl(acl, createRegistry());
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.warnings.map((w) => [w.code, w.path.join("."), w.message]),
    [
      [
        "unknown-key",
        "peers.0.subnets.lan.listenport",
        'unknown key, ignored (did you mean "listenPort"?)',
      ],
    ],
  );
});
