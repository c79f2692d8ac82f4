/** Addresses as ranges: the arithmetic the overlap and range lints rest on, checked by hand. */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { addressRange, rangeHolds, rangesOverlap } from "../../src/network/cidr.js";

test("IPv4: a bare address is one host, a prefix a block", () => {
  assert.deepEqual(addressRange("10.0.0.1"), {
    family: 4,
    address: 0x0a000001n,
    prefix: 32,
    start: 0x0a000001n,
    end: 0x0a000001n,
  });
  const block = addressRange("10.1.2.3/16");
  assert.equal(block?.start, 0x0a010000n);
  assert.equal(block?.end, 0x0a01ffffn);
  assert.equal(addressRange("0.0.0.0/0")?.end, 0xffffffffn);
});

test("IPv6: ::, leading zeros and an IPv4 tail expand to the same number", () => {
  const expected = 0xfd000000000000000000ffff0a000001n;
  assert.equal(addressRange("fd00::ffff:a00:1")?.address, expected);
  assert.equal(addressRange("fd00:0000:0000:0000:0000:ffff:0a00:0001")?.address, expected);
  assert.equal(addressRange("fd00::ffff:10.0.0.1")?.address, expected);
  assert.equal(addressRange("::")?.address, 0n);
  assert.equal(addressRange("::1")?.address, 1n);
  assert.equal(addressRange("1::")?.address, 1n << 112n);
  const net = addressRange("fd00:1:2:3:4:5:6:7/64");
  assert.equal(net?.start, 0xfd000001000200030000000000000000n);
  assert.equal(net?.end, 0xfd00000100020003ffffffffffffffffn);
});

test("overlap and containment respect the family", () => {
  const v4 = (s: string) => addressRange(s) as NonNullable<ReturnType<typeof addressRange>>;
  assert.ok(rangesOverlap(v4("10.0.0.1/24"), v4("10.0.0.200")));
  assert.ok(!rangesOverlap(v4("10.0.0.1/24"), v4("10.0.1.0")));
  assert.ok(!rangesOverlap(v4("0.0.0.0/0"), v4("::/0")));
  assert.ok(rangeHolds(v4("10.0.0.0/8"), 4, 0x0a7f0001n));
  assert.ok(!rangeHolds(v4("10.0.0.0/8"), 6, 0x0a7f0001n));
});

test("text that is not an address has no range", () => {
  for (const bad of [
    "10.0.0.256",
    "10.0.0.1/33",
    "10.0.0.1/",
    "10.0.0.1/-1",
    "fd00::/129",
    "host.example",
    "",
    "auto",
  ])
    assert.equal(addressRange(bad), undefined, bad);
});
