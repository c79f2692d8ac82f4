/** The `--out` transaction: what it removes from earlier runs, and what it never touches. */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { MANIFEST_NAME, type OutFile, OutTransaction } from "../../src/io/out-dir.js";
import { withTempDir } from "../support/run.js";

const file = (path: string, text = `${path}\n`, mode = 0o644): OutFile => ({ path, text, mode });

/** One run: every host's files, committed. */
async function run(
  dir: string,
  configurer: string,
  aclPeers: string[],
  hosts: Record<string, OutFile[]>,
) {
  const tx = await OutTransaction.begin(dir, { configurer, aclPeers });
  for (const [name, files] of Object.entries(hosts)) tx.add({ name, peers: [name] }, files);
  return tx.commit();
}

test("files of peers no longer in the ACL are removed, unless changed or not written by wirenix", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    mkdirSync(join(out, "c"), { recursive: true });
    writeFileSync(join(out, "c", "notes"), "mine\n");
    writeFileSync(join(out, "user.txt"), "mine too\n");
    await run(out, "wg-quick", ["a", "b", "c", "d"], {
      a: [file("a/lan.conf"), file("a/hosts")],
      b: [file("b/lan.conf")],
      c: [file("c/lan.conf"), file("c/hosts")],
      d: [file("d/lan.conf")],
    });
    writeFileSync(join(out, "d", "lan.conf"), "edited by hand\n");
    const report = await run(out, "wg-quick", ["a", "b"], {
      a: [file("a/lan.conf")],
      b: [file("b/lan.conf")],
    });
    assert.deepEqual(report.removed.sort(), ["a/hosts", "c/hosts", "c/lan.conf"]);
    assert.ok(!existsSync(join(out, "a", "hosts")), "a file the configurer no longer makes");
    assert.deepEqual(readdirSync(join(out, "c")), ["notes"], "not ours: kept, and so is c/");
    assert.equal(readFileSync(join(out, "user.txt"), "utf8"), "mine too\n");
    assert.equal(readFileSync(join(out, "d", "lan.conf"), "utf8"), "edited by hand\n");
    assert.match(
      report.notices.join("\n"),
      /d\/lan\.conf was written by an earlier run .* changed since/,
    );
    // Peer d's emptied directory and the files of peer c are gone from the manifest.
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_NAME), "utf8"));
    assert.deepEqual(
      manifest.entries.map((e: { host: string }) => e.host),
      ["a", "b"],
    );
  }));

test("another configurer's files in the same directory are kept; a peer's empty directory goes", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    await run(out, "wg-quick", ["a", "b"], { a: [file("a/lan.conf")], b: [file("b/lan.conf")] });
    await run(out, "networkd-files", ["a", "b"], {
      a: [file("a/50-lan.netdev")],
      b: [file("b/50-lan.netdev")],
    });
    assert.deepEqual(readdirSync(join(out, "a")).sort(), ["50-lan.netdev", "lan.conf"]);
    await run(out, "wg-quick", ["a"], { a: [file("a/lan.conf")] });
    // b left the ACL: its files of both configurers go, and so does its directory.
    assert.ok(!existsSync(join(out, "b")));
    assert.deepEqual(readdirSync(join(out, "a")).sort(), ["50-lan.netdev", "lan.conf"]);
  }));

test("an aborted transaction leaves the previous files and nothing else", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    await run(out, "hosts", ["a"], { a: [file("a/hosts", "old\n")] });
    const before = readdirSync(out).sort();
    const tx = await OutTransaction.begin(out, { configurer: "hosts", aclPeers: ["a", "b"] });
    tx.add({ name: "a", peers: ["a"] }, [file("a/hosts", "new\n")]);
    tx.add({ name: "b", peers: ["b"] }, [file("b/hosts", "new\n")]);
    tx.abort();
    assert.deepEqual(readdirSync(out).sort(), before);
    assert.deepEqual(readdirSync(join(out, "a")), ["hosts"]);
    assert.equal(readFileSync(join(out, "a", "hosts"), "utf8"), "old\n");
  }));

test("private files are 0600 in 0700 directories, the others keep 0644", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    await run(out, "wg-quick", ["a"], { a: [file("a/lan.conf", "x\n", 0o600), file("a/hosts")] });
    const mode = (p: string) => statSync(join(out, p)).mode & 0o777;
    assert.equal(mode("a/lan.conf"), 0o600);
    assert.equal(mode("a/hosts"), 0o644);
    assert.equal(mode("a"), 0o700);
  }));

test("a file someone else puts at a target path while the run stages is not replaced", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "out");
    const tx = await OutTransaction.begin(out, { configurer: "hosts", aclPeers: ["a"] });
    tx.add({ name: "a", peers: ["a"] }, [file("a/hosts", "ours\n")]);
    writeFileSync(join(out, "a", "hosts"), "theirs\n");
    await assert.rejects(() => tx.commit(), {
      name: "ForeignFilesError",
      message: /a\/hosts: a file wirenix did not write is where this run would write/,
    });
    assert.equal(readFileSync(join(out, "a", "hosts"), "utf8"), "theirs\n");
    assert.deepEqual(readdirSync(join(out, "a")), ["hosts"], "no temporary file or backup left");
    assert.ok(!existsSync(join(out, MANIFEST_NAME)));
  }));

test("modes are exact whatever the umask; a directory is private when its host's files are", async () => {
  // The umask is the process's own: set here (this file runs in a process of its own) and put back.
  for (const umask of [0o000, 0o022, 0o027, 0o077]) {
    const previous = process.umask(umask);
    try {
      await withTempDir(async (dir) => {
        const out = join(dir, "out");
        await run(out, "wg-quick", ["a", "b"], {
          // a: public files only; b: a private file beside a public one, one level deeper.
          a: [file("a/hosts", "a\n", 0o644)],
          b: [file("b/x/lan.conf", "key\n", 0o600), file("b/x/hosts", "b\n", 0o644)],
        });
        const mode = (path: string) => statSync(join(out, path)).mode & 0o777;
        const seen = {
          a: mode("a"),
          "a/hosts": mode("a/hosts"),
          b: mode("b"),
          "b/x": mode("b/x"),
          "b/x/lan.conf": mode("b/x/lan.conf"),
          "b/x/hosts": mode("b/x/hosts"),
          [MANIFEST_NAME]: mode(MANIFEST_NAME),
        };
        assert.deepEqual(
          seen,
          {
            a: 0o755,
            "a/hosts": 0o644,
            b: 0o700,
            "b/x": 0o700,
            "b/x/lan.conf": 0o600,
            "b/x/hosts": 0o644,
            [MANIFEST_NAME]: 0o644,
          },
          `umask ${umask.toString(8)}`,
        );
      });
    } finally {
      process.umask(previous);
    }
  }
});
