/**
 * `add-peer`, `remove-peer` and `--update-acl` edit the ACL in its own format: the real `diff`
 * of the file before and after shows only the lines of the added or removed peer (JSON also
 * moves a comma), and comments, spacing and flow or block styles elsewhere stay as written.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  lstatSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { lockAcl } from "../../src/edit/acl-file.js";
import { updateAclPublicKeys } from "../../src/edit/update-acl.js";
import { fixtures } from "../support/paths.js";
import { tempDir, wirenixInProcess } from "../support/run.js";
import { wgKeyPair } from "../support/wg.js";

const FORMATS = ["net.yaml", "net.json", "net-compact.json", "net.toml"] as const;

function read(file: string): string {
  return readFileSync(file, "utf8");
}

function parse(file: string): any {
  const text = read(file);
  if (file.endsWith(".toml")) return JSON.parse(JSON.stringify(parseToml(text)));
  if (file.endsWith(".json")) return JSON.parse(text);
  return parseYaml(text);
}

interface Hunk {
  kind: "a" | "d" | "c";
  removed: string[];
  added: string[];
}

/** The hunks of `diff before after` (the real program, normal format). */
function diff(before: string, after: string, dir: string): Hunk[] {
  const x = join(dir, "before.txt");
  const y = join(dir, "after.txt");
  writeFileSync(x, before);
  writeFileSync(y, after);
  const run = spawnSync("diff", [x, y], { encoding: "utf8" });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  const hunks: Hunk[] = [];
  for (const line of run.stdout.split("\n")) {
    const head = /^\d+(?:,\d+)?([adc])\d+(?:,\d+)?$/.exec(line);
    if (head) hunks.push({ kind: head[1] as Hunk["kind"], removed: [], added: [] });
    else if (line.startsWith("< ")) hunks.at(-1)?.removed.push(line.slice(2));
    else if (line.startsWith("> ")) hunks.at(-1)?.added.push(line.slice(2));
  }
  return hunks;
}

/** JSON has no trailing commas: the line before an added or removed item gains or loses one. */
const withoutCommas = (text: string) => text.replace(/,$/gm, "");

function copy(dir: string, name: string): string {
  const file = join(dir, name);
  copyFileSync(join(fixtures, "edit", name), file);
  return file;
}

const delta = {
  name: "delta",
  subnets: { lan: { listenPort: 51820, ipAddresses: ["10.1.0.3", "auto"] } },
  endpoints: [{ ip: "192.0.2.7", port: 51999 }],
};

