/**
 * The README's five commands, as a user types them, from nothing to running tunnels: `init`
 * with an IPv4 pool, `add-peer` three times (one peer with an endpoint), `keys generate`,
 * `generate --configurer wg-quick --peer X --keys-dir keys --inline-private-keys > X.conf` per
 * peer, and the real `wg-quick up X.conf` (on wireguard-go) in three network namespaces: the
 * peers answer over the pool's IPv4 addresses and their generated IPv6 ones. After
 * `remove-peer` and the configurations made again, the removed peer's traffic stops.
 */
import { strict as assert } from "node:assert";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Lab, must, removeStaleNamespaces, run } from "../support/netns.js";
import { wirenixBin } from "../support/paths.js";
import { wirenixInto } from "../support/run.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOSTS = ["alice", "bob", "carol"] as const;

let lab: Lab | undefined;

before(async () => {
  await removeStaleNamespaces();
});

after(async () => {
  await lab?.destroy();
});

async function wirenix(args: readonly string[]): Promise<string> {
  const ran = await run(process.execPath, [wirenixBin, ...args]);
  assert.equal(ran.code, 0, `wirenix ${args.join(" ")}:\n${ran.stdout}${ran.stderr}`);
  return ran.stdout;
}

async function pings(host: string, target: string, tries = 15): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const ping = await (lab as Lab).exec(host, ["ping", "-n", "-c", "1", "-W", "1", target]);
    if (ping.code === 0) return true;
    await sleep(200);
  }
  return false;
}

/** The IPv6 address the interface really has (not one we compute). */
async function ipv6Of(host: string): Promise<string> {
  const out = await must("ip", [
    "-j",
    "-n",
    (lab as Lab).ns(host),
    "-6",
    "addr",
    "show",
    "dev",
    host,
  ]);
  const [link] = JSON.parse(out) as { addr_info: { local: string; scope: string }[] }[];
  const global = link?.addr_info.find((a) => a.scope === "global");
  assert.ok(global, `${host} has a global IPv6 address on its interface`);
  return global.local;
}

test("the README's five commands: init, add-peer, keys generate, generate > X.conf, wg-quick up; remove-peer stops a peer", async () => {
  lab = await Lab.create([...HOSTS]);
  const acl = join(lab.dir, "net.yaml");
  const keys = join(lab.dir, "keys");
  const conf = (host: string) => join(lab?.dir ?? "", `${host}.conf`);

  // 1. init
  // The IPv6 prefix is random (RFC 4193): "fd", 40 random bits, subnet ID 1.
  assert.match(
    await wirenix(["init", acl, "--pool", "10.42.0.0/24"]),
    new RegExp(
      `^wrote ${acl}: subnet "wg" \\(port 51820, IPv4 pool 10\\.42\\.0\\.0/24, IPv6 prefix fd[0-9a-f]{2}(:[0-9a-f]{1,4}){2}:1::/64, random\\), no peers yet\nnext: wirenix add-peer ${acl} NAME\n$`,
    ),
  );
  // 2. add-peer, three times; only alice has an endpoint
  assert.match(
    await wirenix(["add-peer", acl, "alice", "--endpoint", lab.underlay("alice")]),
    /^added peer "alice" to subnet "wg" in .*: listen port 51820, addresses 10\.42\.0\.1, fd[0-9a-f:]+ \(generated\)\n$/,
  );
  assert.match(await wirenix(["add-peer", acl, "bob"]), /addresses 10\.42\.0\.2, /);
  assert.match(await wirenix(["add-peer", acl, "carol"]), /addresses 10\.42\.0\.3, /);
  // 3. keys generate
  const made = await wirenix(["keys", "generate", acl, "--dir", keys]);
  for (const host of HOSTS)
    assert.match(made, new RegExp(`^created +peer ${host}: .*${host}\\.key, .*${host}\\.pub`, "m"));
  // 4. generate, one ready-to-use file per peer
  const generate = async (host: string) => {
    const stderr = await wirenixInto(conf(host), [
      ...["generate", acl, "--configurer", "wg-quick", "--peer", host],
      ...["--keys-dir", keys, "--inline-private-keys"],
    ]);
    const privateKey = readFileSync(join(keys, `${host}.key`), "utf8").trim();
    assert.ok(!stderr.includes(privateKey), "the private key never reaches standard error");
    const text = readFileSync(conf(host), "utf8");
    assert.ok(text.includes(`PrivateKey = ${privateKey}\n`), `${host}.conf holds its key`);
    assert.equal(statSync(conf(host)).mode & 0o777, 0o600, `${host}.conf is 0600`);
    return text;
  };
  for (const host of HOSTS) {
    const text = await generate(host);
    assert.match(text, /^Address = 10\.42\.0\.\d\/24, fd[0-9a-f:]+\/64$/m);
    // 5. wg-quick up
    await lab.mustExec(host, ["wg-quick", "up", conf(host)], { env: WG_GO });
  }
  const v6 = {
    alice: await ipv6Of("alice"),
    bob: await ipv6Of("bob"),
    carol: await ipv6Of("carol"),
  };
  // Only alice has an endpoint: bob and carol dial her, she answers where they came from.
  for (const [from, to, address] of [
    ["bob", "alice", "10.42.0.1"],
    ["carol", "alice", "10.42.0.1"],
    ["alice", "bob", "10.42.0.2"],
    ["alice", "carol", "10.42.0.3"],
    ["bob", "alice", v6.alice],
    ["carol", "alice", v6.alice],
    ["alice", "bob", v6.bob],
    ["alice", "carol", v6.carol],
  ] as const)
    assert.ok(await pings(from, address), `${from} reaches ${to} at ${address}`);

  // The keys go aside under a name with the time (20261205T201116Z), never deleted.
  const removed = (await wirenix(["remove-peer", acl, "carol"])).split("\n");
  assert.equal(removed[0], `removed peer "carol" from ${acl}`);
  assert.match(
    removed[1] ?? "",
    new RegExp(
      `^moved its keys aside, so that a later peer named "carol" gets new ones: ${keys}/carol\\.key -> ${keys}/carol\\.key\\.removed-\\d{8}T\\d{6}Z, ${keys}/carol\\.pub -> ${keys}/carol\\.pub\\.removed-\\d{8}T\\d{6}Z$`,
    ),
  );
  assert.equal(removed.length, 3);
  assert.doesNotMatch(readFileSync(acl, "utf8"), /carol/);
  await lab.mustExec("alice", ["wg-quick", "down", conf("alice")], { env: WG_GO });
  assert.doesNotMatch(await generate("alice"), /10\.42\.0\.3/);
  await lab.mustExec("alice", ["wg-quick", "up", conf("alice")], { env: WG_GO });
  assert.ok(await pings("bob", "10.42.0.1"), "bob still reaches alice");
  assert.ok(await pings("bob", v6.alice), "bob still reaches alice over IPv6");
  assert.ok(!(await pings("carol", "10.42.0.1", 3)), "carol's traffic stopped");
  assert.ok(!(await pings("carol", v6.alice, 3)), "carol's IPv6 traffic stopped");
  assert.ok(!(await pings("alice", "10.42.0.3", 2)), "alice has no route to carol");
});
