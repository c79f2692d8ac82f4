/**
 * A hub of 2000 peers with 6 access rules comes up with the real `wg-quick up`: its table travels
 * in short PreUp lines (wg-quick parses each line in time that grows with the square of its
 * length, and the kernel refuses any argument over 128 KiB), is loaded with `nft -f` before the
 * interface exists, and filters. One real hub namespace and one real peer (p2000, a laptop);
 * the other 1998 peers exist only in the configuration. Addresses are IPv4 in a row and IPv6
 * far apart (the worst case for the sets: nothing joins into ranges).
 */
import { strict as assert } from "node:assert";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Lab, removeStaleNamespaces, run } from "../support/netns.js";
import { wirenixBin } from "../support/paths.js";
import { listen, probe } from "../support/probes.js";
import { wgKeyPair } from "../support/wg.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const PEERS = 2000;

let lab: Lab | undefined;
const listeners: ChildProcess[] = [];

before(async () => {
  await removeStaleNamespaces();
});

after(async () => {
  for (const child of listeners) child.kill("SIGKILL");
  await lab?.destroy();
});

const hex = (n: number) => n.toString(16);
/** Peer i (1 is the hub): 10.0.x.y in a row, and an IPv6 address far from its neighbours'. */
const ipv4 = (i: number) => `10.0.${i >> 8}.${i & 255}`;
const ipv6 = (i: number) => `fd00:2000::${hex((i * 7919) & 0xffff)}:${hex(i)}`;
const name = (i: number) => (i === 1 ? "hub" : `p${String(i).padStart(4, "0")}`);
const group = (i: number) => (i <= 21 ? "admins" : i <= 121 ? "servers" : "laptops");
const is = (type: string, value: string) => [{ type, rule: "is", value }];

/**
 * Only the hub and p2000 run: they get real keys from `wg`; the peers that exist only in the
 * hub's configuration get a public key WireGuard accepts (any 32 bytes), derived from the name.
 */
function keysOf(dir: string): (i: number) => { publicKey: string; privateKeyFile?: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const real = new Map<number, { publicKey: string; privateKeyFile: string }>();
  for (const i of [1, PEERS]) {
    const pair = wgKeyPair();
    const privateKeyFile = join(dir, `${name(i)}.key`);
    writeFileSync(privateKeyFile, `${pair.privateKey}\n`, { mode: 0o600 });
    real.set(i, { publicKey: pair.publicKey, privateKeyFile });
  }
  return (i) => real.get(i) ?? { publicKey: createHash("sha256").update(name(i)).digest("base64") };
}

function bigAcl(key: (i: number) => { publicKey: string; privateKeyFile?: string }): object {
  return {
    version: "v1",
    subnets: [{ name: "big", endpoints: [{ port: 51820 }] }],
    groups: [{ name: "admins" }, { name: "servers" }, { name: "laptops" }],
    peers: Array.from({ length: PEERS }, (_, k) => {
      const i = k + 1;
      const hub = i === 1;
      return {
        name: name(i),
        ...key(i),
        groups: hub ? [] : [group(i)],
        ...(hub ? { endpoints: [{ ip: "10.250.0.1" }] } : {}),
        subnets: {
          big: {
            listenPort: 51820,
            ipAddresses: hub ? [`${ipv4(i)}/16`, `${ipv6(i)}/64`] : [ipv4(i), ipv6(i)],
            ...(hub ? { routes: ["10.0.0.0/16", "fd00:2000::/64"] } : {}),
          },
        },
      };
    }),
    connections: [{ a: is("peer", "hub"), b: [{ type: "peer", rule: "not", value: "hub" }] }],
    rules: [
      { from: is("group", "admins"), to: [], allow: ["*"] },
      {
        from: is("group", "laptops"),
        to: is("group", "servers"),
        allow: ["tcp/22", "tcp/443", "icmp"],
      },
      { from: is("group", "servers"), to: is("group", "servers"), allow: ["udp/53"] },
      { from: is("group", "laptops"), to: is("peer", "hub"), allow: ["icmp"] },
      { from: is("peer", "p0002"), to: [], allow: ["icmp", "tcp/9100"] },
      { from: [], to: is("peer", "hub"), allow: ["udp/53"] },
    ],
  };
}

