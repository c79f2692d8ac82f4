/**
 * Issue 23, item 3: a private key is used only for its own peer. Wherever a private key is read
 * (--inline-private-keys, qr, keys generate, keys encrypt) its public key must be the peer's
 * publicKey in the ACL (error otherwise, naming the file and the ACL path, never the key); keys
 * are read into a configuration only from the keys directory (`DIR/<peer>.key`,
 * `DIR/<subnet>.psk`), never from a path the ACL names, so that a pull request cannot have
 * the admin's other keys copied into its peer's configuration; `check --keys-dir` reports ACL
 * public keys that are not the keys directory's. Keys are made with the real `wg`.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir, wirenixInProcess, writeAcl } from "../support/run.js";

const wg = (args: string[], input?: string) =>
  execFileSync("wg", args, { encoding: "utf8", ...(input === undefined ? {} : { input }) }).trim();

function pair(): { privateKey: string; publicKey: string } {
  const privateKey = wg(["genkey"]);
  return { privateKey, publicKey: wg(["pubkey"], privateKey) };
}

/** Every 10-character stretch of a key: none may appear in what a command printed. */
function assertNoKey(text: string, key: string, what: string): void {
  for (let i = 0; i + 10 <= key.length; i++)
    assert.ok(!text.includes(key.slice(i, i + 10)), `${what} shows part of a key`);
}

/** Alice and mallory on one subnet with a preshared key file; keys in `keys/`. */
function setup(dir: string) {
  const keys = join(dir, "keys");
  mkdirSync(keys, { mode: 0o700 });
  const alice = pair();
  const mallory = pair();
  // The admin's keys of another network, readable where generate runs.
  const other = join(dir, "other-network");
  mkdirSync(other, { mode: 0o700 });
  const hub = pair();
  const otherPsk = wg(["genpsk"]);
  writeFileSync(join(other, "hub.key"), `${hub.privateKey}\n`, { mode: 0o600 });
  writeFileSync(join(other, "net.psk"), `${otherPsk}\n`, { mode: 0o600 });
  const lanPsk = wg(["genpsk"]);
  for (const [name, p] of [
    ["alice", alice],
    ["mallory", mallory],
  ] as const) {
    writeFileSync(join(keys, `${name}.key`), `${p.privateKey}\n`, { mode: 0o600 });
    writeFileSync(join(keys, `${name}.pub`), `${p.publicKey}\n`, { mode: 0o600 });
  }
  writeFileSync(join(keys, "lan.psk"), `${lanPsk}\n`, { mode: 0o600 });
  const acl = (overrides: { mallory?: object; alice?: object; subnet?: object } = {}) => ({
    version: "v1",
    subnets: [
      {
        name: "lan",
        endpoints: [{ port: 51820 }],
        presharedKeyFile: "/run/keys/lan.psk",
        ...overrides.subnet,
      },
    ],
    groups: [],
    peers: [
      {
        name: "alice",
        subnets: { lan: { listenPort: 51820, ipAddresses: ["10.0.0.1"] } },
        publicKey: alice.publicKey,
        privateKeyFile: "/run/keys/alice.key",
        endpoints: [{ ip: "192.0.2.1" }],
        ...overrides.alice,
      },
      {
        name: "mallory",
        subnets: { lan: { listenPort: 51820, ipAddresses: ["10.0.0.2"] } },
        publicKey: mallory.publicKey,
        privateKeyFile: "/run/keys/mallory.key",
        ...overrides.mallory,
      },
    ],
    connections: [{ a: [], b: [] }],
  });
  const secrets = [alice, mallory, hub].map((p) => p.privateKey).concat([lanPsk, otherPsk]);
  return { keys, alice, mallory, hub, other, otherPsk, lanPsk, acl, secrets };
}

const inline = (acl: string, ...more: string[]) =>
  wirenixInProcess([
    ...["generate", acl, "--configurer", "wg-quick", "--peer", "mallory", "--subnet", "lan"],
    ...["--inline-private-keys", ...more],
  ]);

