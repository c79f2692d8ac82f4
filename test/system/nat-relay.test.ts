/**
 * The README's five commands on an internet shape: alice public, bob and carol each behind a
 * masquerading NAT of its own whose UDP mappings are forgotten after 10 s of silence (the
 * routers' own `nf_conntrack_udp_timeout` and `_stream`). The commands are run exactly as the
 * README writes them (relative paths, `> alice.conf`, `wg-quick up ./alice.conf`), on
 * wireguard-go in network namespaces. After idling well past the NAT timeout, alice and bob,
 * alice and carol reach each other both ways (the keepalive keeps the NATs open), and bob and
 * carol, who can never handshake directly, reach each other through alice, the subnet's relay.
 * Then rules (only tcp/8080 from bob to alice, icmp from carol to bob) are added and the files
 * made again: the allowed probes pass (carol's through the relay's forward chain), every other
 * is dropped. Without a keepalive (the ACL edited back to what add-peer wrote before), the NAT
 * forgets bob and alice's packets are lost, as `check` warns. Every probe is compared with what `explain --format
 * json` and `check --format json` (policy tests) predict for it.
 */
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Lab, removeStaleNamespaces, run } from "../support/netns.js";
import { wirenixBin } from "../support/paths.js";
import { wirenixInto } from "../support/run.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOSTS = ["alice", "bob", "carol"] as const;
type Host = (typeof HOSTS)[number];
const ADDRESS: Record<Host, string> = { alice: "10.42.0.1", bob: "10.42.0.2", carol: "10.42.0.3" };
/** What the NAT routers keep a silent UDP mapping for, and how long the tunnels then idle. */
const NAT_TIMEOUT_S = 10;
const IDLE_MS = 35_000;

let lab: Lab | undefined;
const listeners: ChildProcess[] = [];

before(async () => {
  await removeStaleNamespaces();
});

after(async () => {
  for (const l of listeners) l.kill("SIGKILL");
  await lab?.destroy();
});

/** `wirenix ARGS` in the lab's directory, as the user types it there. */
async function wirenix(args: readonly string[], ok = true): Promise<string> {
  const ran = await run(process.execPath, [wirenixBin, ...args], { cwd: (lab as Lab).dir });
  if (ok) assert.equal(ran.code, 0, `wirenix ${args.join(" ")}:\n${ran.stdout}${ran.stderr}`);
  return ran.stdout;
}

/** Step 4 of the README for every host, then step 5 (`wg-quick up ./HOST.conf`) on each. */
async function generateAndUp(): Promise<void> {
  const l = lab as Lab;
  for (const host of HOSTS) {
    await wirenixInto(
      `${host}.conf`,
      [
        ...["generate", "net.yaml", "--configurer", "wg-quick", "--peer", host],
        ...["--keys-dir", "keys", "--inline-private-keys"],
      ],
      l.dir,
    );
    await l.mustExec(host, ["wg-quick", "up", `./${host}.conf`], { env: WG_GO, cwd: l.dir });
  }
}

async function down(): Promise<void> {
  const l = lab as Lab;
  for (const host of HOSTS)
    await l.mustExec(host, ["wg-quick", "down", `./${host}.conf`], { env: WG_GO, cwd: l.dir });
}

/** A TCP server on `port` of the host's tunnel address, answering every connection. */
function listen(host: Host, port: number): void {
  const child = spawn(
    "ip",
    [
      ...["netns", "exec", (lab as Lab).ns(host), "socat"],
      `TCP-LISTEN:${port},bind=${ADDRESS[host]},fork,reuseaddr`,
      "SYSTEM:echo ok",
    ],
    { stdio: "ignore" },
  );
  listeners.push(child);
}

interface Probe {
  from: Host;
  to: Host;
  service: "icmp" | `tcp/${number}`;
}

/** What the packets did: icmp, 5 echo requests and how many were answered; tcp, a connection. */
async function probe(p: Probe): Promise<{ passed: boolean; detail: string }> {
  const l = lab as Lab;
  if (p.service === "icmp") {
    const ping = await l.exec(p.from, [
      ...["ping", "-n", "-c", "5", "-i", "0.2", "-W", "1"],
      ADDRESS[p.to],
    ]);
    const received = Number(/(\d+) received/.exec(ping.stdout)?.[1] ?? 0);
    return { passed: received > 0, detail: `${5 - received}/5 lost` };
  }
  const port = p.service.slice("tcp/".length);
  const connect = await l.exec(p.from, [
    ...["socat", "-T", "2", "-", `TCP:${ADDRESS[p.to]}:${port},connect-timeout=2`],
  ]);
  return {
    passed: connect.code === 0 && connect.stdout.trim() === "ok",
    detail: connect.code === 0 ? "connected" : "no connection",
  };
}

