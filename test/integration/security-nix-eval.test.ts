/**
 * Issue 23, item 4: a `.nix` ACL is evaluated by the real nix-instantiate in restricted mode.
 * It reads files under its own directory and the `--nix-path` entries the user names, nothing
 * else (not NIX_PATH, not a symlink out of its directory, not the environment), fetches
 * nothing, and a denied read is an error that names the path, never what the file holds.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { KEYS } from "../support/acl.js";
import { nixpkgsLib } from "../support/nixpkgs.js";
import { type Ran, tempDir, wirenix } from "../support/run.js";

/** The nixpkgs the environment names (NIX_PATH), as a directory. */
const NIXPKGS = dirname(nixpkgsLib());
const SECRET = "the-admins-secret-9f3c1e";

/** An ACL whose one peer's name is `name` (a Nix expression). */
const aclWithName = (name: string) => `{
  version = "v1";
  subnets = [ { name = "lan"; endpoints = [ { port = 51820; } ]; } ];
  groups = [ ];
  peers = [ {
    name = ${name};
    subnets.lan = { listenPort = 51820; ipAddresses = [ "10.0.0.1" ]; };
    publicKey = "${KEYS.a}";
    privateKeyFile = "/run/keys/a.key";
  } ];
  connections = [ ];
}
`;

/** A directory with the ACL's directory `acl/` and the admin's secret outside it. */
function setup(dir: string) {
  const aclDir = join(dir, "acl");
  const outside = join(dir, "outside");
  mkdirSync(aclDir);
  mkdirSync(outside);
  const secret = join(outside, "secret.txt");
  writeFileSync(secret, SECRET);
  writeFileSync(join(outside, "part.nix"), `"${SECRET}"`);
  const write = (name: string, text: string) => {
    const file = join(aclDir, name);
    writeFileSync(file, text);
    return file;
  };
  return { aclDir, outside, secret, write };
}

function run(args: string[], extraEnv: Record<string, string> = {}): Ran {
  return wirenix(args, { env: { ...process.env, NIX_PATH: `nixpkgs=${NIXPKGS}`, ...extraEnv } });
}

function assertDenied(ran: Ran, file: string, denied: RegExp): void {
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  const all = ran.stdout + ran.stderr;
  assert.ok(all.includes(file), all);
  assert.match(all, denied);
  assert.ok(!all.includes(SECRET), `the secret is shown: ${all}`);
}

test("reading a file outside the ACL's directory is denied without showing it", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const cases: [string, string][] = [
    ["read-file.nix", `builtins.readFile ${s.secret}`],
    ["read-relative.nix", "builtins.readFile ../outside/secret.txt"],
    ["import.nix", `import ${join(s.outside, "part.nix")}`],
    ["read-dir.nix", `builtins.toJSON (builtins.readDir ${s.outside})`],
    ["etc-shadow.nix", "builtins.readFile /etc/shadow"],
  ];
  for (const [name, expression] of cases) {
    const file = s.write(name, aclWithName(expression));
    for (const command of ["check", "generate", "inspect"])
      assertDenied(
        run([command, file]),
        file,
        /cannot evaluate the Nix ACL: access to (absolute|canonical) path '.*' is forbidden in restricted mode .*it may read files under its own directory/,
      );
  }
});

test("a symlink inside the ACL's directory to a file outside is denied", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  symlinkSync(s.secret, join(s.aclDir, "link.txt"));
  const file = s.write("link.nix", aclWithName("builtins.readFile ./link.txt"));
  assertDenied(run(["check", file]), file, /access to canonical path '.*secret\.txt' is forbidden/);
});

