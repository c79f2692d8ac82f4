/** The committed key pairs the unit tier uses are what the real `wg` says they are. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { committedKeyPairs } from "../support/wg.js";

test("every committed public key is `wg pubkey` of its private key, and no key repeats", () => {
  const pairs = committedKeyPairs();
  assert.equal(pairs.length, 128);
  for (const { privateKey, publicKey } of pairs)
    assert.equal(
      execFileSync("wg", ["pubkey"], { input: `${privateKey}\n`, encoding: "utf8" }).trim(),
      publicKey,
    );
  const all = pairs.flatMap((p) => [p.privateKey, p.publicKey]);
  assert.equal(new Set(all).size, all.length);
});