/** `explain net.yaml FROM TO SERVICE --format json`: whether packets arrive, and their way. */
async function explained(p: Probe): Promise<{ reached: boolean; way: string }> {
  const json = JSON.parse(
    await wirenix(["explain", "net.yaml", p.from, p.to, p.service, "--format", "json"]),
  );
  const trace = json.paths.traces[0];
  const way = trace.hops
    .map((h: { peer: string; action: string }) => `${h.action}@${h.peer}`)
    .join(" ");
  return { reached: json.paths.reached, way };
}

/** Runs every probe, compares it with explain's prediction, and returns the table. */
async function probeAll(probes: readonly Probe[]): Promise<string[]> {
  const table: string[] = [];
  for (const p of probes) {
    const seen = await probe(p);
    const predicted = await explained(p);
    table.push(
      `${p.from} -> ${p.to} ${p.service}: ${seen.passed ? "passes" : "dropped"} (${seen.detail}); explain: ${predicted.reached ? "arrives" : "does not arrive"} (${predicted.way})`,
    );
    assert.equal(
      predicted.reached,
      seen.passed,
      `explain predicts ${p.from} -> ${p.to} ${p.service} ${predicted.reached ? "arrives" : "is dropped"}, the packets ${seen.passed ? "passed" : "were dropped"}`,
    );
  }
  return table;
}

