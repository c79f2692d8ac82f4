/**
 * The original's laziness, variant by variant: each ACL of the differential corpus with one key
 * dropped (scripts/dropped-keys.mjs, which ran the original on each and stored its output in
 * test/fixtures/dropped-keys). Where the original configures a peer, we configure it the same;
 * where it fails for a peer, we fail for that peer naming the dropped key, or, only under an
 * intentional difference of the spec, configure it and say why.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAcl } from "../../src/acl/parse.js";
import { createRegistry } from "../../src/app/registry.js";
import { type Diagnostic, type PathSegment, renderPath } from "../../src/core/diagnostics.js";
import { toJson } from "../../src/render/printers/json.js";
import { againstGolden, type OriginalPeer } from "../support/against-golden.js";
import { normalise } from "../support/normalise.js";
import { fixtures } from "../support/paths.js";

interface Variant {
  base: string;
  dropped: PathSegment[];
  acl: unknown;
  golden: Record<string, Record<string, OriginalPeer>>;
}

const dir = join(fixtures, "dropped-keys");
const files = readdirSync(dir)
  .sort()
  .flatMap((base) =>
    readdirSync(join(dir, base))
      .sort()
      .map((f) => join(dir, base, f)),
  );
const registry = createRegistry();

type Golden = Variant["golden"];
const baseGoldens = new Map<string, Golden>();
/** Whether the original fails for `peer` already on the ACL the variant was made from. */
function failsWithoutDrop(base: string, combo: string, peer: string): boolean {
  let golden = baseGoldens.get(base);
  if (!golden) {
    golden = JSON.parse(
      readFileSync(join(fixtures, "differential", base, "golden.json"), "utf8"),
    ) as Golden;
    baseGoldens.set(base, golden);
  }
  return golden[combo]?.[peer]?.error === true;
}

const counts = { variants: 0, someAccepted: 0, allAccepted: 0, peers: 0, equal: 0, refused: 0 };

/**
 * Why we may configure a peer that the original cannot, by the spec's intentional differences:
 * 2, an endpoint without ip or port is written without Endpoint; 4, a selected non-member is
 * left out with a warning; 5, a peer without `groups` is in no group.
 */
function intentionalDifference(dropped: PathSegment[], warnings: readonly Diagnostic[]): boolean {
  const key = dropped[dropped.length - 1];
  if (dropped.includes("endpoints") && (key === "ip" || key === "port" || key === "endpoints"))
    return true;
  if (warnings.some((w) => w.code === "non-member-selected")) return true;
  return dropped[0] === "peers" && key === "groups";
}

test("there are enough dropped-key variants", () => {
  assert.ok(files.length >= 300, `only ${files.length}`);
});

for (const file of files) {
  const variant = JSON.parse(readFileSync(file, "utf8")) as Variant;
  const dropped = renderPath(variant.dropped);
  test(`${variant.base} without ${dropped}`, () => {
    counts.variants++;
    const outcomes = Object.values(variant.golden).flatMap((peers) => Object.values(peers));
    if (outcomes.some((o) => o.ok)) counts.someAccepted++;
    if (outcomes.length > 0 && outcomes.every((o) => o.ok)) counts.allAccepted++;
    const parsed = parseAcl(variant.acl, registry);
    if (!parsed.ok) {
      assert.ok(
        outcomes.every((o) => o.error),
        `refused as a whole, but the original configures some peer: ${JSON.stringify(parsed.diagnostics)}`,
      );
      assert.ok(
        parsed.diagnostics.some((d) => renderPath(d.path) === dropped),
        `the error does not name ${dropped}: ${JSON.stringify(parsed.diagnostics)}`,
      );
      counts.refused++;
      return;
    }
    for (const { combo, peer, nixosPeerShape, expected, ours } of againstGolden(
      parsed.value,
      registry,
      variant.golden,
    )) {
      counts.peers++;
      if (expected.ok) {
        assert.ok(ours.ok, `${combo} ${peer}: ${JSON.stringify(!ours.ok && ours.diagnostics)}`);
        assert.deepEqual(
          normalise(JSON.parse(toJson(ours.value))),
          normalise(expected.ok),
          `${combo} ${peer} (${nixosPeerShape})`,
        );
      } else if (ours.ok) {
        assert.ok(
          intentionalDifference(variant.dropped, parsed.value.warnings),
          `${combo} ${peer}: the original fails, we configure it`,
        );
      } else
        assert.ok(
          ours.diagnostics.some((d) => renderPath(d.path) === dropped) ||
            failsWithoutDrop(variant.base, combo, peer),
          `${combo} ${peer}: the error does not name ${dropped}: ${JSON.stringify(ours.diagnostics)}`,
        );
      counts.equal++;
    }
  });
}

test("dropped-key summary", (t) => {
  t.diagnostic(
    `variants: ${counts.variants}; the original configures some peer in ${counts.someAccepted}, every peer in ${counts.allAccepted}; refused by us as a whole: ${counts.refused}; peer configurations agreeing: ${counts.equal} / ${counts.peers}`,
  );
  assert.equal(counts.equal, counts.peers);
});
