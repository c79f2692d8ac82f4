/**
 * No key is ever echoed, valid or not: every command (each output format and configurer, check
 * in text and JSON, inspect, explain, graph, qr, keys) is run on every ACL of
 * test/fixtures/secret-echo/ (keys with a line break from builtins.readFile, YAML and TOML
 * block strings, too long, too short, the wrong alphabet, keys in the wrong place, syntax and
 * Nix errors next to a key), and all it printed, stdout and stderr, is searched for every key
 * of that ACL: whole, and every stretch of 10 characters of it, and in hex.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ageRecipientsFile } from "../support/age.js";
import { fixtures } from "../support/paths.js";
import { type Ran, tempDir, wirenix, wirenixInProcess } from "../support/run.js";

interface Case {
  what: string;
  secrets: string[];
}

const dir = join(fixtures, "secret-echo");
const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as Record<string, Case>;

/** Every command, with the places it may write in `work`. */
function commands(acl: string, work: string, recipients: string): string[][] {
  const keys = join(work, "keys");
  return [
    ["generate", acl],
    ["generate", acl, "--format", "json"],
    ["generate", acl, "--configurer", "networkd"],
    ["generate", acl, "--configurer", "networkd-dev-only", "--dev-name-method", "hash"],
    ["generate", acl, "--configurer", "wg-quick"],
    ["generate", acl, "--configurer", "networkd-files", "--format", "json"],
    ["generate", acl, "--configurer", "hosts"],
    [
      "generate",
      acl,
      "--configurer",
      "wg-quick",
      "--out",
      join(work, "wg"),
      "--inline-private-keys",
    ],
    ["generate", acl, "--configurer", "networkd-files", "--out", join(work, "nd")],
    ["generate", acl, "--out", join(work, "nix")],
    ["generate", acl, "--peer", "alpha", "--peer", "beta", "--merge", "--configurer", "networkd"],
    ["check", acl],
    ["check", acl, "--format", "json"],
    ["check", acl, "--strict"],
    ["inspect", acl],
    ["inspect", acl, "--format", "json"],
    ["explain", acl, "alpha", "beta"],
    ["explain", acl, "alpha", "beta", "--format", "json"],
    ["graph", acl],
    ["graph", acl, "--format", "mermaid"],
    ["graph", acl, "--format", "svg"],
    ["qr", acl, "alpha", "--png", join(work, "alpha.png")],
    ["keys", "generate", acl, "--dir", keys],
    ["generate", acl, "--key-provider", "dir", "--key-provider", "acl", "--keys-dir", keys],
    ["qr", acl, "alpha", "--keys-dir", keys, "--png", join(work, "alpha-dir.png")],
    ["keys", "encrypt", acl, "--dir", keys, "--secrets-dir", join(work, "secrets")],
    [
      "keys",
      "encrypt",
      acl,
      "--dir",
      keys,
      "--secrets-dir",
      join(work, "secrets"),
      "--recipients",
      recipients,
    ],
    // Last: it rewrites the ACL (a copy).
    ["keys", "generate", acl, "--dir", keys, "--update-acl"],
  ];
}

/** Where in `printed` a secret shows: whole, any 10 characters of it, or its bytes in hex. */
function leak(printed: string, secret: string): string | undefined {
  const body = secret.trim();
  const size = Math.min(10, body.length);
  for (let i = 0; i + size <= body.length; i++) {
    const stretch = body.slice(i, i + size);
    if (printed.includes(stretch)) return stretch;
  }
  const hex = Buffer.from(body, "base64").toString("hex");
  if (hex.length >= 32 && printed.toLowerCase().includes(hex.slice(0, 32))) return `hex ${hex}`;
  return undefined;
}

test("no command echoes a key of the ACL, valid or not, on stdout or stderr", async (t) => {
  const { dir: root, remove } = tempDir();
  t.after(remove);
  const { recipients } = ageRecipientsFile(root);

  const names = Object.keys(cases);
  // Every ACL file in the directory has its case: none is left out by mistake.
  const files = readdirSync(dir).filter(
    (f) => /\.(json|ya?ml|toml|nix)$/.test(f) && f !== "cases.json",
  );
  assert.deepEqual([...files].sort(), [...names].sort());

  let runs = 0;
  const leaks: string[] = [];
  for (const name of names) {
    const { secrets } = cases[name] as Case;
    assert.ok(secrets.length > 0, name);
    const work = join(root, name);
    execFileSync("mkdir", ["-p", work]);
    const acl = join(work, name);
    copyFileSync(join(dir, name), acl);
    // The key file a .nix ACL reads with builtins.readFile.
    copyFileSync(join(dir, "alpha.key"), join(work, "alpha.key"));
    const check = (argv: string[], ran: Ran, how: string) => {
      runs++;
      const printed = `${ran.stdout}\n${ran.stderr}`;
      assert.doesNotMatch(
        printed,
        /internal error|\n\s+at .+:\d+:\d+\)?\n/,
        `${how} ${argv.join(" ")}`,
      );
      for (const secret of secrets) {
        const found = leak(printed, secret);
        if (found)
          leaks.push(`${name}: ${how} wirenix ${argv.join(" ")} printed ${JSON.stringify(found)}`);
      }
    };
    for (const argv of commands(acl, work, recipients))
      check(argv, await wirenixInProcess(argv), "in process");
    // The real binary too, for the commands that print the most about a broken ACL.
    for (const argv of [
      ["check", acl, "--format", "json"],
      ["generate", acl, "--configurer", "wg-quick"],
    ])
      check(argv, wirenix(argv), "binary");
  }
  assert.deepEqual(leaks, []);
  // 22 ACLs x 30 runs: a command list that shrank by mistake would show here.
  assert.equal(runs, names.length * 30);
});
