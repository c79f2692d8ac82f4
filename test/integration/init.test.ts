/**
 * `wirenix init` in every format: the file loads and validates with the real loaders (the Nix
 * one with nix-instantiate), all formats mean the same ACL, it never overwrites a file, and
 * once peers are added (and their keys generated) `generate` accepts it.
 */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadAcl } from "../../src/acl/load.js";
import { parseAcl } from "../../src/acl/parse.js";
import { createRegistry } from "../../src/app/registry.js";
import { tempDir, wirenixInProcess } from "../support/run.js";

const every = [{ type: "subnet", rule: "is", value: "mesh" }];
/** What `init net.X --subnet mesh --pool 10.9.0.0/24 --port 51999` must mean, written out. */
const expected = {
  version: "v1",
  subnets: [
    { name: "mesh", ipv4Pool: "10.9.0.0/24", endpoints: [{ port: 51999, persistentKeepalive: 5 }] },
  ],
  groups: [],
  peers: [],
  connections: [{ a: every, b: every, subnets: ["mesh"] }],
};

/** An RFC 4193 /64 as init writes it: "fd", a 40-bit global ID, subnet ID 1. */
const RANDOM_PREFIX = /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:1::\/64$/;

/**
 * The ACL in `file`, its subnet's random `ipv6Prefix` checked (RFC 4193 shape, and the one
 * `printed` names) and taken out, so the rest can be compared with what is written by hand.
 */
function load(file: string, printed?: string): unknown {
  const loaded = loadAcl(file);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.ok(parseAcl(loaded.value.data, createRegistry()).ok);
  const data = JSON.parse(JSON.stringify(loaded.value.data));
  const prefix = data.subnets[0].ipv6Prefix;
  assert.match(prefix, RANDOM_PREFIX);
  if (printed !== undefined) assert.match(printed, new RegExp(`IPv6 prefix ${prefix}, random`));
  delete data.subnets[0].ipv6Prefix;
  return data;
}

for (const ext of ["yaml", "yml", "json", "toml", "nix"])
  test(`init net.${ext}: a valid starter ACL, never written over an existing file`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = join(dir, `net.${ext}`);
    const args = ["init", file, "--subnet", "mesh", "--pool", "10.9.0.0/24", "--port", "51999"];
    const run = await wirenixInProcess(args);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `^wrote ${file}: subnet "mesh" \\(port 51999, IPv4 pool 10\\.9\\.0\\.0/24, IPv6 prefix fd[0-9a-f:]+::/64, random\\), no peers yet\n${
          // add-peer does not edit a .nix ACL: its next step is by hand, then check.
          ext === "nix"
            ? `next: add peers by hand into peers = \\[ \\] of ${file} \\(its comments show the shape; add-peer edits only \\.yaml, \\.yml, \\.json and \\.toml ACLs\\), then: wirenix check ${file}`
            : `next: wirenix add-peer ${file} NAME`
        }\n$`,
      ),
    );
    assert.deepEqual(load(file, run.stdout), expected);
    const text = readFileSync(file, "utf8");
    if (ext !== "json") {
      // Each key is explained in a comment.
      for (const key of ["Subnets", "ipv4Pool", "ipv6Prefix", "Groups", "Peers", "Connections"])
        assert.match(text, new RegExp(`#.*${key}`), key);
    }
    writeFileSync(file, "mine\n");
    const again = await wirenixInProcess(["init", file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists; init never overwrites a file/);
    assert.equal(readFileSync(file, "utf8"), "mine\n");
  });

test("init defaults: subnet wg, port 51820, no pool (shown as a comment)", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = join(dir, "net.yaml");
  assert.equal((await wirenixInProcess(["init", file])).code, 0);
  const wg = [{ type: "subnet", rule: "is", value: "wg" }];
  assert.deepEqual(load(file), {
    version: "v1",
    subnets: [{ name: "wg", endpoints: [{ port: 51820, persistentKeepalive: 5 }] }],
    groups: [],
    peers: [],
    connections: [{ a: wg, b: wg, subnets: ["wg"] }],
  });
  assert.match(readFileSync(file, "utf8"), /^ {4}# ipv4Pool: 10\.0\.0\.0\/24$/m);
});

