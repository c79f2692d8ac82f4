/**
 * `wirenix keys encrypt` and the agenix / sops-nix key providers: age files that the real
 * `age -d -i IDENTITY` decrypts to the key files, per-host recipients from the ACL, and the
 * secrets generate declares for them.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseDocument } from "yaml";
import { ageIdentity } from "../support/age.js";
import { fixtures } from "../support/paths.js";
import { generatedPeer, tempDir, wirenixInProcess } from "../support/run.js";

const read = (path: string) => readFileSync(path, "utf8");

/** `age -d -i IDENTITY FILE` with the real age; undefined when it cannot decrypt. */
function ageDecrypt(identityFile: string, file: string): string | undefined {
  const r = spawnSync("age", ["-d", "-i", identityFile, file], { encoding: "utf8" });
  return r.status === 0 ? r.stdout : undefined;
}

interface Setup {
  dir: string;
  acl: string;
  keys: string;
  secrets: string;
}

/** The test network with keys generated, hosts' recipients set in the YAML. */
async function setup(dir: string, hostRecipients: Record<string, string>): Promise<Setup> {
  const acl = join(dir, "net.yaml");
  copyFileSync(join(fixtures, "keys", "net.yaml"), acl);
  const doc = parseDocument(read(acl));
  ["alpha", "beta", "laptop"].forEach((name, i) => {
    const r = hostRecipients[name];
    if (r !== undefined) doc.setIn(["peers", i, "extraArgs", "ageRecipients"], [r]);
  });
  writeFileSync(acl, doc.toString());
  const keys = join(dir, "keys");
  const made = await wirenixInProcess(["keys", "generate", acl, "--dir", keys]);
  assert.equal(made.code, 0, made.stderr);
  return { dir, acl, keys, secrets: join(dir, "secrets") };
}

/** Every peer's key encrypted for one "admin" identity only, as the tests below start. */
async function encryptedForAdmin(dir: string) {
  const admin = ageIdentity(dir, "admin");
  const s = await setup(dir, {
    alpha: admin.recipient,
    beta: admin.recipient,
    laptop: admin.recipient,
  });
  assert.equal((await encrypt(s)).code, 0);
  return { admin, s };
}

/** `wirenix keys encrypt` of the set-up network into its secrets directory. */
function encrypt(s: Setup, ...flags: string[]) {
  return wirenixInProcess([
    "keys",
    "encrypt",
    s.acl,
    "--dir",
    s.keys,
    "--secrets-dir",
    s.secrets,
    ...flags,
  ]);
}

test("age files from keys encrypt decrypt with the real age to the exact key files", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const admin = ageIdentity(dir, "admin");
  const s = await setup(dir, {});
  const recipients = join(dir, "recipients.txt");
  writeFileSync(recipients, `# the admin's key\n\n${admin.recipient}\n`);
  const run = await encrypt(s, "--recipients", recipients);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(readdirSync(s.secrets).sort(), [
    "wirenix-peer-alpha.age",
    "wirenix-peer-alpha.pub",
    "wirenix-peer-beta.age",
    "wirenix-peer-beta.pub",
    "wirenix-peer-laptop.age",
    "wirenix-peer-laptop.pub",
    "wirenix-subnet-office.age",
  ]);
  assert.equal(statSync(s.secrets).mode & 0o777, 0o700);
  for (const peer of ["alpha", "beta", "laptop"]) {
    assert.equal(
      ageDecrypt(admin.file, join(s.secrets, `wirenix-peer-${peer}.age`)),
      read(join(s.keys, `${peer}.key`)),
    );
    assert.equal(
      read(join(s.secrets, `wirenix-peer-${peer}.pub`)),
      read(join(s.keys, `${peer}.pub`)),
    );
  }
  assert.equal(
    ageDecrypt(admin.file, join(s.secrets, "wirenix-subnet-office.age")),
    read(join(s.keys, "office.psk")),
  );
  const stranger = ageIdentity(dir, "stranger");
  assert.equal(ageDecrypt(stranger.file, join(s.secrets, "wirenix-peer-alpha.age")), undefined);
});

test("per-host recipients from extraArgs: each host decrypts its own key and its subnets' keys only", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const hosts = {
    alpha: ageIdentity(dir, "alpha"),
    beta: ageIdentity(dir, "beta"),
    laptop: ageIdentity(dir, "laptop"),
  };
  const s = await setup(dir, {
    alpha: hosts.alpha.recipient,
    beta: hosts.beta.recipient,
    laptop: hosts.laptop.recipient,
  });
  const run = await encrypt(s);
  assert.equal(run.code, 0, run.stderr);
  for (const [host, id] of Object.entries(hosts)) {
    for (const peer of Object.keys(hosts)) {
      const plain = ageDecrypt(id.file, join(s.secrets, `wirenix-peer-${peer}.age`));
      if (peer === host) assert.equal(plain, read(join(s.keys, `${peer}.key`)));
      else assert.equal(plain, undefined, `${host} must not read ${peer}'s key`);
    }
    assert.equal(
      ageDecrypt(id.file, join(s.secrets, "wirenix-subnet-office.age")),
      read(join(s.keys, "office.psk")),
    );
  }
});

