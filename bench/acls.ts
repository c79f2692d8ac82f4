/**
 * The benchmark's ACLs: deterministic topologies of any size, each within what the original
 * accepts (every link ends with an ip and a port, no connection selects a non-member), so the
 * same file can be timed with both implementations and the outputs compared.
 */
import { createHash } from "node:crypto";

/** A topology the benchmark knows how to build at any size. */
export type Topology = "mesh" | "spoke" | "mixed" | "hubs";

/** A WireGuard-shaped public key derived from the peer's name, so runs are reproducible. */
function publicKey(name: string): string {
  return createHash("sha256").update(`bench-key:${name}`).digest("base64");
}

/** A distinct IPv4 address per peer index, inside 10.0.0.0/8. */
function ipv4(prefix: number, index: number): string {
  return `${prefix}.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}

function peerName(index: number, width: number): string {
  return `peer${String(index).padStart(width, "0")}`;
}

const subnetIs = (value: string) => ({ type: "subnet", rule: "is", value });
const groupIs = (value: string) => ({ type: "group", rule: "is", value });
const peerIs = (value: string) => ({ type: "peer", rule: "is", value });

/** Every peer links to every other on one subnet: n·(n-1) peer entries in all. */
function mesh(n: number): object {
  const width = String(n - 1).length;
  return {
    version: "v1",
    subnets: [{ name: "mesh", endpoints: [{ port: 51820, persistentKeepalive: 25 }] }],
    groups: [],
    peers: Array.from({ length: n }, (_, i) => {
      const name = peerName(i, width);
      return {
        name,
        publicKey: publicKey(name),
        privateKeyFile: "/etc/wireguard/private.key",
        subnets: { mesh: { listenPort: 51820 } },
        endpoints: [{ ip: ipv4(10, i + 1) }],
      };
    }),
    connections: [{ a: [subnetIs("mesh")], b: [subnetIs("mesh")] }],
  };
}

/** One hub that every other peer (a spoke) links to: 2·(n-1) peer entries in all. */
function spoke(n: number): object {
  const width = String(n - 1).length;
  const names = Array.from({ length: n }, (_, i) => (i === 0 ? "hub" : peerName(i, width)));
  return {
    version: "v1",
    subnets: [{ name: "spoke", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers: names.map((name, i) => ({
      name,
      publicKey: publicKey(name),
      privateKeyFile: "/etc/wireguard/private.key",
      subnets: { spoke: { listenPort: 51820, ipAddresses: [ipv4(10, i + 1)] } },
      endpoints: [{ ip: i === 0 ? "hub.example.net" : ipv4(172, i) }],
    })),
    connections: [{ a: [subnetIs("spoke")], b: [peerIs("hub")] }],
  };
}

/**
 * Three subnets and three groups: servers on every subnet (a mesh among themselves), clients on
 * `lan` and `wan` (each links to the servers on `lan` and to every other client on `wan`),
 * admins on `wan` and `mgmt` (linked to the servers on `mgmt`). Written IPv4 and generated IPv6
 * addresses, group endpoints, and peer endpoints with a `match` that depends on the dialer.
 */
function mixed(n: number): object {
  const servers = Math.max(2, Math.round(n / 10));
  const admins = Math.max(1, Math.round(n / 5));
  const width = String(n - 1).length;
  const peers = Array.from({ length: n }, (_, i) => {
    const role = i < servers ? "servers" : i < servers + admins ? "admins" : "clients";
    const name = `${role.slice(0, -1)}-${String(i).padStart(width, "0")}`;
    const subnets: Record<string, object> =
      role === "servers"
        ? {
            lan: { listenPort: 51820, ipAddresses: [ipv4(10, i + 1), "auto"] },
            wan: { listenPort: 51821 },
            mgmt: { listenPort: 51822 },
          }
        : role === "admins"
          ? { wan: { listenPort: 51821 }, mgmt: { listenPort: 51822 } }
          : {
              lan: { listenPort: 51820, ipAddresses: [ipv4(10, i + 1)] },
              wan: { listenPort: 51821 },
            };
    const endpoints: object[] = [{ ip: ipv4(192, i + 1) }];
    if (role === "servers") endpoints.push({ match: [groupIs("clients")], ip: `srv${i}.lan` });
    return {
      name,
      publicKey: publicKey(name),
      privateKeyFile: "/run/keys/wireguard",
      groups: [role],
      subnets,
      endpoints,
    };
  });
  return {
    version: "v1",
    subnets: [
      { name: "lan", endpoints: [{ port: 51820 }], presharedKeyFile: "/run/keys/lan.psk" },
      { name: "wan", endpoints: [{ port: 51821, persistentKeepalive: 25 }] },
      { name: "mgmt", endpoints: [{ port: 51822 }] },
    ],
    groups: [
      { name: "servers", endpoints: [{ persistentKeepalive: 15 }] },
      { name: "admins" },
      { name: "clients" },
    ],
    peers,
    connections: [
      { a: [groupIs("servers")], b: [groupIs("servers")] },
      { a: [groupIs("clients")], b: [groupIs("servers")], subnets: ["lan"] },
      {
        a: [groupIs("clients")],
        b: [groupIs("clients")],
        subnets: ["wan"],
        extraArgs: { note: "clients" },
      },
      { a: [groupIs("admins")], b: [groupIs("servers")], subnets: ["mgmt"] },
    ],
  };
}

/** How many hubs the `hubs` topology has: its spokes are split evenly between them. */
export const HUBS = 10;

/** The `index`th spoke's address on site k: 10.k.1.10 on, 200 a /24, never a network's first or last. */
function siteAddress(k: number, index: number): string {
  return `10.${k}.${1 + Math.floor(index / 200)}.${10 + (index % 200)}`;
}

/**
 * Hub-and-spoke at fleet size, with access rules: `HUBS` hubs meshed on the subnet `core`,
 * and n − HUBS spokes split evenly between them, each on its hub's subnet `siteK` (10.K.x.y)
 * and in the group `spokes` (a tenth of them also in `ops`). Rules: spokes reach their hubs'
 * web and DNS, `ops` reaches everything, hubs reach each other on every port. Every hub has
 * n/HUBS + HUBS − 2 links, every spoke one: 2·(n − HUBS) + HUBS·(HUBS − 1) peer entries.
 */
function hubs(n: number): object {
  const spokes = n - HUBS;
  const width = String(spokes - 1).length;
  const hubName = (k: number) => `hub${k}`;
  const peers: object[] = [];
  for (let k = 0; k < HUBS; k++) {
    const name = hubName(k);
    peers.push({
      name,
      publicKey: publicKey(name),
      privateKeyFile: "/etc/wireguard/private.key",
      groups: ["hubs"],
      subnets: {
        core: { listenPort: 51800, ipAddresses: [`10.255.0.${k + 1}`] },
        [`site${k}`]: { listenPort: 51820, ipAddresses: [`10.${k}.0.1`] },
      },
      endpoints: [{ ip: `${name}.example.net` }],
    });
  }
  for (let i = 0; i < spokes; i++) {
    const k = i % HUBS;
    const name = peerName(i, width);
    const index = Math.floor(i / HUBS);
    peers.push({
      name,
      publicKey: publicKey(name),
      privateKeyFile: "/etc/wireguard/private.key",
      groups: i % 10 === 0 ? ["spokes", "ops"] : ["spokes"],
      subnets: {
        [`site${k}`]: { listenPort: 51820, ipAddresses: [siteAddress(k, index)] },
      },
      endpoints: [{ ip: ipv4(172, i + 1) }],
    });
  }
  const sites = Array.from({ length: HUBS }, (_, k) => `site${k}`);
  return {
    version: "v1",
    subnets: [
      { name: "core", endpoints: [{ port: 51800 }] },
      ...sites.map((name) => ({ name, endpoints: [{ port: 51820, persistentKeepalive: 25 }] })),
    ],
    groups: [{ name: "hubs" }, { name: "spokes" }, { name: "ops" }],
    peers,
    connections: [
      { a: [subnetIs("core")], b: [subnetIs("core")], subnets: ["core"] },
      ...sites.map((site, k) => ({
        a: [subnetIs(site)],
        b: [peerIs(hubName(k))],
        subnets: [site],
      })),
    ],
    rules: [
      { from: [groupIs("spokes")], to: [groupIs("hubs")], allow: ["tcp/443", "udp/53", "icmp"] },
      { from: [groupIs("ops")], to: [], allow: ["*"] },
      { from: [groupIs("hubs")], to: [groupIs("hubs")], allow: ["*"], subnets: ["core"] },
    ],
  };
}

/** The ACL of a topology with `n` peers, as plain data ready for JSON. */
export function makeAcl(topology: Topology, n: number): object {
  if (topology === "mesh") return mesh(n);
  if (topology === "spoke") return spoke(n);
  if (topology === "hubs") return hubs(n);
  return mixed(n);
}

/** The first peer of a topology in ACL order, which has the most links in all of them. */
export function busiestPeer(acl: object): string {
  const first = (acl as { peers: { name: string }[] }).peers[0];
  if (!first) throw new Error("internal error: an ACL without peers");
  return first.name;
}

/**
 * The next version of a benchmark ACL, for `diff`: `rule` changes one thing every host of it
 * sees (the hub-and-spoke's first rule also allows tcp/22; the mesh, without rules, gets a new
 * endpoint address for its first peer), `peer` adds one peer like the last one.
 */
export function changedAcl(topology: Topology, acl: object, change: "rule" | "peer"): object {
  const copy = structuredClone(acl) as {
    peers: {
      name: string;
      publicKey: string;
      subnets: Record<string, { ipAddresses?: string[] }>;
      endpoints: { ip: string }[];
    }[];
    rules?: { allow: string[] }[];
  };
  if (change === "rule") {
    const rule = copy.rules?.[0];
    if (topology === "hubs" && rule) rule.allow = [...rule.allow, "tcp/22"];
    else if (copy.peers[0]) copy.peers[0].endpoints = [{ ip: "192.0.2.1" }];
    return copy;
  }
  const last = copy.peers[copy.peers.length - 1];
  if (!last) throw new Error("internal error: an ACL without peers");
  const added = structuredClone(last);
  added.name = "added";
  added.publicKey = publicKey("added");
  for (const subnet of Object.values(added.subnets))
    if (subnet.ipAddresses) subnet.ipAddresses = ["10.254.254.254"];
  added.endpoints = [{ ip: "192.0.2.2" }];
  copy.peers.push(added);
  return copy;
}
