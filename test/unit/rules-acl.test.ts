/**
 * `rules` in the ACL: validated with paths like connections, and without `rules` nothing in
 * the output changes (the oracle's goldens hold that for every configurer; here: the keys).
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { validateAclV1 } from "../../src/acl/v1/validate.js";
import { renderPath } from "../../src/core/diagnostics.js";
import { meshAcl } from "../support/acl.js";

function problems(rules: unknown): string[] {
  const result = validateAclV1({ ...meshAcl(), rules });
  if (result.ok) return result.warnings.map((d) => `${renderPath(d.path)}: ${d.message}`);
  return result.diagnostics.map((d) => `${renderPath(d.path)}: ${d.message}`);
}

const peer = (value: string) => ({ type: "peer", rule: "is", value });

test("a valid rule list is accepted; an empty one too (then everything is dropped)", () => {
  assert.deepEqual(
    problems([
      { from: [peer("a")], to: [], allow: ["tcp/22", "udp/53", "tcp/8000-8999", "icmp", "*"] },
      { from: [], to: [peer("b")], allow: ["udp/1-65535"], subnets: ["lan"] },
    ]),
    [],
  );
  assert.deepEqual(problems([]), []);
});

test("services are checked with their path", () => {
  const expected = 'expected "tcp/22", "udp/53", "tcp/8000-8999", "icmp" or "*"';
  for (const bad of ["tcp/0", "tcp/65536", "tcp/9-8", "sctp/1", "tcp", "icmp/8", 22])
    assert.deepEqual(
      problems([{ from: [], to: [], allow: ["tcp/22", bad] }]),
      [`rules[0].allow[1]: ${expected}, got ${JSON.stringify(bad)}`],
      String(bad),
    );
});

test("shapes and references are checked like connections', every problem at once", () => {
  assert.deepEqual(
    problems([
      { from: [peer("nobody")], to: [{ type: "group", rule: "is", value: "ops" }], allow: [] },
      { from: [{ type: "peer", value: "a" }], allow: ["icmp"], subnets: ["wan"] },
      { from: [], to: [], allow: "tcp/22", extra: 1 },
      "all",
    ]),
    [
      'rules[0].from[0].value: unknown peer "nobody" (known: "a", "b", "c")',
      'rules[0].to[0].value: unknown group "ops" (there are none)',
      'rules[1].from[0].rule: missing: expected "is" or "not"',
      'rules[1].subnets[0]: unknown subnet "wan" (known: "lan")',
      // A missing key after what its object does hold, as everywhere.
      "rules[1].to: missing: expected a list of filters",
      'rules[2].allow: expected a list of services, got "tcp/22"',
      "rules[2].extra: unknown key, ignored",
      'rules[3]: expected a rule object { from, to, allow, subnets?, action? }, got "all"',
    ],
  );
});

test("names in rules must exist without a top-level groups too: a typo is an error", () => {
  const acl = { ...meshAcl(), groups: undefined } as Record<string, unknown>;
  delete acl.groups;
  (acl.peers as Record<string, unknown>[])[2] = {
    ...(acl.peers as Record<string, unknown>[])[2],
    groups: ["guest"],
  };
  const rules = [
    {
      from: [{ type: "group", rule: "not", value: "guests" }],
      to: [{ type: "group", rule: "is", value: "guest" }, peer("a")],
      allow: ["tcp/22"],
      subnets: ["lan", "LAN"],
    },
  ];
  const result = validateAclV1({ ...acl, rules });
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.ok ? [] : result.diagnostics.map((d) => `${d.code} ${renderPath(d.path)}: ${d.message}`),
    [
      'unknown-reference rules[0].from[0].value: unknown group "guests" (known: "guest")',
      'unknown-reference rules[0].subnets[1]: unknown subnet "LAN" (known: "lan")',
    ],
  );
});

test("a member address of prefix length 0: an error with rules, a warning without", () => {
  const acl = meshAcl();
  const b = acl.peers[1] as { subnets: { lan: { ipAddresses: string[] } } };
  b.subnets.lan.ipAddresses = ["10.0.0.2/0", "fd00::2/0"];
  const without = validateAclV1(acl);
  assert.ok(without.ok);
  assert.deepEqual(
    without.warnings.map((d) => `${d.severity} ${d.code} ${renderPath(d.path)}`),
    [
      "warning address-prefix-zero peers[1].subnets.lan.ipAddresses[0]",
      "warning address-prefix-zero peers[1].subnets.lan.ipAddresses[1]",
    ],
  );
  const withRules = validateAclV1({ ...acl, rules: [] });
  assert.equal(withRules.ok, false);
  assert.deepEqual(
    withRules.ok
      ? []
      : withRules.diagnostics.map((d) => `${d.severity} ${d.code} ${renderPath(d.path)}`),
    [
      "error address-prefix-zero peers[1].subnets.lan.ipAddresses[0]",
      "error address-prefix-zero peers[1].subnets.lan.ipAddresses[1]",
    ],
  );
  // Other prefix lengths are the interface's, whatever they are.
  b.subnets.lan.ipAddresses = ["10.0.0.2/8", "10.0.0.2/32"];
  const other = validateAclV1({ ...acl, rules: [] });
  assert.ok(other.ok);
  assert.deepEqual(other.warnings, []);
});
