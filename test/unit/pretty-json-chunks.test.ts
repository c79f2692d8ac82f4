/**
 * `prettyJsonChunks` prints large values an entry at a time (inspect --format json of a big
 * network); the pieces must join into exactly what JSON.stringify(…, null, 2) prints for the
 * same data with its keys in Nix order and its unset values left out.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { ConfigValue } from "../../src/core/config-tree.js";
import { RunContext } from "../../src/core/run-context.js";
import { prettyJsonChunks } from "../../src/render/printers/json.js";

/** A peer of `links` links, five levels deep like inspect's (peer, interfaces, subnet, links, link). */
function peer(links: number, index: number): ConfigValue {
  const entries: [string, ConfigValue][] = [];
  for (let i = 0; i < links; i++)
    entries.push([
      `peer${String(i).padStart(3, "0")}`,
      {
        addresses: [`fd00::${i.toString(16)}`],
        connections: [0, i % 3],
        endpoint: { address: `10.0.${index}.${i}:51820`, port: 51820, sources: ["a", "b\u00e9"] },
      },
    ]);
  return {
    endpoints: [{ ip: `10.0.0.${index}` }],
    groups: [],
    interfaces: {
      mesh: { addresses: [`fd00::1:${index}`], empty: {}, links: Object.fromEntries(entries) },
    },
  };
}

test("a large value printed in pieces is the same bytes as JSON.stringify of it", () => {
  const sizes = [0, 1, 3, 64, 65, 300];
  const peers = sizes.map((n, i) => [`p${i}`, peer(n, i)] as const);
  const expected = JSON.stringify(
    { groups: {}, peers: Object.fromEntries(peers), version: "v1" },
    null,
    2,
  );
  // Keys out of order, and unset values: the printer sorts the one and drops the other.
  const printed = [
    ...prettyJsonChunks(
      { version: "v1", unset: undefined, nothing: null, groups: {} },
      "peers",
      peers.map(
        ([name, value]) =>
          () =>
            [name, value] as const,
      ),
      new RunContext(),
    ),
  ];
  assert.equal(printed.join(""), expected);
  // The 300-link peer came in pieces, none of them the whole peer.
  const biggest = JSON.stringify(peers[5]?.[1], null, 2).length;
  assert.ok(printed.length > 300, `${printed.length} pieces`);
  assert.ok(Math.max(...printed.map((p) => p.length)) < biggest / 100);
});

test("unset values inside a value printed in pieces are left out, keys sorted", () => {
  const links: Record<string, ConfigValue> = {};
  for (let i = 99; i >= 0; i--)
    links[`l${String(i).padStart(2, "0")}`] = i % 2 ? { b: i, a: null } : null;
  const expectedLinks: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++)
    if (i % 2) expectedLinks[`l${String(i).padStart(2, "0")}`] = { b: i };
  const printed = [
    ...prettyJsonChunks({}, "peers", [() => ["x", { links }] as const], new RunContext()),
  ].join("");
  assert.equal(printed, JSON.stringify({ peers: { x: { links: expectedLinks } } }, null, 2));
});
