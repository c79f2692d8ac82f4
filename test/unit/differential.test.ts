/**
 * Differential test against the original Wirenix: for every stored ACL (the original's own
 * examples and tests, the benchmark's topologies, and random ACLs within what it accepts) and
 * every configurer × devNameMethod, our configuration of each peer equals the original's
 * after normalisation, and where the original fails for a peer, we fail too. The goldens are
 * the original's output, committed and kept true by `npm run oracle`.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { createRegistry } from "../../src/app/registry.js";
import { toJson } from "../../src/render/printers/json.js";
import { againstGolden, type OriginalPeer } from "../support/against-golden.js";
import { normalise } from "../support/normalise.js";
import { fixtures } from "../support/paths.js";

type Golden = Record<string, Record<string, OriginalPeer>>;

const dir = join(fixtures, "differential");
const cases = readdirSync(dir).sort();
const registry = createRegistry();

let compared = 0;
let equal = 0;
let erroredBoth = 0;

test("there are enough differential cases", () => {
  assert.ok(cases.filter((c) => c.startsWith("random-")).length >= 200);
  assert.ok(cases.filter((c) => c.startsWith("oracle-")).length >= 11);
});

for (const name of cases) {
  test(`same output as the original: ${name}`, () => {
    const acl = JSON.parse(readFileSync(join(dir, name, "acl.json"), "utf8"));
    const golden = JSON.parse(readFileSync(join(dir, name, "golden.json"), "utf8")) as Golden;
    const parsed = parseAcl(acl, registry);
    assert.ok(
      parsed.ok,
      `the ACL is rejected: ${JSON.stringify(!parsed.ok && parsed.diagnostics)}`,
    );
    assert.equal(parsed.warnings.filter((w) => w.code !== "unsafe-secret").length, 0);
    for (const { combo, peer, nixosPeerShape, expected, ours } of againstGolden(
      parsed.value,
      registry,
      golden,
    )) {
      compared++;
      if (expected.error) {
        assert.equal(ours.ok, false, `${combo} ${peer}: the original fails, we do not`);
        erroredBoth++;
        equal++;
        continue;
      }
      assert.ok(ours.ok, `${combo} ${peer}: ${JSON.stringify(!ours.ok && ours.diagnostics)}`);
      assert.deepEqual(
        normalise(JSON.parse(toJson(ours.value))),
        normalise(expected.ok),
        `${combo} ${peer} (${nixosPeerShape})`,
      );
      equal++;
    }
  });
}

test("parity summary", (t) => {
  t.diagnostic(
    `peer configurations equal: ${equal} / ${compared} (of which both failed: ${erroredBoth})`,
  );
  assert.equal(equal, compared);
});
