/**
 * `wirenix diff` in this process: each kind of change alone on a three-peer mesh, then mixed.
 * Expected values are read off the ACLs by hand (the mesh: a, b, c on "lan" at 10.0.0.1-3).
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { NetworkDiff } from "../../src/analysis/diff.js";
import { KEYS, meshAcl } from "../support/acl.js";
import { wirenixInProcess, withTempDir, writeAcl } from "../support/run.js";

type Acl = ReturnType<typeof meshAcl> & Record<string, unknown>;

const peerIs = (value: string) => ({ type: "peer", rule: "is", value });

async function diff(
  change: (acl: Acl) => void,
  extra: string[] = ["--format", "json"],
  base: (acl: Acl) => void = () => {},
) {
  return withTempDir(async (dir) => {
    const old = meshAcl() as Acl;
    base(old);
    const now = structuredClone(old);
    change(now);
    const run = await wirenixInProcess([
      "diff",
      writeAcl(dir, old, "old.json"),
      writeAcl(dir, now, "new.json"),
      ...extra,
    ]);
    return run;
  });
}

async function jsonDiff(change: (acl: Acl) => void, base?: (acl: Acl) => void) {
  const run = await diff(change, ["--format", "json"], base);
  assert.ok(run.code === 0 || run.code === 1, run.stderr);
  return { code: run.code, d: JSON.parse(run.stdout) as NetworkDiff };
}

const tuples = (d: NetworkDiff) =>
  d.reachability.map((c) => `${c.change} ${c.from}->${c.to} ${c.service}`).sort();
const hostChanges = (d: NetworkDiff, host: string) =>
  d.hosts
    .find((h) => h.host === host)
    ?.changes.map(
      (c) => `${c.what}${c.peer ? ` ${c.peer}` : ""}: ${c.old ?? ""} -> ${c.new ?? ""}`,
    );

test("nothing changes: exit 0 and an empty diff", async () => {
  const { code, d } = await jsonDiff(() => {});
  assert.equal(code, 0);
  assert.deepEqual(d.reachability, []);
  assert.deepEqual(d.hosts, []);
  assert.deepEqual(d.findings, []);
  assert.deepEqual(d.policy, []);
});

test("a rule that allows a -> b tcp/22 only: everything else closes, each with its why", async () => {
  const { code, d } = await jsonDiff((acl) => {
    acl.rules = [{ from: [peerIs("a")], to: [peerIs("b")], allow: ["tcp/22"] }];
  });
  assert.equal(code, 1);
  assert.deepEqual(tuples(d), [
    "closed a->b icmp",
    "closed a->b tcp/1-21",
    "closed a->b tcp/23-65535",
    "closed a->b udp/1-65535",
    "closed a->c *",
    "closed b->a *",
    "closed b->c *",
    "closed c->a *",
    "closed c->b *",
  ]);
  const ab = d.reachability.find((c) => c.from === "a" && c.to === "b" && c.service === "icmp");
  assert.deepEqual(ab?.old, {
    reached: true,
    why: '"a" -[lan by connections[0]]-> "b": no rules: everything passes',
  });
  assert.deepEqual(ab?.new, {
    reached: false,
    why: '"a" -[lan by connections[0]]-> "b": dropped at "b": no rule allows it',
  });
  // The firewall each host loads: b lets a in for tcp/22, a and c drop everything.
  assert.deepEqual(hostChanges(d, "b"), [
    "firewall: no rules: everything passes -> ",
    "firewall:  -> in from 10.0.0.1 allow tcp/22 (rules[0])",
  ]);
  assert.deepEqual(hostChanges(d, "c"), [
    "firewall: no rules: everything passes -> ",
    "firewall:  -> drop everything",
  ]);
});

test("a peer added: its links on every host, and reachability opened both ways", async () => {
  const { d } = await jsonDiff((acl) => {
    acl.peers.push({
      name: "d",
      groups: [],
      subnets: { lan: { listenPort: 51820, ipAddresses: ["10.0.0.4"] } },
      publicKey: KEYS.d,
      privateKeyFile: "/etc/wg.key",
      endpoints: [{ ip: "d.example" }],
    });
  });
  assert.deepEqual(tuples(d), [
    "opened a->d *",
    "opened b->d *",
    "opened c->d *",
    "opened d->a *",
    "opened d->b *",
    "opened d->c *",
  ]);
  assert.deepEqual(
    d.hosts.map((h) => [h.host, h.status]),
    [
      ["a", "changed"],
      ["b", "changed"],
      ["c", "changed"],
      ["d", "added"],
    ],
  );
  assert.deepEqual(hostChanges(d, "a"), ["peer d:  -> added (AllowedIPs 10.0.0.4/32)"]);
  const opened = d.reachability.find((c) => c.from === "d" && c.to === "a");
  assert.deepEqual(opened?.old, { reached: false, why: 'there is no peer "d"' });
  assert.equal(opened?.new?.reached, true);
});

test("a peer removed: closed both ways, and gone from the others' peers", async () => {
  const { d } = await jsonDiff((acl) => {
    acl.peers.pop();
  });
  assert.deepEqual(tuples(d), ["closed a->c *", "closed b->c *", "closed c->a *", "closed c->b *"]);
  assert.deepEqual(
    d.hosts.map((h) => [h.host, h.status]),
    [
      ["a", "changed"],
      ["b", "changed"],
      ["c", "removed"],
    ],
  );
  assert.deepEqual(hostChanges(d, "b"), ["peer c: removed (AllowedIPs 10.0.0.3/32) -> "]);
});

test("an endpoint moved: the hosts that dial it change, reachability does not", async () => {
  const { code, d } = await jsonDiff((acl) => {
    (acl.peers[1] as { endpoints: unknown[] }).endpoints = [{ ip: "b2.example" }];
  });
  assert.equal(code, 1);
  assert.deepEqual(d.reachability, []);
  assert.deepEqual(hostChanges(d, "a"), ["endpoint b: b.example:51820 -> b2.example:51820"]);
  assert.deepEqual(hostChanges(d, "c"), ["endpoint b: b.example:51820 -> b2.example:51820"]);
  assert.equal(hostChanges(d, "b"), undefined);
});

test("a key rotated: the peer's own key and what its peers hold", async () => {
  const { d } = await jsonDiff((acl) => {
    (acl.peers[1] as { publicKey: string }).publicKey = KEYS.d;
  });
  assert.deepEqual(hostChanges(d, "b"), [`public key: ${KEYS.b} -> ${KEYS.d}`]);
  assert.deepEqual(hostChanges(d, "a"), [`public key b: ${KEYS.b} -> ${KEYS.d}`]);
});

test("a routed network: AllowedIPs on the other hosts, routes on the router", async () => {
  const { d } = await jsonDiff((acl) => {
    (acl.peers[1] as { subnets: { lan: Record<string, unknown> } }).subnets.lan.routes = [
      "192.168.5.0/24",
    ];
  });
  assert.deepEqual(hostChanges(d, "a"), [
    "AllowedIPs b: 10.0.0.2/32 -> 10.0.0.2/32, 192.168.5.0/24",
  ]);
  assert.deepEqual(hostChanges(d, "b"), ["routes: none -> 192.168.5.0/24"]);
});

test("DNS and MTU of the subnet: every host", async () => {
  const { d } = await jsonDiff((acl) => {
    Object.assign(acl.subnets[0] as object, { mtu: 1380, dns: ["10.0.0.53"] });
  });
  for (const host of ["a", "b", "c"])
    assert.deepEqual(hostChanges(d, host), ["DNS: none -> 10.0.0.53", "MTU: default -> 1380"]);
  assert.deepEqual(d.reachability, []);
});

test("policy tests whose result changes, and the check finding that comes with it", async () => {
  const { d } = await jsonDiff(
    (acl) => {
      acl.rules = [{ from: [peerIs("b")], to: [peerIs("a")], allow: ["*"] }];
    },
    (acl) => {
      acl.tests = [{ from: "a", reaches: ["b"] }];
    },
  );
  assert.deepEqual(d.policy, [
    {
      path: "tests[0].reaches[0]",
      from: "a",
      target: "b",
      expect: "reaches",
      old: "passed",
      new: "failed",
    },
  ]);
  assert.deepEqual(
    d.findings.map((f) => [f.change, f.severity, f.code, f.path, f.line]),
    [["appeared", "error", "policy-failed", "tests[0].reaches[0]", 1]],
  );
});

test("mixed: a rule, a moved endpoint and an MTU at once; the summary counts each", async () => {
  const { d } = await jsonDiff((acl) => {
    acl.rules = [{ from: [], to: [], allow: ["icmp"] }];
    (acl.peers[2] as { endpoints: unknown[] }).endpoints = [{ ip: "c2.example" }];
    Object.assign(acl.subnets[0] as object, { mtu: 1400 });
  });
  // Only icmp stays open between every pair: tcp and udp close (one group each).
  assert.equal(d.summary.opened, 0);
  assert.equal(d.summary.closed, 12);
  assert.deepEqual(
    tuples(d).filter((t) => t.includes("a->b")),
    ["closed a->b tcp/1-65535", "closed a->b udp/1-65535"],
  );
  assert.deepEqual(hostChanges(d, "a"), [
    "MTU: default -> 1400",
    "endpoint c: c.example:51820 -> c2.example:51820",
    "firewall: no rules: everything passes -> ",
    "firewall:  -> in from 10.0.0.2 10.0.0.3 allow icmp (rules[0])",
  ]);
  assert.equal(d.summary.hostsChanged, 3);
});

test("text and markdown: the summary first, markdown folds the details", async () => {
  const change = (acl: Acl) => {
    acl.rules = [{ from: [peerIs("a")], to: [peerIs("b")], allow: ["tcp/22"] }];
  };
  const text = await diff(change, []);
  assert.equal(text.code, 1);
  assert.equal(text.stdout.split("\n")[0], "reachability: 9 closed; hosts: 3 changed");
  const md = await diff(change, ["--format", "markdown"]);
  assert.equal(md.code, 1);
  const lines = md.stdout.split("\n");
  assert.equal(lines[0], "### Wirenix: what this change does");
  assert.equal(lines[2], "**reachability: 9 closed; hosts: 3 changed**");
  assert.ok(md.stdout.includes("<details>\n<summary>Reachability closed (9)</summary>"));
  assert.ok(
    md.stdout.includes(
      '| `a` | `b` | `icmp` | `"a" -[lan by connections[0]]-> "b": no rules: everything passes` | `"a" -[lan by connections[0]]-> "b": dropped at "b": no rule allows it` |',
    ),
  );
});

test("--files: a unified diff of each changed file, and never a private key", async () => {
  // Two key pairs made once with `wg genkey | wg pubkey`. The private key is inline in the
  // ACL, so wg-quick writes it into a's file; diff shows the file, never the key.
  const old = {
    privateKey: "GNESLkVPvRerjjf842bUjKU0D84lXcHOiwk4ojD5N0I=",
    publicKey: "REwU8UV9IZ4bRbiYb5d/W9eruj6FAskVBonVrR9H8xw=",
  };
  const rotated = {
    privateKey: "YCzhtHO6UZYBVB2yliDvx2RqsaDSODpM+YKwggtEHUE=",
    publicKey: "sEAj83vJTd2HJs7F3UtDPUEV2PpNzOFnW0gM3Etgczg=",
  };
  const run = await diff(
    (acl) => {
      (acl.peers[1] as { endpoints: unknown[] }).endpoints = [{ ip: "b2.example" }];
      Object.assign(acl.peers[0] as object, rotated);
    },
    ["--files"],
    (acl) => {
      const a = acl.peers[0] as Record<string, unknown>;
      delete a.privateKeyFile;
      Object.assign(a, old);
    },
  );
  assert.equal(run.code, 1, run.stderr);
  for (const key of [old.privateKey, rotated.privateKey]) {
    assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), "a private key is shown");
    // Not a stretch of one either.
    assert.ok(!run.stdout.includes(key.slice(0, 16)));
  }
  const lines = run.stdout.split("\n").map((l) => l.trim());
  assert.ok(lines.includes("private key: (inline, not shown) -> (inline, not shown)"));
  assert.ok(lines.includes(`public key: ${old.publicKey} -> ${rotated.publicKey}`));
  // a's own file (secret: its key is inline) is compared redacted: the endpoint of b changes.
  assert.ok(lines.includes("--- a/a/lan.conf"), run.stdout);
  assert.ok(lines.includes("-Endpoint = b.example:51820"));
  assert.ok(lines.includes("+Endpoint = b2.example:51820"));
  // b's file holds a's public key, which changed.
  assert.ok(lines.includes(`-PublicKey = ${old.publicKey}`));
  assert.ok(lines.includes(`+PublicKey = ${rotated.publicKey}`));
});

test("errors exit 2: a missing file, an invalid ACL, one file without --base", async () => {
  await withTempDir(async (dir) => {
    const good = writeAcl(dir, meshAcl(), "good.json");
    const bad = writeAcl(dir, { version: "v1", peers: "nope" }, "bad.json");
    const missing = await wirenixInProcess(["diff", good, `${dir}/nowhere.json`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere\.json/);
    const invalid = await wirenixInProcess(["diff", good, bad]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /bad\.json.*peers/);
    const alone = await wirenixInProcess(["diff", good]);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /two ACL files/);
  });
});