test("init refuses a bad pool, a bad port and an unknown extension, writing nothing", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  for (const [args, code, message] of [
    [
      ["init", join(dir, "a.yaml"), "--pool", "10.0.0.1"],
      2,
      /the pool "10\.0\.0\.1": expected an IPv4 network with its prefix length, like 10\.0\.0\.0\/24 \(--pool\)/,
    ],
    [["init", join(dir, "a.yaml"), "--pool", "fd00::/64"], 2, /expected an IPv4 network/],
    [["init", join(dir, "a.yaml"), "--port", "70000"], 2, /--port "70000": expected a port number/],
    [
      ["init", join(dir, "a.txt")],
      2,
      /expected a file name ending in \.yaml, \.yml, \.json, \.toml, \.nix/,
    ],
  ] as const) {
    const run = await wirenixInProcess(args);
    assert.equal(run.code, code, run.stderr);
    assert.match(run.stderr, message);
  }
  const { readdirSync } = await import("node:fs");
  assert.deepEqual(readdirSync(dir), []);
});

for (const ext of ["yaml", "json", "toml"])
  test(`init net.${ext}, add peers, keys generate --update-acl: generate accepts it`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = join(dir, `net.${ext}`);
    const keys = join(dir, "keys");
    for (const args of [
      ["init", file, "--pool", "10.5.0.0/24"],
      ["add-peer", file, "hub", "--endpoint", "hub.example.org"],
      ["add-peer", file, "laptop"],
      ["keys", "generate", file, "--dir", keys, "--update-acl"],
    ]) {
      const run = await wirenixInProcess(args);
      assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    }
    const out = join(dir, "out");
    const generated = await wirenixInProcess([
      ...["generate", file, "--configurer", "wg-quick", "--key-provider", "dir"],
      ...["--keys-dir", keys, "--out", out],
    ]);
    assert.equal(generated.code, 0, generated.stderr);
    const laptop = readFileSync(join(out, "laptop", "wg.conf"), "utf8");
    assert.match(laptop, /^Address = 10\.5\.0\.2\/24, fd[0-9a-f:]+\/64$/m);
    assert.match(laptop, /^Endpoint = hub\.example\.org:51820$/m);
    assert.match(laptop, /^AllowedIPs = 10\.5\.0\.1\/32,fd[0-9a-f:]+\/128$/m);
  });

test("each init draws its own IPv6 prefix, and add-peer's generated address is in it", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const prefixes = new Set<string>();
  for (const name of ["home", "work"]) {
    const file = join(dir, `${name}.yaml`);
    assert.equal((await wirenixInProcess(["init", file])).code, 0);
    const loaded = loadAcl(file);
    assert.ok(loaded.ok);
    const prefix = (loaded.value.data as { subnets: { ipv6Prefix: string }[] }).subnets[0]
      ?.ipv6Prefix as string;
    prefixes.add(prefix);
    const added = await wirenixInProcess(["add-peer", file, "alice"]);
    assert.equal(added.code, 0, added.stderr);
    // The prefix's four groups, written out to four digits each, then alice's interface ID as
    // the original derives it (sha256("alice"), its first 16 hex digits: 2bd806c97f0e00af).
    const groups = prefix
      .replace("::/64", "")
      .split(":")
      .map((g) => g.padStart(4, "0"));
    assert.equal(
      added.stdout,
      `added peer "alice" to subnet "wg" in ${file}: listen port 51820, addresses ${groups.join(":")}:2bd8:06c9:7f0e:00af (generated)\n`,
    );
  }
  // Two draws of 40 random bits: equal once in a trillion.
  assert.equal(prefixes.size, 2);
});
