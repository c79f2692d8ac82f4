/**
 * From nothing to a running tunnel with the commands a user types: `init` with an IPv4 pool,
 * `add-peer` three times (one peer with an endpoint), `keys generate --update-acl`, `generate
 * --configurer wg-quick`, then the real `wg-quick up` on wireguard-go in three network
 * namespaces: the peers answer over the pool's IPv4 addresses and their generated IPv6 ones.
 * After `remove-peer` and a new configuration on the hub, the removed peer's traffic stops.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Lab, must, removeStaleNamespaces, run } from "../support/netns.js";
import { wirenixBin } from "../support/paths.js";

const WG_GO = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    "wg",
  ]);
  const [link] = JSON.parse(out) as { addr_info: { local: string; scope: string }[] }[];
  const global = link?.addr_info.find((a) => a.scope === "global");
  assert.ok(global, `${host} has a global IPv6 address on wg`);
  return global.local;
}

test("init, add-peer x3, keys generate, generate: a working tunnel; remove-peer stops a peer", async () => {
  lab = await Lab.create(["alice", "bob", "carol"]);
  const acl = join(lab.dir, "net.yaml");
  const keys = join(lab.dir, "keys");
  const out = join(lab.dir, "out");
  assert.match(await wirenix(["init", acl, "--pool", "10.42.0.0/24"]), /^wrote .*net\.yaml/);
  assert.match(
    await wirenix(["add-peer", acl, "alice", "--endpoint", lab.underlay("alice")]),
    /addresses 10\.42\.0\.1, /,
  );
  assert.match(await wirenix(["add-peer", acl, "bob"]), /addresses 10\.42\.0\.2, /);
  assert.match(await wirenix(["add-peer", acl, "carol"]), /addresses 10\.42\.0\.3, /);
  assert.match(
    await wirenix(["keys", "generate", acl, "--dir", keys, "--update-acl"]),
    /publicKey of alice, bob, carol/,
  );
  // bob and carol have no endpoint: check says they cannot reach each other, and nothing else.
  // check configures every peer as generate will, so it takes the same key options.
  const keyFlags = ["--key-provider", "dir", "--keys-dir", keys];
  const checked = await run(process.execPath, [
    ...[wirenixBin, "check", acl, "--configurer", "wg-quick"],
    ...keyFlags,
  ]);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /peer "bob" has no endpoint .* for "carol"/);
  assert.match(checked.stdout, /0 errors, 1 warning/);
  const generate = () =>
    wirenix(["generate", acl, "--configurer", "wg-quick", ...keyFlags, "--out", out]);
  await generate();
  for (const host of ["alice", "bob", "carol"]) {
    const conf = readFileSync(join(out, host, "wg.conf"), "utf8");
    assert.match(conf, /^Address = 10\.42\.0\.\d\/24, fd[0-9a-f:]+\/64$/m);
    await lab.mustExec(host, ["wg-quick", "up", join(out, host, "wg.conf")], { env: WG_GO });
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

  assert.equal(await wirenix(["remove-peer", acl, "carol"]), `removed peer "carol" from ${acl}\n`);
  assert.doesNotMatch(readFileSync(acl, "utf8"), /carol/);
  await generate();
  assert.doesNotMatch(readFileSync(join(out, "alice", "wg.conf"), "utf8"), /10\.42\.0\.3/);
  await lab.mustExec("alice", ["wg-quick", "down", join(out, "alice", "wg.conf")], { env: WG_GO });
  await lab.mustExec("alice", ["wg-quick", "up", join(out, "alice", "wg.conf")], { env: WG_GO });
  assert.ok(await pings("bob", "10.42.0.1"), "bob still reaches alice");
  assert.ok(await pings("bob", v6.alice), "bob still reaches alice over IPv6");
  assert.ok(!(await pings("carol", "10.42.0.1", 3)), "carol's traffic stopped");
  assert.ok(!(await pings("carol", v6.alice, 3)), "carol's IPv6 traffic stopped");
  assert.ok(!(await pings("alice", "10.42.0.3", 2)), "alice has no route to carol");
});