test("the README's five commands behind two NATs: tunnels stay up when idle, bob and carol meet through the relay, rules drop what they do not allow", async (t) => {
  lab = await Lab.create([...HOSTS], { behindNat: ["bob", "carol"], natUdpTimeout: NAT_TIMEOUT_S });
  const l = lab;
  // alice.example.org is alice's public address, for bob and carol.
  for (const host of ["bob", "carol"])
    l.writeHosts(host, `${l.underlay("alice")} alice.example.org\n`);
  // The NAT really is one: bob's network is not reachable from alice's side.
  assert.notEqual((await l.exec("alice", ["ping", "-c", "1", "-W", "1", l.inside("bob")])).code, 0);
  const timeout = await l.mustExec(l.router("bob"), [
    "sysctl",
    "-n",
    "net.netfilter.nf_conntrack_udp_timeout",
  ]);
  assert.equal(timeout.trim(), String(NAT_TIMEOUT_S));

  // 1.-3. exactly as the README writes them.
  await wirenix(["init", "net.yaml", "--pool", "10.42.0.0/24"]);
  await wirenix(["add-peer", "net.yaml", "alice", "--endpoint", "alice.example.org"]);
  await wirenix(["add-peer", "net.yaml", "bob"]);
  await wirenix(["add-peer", "net.yaml", "carol"]);
  await wirenix(["keys", "generate", "net.yaml", "--dir", "keys"]);
  const acl = readFileSync(join(l.dir, "net.yaml"), "utf8");
  assert.match(acl, /^ {4}relay: alice$/m, "the first peer with an endpoint is the relay");
  assert.equal(acl.match(/^ {4}roaming: true$/gm)?.length, 2, "bob and carol roam");
  // 4.-5.
  await generateAndUp();
  const bobConf = readFileSync(join(l.dir, "bob.conf"), "utf8");
  assert.doesNotMatch(bobConf, /# carol/, "no [Peer] that could never handshake");
  assert.match(
    bobConf,
    /^AllowedIPs = 10\.42\.0\.1\/32,fd[0-9a-f:]+\/128,10\.42\.0\.3\/32,fd[0-9a-f:]+\/128$/m,
  );

  // The tunnels come up (bob and carol dial alice), then everything is silent past the NAT
  // timeout: only keepalives cross the NATs.
  for (const host of ["bob", "carol"] as const)
    assert.ok((await probe({ from: host, to: "alice", service: "icmp" })).passed, `${host} up`);
  await sleep(IDLE_MS);
  const pairs: [Host, Host][] = [
    ["alice", "bob"],
    ["alice", "carol"],
    ["bob", "alice"],
    ["carol", "alice"],
    ["bob", "carol"],
    ["carol", "bob"],
  ];
  const open = await probeAll(pairs.map(([from, to]) => ({ from, to, service: "icmp" })));
  t.diagnostic(
    `after ${IDLE_MS / 1000} s idle behind ${NAT_TIMEOUT_S} s NATs:\n${open.join("\n")}`,
  );
  for (const line of open) assert.match(line, /: passes \(0\/5 lost\)/, line);

  // A rule: only tcp/8080 from bob to alice. The files are made again, same names.
  appendFileSync(
    join(l.dir, "net.yaml"),
    [
      "rules:",
      "  - from: [{ type: peer, rule: is, value: bob }]",
      "    to: [{ type: peer, rule: is, value: alice }]",
      "    allow: [tcp/8080]",
      "  - from: [{ type: peer, rule: is, value: carol }]",
      "    to: [{ type: peer, rule: is, value: bob }]",
      "    allow: [icmp]",
      "tests:",
      "  - from: bob",
      '    reaches: ["alice:tcp/8080"]',
      '    notReaches: ["alice:tcp/8081", "alice:icmp", "carol:icmp", "carol:tcp/8080"]',
      "  - from: carol",
      '    reaches: ["bob:icmp"]',
      '    notReaches: ["alice:tcp/8080"]',
      "  - from: alice",
      '    notReaches: ["bob:icmp"]',
      "",
    ].join("\n"),
  );
  await down();
  await generateAndUp();
  listen("alice", 8080);
  listen("alice", 8081);
  listen("carol", 8080);
  await sleep(300);
  const probes: Probe[] = [
    { from: "bob", to: "alice", service: "tcp/8080" },
    { from: "bob", to: "alice", service: "tcp/8081" },
    { from: "bob", to: "alice", service: "icmp" },
    { from: "bob", to: "carol", service: "icmp" },
    { from: "bob", to: "carol", service: "tcp/8080" },
    { from: "carol", to: "alice", service: "tcp/8080" },
    { from: "carol", to: "bob", service: "icmp" },
    { from: "alice", to: "bob", service: "icmp" },
  ];
  const ruled = await probeAll(probes);
  t.diagnostic(`with the rule:\n${ruled.join("\n")}`);
  const passing = ruled.filter((line) => line.includes(": passes"));
  assert.deepEqual(
    passing.map((line) => line.split(":")[0]),
    ["bob -> alice tcp/8080", "carol -> bob icmp"],
    "only the probes the rules allow pass (carol's through the relay's forward chain)",
  );

  // check's policy tests predict the same for each probe they name.
  const checked = JSON.parse(
    await wirenix(["check", "net.yaml", "--keys-dir", "keys", "--format", "json"], false),
  );
  const tests = checked.diagnostics.filter((d: { test?: unknown }) => d.test);
  assert.equal(tests.length, 8);
  for (const d of tests as { test: { from: Host; target: string; reached: boolean } }[]) {
    const [to, service] = d.test.target.split(":") as [Host, Probe["service"]];
    const seen = await probe({ from: d.test.from, to, service });
    assert.equal(
      d.test.reached,
      seen.passed,
      `check predicts ${d.test.from} -> ${d.test.target} ${d.test.reached ? "arrives" : "is dropped"}`,
    );
  }
  assert.equal(checked.summary.policy.failed, 0, JSON.stringify(checked.summary));
});

test("without a keepalive the NAT forgets a peer nobody dials, as check warns", async (t) => {
  await lab?.destroy();
  lab = await Lab.create([...HOSTS], { behindNat: ["bob", "carol"], natUdpTimeout: NAT_TIMEOUT_S });
  const l = lab;
  for (const host of ["bob", "carol"])
    l.writeHosts(host, `${l.underlay("alice")} alice.example.org\n`);
  await wirenix(["init", "net.yaml", "--pool", "10.42.0.0/24"]);
  await wirenix(["add-peer", "net.yaml", "alice", "--endpoint", "alice.example.org"]);
  await wirenix(["add-peer", "net.yaml", "bob"]);
  await wirenix(["add-peer", "net.yaml", "carol"]);
  await wirenix(["keys", "generate", "net.yaml", "--dir", "keys"]);
  // What add-peer and init wrote before: no roaming, no keepalive, no relay.
  const file = join(l.dir, "net.yaml");
  writeFileSync(
    file,
    readFileSync(file, "utf8").replace(
      /^ *(roaming: true|persistentKeepalive: 5|relay: alice)\n/gm,
      "",
    ),
  );
  const checked = JSON.parse(
    await wirenix(["check", "net.yaml", "--keys-dir", "keys", "--format", "json"]),
  );
  const warned = checked.diagnostics
    .filter((d: { code: string }) => d.code === "missing-keepalive")
    .map((d: { path: string }) => d.path);
  assert.deepEqual(warned, ["peers[1].subnets.wg", "peers[2].subnets.wg"]);
  await generateAndUp();
  assert.ok((await probe({ from: "bob", to: "alice", service: "icmp" })).passed, "bob up");
  await sleep(IDLE_MS);
  const lost = await probe({ from: "alice", to: "bob", service: "icmp" });
  t.diagnostic(`alice -> bob icmp after ${IDLE_MS / 1000} s idle, no keepalive: ${lost.detail}`);
  assert.equal(lost.detail, "5/5 lost", "the NAT forgot bob's mapping");
});