test("a PR pointing mallory's key files at the admin's other keys gets neither key inlined", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  // The attack of the issue: mallory's privateKeyFile and the subnet's presharedKeyFile name
  // the other network's hub key and preshared key; mallory's publicKey is made the hub's
  // (public keys are public) so that the ownership check alone would pass.
  const file = writeAcl(
    dir,
    s.acl({
      mallory: { privateKeyFile: join(s.other, "hub.key"), publicKey: s.hub.publicKey },
      subnet: { presharedKeyFile: join(s.other, "net.psk") },
    }),
  );
  for (const more of [[], ["--keys-dir", s.keys, "--key-provider", "acl"]]) {
    const ran = await inline(file, ...more);
    assert.equal(ran.code, 1, ran.stdout);
    assert.equal(ran.stdout, "");
    assert.match(
      ran.stderr,
      new RegExp(
        `peers\\[1\\]\\.privateKey: no private key for peer "mallory" to write into its configuration: ${join(s.other, "hub.key")} is not read, since .*keys are read into a configuration only from the keys directory`,
      ),
    );
    for (const secret of s.secrets) assertNoKey(ran.stdout + ran.stderr, secret, "the refusal");
  }
  // With the keys directory, mallory gets its own key and the subnet's own preshared key
  // (DIR/lan.psk), whatever file the ACL names.
  const own = writeAcl(
    dir,
    s.acl({ subnet: { presharedKeyFile: join(s.other, "net.psk") } }),
    "own.json",
  );
  const ran = await inline(own, "--keys-dir", s.keys);
  assert.equal(ran.code, 0, ran.stderr);
  assert.ok(ran.stdout.includes(`PrivateKey = ${s.mallory.privateKey}\n`));
  assert.ok(ran.stdout.includes(`PresharedKey = ${s.lanPsk}\n`));
  assertNoKey(ran.stdout, s.otherPsk, "mallory's configuration");
  assertNoKey(ran.stdout, s.hub.privateKey, "mallory's configuration");
  // With the acl provider alone, the file the ACL names is not read: the configuration names
  // it (a file on the host) instead of holding its key.
  const named = writeAcl(
    dir,
    s.acl({
      subnet: { presharedKeyFile: join(s.other, "net.psk") },
      mallory: { privateKeyFile: join(s.keys, "mallory.key") },
    }),
    "named.json",
  );
  const aclOnly = await inline(named, "--keys-dir", s.keys, "--key-provider", "acl");
  assert.equal(aclOnly.code, 0, aclOnly.stderr);
  assert.ok(aclOnly.stdout.includes(`PrivateKey = ${s.mallory.privateKey}\n`));
  assert.match(aclOnly.stdout, new RegExp(`preshared-key '${join(s.other, "net.psk")}'`));
  assertNoKey(aclOnly.stdout, s.otherPsk, "mallory's configuration");
});

test("the subnet's own preshared key in the keys directory is inlined", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const file = writeAcl(dir, s.acl({ subnet: { presharedKeyFile: join(s.keys, "lan.psk") } }));
  const ran = await inline(file, "--keys-dir", s.keys, "--key-provider", "acl");
  assert.equal(ran.code, 1, "mallory's ACL privateKeyFile is no file of the keys directory");
  const fixed = writeAcl(
    dir,
    s.acl({
      subnet: { presharedKeyFile: join(s.keys, "lan.psk") },
      mallory: { privateKeyFile: join(s.keys, "mallory.key") },
    }),
    "fixed.json",
  );
  const ok = await inline(fixed, "--keys-dir", s.keys, "--key-provider", "acl");
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.includes(`PrivateKey = ${s.mallory.privateKey}\n`));
  assert.ok(ok.stdout.includes(`PresharedKey = ${s.lanPsk}\n`));
});

test("a private key that is not the peer's is refused when inlined, naming both places", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  // keys/mallory.key holds alice's key (a copy gone wrong, or a swapped file).
  writeFileSync(join(s.keys, "mallory.key"), `${s.alice.privateKey}\n`);
  const file = writeAcl(dir, s.acl());
  const ran = await inline(file, "--keys-dir", s.keys);
  assert.equal(ran.code, 1);
  assert.equal(ran.stdout, "");
  assert.match(
    ran.stderr,
    new RegExp(
      `peers\\[1\\]\\.publicKey: the private key from ${join(s.keys, "mallory.key")} is not peer "mallory"'s: its public key differs from peers\\[1\\]\\.publicKey in the ACL`,
    ),
  );
  for (const secret of s.secrets) assertNoKey(ran.stderr, secret, "the error");
  // The ACL's own privateKey is held to the same rule.
  const pasted = writeAcl(
    dir,
    s.acl({ mallory: { privateKey: s.alice.privateKey } }),
    "pasted.json",
  );
  const fromAcl = await inline(pasted);
  assert.equal(fromAcl.code, 1);
  assert.match(
    fromAcl.stderr,
    /the private key from peers\[1\]\.privateKey in the ACL is not peer "mallory"'s/,
  );
  for (const secret of s.secrets) assertNoKey(fromAcl.stderr, secret, "the error");
});

