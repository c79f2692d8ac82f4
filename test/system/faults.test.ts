/**
 * Fault injection (run as root, as CI does): full disks, a read-only directory, symbolic links
 * at every path Wirenix writes, runs killed with `kill -9` or interrupted, and concurrent runs
 * on one directory. After each fault the previous output or the new one is complete (every
 * file parsed by its real consumer, and the whole tree equal to one of the two), no temporary
 * file remains, and no key pair mismatches `wg pubkey`.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  assertCleanFailure,
  checkKeyPairs,
  exec,
  fillToEdge,
  leftovers,
  meshOf,
  parseEvery,
  remount,
  sameTree,
  snapshot,
  wirenix,
  withTmpfs,
} from "../support/faults.js";
import { wirenixBin } from "../support/paths.js";
import { withTempDir } from "../support/run.js";

/** Free space left on the full disk, in KiB: from completely full to nearly enough. */
const EDGES = [0, 4, 16, 48, 124];

/** Every way `generate --out` writes: NixOS modules as Nix and JSON, and the file configurers. */
const OUT_KINDS: { name: string; args: string[] }[] = [
  { name: "static (Nix)", args: ["--configurer", "static"] },
  { name: "networkd (JSON)", args: ["--configurer", "networkd", "--format", "json"] },
  { name: "wg-quick", args: ["--configurer", "wg-quick"] },
  { name: "networkd-files", args: ["--configurer", "networkd-files"] },
  { name: "hosts", args: ["--configurer", "hosts"] },
];

function writeJson(file: string, value: unknown): string {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/** The tree a command makes when nothing goes wrong, made in a roomy directory. */
function reference(dir: string, args: string[]): Map<string, string> {
  const out = join(dir, `reference-${Math.random().toString(36).slice(2)}`);
  const ran = wirenix([...args, "--out", out]);
  assert.equal(ran.code, 0, ran.stderr);
  return snapshot(out);
}

/** After a fault: the tree is the old one or the new one, parses, and has no leftovers. */
function assertOldOrNew(
  out: string,
  old: Map<string, string>,
  next: Map<string, string>,
  context: string,
): "old" | "new" {
  assert.deepEqual(leftovers(out), [], `${context}: leftovers`);
  const now = snapshot(out);
  const which = sameTree(now, next) ? "new" : sameTree(now, old) ? "old" : undefined;
  assert.ok(which, `${context}: the tree is neither the previous output nor the new one`);
  parseEvery(out);
  return which;
}

/**
 * `generate ACL1 --out` into a tmpfs of `sizeKiB`, the disk filled up to `edge` KiB free, then
 * `generate ACL2` there, for each edge: every time a clean failure leaving the old tree, or the
 * new tree whole. Returns which of the two each edge left.
 */
async function fullDiskRounds(
  scratch: string,
  [acl1, acl2]: readonly [string, string],
  args: readonly string[],
  sizeKiB: number,
  edges: readonly number[],
  name: string,
): Promise<Set<string>> {
  const old = reference(scratch, ["generate", acl1, ...args]);
  const next = reference(scratch, ["generate", acl2, ...args]);
  const seen = new Set<string>();
  await withTmpfs(sizeKiB, (disk) => {
    const out = join(disk, "out");
    for (const edge of edges) {
      exec("sh", ["-c", `rm -rf ${out} ${disk}/filler-*`]);
      assert.equal(wirenix(["generate", acl1, ...args, "--out", out]).code, 0);
      fillToEdge(disk, edge);
      const ran = wirenix(["generate", acl2, ...args, "--out", out]);
      const context = `${name}, ${edge} KiB free`;
      assertCleanFailure(ran, context);
      const which = assertOldOrNew(out, old, next, context);
      assert.equal(which, ran.code === 0 ? "new" : "old", `${context}: ${ran.stderr}`);
      if (ran.code !== 0) assert.match(ran.stderr, /nothing (under \S+ )?was changed/);
      seen.add(which);
    }
  });
  return seen;
}

test("a full disk under --out of every configurer: the previous output stays or all of the new one is written", async () => {
  await withTempDir(async (scratch) => {
    const acls = [
      writeJson(join(scratch, "one.json"), meshOf(16, 51820)),
      writeJson(join(scratch, "two.json"), meshOf(16, 51821)),
    ] as const;
    for (const kind of OUT_KINDS) {
      const seen = await fullDiskRounds(scratch, acls, kind.args, 640, EDGES, kind.name);
      assert.ok(seen.has("old"), `${kind.name}: some fill level makes the run fail`);
    }
  });
});

test("a full disk under stdout redirected to a file: the file holds the whole output or what it held before", async () => {
  await withTempDir(async (scratch) => {
    const acl = writeJson(join(scratch, "acl.json"), meshOf(16));
    const formats = [["--format", "nix"], ["--format", "json"], ["inspect"]];
    for (const format of formats) {
      const args = format[0] === "inspect" ? ["inspect", acl] : ["generate", acl, ...format];
      const expected = wirenix(args);
      assert.equal(expected.code, 0, expected.stderr);
      await withTmpfs(384, (disk) => {
        for (const edge of [0, 24, 1000]) {
          for (const redirect of [">", ">>"]) {
            exec("sh", ["-c", `rm -f ${disk}/*`]);
            const file = join(disk, "out.txt");
            const before = redirect === ">>" ? "kept line\n" : "";
            writeFileSync(file, before);
            fillToEdge(disk, edge);
            const ran = exec("sh", [
              "-c",
              `exec "$0" "$@" ${redirect} ${file}`,
              process.execPath,
              wirenixBin,
              ...args,
            ]);
            const context = `${args[0]} ${format.join(" ")} ${redirect} with ${edge} KiB free`;
            assertCleanFailure(ran, context);
            const text = readFileSync(file, "utf8");
            if (ran.code === 0) assert.equal(text, before + expected.stdout, context);
            else {
              assert.equal(text, before, `${context}: cut back to what it held`);
              assert.match(ran.stderr, /cannot write standard output \(\S+out\.txt\)/);
            }
            if (ran.code === 0 && format.includes("nix")) {
              const nix = join(scratch, "printed.nix");
              writeFileSync(nix, text.slice(before.length));
              assert.equal(exec("nix-instantiate", ["--parse", nix]).code, 0);
            }
            if (ran.code === 0 && format.includes("json")) JSON.parse(text.slice(before.length));
          }
        }
      });
    }
    // A device that is always full, and a reader that leaves early (EPIPE).
    const bin = [process.execPath, wirenixBin, "generate", acl];
    const full = exec("sh", ["-c", 'exec "$0" "$@" > /dev/full', ...bin]);
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stderr, /cannot write standard output: no space left on the device/);
    assertCleanFailure(full, "> /dev/full");
    const early = exec("bash", [
      "-c",
      'set -o pipefail; "$0" "$@" | head -c 10 >/dev/null',
      ...bin,
    ]);
    assert.equal(early.code, 0, early.stderr);
    assert.equal(early.stderr, "", "a reader that leaves early is no error");
  });
});

