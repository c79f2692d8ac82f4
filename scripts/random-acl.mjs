#!/usr/bin/env node
// Seeded generator of random Wirenix ACLs (version v1) for differential tests against the
// original implementation (goldens by `npm run oracle -- --write`). No dependencies.
//
//   node scripts/random-acl.mjs SEED            one ACL as JSON (1-space indent) on stdout
//   node scripts/random-acl.mjs --coverage [FIRST LAST]
//                                               feature coverage of seeds FIRST..LAST (1..220)
//
// Every ACL stays inside what the original accepts and away from the intentional differences
// of docs/acl-v1.md, so the original's output is the expected output for every peer:
// - every peer has `groups`; no `match` on subnet or group endpoints; no IPv6 endpoint ips;
// - every link ends with both an ip and a port after the endpoint merge (checked by
//   simulating the merge and patched by prepending an unconditional endpoint if needed);
// - a connection never selects, on a subnet it applies to, a peer that is not a member of
//   that subnet (checked by simulation and repaired with subnet filters);
// - no two subnets share the same `short` device name (the original silently drops one).
// The only expected errors are device names longer than 15 characters (long subnet names).

import { pathToFileURL } from "node:url";

const SUBNET_NAMES = [
  "lan",
  "wan.home",
  "mesh-1",
  "a.b.c",
  "office",
  "vpn.corp",
  "backbone",
  "dmz.site-2",
  "storage",
  "core.east",
  "iot",
  "mgmt.dc1",
  "x",
  "tun_0",
  "guest.wifi.home",
];
// longer than 15 characters: `long` fails; the first ones still work with `short`
const LONG_SUBNET_NAMES = [
  "datacenter.backbone",
  "home.network.internal",
  "office-vpn.berlin.de",
  "mesh.long-subnet-name",
];
// longer than 15 characters up to the first dot: `short` fails too
const VERY_LONG_SUBNET_NAMES = ["backbone-europe-01", "verylongsubnetname.lan"];
const PEER_NAMES = [
  "node1",
  "node2",
  "node3",
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "web-01",
  "db-primary",
  "gw",
  "laptop_3",
  "phone",
  "nas",
  "router",
  "Zulu",
  "a",
];
const GROUP_NAMES = ["servers", "clients", "edge", "admins", "mobile", "infra", "road-warriors"];
const KEEPALIVES = [0, 10, 15, 25, 60];
const REFRESH_SECONDS = [5, 30, 120, 300];
const RESTART_SECONDS = [1, 5, 10];

/** mulberry32: small, fast, good enough for test data */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  /** integer in [lo, hi] */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(list) {
    return list[this.int(0, list.length - 1)];
  }
  shuffle(list) {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  sample(list, k) {
    return this.shuffle(list).slice(0, k);
  }
  bytes(n) {
    return Array.from({ length: n }, () => this.int(0, 255));
  }
}

// ---------------------------------------------------------------------------------------
// Simulation of the original's selection, link and endpoint rules (parsers/v1.nix)

function selectOne(acl, filter) {
  return acl.peers.filter((peer) => {
    let hit;
    if (filter.type === "peer") hit = peer.name === filter.value;
    else if (filter.type === "group") hit = peer.groups.includes(filter.value);
    else hit = Object.hasOwn(peer.subnets, filter.value);
    return filter.rule === "is" ? hit : !hit;
  });
}

function selectPeers(acl, filters) {
  let selected = acl.peers;
  for (const filter of filters) {
    const these = selectOne(acl, filter);
    selected = selected.filter((peer) => these.includes(peer));
  }
  return selected;
}

function appliesTo(connection, subnetName) {
  return !connection.subnets || connection.subnets.includes(subnetName);
}

function members(acl, subnetName) {
  return acl.peers.filter((peer) => Object.hasOwn(peer.subnets, subnetName));
}

/** the peers that `peer` links to on `subnetName` */
function links(acl, peer, subnetName) {
  const out = [];
  for (const connection of acl.connections) {
    if (!appliesTo(connection, subnetName)) continue;
    const a = selectPeers(acl, connection.a);
    const b = selectPeers(acl, connection.b);
    if (a.includes(peer)) out.push(...b);
    if (b.includes(peer)) out.push(...a);
  }
  return [...new Set(out)].filter((other) => other !== peer);
}

