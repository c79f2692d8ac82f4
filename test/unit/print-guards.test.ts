/**
 * What reaches a terminal: names with control characters (escape sequences, C1 codes, bidi
 * overrides) are printed escaped by every command, whether the ACL is accepted or refused;
 * and a key provider plugin's answers are checked before they reach any output.
 */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { printable } from "../../src/core/printable.js";
import { fixtures } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

const base = JSON.parse(readFileSync(join(fixtures, "valid-base.json"), "utf8")) as {
  peers: { name: string; groups?: string[] }[];
  groups: { name: string }[];
};

/** What must never be printed raw (line breaks aside). */
const RAW =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never be printed raw.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

test("printable escapes control, bidi and format characters, and keeps JSON valid", async () => {
  assert.equal(printable("a\u001b[31mb"), "a\\u001b[31mb");
  assert.equal(printable("x\u202ey\u0085z\u007f"), "x\\u202ey\\u0085z\\u007f");
  assert.equal(printable("line\nbreak"), "line\\u000abreak");
  assert.equal(printable("line\nbreak", { keepLineBreaks: true }), "line\nbreak");
  assert.equal(printable("tag\u{e0001}"), "tag\\udb40\\udc01");
  const value = { name: "evil\u009b2J\u2066", ok: "plain ü ✓ 名前" };
  assert.deepEqual(
    JSON.parse(printable(JSON.stringify(value, null, 2), { keepLineBreaks: true })),
    value,
  );
  assert.equal(printable("plain ü ✓ 名前"), "plain ü ✓ 名前");
});

test("no command prints a control character from a name raw, accepted or refused", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const evil = "gam\u001b]0;owned\u0007ma\u001b[2J\u009b31m\u202eevil\u2066";
  const acl = structuredClone(base);
  const peer = acl.peers[0] as { name: string };
  const old = peer.name;
  peer.name = evil;
  // Keep the ACL consistent: every mention of the peer follows its new name.
  const file = join(dir, "acl.json");
  writeFileSync(file, JSON.stringify(acl).replaceAll(JSON.stringify(old), JSON.stringify(evil)));
  const other = (acl.peers[1] as { name: string }).name;
  const runs = [
    ["inspect", file],
    ["inspect", file, "--format", "json"],
    ["check", file],
    ["check", file, "--format", "json"],
    ["explain", file, evil, other],
    ["explain", file, evil, other, "--format", "json"],
    ["graph", file],
    ["graph", file, "--format", "mermaid"],
    ["generate", file, "--peer", "no-such\u001b[5mpeer"],
    ["keys", "generate", file, "--dir", join(dir, "keys")],
    ["qr", file, evil, "--subnet", "lan", "--png", join(dir, "q.png")],
  ];
  for (const argv of runs) {
    const ran = await wirenixInProcess(argv);
    assert.doesNotMatch(`${ran.stdout}${ran.stderr}`, RAW, argv.join(" "));
    // The name is still there to be read, escaped (graph draws C0 codes as spaces itself).
    if (argv[0] !== "generate" && argv[0] !== "graph")
      assert.match(`${ran.stdout}${ran.stderr}`, /\\u001b/, argv.join(" "));
  }
  const binary = await wirenixInProcess(["check", file]);
  assert.doesNotMatch(`${binary.stdout}${binary.stderr}`, RAW);
  // A bad name in a message about another problem: the diagnostic line is escaped too.
  const unknown = join(dir, "unknown.json");
  const broken = structuredClone(base);
  (broken.peers[1] as { groups?: string[] }).groups = ["no\u001b[31mgroup\u202e"];
  writeFileSync(unknown, JSON.stringify(broken));
  const refused = await wirenixInProcess(["check", unknown, "--format", "json"]);
  assert.equal(refused.code, 1);
  assert.doesNotMatch(`${refused.stdout}${refused.stderr}`, RAW);
  // The message quotes the name (JSON-escaped once there, and again as a JSON string);
  // the override, which no JSON escaping touches, is escaped at the print boundary.
  assert.match(refused.stdout, /no\\\\u001b\[31mgroup\\u202e/);
});

const KEY = "4PDDEeI3TjpLXX0GtT36s7/24hQ0gNy/rZGh1SXXTUk=";

/** A plugin whose key provider answers what `answers` (JS source) returns. */
function providerPlugin(dir: string, name: string, answers: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(
    file,
    `export default { keyProviders: [{ name: ${JSON.stringify(name)}, description: "test", forPeer: ({ peer }) => (${answers}) }] };\n`,
  );
  return file;
}

test("a key provider plugin's bad answers are refused, naming the provider and the peer", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = join(dir, "acl.json");
  writeFileSync(acl, JSON.stringify(base));
  const cases: [string, string, RegExp][] = [
    [
      "newline-key",
      `{ publicKeyOf: () => ${JSON.stringify(`${KEY}\n`)} }`,
      /key provider "newline-key" answered a bad public key for peer "\w+" while configuring peer "\w+": expected 32 bytes in base64 .*got <redacted, 45 characters, ends with a line break/,
    ],
    [
      "short-key",
      `{ publicKeyOf: () => ${JSON.stringify(KEY.slice(0, 43))} }`,
      /key provider "short-key" answered a bad public key .*<redacted, 43 characters>/,
    ],
    [
      "number-key",
      "{ publicKeyOf: () => 42 }",
      /key provider "number-key" answered a bad public key .*expected a string/,
    ],
    [
      "relative-path",
      '{ privateKeyFile: () => "keys/alpha.key" }',
      /key provider "relative-path" answered a bad private key file while configuring peer "\w+": expected an absolute path of letters.* \(it is relative\), got "keys\/alpha.key"/,
    ],
    [
      "newline-path",
      `{ privateKeyFile: () => "/run/keys/a\\nPostUp = rm -rf /" }`,
      /key provider "newline-path" answered a bad private key file .*expected an absolute path of letters.*\(character 12 is "\\n"/,
    ],
    [
      "key-as-path",
      `{ privateKeyFile: () => ${JSON.stringify(KEY)} }`,
      /key provider "key-as-path" answered a bad private key file .*looks like a key itself \(<redacted, 44 characters>\)/,
    ],
    [
      "psk-path",
      `{ presharedKeyFile: () => "relative.psk" }`,
      /key provider "psk-path" answered a bad preshared key file for subnet "\w+" .*expected an absolute path of letters.*\(it is relative\)/,
    ],
  ];
  for (const [name, answers, expected] of cases) {
    const plugin = providerPlugin(dir, name, answers);
    for (const configurer of ["static", "wg-quick"]) {
      const ran = await wirenixInProcess([
        "generate",
        acl,
        "--plugin",
        plugin,
        "--key-provider",
        name,
        "--key-provider",
        "acl",
        "--configurer",
        configurer,
      ]);
      assert.equal(ran.code, 1, `${name}: ${ran.stderr}`);
      assert.equal(ran.stdout, "", name);
      assert.match(ran.stderr, expected, name);
      assert.ok(!ran.stderr.includes(KEY.slice(0, 20)), name);
      assert.doesNotMatch(ran.stderr, /internal error|\n\s+at /);
    }
  }
  // Good answers pass: an absolute path and a real key.
  const good = providerPlugin(
    dir,
    "good",
    `{ privateKeyFile: () => "/run/keys/" + peer.name, publicKeyOf: () => "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=" }`,
  );
  const ran = await wirenixInProcess([
    "generate",
    acl,
    "--plugin",
    good,
    "--key-provider",
    "good",
    "--format",
    "json",
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /\/run\/keys\//);
});