async function wirenix(args: readonly string[]): Promise<void> {
  const ran = await run(process.execPath, [wirenixBin, ...args], { timeoutMs: 600_000 });
  assert.equal(ran.code, 0, `wirenix ${args.join(" ")}:\n${ran.stdout}${ran.stderr}`);
}

test("a 2000-peer hub with 6 rules comes up with wg-quick up, its table loaded", async (t) => {
  lab = await Lab.create(["hub", "laptop"]);
  const acl = join(lab.dir, "big.json");
  writeFileSync(acl, JSON.stringify(bigAcl(keysOf(join(lab.dir, "keys")))));
  const out = join(lab.dir, "out");
  await wirenix([
    ...["generate", acl, "--configurer", "wg-quick", "--peer", "hub", "--peer", "p2000"],
    ...["--out", out],
  ]);
  const hubFile = join(out, "hub", "big.conf");
  const text = readFileSync(hubFile, "utf8");
  const lines = text.split("\n");
  const longest = Math.max(...lines.map((l) => l.length));
  const hooks = lines.filter((l) => /^(PreUp|PostUp|PostDown) = /.test(l));
  t.diagnostic(`hub file: ${lines.length} lines, ${hooks.length} hooks, longest line ${longest}`);
  // Every line short: no argument anywhere near the kernel's 128 KiB, no slow parse.
  assert.ok(longest <= 250, `longest line ${longest}`);
  assert.equal(lines.filter((l) => l === "[Peer]").length, PEERS - 1);

  const started = Date.now();
  // wg-quick itself takes its time over 1999 peers (a route lookup per AllowedIPs entry).
  await lab.mustExec("hub", ["wg-quick", "up", hubFile], { env: WG_GO, timeoutMs: 1_800_000 });
  t.diagnostic(`wg-quick up of the hub: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const table = await lab.mustExec("hub", ["nft", "list", "table", "inet", "wirenix-rules-big"]);
  // Every peer but the hub in one range (IPv4) and the last one's IPv6 address, one by one.
  assert.match(table, /10\.0\.0\.2-10\.0\.7\.208/);
  assert.ok(table.includes(ipv6(2000)), `${ipv6(2000)} in the table`);
  assert.ok(table.includes(ipv6(1000)), `${ipv6(1000)} in the table`);
  for (const rule of [0, 1, 2, 3, 4, 5])
    assert.ok(table.includes(`comment "rules[${rule}]"`), `rules[${rule}] in the table`);
  const peers = await lab.mustExec("hub", ["wg", "show", "big", "peers"]);
  assert.equal(peers.trim().split("\n").length, PEERS - 1);

  // The one real peer: p2000, a laptop. The hub lets in what rules 3 and 5 allow, no more.
  const laptopFile = join(out, "p2000", "big.conf");
  chmodSync(laptopFile, 0o600);
  await lab.mustExec("laptop", ["wg-quick", "up", laptopFile], { env: WG_GO });
  for (const service of ["tcp/22", "udp/53"]) listeners.push(listen(lab, "hub", service));
  const observed: Record<string, boolean> = {};
  for (const service of ["icmp", "udp/53", "tcp/22"])
    observed[service] = await probe(lab, "laptop", ipv4(1), service);
  t.diagnostic(`p2000 -> hub: ${JSON.stringify(observed)}`);
  assert.deepEqual(observed, { icmp: true, "udp/53": true, "tcp/22": false });

  await lab.mustExec("hub", ["wg-quick", "down", hubFile], { env: WG_GO, timeoutMs: 600_000 });
  assert.doesNotMatch(await lab.mustExec("hub", ["nft", "list", "tables"]), /wirenix-rules/);
});
