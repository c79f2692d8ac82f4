/**
 * The lints together, as `check` runs them. Each lint's own rows are in its table,
 * test/unit/lints/<lint>.test.ts; here: that every lint has one, the order they run in, and
 * that `check` reports them in that order.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { checkNetwork } from "../../src/analysis/check.js";
import { LINTS } from "../../src/analysis/lints/index.js";
import { createRegistry } from "../../src/app/registry.js";
import { renderPath } from "../../src/core/diagnostics.js";
import { type Acl, baseAcl } from "../support/lint-table.js";
import { repoRoot } from "../support/paths.js";

function check(acl: Acl): string[] {
  const parsed = parseAcl(acl, createRegistry());
  if (!parsed.ok) assert.fail(`ACL invalid: ${JSON.stringify(parsed.diagnostics)}`);
  const report = checkNetwork(parsed.value, { devNameMethod: "short" });
  return report.diagnostics.map((d) => `${d.code} ${renderPath(d.path)}`);
}

test("the base ACL of the lint tables is clean for every lint", () => {
  assert.deepEqual(check(baseAcl()), []);
});

test("lints run in a fixed order", () => {
  assert.deepEqual(
    LINTS.map((l) => l.name),
    [
      "duplicate-addresses",
      "addresses-in-range",
      "addresses-in-pool",
      "allowed-ips-overlap",
      "routed-prefixes",
      "listen-ports",
      "device-names",
      "reachable-endpoints",
      "connection-effects",
      "unused-parts",
      "keys",
      "safe-names",
      "no-common-family",
      "own-address-allowed",
      "network-address",
      "rule-never-matches",
      "unreachable-target",
      "empty-group-filter",
      "rules-not-enforced",
      "nat-keepalive",
    ],
  );
});

test("every lint is in a file of its name and has its own test table", () => {
  for (const lint of LINTS) {
    assert.ok(existsSync(join(repoRoot, "src", "analysis", "lints", `${lint.name}.ts`)), lint.name);
    assert.ok(
      existsSync(join(repoRoot, "test", "unit", "lints", `${lint.name}.test.ts`)),
      lint.name,
    );
  }
});

test("check reports the findings of several lints in the lints' order", () => {
  const acl = baseAcl();
  acl.peers[2].name = "c_1";
  acl.peers[2].publicKey = acl.peers[0].publicKey;
  acl.groups.push({ name: "nobody" });
  acl.subnets[0].endpoints = [];
  acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.1"];
  assert.deepEqual(check(acl), [
    "duplicate-address peers[1].subnets.lan.ipAddresses",
    "no-usable-endpoint peers[0].subnets.lan",
    "no-usable-endpoint peers[1].subnets.lan",
    "empty-group groups[1]",
    "duplicate-public-key peers[2].publicKey",
    "invalid-host-name peers[2].name",
    // b's address is a's too: the duplicate alone is reported, no "write the bare address".
  ]);
});
