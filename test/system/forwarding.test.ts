/**
 * Forwarding turned on by wg-quick files is scoped to what the peer forwards and undone on
 * `down`, with the real wg-quick and kernel in a network namespace: a router of a LAN on two
 * subnets (IPv4 and IPv6 on one, IPv4 on the other) turns host-wide forwarding on for the
 * families it routes, keeps router advertisements accepted while IPv6 forwards, and gives back
 * what it found when its last interface goes down; a hub that only relays between its own peers
 * forwards IPv4 on its interface alone. Expected values written by hand.
 */
import { strict as assert } from "node:assert";
import { chmodSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Lab, removeStaleNamespaces, run } from "../support/netns.js";
import { wirenixBin } from "../support/paths.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const labs: Lab[] = [];

before(async () => {
  await removeStaleNamespaces();
});

after(async () => {
  for (const lab of labs) await lab.destroy();
});

const is = (value: string) => [{ type: "peer", rule: "is", value }];

async function wirenix(args: readonly string[]): Promise<void> {
  const ran = await run(process.execPath, [wirenixBin, ...args], { timeoutMs: 120_000 });
  assert.equal(ran.code, 0, `wirenix ${args.join(" ")}:\n${ran.stdout}${ran.stderr}`);
}

/**
 * The wg-quick files of `peers` of the ACL `data`, with keys of their own, under the lab's
 * directory; the path of a peer's interface file (0600, as wg-quick wants it).
 */
async function wgQuickFiles(
  l: Lab,
  data: object,
  peers: readonly string[],
): Promise<(peer: string, device: string) => string> {
  const acl = join(l.dir, "acl.json");
  writeFileSync(acl, JSON.stringify(data));
  const keys = join(l.dir, "keys");
  await wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]);
  const out = join(l.dir, "out");
  await wirenix([
    ...["generate", acl, "--configurer", "wg-quick", "--out", out],
    ...["--key-provider", "dir", "--keys-dir", keys, ...peers.flatMap((p) => ["--peer", p])],
  ]);
  return (peer, device) => {
    const path = join(out, peer, `${device}.conf`);
    chmodSync(path, 0o600);
    return path;
  };
}

test("wg-quick forwarding: only the families routed, undone by the last interface down", async () => {
  const l = await Lab.create(["router", "hub"]);
  labs.push(l);
  const file = await wgQuickFiles(
    l,
    {
      version: "v1",
      subnets: [
        { name: "one", endpoints: [{ port: 51820 }] },
        { name: "two", endpoints: [{ port: 51821 }] },
        { name: "relay", endpoints: [{ port: 51822 }] },
      ],
      peers: [
        {
          name: "router",
          endpoints: [{ ip: "10.250.0.1" }],
          subnets: {
            one: {
              listenPort: 51820,
              ipAddresses: ["10.1.0.1", "fd01::1"],
              routes: ["192.168.10.0/24", "fd10::/64"],
            },
            two: { listenPort: 51821, ipAddresses: ["10.2.0.1"], routes: ["192.168.20.0/24"] },
          },
        },
        {
          name: "hub",
          endpoints: [{ ip: "10.250.0.2" }],
          subnets: {
            relay: { listenPort: 51822, ipAddresses: ["10.3.0.1"], routes: ["10.3.0.0/24"] },
          },
        },
        {
          name: "c",
          subnets: {
            one: { listenPort: 51820, ipAddresses: ["10.1.0.2", "fd01::2"] },
            two: { listenPort: 51821, ipAddresses: ["10.2.0.2"] },
            relay: { listenPort: 51822, ipAddresses: ["10.3.0.2"] },
          },
        },
      ],
      connections: [
        { a: is("router"), b: is("c") },
        { a: is("hub"), b: is("c") },
      ],
    },
    ["router", "hub"],
  );
  const read = async (host: string, key: string) =>
    (await l.mustExec(host, ["cat", `/proc/sys/net/${key}`])).trim();
  const set = (host: string, key: string, value: string) =>
    l.mustExec(host, ["sh", "-c", `echo ${value} > /proc/sys/net/${key}`]);
  const state = async () => ({
    ipv4: await read("router", "ipv4/conf/all/forwarding"),
    ipv6: await read("router", "ipv6/conf/all/forwarding"),
    ra: await read("router", "ipv6/conf/eth0/accept_ra"),
  });
  const wgQuick = (host: string, action: string, path: string) =>
    l.mustExec(host, ["wg-quick", action, path], { env: WG_GO });

  await set("router", "ipv4/conf/all/forwarding", "0");
  await set("router", "ipv6/conf/all/forwarding", "0");
  await set("router", "ipv6/conf/eth0/accept_ra", "1");
  assert.deepEqual(await state(), { ipv4: "0", ipv6: "0", ra: "1" });
  await wgQuick("router", "up", file("router", "one"));
  assert.deepEqual(await state(), { ipv4: "1", ipv6: "1", ra: "2" });
  await wgQuick("router", "up", file("router", "two"));
  assert.deepEqual(await state(), { ipv4: "1", ipv6: "1", ra: "2" });
  // two still routes IPv4: that stays; IPv6 (one's alone) and the RAs are given back.
  await wgQuick("router", "down", file("router", "one"));
  assert.deepEqual(await state(), { ipv4: "1", ipv6: "0", ra: "1" });
  await wgQuick("router", "down", file("router", "two"));
  assert.deepEqual(await state(), { ipv4: "0", ipv6: "0", ra: "1" });

  // Forwarding that was on before wg-quick stays on after it.
  await set("router", "ipv4/conf/all/forwarding", "1");
  await wgQuick("router", "up", file("router", "two"));
  await wgQuick("router", "down", file("router", "two"));
  assert.equal(await read("router", "ipv4/conf/all/forwarding"), "1");

  // A relaying hub: IPv4 forwarding on its interface, nothing host-wide.
  await set("hub", "ipv4/conf/all/forwarding", "0");
  await set("hub", "ipv6/conf/all/forwarding", "0");
  await wgQuick("hub", "up", file("hub", "relay"));
  assert.equal(await read("hub", "ipv4/conf/relay/forwarding"), "1");
  assert.equal(await read("hub", "ipv4/conf/all/forwarding"), "0");
  assert.equal(await read("hub", "ipv4/conf/eth0/forwarding"), "0");
  assert.equal(await read("hub", "ipv6/conf/all/forwarding"), "0");
  await wgQuick("hub", "down", file("hub", "relay"));
});