test("a full disk under keys generate and --update-acl: keys match, the ACL is whole", async () => {
  await withTmpfs(384, (disk) => {
    const seen = new Set<number>();
    for (const edge of [0, 4, 8, 16, 32, 64, 200]) {
      exec("sh", ["-c", `rm -rf ${disk}/*`]);
      const original = `${JSON.stringify(meshOf(12, 51820, false), null, 2)}\n`;
      const acl = join(disk, "acl.json");
      writeFileSync(acl, original);
      const keys = join(disk, "keys");
      fillToEdge(disk, edge);
      const ran = wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
      const context = `keys generate --update-acl with ${edge} KiB free`;
      assertCleanFailure(ran, context);
      seen.add(ran.code);
      assert.deepEqual(leftovers(disk), [], context);
      if (existsSync(keys)) checkKeyPairs(keys);
      const text = readFileSync(acl, "utf8");
      if (ran.code !== 0) {
        assert.equal(text, original, `${context}: the ACL is unchanged`);
        assert.doesNotMatch(ran.stdout, /^updated /m, context);
      } else {
        const data = JSON.parse(text) as { peers: { name: string; publicKey: string }[] };
        for (const peer of data.peers) {
          const key = readFileSync(join(keys, `${peer.name}.key`), "utf8");
          assert.equal(peer.publicKey, exec("wg", ["pubkey"], { input: key }).stdout.trim());
        }
      }
      // With room again, the next run completes what the full disk stopped.
      exec("sh", ["-c", `rm -f ${disk}/filler-*`]);
      const again = wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(checkKeyPairs(keys), 12);
    }
    assert.ok(seen.has(1) && seen.has(0), "some runs fail, some succeed");
  });
});

