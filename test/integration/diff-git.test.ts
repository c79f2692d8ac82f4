/**
 * `wirenix diff ACL --base REF` and `wirenix report --base REF` through the real binary, on a
 * git repository made in the test: the ACL in a subdirectory, changed in a second commit, read
 * at HEAD~1 by git from another working directory. Expected values by hand.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { meshAcl } from "../support/acl.js";
import { repoRoot, wirenixBin } from "../support/paths.js";
import { withTempDir } from "../support/run.js";

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], {
    cwd,
    stdio: "ignore",
  });
}

function run(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [wirenixBin, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("diff --base HEAD~1: the committed change, from another directory; exit 1, then 0", async () => {
  await withTempDir((dir) => {
    const repo = join(dir, "repo");
    mkdirSync(join(repo, "net"), { recursive: true });
    git(repo, "init", "-q");
    const file = join(repo, "net", "acl.json");
    const acl = meshAcl() as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(acl, null, 2));
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "mesh");
    acl.rules = [{ from: [{ type: "peer", rule: "is", value: "a" }], to: [], allow: ["tcp/22"] }];
    writeFileSync(file, JSON.stringify(acl, null, 2));
    git(repo, "commit", "-q", "-am", "rules");
    // a -> b and a -> c keep tcp/22 only (4 pieces close each); the 4 other pairs close "*".
    // Relative to the working directory, which is not the repository's top.
    const cwd = join(repo, "net");
    const changed = run(cwd, ["diff", "acl.json", "--base", "HEAD~1", "--format", "markdown"]);
    assert.equal(changed.code, 1, changed.stderr);
    assert.equal(changed.stderr, "");
    const lines = changed.stdout.split("\n");
    assert.equal(lines[2], "**reachability: 12 closed; hosts: 3 changed**");
    assert.ok(changed.stdout.includes("<summary>Reachability closed (12)</summary>"));
    // Nothing changes between HEAD and the working file.
    const same = run(cwd, ["diff", "acl.json", "--base", "HEAD"]);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, "no changes\n");
    // The report with the diff, written where asked.
    const out = join(dir, "report.html");
    const report = run(cwd, ["report", "acl.json", "--base", "HEAD~1", "-o", out]);
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(out, "utf8");
    assert.ok(html.includes("Changes: HEAD~1:net/acl.json → acl.json"));
    assert.equal(statSync(out).mode & 0o777, 0o644);
  });
});

test("--base errors exit 2 with one message: unknown revision, a file git does not have", async () => {
  await withTempDir((dir) => {
    const repo = join(dir, "repo");
    mkdirSync(repo);
    git(repo, "init", "-q");
    writeFileSync(join(repo, "acl.json"), JSON.stringify(meshAcl()));
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "one");
    const unknown = run(repo, ["diff", "acl.json", "--base", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^wirenix: error: --base nope: cannot read acl\.json at nope/);
    assert.equal(unknown.stderr.split("\n").length, 2, unknown.stderr);
    writeFileSync(join(repo, "new.json"), JSON.stringify(meshAcl()));
    const untracked = run(repo, ["diff", "new.json", "--base", "HEAD"]);
    assert.equal(untracked.code, 2);
    assert.match(untracked.stderr, /cannot read new\.json at HEAD/);
    const outside = run(dir, ["diff", join(repoRoot, "package.json"), "--base", "-x"]);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /expected a git revision/);
  });
});

test("diff --base of a .nix ACL: the file it imports beside it is read at the revision too", async () => {
  await withTempDir((dir) => {
    const repo = join(dir, "repo");
    mkdirSync(join(repo, "net"), { recursive: true });
    git(repo, "init", "-q");
    const peer = (name: string, n: number, key: string) =>
      `{ name = "${name}"; subnets.lan = { listenPort = 51820; ipAddresses = [ "10.0.0.${n}" ]; }; publicKey = "${key}"; privateKeyFile = "/k"; endpoints = [ { ip = "${name}.example"; } ]; }`;
    const peers = join(repo, "net", "peers.nix");
    writeFileSync(
      peers,
      `[ ${peer("a", 1, "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=")} ${peer("b", 2, "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=")} ]\n`,
    );
    writeFileSync(
      join(repo, "net", "acl.nix"),
      '{ version = "v1"; subnets = [ { name = "lan"; endpoints = [ { port = 51820; } ]; } ]; groups = []; peers = import ./peers.nix; connections = [ { a = []; b = []; } ]; }\n',
    );
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "nix");
    // Only the imported file changes, and only in the working tree.
    writeFileSync(peers, readFileSync(peers, "utf8").replace('"b.example"', '"b2.example"'));
    const r = run(dir, ["diff", join("repo", "net", "acl.nix"), "--base", "HEAD"]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stdout,
      'hosts: 1 changed\n\nhosts:\n  changed "a" (1 change)\n    endpoint on "lan" for "b": b.example:51820 -> b2.example:51820\n',
    );
  });
});
