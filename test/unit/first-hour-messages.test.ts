/**
 * Issue #26 in process: the CLI's own colour survives its escaping of control characters, and
 * one missing public key is one message however many peers link to it.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { cli } from "../../src/cli/main.js";
import { diagnostic } from "../../src/core/diagnostics.js";
import { oneMessagePerMissingKey } from "../../src/keys/missing-keys.js";

async function run(args: readonly string[], errColor: boolean) {
  let stderr = "";
  const code = await cli(args, {
    out: () => {},
    err: (text) => {
      stderr += text;
    },
    errColor,
  });
  return { code, stderr };
}

test("with errColor the label is coloured, the input's escapes are still shown as text", async () => {
  const coloured = await run(["generate", "/no\u001b[31mfile.yaml"], true);
  assert.equal(coloured.code, 1);
  assert.equal(
    coloured.stderr,
    "wirenix: \u001b[1;31merror\u001b[0m: /no\\u001b[31mfile.yaml: cannot read the ACL: no such file\n",
  );
  const plain = await run(["generate", "/no\u001b[31mfile.yaml"], false);
  assert.equal(
    plain.stderr,
    "wirenix: error: /no\\u001b[31mfile.yaml: cannot read the ACL: no such file\n",
  );
});

test("no-public-key errors about one peer become one message with the count", () => {
  const about = (linker: string) =>
    diagnostic(
      "error",
      "no-public-key",
      ["peers", 4, "publicKey"],
      `no public key for peer "e", which "${linker}" links to (key providers asked: acl); acl: set peers[4].publicKey`,
    );
  const other = diagnostic("error", "no-private-key", ["peers", 4, "privateKeyFile"], "x");
  const merged = oneMessagePerMissingKey([about("a"), other, about("b"), about("c"), about("d")]);
  assert.deepEqual(
    merged.map((d) => d.message),
    [
      'no public key for peer "e", which 4 peers link to ("a", "b", "c" and 1 more) (key providers asked: acl); acl: set peers[4].publicKey',
      "x",
    ],
  );
  // One linker: the message as it was.
  assert.deepEqual(oneMessagePerMissingKey([about("a")]), [about("a")]);
});
