/** Telling keys from paths and names, and describing a key without showing it. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { describeSecret, isKeyText, looksLikeKey, SecretScrubber } from "../../src/core/secrets.js";

/** Real keys from `wg genkey`, not made up by us. */
const keys = Array.from({ length: 20 }, () =>
  execFileSync("wg", ["genkey"], { encoding: "utf8" }).trim(),
);

test("real keys, also a little off, are keys; paths and names are not", () => {
  for (const key of keys) {
    for (const variant of [
      key,
      `${key}\n`,
      ` ${key} `,
      `${key}A`,
      key.replace(/\+/g, "-").replace(/\//g, "_"),
    ])
      assert.ok(isKeyText(variant), JSON.stringify(variant));
    assert.ok(looksLikeKey(`error: string '${key}\n' is not a path`), key);
  }
  for (const path of [
    "/etc/wireguard/alpha.key",
    "/tmp/wirenix-test-UKxp0Q/keys-yaml/office.psk",
    "/run/agenix/wirenix-peer-Alpha2Server-in-the-big-lab-rack",
    "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source/acl.nix",
    "/home/User2/Projects/WireGuardNetworks/Production/keys",
    "keys/alpha.key",
    "a-rather-long-but-innocent-peer-name-for-the-lab",
  ]) {
    assert.equal(isKeyText(path), false, path);
    assert.equal(looksLikeKey(path), false, path);
  }
});

test("a secret is described by its length and shape, never a character of it", () => {
  const key = keys[0] as string;
  for (const variant of [
    `${key}\n`,
    `${key}A`,
    key.slice(0, 30),
    `${key.slice(0, 10)}!${key.slice(11)}`,
  ]) {
    const text = describeSecret(variant);
    assert.match(text, new RegExp(`^<redacted, ${variant.length} characters`));
    for (let i = 0; i + 6 <= key.length; i++) assert.ok(!text.includes(key.slice(i, i + 6)), text);
  }
  assert.match(describeSecret(`${key}\n`), /ends with a line break/);
  assert.match(
    describeSecret(`${key.slice(0, 10)}!${key.slice(11)}`),
    /character 11 is not base64/,
  );
});

test("the scrubber removes every stretch of 10 characters of a secret", () => {
  const key = keys[1] as string;
  const scrubber = new SecretScrubber([`${key}\n`]);
  assert.equal(scrubber.scrub(`got "${key}\\n" here`), 'got "<redacted>\\n" here');
  assert.equal(scrubber.scrub(`cut: ${key.slice(5, 25)}...`), "cut: <redacted>...");
  assert.equal(scrubber.scrub("nothing secret"), "nothing secret");
});
