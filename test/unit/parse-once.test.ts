/**
 * Values are parsed once, by the ACL v1 schema and parser: the network carries services,
 * addresses, prefixes, keys, key paths and policy tests as typed values, and text that cannot
 * be read is refused there with its path, never passed on (an unreadable service does not
 * become "every service"). In process, through the library's parse.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { validateAclV1 } from "../../src/acl/v1/validate.js";
import { type Diagnostic, renderPath } from "../../src/core/diagnostics.js";
import { Address } from "../../src/network/address.js";
import type { Network } from "../../src/network/model.js";
import { parsePacketService, parseService } from "../../src/network/service.js";
import {
  type KeyPath,
  type PrivateKey,
  type PublicKey,
  parsePublicKey,
} from "../../src/network/values.js";
import { KEYS, meshAcl } from "../support/acl.js";

type Acl = ReturnType<typeof meshAcl> & Record<string, unknown>;

function network(change: (acl: Acl) => void): Network {
  const acl: Acl = meshAcl();
  change(acl);
  const parsed = parseAcl(acl);
  if (!parsed.ok) assert.fail(JSON.stringify(parsed.diagnostics));
  return parsed.value;
}

function problems(change: (acl: Acl) => void): string[] {
  const acl: Acl = meshAcl();
  change(acl);
  const parsed = parseAcl(acl);
  assert.equal(parsed.ok, false, "the ACL is refused");
  return (parsed.ok ? [] : parsed.diagnostics).map(
    (d: Diagnostic) => `${d.severity} ${d.code} ${renderPath(d.path)}: ${d.message}`,
  );
}

const peer = (acl: Acl, index: number) => acl.peers[index] as Record<string, unknown>;
const lan = (acl: Acl, index: number) =>
  (peer(acl, index).subnets as Record<string, Record<string, unknown>>).lan as Record<
    string,
    unknown
  >;

test("services: each allow entry is a service value, read once", () => {
  const net = network((acl) => {
    acl.rules = [
      {
        from: [{ type: "peer", rule: "is", value: "a" }],
        to: [{ type: "peer", rule: "is", value: "b" }],
        allow: ["tcp/22", "udp/8000-8999", "icmp", "*"],
      },
    ];
  });
  assert.deepEqual(net.rules?.[0]?.allow, [
    { protocol: "tcp", low: 22, high: 22 },
    { protocol: "udp", low: 8000, high: 8999 },
    { protocol: "icmp" },
    { protocol: "any" },
  ]);
});

test("an unreadable service is refused at its path, never read as every service", () => {
  const found = problems((acl) => {
    acl.rules = [
      { from: [], to: [], allow: ["tcp/22"] },
      { from: [], to: [], allow: ["icmp"] },
      { from: [], to: [], allow: ["tcp/22", "ssh", "tcp/9000-80", "udp/0", "tcp/65536"] },
    ];
  });
  const expected = 'expected "tcp/22", "udp/53", "tcp/8000-8999", "icmp" or "*"';
  assert.deepEqual(found, [
    `error invalid-value rules[2].allow[1]: ${expected}, got "ssh"`,
    `error invalid-value rules[2].allow[2]: ${expected}, got "tcp/9000-80"`,
    `error invalid-value rules[2].allow[3]: ${expected}, got "udp/0"`,
    `error invalid-value rules[2].allow[4]: ${expected}, got "tcp/65536"`,
  ]);
  // The reader itself has no fallback: text that is no service is no value.
  for (const text of ["ssh", "", "tcp", "tcp/", "tcp/0", "tcp/9-3", "TCP/22", " tcp/22"])
    assert.equal(parseService(text), undefined, text);
  assert.equal(parsePacketService("tcp/70000"), undefined);
  assert.deepEqual(parsePacketService("udp/53"), { protocol: "udp", port: 53 });
});

test("addresses and prefixes: Address values with their numbers, text kept as written", () => {
  const net = network((acl) => {
    lan(acl, 0).ipAddresses = ["10.0.0.1/24", "fd00::0001", "auto"];
    lan(acl, 0).routes = ["192.168.10.0/24"];
    (acl.subnets[0] as Record<string, unknown>).ipv4Pool = "10.0.0.0/24";
    (acl.subnets[0] as Record<string, unknown>).ipv6Prefix = "fd3c:7a91:e5b2:1::/64";
  });
  const a = net.peer("a")?.memberships[0];
  const [v4, v6, generated] = a?.addresses ?? [];
  assert.ok(v4 instanceof Address && v6 instanceof Address && generated instanceof Address);
  assert.equal(v4.text, "10.0.0.1/24");
  assert.equal(v4.prefixLength, 24);
  assert.equal(v4.value, 0x0a000001n);
  assert.equal(v6.text, "fd00::0001");
  assert.equal(v6.value, 0xfd000000000000000000000000000001n);
  // "auto" became the address generated in the subnet's ipv6Prefix.
  assert.equal(generated.text.slice(0, 20), "fd3c:7a91:e5b2:0001:");
  const [route] = a?.routes ?? [];
  assert.ok(route instanceof Address);
  assert.equal(route.prefixLength, 24);
  assert.equal(route.range.start, 0xc0a80a00n);
  const subnet = net.subnet("lan");
  assert.equal(subnet?.ipv4Pool?.prefixLength, 24);
  assert.equal(subnet?.ipv6Prefix?.family, 6);
  // The schema's own output holds the values; the network builder reads them, not text.
  const validated = validateAclV1(meshAcl());
  assert.ok(validated.ok);
  const written = validated.value.peers[0]?.subnets?.lan?.ipAddresses?.[0];
  assert.ok(written instanceof Address);
});

test("bad addresses and prefixes are refused at their paths", () => {
  const found = problems((acl) => {
    lan(acl, 0).ipAddresses = ["10.0.0.300"];
    lan(acl, 1).routes = ["10.9.0.0"];
    (acl.subnets[0] as Record<string, unknown>).ipv4Pool = "fd00::/64";
  });
  assert.deepEqual(
    found.map((f) => f.split(":")[0]),
    [
      "error invalid-value subnets[0].ipv4Pool",
      "error invalid-value peers[0].subnets.lan.ipAddresses[0]",
      "error invalid-value peers[1].subnets.lan.routes[0]",
    ],
  );
});

test("keys and key paths: branded values made by the parser only", () => {
  const net = network((acl) => {
    peer(acl, 0).privateKey = KEYS.d;
    delete peer(acl, 0).privateKeyFile;
  });
  const a = net.peer("a");
  const publicKey: PublicKey | undefined = a?.publicKey;
  const privateKey: PrivateKey | undefined = a?.privateKey;
  const keyFile: KeyPath | undefined = net.peer("b")?.privateKeyFile;
  assert.equal(publicKey, KEYS.a);
  assert.equal(privateKey, KEYS.d);
  assert.equal(keyFile, "/etc/wg.key");
  // @ts-expect-error: plain text is no PublicKey; only a parser makes one.
  const unparsed: PublicKey = "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=";
  assert.ok(unparsed);
  assert.equal(parsePublicKey(KEYS.b), KEYS.b);
  assert.equal(parsePublicKey(`${KEYS.b}\n`), undefined);
  const found = problems((acl) => {
    peer(acl, 1).publicKey = "not a key";
    peer(acl, 2).privateKeyFile = "etc/wg.key";
  });
  assert.deepEqual(
    found.map((f) => f.split(":")[0]),
    ["error invalid-value peers[1].publicKey", "error invalid-value peers[2].privateKeyFile"],
  );
});

test("policy tests: targets resolved by the parser, services read", () => {
  const net = network((acl) => {
    lan(acl, 1).routes = ["192.168.10.0/24"];
    acl.tests = [
      { from: "a", reaches: ["b.lan:tcp/22", "192.168.10.0/24:icmp"], notReaches: ["c"] },
    ];
  });
  const [test0] = net.policyTests ?? [];
  assert.equal(test0?.from, "a");
  const [peerTarget, routed] = test0?.reaches ?? [];
  assert.deepEqual(peerTarget, {
    path: ["tests", 0, "reaches", 0],
    text: "b.lan:tcp/22",
    target: { peer: "b", subnet: "lan", service: { protocol: "tcp", port: 22 } },
  });
  assert.equal(routed?.target.peer, "b");
  assert.equal(routed?.target.network?.text, "192.168.10.1");
  assert.deepEqual(routed?.target.service, { protocol: "icmp" });
  assert.deepEqual(
    test0?.notReaches.map((t) => t.target),
    [{ peer: "c" }],
  );
  // An ACL without tests has none; `tests` is a key ACL v1 knows, so it draws no warning.
  assert.equal(network(() => {}).policyTests, undefined);
  const acl: Acl = meshAcl();
  acl.tests = [];
  const parsed = parseAcl(acl);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.warnings, []);
});

test("policy tests that cannot be read or resolved refuse the ACL, every problem at once", () => {
  const found = problems((acl) => {
    acl.tests = [
      { from: "a", reaches: ["nobody", 7, "b"], notReaches: "c" },
      { from: 3, reaches: ["b"] },
      { reaches: ["b"], fromm: "a" },
      { from: "a", reaches: ["a", "fe80::1%eth0"] },
    ];
  });
  assert.deepEqual(
    found.map((f) => f.split(": ")[0]),
    [
      "error unknown-reference tests[0].reaches[0]",
      "error invalid-test tests[0].reaches[1]",
      "error invalid-test tests[0].notReaches",
      "error invalid-test tests[1].from",
      "warning unknown-key tests[2].fromm",
      "error invalid-test tests[2].from",
      "error invalid-test tests[3].reaches[0]",
      "error ipv6-zone-id tests[3].reaches[1]",
    ],
  );
});