test("qr refuses a --private-key-file or keys directory key that is not the peer's", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const file = writeAcl(dir, s.acl());
  const png = join(dir, "mallory.png");
  const wrong = await wirenixInProcess([
    ...["qr", file, "mallory", "--png", png],
    ...["--private-key-file", join(s.keys, "alice.key")],
  ]);
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stderr,
    new RegExp(`the private key from ${join(s.keys, "alice.key")} is not peer "mallory"'s`),
  );
  assert.ok(!existsSync(png), "no code is written");
  for (const secret of s.secrets) assertNoKey(wrong.stderr, secret, "the error");
  writeFileSync(join(s.keys, "mallory.key"), `${s.alice.privateKey}\n`);
  const swapped = await wirenixInProcess([
    "qr",
    file,
    "mallory",
    "--png",
    png,
    "--keys-dir",
    s.keys,
  ]);
  assert.equal(swapped.code, 1);
  assert.match(
    swapped.stderr,
    /is not peer "mallory"'s: its public key differs from peers\[1\]\.publicKey/,
  );
  assert.ok(!existsSync(png));
  const right = await wirenixInProcess([
    ...["qr", file, "alice", "--png", png, "--keys-dir", s.keys],
    ...["--private-key-file", join(s.keys, "alice.key")],
  ]);
  assert.equal(right.code, 0, right.stderr);
  assert.ok(existsSync(png));
});

test("keys generate and keys encrypt refuse a key that is not the ACL's peer's; --update-acl takes the directory's", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  // A change to the ACL gives alice a stranger's public key.
  const file = writeAcl(dir, s.acl({ alice: { publicKey: pair().publicKey } }));
  const generated = await wirenixInProcess(["keys", "generate", file, "--dir", s.keys]);
  assert.equal(generated.code, 1);
  assert.match(
    generated.stderr,
    new RegExp(
      `peers\\[0\\]\\.publicKey: the private key in ${join(s.keys, "alice.key")} is not peer "alice"'s: its public key differs from peers\\[0\\]\\.publicKey in the ACL`,
    ),
  );
  const recipients = join(dir, "admins.txt");
  execFileSync("age-keygen", ["-o", join(dir, "admin.key")], { stdio: "ignore" });
  writeFileSync(
    recipients,
    `${execFileSync("age-keygen", ["-y", join(dir, "admin.key")], { encoding: "utf8" })}`,
  );
  const encrypted = await wirenixInProcess([
    ...["keys", "encrypt", file, "--dir", s.keys, "--secrets-dir", join(dir, "secrets")],
    ...["--recipients", recipients],
  ]);
  assert.equal(encrypted.code, 1);
  assert.match(
    encrypted.stderr,
    new RegExp(`the private key in ${join(s.keys, "alice.key")} is not peer "alice"'s`),
  );
  assert.ok(!existsSync(join(dir, "secrets", "wirenix-peer-alice.age")));
  for (const secret of s.secrets)
    assertNoKey(generated.stderr + generated.stdout + encrypted.stderr, secret, "keys");
  const updated = await wirenixInProcess([
    ...["keys", "generate", file, "--dir", s.keys, "--update-acl"],
  ]);
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).peers[0].publicKey, s.alice.publicKey);
});

test("check --keys-dir reports an ACL public key that is not the keys directory's", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const good = writeAcl(dir, s.acl(), "good.json");
  const ok = await wirenixInProcess(["check", good, "--keys-dir", s.keys]);
  assert.equal(ok.code, 0, ok.stdout);
  const file = writeAcl(dir, s.acl({ alice: { publicKey: pair().publicKey } }));
  const ran = await wirenixInProcess(["check", file, "--keys-dir", s.keys]);
  assert.equal(ran.code, 1, ran.stdout);
  assert.match(
    ran.stdout,
    new RegExp(`error: .*peers\\[0\\]\\.publicKey: differs from ${join(s.keys, "alice.pub")}`),
  );
  // Without --keys-dir there is nothing to compare with.
  assert.equal((await wirenixInProcess(["check", file])).code, 0);
});