/** the merged endpoint `from` uses to reach `to` on subnet `subnet` */
function mergedEndpoint(acl, subnet, from, to) {
  const groupNames = from.groups.filter((name) => to.groups.includes(name));
  const groupEndpoints = groupNames.flatMap(
    (name) => acl.groups.find((group) => group.name === name).endpoints ?? [],
  );
  const peerEndpoints = (to.endpoints ?? []).filter((endpoint) =>
    selectPeers(acl, endpoint.match ?? []).includes(from),
  );
  const merged = Object.assign({}, ...subnet.endpoints, ...groupEndpoints, ...peerEndpoints);
  delete merged.match;
  return merged;
}

/** true when no member of an applicable subnet gets linked to a non-member */
function connectionIsSafe(acl, connection) {
  const a = selectPeers(acl, connection.a);
  const b = selectPeers(acl, connection.b);
  for (const subnet of acl.subnets) {
    if (!appliesTo(connection, subnet.name)) continue;
    const inside = members(acl, subnet.name);
    const isInside = (peer) => inside.includes(peer);
    if (a.some(isInside) && !b.every(isInside)) return false;
    if (b.some(isInside) && !a.every(isInside)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Generation

function publicKey(rng) {
  return Buffer.from(rng.bytes(32)).toString("base64");
}

function extraArgs(rng) {
  const out = {};
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    const key = rng.pick(["note", "weight", "tags", "flag", "mtu", "nested"]);
    if (key === "note") out.note = rng.pick(["hello", "primary link", ""]);
    else if (key === "weight") out.weight = rng.int(0, 100);
    else if (key === "tags") out.tags = rng.sample(["a", "b", "c", "d"], rng.int(0, 3));
    else if (key === "flag") out.flag = rng.chance(0.5);
    else if (key === "mtu") out.mtu = rng.pick([1280, 1420]);
    else out.nested = { level: rng.int(1, 3), list: [rng.int(0, 9)] };
  }
  return out;
}

function endpointHost(rng, peerName) {
  const kind = rng.int(0, 4);
  if (kind === 0) return `203.0.113.${rng.int(1, 254)}`;
  if (kind === 1) return `198.51.100.${rng.int(1, 254)}`;
  if (kind === 2) return `${peerName.toLowerCase().replace(/_/g, "-")}.example.com`;
  if (kind === 3) return `vpn${rng.int(1, 9)}.example.org`;
  return peerName;
}

/** optional keepalive / dynamic refresh fields, merged into `endpoint` */
function endpointExtras(rng, endpoint, p) {
  if (rng.chance(p)) endpoint.persistentKeepalive = rng.pick(KEEPALIVES);
  if (rng.chance(p / 2)) endpoint.dynamicEndpointRefreshSeconds = rng.pick(REFRESH_SECONDS);
  if (rng.chance(p / 3)) endpoint.dynamicEndpointRefreshRestartSeconds = rng.pick(RESTART_SECONDS);
  return endpoint;
}

function randomFilter(rng, acl) {
  const types = ["peer", "subnet"];
  if (acl.groups.length > 0) types.push("group");
  const type = rng.pick(types);
  const rule = rng.chance(0.7) ? "is" : "not";
  let value;
  if (type === "peer") value = rng.pick(acl.peers).name;
  else if (type === "group") value = rng.pick(acl.groups).name;
  else value = rng.pick(acl.subnets).name;
  return { type, rule, value };
}

function randomFilters(rng, acl, max) {
  const n = rng.int(0, max);
  return Array.from({ length: n }, () => randomFilter(rng, acl));
}

function pickSubnetNames(rng) {
  const n = rng.pick([1, 1, 2, 2, 2, 3, 3, 4]);
  const names = [];
  const shortNames = new Set();
  const pool = rng.shuffle(SUBNET_NAMES);
  if (rng.chance(0.22)) pool.unshift(rng.pick(LONG_SUBNET_NAMES));
  else if (rng.chance(0.03)) pool.unshift(rng.pick(VERY_LONG_SUBNET_NAMES));
  for (const name of pool) {
    if (names.length === n) break;
    const short = name.split(".")[0];
    if (shortNames.has(short)) continue;
    shortNames.add(short);
    names.push(name);
  }
  return rng.shuffle(names);
}

function subnetEndpoints(rng) {
  const mode = rng.next();
  if (mode < 0.05) return [];
  const port = rng.pick([51820, 51821, 51900, rng.int(1024, 65535)]);
  const first = { port };
  if (mode < 0.15) first.ip = `relay${rng.int(1, 3)}.example.net`;
  endpointExtras(rng, first, 0.3);
  const out = [first];
  if (rng.chance(0.2)) {
    const second = rng.chance(0.5) ? { port: rng.int(1024, 65535) } : {};
    endpointExtras(rng, second, 0.6);
    out.push(second);
  }
  return out;
}

function groupEndpoints(rng) {
  const n = rng.int(1, 2);
  const out = [];
  for (let i = 0; i < n; i++) {
    const endpoint = {};
    if (rng.chance(0.4)) endpoint.ip = `gw-${rng.int(1, 9)}.example.net`;
    if (rng.chance(0.5)) endpoint.port = rng.int(1024, 65535);
    endpointExtras(rng, endpoint, 0.4);
    out.push(endpoint);
  }
  return out;
}

/** ipAddresses of one peer (index p) on one subnet (index s), or undefined */
function ipAddresses(rng, s, p) {
  const mode = rng.next();
  if (mode < 0.25) return undefined;
  if (mode < 0.28) return [];
  const n = rng.int(1, 3);
  const out = [];
  const used = new Set();
  for (let i = 0; i < n; i++) {
    const kind = rng.pick(["v4", "v4", "v4cidr", "v6", "v6", "v6cidr", "auto", "auto"]);
    let ip;
    if (kind === "auto") ip = "auto";
    else if (kind === "v4" || kind === "v4cidr") {
      ip = `10.${s + 1}.${i * 16 + rng.int(0, 15)}.${p + 1}`;
      if (kind === "v4cidr") ip += rng.pick(["/24", "/24", "/16", "/32", "/8"]);
    } else {
      const form = rng.int(0, 2);
      if (form === 0) ip = `fd0${s}::${(p + 1).toString(16)}${i}`;
      else if (form === 1) ip = `fd00:${s + 1}:${i}::${(p + 10).toString(16)}`;
      else ip = `2001:db8:${s}${i}::${p + 1}`;
      if (kind === "v6cidr") ip += rng.pick(["/64", "/64", "/48", "/128", "/120"]);
    }
    const bare = ip.split("/")[0];
    if (ip !== "auto" && used.has(bare)) continue;
    used.add(bare);
    out.push(ip);
  }
  return out;
}

function randomConnection(rng, acl) {
  const kind = rng.pick(["mesh", "subnet", "group", "peer", "random", "random", "random"]);
  const connection = {};
  const subnetNames = acl.subnets.map((subnet) => subnet.name);
  if (kind === "mesh") {
    connection.a = [];
    connection.b = [];
  } else if (kind === "subnet") {
    const name = rng.pick(subnetNames);
    connection.a = [{ type: "subnet", rule: "is", value: name }];
    connection.b = [{ type: "subnet", rule: "is", value: name }];
  } else if (kind === "group" && acl.groups.length > 0) {
    const name = rng.pick(acl.groups).name;
    connection.a = [{ type: "group", rule: "is", value: name }];
    connection.b = rng.chance(0.5) ? [] : [{ type: "group", rule: "not", value: name }];
  } else if (kind === "peer") {
    const hub = rng.pick(acl.peers).name;
    connection.a = [{ type: "peer", rule: "is", value: hub }];
    connection.b = rng.chance(0.5) ? [] : randomFilters(rng, acl, 2);
  } else {
    connection.a = randomFilters(rng, acl, 3);
    connection.b = randomFilters(rng, acl, 3);
  }
  if (rng.chance(0.03)) connection.subnets = [];
  else if (rng.chance(0.6)) {
    connection.subnets = rng.sample(subnetNames, rng.int(1, subnetNames.length));
  }
  if (rng.chance(0.2)) connection.extraArgs = extraArgs(rng);
  if (rng.chance(0.5)) [connection.a, connection.b] = [connection.b, connection.a];
  return connection;
}

/** adds `subnet is S` filters for every subnet the connection applies to, on both sides */
function restrictToSubnets(acl, connection) {
  const names = (connection.subnets ?? acl.subnets.map((subnet) => subnet.name)).filter((name) =>
    acl.subnets.some((subnet) => subnet.name === name),
  );
  for (const side of ["a", "b"]) {
    for (const name of names) {
      const has = connection[side].some(
        (f) => f.type === "subnet" && f.rule === "is" && f.value === name,
      );
      if (!has) connection[side].push({ type: "subnet", rule: "is", value: name });
    }
  }
}

export function generate(seed) {
  const rng = new Rng(seed);
  const acl = { version: "v1", subnets: [], groups: [], peers: [], connections: [] };

  // subnets
  for (const name of pickSubnetNames(rng)) {
    const subnet = { name, endpoints: subnetEndpoints(rng) };
    if (rng.chance(0.4)) subnet.presharedKeyFile = `/run/keys/psk-${name}`;
    if (rng.chance(0.2)) subnet.extraArgs = extraArgs(rng);
    acl.subnets.push(subnet);
  }

  // groups
  for (const name of rng.sample(GROUP_NAMES, rng.int(0, 3))) {
    const group = { name };
    const mode = rng.next();
    if (mode < 0.5) group.endpoints = groupEndpoints(rng);
    else if (mode < 0.6) group.endpoints = [];
    if (rng.chance(0.2)) group.extraArgs = extraArgs(rng);
    acl.groups.push(group);
  }

  // peers and their subnet memberships
  const peerCount = rng.int(2, 12);
  const fullMembership = acl.subnets.length === 1 || rng.chance(0.3);
  const subnetNames = acl.subnets.map((subnet) => subnet.name);
  for (const name of rng.sample(PEER_NAMES, peerCount)) {
    const peer = { name, groups: [], publicKey: publicKey(rng), subnets: {} };
    peer.privateKeyFile = rng.pick([
      `/run/keys/wg-${name}`,
      "/etc/wireguard/private.key",
      `/var/lib/wirenix/${name}.key`,
    ]);
    if (rng.chance(0.04)) peer.privateKey = publicKey(rng);
    if (acl.groups.length > 0) {
      peer.groups = rng.sample(
        acl.groups.map((group) => group.name),
        rng.int(0, acl.groups.length),
      );
    }
    const mine = fullMembership
      ? subnetNames
      : rng.sample(subnetNames, rng.int(1, subnetNames.length));
    for (const subnetName of rng.shuffle(mine)) peer.subnets[subnetName] = {};
    if (rng.chance(0.15)) peer.extraArgs = extraArgs(rng);
    acl.peers.push(peer);
  }
  // every subnet has at least two members
  for (const subnetName of subnetNames) {
    for (const peer of rng.shuffle(acl.peers)) {
      if (members(acl, subnetName).length >= 2) break;
      peer.subnets[subnetName] = {};
    }
  }
  // subnet entries
  acl.peers.forEach((peer, p) => {
    for (const subnetName of Object.keys(peer.subnets)) {
      const s = subnetNames.indexOf(subnetName);
      const entry = { listenPort: rng.pick([51820, 51820 + s, rng.int(1024, 65535)]) };
      const ips = ipAddresses(rng, s, p);
      if (ips !== undefined) entry.ipAddresses = ips;
      if (rng.chance(0.1)) entry.extraArgs = extraArgs(rng);
      peer.subnets[subnetName] = entry;
    }
  });
  // sometimes the same address twice: on two subnets of one peer, or for two peers
  if (rng.chance(0.15)) {
    const peer = rng.pick(acl.peers);
    const entries = Object.values(peer.subnets);
    const withIp = entries.filter((e) => (e.ipAddresses ?? []).some((ip) => ip !== "auto"));
    if (withIp.length > 0 && entries.length > 1) {
      const ip = rng.pick(withIp[0].ipAddresses.filter((x) => x !== "auto"));
      const other = entries.find((e) => e !== withIp[0]);
      other.ipAddresses = [...(other.ipAddresses ?? ["auto"]), ip.split("/")[0]];
    }
  }
  if (rng.chance(0.1)) {
    const subnetName = rng.pick(subnetNames);
    const [p1, p2] = rng.sample(members(acl, subnetName), 2);
    const ips = (p1.subnets[subnetName].ipAddresses ?? []).filter((ip) => ip !== "auto");
    if (ips.length > 0) {
      const entry = p2.subnets[subnetName];
      entry.ipAddresses = [...(entry.ipAddresses ?? []), rng.pick(ips)];
    }
  }

  // peer endpoints: usually an unconditional one with an ip, then matched overrides
  for (const peer of acl.peers) {
    if (rng.chance(0.1)) continue;
    const endpoints = [];
    if (rng.chance(0.9)) {
      const endpoint = { ip: endpointHost(rng, peer.name) };
      if (rng.chance(0.3)) endpoint.port = rng.int(1024, 65535);
      endpoints.push(endpointExtras(rng, endpoint, 0.2));
    }
    const matched = rng.int(0, 3);
    for (let i = 0; i < matched; i++) {
      const endpoint = {};
      const m = rng.next();
      if (m < 0.08) endpoint.match = [];
      else if (m < 0.9) endpoint.match = randomFilters(rng, acl, 2);
      if (endpoint.match && endpoint.match.length === 0 && m >= 0.08) {
        endpoint.match = [randomFilter(rng, acl)];
      }
      if (rng.chance(0.6)) endpoint.ip = endpointHost(rng, peer.name);
      if (rng.chance(0.5)) endpoint.port = rng.int(1024, 65535);
      endpointExtras(rng, endpoint, 0.3);
      endpoints.push(endpoint);
    }
    if (endpoints.length > 0) peer.endpoints = endpoints;
  }

  // connections
  const connectionCount = rng.int(1, 4);
  for (let i = 0; i < connectionCount; i++) {
    const connection = randomConnection(rng, acl);
    if (!connectionIsSafe(acl, connection)) restrictToSubnets(acl, connection);
    acl.connections.push(connection);
  }
  const linkCount = () =>
    acl.subnets.reduce(
      (n, subnet) =>
        n +
        members(acl, subnet.name).reduce((m, peer) => m + links(acl, peer, subnet.name).length, 0),
      0,
    );
  if (linkCount() === 0) {
    const subnetName = rng.pick(subnetNames);
    const filter = { type: "subnet", rule: "is", value: subnetName };
    acl.connections.push({ a: [{ ...filter }], b: [{ ...filter }], subnets: [subnetName] });
  }

  // every link must end with an ip and a port: patch the remote peer if not
  for (const subnet of acl.subnets) {
    for (const from of members(acl, subnet.name)) {
      for (const to of links(acl, from, subnet.name)) {
        const merged = mergedEndpoint(acl, subnet, from, to);
        const patch = {};
        if (!("ip" in merged)) patch.ip = endpointHost(rng, to.name);
        if (!("port" in merged)) patch.port = rng.int(1024, 65535);
        if (Object.keys(patch).length > 0) to.endpoints = [patch, ...(to.endpoints ?? [])];
      }
    }
  }
  for (const connection of acl.connections) {
    if (!connectionIsSafe(acl, connection)) throw new Error(`seed ${seed}: unsafe connection`);
  }

  if (rng.chance(0.1)) acl.extraArgs = extraArgs(rng);
  return acl;
}

// ---------------------------------------------------------------------------------------
// Coverage

function features(acl) {
  const found = {};
  const add = (name, n = 1) => {
    found[name] = (found[name] ?? 0) + n;
  };
  const isV4 = (ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip);
  const isV4Cidr = (ip) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(ip);
  const isV6 = (ip) => ip.includes(":") && !ip.includes("/");
  const isV6Cidr = (ip) => ip.includes(":") && ip.includes("/");
  const endpointFields = (endpoint, where) => {
    if ("ip" in endpoint) add(`${where} endpoint with ip`);
    if ("port" in endpoint) add(`${where} endpoint with port`);
    if ("persistentKeepalive" in endpoint) add("persistentKeepalive");
    if ("dynamicEndpointRefreshSeconds" in endpoint) add("dynamicEndpointRefreshSeconds");
    if ("dynamicEndpointRefreshRestartSeconds" in endpoint) {
      add("dynamicEndpointRefreshRestartSeconds");
    }
  };

  add("subnets", acl.subnets.length);
  add("groups", acl.groups.length);
  add("peers", acl.peers.length);
  add("connections", acl.connections.length);
  for (const subnet of acl.subnets) {
    if (subnet.name.includes(".")) add("subnet name with dots");
    if (subnet.name.length > 15) add("subnet name > 15 chars (long fails)");
    if (subnet.name.split(".")[0].length > 15)
      add("subnet name > 15 chars before dot (short fails)");
    if (subnet.presharedKeyFile) add("presharedKeyFile");
    if (subnet.extraArgs) add("extraArgs on subnet");
    if (subnet.endpoints.length === 0) add("subnet without endpoints");
    if (subnet.endpoints.length > 1) add("subnet with several endpoints");
    for (const endpoint of subnet.endpoints) endpointFields(endpoint, "subnet");
  }
  for (const group of acl.groups) {
    if (group.endpoints?.length > 0) add("group with endpoints");
    else if (group.endpoints) add("group with endpoints: []");
    else add("group without endpoints field");
    if (group.extraArgs) add("extraArgs on group");
    for (const endpoint of group.endpoints ?? []) endpointFields(endpoint, "group");
  }
  const ipsSeen = new Map();
  for (const peer of acl.peers) {
    if (peer.groups.length === 0) add("peer with groups: []");
    if (peer.groups.length > 1) add("peer in several groups");
    if (peer.extraArgs) add("extraArgs on peer");
    if (peer.privateKey) add("peer with privateKey");
    if (!peer.endpoints) add("peer without endpoints");
    const subnetCount = Object.keys(peer.subnets).length;
    if (subnetCount > 1) add("peer in several subnets");
    for (const [subnetName, entry] of Object.entries(peer.subnets)) {
      if (entry.extraArgs) add("extraArgs on peer-subnet entry");
      const ips = entry.ipAddresses;
      if (ips === undefined) {
        add("ipAddresses absent");
        continue;
      }
      if (ips.length === 0) add("ipAddresses: []");
      const autos = ips.filter((ip) => ip === "auto").length;
      if (autos > 0) add("ipAddresses with auto");
      if (autos > 1) add("ipAddresses with auto several times");
      if (autos > 0 && ips[ips.length - 1] !== "auto") add("auto not at the end");
      for (const ip of ips) {
        if (isV4(ip)) add("IPv4 bare");
        if (isV4Cidr(ip)) add("IPv4 CIDR");
        if (isV6(ip)) add("IPv6 bare");
        if (isV6Cidr(ip)) add("IPv6 CIDR");
        if (ip === "auto") continue;
        const bare = ip.split("/")[0];
        const owner = `${peer.name}.${subnetName}`;
        if (ipsSeen.has(bare) && ipsSeen.get(bare) !== owner)
          add("same address twice (hosts clash)");
        ipsSeen.set(bare, owner);
      }
    }
    for (const endpoint of peer.endpoints ?? []) {
      endpointFields(endpoint, "peer");
      if (!endpoint.match) add("peer endpoint without match");
      else if (endpoint.match.length === 0) add("peer endpoint with match: []");
      else {
        add("peer endpoint with match");
        if (endpoint.match.length > 1) add("peer endpoint with several match filters");
        for (const filter of endpoint.match) add(`match filter ${filter.type}/${filter.rule}`);
      }
      if ("ip" in endpoint && /^[\d.]+$/.test(endpoint.ip)) add("endpoint ip IPv4");
      else if ("ip" in endpoint) add("endpoint ip host name");
    }
  }
  for (const connection of acl.connections) {
    if (connection.a.length === 0 && connection.b.length === 0) add("mesh connection (a=[] b=[])");
    if (connection.a.length > 1 || connection.b.length > 1) add("multi-filter connection side");
    const filters = [...connection.a, ...connection.b];
    if (filters.some((f) => f.rule === "not")) add("connection with not-rule");
    for (const filter of filters) add(`connection filter ${filter.type}/${filter.rule}`);
    if (!connection.subnets) add("connection without subnets");
    else if (connection.subnets.length === 0) add("connection with subnets: []");
    else add("connection with subnets");
    if (connection.subnets?.length > 1) add("connection with several subnets");
    if (connection.extraArgs) add("extraArgs on connection");
  }
  if (acl.extraArgs) add("extraArgs on ACL");
  return found;
}

function coverage(first, last) {
  const acls = {};
  const total = {};
  for (let seed = first; seed <= last; seed++) {
    for (const [name, n] of Object.entries(features(generate(seed)))) {
      acls[name] = (acls[name] ?? 0) + 1;
      total[name] = (total[name] ?? 0) + n;
    }
  }
  const count = last - first + 1;
  const width = Math.max(...Object.keys(acls).map((name) => name.length));
  console.log(
    `coverage of seeds ${first}..${last} (${count} ACLs): ACLs with feature, occurrences`,
  );
  for (const name of Object.keys(acls).sort()) {
    console.log(`  ${name.padEnd(width)}  ${String(acls[name]).padStart(4)}  ${total[name]}`);
  }
}

function main(args) {
  if (args[0] === "--coverage") {
    coverage(Number(args[1] ?? 1), Number(args[2] ?? 220));
    return;
  }
  const seed = Number(args[0]);
  if (args.length !== 1 || !Number.isInteger(seed)) {
    console.error("usage: random-acl.mjs SEED | --coverage [FIRST LAST]");
    process.exit(2);
  }
  console.log(JSON.stringify(generate(seed), null, 1));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main(process.argv.slice(2));