test("wg-quick forwarding: two interfaces up at once, then down at once, give back what was found", async () => {
  const l = await Lab.create(["twin"]);
  labs.push(l);
  const file = await wgQuickFiles(
    l,
    {
      version: "v1",
      subnets: [
        { name: "one", endpoints: [{ port: 51820 }] },
        { name: "two", endpoints: [{ port: 51821 }] },
      ],
      peers: [
        {
          name: "twin",
          endpoints: [{ ip: "10.250.0.1" }],
          subnets: {
            one: { listenPort: 51820, ipAddresses: ["10.1.0.1"], routes: ["192.168.10.0/24"] },
            two: { listenPort: 51821, ipAddresses: ["10.2.0.1"], routes: ["192.168.20.0/24"] },
          },
        },
        {
          name: "c",
          subnets: {
            one: { listenPort: 51820, ipAddresses: ["10.1.0.2"] },
            two: { listenPort: 51821, ipAddresses: ["10.2.0.2"] },
          },
        },
      ],
      connections: [{ a: is("twin"), b: is("c") }],
    },
    ["twin"],
  );

  // The first interface's hooks see a `cat` that reads a forwarding switch 0.6 s late (bound
  // over the real one in a mount namespace of its own wg-quick alone): it reads the value after
  // the second interface, started 0.2 s later, has switched forwarding on. Only a value read
  // before anyone switched it on may be kept.
  const real = (await l.mustExec("twin", ["sh", "-c", 'readlink -f "$(command -v cat)"'])).trim();
  const copy = join(l.dir, "real-cat");
  copyFileSync(real, copy);
  chmodSync(copy, 0o755);
  const slow = join(l.dir, "slow-cat");
  writeFileSync(
    slow,
    `#!/bin/sh\ncase "$1" in */forwarding) sleep 0.6 ;; esac\nexec ${copy} "$@"\n`,
    { mode: 0o755 },
  );
  const conf = (device: string) => file("twin", device);
  const forwarding = async () =>
    (await l.mustExec("twin", ["cat", "/proc/sys/net/ipv4/conf/all/forwarding"])).trim();
  const wgQuick = (action: string, device: string) =>
    l.mustExec("twin", ["wg-quick", action, conf(device)], { env: WG_GO });
  const slowUp = (device: string) =>
    l.mustExec(
      "twin",
      [
        ...["unshare", "-m", "--propagation", "private", "sh", "-c"],
        `mount --bind '${slow}' '${real}' && exec wg-quick up '${conf(device)}'`,
      ],
      { env: WG_GO },
    );
  const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

  await l.mustExec("twin", ["sh", "-c", "echo 0 > /proc/sys/net/ipv4/conf/all/forwarding"]);
  await Promise.all([slowUp("one"), sleep(200).then(() => wgQuick("up", "two"))]);
  assert.equal(await forwarding(), "1");
  assert.equal(
    (await l.mustExec("twin", ["cat", "/run/wirenix/forwarding/ipv4.prior"])).trim(),
    "0",
    "the value found before either interface came up",
  );
  // Both down at once: one of them gives the value back, neither fails, nothing is left.
  await Promise.all([wgQuick("down", "one"), wgQuick("down", "two")]);
  assert.equal(await forwarding(), "0");
  assert.equal((await l.mustExec("twin", ["ls", "-A", "/run/wirenix/forwarding"])).trim(), "");
});