test("a read-only directory: every writer fails clearly and changes nothing", async () => {
  await withTempDir(async (scratch) => {
    const acl1 = writeJson(join(scratch, "one.json"), meshOf(6, 51820));
    const acl2 = writeJson(join(scratch, "two.json"), meshOf(6, 51821));
    await withTmpfs(512, (disk) => {
      const out = join(disk, "out");
      for (const kind of OUT_KINDS)
        assert.equal(wirenix(["generate", acl1, ...kind.args, "--out", out]).code, 0);
      const acl = join(disk, "acl.json");
      writeFileSync(acl, `${JSON.stringify(meshOf(4, 51820, false))}\n`);
      const before = snapshot(disk);
      remount(disk, "ro");
      try {
        const runs = [
          ...OUT_KINDS.map((k) => ["generate", acl2, ...k.args, "--out", out]),
          ["keys", "generate", acl, "--dir", join(disk, "keys")],
          ["keys", "generate", acl, "--dir", join(scratch, "keys"), "--update-acl"],
          ["add-peer", acl, "newcomer"],
          ["remove-peer", acl, "p0"],
          ["init", join(disk, "new.yaml")],
          ["graph", acl1, "--out", join(disk, "graph.dot")],
        ];
        for (const args of runs) {
          const ran = wirenix(args);
          assert.equal(ran.code, 1, `${args.join(" ")}: ${ran.stderr}`);
          assert.match(ran.stderr, /read-only file system \(EROFS\)/, args.join(" "));
          assertCleanFailure(ran, args.join(" "));
        }
      } finally {
        remount(disk, "rw");
      }
      assert.ok(sameTree(snapshot(disk), before), "nothing changed");
    });
  });
});

test("symbolic links at every path wirenix writes are refused, never followed", async () => {
  await withTempDir(async (dir) => {
    const acl = writeJson(join(dir, "acl.json"), meshOf(3));
    const victim = join(dir, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "hosts"), "127.0.0.1 localhost\n");
    writeFileSync(join(victim, "file"), "precious\n");
    const victimTree = snapshot(victim);
    const cases: { what: string; args: string[]; planted: string; plant: (out: string) => void }[] =
      [];
    for (const kind of OUT_KINDS) {
      const files = kind.name.startsWith("static") || kind.name.startsWith("networkd (");
      const ext = kind.name.includes("JSON") ? "json" : "nix";
      const paths = files
        ? [`p1.${ext}`]
        : ["p1", kind.name === "wg-quick" ? "p1/lan.conf" : "p1/hosts"];
      for (const path of [...paths, ".wirenix-manifest.json", ".wirenix.lock", ".wirenix-journal"])
        cases.push({
          what: `${kind.name}: ${path}`,
          args: ["generate", acl, ...kind.args],
          planted: path,
          plant: (out) => {
            mkdirSync(join(out, "p1"), { recursive: true });
            exec("rm", ["-rf", join(out, path)]);
            const target = path === "p1" ? victim : join(victim, "file");
            symlinkSync(target, join(out, path));
          },
        });
    }
    for (const name of ["p1.key", "p1.pub", ".wirenix.lock"])
      cases.push({
        what: `keys generate: ${name}`,
        args: ["keys", "generate", acl],
        planted: name,
        plant: (out) => symlinkSync(join(victim, "file"), join(out, name)),
      });
    for (const c of cases) {
      const out = join(dir, `out-${cases.indexOf(c)}`);
      mkdirSync(out);
      c.plant(out);
      const flag = c.args[0] === "keys" ? "--dir" : "--out";
      const ran = wirenix([...c.args, flag, out]);
      assert.ok(sameTree(snapshot(victim), victimTree), `${c.what}: the link was followed`);
      assert.deepEqual(
        leftovers(out).filter((path) => path !== c.planted),
        [],
        c.what,
      );
      assert.equal(ran.code, 1, `${c.what}: exit ${ran.code} ${ran.stderr}`);
      assertCleanFailure(ran, c.what);
    }
    // A symbolic link to the ACL: --update-acl updates its target and the link stays.
    const real = join(dir, "real-acl.json");
    writeFileSync(real, `${JSON.stringify(meshOf(2, 51820, false))}\n`);
    chmodSync(real, 0o640);
    const link = join(dir, "link-acl.json");
    symlinkSync(real, link);
    const ran = wirenix(["keys", "generate", link, "--dir", join(dir, "k"), "--update-acl"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(exec("readlink", [link]).stdout.trim(), real);
    assert.equal(statSync(real).mode & 0o777, 0o640, "the ACL keeps its mode");
    const updated = JSON.parse(readFileSync(real, "utf8")) as { peers: { publicKey?: string }[] };
    assert.ok(updated.peers.every((p) => typeof p.publicKey === "string"));
  });
});

/** Starts a run and kills it after `ms` with `signal`; resolves when it has ended. */
function runAndKill(args: string[], ms: number, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [wirenixBin, ...args], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill(signal), ms);
      child.on("close", (code, sig) => {
        clearTimeout(timer);
        resolve({ code, signal: sig, stderr });
      });
    },
  );
}

