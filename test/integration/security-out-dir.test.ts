/**
 * The `--out` directory as untrusted input (it lives in git and changes through pull requests):
 * a planted journal or manifest may name any path and any action, and a foreign file may sit
 * where a configurer writes. Every record below is one no run of ours writes; each must end in
 * exit 1, one message naming the file and the field, and nothing touched inside or outside the
 * directory. The CLI runs as users run it, from the directory that holds `out/`.
 */
import { strict as assert } from "node:assert";
import {
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { wirenix, withTempDir } from "../support/run.js";
import { treeSnapshot } from "../support/tree.js";

const TAG = "1-00000000";
const HASH = "0".repeat(64);

function aclFile(dir: string, names: readonly string[] = ["p1", "p2"]): string {
  const file = join(dir, "acl.json");
  const peers = names.map((name, i) => ({
    name,
    subnets: { lan: { listenPort: 51820, ipAddresses: [`10.1.0.${i + 1}`] } },
    publicKey: [
      "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=",
      "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
      "P5oa2X1JCgqVNsAM7n5s0n6Mo3BkBE7PrQQnhUPYpl0=",
    ][i],
    privateKeyFile: `/etc/wg/${name}.key`,
    endpoints: [{ ip: `192.0.2.${i + 1}` }],
  }));
  writeFileSync(
    file,
    JSON.stringify({
      version: "v1",
      subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
      groups: [],
      peers,
      connections: [{ a: [], b: [] }],
    }),
  );
  return file;
}

/** A scratch directory with an ACL, a genuine `out/` of wg-quick files, and a victim beside it. */
function scene(dir: string): { acl: string; out: string; victim: string } {
  const acl = aclFile(dir);
  const out = join(dir, "out");
  const victim = join(dir, "victim");
  mkdirSync(victim, { mode: 0o755 });
  writeFileSync(join(victim, "important.txt"), "important\n");
  const first = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
    cwd: dir,
  });
  assert.equal(first.code, 0, first.stderr);
  // A file of the user's inside out/, and the attacker's payload.
  mkdirSync(join(out, "keep"));
  writeFileSync(join(out, "keep", "notes.txt"), "mine\n");
  writeFileSync(join(out, "payload"), "attacker\n");
  return { acl, out, victim };
}

const journalLines = (lines: readonly unknown[]) =>
  `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`;

const commit = (fields: Record<string, unknown>) => ({
  commit: { renames: [], removals: [], backups: [], tighten: [], prune: [], ...fields },
});

/** Runs `generate` after `plant`; the run must refuse, naming `file` and `field`. */
function refuses(
  name: string,
  plant: (out: string, victim: string) => void,
  file: string,
  field: string,
  args: readonly string[] = ["--configurer", "wg-quick"],
) {
  return withTempDir((dir) => {
    const { out, victim } = scene(dir);
    plant(out, victim);
    const before = treeSnapshot(dir);
    const ran = wirenix(["generate", "acl.json", ...args, "--out", "out"], { cwd: dir });
    assert.equal(ran.code, 1, `${name}: exit ${ran.code}\n${ran.stderr}`);
    const prefix = `wirenix: error: out/${file}: ${field}: expected `;
    assert.ok(ran.stderr.includes(prefix), `${name}: wanted ${prefix}\ngot ${ran.stderr}`);
    assert.doesNotMatch(ran.stderr, /\n\s+at /, `${name}: no stack trace`);
    assert.deepEqual(treeSnapshot(dir), before, `${name}: something was touched`);
  });
}

test("the issue's planted journal: refused, the victim outside out/ untouched", () =>
  withTempDir((dir) => {
    const { victim } = scene(dir);
    writeFileSync(
      join(dir, "out", ".wirenix-journal"),
      journalLines([
        commit({
          renames: [["payload", "../victim/planted.txt"]],
          backups: [["x", "../victim/important.txt"]],
          tighten: ["../victim"],
        }),
      ]),
    );
    const before = treeSnapshot(dir);
    const ran = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(
      ran.stderr,
      /^wirenix: error: out\/\.wirenix-journal: commit\.renames\[0\]\[1\]: expected a path inside out\/, got "\.\.\/victim\/planted\.txt"/m,
    );
    assert.deepEqual(treeSnapshot(dir), before);
    assert.equal(readFileSync(join(victim, "important.txt"), "utf8"), "important\n");
    assert.equal(lstatSync(victim).mode & 0o777, 0o755);
  }));

