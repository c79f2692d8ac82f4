/**
 * The tables of rules beyond WireGuard addresses load: every host of the sites ACL (a router
 * and its LAN, a printer in it, an exit node, reject for the internet), as `generate` writes
 * them for networkd-files, checked by the real `nft --check` (in a user and network namespace
 * of its own, so no root is needed and no host table is touched); with `rulesAction: reject`,
 * and dual-stack (IPv6 site and exit) too. wg-quick writes the same lines (one renderer:
 * test/unit/firewall-files.test.ts), NixOS the same table (test/system/rules-nixos.test.ts).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { fixtures } from "../support/paths.js";
import { tempDir, wirenix } from "../support/run.js";

type Json = Record<string, any>;
const PEERS = ["gw", "exit", "build", "laptop1", "laptop2"];
const { dir, remove } = tempDir("wirenix-networks-nft-");
after(remove);

const sites = (): Json =>
  parseYaml(readFileSync(join(fixtures, "rules", "sites.yaml"), "utf8")) as Json;

/** Dual-stack: every peer gets an IPv6 address, gw an IPv6 LAN, the printer an IPv6 too. */
function dualStack(acl: Json): Json {
  acl.peers.forEach((p: Json, i: number) => {
    p.subnets.office.ipAddresses.push(`fd00::${i + 1}`);
  });
  acl.peers[0].subnets.office.routes.push("fd10::/64");
  acl.networks[0].prefixes.push("fd10::/64");
  acl.networks[1].prefixes.push("fd10::5");
  return acl;
}

function nftCheck(file: string): { code: number | null; stderr: string } {
  const run = spawnSync("unshare", ["-rn", "nft", "--check", "-f", file], { encoding: "utf8" });
  return { code: run.status, stderr: run.stderr };
}

for (const [name, make] of [
  ["sites", sites],
  [
    "sites, rulesAction reject",
    () => {
      const acl = sites();
      acl.rulesAction = "reject";
      acl.rules[2].action = "drop";
      return acl;
    },
  ],
  ["sites, dual-stack", () => dualStack(sites())],
] as const)
  test(`every host's table loads: ${name}`, () => {
    const slug = name.replace(/[^a-z]+/g, "-");
    const acl = join(dir, `${slug}.yaml`);
    writeFileSync(acl, toYaml(make()));
    const out = join(dir, slug);
    const ran = wirenix(["generate", acl, "--configurer", "networkd-files", "--out", out]);
    assert.equal(ran.code, 0, ran.stderr);
    for (const peer of PEERS) {
      const file = join(out, peer, "wirenix-rules-office.nft");
      const text = readFileSync(file, "utf8");
      assert.match(text, /table inet wirenix-rules-office \{/);
      const checked = nftCheck(file);
      assert.equal(checked.code, 0, `${name} ${peer}: ${checked.stderr}\n${text}`);
    }
    const gw = readFileSync(join(out, "gw", "wirenix-rules-office.nft"), "utf8");
    assert.match(gw, /oifname "office" ct state established,related accept/);
    const exit = readFileSync(join(out, "exit", "wirenix-rules-office.nft"), "utf8");
    assert.match(exit, /daddr != @v4_\d+ tcp dport @tcp_\d+ accept comment "rules\[2\]"/);
  });