test("a full disk under an --out of more files than are synced one by one: old or new, never a mix", async () => {
  await withTempDir(async (scratch) => {
    // 140 hosts' wg-quick files: 280 files in 140 directories, about 4 MB, past PER_FILE (most
    // made durable by one syncfs, src/io/background-sync.ts).
    const acls = [
      writeJson(join(scratch, "one.json"), meshOf(140, 51820)),
      writeJson(join(scratch, "two.json"), meshOf(140, 51821)),
    ] as const;
    const args = ["--configurer", "wg-quick"];
    const edges = [0, 256, 1024, 2048, 3072, 6144];
    const seen = await fullDiskRounds(scratch, acls, args, 10_240, edges, "wg-quick, 140 peers");
    assert.deepEqual([...seen].sort(), ["new", "old"], "some fill levels fail, the last succeeds");
  });
});

test("kill -9 at random points of a large --out, then a normal run: old or new, never a mix once recovered", async () => {
  await withTempDir(async (scratch) => {
    // wg-quick of 140 peers writes 280 files in 140 directories: past PER_FILE, so most are
    // made durable by one syncfs (src/io/background-sync.ts); static's 60 files one by one.
    for (const [args, peers] of [
      [["--configurer", "wg-quick"], 140],
      [["--configurer", "static"], 60],
    ] as const) {
      const acl1 = writeJson(join(scratch, `one-${peers}.json`), meshOf(peers, 51820));
      const acl2 = writeJson(join(scratch, `two-${peers}.json`), meshOf(peers, 51821));
      const old = reference(scratch, ["generate", acl1, ...args]);
      const next = reference(scratch, ["generate", acl2, ...args]);
      const out = join(scratch, `out${args[1]}`);
      const started = Date.now();
      assert.equal(wirenix(["generate", acl1, ...args, "--out", out]).code, 0);
      const full = Date.now() - started;
      for (let i = 0; i < 4; i++) {
        const at = Math.floor(Math.random() * full * 1.2);
        const killed = await runAndKill(["generate", acl2, ...args, "--out", out], at, "SIGKILL");
        const context = `${args[1]} killed after ${at} of ~${full} ms`;
        // Right after the kill every file that is there is whole: the old or the new version.
        const now = snapshot(out);
        for (const [path, value] of now)
          if (!/\.(tmp|old)$|\.wirenix-journal$|\.wirenix\.lock$|manifest\.json$/.test(path))
            assert.ok(value === old.get(path) || value === next.get(path), `${context}: ${path}`);
        // The next run (here with the first ACL again) finishes or undoes it, then writes.
        const again = wirenix(["generate", acl1, ...args, "--out", out]);
        assert.equal(again.code, 0, `${context}: ${again.stderr}`);
        if (killed.signal === "SIGKILL" && existsSync(join(out, ".wirenix-journal")))
          assert.fail("the journal survived the next run");
        assert.equal(assertOldOrNew(out, next, old, context), "new", context);
      }
    }
  });
});

test("SIGTERM and SIGINT during --out remove the temporary files at once", async () => {
  await withTempDir(async (scratch) => {
    const acl1 = writeJson(join(scratch, "one.json"), meshOf(60, 51820));
    const acl2 = writeJson(join(scratch, "two.json"), meshOf(60, 51821));
    const args = ["--configurer", "wg-quick"];
    const old = reference(scratch, ["generate", acl1, ...args]);
    const next = reference(scratch, ["generate", acl2, ...args]);
    const out = join(scratch, "out");
    const started = Date.now();
    assert.equal(wirenix(["generate", acl1, ...args, "--out", out]).code, 0);
    const full = Date.now() - started;
    for (const signal of ["SIGTERM", "SIGINT", "SIGTERM", "SIGINT"] as const) {
      const at = Math.floor(full * (0.3 + Math.random() * 0.6));
      const ended = await runAndKill(["generate", acl2, ...args, "--out", out], at, signal);
      const context = `${signal} after ${at} ms`;
      const which = assertOldOrNew(out, old, next, context);
      // A signal that ends the run before its commit leaves the old output. One that lands
      // after it (the run had said what it wrote: stderr is a pipe, written synchronously
      // before Node handles the signal) finds the new output complete.
      if (ended.signal === signal && !ended.stderr.includes("wirenix: wrote "))
        assert.equal(which, "old", `${context}: ${ended.stderr}`);
      // Back to the first output for the next round.
      assert.equal(wirenix(["generate", acl1, ...args, "--out", out]).code, 0);
    }
  });
});

