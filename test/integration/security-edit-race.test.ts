/**
 * One writer per ACL, attacked with the real CLI as users run it: ten `add-peer` at once,
 * `add-peer`, `remove-peer` and `keys generate --update-acl` at once, a lock left by a dead
 * process (and a takeover guard left by another), a lock held by a live process, and a run
 * killed with `kill -9` while it holds the lock. Before the ACL lock, ten parallel `add-peer`
 * all said "added peer" and left one or two peers in the file.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { wirenixBin } from "../support/paths.js";
import { type Ran, spawnAsync, tempDir, wirenix } from "../support/run.js";

/** Runs take turns at the lock; on a busy machine ten of them may take a while. */
const PATIENT = { ...process.env, WIRENIX_LOCK_WAIT: "120" };

function cli(args: readonly string[], env: NodeJS.ProcessEnv = PATIENT): Promise<Ran> {
  return spawnAsync(process.execPath, [wirenixBin, ...args], { env });
}

function ok(ran: Ran, what: string): void {
  assert.equal(ran.code, 0, `${what}: ${ran.stderr}`);
}

const read = (file: string) => readFileSync(file, "utf8");

interface Peer {
  name: string;
  publicKey?: string;
  subnets: Record<string, { ipAddresses?: string[] }>;
}

function peersOf(file: string): Peer[] {
  const text = read(file);
  return (file.endsWith(".json") ? JSON.parse(text) : parseYaml(text)).peers;
}

