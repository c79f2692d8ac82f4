/**
 * Proves one topology end to end: real keys from `wg`, an ACL written here, `wirenix generate
 * --out` through the real CLI, every peer's files brought up in its host's namespace by the
 * caller's `bringUp`, then `ping` between every pair of peers: over the tunnel addresses the
 * interfaces really have and over the generated host names. Linked pairs must answer, all
 * others must not. The lab is removed whatever happens.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { type Lab, must, run, withLab } from "./netns.js";
import { fixtures, wirenixBin } from "./paths.js";
import type { Topology } from "./topologies.js";

/** Brings up one peer's generated files inside its host's namespace. */
export type BringUp = (lab: Lab, host: string, peer: string, files: string) => Promise<void>;

/** What was proven, for the suite's closing numbers. */
export interface Proof {
  reachable: number;
  unreachable: number;
  namesResolved: number;
  namesAbsent: number;
}

interface AclPeer {
  name: string;
  subnets: Record<string, unknown>;
  publicKey?: string;
  privateKeyFile?: string;
  privateKey?: string;
  endpoints?: { ip?: string }[];
}
interface Acl {
  subnets: { name: string; presharedKeyFile?: string }[];
  peers: AclPeer[];
}

/** The device name rule of the ACL spec (acl-v1.md "Interface names"), written out here. */
export function specDeviceName(method: "short" | "hash", peer: string, subnet: string): string {
  if (method === "hash")
    return `wn.${createHash("sha256").update(`${peer}.${subnet}`).digest("hex").slice(0, 12)}`;
  return subnet.split(".")[0] ?? subnet;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ping(lab: Lab, host: string, target: string, device: string | undefined) {
  return lab.exec(host, [
    ...["ping", "-n", "-c", "1", "-W", "1"],
    ...(device === undefined ? [] : ["-I", device]),
    target,
  ]);
}

/** The first handshake takes a moment; a linked pair gets a few tries. */
async function pingUntil(lab: Lab, host: string, target: string, device: string | undefined) {
  let last = await ping(lab, host, target, device);
  for (let i = 0; i < 15 && last.code !== 0; i++) {
    await sleep(200);
    last = await ping(lab, host, target, device);
  }
  return last;
}

async function globalAddresses(lab: Lab, host: string, device: string): Promise<string[]> {
  const out = await must("ip", ["-j", "-n", lab.ns(host), "addr", "show", "dev", device]);
  const [link] = JSON.parse(out) as { addr_info: { local: string; scope: string }[] }[];
  return (link?.addr_info ?? []).filter((a) => a.scope === "global").map((a) => a.local);
}

/** A topology's ACL with fresh keys, generated with `configurer` into `out`. */
export interface PreparedTopology {
  acl: Acl;
  placement: Record<string, readonly string[]>;
  hostOf: Map<string, string>;
  method: "short" | "hash";
  out: string;
  pskSubnet: Acl["subnets"][number] | undefined;
}

/**
 * Real keys from `wg` (in `dir`/keys), the topology's ACL with endpoints at the host names,
 * `wirenix generate --out` through the real CLI, and the modes of what it wrote.
 */
export async function prepareTopology(
  topology: Topology,
  configurer: string,
  dir: string,
): Promise<PreparedTopology> {
  const acl = JSON.parse(
    readFileSync(join(fixtures, "differential", topology.fixture, "acl.json"), "utf8"),
  ) as Acl;
  const placement =
    topology.placement ?? Object.fromEntries(acl.peers.map((p) => [p.name, [p.name]]));
  const hostOf = new Map<string, string>();
  for (const [host, peers] of Object.entries(placement))
    for (const peer of peers) hostOf.set(peer, host);
  const method = topology.devNameMethod ?? "short";
  // Keys and endpoints of this lab; everything else as the fixture has it.
  const keys = join(dir, "keys");
  await must("mkdir", ["-m", "700", keys]);
  for (const peer of acl.peers) {
    const privateKey = (await must("wg", ["genkey"])).trim();
    peer.publicKey = (await must("wg", ["pubkey"], { input: `${privateKey}\n` })).trim();
    if (topology.inlinePrivateKeys) {
      peer.privateKey = privateKey;
      delete peer.privateKeyFile;
    } else {
      peer.privateKeyFile = join(keys, `${peer.name}.key`);
      writeFileSync(peer.privateKeyFile, `${privateKey}\n`, { mode: 0o600 });
    }
    for (const endpoint of peer.endpoints ?? [])
      if (endpoint.ip !== undefined) endpoint.ip = hostOf.get(peer.name) as string;
  }
  const pskSubnet = topology.presharedKey ? acl.subnets[0] : undefined;
  if (pskSubnet) {
    pskSubnet.presharedKeyFile = join(keys, `${pskSubnet.name}.psk`);
    writeFileSync(pskSubnet.presharedKeyFile, await must("wg", ["genpsk"]), { mode: 0o600 });
  }
  const aclFile = join(dir, "acl.json");
  writeFileSync(aclFile, JSON.stringify(acl, null, 1));

  const out = join(dir, "out");
  const generated = await run(process.execPath, [
    wirenixBin,
    ...["generate", aclFile, "--configurer", configurer, "--out", out],
    ...["--dev-name-method", method],
    ...(topology.inlinePrivateKeys ? ["--inline-private-keys"] : []),
  ]);
  assert.equal(generated.code, 0, `wirenix generate failed:\n${generated.stderr}`);
  assert.equal(generated.stdout, "", "--out prints nothing");
  for (const peer of acl.peers)
    if (peer.privateKey !== undefined)
      assert.ok(!generated.stderr.includes(peer.privateKey), "no private key on stderr");

  // Every file is 0600, and a peer directory with interface files (they hold or name a private
  // key) is 0700.
  for (const peer of acl.peers) {
    const peerDir = join(out, peer.name);
    const names = readdirSync(peerDir, { recursive: true, encoding: "utf8" }).filter((name) =>
      statSync(join(peerDir, name)).isFile(),
    );
    assert.ok(names.includes("hosts"), `${peer.name} has a hosts file`);
    for (const name of names) {
      const text = readFileSync(join(peerDir, name), "utf8");
      const secret = peer.privateKey !== undefined && text.includes(peer.privateKey);
      // Every file a file configurer writes is 0600.
      assert.equal(
        statSync(join(peerDir, name)).mode & 0o777,
        0o600,
        `mode of ${peer.name}/${name}`,
      );
      // The interface files: a wg-quick .conf, a .netdev.
      if (topology.inlinePrivateKeys && /^[^/]+\.(conf|netdev)$/.test(name))
        assert.ok(secret, `${peer.name}/${name} holds the private key inline`);
    }
    if (names.some((name) => /^[^/]+\.(conf|netdev)$/.test(name)))
      assert.equal(statSync(peerDir).mode & 0o777, 0o700, `mode of ${peer.name}/`);
  }
  return { acl, placement, hostOf, method, out, pskSubnet };
}

/** A ping to every address a peer's interface has, or to a generated host name. */
export interface PingCheck {
  host: string;
  /** The interface to ping from (`ping -I`), when the pinging host's peer is on the subnet. */
  device?: string;
  target: { peerHost: string; peerDevice: string } | { name: string };
  expect: boolean;
  what: string;
}

/** Whether a generated host name resolves on a host. */
export interface NameCheck {
  host: string;
  name: string;
  expect: boolean;
}

/**
 * What must hold once every peer is up, from the topology's hand-written links: linked pairs
 * answer over every address and the host name, no other pair answers; a host's hosts file holds
 * the names every peer on it links to.
 */
export function topologyChecks(
  prepared: PreparedTopology,
  topology: Topology,
): { pings: PingCheck[]; names: NameCheck[] } {
  const { acl, hostOf, method } = prepared;
  const subnetsOf = new Map(acl.peers.map((p) => [p.name, Object.keys(p.subnets)]));
  const linked = (a: string, b: string, subnet: string) =>
    topology.links.some(
      ([x, y, s]) => s === subnet && ((x === a && y === b) || (x === b && y === a)),
    );
  const pings: PingCheck[] = [];
  const names: NameCheck[] = [];
  for (const a of acl.peers)
    for (const b of acl.peers) {
      if (a === b) continue;
      const hostA = hostOf.get(a.name) as string;
      const hostB = hostOf.get(b.name) as string;
      for (const subnet of subnetsOf.get(b.name) ?? []) {
        const name = `${b.name}.${subnet}`;
        const isLinked = linked(a.name, b.name, subnet);
        const onSubnet = subnetsOf.get(a.name)?.includes(subnet) ?? false;
        const device = onSubnet ? specDeviceName(method, a.name, subnet) : undefined;
        const from = { host: hostA, ...(device === undefined ? {} : { device }) };
        const someoneHereLinks = acl.peers.some(
          (p) => hostOf.get(p.name) === hostA && linked(p.name, b.name, subnet),
        );
        if (isLinked || !someoneHereLinks)
          names.push({ host: hostA, name, expect: someoneHereLinks });
        // Peers on one host reach each other locally; the tunnel is not involved.
        if (hostA === hostB) continue;
        pings.push({
          ...from,
          target: { peerHost: hostB, peerDevice: specDeviceName(method, b.name, subnet) },
          expect: isLinked,
          what: `${a.name} -> ${b.name} on ${subnet}`,
        });
        if (isLinked)
          pings.push({ ...from, target: { name }, expect: true, what: `${a.name} -> ${name}` });
      }
    }
  return { pings, names };
}

export async function prove(
  t: TestContext,
  topology: Topology,
  configurer: string,
  bringUp: BringUp,
): Promise<Proof> {
  const placement = topology.placement;
  const hosts =
    placement === undefined
      ? (
          JSON.parse(
            readFileSync(join(fixtures, "differential", topology.fixture, "acl.json"), "utf8"),
          ) as Acl
        ).peers.map((p) => p.name)
      : Object.keys(placement);
  return withLab(hosts, async (lab) => {
    const prepared = await prepareTopology(topology, configurer, lab.dir);
    const { acl, hostOf, method, out, pskSubnet } = prepared;
    for (const [host, peers] of Object.entries(prepared.placement))
      lab.writeHosts(host, peers.map((p) => readFileSync(join(out, p, "hosts"), "utf8")).join(""));
    await Promise.all(
      Object.entries(prepared.placement).map(async ([host, peers]) => {
        for (const peer of peers) await bringUp(lab, host, peer, join(out, peer));
      }),
    );

    // What the interfaces really carry, read back from the kernel.
    const addresses = new Map<string, string[]>();
    for (const peer of acl.peers)
      for (const subnet of Object.keys(peer.subnets)) {
        const device = specDeviceName(method, peer.name, subnet);
        const host = hostOf.get(peer.name) as string;
        const found = await globalAddresses(lab, host, device);
        assert.ok(found.length > 0, `${peer.name} has addresses on ${device}`);
        addresses.set(`${host}/${device}`, found);
      }
    if (pskSubnet)
      for (const peer of acl.peers) {
        const device = specDeviceName(method, peer.name, pskSubnet.name);
        const shown = await lab.mustExec(hostOf.get(peer.name) as string, [
          ...["wg", "show", device, "preshared-keys"],
        ]);
        assert.ok(shown.trim().length > 0 && !shown.includes("(none)"), `PSK set on ${device}`);
      }

    const checks = topologyChecks(prepared, topology);
    const reach: { host: string; target: string; device?: string; what: string }[] = [];
    const noReach: typeof reach = [];
    for (const c of checks.pings) {
      const targets =
        "name" in c.target
          ? [c.target.name]
          : (addresses.get(`${c.target.peerHost}/${c.target.peerDevice}`) ?? []);
      for (const target of targets)
        (c.expect ? reach : noReach).push({
          host: c.host,
          target,
          ...(c.device === undefined ? {} : { device: c.device }),
          what: `${c.what} (${target})`,
        });
    }
    const names = checks.names;

    const failed: string[] = [];
    const answered: string[] = [];
    await Promise.all(
      reach.map(async (c) => {
        const result = await pingUntil(lab, c.host, c.target, c.device);
        if (result.code !== 0)
          failed.push(`${c.what} must answer: ${result.stdout}${result.stderr}`);
      }),
    );
    assert.deepEqual(failed, [], "every linked pair answers");
    await Promise.all(
      noReach.map(async (c) => {
        const result = await ping(lab, c.host, c.target, c.device);
        if (result.code === 0) answered.push(`${c.what} must not answer, but did`);
      }),
    );
    assert.deepEqual(answered, [], "no unlinked pair answers");
    for (const { host, name, expect } of names) {
      const result = await lab.exec(host, ["getent", "hosts", name]);
      assert.equal(result.code === 0, expect, `${name} resolves on ${host}: ${expect}`);
    }
    const proof: Proof = {
      reachable: reach.length,
      unreachable: noReach.length,
      namesResolved: names.filter((n) => n.expect).length,
      namesAbsent: names.filter((n) => !n.expect).length,
    };
    t.diagnostic(
      `${topology.name}: ${proof.reachable} pings answered as they must, ${proof.unreachable} unanswered as they must; ${proof.namesResolved} names resolve, ${proof.namesAbsent} do not`,
    );
    return proof;
  });
}