test("fetchers fetch nothing", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  for (const [name, expression] of [
    ["fetchurl.nix", 'builtins.fetchurl "http://127.0.0.1:9/x"'],
    ["fetch-tarball.nix", 'builtins.fetchTarball "https://127.0.0.1:9/x.tar.gz"'],
    ["fetch-git.nix", `(builtins.fetchGit ${s.outside}).outPath`],
    ["fetch-git-url.nix", '(builtins.fetchGit "https://127.0.0.1:9/repo.git").outPath'],
  ] as const) {
    const file = s.write(name, aclWithName(expression));
    assertDenied(run(["check", file]), file, /is forbidden in restricted mode/);
  }
});

test("the environment is not readable: builtins.getEnv gives an empty string", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const file = s.write("env.nix", aclWithName('builtins.getEnv "WIRENIX_TEST_SECRET"'));
  const ran = run(["check", file], { WIRENIX_TEST_SECRET: SECRET });
  assert.equal(ran.code, 1);
  assert.match(ran.stdout, /peers\[0\]\.name: expected a safe peer name/);
  assert.ok(!(ran.stdout + ran.stderr).includes(SECRET));
});

test("files under the ACL's directory are read and imported", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  mkdirSync(join(s.aclDir, "parts"));
  writeFileSync(join(s.aclDir, "parts", "name.txt"), "alpha\n");
  writeFileSync(
    join(s.aclDir, "parts", "name.nix"),
    'builtins.head (builtins.split "\\n" (builtins.readFile ./name.txt))',
  );
  const file = s.write("ok.nix", aclWithName("import ./parts/name.nix"));
  const ran = run(["inspect", file, "--format", "json"]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /"alpha": \{/);
});

test("<nixpkgs> is readable only when named with --nix-path", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const file = s.write("lib.nix", aclWithName('(import <nixpkgs/lib>).strings.toLower "ALPHA"'));
  const without = run(["check", file]);
  assert.equal(without.code, 1);
  assert.match(
    without.stdout,
    /file 'nixpkgs\/lib' was not found in the Nix search path \(name it in wirenix's Nix path: NAME=DIR, or NAME for its NIX_PATH entry\) \(--nix-path NAME\[=DIR\]\)/,
  );
  // NAME alone: NIX_PATH's entry; NAME=DIR: that directory.
  for (const flag of ["nixpkgs", `nixpkgs=${NIXPKGS}`]) {
    const ran = run(["inspect", file, "--format", "json", "--nix-path", flag]);
    assert.equal(ran.code, 0, `${flag}: ${ran.stderr}`);
    assert.match(ran.stdout, /"alpha": \{/);
  }
  // A named entry makes only itself readable.
  const other = s.write(
    "both.nix",
    aclWithName(`builtins.seq (import <nixpkgs/lib>) (builtins.readFile ${s.secret})`),
  );
  assertDenied(
    run(["check", other, "--nix-path", "nixpkgs"]),
    other,
    /forbidden in restricted mode/,
  );
});

test("every command that reads an ACL takes --nix-path; bad values are usage errors", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const s = setup(dir);
  const file = s.write("lib.nix", aclWithName('(import <nixpkgs/lib>).id "alpha"'));
  const commands = [
    ["check", file],
    ["inspect", file],
    ["generate", file],
    ["graph", file, "--format", "dot"],
    ["explain", file, "alpha", "alpha"],
    ["keys", "generate", file, "--dir", join(dir, "keys")],
  ];
  for (const argv of commands) {
    const ran = run([...argv, "--nix-path", "nixpkgs"]);
    assert.doesNotMatch(
      ran.stderr + ran.stdout,
      /not found in the Nix search path|unknown option/,
      argv.join(" "),
    );
  }
  for (const bad of [
    "nope",
    "nixpkgs=/does/not/exist",
    "nixpkgs=https://example.org/x.tar.gz",
    "a b=/tmp",
    "wirenix-acl-dir=/",
  ]) {
    const ran = run(["check", file, "--nix-path", bad]);
    assert.equal(ran.code, 2, `${bad}: ${ran.stderr}`);
    assert.match(ran.stderr, /--nix-path/);
  }
});
