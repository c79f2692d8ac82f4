/**
 * Keys made by `wirenix keys generate`, handed to the configuration by the `dir` key provider,
 * carry traffic through real WireGuard (wireguard-go) between two network namespaces this test
 * creates — preshared key included: with a different preshared key on one side, no handshake.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir, wirenixInProcess } from "../support/run.js";

const tag = `wnk${process.pid % 100000}`;
const ns = { a: `${tag}-a`, b: `${tag}-b` };
const underlay = { a: "10.250.77.1", b: "10.250.77.2" };
// wireguard-go's control sockets live in the shared /var/run/wireguard, so the two ends need
// distinct device names even in separate namespaces.
const dev = { a: `${tag}wa`, b: `${tag}wb` };

function sh(args: string[]): string {
  return execFileSync(args[0] as string, args.slice(1), { encoding: "utf8", stdio: "pipe" });
}
const inNs = (name: string, args: string[]) => sh(["ip", "netns", "exec", name, ...args]);

interface StaticPeer {
  publicKey: string;
  presharedKeyFile?: string;
  allowedIPs: string[];
  endpoint?: string;
}
interface StaticInterface {
  ips: string[];
  listenPort: number;
  privateKeyFile: string;
  peers: StaticPeer[];
}

/** Two namespaces joined by a veth pair; removed (with their wireguard-go) by the result. */
function namespaces(): () => void {
  const cleanup = () => {
    for (const name of Object.values(ns)) {
      const pids = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8" }).stdout;
      for (const pid of pids.split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid));
        } catch {
          // Already gone.
        }
      }
      spawnSync("ip", ["netns", "del", name]);
    }
  };
  cleanup();
  sh(["ip", "netns", "add", ns.a]);
  sh(["ip", "netns", "add", ns.b]);
  sh([
    "ip",
    "link",
    "add",
    `${tag}a`,
    "netns",
    ns.a,
    "type",
    "veth",
    "peer",
    "name",
    `${tag}b`,
    "netns",
    ns.b,
  ]);
  inNs(ns.a, ["ip", "addr", "add", `${underlay.a}/24`, "dev", `${tag}a`]);
  inNs(ns.b, ["ip", "addr", "add", `${underlay.b}/24`, "dev", `${tag}b`]);
  for (const [name, dev] of [
    [ns.a, `${tag}a`],
    [ns.b, `${tag}b`],
  ] as const) {
    inNs(name, ["ip", "link", "set", dev, "up"]);
    inNs(name, ["ip", "link", "set", "lo", "up"]);
  }
  return cleanup;
}

/** Brings up one generated static interface in a namespace with wireguard-go and `wg set`. */
function bringUp(name: string, dev: string, iface: StaticInterface, pskOverride?: string): void {
  inNs(name, ["wireguard-go", dev]);
  const args = [
    "wg",
    "set",
    dev,
    "listen-port",
    String(iface.listenPort),
    "private-key",
    iface.privateKeyFile,
  ];
  for (const p of iface.peers) {
    args.push("peer", p.publicKey, "allowed-ips", p.allowedIPs.join(","));
    const psk = pskOverride ?? p.presharedKeyFile;
    if (psk) args.push("preshared-key", psk);
    if (p.endpoint) args.push("endpoint", p.endpoint);
  }
  inNs(name, args);
  for (const ip of iface.ips) inNs(name, ["ip", "addr", "add", ip, "dev", dev]);
  inNs(name, ["ip", "link", "set", dev, "up"]);
}

const ping = (name: string, address: string) =>
  spawnSync("ip", ["netns", "exec", name, "ping", "-c", "1", "-W", "2", address]).status === 0;

async function setup(dir: string) {
  const acl = join(dir, "net.json");
  writeFileSync(
    acl,
    JSON.stringify({
      version: "v1",
      subnets: [{ name: "kt", endpoints: [{ port: 51820 }], extraArgs: { presharedKey: true } }],
      groups: [],
      peers: [
        {
          name: "a",
          subnets: { kt: { listenPort: 51820, ipAddresses: ["10.77.0.1"] } },
          endpoints: [{ ip: underlay.a }],
        },
        {
          name: "b",
          subnets: { kt: { listenPort: 51820, ipAddresses: ["10.77.0.2"] } },
          endpoints: [{ ip: underlay.b }],
        },
      ],
      connections: [{ a: [], b: [] }],
    }),
  );
  const keys = join(dir, "keys");
  const made = await wirenixInProcess(["keys", "generate", acl, "--dir", keys]);
  assert.equal(made.code, 0, made.stderr);
  const run = await wirenixInProcess([
    "generate",
    acl,
    "--key-provider",
    "dir",
    "--keys-dir",
    keys,
    "--format",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  const iface = (peer: string) => out[peer].networking.wireguard.interfaces.kt as StaticInterface;
  return { keys, a: iface("a"), b: iface("b") };
}

test("generated keys and preshared key make a working tunnel", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const { a, b } = await setup(dir);
  assert.ok(a.peers[0]?.presharedKeyFile, "the subnet's preshared key is configured");
  t.after(namespaces());
  bringUp(ns.a, dev.a, a);
  bringUp(ns.b, dev.b, b);
  assert.ok(ping(ns.a, "10.77.0.2"), "a reaches b through the tunnel");
  assert.ok(ping(ns.b, "10.77.0.1"), "b reaches a through the tunnel");
  const handshake = Number(
    inNs(ns.a, ["wg", "show", dev.a, "latest-handshakes"]).trim().split(/\s+/)[1],
  );
  assert.ok(handshake > 0);
});

test("with another preshared key on one side there is no tunnel", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const { a, b } = await setup(dir);
  const other = join(dir, "other.psk");
  writeFileSync(other, `${sh(["wg", "genpsk"]).trim()}\n`, { mode: 0o600 });
  t.after(namespaces());
  bringUp(ns.a, dev.a, a);
  bringUp(ns.b, dev.b, b, other);
  assert.ok(!ping(ns.a, "10.77.0.2"));
  assert.equal(inNs(ns.a, ["wg", "show", dev.a, "latest-handshakes"]).trim().split(/\s+/)[1], "0");
});