const tmp = (final: string, tag = TAG) => {
  const slash = final.lastIndexOf("/");
  return `${final.slice(0, slash + 1)}.${final.slice(slash + 1)}.wirenix-${tag}.tmp`;
};
const old = (final: string) => tmp(final).replace(/\.tmp$/, ".old");

/** A planted temporary file with the attacker's content, and the journal line logging it. */
function planted(out: string, rel: string): { temp: string } {
  writeFileSync(join(out, rel), "attacker\n");
  return { temp: rel };
}

const JOURNAL_CASES: {
  field: string;
  journal: (out: string, victim: string) => unknown[];
}[] = [
  {
    field: "commit.renames[0][0]",
    journal: () => [commit({ renames: [["payload", "p1/lan.conf"]] })],
  },
  {
    field: "commit.renames[0][0]",
    journal: (out) => [
      planted(out, tmp("p2/lan.conf")),
      commit({ renames: [[tmp("p2/lan.conf"), "p1/lan.conf"]] }),
    ],
  },
  {
    field: "commit.renames[0][1]",
    journal: (_, victim) => [commit({ renames: [["payload", join(victim, "planted.txt")]] })],
  },
  {
    field: "commit.renames[0][1]",
    journal: () => [commit({ renames: [["payload", "./p1/lan.conf"]] })],
  },
  {
    field: "commit.renames[0][1]",
    journal: () => [commit({ renames: [["payload", "p1//lan.conf"]] })],
  },
  {
    field: "commit.renames[0][1]",
    journal: () => [commit({ renames: [[tmp(".profile"), ".profile"]] })],
  },
  {
    // Our own names, but the rename would replace a file the run never backed up.
    field: "commit.renames[0][1]",
    journal: (out) => [
      planted(out, tmp("keep/notes.txt")),
      commit({ renames: [[tmp("keep/notes.txt"), "keep/notes.txt"]] }),
    ],
  },
  {
    // Backed up by the record, but no run of ours wrote it: the manifest does not list it.
    field: "commit.renames[0][1]",
    journal: (out) => [
      planted(out, tmp("keep/notes.txt")),
      { temp: old("keep/notes.txt") },
      commit({
        renames: [[tmp("keep/notes.txt"), "keep/notes.txt"]],
        backups: [["keep/notes.txt", old("keep/notes.txt")]],
      }),
    ],
  },
  {
    field: "commit.backups[0][1]",
    journal: (out) => [
      planted(out, tmp("p1/lan.conf")),
      commit({
        renames: [[tmp("p1/lan.conf"), "p1/lan.conf"]],
        backups: [["p1/lan.conf", "../victim/important.txt"]],
      }),
    ],
  },
  {
    // A backup "name" that is the user's own file: its removal would delete it.
    field: "commit.backups[0][1]",
    journal: (out) => [
      planted(out, tmp("p1/lan.conf")),
      commit({
        renames: [[tmp("p1/lan.conf"), "p1/lan.conf"]],
        backups: [["p1/lan.conf", "keep/notes.txt"]],
      }),
    ],
  },
  {
    field: "commit.backups[0][0]",
    journal: (out) => [
      planted(out, tmp("p1/lan.conf")),
      { temp: old("p2/lan.conf") },
      commit({
        renames: [[tmp("p1/lan.conf"), "p1/lan.conf"]],
        backups: [["p2/lan.conf", old("p2/lan.conf")]],
      }),
    ],
  },
  {
    field: "commit.removals[0].path",
    journal: () => [
      commit({
        removals: [{ path: "../victim/important.txt", sha256: HASH, backup: "x" }],
      }),
    ],
  },
  {
    field: "commit.removals[0].backup",
    journal: () => [
      commit({ removals: [{ path: "p1/hosts", sha256: HASH, backup: "keep/notes.txt" }] }),
    ],
  },
  {
    field: "commit.removals[0].sha256",
    journal: () => [
      { temp: old("p1/hosts") },
      commit({ removals: [{ path: "p1/hosts", sha256: "yes", backup: old("p1/hosts") }] }),
    ],
  },
  {
    field: "commit.removals[0]",
    journal: () => [commit({ removals: ["p1/hosts"] })],
  },
  { field: "commit.tighten[0]", journal: () => [commit({ tighten: ["../victim"] })] },
  { field: "commit.tighten[0]", journal: () => [commit({ tighten: ["/"] })] },
  { field: "commit.tighten[0]", journal: () => [commit({ tighten: ["."] })] },
  {
    // A directory of the output that the run did not make: its mode is not ours to change.
    field: "commit.tighten[0]",
    journal: (out) => [
      planted(out, tmp("keep/new.conf")),
      commit({ renames: [[tmp("keep/new.conf"), "keep/new.conf"]], tighten: ["keep"] }),
    ],
  },
  { field: "commit.prune[0]", journal: () => [commit({ prune: ["../victim"] })] },
  { field: "commit.prune[0]", journal: () => [commit({ prune: ["keep"] })] },
  { field: "commit.renames", journal: () => [commit({ renames: "everything" })] },
  { field: "commit.extra", journal: () => [commit({ extra: ["rm -rf /"] })] },
  { field: "line 1: dir", journal: () => [{ dir: "../victim" }] },
  { field: "line 1: dir", journal: () => [{ dir: ".ssh" }] },
  // Without a commit record the next run removes what the journal says the run made.
  { field: "line 1: temp", journal: () => [{ temp: "keep/notes.txt" }] },
  { field: "line 1: temp", journal: () => [{ temp: "../victim/important.txt" }] },
  { field: "line 1: temp", journal: () => [{ temp: "p1/hosts" }] },
  {
    field: "line 2: temp",
    journal: () => [{ temp: tmp("p1/hosts") }, { temp: tmp("p1/lan.conf", "2-11111111") }],
  },
  { field: "line 1", journal: () => [{ temp: tmp("p1/hosts"), dir: "p1" }] },
  { field: "line 1", journal: () => [["payload", "../victim/x"]] },
  { field: "line 2", journal: () => [commit({}), { temp: tmp("p1/hosts") }] },
];