/** A process that ran and is gone: its pid is a dead writer's. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((resolve) => child.on("exit", resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

function pool(dir: string, name: string, peers: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        version: "v1",
        subnets: [{ name: "wg", ipv4Pool: "10.7.0.0/24", endpoints: [{ port: 51820 }] }],
        groups: [],
        peers: peers.map((p, i) => ({
          name: p,
          subnets: { wg: { listenPort: 51820, ipAddresses: [`10.7.0.${i + 1}`, "auto"] } },
        })),
        connections: [
          {
            a: [{ type: "subnet", rule: "is", value: "wg" }],
            b: [{ type: "subnet", rule: "is", value: "wg" }],
          },
        ],
      },
      null,
      2,
    )}\n`,
  );
  return file;
}

test("ten add-peer at once: ten peers, each with its own address of the pool", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = join(dir, "conc.yaml");
  ok(wirenix(["init", acl, "--pool", "10.0.0.0/24"]), "init");
  const names = ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"];
  const runs = await Promise.all(names.map((n) => cli(["add-peer", acl, n])));
  runs.forEach((ran, i) => {
    ok(ran, names[i] as string);
    assert.match(ran.stdout, new RegExp(`^added peer "${names[i]}"`));
  });
  const peers = peersOf(acl);
  assert.deepEqual(peers.map((p) => p.name).sort(), [...names].sort());
  assert.deepEqual(peers.map((p) => p.subnets.wg?.ipAddresses?.[0]).sort(), [
    "10.0.0.1",
    "10.0.0.10",
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.4",
    "10.0.0.5",
    "10.0.0.6",
    "10.0.0.7",
    "10.0.0.8",
    "10.0.0.9",
  ]);
  // The lock and every temporary file are gone.
  assert.deepEqual(readdirSync(dir), ["conc.yaml"]);
});

test("add-peer, remove-peer and keys generate --update-acl at once: every change lands", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  for (const round of [1, 2, 3]) {
    const acl = pool(dir, `net${round}.json`, ["a", "b", "c"]);
    const keys = join(dir, `keys${round}`);
    const runs = await Promise.all([
      cli(["add-peer", acl, "d"]),
      cli(["remove-peer", acl, "b"]),
      cli(["keys", "generate", acl, "--dir", keys, "--update-acl"]),
      cli(["add-peer", acl, "e"]),
      cli(["add-peer", acl, "f"]),
    ]);
    for (const [i, ran] of runs.entries()) ok(ran, `round ${round}, run ${i}`);
    const peers = peersOf(acl);
    assert.deepEqual(
      peers.map((p) => p.name).sort(),
      ["a", "c", "d", "e", "f"],
      `round ${round}: b removed, d, e and f added`,
    );
    const addresses = peers.map((p) => p.subnets.wg?.ipAddresses?.[0]);
    assert.equal(new Set(addresses).size, 5, `round ${round}: distinct addresses ${addresses}`);
    // a and c were there all along: keys generate wrote theirs; the others have theirs if
    // they were added before it ran. Every key written is the one of the key file.
    for (const peer of peers) {
      if (peer.publicKey === undefined) {
        assert.ok(["d", "e", "f"].includes(peer.name), `round ${round}: ${peer.name} has a key`);
        continue;
      }
      const privateKey = read(join(keys, `${peer.name}.key`));
      const made = execFileSync("wg", ["pubkey"], { input: privateKey, encoding: "utf8" });
      assert.equal(peer.publicKey, made.trim(), `round ${round}: ${peer.name}`);
    }
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes("wirenix")),
      [],
      `round ${round}`,
    );
  }
});

test("a lock left by a dead process (and a takeover guard by another) is taken over once, by one run", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = pool(dir, "net.json", ["a"]);
  const lock = join(dir, ".net.json.wirenix-lock");
  const dead = await deadPid();
  writeFileSync(lock, `${dead}\n`);
  // A run killed while taking over that lock left its guard, named after the lock file.
  const guardMaker = await deadPid();
  writeFileSync(`${lock}.takeover-${statSync(lock).ino}-${dead}`, `${guardMaker}\n`);
  const names = ["b", "c", "d", "e", "f"];
  const runs = await Promise.all(names.map((n) => cli(["add-peer", acl, n])));
  for (const [i, ran] of runs.entries()) ok(ran, names[i] as string);
  const notices = runs.filter((r) =>
    r.stderr.includes(`${lock}: took over the lock of process ${dead}, which no longer runs`),
  );
  assert.equal(notices.length, 1, runs.map((r) => r.stderr).join("\n"));
  assert.deepEqual(
    peersOf(acl)
      .map((p) => p.name)
      .sort(),
    ["a", "b", "c", "d", "e", "f"],
  );
  assert.deepEqual(readdirSync(dir), ["net.json"]);

  // Each command that edits an ACL takes such a lock over, init included.
  const keys = join(dir, "keys");
  const fresh = join(dir, "fresh.yaml");
  for (const [args, file] of [
    [["remove-peer", acl, "f"], acl],
    [["keys", "generate", acl, "--dir", keys, "--update-acl"], acl],
    [["init", fresh], fresh],
  ] as const) {
    const gone = await deadPid();
    const lockOf = join(dir, `.${file === acl ? "net.json" : "fresh.yaml"}.wirenix-lock`);
    writeFileSync(lockOf, `${gone}\n`);
    const ran = await cli(args);
    ok(ran, args[0]);
    assert.match(ran.stderr, new RegExp(`took over the lock of process ${gone}, which no longer`));
    assert.ok(!existsSync(lockOf), args[0]);
  }
  assert.ok(existsSync(fresh));
  assert.ok(!peersOf(acl).some((p) => p.name === "f"));
});

test("a lock held by a live process: each edit waits its time, then fails naming the holder, and changes nothing", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const acl = pool(dir, "net.json", ["a", "b"]);
  const before = read(acl);
  const holder = spawn("sleep", ["300"]);
  t.after(() => holder.kill());
  const lock = join(dir, ".net.json.wirenix-lock");
  writeFileSync(lock, `${holder.pid}\n`);
  const fresh = join(dir, "fresh.yaml");
  writeFileSync(join(dir, ".fresh.yaml.wirenix-lock"), `${holder.pid}\n`);
  const keys = join(dir, "keys");
  const brief = { ...process.env, WIRENIX_LOCK_WAIT: "0.3" };
  for (const [args, file] of [
    [["add-peer", acl, "c"], acl],
    [["remove-peer", acl, "b"], acl],
    [["keys", "generate", acl, "--dir", keys, "--update-acl"], acl],
    [["init", fresh], fresh],
  ] as const) {
    const ran = await cli(args, brief);
    assert.equal(ran.code, 1, `${args[0]}: ${ran.stderr}`);
    assert.equal(ran.stdout, "", args[0]);
    assert.ok(
      ran.stderr.includes(
        `${file} is being edited by another wirenix run (process ${holder.pid}); waited 0.3 s`,
      ),
      ran.stderr,
    );
    assert.doesNotMatch(ran.stderr, /\n\s+at /, "no stack trace");
  }
  assert.equal(read(acl), before, "the ACL is unchanged");
  assert.ok(!existsSync(fresh), "init wrote nothing");
  assert.ok(!existsSync(keys), "keys generate made no keys for an ACL it could not update");
  assert.equal(read(lock), `${holder.pid}\n`, "the holder's lock is left alone");
});

test("kill -9 while an edit holds the lock: the ACL is whole, the next run takes the lock over", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  // Big enough that an edit holds the lock long enough to be caught holding it.
  const many = Array.from({ length: 250 }, (_, i) => `p${i}`);
  const acl = pool(dir, "big.json", many);
  const original = read(acl);
  const lock = join(dir, ".big.json.wirenix-lock");
  let caught: number | undefined;
  for (let attempt = 0; attempt < 5 && caught === undefined; attempt++) {
    const child = spawn(process.execPath, [wirenixBin, "add-peer", acl, "newcomer"], {
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    const watcher = watch(dir, () => {
      try {
        if (read(lock).trim() === String(child.pid)) child.kill("SIGKILL");
      } catch {
        // Not there (yet, or any more).
      }
    });
    const signal = await exited;
    watcher.close();
    // Killed while it held the lock, unless it had just released it.
    if (signal === "SIGKILL" && existsSync(lock)) caught = child.pid;
    else writeFileSync(acl, original);
  }
  assert.ok(caught !== undefined, "a run was caught holding the lock");
  // Whole: the old file or the old file with the new peer, never a mix.
  const after = read(acl);
  const names = (JSON.parse(after).peers as Peer[]).map((p) => p.name);
  assert.ok(after === original || names.join() === [...many, "newcomer"].join(), after);
  assert.equal(read(lock).trim(), String(caught), "the killed run's lock is still there");

  const next = await cli(["add-peer", acl, "later"]);
  ok(next, "the next run");
  assert.match(next.stderr, new RegExp(`took over the lock of process ${caught}, which no longer`));
  assert.ok(peersOf(acl).some((p) => p.name === "later"));
  assert.deepEqual(readdirSync(dir), ["big.json"], "no lock, no temporary file left");
});
