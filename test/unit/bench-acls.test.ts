/**
 * The benchmark's ACLs are compared with the original on every run of `npm run bench`; this
 * keeps that true for small sizes of each topology: what bench/acls.ts makes is the committed
 * differential case bench-<topology>-<peers>, which the original accepts for every peer and
 * on which the differential test compares every configurer and naming method with it.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeAcl } from "../../bench/acls.js";
import { parseAcl } from "../../src/acl/parse.js";
import { createRegistry } from "../../src/app/registry.js";
import { benchCaseName, benchCases } from "../support/oracle-cases.js";
import { type Golden, REGENERATE } from "../support/original.js";
import { fixtures } from "../support/paths.js";

for (const c of benchCases) {
  const name = benchCaseName(c);
  test(`bench ACL ${c.topology} of ${c.peers} peers is the differential case ${name}`, () => {
    const dir = join(fixtures, "differential", name);
    const acl = makeAcl(c.topology, c.peers);
    assert.deepEqual(
      JSON.parse(readFileSync(join(dir, "acl.json"), "utf8")),
      JSON.parse(JSON.stringify(acl)),
      `${dir}/acl.json is not what bench/acls.ts makes; run ${REGENERATE}`,
    );
    const parsed = parseAcl(acl, createRegistry());
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.warnings, []);
    const golden = JSON.parse(readFileSync(join(dir, "golden.json"), "utf8")) as Golden;
    assert.equal(Object.keys(golden).length, 9, "three configurers × three naming methods");
    for (const [combo, output] of Object.entries(golden)) {
      assert.equal(typeof output, "object", `${combo}: the original failed`);
      const peers = Object.entries(output);
      assert.equal(peers.length, c.peers, combo);
      for (const [peer, outcome] of peers)
        assert.ok(outcome.ok, `${combo}: the original fails for ${peer}`);
    }
  });
}