for (const name of FORMATS) {
  test(`add-peer on ${name}: only the new peer's lines are added, at the lowest free pool address`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = copy(dir, name);
    const before = read(file);
    const data = parse(file);
    const run = await wirenixInProcess([
      "add-peer",
      file,
      "delta",
      "--endpoint",
      "192.0.2.7:51999",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /added peer "delta" to subnet "lan" .*listen port 51820, addresses 10\.1\.0\.3, fd/,
    );
    const after = read(file);
    // 10.1.0.1, .2 (written as 10.1.0.2/24) and .4 are taken: .3 is the hole.
    data.peers.push(delta);
    assert.deepEqual(parse(file), data);
    if (name === "net-compact.json") {
      assert.equal(after.split("\n").length, 2, "still one line");
      let p = 0;
      while (before[p] === after[p]) p++;
      let s = 0;
      while (s < before.length - p && before[before.length - 1 - s] === after[after.length - 1 - s])
        s++;
      assert.equal(before.slice(0, p) + before.slice(before.length - s), before, "only inserted");
      assert.match(after.slice(p, after.length - s), /^,?\{"name":"delta".*\},?$/);
      return;
    }
    const normal = name.endsWith(".json") ? withoutCommas : (s: string) => s;
    const hunks = diff(normal(before), normal(after), dir);
    assert.ok(hunks.length > 0);
    for (const h of hunks) assert.equal(h.kind, "a", JSON.stringify(h));
  });

  test(`remove-peer on ${name}: a peer nothing names leaves only removed lines`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = copy(dir, name);
    const before = read(file);
    const data = parse(file);
    const run = await wirenixInProcess(["remove-peer", file, "alpha"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `removed peer "alpha" from ${file}\n`);
    assert.equal(run.stderr, "");
    data.peers.shift();
    assert.deepEqual(parse(file), data);
    const after = read(file);
    if (name === "net-compact.json") {
      assert.equal(after.split("\n").length, 2, "still one line");
      return;
    }
    const normal = name.endsWith(".json") ? withoutCommas : (s: string) => s;
    for (const h of diff(normal(before), normal(after), dir))
      assert.equal(h.kind, "d", JSON.stringify(h));
  });

  test(`remove-peer on ${name}: every reference goes, and only lines naming the peer change`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = copy(dir, name);
    const before = read(file);
    const run = await wirenixInProcess(["remove-peer", file, "beta"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      [
        'wirenix: removed subnets[0].endpoints[1]: its match selected only peer "beta"',
        'wirenix: removed peers[2].subnets.lan.exitNode: peer "gamma" no longer sends its traffic through "beta"',
        'wirenix: removed connections[1]: its side a selected only peer "beta", so it linked nobody',
        "",
      ].join("\n"),
    );
    const lan = [{ type: "subnet", rule: "is", value: "lan" }];
    assert.deepEqual(parse(file), {
      version: "v1",
      subnets: [{ name: "lan", ipv4Pool: "10.1.0.0/29", endpoints: [{ port: 51820 }] }],
      groups: [{ name: "servers" }],
      peers: [
        {
          name: "alpha",
          groups: ["servers"],
          subnets: { lan: { listenPort: 51820, ipAddresses: ["10.1.0.1", "auto"] } },
          endpoints: [{ ip: "alpha.example.org" }],
        },
        { name: "gamma", subnets: { lan: { listenPort: 51820, ipAddresses: ["10.1.0.4"] } } },
      ],
      connections: [
        { a: lan, b: [] },
        // "not beta" is always true now: dropped; an emptied side still selects every peer.
        { a: [{ type: "group", rule: "is", value: "servers" }], b: [] },
      ],
    });
    if (name === "net-compact.json") return;
    for (const h of diff(before, read(file), dir)) {
      assert.notEqual(h.kind, "a");
      if (h.kind === "c")
        assert.ok(
          h.removed.some((l) => l.includes("beta")),
          JSON.stringify(h),
        );
    }
    // Comments not inside what was removed stay.
    const comments = before.split("\n").filter((l) => /^\s*#/.test(l));
    for (const c of comments.filter((l) => !l.includes("beta")))
      assert.ok(read(file).includes(c), c);
  });
}

test("add-peer: new groups are declared, the subnet's port is used, ports and subnets can be chosen", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = copy(dir, "net.yaml");
  const run = await wirenixInProcess([
    "add-peer",
    file,
    "delta",
    "--group",
    "ops",
    "--group",
    "servers",
    "--port",
    "51900",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stderr,
    'wirenix: added group "ops"\nwirenix: peer "delta" has no endpoint, so nobody can dial it: written with roaming: true (it sends a keepalive every 25 s to the peers it dials, which keeps its NAT open)\n',
  );
  const data = parse(file);
  assert.deepEqual(data.groups, [{ name: "servers" }, { name: "ops" }]);
  assert.deepEqual(data.peers[3], {
    name: "delta",
    groups: ["ops", "servers"],
    roaming: true,
    subnets: { lan: { listenPort: 51900, ipAddresses: ["10.1.0.3", "auto"] } },
  });
  // [IPv6]:port and a host name without port (then the peer's own port).
  assert.equal(
    (await wirenixInProcess(["add-peer", file, "eps", "--endpoint", "[2001:db8::7]:4000"])).code,
    0,
  );
  assert.equal(
    (await wirenixInProcess(["add-peer", file, "eps2", "--endpoint", "eps2.example.org"])).code,
    0,
  );
  const peers = parse(file).peers;
  assert.deepEqual(peers[4].endpoints, [{ ip: "2001:db8::7", port: 4000 }]);
  assert.deepEqual(peers[5].endpoints, [{ ip: "eps2.example.org", port: 51820 }]);
  assert.equal(peers[4].subnets.lan.ipAddresses[0], "10.1.0.5");
  assert.equal(peers[5].subnets.lan.ipAddresses[0], "10.1.0.6");
});

test("add-peer refuses, leaving the file as it was: a full pool, a taken name, an unknown or unnamed subnet, a bad endpoint", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = copy(dir, "net.yaml");
  for (const p of ["d1", "d2", "d3"])
    assert.equal((await wirenixInProcess(["add-peer", file, p])).code, 0);
  const full = read(file);
  const cases: [string[], number, RegExp][] = [
    [
      ["add-peer", file, "d4"],
      1,
      /subnets\[0\]\.ipv4Pool: the pool 10\.1\.0\.0\/29 is full: its 6 usable addresses \(10\.1\.0\.1-10\.1\.0\.6\) are taken/,
    ],
    [["add-peer", file, "alpha"], 1, /there is already a peer "alpha"/],
    [["add-peer", file, "d5", "--subnet", "wan"], 2, /no subnet "wan" \(subnets: "lan"\)/],
    [
      ["add-peer", file, "d6", "--endpoint", "host:99999"],
      2,
      /--endpoint "host:99999": expected HOST or HOST:PORT/,
    ],
    [["add-peer", file, "d7", "--port", "0"], 2, /--port "0": expected a port number/],
  ];
  for (const [args, code, message] of cases) {
    const run = await wirenixInProcess(args);
    assert.equal(run.code, code, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(read(file), full);
  }
  // Several subnets and none chosen: the choice is listed.
  const two = join(dir, "two.json");
  writeFileSync(
    two,
    JSON.stringify({
      version: "v1",
      subnets: [
        { name: "a", endpoints: [] },
        { name: "b", endpoints: [] },
      ],
      groups: [],
      peers: [],
      connections: [],
    }),
  );
  const run = await wirenixInProcess(["add-peer", two, "x"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /the ACL has 2 subnets \("a", "b"\): choose one \(--subnet\)/);
  // Without a pool the peer gets only its generated IPv6 address.
  assert.equal((await wirenixInProcess(["add-peer", two, "x", "--subnet", "b"])).code, 0);
  assert.deepEqual(parse(two).peers, [
    { name: "x", roaming: true, subnets: { b: { listenPort: 51820 } } },
  ]);
});

test("add-peer: a peer without endpoint is roaming; the subnet's first peer with one becomes its relay", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = join(dir, "net.yaml");
  assert.equal((await wirenixInProcess(["init", file])).code, 0);
  const bob = await wirenixInProcess(["add-peer", file, "bob"]);
  assert.equal(bob.code, 0, bob.stderr);
  assert.match(
    bob.stderr,
    /peer "bob" has no endpoint, so nobody can dial it: written with roaming: true/,
  );
  assert.equal(parse(file).subnets[0].relay, undefined, "no relay without a peer to dial");
  const alice = await wirenixInProcess([
    "add-peer",
    file,
    "alice",
    "--endpoint",
    "alice.example.org",
  ]);
  assert.equal(alice.code, 0, alice.stderr);
  assert.equal(
    alice.stderr,
    'wirenix: subnet "wg" relays through "alice" now (relay: alice): peers without an endpoint reach each other through it\n',
  );
  const dave = await wirenixInProcess(["add-peer", file, "dave", "--endpoint", "198.51.100.4"]);
  assert.equal(dave.code, 0, dave.stderr);
  assert.equal(dave.stderr, "", "the subnet has a peer to dial already: no new relay");
  const data = parse(file);
  assert.equal(data.subnets[0].relay, "alice");
  assert.deepEqual(
    data.peers.map((p: { name: string; roaming?: boolean }) => [p.name, p.roaming]),
    [
      ["bob", true],
      ["alice", undefined],
      ["dave", undefined],
    ],
  );
  // A relay written by hand stays.
  const other = join(dir, "other.yaml");
  assert.equal((await wirenixInProcess(["init", other])).code, 0);
  assert.equal((await wirenixInProcess(["add-peer", other, "x"])).code, 0);
  writeFileSync(other, read(other).replace("    endpoints:\n", "    relay: x\n    endpoints:\n"));
  const hub = await wirenixInProcess(["add-peer", other, "hub", "--endpoint", "hub.example.org"]);
  assert.equal(hub.code, 0, hub.stderr);
  assert.equal(hub.stderr, "");
  assert.equal(parse(other).subnets[0].relay, "x");
  // The relay removed: the subnet's relay goes with it.
  const removed = await wirenixInProcess(["remove-peer", file, "alice"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(
    removed.stderr,
    'wirenix: removed subnets[0].relay: subnet "wg" has no relay now (set one, or peers without an endpoint no longer reach each other)\n',
  );
  assert.equal(parse(file).subnets[0].relay, undefined);
});

test("remove-peer: an unknown peer lists the known ones; a .nix ACL is refused", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = copy(dir, "net.toml");
  const run = await wirenixInProcess(["remove-peer", file, "omega"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /peers: no peer "omega" \(peers: "alpha", "beta", "gamma"\)/);
  const nix = join(dir, "net.nix");
  writeFileSync(
    nix,
    '{ version = "v1"; subnets = []; groups = []; peers = []; connections = []; }\n',
  );
  for (const args of [
    ["remove-peer", nix, "alpha"],
    ["add-peer", nix, "x"],
  ]) {
    const refused = await wirenixInProcess(args);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot edit .*net\.nix: a \.nix ACL is a program/);
  }
});

test("edits of a symlinked ACL go to its target; the link stays a link, the mode stays", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const target = copy(dir, "net.yaml");
  const { chmodSync } = await import("node:fs");
  chmodSync(target, 0o640);
  const link = join(dir, "link.yaml");
  symlinkSync(target, link);
  assert.equal((await wirenixInProcess(["add-peer", link, "delta"])).code, 0);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(lstatSync(target).mode & 0o777, 0o640);
  assert.equal(parse(target).peers.at(-1).name, "delta");
});

test("--update-acl keeps a one-line JSON ACL on one line", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = copy(dir, "net-compact.json");
  const before = read(file);
  const keys = [wgKeyPair(), wgKeyPair()].map((k) => k.publicKey);
  const locked = await lockAcl(file, "--update-acl");
  assert.ok(locked.ok);
  const done = updateAclPublicKeys(locked.value, [
    { index: 0, name: "alpha", publicKey: keys[0] as string },
    { index: 2, name: "gamma", publicKey: keys[1] as string },
  ]);
  locked.value.release();
  assert.ok(done.ok);
  assert.deepEqual(done.value.changed, ["alpha", "gamma"]);
  const after = read(file);
  assert.equal(after.split("\n").length, 2);
  assert.equal(
    after,
    before
      .replace(
        '"endpoints":[{"ip":"alpha.example.org"}]}',
        `"endpoints":[{"ip":"alpha.example.org"}],"publicKey":"${keys[0]}"}`,
      )
      .replace('"exitNode":"beta"}}}', `"exitNode":"beta"}},"publicKey":"${keys[1]}"}`),
  );
});

