/**
 * `wirenix keys generate`: keys as the real `wg` makes and reads them, file modes, never
 * overwriting, rotation with backups, public keys written back into every ACL format, and the
 * `dir` key provider reading them.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { loadAcl } from "../../src/acl/load.js";
import { parseAcl } from "../../src/acl/parse.js";
import { createRegistry } from "../../src/app/registry.js";
import { generateKeyPair, generatePresharedKey } from "../../src/keys/generate.js";
import { generateKeys } from "../../src/keys/generate-dir.js";
import { createSecretFile, FileExistsError } from "../../src/keys/key-dir.js";
import { derivePublicKey } from "../../src/network/curve25519.js";
import { fixtures, wirenixBin } from "../support/paths.js";
import { tempDir, wirenix, wirenixInProcess } from "../support/run.js";

const wg = (args: string[], input?: string) =>
  execFileSync("wg", args, { encoding: "utf8", ...(input === undefined ? {} : { input }) }).trim();

const mode = (path: string) => statSync(path).mode & 0o777;
const read = (path: string) => readFileSync(path, "utf8");

/** A copy of the test network in `dir`, in the given format. */
function aclCopy(dir: string, ext: "yaml" | "json" | "toml" | "nix"): string {
  const file = join(dir, `net.${ext}`);
  copyFileSync(join(fixtures, "keys", `net.${ext}`), file);
  return file;
}

/** `keys generate ACL --dir KEYS FLAGS` in this process. */
const keysGenerate = (acl: string, keys: string, ...flags: string[]) =>
  wirenixInProcess(["keys", "generate", acl, "--dir", keys, ...flags]);

/**
 * A temporary copy of the keys fixture ACL (removed after the test) whose keys `keys generate`
 * (with `args`) has made in `keys`.
 */
async function withKeys(
  t: TestContext,
  ext: "yaml" | "json" | "toml" | "nix",
  args: readonly string[] = [],
): Promise<{ dir: string; acl: string; keys: string }> {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, ext);
  const keys = join(dir, "keys");
  const run = await keysGenerate(acl, keys, ...args);
  assert.equal(run.code, 0, run.stderr);
  return { dir, acl, keys };
}

test("our public key is wg pubkey of our private key", () => {
  for (let i = 0; i < 25; i++) {
    const pair = generateKeyPair();
    assert.equal(wg(["pubkey"], `${pair.privateKey}\n`), pair.publicKey);
  }
});

test("for a private key from wg genkey, our public key is wg pubkey's", () => {
  for (let i = 0; i < 25; i++) {
    const privateKey = wg(["genkey"]);
    assert.equal(derivePublicKey(privateKey), wg(["pubkey"], `${privateKey}\n`));
  }
});

test("our private keys are clamped like wg genkey's, and wg reads our preshared keys", () => {
  for (let i = 0; i < 25; i++) {
    const raw = Buffer.from(generateKeyPair().privateKey, "base64");
    assert.equal(raw.length, 32);
    assert.equal((raw[0] as number) & 7, 0);
    assert.equal((raw[31] as number) & 0xc0, 0x40);
    // wg accepts anything that decodes to a 32-byte key and rejects the rest.
    const psk = generatePresharedKey();
    assert.match(wg(["pubkey"], `${psk}\n`), /^[A-Za-z0-9+/]{43}=$/);
  }
  assert.throws(() => wg(["pubkey"], "not a key\n"));
});

test("keys generate: a pair per peer, a preshared key per subnet that asks, 0600 files in a 0700 dir", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, "yaml");
  const keys = join(dir, "keys");
  const run = await keysGenerate(acl, keys);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(readdirSync(keys).sort(), [
    "alpha.key",
    "alpha.pub",
    "beta.key",
    "beta.pub",
    "laptop.key",
    "laptop.pub",
    "office.psk",
  ]);
  assert.equal(mode(keys), 0o700);
  for (const f of readdirSync(keys)) assert.equal(mode(join(keys, f)), 0o600, f);
  for (const peer of ["alpha", "beta", "laptop"])
    assert.equal(
      read(join(keys, `${peer}.pub`)).trim(),
      wg(["pubkey"], read(join(keys, `${peer}.key`))),
    );
  assert.match(run.stdout, /created\s+peer alpha/);
  assert.match(run.stdout, /created\s+subnet office/);
});

