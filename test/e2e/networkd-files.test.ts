/**
 * networkd-files, proven without systemd (it does not run here): each generated .netdev is read
 * the way systemd-networkd reads it, turned into `wg setconf` form, and applied to a
 * wireguard-go interface; the .network's addresses are added with `ip`. Then the same pings as
 * for wg-quick: linked peers answer, others do not.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { removeStaleNamespaces } from "../support/netns.js";
import { type BringUp, type Proof, prove } from "../support/prove.js";
import { TOPOLOGIES } from "../support/topologies.js";

type Section = { name: string; entries: [string, string][] };

/** A systemd unit file: sections of `Key=value` lines, `#`/`;` lines are comments. */
function parseUnit(text: string): Section[] {
  const sections: Section[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    assert.ok(!line.endsWith("\\"), `no continuation lines: ${line}`);
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1] as string, entries: [] });
      continue;
    }
    const eq = line.indexOf("=");
    const section = sections.at(-1);
    assert.ok(eq > 0 && section, `a Key=value line inside a section: ${line}`);
    section.entries.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

const values = (section: Section | undefined, key: string) =>
  (section?.entries ?? []).filter(([k]) => k === key).map(([, v]) => v);
const value = (section: Section | undefined, key: string) => {
  const found = values(section, key);
  assert.ok(found.length <= 1, `${key} given once`);
  return found[0];
};

const KNOWN: Record<string, readonly string[]> = {
  NetDev: ["Name", "Kind"],
  WireGuard: ["ListenPort", "PrivateKeyFile", "PrivateKey"],
  WireGuardPeer: ["PublicKey", "PresharedKeyFile", "AllowedIPs", "Endpoint", "PersistentKeepalive"],
  Match: ["Name"],
  Network: ["Address"],
};

/** The netdev as `wg setconf` reads it (files read, as networkd reads them), plus its name. */
function setconf(netdev: Section[]): { device: string; text: string } {
  for (const section of netdev)
    for (const [key] of section.entries)
      assert.ok(KNOWN[section.name]?.includes(key), `known key ${section.name}.${key}`);
  const dev = netdev.find((s) => s.name === "NetDev");
  assert.equal(value(dev, "Kind"), "wireguard");
  const device = value(dev, "Name") as string;
  const wg = netdev.find((s) => s.name === "WireGuard");
  const keyFile = value(wg, "PrivateKeyFile");
  const privateKey = keyFile ? readFileSync(keyFile, "utf8").trim() : value(wg, "PrivateKey");
  const lines = ["[Interface]", `ListenPort = ${value(wg, "ListenPort")}`];
  lines.push(`PrivateKey = ${privateKey}`);
  for (const peer of netdev.filter((s) => s.name === "WireGuardPeer")) {
    lines.push("", "[Peer]", `PublicKey = ${value(peer, "PublicKey")}`);
    const psk = value(peer, "PresharedKeyFile");
    if (psk) lines.push(`PresharedKey = ${readFileSync(psk, "utf8").trim()}`);
    lines.push(`AllowedIPs = ${values(peer, "AllowedIPs").join(", ")}`);
    const endpoint = value(peer, "Endpoint");
    if (endpoint) lines.push(`Endpoint = ${endpoint}`);
    const keepalive = value(peer, "PersistentKeepalive");
    if (keepalive) lines.push(`PersistentKeepalive = ${keepalive}`);
  }
  return { device, text: `${lines.join("\n")}\n` };
}

const networkdUp: BringUp = async (lab, host, peer, files) => {
  const names = readdirSync(files);
  const netdevs = names.filter((f) => f.endsWith(".netdev")).sort();
  assert.ok(netdevs.length > 0, `${files} has .netdev files`);
  const networks = names
    .filter((f) => f.endsWith(".network"))
    .map((f) => parseUnit(readFileSync(join(files, f), "utf8")));
  for (const file of netdevs) {
    const { device, text } = setconf(parseUnit(readFileSync(join(files, file), "utf8")));
    assert.equal(file, `50-${device}.netdev`);
    const network = networks.find(
      (n) =>
        value(
          n.find((s) => s.name === "Match"),
          "Name",
        ) === device,
    );
    assert.ok(network, `a .network matches ${device}`);
    const conf = join(lab.dir, `${peer}-${device}.setconf`);
    writeFileSync(conf, text, { mode: 0o600 });
    await lab.mustExec(host, ["wireguard-go", device], { env: { LOG_LEVEL: "silent" } });
    await lab.mustExec(host, ["wg", "setconf", device, conf]);
    for (const address of values(
      network.find((s) => s.name === "Network"),
      "Address",
    ))
      await lab.mustExec(host, ["ip", "address", "add", address, "dev", device]);
    await lab.mustExec(host, ["ip", "link", "set", device, "up"]);
  }
};

const proofs: Proof[] = [];
const started = Date.now();

before(async () => {
  await removeStaleNamespaces();
});

for (const topology of TOPOLOGIES)
  test(`networkd-files: ${topology.name}`, async (t) => {
    proofs.push(await prove(t, topology, "networkd-files", networkdUp));
  });

after(() => {
  const sum = (key: keyof Proof) => proofs.reduce((n, p) => n + p[key], 0);
  console.log(
    `# networkd-files e2e: ${proofs.length} topologies, ${sum("reachable")} reachable and ${sum("unreachable")} unreachable checks, ${sum("namesResolved")}/${sum("namesAbsent")} names resolved/absent, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});