test("a planted journal record of every field is refused, naming the field; nothing touched", async (t) => {
  for (const [i, c] of JOURNAL_CASES.entries())
    await t.test(`journal case ${i}: ${c.field}`, () =>
      refuses(
        `${c.field} ${JSON.stringify(c.journal.toString())}`,
        (out, victim) =>
          writeFileSync(join(out, ".wirenix-journal"), journalLines(c.journal(out, victim))),
        ".wirenix-journal",
        c.field,
      ),
    );
});

test("a journal path through a symbolic link is refused, not followed or skipped", async () => {
  await refuses(
    "rename through a link",
    (out, victim) => {
      symlinkSync(victim, join(out, "p3"));
      writeFileSync(join(victim, tmp("planted.txt")), "attacker\n");
      writeFileSync(
        join(out, ".wirenix-journal"),
        journalLines([
          { temp: tmp("p3/planted.txt") },
          commit({ renames: [[tmp("p3/planted.txt"), "p3/planted.txt"]] }),
        ]),
      );
    },
    ".wirenix-journal",
    "line 1: temp",
  );
  await refuses(
    "undo through a link",
    (out, victim) => {
      symlinkSync(victim, join(out, "p3"));
      writeFileSync(join(victim, tmp("x")), "the victim's\n");
      writeFileSync(join(out, ".wirenix-journal"), journalLines([{ temp: tmp("p3/x") }]));
    },
    ".wirenix-journal",
    "line 1: temp",
  );
});

/** The manifest the first run wrote, changed by `edit`. */
function editManifest(out: string, edit: (manifest: any) => void): void {
  const file = join(out, ".wirenix-manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8"));
  edit(manifest);
  writeFileSync(file, JSON.stringify(manifest));
}

