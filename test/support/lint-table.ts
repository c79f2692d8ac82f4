/**
 * The shape of every lint's test table (test/unit/lints/<lint>.test.ts): rows of an ACL change
 * and the diagnostics the lint must report for it, in order and word for word, written by hand.
 * Only the lint under test runs, so a row lists everything it says and nothing else.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import * as v from "valibot";
import { parseAcl } from "../../src/acl/parse.js";
import { buildNetwork } from "../../src/acl/v1/network.js";
import { type AclV1, AclV1Schema } from "../../src/acl/v1/schema.js";
import { checkContext, type Lint, runLintsOf } from "../../src/analysis/lint.js";
import { createRegistry } from "../../src/app/registry.js";
import { Diagnostics, renderPath } from "../../src/core/diagnostics.js";
import type { DevNameMethod } from "../../src/network/devname.js";
import { committedKeyPairs } from "./wg.js";

export type Acl = Record<string, any>;

/** Real keys made by `wg` (committed): a fourth one for rows that need a fresh key. */
export const KEYS = committedKeyPairs().slice(0, 4);

/** Three peers a, b, c in a full mesh on "lan", each with an endpoint: no lint fires. */
export function baseAcl(): Acl {
  return {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
    groups: [{ name: "servers" }],
    peers: ["a", "b", "c"].map((name, i) => ({
      name,
      groups: ["servers"],
      subnets: { lan: { listenPort: 51820, ipAddresses: [`10.0.0.${i + 1}`] } },
      publicKey: KEYS[i]?.publicKey,
      privateKeyFile: "/etc/wg/key",
      endpoints: [{ ip: `192.168.1.${i + 1}` }],
    })),
    connections: [
      {
        a: [{ type: "group", rule: "is", value: "servers" }],
        b: [{ type: "group", rule: "is", value: "servers" }],
      },
    ],
  };
}

/** A diagnostic as a row writes it, on one line: `SEVERITY CODE at PATH: MESSAGE`. */
export type Finding = string;

export interface Row {
  /** What the row shows. */
  name: string;
  /** The change to the base ACL. */
  acl: (acl: Acl) => void;
  devNameMethod?: DevNameMethod;
  /**
   * Build the network without ACL v1's validation, as a plugin's parser might: version 1
   * refuses unsafe names itself (intentional difference 9), the name lints guard the others.
   */
  unvalidated?: true;
  expect: Finding[];
}

/** Everything `lint` alone reports for the base ACL changed by `row`. */
export function runLint(lint: Lint, row: Omit<Row, "name" | "expect">): Finding[] {
  const acl = baseAcl();
  row.acl(acl);
  let network: ReturnType<typeof buildNetwork>;
  // The schema's values (addresses, keys) but the names as written: only the name checks fail,
  // and a failed parse leaves each value that failed as it was.
  if (row.unvalidated)
    network = buildNetwork(v.safeParse(AclV1Schema, acl, { abortEarly: false }).output as AclV1);
  else {
    const parsed = parseAcl(acl, createRegistry());
    if (!parsed.ok) assert.fail(`ACL invalid: ${JSON.stringify(parsed.diagnostics)}`);
    network = parsed.value;
  }
  const report = new Diagnostics();
  runLintsOf(checkContext(network, row.devNameMethod ?? "short", report), [lint]);
  return report.items.map((d) => `${d.severity} ${d.code} at ${renderPath(d.path)}: ${d.message}`);
}

/** One test a row, plus: the base ACL is clean, and every code the lint declares has a row. */
export function lintTable(lint: Lint, rows: readonly Row[]): void {
  test(`${lint.name}: the base ACL is clean`, () => {
    assert.deepEqual(runLint(lint, { acl: () => {} }), []);
  });
  for (const row of rows)
    test(`${lint.name}: ${row.name}`, () => {
      assert.deepEqual(runLint(lint, row), row.expect);
    });
  test(`${lint.name}: every code it declares has a row`, () => {
    const shown = new Set(rows.flatMap((r) => r.expect.map((f) => f.split(" ")[1])));
    assert.deepEqual(
      lint.codes.filter((code) => !shown.has(code)),
      [],
    );
  });
}