test("keys generate: modes stay exact under a permissive umask; an open dir is named, not changed", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, "yaml");
  const keys = join(dir, "keys");
  execFileSync("sh", ["-c", `umask 000 && mkdir -m 755 "${keys}"`]);
  const run = spawnWithUmask(["keys", "generate", acl, "--dir", keys]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /others can enter it \(mode 755\).*chmod 700/);
  assert.equal(mode(keys), 0o755, "a directory wirenix did not create keeps its mode");
  for (const f of readdirSync(keys)) assert.equal(mode(join(keys, f)), 0o600, f);
});

/** The real bin under umask 000, so only wirenix's own modes protect the files. */
function spawnWithUmask(argv: string[]) {
  const r = spawnSync(
    "sh",
    ["-c", 'umask 000 && "$@"', "sh", process.execPath, wirenixBin, ...argv],
    {
      encoding: "utf8",
    },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("keys generate never replaces a key: a second run keeps every file byte for byte", async (t) => {
  const { acl, keys } = await withKeys(t, "yaml");
  const before = new Map(readdirSync(keys).map((f) => [f, read(join(keys, f))]));
  const again = await keysGenerate(acl, keys);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /kept\s+peer alpha/);
  for (const [f, text] of before) assert.equal(read(join(keys, f)), text, f);
  assert.equal(readdirSync(keys).length, before.size);
});

test("keys generate refuses a key file that holds something else, and changes nothing", async (t) => {
  const { acl, keys } = await withKeys(t, "yaml", ["--peer", "alpha"]);
  writeFileSync(join(keys, "beta.key"), "my notes, not a key\n", { mode: 0o600 });
  const run = await keysGenerate(acl, keys);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /net\.yaml: peers\[1\]: .*beta\.key exists but does not hold a WireGuard key/,
  );
  assert.equal(read(join(keys, "beta.key")), "my notes, not a key\n");
  assert.ok(!existsSync(join(keys, "laptop.key")), "nothing is generated when one peer fails");
});

test("keys generate refuses a .pub that does not match its private key", async (t) => {
  const { acl, keys } = await withKeys(t, "yaml");
  const other = wg(["pubkey"], wg(["genkey"]));
  writeFileSync(join(keys, "laptop.pub"), `${other}\n`);
  const run = await keysGenerate(acl, keys);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /laptop\.pub is not the public key of .*laptop\.key/);
  assert.equal(read(join(keys, "laptop.pub")), `${other}\n`);
});

test("creating a key file where one appeared meanwhile fails and keeps the existing file", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = join(dir, "x.key");
  writeFileSync(file, "existing\n");
  assert.throws(() => createSecretFile(file, "new\n"), FileExistsError);
  assert.equal(read(file), "existing\n");
  assert.deepEqual(readdirSync(dir), ["x.key"], "no temporary file is left behind");
});

