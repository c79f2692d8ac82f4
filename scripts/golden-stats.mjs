#!/usr/bin/env node
// Summarises the differential goldens in test/fixtures/differential (or the directory given):
// ok/error outcomes per configurer/devNameMethod, whether every error is explained by a
// device name longer than 15 characters (and every such name gives an error), and which
// output fields the ok outcomes exercise. Exits 1 when an outcome is unexplained or when
// fewer than 90% of the random outcomes are ok.
//
//   node scripts/golden-stats.mjs [DIR]

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "test/fixtures/differential";

function devNameTooLong(method, subnetName) {
  if (method === "hash") return false; // "wn." + 12 hex digits
  const name = method === "long" ? subnetName : subnetName.split(".")[0];
  return name.length > 15;
}

const counts = {}; // kind -> combo -> {ok, error}
const unexplained = [];
const output = {};
const seen = (name) => {
  output[name] = (output[name] ?? 0) + 1;
};

/** notes which output fields one ok outcome contains (static and networkd shapes) */
function outputFeatures(config) {
  const interfaces = Object.values(config.networking?.wireguard?.interfaces ?? {});
  const netdevs = Object.values(config.systemd?.network?.netdevs ?? {});
  const networks = Object.values(config.systemd?.network?.networks ?? {});
  if (Object.keys(config.networking?.hosts ?? {}).length > 0) seen("hosts entries");
  const peers = [
    ...interfaces.flatMap((i) => i.peers),
    ...netdevs.flatMap((d) => d.wireguardPeers.map((p) => ({ ...p, ...p.wireguardPeerConfig }))),
  ];
  if (
    interfaces.some((i) => i.peers.length === 0) ||
    netdevs.some((d) => !d.wireguardPeers.length)
  ) {
    seen("interface without peers");
  }
  const addresses = [...interfaces.flatMap((i) => i.ips), ...networks.flatMap((n) => n.address)];
  if (addresses.length === 0 && (interfaces.length > 0 || networks.length > 0)) {
    seen("interface without addresses");
  }
  for (const address of addresses) {
    if (address.includes(":")) seen(`interface IPv6 /${address.split("/")[1]}`);
    else seen(`interface IPv4 /${address.split("/")[1]}`);
  }
  for (const peer of peers) {
    const endpoint = peer.endpoint ?? peer.Endpoint;
    if (/^[\d.]+:\d+$/.test(endpoint)) seen("peer endpoint IPv4:port");
    else seen("peer endpoint host:port");
    if ((peer.presharedKeyFile ?? peer.PresharedKeyFile) !== undefined) seen("presharedKeyFile");
    if ((peer.persistentKeepalive ?? peer.PersistentKeepalive) !== undefined) {
      seen("persistentKeepalive");
    }
    if (peer.dynamicEndpointRefreshSeconds !== undefined) seen("dynamicEndpointRefreshSeconds");
    if (peer.dynamicEndpointRefreshRestartSeconds !== undefined) {
      seen("dynamicEndpointRefreshRestartSeconds");
    }
    if ((peer.allowedIPs ?? peer.AllowedIPs).length === 0) seen("peer without allowedIPs");
  }
}

for (const fixture of readdirSync(dir).sort()) {
  const kind = fixture.startsWith("random-") ? "random" : "oracle";
  const acl = JSON.parse(readFileSync(join(dir, fixture, "acl.json"), "utf8"));
  const golden = JSON.parse(readFileSync(join(dir, fixture, "golden.json"), "utf8"));
  counts[kind] ??= {};
  for (const [combo, byPeer] of Object.entries(golden)) {
    const method = combo.split("/")[1];
    counts[kind][combo] ??= { ok: 0, error: 0 };
    for (const peer of acl.peers) {
      const outcome = byPeer[peer.name];
      const expectError = Object.keys(peer.subnets).some((s) => devNameTooLong(method, s));
      const isError = outcome?.error === true;
      counts[kind][combo][isError ? "error" : "ok"]++;
      if (!outcome || isError !== expectError) {
        unexplained.push(
          `${fixture} ${combo} ${peer.name}: ${JSON.stringify(outcome)?.slice(0, 80)}`,
        );
      }
      if (outcome?.ok && kind === "random") outputFeatures(outcome.ok);
    }
  }
}

let failed = false;
for (const [kind, byCombo] of Object.entries(counts)) {
  let ok = 0;
  let error = 0;
  console.log(`${kind} fixtures: outcomes per configurer/devNameMethod (ok / error)`);
  for (const combo of Object.keys(byCombo).sort()) {
    const c = byCombo[combo];
    console.log(`  ${combo.padEnd(24)} ${String(c.ok).padStart(6)} / ${c.error}`);
    ok += c.ok;
    error += c.error;
  }
  const share = (100 * ok) / (ok + error);
  console.log(
    `  ${"total".padEnd(24)} ${String(ok).padStart(6)} / ${error}  (${share.toFixed(1)}% ok)`,
  );
  if (kind === "random" && share < 90) {
    console.log("  FAIL: fewer than 90% of the random outcomes are ok");
    failed = true;
  }
}
console.log("output fields in ok random outcomes (peer entries or interfaces, all 9 combinations)");
for (const name of Object.keys(output).sort()) {
  console.log(`  ${name.padEnd(40)} ${output[name]}`);
}
if (unexplained.length > 0) {
  console.log(`${unexplained.length} outcomes not explained by device name length:`);
  for (const line of unexplained.slice(0, 20)) console.log(`  ${line}`);
  failed = true;
} else {
  console.log("every error is a device name > 15 characters, and every such name is an error");
}
process.exit(failed ? 1 : 0);
