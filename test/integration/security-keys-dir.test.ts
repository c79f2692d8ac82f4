/**
 * `keys` commands never touch what they did not make: a symbolic link given as `--dir` (or
 * `--secrets-dir`) is refused with nothing changed where it leads; an existing directory and
 * the files in it keep their modes (loose ones are named in a warning); only what wirenix
 * creates is made private, 0600 files in 0700 directories. The CLI runs as users run it.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ageRecipientsFile } from "../support/age.js";
import { fixtures, wirenixBin } from "../support/paths.js";
import { wirenix, withTempDir } from "../support/run.js";
import { treeSnapshot } from "../support/tree.js";

/** A public key as `wg pubkey` would print it, for a planted `.pub` in the shared directory. */
const SOME_PUB = "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=";

const mode = (path: string) => lstatSync(path).mode & 0o777;

/** The keys fixture (peers alpha, beta, laptop; subnet office with a preshared key). */
function aclIn(dir: string): string {
  const acl = join(dir, "net.yaml");
  copyFileSync(join(fixtures, "keys", "net.yaml"), acl);
  return acl;
}

/** A shared directory (think `~` or `/etc/ssh`) with files of its own, 0755 and 0644. */
function sharedDir(dir: string): string {
  const shared = join(dir, "shared");
  mkdirSync(shared, { mode: 0o755 });
  writeFileSync(join(shared, "id.pub"), `${SOME_PUB}\n`, { mode: 0o644 });
  writeFileSync(join(shared, "alpha.pub"), `${SOME_PUB}\n`, { mode: 0o644 });
  writeFileSync(join(shared, "config"), "Host *\n", { mode: 0o644 });
  return shared;
}

test("keys generate --dir kd/link (a link to a shared directory): refused, nothing changed", () =>
  withTempDir((dir) => {
    const acl = aclIn(dir);
    const shared = sharedDir(dir);
    mkdirSync(join(dir, "kd"), { mode: 0o755 });
    symlinkSync(shared, join(dir, "kd", "link"));
    const before = treeSnapshot(dir);
    const ran = wirenix(["keys", "generate", acl, "--dir", join(dir, "kd", "link")]);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(
      ran.stderr,
      /kd\/link is a symbolic link \(to \S+\/shared\); wirenix writes keys only into the directory itself, so nothing was changed/,
    );
    assert.deepEqual(treeSnapshot(dir), before, "the shared directory and its modes untouched");
  }));

test("keys encrypt with a linked --secrets-dir or --dir: refused, nothing changed", () =>
  withTempDir((dir) => {
    const acl = aclIn(dir);
    const keys = join(dir, "keys");
    assert.equal(wirenix(["keys", "generate", acl, "--dir", keys]).code, 0);
    const { recipients } = ageRecipientsFile(dir);
    const shared = sharedDir(dir);
    symlinkSync(shared, join(dir, "secrets"));
    symlinkSync(keys, join(dir, "keys-link"));
    const before = treeSnapshot(dir);
    for (const [dirFlag, secretsFlag] of [
      [keys, join(dir, "secrets")],
      [join(dir, "keys-link"), join(dir, "new-secrets")],
    ] as const) {
      const ran = wirenix([
        ...["keys", "encrypt", acl, "--dir", dirFlag, "--secrets-dir", secretsFlag],
        ...["--recipients", recipients],
      ]);
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(ran.stderr, /is a symbolic link .*nothing was changed/);
      assert.deepEqual(treeSnapshot(dir), before, `${dirFlag} ${secretsFlag}`);
    }
  }));

test("an existing keys directory and files wirenix did not write keep their modes; loose ones are named", () =>
  withTempDir((dir) => {
    const acl = aclIn(dir);
    const home = sharedDir(dir);
    // A key of the user's that others can read: named in a warning, left as it is.
    writeFileSync(join(home, "laptop.key"), "yG4mJiduoAvzhUJMslRbZwOp1gowSfC+wgY8B/Mul1M=\n", {
      mode: 0o644,
    });
    const ran = wirenix(["keys", "generate", acl, "--dir", home, "--peer", "beta"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(mode(home), 0o755, "the directory's mode is its owner's");
    for (const name of ["id.pub", "alpha.pub", "config", "laptop.key"])
      assert.equal(mode(join(home, name)), 0o644, name);
    assert.match(ran.stderr, /others can enter it \(mode 755\).*chmod 700/);
    assert.match(ran.stderr, /others can read these key files: .*laptop\.key \(mode 644\)/);
    // What this run wrote is private.
    for (const name of ["beta.key", "beta.pub", "office.psk"])
      assert.equal(mode(join(home, name)), 0o600, name);
  }));

test("directories keys commands create are 0700 with 0600 files, even under umask 000", () =>
  withTempDir((dir) => {
    const acl = aclIn(dir);
    const keys = join(dir, "new", "keys");
    const secrets = join(dir, "new", "secrets");
    const { recipients } = ageRecipientsFile(dir);
    const run = (argv: string[]) =>
      spawnSync("sh", ["-c", 'umask 000 && "$@"', "sh", process.execPath, wirenixBin, ...argv], {
        encoding: "utf8",
      });
    const made = run(["keys", "generate", acl, "--dir", keys]);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(made.stderr.includes("warning"), false, made.stderr);
    const sealed = run(
      ["keys", "encrypt", acl, "--dir", keys, "--secrets-dir", secrets, "--recipients"].concat(
        recipients,
      ),
    );
    assert.equal(sealed.status, 0, sealed.stderr);
    for (const d of [keys, secrets]) {
      assert.equal(mode(d), 0o700, d);
      for (const name of readdirSync(d)) assert.equal(mode(join(d, name)), 0o600, name);
    }
  }));
