/** The IPv4 pool allocator of `add-peer`: lowest free address, never network or broadcast. */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parsePrefix, prefixOf } from "../../src/network/address.js";
import { allocateIPv4, poolRange } from "../../src/network/ipv4-pool.js";

const cases: { name: string; pool: string; used: string[]; expect: string | RegExp }[] = [
  {
    name: "an empty /24 starts after the network address",
    pool: "10.0.0.0/24",
    used: [],
    expect: "10.0.0.1",
  },
  {
    name: "the lowest hole is taken",
    pool: "10.0.0.0/24",
    used: ["10.0.0.1", "10.0.0.3", "10.0.0.2"],
    expect: "10.0.0.4",
  },
  {
    name: "holes before higher addresses",
    pool: "10.0.0.0/24",
    used: ["10.0.0.2", "10.0.0.5"],
    expect: "10.0.0.1",
  },
  {
    name: "addresses written with a prefix length count as their address",
    pool: "10.0.0.0/24",
    used: ["10.0.0.1/24", "10.0.0.2/32", "10.0.0.3/16"],
    expect: "10.0.0.4",
  },
  {
    name: "IPv6 addresses, auto and addresses outside the pool do not count",
    pool: "10.0.0.0/24",
    used: ["auto", "fd00::1", "fd00::1/64", "10.0.1.1", "192.168.0.1/24"],
    expect: "10.0.0.1",
  },
  {
    name: "a /30 has two usable addresses",
    pool: "10.0.0.0/30",
    used: ["10.0.0.1"],
    expect: "10.0.0.2",
  },
  {
    name: "a full /30: never its broadcast address",
    pool: "10.0.0.0/30",
    used: ["10.0.0.1", "10.0.0.2"],
    expect:
      /the pool 10\.0\.0\.0\/30 is full: its 2 usable addresses \(10\.0\.0\.1-10\.0\.0\.2\) are taken/,
  },
  {
    name: "a /31 uses both addresses (RFC 3021)",
    pool: "10.0.0.0/31",
    used: [],
    expect: "10.0.0.0",
  },
  { name: "a /31's second address", pool: "10.0.0.0/31", used: ["10.0.0.0"], expect: "10.0.0.1" },
  {
    name: "a full /31",
    pool: "10.0.0.0/31",
    used: ["10.0.0.0", "10.0.0.1/31"],
    expect: /is full: its 2 usable/,
  },
  { name: "a /32 is its one address", pool: "10.9.9.9/32", used: [], expect: "10.9.9.9" },
  {
    name: "a full /32",
    pool: "10.9.9.9/32",
    used: ["10.9.9.9"],
    expect: /is full: its 1 usable address \(10\.9\.9\.9\) are taken/,
  },
  {
    name: "a pool written with host bits counts from its network",
    pool: "10.0.0.77/29",
    used: ["10.0.0.73"],
    expect: "10.0.0.74",
  },
  {
    name: "a changed pool: members left in the old one do not block the new one",
    pool: "10.2.0.0/24",
    used: ["10.1.0.1", "10.1.0.2", "10.2.0.1"],
    expect: "10.2.0.2",
  },
  {
    name: "a narrowed pool: its broadcast address is skipped even when free",
    pool: "10.0.0.0/29",
    used: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.9"],
    expect: /is full: its 6 usable addresses \(10\.0\.0\.1-10\.0\.0\.6\)/,
  },
  { name: "a pool that is not IPv4", pool: "fd00::/64", used: [], expect: /not an IPv4 network/ },
];

for (const c of cases)
  test(`allocator: ${c.name}`, () => {
    const got = allocateIPv4(c.pool, c.used);
    if (typeof c.expect === "string") assert.deepEqual(got, { address: c.expect });
    else {
      assert.ok("problem" in got, JSON.stringify(got));
      assert.match(got.problem, c.expect);
    }
  });

test("allocator: a large pool fills in order without repeats", () => {
  const used: string[] = [];
  for (let i = 0; i < 300; i++) {
    const got = allocateIPv4("10.0.0.0/23", used);
    assert.ok("address" in got);
    assert.ok(!used.includes(got.address));
    used.push(got.address);
  }
  assert.equal(used[0], "10.0.0.1");
  assert.equal(used[254], "10.0.0.255");
  assert.equal(used[255], "10.0.1.0");
  assert.equal(used[299], "10.0.1.44");
});

test("pool ranges: usable first and last addresses", () => {
  const range = poolRange(prefixOf("192.168.1.0/24"));
  assert.equal(range?.pool.text, "192.168.1.0/24");
  assert.equal(range?.first, 0xc0a80101n);
  assert.equal(range?.last, 0xc0a801fen);
  assert.equal(parsePrefix("10.0.0.1"), undefined, "an address without prefix length is no pool");
  assert.equal(poolRange(prefixOf("fd00::/64")), undefined, "an IPv6 network is no IPv4 pool");
});
