/**
 * Nix name order (UTF-8 bytes) against two independent references: Node's UTF-8 encoder with
 * Buffer.compare, and Nix's own `builtins.attrNames`.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { compareNames, KeyOrder } from "../../src/core/order.js";
import { nixWithJson } from "../support/nix.js";

// Units where UTF-16 order and UTF-8 order disagree: surrogates against U+E000..U+FFFF.
const UNITS = [
  "a",
  "b",
  "Z",
  "0",
  "\u00e9",
  "\u4e2d",
  "\ue000",
  "\uffff",
  "\ud83d\ude00",
  "\ud83d\ude01",
  "\ud800",
  "\udc00",
  "",
];

function bytesOrder(a: string, b: string): number {
  return Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

test("compareNames orders every pair of short strings as their UTF-8 bytes", () => {
  const strings = new Set<string>();
  for (const x of UNITS)
    for (const y of UNITS)
      for (const z of ["", "a", "\uffff", "\ud83d\ude00"]) strings.add(x + y + z);
  let pairs = 0;
  for (const a of strings)
    for (const b of strings) {
      assert.equal(
        Math.sign(compareNames(a, b)),
        bytesOrder(a, b),
        `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
      );
      pairs++;
    }
  assert.ok(pairs > 10_000);
});

test("sortedKeys gives Nix's attrNames order, integer-like and astral keys included", () => {
  const object: Record<string, number> = {};
  for (const key of [
    "b",
    "10",
    "9",
    "1",
    "a.b",
    "a-b",
    "\u00e9",
    "\uffff",
    "\ud83d\ude00",
    "A",
    "_",
    "z",
  ])
    object[key] = 1;
  const expected = nixWithJson(JSON.stringify(object), "builtins.attrNames");
  assert.deepEqual(new KeyOrder().sortedKeys(object), expected);
});

test("sortedKeys keeps keys that are already in order as they are", () => {
  assert.deepEqual(new KeyOrder().sortedKeys({ allowedIPs: 1, endpoint: 2, name: 3 }), [
    "allowedIPs",
    "endpoint",
    "name",
  ]);
});

test("sortedKeys remembers shapes without mixing up objects that share a first key", () => {
  // Same first key, different key sets and orders, each seen many times: every answer must be
  // the order Nix gives for that object's own keys.
  const shapes = [
    ["peers", "name", "endpoint"],
    ["peers", "endpoint", "name"],
    ["peers", "name"],
    ["peers", "name", "endpoint", "allowedIPs"],
    ["peers", "b", "a", "\ud83d\ude00", "\uffff"],
  ];
  const objects = shapes.map((keys) => Object.fromEntries(keys.map((k) => [k, 1])));
  const expected = objects.map((o) => nixWithJson(JSON.stringify(o), "builtins.attrNames"));
  const order = new KeyOrder();
  for (let round = 0; round < 50; round++)
    objects.forEach((object, i) => {
      assert.deepEqual(order.sortedKeys({ ...object }), expected[i], `shape ${i}, round ${round}`);
    });
  // Many first keys (a network's addresses, say) do not break it.
  for (let i = 0; i < 5000; i++)
    assert.deepEqual(order.sortedKeys({ [`k${i}`]: 1, a: 2 }), ["a", `k${i}`]);
});