test("a file with CRLF line ends keeps them, on the new lines too", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = copy(dir, "net.yaml");
  writeFileSync(file, read(file).replaceAll("\n", "\r\n"));
  const before = read(file);
  assert.equal((await wirenixInProcess(["add-peer", file, "delta"])).code, 0);
  const after = read(file);
  assert.ok(after.startsWith(before.slice(0, before.indexOf("  - name: gamma"))));
  assert.doesNotMatch(after, /[^\r]\n/);
  assert.equal(parse(file).peers[3].name, "delta");
});

const POLICY_FORMATS = ["policy.yaml", "policy.json", "policy.toml"] as const;

/** The codes and paths `check --format json` gives for the ACL's policy tests. */
async function policyFindings(file: string): Promise<string[]> {
  const run = await wirenixInProcess(["check", file, "--format", "json"]);
  return (JSON.parse(run.stdout).diagnostics as { code: string; path: string }[])
    .filter((d) => ["policy-failed", "unknown-reference", "invalid-test"].includes(d.code))
    .map((d) => `${d.code} ${d.path}`);
}

for (const name of POLICY_FORMATS) {
  test(`remove-peer on ${name}: rules and tests naming the peer go, "not" filters are dropped, the rest still holds`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = copy(dir, name);
    const before = read(file);
    const data = parse(file);
    const run = await wirenixInProcess(["remove-peer", file, "laptop2"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      [
        'wirenix: removed rules[0].from[1]: "peer not laptop2" excludes nobody once "laptop2" is gone (the rule selects the same peers; a new peer named "laptop2" would be selected)',
        'wirenix: removed rules[1]: its from selected only peer "laptop2", so it let nothing in',
        'wirenix: removed tests[0].notReaches[0]: peer "laptop2" is gone',
        'wirenix: removed tests[1]: it tested what peer "laptop2" reaches',
        'wirenix: removed tests[2]: every target of it was peer "laptop2"',
        "",
      ].join("\n"),
    );
    data.peers.splice(2, 1);
    data.rules = [
      {
        from: [{ type: "group", rule: "is", value: "laptops" }],
        to: [{ type: "group", rule: "is", value: "servers" }],
        allow: ["tcp/22"],
      },
      { from: [], to: [{ type: "peer", rule: "is", value: "hub" }], allow: ["icmp"] },
    ];
    data.tests = [
      {
        from: "laptop1",
        reaches: ["server1:tcp/22", "hub:icmp"],
        notReaches: ["192.168.10.0/24:tcp/631"],
      },
    ];
    assert.deepEqual(parse(file), data);
    // What is left is proven as before: every remaining assertion passes.
    assert.deepEqual(await policyFindings(file), []);
    if (!name.endsWith(".json"))
      for (const h of diff(before, read(file), dir)) {
        assert.notEqual(h.kind, "a", JSON.stringify(h));
        if (h.kind === "c") assert.ok(h.removed.join("\n").includes("laptop2"), JSON.stringify(h));
      }
  });

  test(`remove-peer on ${name}: a rule whose only "to" is the peer goes, never to select everyone`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = copy(dir, name);
    const data = parse(file);
    const run = await wirenixInProcess(["remove-peer", file, "hub"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      [
        'wirenix: removed connections[0]: its side a selected only peer "hub", so it linked nobody',
        'wirenix: removed rules[2]: its to selected only peer "hub", so it let nothing in',
        'wirenix: removed tests[0].reaches[1]: peer "hub" is gone',
        "",
      ].join("\n"),
    );
    const after = parse(file);
    // `to: []` would let everyone ping everyone: the rule went instead.
    assert.deepEqual(after.rules, data.rules.slice(0, 2));
    assert.deepEqual(after.tests[0].reaches, ["server1:tcp/22"]);
    assert.deepEqual(after.connections, [data.connections[1]]);
  });

  test(`remove-peer on ${name}: a routed network only the peer served goes from the tests, said so`, async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const file = copy(dir, name);
    const run = await wirenixInProcess(["remove-peer", file, "printers"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      [
        'wirenix: removed connections[1]: its side b selected only peer "printers", so it linked nobody',
        'wirenix: removed rules[1]: its to selected only peer "printers", so it let nothing in',
        'wirenix: removed tests[0].notReaches[1]: "192.168.10.0/24:tcp/631" names a network only "printers" routed, and a test may name only what some peer routes (write it again once another peer routes it)',
        'wirenix: removed tests[1].reaches[0]: "192.168.10.7:tcp/631" names a network only "printers" routed, and a test may name only what some peer routes (write it again once another peer routes it)',
        "",
      ].join("\n"),
    );
    assert.deepEqual(parse(file).tests, [
      { from: "laptop1", reaches: ["server1:tcp/22", "hub:icmp"], notReaches: ["laptop2"] },
      { from: "laptop2", reaches: [], notReaches: ["server1:tcp/22"] },
      { from: "server1", notReaches: ["laptop2.office:tcp/22"] },
    ]);
    assert.deepEqual(await policyFindings(file), []);
  });
}

