/**
 * No private key ever reaches stdout or stderr: every command that touches keys is run, in
 * process and as the real binary, on success and failure paths, and everything it printed is
 * searched for every private and preshared key generated along the way (Base64 as written,
 * and hex, in case a key is ever printed in another encoding).
 */
import { strict as assert } from "node:assert";
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseDocument } from "yaml";
import { ageRecipientsFile } from "../support/age.js";
import { fixtures } from "../support/paths.js";
import { type Ran, tempDir, wirenix, wirenixInProcess } from "../support/run.js";

/** Every secret in a keys directory, backups included. */
function secretsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(key|psk)(\.|$)/.test(f))
    .map((f) => readFileSync(join(dir, f), "utf8").trim());
}

test("no command prints a private or preshared key", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const runs: { argv: string[]; run: Ran }[] = [];
  const bothWays = async (argv: string[]) => {
    runs.push({ argv, run: await wirenixInProcess(argv) });
    runs.push({ argv, run: wirenix(argv) });
  };
  const once = async (argv: string[]) => {
    runs.push({ argv, run: await wirenixInProcess(argv) });
  };

  const { recipients, recipient } = ageRecipientsFile(dir);

  const acls: Record<string, string> = {};
  for (const ext of ["yaml", "json", "toml", "nix"]) {
    const file = join(dir, `net.${ext}`);
    copyFileSync(join(fixtures, "keys", `net.${ext}`), file);
    acls[ext] = file;
  }
  const yaml = acls.yaml as string;
  const doc = parseDocument(readFileSync(yaml, "utf8"));
  doc.setIn(["peers", 2, "extraArgs", "ageRecipients"], recipient);
  writeFileSync(yaml, doc.toString());

  const keyDirs: string[] = [];
  // A .nix ACL reads like the others once loaded; it only takes part in the refusal below.
  for (const [ext, acl] of Object.entries(acls).filter(([ext]) => ext !== "nix")) {
    // The real binary for one format; the others in process, which prints the same.
    const both = ext === "yaml" ? bothWays : once;
    const keys = join(dir, `keys-${ext}`);
    const secrets = join(dir, `secrets-${ext}`);
    keyDirs.push(keys);
    await once(["keys", "generate", acl, "--dir", keys]);
    await both(["keys", "generate", acl, "--dir", keys]);
    await both(["keys", "generate", acl, "--dir", keys, "--rotate", "beta"]);
    await both(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
    for (const again of [[], ["--reencrypt"]])
      await both([
        "keys",
        "encrypt",
        acl,
        "--dir",
        keys,
        "--secrets-dir",
        secrets,
        "--recipients",
        recipients,
        ...again,
      ]);
    await both(["keys", "encrypt", acl, "--dir", keys, "--secrets-dir", join(dir, `none-${ext}`)]);
    // The QR code holds the key; everything printed beside it must not (success, a PNG that
    // exists, no terminal, a directory as the PNG, a peer in two subnets).
    const png = join(dir, `beta-${ext}.png`);
    const qr = ["qr", acl, "beta", "--subnet", "office", "--keys-dir", keys];
    await both([...qr, "--png", png]);
    assert.ok(statSync(png).isFile(), "qr wrote its PNG");
    await both([...qr, "--png", png]);
    await both(qr);
    await both(["qr", acl, "laptop", "--private-key-file", join(keys, "laptop.key"), "--png", dir]);
    await both(["qr", acl, "beta", "--keys-dir", keys, "--png", png]);
    for (const provider of [["dir"], ["dir", "acl"], ["acl"]])
      for (const configurer of ["static", "networkd"])
        await once([
          "generate",
          acl,
          "--format",
          "json",
          "--configurer",
          configurer,
          "--keys-dir",
          keys,
          ...provider.flatMap((p) => ["--key-provider", p]),
        ]);
    await both([
      "generate",
      acl,
      "--key-provider",
      "agenix",
      "--secrets-dir",
      secrets,
      "--format",
      "nix",
    ]);
    await both([
      "generate",
      acl,
      "--key-provider",
      "sops-nix",
      "--key-provider",
      "dir",
      "--keys-dir",
      keys,
      "--secrets-dir",
      secrets,
    ]);
    await both(["inspect", acl, "--format", "json"]);
    await both(["inspect", acl]);
  }
  const both = bothWays;
  // Failure paths: a corrupt key file, a key directory that is not one, a .nix --update-acl.
  const generated = runs.filter((r) => r.argv[1] === "generate" && r.argv[0] === "keys");
  assert.ok(
    generated.every((r) => r.run.code === 0),
    generated.map((r) => `${r.argv.join(" ")}: ${r.run.code} ${r.run.stderr}`).join("\n"),
  );
  const broken = join(dir, "keys-yaml");
  writeFileSync(join(broken, "laptop.pub"), "garbage\n");
  await both(["keys", "generate", yaml, "--dir", broken]);
  await both([
    "keys",
    "generate",
    acls.nix as string,
    "--dir",
    join(dir, "keys-nix"),
    "--update-acl",
  ]);
  await both(["keys", "generate", yaml, "--dir", join(dir, "net.yaml")]);
  await both([
    "keys",
    "encrypt",
    yaml,
    "--dir",
    join(dir, "keys-json"),
    "--secrets-dir",
    join(dir, "s2"),
    "--recipients",
    join(dir, "keys-json", "alpha.key"),
  ]);
  await both(["keys", "--help"]);
  await both(["keys", "generate", "--help"]);
  await both(["keys", "encrypt", "--help"]);

  const secrets = keyDirs.flatMap(secretsIn);
  assert.ok(secrets.length >= 15, `found ${secrets.length} secrets`);
  for (const secret of secrets) assert.match(secret, /^[A-Za-z0-9+/]{43}=$/);
  const forms = secrets.flatMap((s) => [
    s,
    Buffer.from(s, "base64").toString("hex"),
    Buffer.from(s, "base64").toString("base64url"),
  ]);
  let printed = 0;
  for (const { argv, run } of runs) {
    const text = run.stdout + run.stderr;
    printed += text.length;
    for (const form of forms)
      assert.ok(!text.includes(form), `wirenix ${argv.join(" ")} printed a secret`);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `wirenix ${argv.join(" ")} printed a stack trace`);
  }
  // The ACL files and the generated outputs hold no secret either.
  for (const acl of Object.values(acls)) {
    const text = readFileSync(acl, "utf8");
    for (const form of forms) assert.ok(!text.includes(form), `${acl} holds a secret`);
  }
  assert.ok(runs.length > 60, `${runs.length} runs`);
  assert.ok(printed > 10_000, "the commands printed something to search");
  assert.ok(
    runs.some((r) => r.run.code === 1) && runs.some((r) => r.run.code === 2),
    "failure paths ran",
  );
});