const MANIFEST_CASES: { field: string; edit: (m: any) => void }[] = [
  { field: "version", edit: (m) => Object.assign(m, { version: 2 }) },
  { field: "(top level).extra", edit: (m) => Object.assign(m, { extra: 1 }) },
  { field: "entries", edit: (m) => Object.assign(m, { entries: {} }) },
  { field: "entries[0]", edit: (m) => m.entries.splice(0, 1, "p1") },
  { field: "entries[0].owner", edit: (m) => Object.assign(m.entries[0], { owner: "root" }) },
  { field: "entries[0].host", edit: (m) => Object.assign(m.entries[0], { host: "../victim" }) },
  { field: "entries[0].host", edit: (m) => Object.assign(m.entries[0], { host: ".." }) },
  { field: "entries[0].peers", edit: (m) => Object.assign(m.entries[0], { peers: "p1" }) },
  { field: "entries[0].peers", edit: (m) => Object.assign(m.entries[0], { peers: [] }) },
  { field: "entries[0].peers[0]", edit: (m) => Object.assign(m.entries[0], { peers: [7] }) },
  {
    field: "entries[0].configurer",
    edit: (m) => Object.assign(m.entries[0], { configurer: "wg-quick\nx" }),
  },
  { field: "entries[0].files", edit: (m) => Object.assign(m.entries[0], { files: ["x"] }) },
  {
    field: 'entries[0].files["../victim/important.txt"]',
    edit: (m) => {
      m.entries[0].files["../victim/important.txt"] = HASH;
    },
  },
  {
    field: 'entries[0].files["/etc/hosts"]',
    edit: (m) => {
      m.entries[0].files["/etc/hosts"] = HASH;
    },
  },
  {
    // A file of another host: no run of ours lists it under p1.
    field: 'entries[0].files["keep/notes.txt"]',
    edit: (m) => {
      m.entries[0].files["keep/notes.txt"] = HASH;
    },
  },
  {
    field: 'entries[0].files["p1/.bashrc"]',
    edit: (m) => {
      m.entries[0].files["p1/.bashrc"] = HASH;
    },
  },
  {
    field: 'entries[0].files["p1/hosts"]',
    edit: (m) => {
      m.entries[0].files["p1/hosts"] = "not a hash";
    },
  },
  {
    field: "entries[2].host",
    edit: (m) => m.entries.push({ ...m.entries[0] }),
  },
];

test("a planted manifest with any field out of shape is refused, naming the field; nothing touched", async (t) => {
  for (const [i, c] of MANIFEST_CASES.entries())
    await t.test(`manifest case ${i}: ${c.field}`, () =>
      refuses(c.field, (out) => editManifest(out, c.edit), ".wirenix-manifest.json", c.field),
    );
  await refuses(
    "not JSON",
    (out) => writeFileSync(join(out, ".wirenix-manifest.json"), "{ rm -rf"),
    ".wirenix-manifest.json",
    "(the whole file)",
  );
});

test("a manifest path through a symbolic link is refused (a gone peer's files behind a link)", () =>
  refuses(
    "stale host behind a link",
    (out, victim) => {
      symlinkSync(victim, join(out, "p9"));
      editManifest(out, (m) =>
        m.entries.push({
          host: "p9",
          peers: ["p9"],
          configurer: "wg-quick",
          files: { "p9/important.txt": HASH },
        }),
      );
    },
    ".wirenix-manifest.json",
    'entries[2].files["p9/important.txt"]',
  ));

test("a foreign file at a target path is never replaced: hosts for a peer named etc", () =>
  withTempDir((dir) => {
    aclFile(dir, ["etc", "p2"]);
    const etc = join(dir, "fakeroot", "etc");
    mkdirSync(etc, { recursive: true, mode: 0o755 });
    writeFileSync(join(etc, "hosts"), "127.0.0.1 localhost\n");
    writeFileSync(join(etc, "passwd"), "root:x:0:0::/root:/bin/sh\n");
    const before = treeSnapshot(dir);
    const ran = wirenix(["generate", "acl.json", "--configurer", "hosts", "--out", "fakeroot"], {
      cwd: dir,
    });
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(
      ran.stderr,
      /^wirenix: error: fakeroot\/etc\/hosts: a file wirenix did not write is where this run would write \(fakeroot\/\.wirenix-manifest\.json does not list it\); .*nothing was changed\. Move it away .*or choose another output directory \(--out DIR\)$/m,
    );
    assert.deepEqual(treeSnapshot(dir), before, "fakeroot/etc and its files untouched");
  }));