test("--rotate replaces one peer's pair and keeps the old files as 0600 backups", async (t) => {
  const { acl, keys } = await withKeys(t, "yaml");
  const oldKey = read(join(keys, "beta.key"));
  const oldPub = read(join(keys, "beta.pub"));
  const alphaKey = read(join(keys, "alpha.key"));
  const run = await keysGenerate(acl, keys, "--rotate", "beta");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /rotated\s+peer beta/);
  const newKey = read(join(keys, "beta.key"));
  assert.notEqual(newKey, oldKey);
  assert.equal(read(join(keys, "beta.pub")).trim(), wg(["pubkey"], newKey));
  assert.equal(read(join(keys, "alpha.key")), alphaKey);
  const backups = readdirSync(keys)
    .filter((f) => f.endsWith(".bak"))
    .sort();
  assert.equal(backups.length, 2);
  const [keyBackup, pubBackup] = backups as [string, string];
  assert.match(keyBackup, /^beta\.key\.\d{8}T\d{6}Z\.bak$/);
  assert.equal(read(join(keys, keyBackup)), oldKey);
  assert.equal(read(join(keys, pubBackup)), oldPub);
  for (const f of readdirSync(keys)) assert.equal(mode(join(keys, f)), 0o600, f);
  // A second rotation in the same second keeps both backups.
  assert.equal((await keysGenerate(acl, keys, "--rotate", "beta")).code, 0);
  assert.equal(readdirSync(keys).filter((f) => f.startsWith("beta.key.")).length, 2);
  assert.ok(
    readdirSync(keys).some((f) => f.startsWith("beta.key.") && read(join(keys, f)) === newKey),
  );
});

test("--rotate of an unknown peer is a usage error", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, "yaml");
  const run = await wirenixInProcess([
    "keys",
    "generate",
    acl,
    "--dir",
    join(dir, "k"),
    "--rotate",
    "gamma",
  ]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /cannot rotate the keys of "gamma": no such peer in the ACL \(--rotate NAME\)/,
  );
  assert.ok(!existsSync(join(dir, "k")));
});

test("generateKeys names a peer the ACL lacks, blames no ACL entry, and writes nothing", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const loaded = loadAcl(join(fixtures, "keys", "net.yaml"));
  if (!loaded.ok) assert.fail("fixture does not load");
  const network = parseAcl(loaded.value.data, createRegistry());
  if (!network.ok) assert.fail("fixture does not parse");
  const keys = join(dir, "keys");
  const made = await generateKeys(network.value, keys, { peers: ["beta", "nobody"] });
  assert.equal(made.ok, false);
  if (made.ok) return;
  assert.deepEqual(
    made.diagnostics.map((d) => [d.code, d.path, d.message]),
    [["unknown-peer", [], 'no peer named "nobody" in the ACL']],
  );
  assert.ok(!existsSync(keys), "no keys directory is made");
});

test("a peer whose public key is already in the ACL is skipped unless rotated", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, "json");
  const data = JSON.parse(read(acl));
  const laptop = wg(["pubkey"], wg(["genkey"]));
  data.peers[2].publicKey = laptop;
  writeFileSync(acl, JSON.stringify(data, null, 2));
  const keys = join(dir, "keys");
  const run = await keysGenerate(acl, keys);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /skipped\s+peer laptop: the ACL already has its publicKey/);
  assert.ok(!existsSync(join(keys, "laptop.key")));
  const rotated = await keysGenerate(acl, keys, "--rotate", "laptop");
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.ok(existsSync(join(keys, "laptop.key")));
  assert.match(
    rotated.stderr,
    /peers\[2\]\.publicKey: differs from .*laptop\.pub; write the keys directory's public keys into the ACL, or have the keys directory asked first when generating \(keys generate --update-acl, or generate --keys-dir DIR\)/,
  );
});

/** A copy of the keys fixture ACL after `keys generate --update-acl` succeeded on it. */
async function updatedAcl(t: TestContext, ext: "yaml" | "json" | "toml") {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, ext);
  const original = read(acl);
  const keys = join(dir, "keys");
  const run = await keysGenerate(acl, keys, "--update-acl");
  assert.equal(run.code, 0, run.stderr);
  const pub = (p: string) => read(join(keys, `${p}.pub`)).trim();
  return { acl, original, keys, run, text: read(acl), pub };
}

