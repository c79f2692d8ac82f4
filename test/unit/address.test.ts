/**
 * The Address value (src/network/address.ts): what it accepts, the forms outputs take from it,
 * and the blocks checks compare, with the expected values written out by hand.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Address, parsePrefix, prefixOf } from "../../src/network/address.js";
import { generatedAddress, memberAddresses } from "../../src/network/addresses.js";
import { DEFAULT_ROUTES } from "../../src/network/routing.js";

test("parses what ipAddresses accept and nothing else", () => {
  for (const text of ["10.0.0.1", "10.0.0.1/24", "fd00::1", "fd00::/48", "::ffff:1.2.3.4"])
    assert.equal(Address.parse(text)?.text, text, text);
  for (const text of ["auto", "10.0.0.256", "10.0.0.1/33", "fd00::1/129", "[fd00::1]", "", "x/8"])
    assert.equal(Address.parse(text), undefined, text);
  assert.throws(() => Address.of("auto"), /not an address: "auto"/);
});

test("family, ip and prefix length", () => {
  const v4 = Address.of("192.168.7.9/16");
  assert.equal(v4.family, 4);
  assert.equal(v4.ip, "192.168.7.9");
  assert.equal(v4.prefixLength, 16);
  assert.equal(v4.value, 0xc0a80709n);
  const v6 = Address.of("fd00::2");
  assert.equal(v6.family, 6);
  assert.equal(v6.prefixLength, undefined);
  assert.equal(v6.value, 0xfd000000000000000000000000000002n);
});

test("a bare address: one host as AllowedIPs, its /24 or /64 on the interface", () => {
  const a = Address.of("10.1.2.3");
  assert.deepEqual([a.range.prefix, a.range.start, a.range.end], [32, 0x0a010203n, 0x0a010203n]);
  const i = a.interfaceRange;
  assert.deepEqual([i.prefix, i.start, i.end], [24, 0x0a010200n, 0x0a0102ffn]);
  const b = Address.of("fd00::5").interfaceRange;
  assert.deepEqual(
    [b.prefix, b.start, b.end],
    [64, 0xfd000000000000000000000000000000n, 0xfd00000000000000ffffffffffffffffn],
  );
});

test("an address with a prefix: the block it writes, and its host alone", () => {
  const a = Address.of("10.1.2.3/16");
  assert.deepEqual([a.range.start, a.range.end], [0x0a010000n, 0x0a01ffffn]);
  assert.equal(a.interfaceRange, a.range);
  const host = a.host;
  assert.equal(host.text, "10.1.2.3");
  assert.equal(host.allowedIP, "10.1.2.3/32");
  assert.deepEqual([host.range.start, host.range.end], [0x0a010203n, 0x0a010203n]);
  assert.equal(Address.of("10.1.2.3").host.text, "10.1.2.3");
});

test("holds: the block against one address, families apart", () => {
  const net = Address.of("10.1.0.0/16");
  assert.equal(net.holds(Address.of("10.1.200.7")), true);
  assert.equal(net.holds(Address.of("10.2.0.1")), false);
  assert.equal(net.holds(Address.of("10.1.200.7/8")), true, "the address, not its block");
  assert.equal(Address.of("::/0").holds(Address.of("10.1.0.1")), false);
  assert.equal(Address.of("10.0.0.1").holds(Address.of("10.0.0.1")), true);
  assert.equal(Address.of("10.0.0.1").holds(Address.of("10.0.0.2")), false);
});

test("prefixes need their length", () => {
  assert.equal(parsePrefix("10.0.0.0/24")?.prefixLength, 24);
  assert.equal(parsePrefix("10.0.0.0"), undefined);
  assert.equal(prefixOf("::/0").allowedIP, "::/0");
  assert.throws(() => prefixOf("10.0.0.1"), /not a network prefix/);
});

test("generated addresses compare like written ones", () => {
  const [generated] = memberAddresses(undefined, "lan", "alice");
  const text = generatedAddress("lan", "alice");
  assert.equal(generated?.text, text);
  assert.equal(generated?.family, 6);
  assert.deepEqual(generated?.range, Address.of(text).range);
  assert.equal(generated?.interfaceCidr, `${text}/64`);
});

test("addresses made without the parse (default routes) compare like parsed ones", () => {
  const [v4, v6] = DEFAULT_ROUTES;
  assert.equal(v4?.text, "0.0.0.0/0");
  assert.equal(v4?.prefixLength, 0);
  assert.deepEqual(v4?.range, Address.of("0.0.0.0/0").range);
  assert.deepEqual(v6?.range, Address.of("::/0").range);
  assert.equal(v6?.holds(Address.of("2001:db8::1")), true);
  assert.equal(v6?.holds(Address.of("10.0.0.1")), false);
});
