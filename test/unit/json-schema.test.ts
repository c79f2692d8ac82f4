/**
 * docs/acl-v1.schema.json is what the valibot schema converts to (regenerate with `npm run
 * build && node scripts/json-schema.mjs`), and it describes the keys beyond the original with
 * the types written out here.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { aclV1JsonSchemaText } from "../support/json-schema.js";
import { repoRoot } from "../support/paths.js";

const file = join(repoRoot, "docs", "acl-v1.schema.json");

test("docs/acl-v1.schema.json is up to date", () => {
  assert.equal(readFileSync(file, "utf8"), aclV1JsonSchemaText());
});

test("the schema has the keys beyond the original, with their types", () => {
  const schema = JSON.parse(readFileSync(file, "utf8"));
  const subnet = schema.properties.subnets.items.properties;
  const peer = schema.properties.peers.items.properties;
  const membership = peer.subnets.additionalProperties.properties;
  assert.equal(subnet.openFirewall.type, "boolean");
  assert.equal(subnet.ipv4Pool.type, "string");
  assert.equal(subnet.ipv6Prefix.type, "string");
  assert.equal(peer.roaming.type, "boolean");
  assert.equal(membership.openFirewall.type, "boolean");
  assert.deepEqual(membership.routes.items, { type: "string" });
  assert.equal(membership.routes.type, "array");
  assert.equal(membership.exitNode.type, "string");
  for (const key of [
    subnet.openFirewall,
    subnet.ipv4Pool,
    subnet.ipv6Prefix,
    peer.roaming,
    membership.routes,
    membership.exitNode,
  ])
    assert.match(key.description, /Not in the original\.$/);
  // What the original reads only for some peers may be absent (docs/acl-v1.md, laziness).
  assert.deepEqual(schema.properties.peers.items.required, ["name"]);
  assert.deepEqual(peer.subnets.additionalProperties.required, []);
});
