/**
 * `rules` in the ACL: validated with paths like connections, and without `rules` nothing in
 * the output changes (the oracle's goldens hold that for every configurer; here: the keys).
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { validateAclV1 } from "../../src/acl/v1/validate.js";
import { renderPath } from "../../src/diagnostics.js";
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
      'rules[3]: expected a rule object { from, to, allow, subnets? }, got "all"',
    ],
  );
});