test("concurrent runs on one directory, 20 times: one writer at a time, key pairs always match", async () => {
  await withTempDir(async (scratch) => {
    const acls = [51820, 51821].map((port) =>
      writeJson(join(scratch, `acl${port}.json`), meshOf(10, port)),
    );
    const args = ["--configurer", "wg-quick"];
    const trees = acls.map((acl) => reference(scratch, ["generate", acl, ...args]));
    const out = join(scratch, "out");
    const keyAcl = writeJson(join(scratch, "keys.json"), meshOf(4, 51820, false));
    const keys = join(scratch, "keys");
    assert.equal(wirenix(["keys", "generate", keyAcl, "--dir", keys]).code, 0);
    const runAsync = (argv: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [wirenixBin, ...argv], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
      });
    for (let round = 0; round < 20; round++) {
      const runs = await Promise.all([
        ...acls.map((acl) => runAsync(["generate", acl, ...args, "--out", out])),
        runAsync(["keys", "generate", keyAcl, "--dir", keys, "--rotate", "p1"]),
        runAsync(["keys", "generate", keyAcl, "--dir", keys, "--rotate", "p1"]),
      ]);
      for (const [i, ran] of runs.entries()) {
        assertCleanFailure({ ...ran, stdout: "" }, `round ${round}, run ${i}`);
        if (ran.code !== 0) assert.match(ran.stderr, /is being written by another wirenix run/);
      }
      assert.deepEqual(leftovers(out), [], `round ${round}`);
      const now = snapshot(out);
      assert.ok(
        trees.some((tree) => sameTree(now, tree)),
        `round ${round}: the output is one run's`,
      );
      assert.deepEqual(leftovers(keys), [], `round ${round}`);
      assert.equal(checkKeyPairs(keys), 4, `round ${round}: every pair matches`);
    }
    parseEvery(out);
  });
});

test("a stale lock of a killed run is taken over with a notice; a live one makes the next run wait, then fail", async () => {
  await withTempDir(async (scratch) => {
    const acl = writeJson(join(scratch, "acl.json"), meshOf(3));
    const out = join(scratch, "out");
    mkdirSync(out);
    const dead = spawn("true");
    await new Promise((resolve) => dead.on("exit", resolve));
    writeFileSync(join(out, ".wirenix.lock"), `${dead.pid}\n`);
    const ran = wirenix(["generate", acl, "--out", out]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, new RegExp(`took over the lock of process ${dead.pid}`));
    assert.deepEqual(leftovers(out), []);

    const live = spawn("sleep", ["30"]);
    try {
      writeFileSync(join(out, ".wirenix.lock"), `${live.pid}\n`);
      const before = snapshot(out);
      const started = Date.now();
      const waited = wirenix(["generate", meshFile(scratch), "--out", out], {
        ...process.env,
        WIRENIX_LOCK_WAIT: "0.5",
      });
      assert.ok(Date.now() - started >= 500, "it waited");
      assert.equal(waited.code, 1);
      assert.match(
        waited.stderr,
        new RegExp(`is being written by another wirenix run \\(process ${live.pid}\\)`),
      );
      assert.ok(sameTree(snapshot(out), before), "nothing changed");
    } finally {
      live.kill();
    }
  });
});

function meshFile(dir: string): string {
  return writeJson(join(dir, "other.json"), meshOf(3, 51900));
}

test("key files others can read are named in a warning and keep their modes; new ones are 0600", async () => {
  await withTempDir(async (scratch) => {
    const acl = writeJson(join(scratch, "acl.json"), meshOf(2, 51820, false));
    const keys = join(scratch, "keys");
    assert.equal(wirenix(["keys", "generate", acl, "--dir", keys]).code, 0);
    chmodSync(join(keys, "p0.key"), 0o644);
    copyFileSync(join(keys, "p0.key"), join(keys, "p0.key.20260101T000000Z.bak"));
    chmodSync(join(keys, "p0.key.20260101T000000Z.bak"), 0o644);
    const ran = wirenix(["keys", "generate", acl, "--dir", keys, "--rotate", "p1"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stderr,
      /others can read these key files: p0\.key \(mode 644\), p0\.key\.20260101T000000Z\.bak \(mode 644\)/,
    );
    for (const name of exec("ls", [keys]).stdout.trim().split("\n"))
      assert.equal(
        statSync(join(keys, name)).mode & 0o777,
        name.startsWith("p0.key") ? 0o644 : 0o600,
        name,
      );
    assert.equal(checkKeyPairs(keys), 2);
  });
});
