/**
 * A subnet's `ipv6Prefix` (network/ula.ts): what is accepted, how init draws one, and the
 * addresses generated in it (the prefix, then the original's 64 bits from the peer's name).
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { validateAclV1 } from "../../src/acl/v1/validate.js";
import { createRegistry } from "../../src/app/registry.js";
import { renderPath } from "../../src/core/diagnostics.js";
import { Address, prefixOf } from "../../src/network/address.js";
import { generatedAddress, memberAddresses } from "../../src/network/addresses.js";
import { ulaPrefix, ulaPrefixProblem } from "../../src/network/ula.js";
import { meshAcl } from "../support/acl.js";

test("a random prefix: fd, the 40-bit global ID as given, subnet ID 1, /64", () => {
  assert.equal(ulaPrefix(Uint8Array.from([0x3c, 0x7a, 0x91, 0xe5, 0xb2])), "fd3c:7a91:e5b2:1::/64");
  // Leading zeros of a group are dropped, as IPv6 text does.
  assert.equal(ulaPrefix(Uint8Array.from([0, 0, 0x0f, 0, 1])), "fd00:f:1:1::/64");
  assert.equal(ulaPrefix(Uint8Array.from([1, 2, 3, 4, 5]), 0xbeef), "fd01:203:405:beef::/64");
  assert.throws(() => ulaPrefix(Uint8Array.from([1, 2, 3])), /5 bytes/);
});

test("generated addresses in a prefix keep the original's interface ID", () => {
  // The spec's example: subnet simple, peer node2 → fda7:a39b:72f2:9718:15b1:8a72:4325:7695.
  assert.equal(generatedAddress("simple", "node2"), "fda7:a39b:72f2:9718:15b1:8a72:4325:7695");
  assert.equal(
    generatedAddress("simple", "node2", "fd3c:7a91:e5b2:1::/64"),
    "fd3c:7a91:e5b2:0001:15b1:8a72:4325:7695",
  );
  assert.equal(
    generatedAddress("other", "node2", "fd00:f:1:1::/64"),
    "fd00:000f:0001:0001:15b1:8a72:4325:7695",
  );
  assert.deepEqual(
    memberAddresses(
      [Address.of("10.0.0.1"), "auto"],
      "simple",
      "node2",
      prefixOf("fd3c:7a91:e5b2:1::/64"),
    ).map((a) => a.text),
    ["10.0.0.1", "fd3c:7a91:e5b2:0001:15b1:8a72:4325:7695"],
  );
});

test("what an ipv6Prefix may be", () => {
  for (const good of ["fd3c:7a91:e5b2:1::/64", "fd00::/64", "FD3C:7A91:E5B2:0001::/64"])
    assert.equal(ulaPrefixProblem(good), undefined, good);
  const cases: [string, RegExp][] = [
    ["fd3c:7a91:e5b2:1::", /with its prefix length/],
    ["10.0.0.0/24", /an IPv6 network/],
    ["fd3c:7a91:e5b2:1::/48", /a \/64/],
    ["fc00:1:2:3::/64", /fd00::\/8 \(RFC 4193/],
    ["2001:db8:1:2::/64", /fd00::\/8/],
    ["fd3c:7a91:e5b2:1::5/64", /last 64 bits zero/],
    ["fd3c:7a91:e5b2:1::%lo/64", /an IPv6 network/],
  ];
  for (const [bad, problem] of cases) assert.match(ulaPrefixProblem(bad) ?? "", problem, bad);
});

function problems(subnet: Record<string, unknown>): string[] {
  const acl = meshAcl();
  Object.assign((acl.subnets as Record<string, unknown>[])[0] as object, subnet);
  const result = validateAclV1(acl);
  if (result.ok) return [];
  return result.diagnostics.map((d) => `${d.code} ${renderPath(d.path)}: ${d.message}`);
}

test("the ACL's ipv6Prefix is checked with its path", () => {
  assert.deepEqual(problems({ ipv6Prefix: "fd3c:7a91:e5b2:1::/64" }), []);
  assert.deepEqual(problems({ ipv6Prefix: "fd3c:7a91:e5b2:1::/56" }), [
    'invalid-value subnets[0].ipv6Prefix: expected a /64 (members\' generated addresses put their 64-bit interface ID after it), like "fd3c:7a91:e5b2:1::/64", got "fd3c:7a91:e5b2:1::/56"',
  ]);
  assert.deepEqual(problems({ ipv6Prefix: 64 }), [
    "invalid-value subnets[0].ipv6Prefix: expected an IPv6 network (a string), got 64",
  ]);
  assert.deepEqual(problems({ ipv6Prefix: "fd3c::%eth0/64" }), [
    'ipv6-zone-id subnets[0].ipv6Prefix: expected an address without an IPv6 zone ID ("%lo", "%eth0": a zone names an interface of one host, and nftables cannot load it), got "fd3c::%eth0/64"',
  ]);
});

test("members' generated addresses use the subnet's prefix; written ones stay", () => {
  const acl = meshAcl();
  Object.assign(acl.subnets[0] as object, { ipv6Prefix: "fd3c:7a91:e5b2:1::/64" });
  const [a, b] = acl.peers as { subnets: { lan: { ipAddresses?: string[] } } }[];
  if (a) a.subnets.lan.ipAddresses = ["10.0.0.1", "auto"];
  if (b) delete b.subnets.lan.ipAddresses;
  const parsed = parseAcl(acl, createRegistry());
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const texts = (peer: string) =>
    parsed.value.peer(peer)?.memberships.flatMap((m) => m.addresses.map((x) => x.text));
  // `printf a | sha256sum`: ca978112ca1bbdca...; `printf b | sha256sum`: 3e23e8160039594a...
  assert.deepEqual(texts("a"), ["10.0.0.1", "fd3c:7a91:e5b2:0001:ca97:8112:ca1b:bdca"]);
  assert.deepEqual(texts("b"), ["fd3c:7a91:e5b2:0001:3e23:e816:0039:594a"]);
  assert.deepEqual(texts("c"), ["10.0.0.3"]);
});
