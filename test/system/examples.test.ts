/**
 * examples/homelab.yaml as its comment describes it, with the real wg-quick on wireguard-go in
 * network namespaces this test creates: the laptop reaches media on roam through the gateway.
 * The example is used as written except for what cannot be real here: keys (made by `wg`),
 * key file paths, and the endpoint hosts (each becomes its namespace's underlay address).
 * laptop and media share one bridge here, but neither has a WireGuard peer for the other, so
 * every answer comes through the gateway (its counters show it).
 */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { parse } from "yaml";
import { type Lab, must, removeStaleNamespaces, run, withLab } from "../support/netns.js";
import { repoRoot, wirenixBin } from "../support/paths.js";
import { wgKeyFiles } from "../support/wg.js";

const WG_QUICK_ENV = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  await removeStaleNamespaces();
});

/** The peers' WireGuard public keys on `dev`, as `wg show` lists them. */
async function wgPeers(lab: Lab, host: string, dev: string): Promise<string[]> {
  return (await lab.mustExec(host, ["wg", "show", dev, "peers"])).split("\n").filter(Boolean);
}

async function received(lab: Lab, host: string, dev: string, publicKey: string) {
  const out = await lab.mustExec(host, ["wg", "show", dev, "transfer"]);
  return Number(
    out
      .split("\n")
      .find((l) => l.startsWith(publicKey))
      ?.split("\t")[1],
  );
}

test("homelab: the laptop reaches media on roam through the gateway", (t) =>
  withLab(["gateway", "media", "laptop"], async (lab) => {
    const acl = parse(readFileSync(join(repoRoot, "examples", "homelab.yaml"), "utf8"));
    const keys = join(lab.dir, "keys");
    const publicKeys: Record<string, string> = {};
    for (const [name, pair] of wgKeyFiles(acl.peers, keys)) publicKeys[name] = pair.publicKey;
    for (const peer of acl.peers) {
      const underlay = lab.hosts.includes(peer.name) ? lab.underlay(peer.name) : "10.250.0.99";
      for (const endpoint of peer.endpoints ?? []) endpoint.ip = underlay;
    }
    const roam = acl.subnets.find((s: { name: string }) => s.name === "roam");
    roam.presharedKeyFile = join(keys, "roam.psk");
    writeFileSync(roam.presharedKeyFile, `${(await must("wg", ["genpsk"])).trim()}\n`, {
      mode: 0o600,
    });
    const file = join(lab.dir, "homelab.json");
    writeFileSync(file, JSON.stringify(acl));
    const out = join(lab.dir, "out");
    const generated = await run(process.execPath, [
      ...[wirenixBin, "generate", file, "--configurer", "wg-quick", "--out", out],
    ]);
    assert.equal(generated.code, 0, generated.stderr);

    for (const host of ["gateway", "media", "laptop"])
      await lab.mustExec(host, ["wg-quick", "up", join(out, host, "roam.conf")], {
        env: WG_QUICK_ENV,
      });
    assert.deepEqual(await wgPeers(lab, "laptop", "roam"), [publicKeys.gateway]);
    assert.deepEqual(await wgPeers(lab, "media", "roam"), [publicKeys.gateway]);

    const before = await received(lab, "gateway", "roam", publicKeys.laptop as string);
    let answer = await lab.exec("laptop", ["ping", "-n", "-c", "1", "-W", "1", "10.20.0.3"]);
    for (let i = 0; i < 20 && answer.code !== 0; i++) {
      await sleep(250);
      answer = await lab.exec("laptop", ["ping", "-n", "-c", "1", "-W", "1", "10.20.0.3"]);
    }
    assert.equal(answer.code, 0, `laptop reaches media: ${answer.stdout}${answer.stderr}`);
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await lab.exec("laptop", ["ping", "-n", "-c", "1", "-W", "2", "-s", "1000", "10.20.0.3"]))
          .code,
        0,
      );
    const after = await received(lab, "gateway", "roam", publicKeys.laptop as string);
    assert.ok(after - before >= 3 * 1000, `the gateway carried it (${before} -> ${after} bytes)`);
    t.diagnostic(`laptop -> media answered; the gateway received ${after - before} bytes`);
  }));