test("--update-acl on YAML changes only the key lines; comments and layout stay", async (t) => {
  const { acl, original, keys, text, pub } = await updatedAcl(t, "yaml");
  for (const comment of original.split("\n").filter((l) => l.includes("#")))
    assert.ok(text.includes(comment.trim().slice(comment.trim().indexOf("#"))), comment);
  const data = parseYaml(text);
  assert.deepEqual(
    data.peers.map((p: { publicKey: string }) => p.publicKey),
    ["alpha", "beta", "laptop"].map(pub),
  );
  // Rotating changes exactly one line of the file: the rotated key.
  const oldBeta = pub("beta");
  assert.equal((await keysGenerate(acl, keys, "--rotate", "beta", "--update-acl")).code, 0);
  assert.equal(read(acl), text.replace(oldBeta, pub("beta")));
  assert.notEqual(oldBeta, pub("beta"));
});

test("--update-acl on JSON keeps the file's indentation", async (t) => {
  const { original, text, pub } = await updatedAcl(t, "json");
  assert.match(original, /\n\t"subnets"/);
  assert.match(text, /\n\t"subnets"/);
  assert.match(text, /\n\t\t\t"publicKey": "/);
  const expected = JSON.parse(read(join(fixtures, "keys", "net.json")));
  for (const [i, p] of ["alpha", "beta", "laptop"].entries()) expected.peers[i].publicKey = pub(p);
  assert.equal(text, `${JSON.stringify(expected, null, "\t")}\n`);
});

test("--update-acl on TOML adds only the key lines; comments and layout stay", async (t) => {
  const { original, run, text, pub } = await updatedAcl(t, "toml");
  assert.equal(run.stderr, "");
  const data = parseToml(text) as { peers: { publicKey: string }[] };
  const before = parseToml(original) as { peers: object[] };
  assert.deepEqual(
    data.peers.map((p) => p.publicKey),
    ["alpha", "beta", "laptop"].map(pub),
  );
  for (const p of data.peers) delete (p as { publicKey?: string }).publicKey;
  assert.deepEqual(data, before, "nothing else in the ACL changed");
  // Line by line: the old text is the new one without its publicKey lines.
  assert.deepEqual(
    text.split("\n").filter((l) => !l.startsWith("publicKey = ")),
    original.split("\n").filter((l) => !l.startsWith("publicKey = ")),
  );
});

test("--update-acl refuses a .nix ACL before generating anything", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = aclCopy(dir, "nix");
  const original = read(acl);
  const run = wirenix(["keys", "generate", acl, "--dir", join(dir, "keys"), "--update-acl"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /cannot edit .*net\.nix: a \.nix ACL is a program/);
  assert.equal(read(acl), original);
  assert.ok(!existsSync(join(dir, "keys")));
});

/** `generate` with the keys from the dir key provider reading `keys`. */
const generateFromDir = (acl: string, keys: string, ...flags: string[]) =>
  wirenixInProcess(["generate", acl, "--key-provider", "dir", "--keys-dir", keys, ...flags]);

test("the dir key provider gives generate the keys from the keys directory", async (t) => {
  const { acl, keys } = await withKeys(t, "nix");
  const run = await generateFromDir(acl, keys, "--format", "json");
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  const office = out.alpha.networking.wireguard.interfaces.office;
  assert.equal(office.privateKeyFile, join(keys, "alpha.key"));
  const beta = office.peers.find((p: { name: string }) => p.name === "beta");
  assert.equal(beta.publicKey, wg(["pubkey"], read(join(keys, "beta.key"))));
  assert.equal(beta.presharedKeyFile, join(keys, "office.psk"));
  const backup = out.alpha.networking.wireguard.interfaces.backup;
  assert.equal(backup.peers[0].presharedKeyFile, undefined, "backup asks for no preshared key");
});

test("the dir key provider names the missing file", async (t) => {
  const { acl, keys } = await withKeys(t, "yaml", ["--peer", "alpha"]);
  const run = await generateFromDir(acl, keys, "--peer", "alpha");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no public key for peer "beta".*dir: .*beta\.pub does not exist/);
  const noDir = await wirenixInProcess(["generate", acl, "--key-provider", "dir"]);
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /the dir key provider needs a keys directory \(--keys-dir\)/);
});