test("keys encrypt keeps up-to-date files, re-encrypts after a rotation and keeps a backup", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const { admin, s } = await encryptedForAdmin(dir);
  const first = read(join(s.secrets, "wirenix-peer-beta.age"));
  const again = await encrypt(s);
  assert.match(again.stdout, /kept\s+peer beta: .*up to date/);
  assert.equal(read(join(s.secrets, "wirenix-peer-beta.age")), first);
  assert.equal(
    (await wirenixInProcess(["keys", "generate", s.acl, "--dir", s.keys, "--rotate", "beta"])).code,
    0,
  );
  const third = await encrypt(s);
  assert.equal(third.code, 0, third.stderr);
  assert.match(
    third.stdout,
    /re-encrypted peer beta: .*old file kept as .*wirenix-peer-beta\.age\.\d{8}T\d{6}Z\.bak/,
  );
  assert.match(third.stdout, /kept\s+peer alpha/);
  assert.equal(
    ageDecrypt(admin.file, join(s.secrets, "wirenix-peer-beta.age")),
    read(join(s.keys, "beta.key")),
  );
  assert.equal(read(join(s.secrets, "wirenix-peer-beta.pub")), read(join(s.keys, "beta.pub")));
  const backup = readdirSync(s.secrets).find(
    (f) => f.startsWith("wirenix-peer-beta.age.") && f.endsWith(".bak"),
  );
  assert.ok(backup);
  assert.equal(read(join(s.secrets, backup)), first);
});

test("keys encrypt refuses SSH and malformed recipients and a peer without any recipient", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = await setup(dir, {});
  const recipients = join(dir, "recipients.txt");
  writeFileSync(
    recipients,
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\nage1nonsense\n",
  );
  const bad = await encrypt(s, "--recipients", recipients);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /recipients\.txt: SSH recipients are not supported .*ssh-to-age.*\(line 1, column 1\)/,
  );
  assert.match(bad.stderr, /recipients\.txt: not an age recipient.*\(line 2, column 1\)/);
  const none = await encrypt(s);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /net\.yaml: peers\[0\]\.extraArgs\.ageRecipients: no age recipient for peer "alpha"/,
  );
  assert.throws(() => statSync(s.secrets), "nothing written on failure");
});

test("the agenix key provider declares age.secrets.<name>.file and reads the .pub files", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const { s } = await encryptedForAdmin(dir);
  const alpha = await generatedPeer("alpha", [
    s.acl,
    "--key-provider",
    "agenix",
    "--secrets-dir",
    s.secrets,
    "--configurer",
    "networkd",
  ]);
  assert.deepEqual(alpha.age.secrets, {
    "wirenix-peer-alpha": {
      file: join(s.secrets, "wirenix-peer-alpha.age"),
      group: "systemd-network",
      mode: "640",
      owner: "root",
    },
    "wirenix-subnet-office": {
      file: join(s.secrets, "wirenix-subnet-office.age"),
      group: "systemd-network",
      mode: "640",
      owner: "root",
    },
  });
  const netdev = alpha.systemd.network.netdevs["50-office"];
  assert.equal(netdev.wireguardConfig.PrivateKeyFile, "/run/agenix/wirenix-peer-alpha");
  const beta = netdev.wireguardPeers.find(
    (p: { PublicKey: string }) => p.PublicKey === read(join(s.keys, "beta.pub")).trim(),
  );
  assert.ok(beta, "beta's public key comes from wirenix-peer-beta.pub");
  assert.equal(beta.PresharedKeyFile, "/run/agenix/wirenix-subnet-office");
});

test("the sops-nix key provider declares sops.secrets, one file per secret under --secrets-dir", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = await setup(dir, {});
  const laptop = await generatedPeer("laptop", [
    s.acl,
    "--key-provider",
    "sops-nix",
    "--key-provider",
    "dir",
    "--keys-dir",
    s.keys,
    "--secrets-dir",
    "secrets",
  ]);
  assert.deepEqual(laptop.sops.secrets, {
    "wirenix-peer-laptop": {
      group: "root",
      key: "wirenix-peer-laptop",
      mode: "0640",
      owner: "root",
      sopsFile: "secrets/wirenix-peer-laptop.yaml",
    },
    "wirenix-subnet-office": {
      group: "root",
      key: "wirenix-subnet-office",
      mode: "0640",
      owner: "root",
      sopsFile: "secrets/wirenix-subnet-office.yaml",
    },
  });
  const office = laptop.networking.wireguard.interfaces.office;
  assert.equal(office.privateKeyFile, "/run/secrets/wirenix-peer-laptop");
  assert.equal(office.peers[0].presharedKeyFile, "/run/secrets/wirenix-subnet-office");
  assert.equal(
    office.peers[0].publicKey,
    read(join(s.keys, "alpha.pub")).trim(),
    "public keys from the dir provider after it",
  );
});