test("remove-peer: the last rule going leaves `rules: []` (nothing let in), never no rules (everything let in)", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const texts: Record<string, string> = {
    "one.yaml": `version: v1
subnets: [{ name: wg, endpoints: [{ port: 51820 }] }]
groups: []
peers:
  - { name: a, subnets: { wg: { listenPort: 51820, ipAddresses: [10.0.0.1] } } }
  - { name: b, subnets: { wg: { listenPort: 51820, ipAddresses: [10.0.0.2] } } }
connections: [{ a: [], b: [] }]
rules:
  - from: [{ type: peer, rule: is, value: b }]
    to: []
    allow: ["*"]
tests:
  - from: a
    notReaches: [b]
`,
    "one.json": `{
  "version": "v1",
  "subnets": [{ "name": "wg", "endpoints": [{ "port": 51820 }] }],
  "groups": [],
  "peers": [
    { "name": "a", "subnets": { "wg": { "listenPort": 51820, "ipAddresses": ["10.0.0.1"] } } },
    { "name": "b", "subnets": { "wg": { "listenPort": 51820, "ipAddresses": ["10.0.0.2"] } } }
  ],
  "connections": [{ "a": [], "b": [] }],
  "rules": [{ "from": [{ "type": "peer", "rule": "is", "value": "b" }], "to": [], "allow": ["*"] }],
  "tests": [{ "from": "a", "notReaches": ["b"] }]
}
`,
    "one.toml": `version = "v1"
groups = []
connections = [{ a = [], b = [] }]

[[subnets]]
name = "wg"
endpoints = [{ port = 51820 }]

[[peers]]
name = "a"
subnets.wg = { listenPort = 51820, ipAddresses = ["10.0.0.1"] }

[[peers]]
name = "b"
subnets.wg = { listenPort = 51820, ipAddresses = ["10.0.0.2"] }

[[rules]]
from = [{ type = "peer", rule = "is", value = "b" }]
to = []
allow = ["*"]

[[tests]]
from = "a"
notReaches = ["b"]
`,
  };
  for (const [name, text] of Object.entries(texts)) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const run = await wirenixInProcess(["remove-peer", file, "b"]);
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    const after = parse(file);
    assert.deepEqual(after.rules, [], name);
    assert.deepEqual(after.tests, [], name);
    assert.deepEqual(
      after.peers.map((p: { name: string }) => p.name),
      ["a"],
      name,
    );
  }
});