test("first run into a directory with files at our paths and no manifest: refused, every file named", () =>
  withTempDir((dir) => {
    aclFile(dir);
    mkdirSync(join(dir, "out", "p1"), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, "out", "p2"), { mode: 0o755 });
    writeFileSync(join(dir, "out", "p1", "lan.conf"), "[Interface]\n# mine\n");
    writeFileSync(join(dir, "out", "p2", "hosts"), "10.0.0.1 mine\n");
    const before = treeSnapshot(dir);
    const ran = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(
      ran.stderr,
      /^wirenix: error: out\/p1\/lan\.conf, out\/p2\/hosts: files wirenix did not write are where this run would write .* Move them away \(or remove them\) and run again/m,
    );
    assert.deepEqual(treeSnapshot(dir), before);
    // Moved away, the run writes.
    renameSync(join(dir, "out", "p1", "lan.conf"), join(dir, "p1-lan.conf"));
    renameSync(join(dir, "out", "p2", "hosts"), join(dir, "p2-hosts"));
    const again = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(again.code, 0, again.stderr);
  }));

test("--out never changes the mode of a directory it did not create; the ones it makes are 0700", () =>
  withTempDir((dir) => {
    aclFile(dir);
    mkdirSync(join(dir, "out", "p1"), { recursive: true, mode: 0o755 });
    const ran = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(ran.code, 0, ran.stderr);
    const mode = (rel: string) => lstatSync(join(dir, "out", rel)).mode & 0o777;
    assert.equal(mode("p1"), 0o755, "existing: left as its owner made it");
    assert.equal(mode("p2"), 0o700, "made by the run for secret files");
    for (const rel of ["p1/lan.conf", "p2/lan.conf", "p1/hosts", "p2/hosts"])
      assert.equal(mode(rel), 0o600, rel);
    // A later run keeps both as they are.
    const rerun = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(mode("p1"), 0o755);
  }));

test("--out that is a symbolic link is refused: nothing written where it leads", () =>
  withTempDir((dir) => {
    aclFile(dir);
    mkdirSync(join(dir, "shared"), { mode: 0o755 });
    symlinkSync("shared", join(dir, "out"));
    const before = treeSnapshot(dir);
    const ran = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /out: it is a symbolic link, which wirenix never writes through/);
    assert.deepEqual(treeSnapshot(dir), before);
  }));

test("a genuine killed run's journal is still completed after all these checks", () =>
  withTempDir((dir) => {
    const { out } = scene(dir);
    // What a run killed right after its commit record leaves: a staged file and the record.
    const text = "[Interface]\n# new\n";
    writeFileSync(join(out, tmp("p1/lan.conf")), text, { mode: 0o600 });
    mkdirSync(join(out, "p3"));
    writeFileSync(join(out, tmp("p3/hosts")), "p3\n", { mode: 0o600 });
    const manifest = JSON.parse(readFileSync(join(out, ".wirenix-manifest.json"), "utf8"));
    manifest.entries.push({
      host: "p3",
      peers: ["p3"],
      configurer: "wg-quick",
      files: { "p3/hosts": "a".repeat(64) },
    });
    writeFileSync(join(out, tmp(".wirenix-manifest.json")), JSON.stringify(manifest));
    writeFileSync(
      join(out, ".wirenix-journal"),
      journalLines([
        { temp: tmp("p1/lan.conf") },
        { dir: "p3" },
        { temp: tmp("p3/hosts") },
        { temp: tmp(".wirenix-manifest.json") },
        { temp: old("p1/lan.conf") },
        { temp: old(".wirenix-manifest.json") },
        commit({
          renames: [
            [tmp("p1/lan.conf"), "p1/lan.conf"],
            [tmp("p3/hosts"), "p3/hosts"],
            [tmp(".wirenix-manifest.json"), ".wirenix-manifest.json"],
          ],
          backups: [
            ["p1/lan.conf", old("p1/lan.conf")],
            [".wirenix-manifest.json", old(".wirenix-manifest.json")],
          ],
          tighten: ["p3"],
        }),
      ]),
    );
    const run = wirenix(["generate", "acl.json", "--configurer", "wg-quick", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /an earlier run was killed before it finished; its writes were completed/,
    );
    assert.equal(lstatSync(join(out, "p3")).mode & 0o777, 0o700);
    // The run after recovery regenerated p1 and, p3 being no peer of the ACL, removed its file
    // only if it held what the manifest says (it does not: "a" * 64), so it stays.
    assert.equal(readFileSync(join(out, "p3", "hosts"), "utf8"), "p3\n");
  }));