test("an ACL in a directory that does not exist: every editor says so, and writes nothing", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const missing = join(dir, "nowhere");
  for (const args of [
    ["init", join(missing, "net.yaml")],
    ["add-peer", join(missing, "net.yaml"), "x"],
    ["remove-peer", join(missing, "net.yaml"), "x"],
  ]) {
    const run = await wirenixInProcess(args);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `wirenix: error: ${join(missing, "net.yaml")}: ${args[0]} cannot edit the ACL: its directory ${missing} does not exist; nothing was written\n`,
    );
  }
  assert.deepEqual(readdirSync(dir), []);
});

test("remove-peer: a group or subnet only the peer had goes from the rules with it, never widening them", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  // No top-level groups: "guests" exists only because guest1 lists it.
  const file = join(dir, "guests.yaml");
  writeFileSync(
    file,
    `version: v1
subnets:
  - { name: wg, endpoints: [{ port: 51820 }] }
peers:
  - { name: host, subnets: { wg: { listenPort: 51820, ipAddresses: [10.0.0.1] } } }
  - { name: laptop, subnets: { wg: { listenPort: 51820, ipAddresses: [10.0.0.2] } } }
  - name: guest1
    groups: [guests]
    subnets:
      wg: { listenPort: 51820, ipAddresses: [10.0.0.3] }
connections: [{ a: [], b: [] }]
rules:
  - from: [{ type: group, rule: not, value: guests }]
    to: [{ type: peer, rule: is, value: host }]
    allow: ["tcp/22"]
  - from: [{ type: group, rule: is, value: guests }]
    to: []
    allow: ["tcp/80"]
`,
  );
  const run = await wirenixInProcess(["remove-peer", file, "guest1"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stderr,
    [
      'wirenix: removed rules[0].from[0]: "group not guests" excludes nobody once "guest1" is gone (the rule selects the same peers; a peer later in group "guests" would be selected)',
      'wirenix: removed rules[1]: its from selected only group "guests", which existed only through peer "guest1", so it let nothing in',
      "",
    ].join("\n"),
  );
  assert.deepEqual(parse(file).rules, [
    { from: [], to: [{ type: "peer", rule: "is", value: "host" }], allow: ["tcp/22"] },
  ]);
});
