/**
 * The lints of `wirenix check`: mistakes the ACL's schema cannot see but a deployed network
 * would suffer from. Each is a named rule over the resolved `Network`; `LINTS` lists them in
 * the order they run. Errors are what breaks a network; warnings are what is probably not meant.
 */
import type { PathSegment } from "../diagnostics.js";
import { allowedIP, hostAddress } from "../network/addresses.js";
import { type AddressRange, addressRange, rangeHolds, rangesOverlap } from "../network/cidr.js";
import { deviceName, deviceNameProblem, MAX_DEVICE_NAME_LENGTH } from "../network/devname.js";
import { poolRange } from "../network/ipv4-pool.js";
import type { NetPeer, Network } from "../network/model.js";
import { filterSelects, type SelectablePeer } from "../network/select.js";
import { publicKeyOf, publicKeyProblem } from "./curve25519.js";
import { type CheckContext, type Lint, shortList } from "./lint.js";
import { networkAddress } from "./lints/network-address.js";
import { noCommonFamily } from "./lints/no-common-family.js";
import { ownAddressAllowed } from "./lints/own-address-allowed.js";
import { ruleNeverMatches } from "./lints/rule-never-matches.js";
import { unreachableTarget } from "./lints/unreachable-target.js";

const q = JSON.stringify;

/** One address of one member of a subnet. */
interface MemberAddress {
  peer: NetPeer;
  written: string;
  /** As the address itself (host part). */
  host: AddressRange;
  /** As AllowedIPs on the other members: a bare address is one host. */
  allowed: AddressRange;
}

function membersAddresses(network: Network, subnet: string): MemberAddress[] {
  const out: MemberAddress[] = [];
  for (const name of network.subnet(subnet)?.members ?? []) {
    const peer = network.peer(name) as NetPeer;
    const membership = peer.memberships.find((m) => m.subnet === subnet);
    for (const written of membership?.addresses ?? []) {
      const host = addressRange(hostAddress(written));
      const allowed = addressRange(allowedIP(written));
      if (host && allowed) out.push({ peer, written, host, allowed });
    }
  }
  return out;
}

function addressPath(peer: NetPeer, subnet: string): PathSegment[] {
  return ["peers", peer.index, "subnets", subnet, "ipAddresses"];
}

/** Two members of a subnet with one address: packets for it reach only one of them. */
const duplicateAddresses: Lint = {
  name: "duplicate-addresses",
  codes: ["duplicate-address"],
  description: "two peers with the same address on one subnet",
  run({ network, report }) {
    for (const subnet of network.subnets) {
      const first = new Map<string, MemberAddress>();
      for (const entry of membersAddresses(network, subnet.name)) {
        const key = `${entry.host.family}/${entry.host.address}`;
        const seen = first.get(key);
        if (!seen) first.set(key, entry);
        else if (seen.peer !== entry.peer)
          report.error(
            "duplicate-address",
            addressPath(entry.peer, subnet.name),
            `address ${hostAddress(entry.written)} of peer ${q(entry.peer.name)} on subnet ${q(subnet.name)} is also peer ${q(seen.peer.name)}'s`,
          );
      }
    }
  },
};

/**
 * An address written with a prefix length (`10.0.0.1/24`) declares the subnet's range for that
 * member; another member's address outside it is probably a typo.
 */
const addressesInRange: Lint = {
  name: "addresses-in-range",
  codes: ["address-outside-range"],
  description: "an address outside a range another member declares for the subnet",
  run({ network, report }) {
    for (const subnet of network.subnets) {
      const entries = membersAddresses(network, subnet.name);
      const declared = entries.filter(
        (e) => e.written.includes("/") && e.allowed.prefix < (e.allowed.family === 4 ? 32 : 128),
      );
      if (declared.length === 0) continue;
      for (const entry of entries) {
        const sameFamily = declared.filter(
          (d) => d.peer !== entry.peer && d.allowed.family === entry.host.family,
        );
        const outside = sameFamily.find(
          (d) => !rangeHolds(d.allowed, entry.host.family, entry.host.address),
        );
        if (outside)
          report.warn(
            "address-outside-range",
            addressPath(entry.peer, subnet.name),
            `address ${hostAddress(entry.written)} of peer ${q(entry.peer.name)} is outside ${outside.written}, the range peer ${q(outside.peer.name)} declares for subnet ${q(subnet.name)}`,
          );
      }
    }
  },
};

/**
 * A subnet's `ipv4Pool` is where `add-peer` takes members' addresses from: an IPv4 address
 * outside it (or its network or broadcast address) was written by hand, probably by mistake.
 */
const addressesInPool: Lint = {
  name: "addresses-in-pool",
  codes: ["address-outside-pool"],
  description: "an IPv4 address outside its subnet's ipv4Pool",
  run({ network, report }) {
    for (const subnet of network.subnets) {
      const pool = subnet.ipv4Pool === undefined ? undefined : poolRange(subnet.ipv4Pool);
      if (!pool) continue;
      for (const entry of membersAddresses(network, subnet.name)) {
        if (entry.host.family !== 4) continue;
        const n = entry.host.address;
        if (n >= pool.first && n <= pool.last) continue;
        const inside = addressRange(pool.pool);
        const why =
          inside && rangeHolds(inside, 4, n)
            ? `is the network or broadcast address of subnet ${q(subnet.name)}'s ipv4Pool ${pool.pool}`
            : `is outside subnet ${q(subnet.name)}'s ipv4Pool ${pool.pool}`;
        report.warn(
          "address-outside-pool",
          addressPath(entry.peer, subnet.name),
          `address ${hostAddress(entry.written)} of peer ${q(entry.peer.name)} ${why}`,
        );
      }
    }
  },
};

/**
 * AllowedIPs of two peers that overlap on an interface that has both: WireGuard sends the shared
 * addresses to only one of them, silently.
 */
const allowedIPsOverlap: Lint = {
  name: "allowed-ips-overlap",
  codes: ["allowed-ips-overlap"],
  description: "AllowedIPs that overlap between two peers of one interface",
  run(ctx) {
    const { network, report } = ctx;
    const neighbours = (peer: NetPeer, subnet: string): Set<string> =>
      new Set(
        ctx
          .interfaces()
          [peer.index]?.find((i) => i.subnet.name === subnet)
          ?.links.map((l) => l.peer.name) ?? [],
      );
    for (const subnet of network.subnets) {
      const entries = membersAddresses(network, subnet.name).sort((x, y) =>
        x.allowed.family !== y.allowed.family
          ? x.allowed.family - y.allowed.family
          : x.allowed.start < y.allowed.start
            ? -1
            : x.allowed.start > y.allowed.start
              ? 1
              : 0,
      );
      // Per later entry, the earlier ones it overlaps (a sweep over ranges sorted by start).
      const overlaps = new Map<MemberAddress, MemberAddress[]>();
      let active: MemberAddress[] = [];
      for (const entry of entries) {
        active = active.filter((a) => rangesOverlap(a.allowed, entry.allowed));
        for (const other of active) {
          if (other.peer === entry.peer) continue;
          // One address on two peers is a duplicate-address error already.
          if (other.host.address === entry.host.address) continue;
          const list = overlaps.get(entry) ?? [];
          list.push(other);
          overlaps.set(entry, list);
        }
        active.push(entry);
      }
      const cache = new Map<NetPeer, Set<string>>();
      const linksOf = (peer: NetPeer) => {
        let set = cache.get(peer);
        if (!set) {
          set = neighbours(peer, subnet.name);
          cache.set(peer, set);
        }
        return set;
      };
      for (const [entry, others] of overlaps) {
        const shared: string[] = [];
        let via: string | undefined;
        for (const other of others) {
          const both = [...linksOf(entry.peer)].find((p) => linksOf(other.peer).has(p));
          if (both === undefined) continue;
          via ??= both;
          shared.push(`${other.written} of ${q(other.peer.name)}`);
        }
        if (shared.length > 0)
          report.error(
            "allowed-ips-overlap",
            addressPath(entry.peer, subnet.name),
            `AllowedIPs ${allowedIP(entry.written)} of peer ${q(entry.peer.name)} on subnet ${q(subnet.name)} overlap ${shared.slice(0, 3).join(", ")}${shared.length > 3 ? `, ... (${shared.length} in all)` : ""}; peer ${q(via)} links to both and WireGuard routes the shared addresses to only one of them (write bare addresses, or a prefix only on the peer that really routes it)`,
          );
      }
    }
  },
};

/**
 * One network routed (`routes`) by two peers that a third links to: WireGuard gives a prefix to
 * one peer only, the last configured, so the other's network silently becomes unreachable from
 * there. Overlapping prefixes of different lengths are fine (the longest match wins).
 */
const routedPrefixes: Lint = {
  name: "routed-prefixes",
  codes: ["duplicate-route"],
  description: "one network routed by two peers of one interface",
  run(ctx) {
    const { network, report } = ctx;
    const reported = new Set<string>();
    ctx.interfaces().forEach((interfaces, local) => {
      for (const iface of interfaces) {
        const first = new Map<string, { peer: string; written: string }>();
        for (const link of iface.links) {
          const remote = link.peer;
          const routes =
            remote.memberships.find((m) => m.subnet === iface.subnet.name)?.routes ?? [];
          routes.forEach((written, i) => {
            const range = addressRange(written);
            if (!range) return;
            const key = `${range.family}/${range.start}/${range.prefix}`;
            const seen = first.get(key);
            if (!seen) {
              first.set(key, { peer: remote.name, written });
              return;
            }
            if (seen.peer === remote.name) return;
            const once = `${iface.subnet.name}\u0000${key}\u0000${seen.peer}\u0000${remote.name}`;
            if (reported.has(once)) return;
            reported.add(once);
            report.error(
              "duplicate-route",
              ["peers", remote.index, "subnets", iface.subnet.name, "routes", i],
              `${written} is also routed by ${q(seen.peer)} (${seen.written}) on subnet ${q(iface.subnet.name)}; peer ${q(network.peers[local]?.name)} links to both and WireGuard sends the network to only one of them`,
            );
          });
        }
      }
    });
  },
};

/** Two interfaces of one peer cannot listen on one UDP port. */
const listenPorts: Lint = {
  name: "listen-ports",
  codes: ["duplicate-listen-port"],
  description: "two interfaces of one peer with the same listen port",
  run({ network, report }) {
    for (const peer of network.peers) {
      const first = new Map<number, string>();
      for (const m of peer.memberships) {
        const seen = first.get(m.listenPort);
        if (seen === undefined) first.set(m.listenPort, m.subnet);
        else
          report.error(
            "duplicate-listen-port",
            ["peers", peer.index, "subnets", m.subnet, "listenPort"],
            `peer ${q(peer.name)} listens on port ${m.listenPort} on both subnet ${q(seen)} and ${q(m.subnet)}; only one interface can bind it`,
          );
      }
    }
  },
};

/** Device names as the chosen devNameMethod gives them: unique per peer and valid for Linux. */
const deviceNames: Lint = {
  name: "device-names",
  codes: ["devname-clash", "devname-too-long", "devname-invalid"],
  description:
    "two interfaces of one peer with the same device name; names over 15 characters or invalid for Linux",
  run({ network, report, devNameMethod }) {
    const clashes = new Map<string, { peers: NetPeer[]; first: string; second: string }>();
    const invalid = new Map<string, { name: string; peers: NetPeer[] }>();
    for (const peer of network.peers) {
      const seen = new Map<string, string>();
      for (const m of peer.memberships) {
        const name = deviceName(devNameMethod, peer.name, m.subnet);
        if (deviceNameProblem(name) !== undefined) {
          const entry = invalid.get(m.subnet) ?? { name, peers: [] };
          entry.peers.push(peer);
          invalid.set(m.subnet, entry);
          continue;
        }
        const first = seen.get(name);
        if (first === undefined) {
          seen.set(name, m.subnet);
          continue;
        }
        const key = `${name}\u0000${first}\u0000${m.subnet}`;
        const entry = clashes.get(key) ?? { peers: [], first, second: m.subnet };
        entry.peers.push(peer);
        clashes.set(key, entry);
      }
    }
    const method = `devNameMethod ${devNameMethod}`;
    for (const [subnet, { name, peers }] of invalid) {
      const index = network.subnet(subnet)?.index ?? 0;
      const problem = deviceNameProblem(name) as string;
      const who = `of peer ${shortList(
        peers.map((p) => p.name),
        3,
      )}`;
      report.error(
        name.length > MAX_DEVICE_NAME_LENGTH ? "devname-too-long" : "devname-invalid",
        ["subnets", index, "name"],
        `device name ${q(name)} of subnet ${q(subnet)} (${method}) ${who} ${problem}${devNameMethod === "hash" ? "" : "; rename the subnet or use devNameMethod hash"}`,
      );
    }
    for (const [key, { peers, first, second }] of clashes) {
      const name = key.split("\u0000")[0] as string;
      const path: PathSegment[] =
        peers.length === 1
          ? ["peers", (peers[0] as NetPeer).index, "subnets", second]
          : ["subnets", network.subnet(second)?.index ?? 0, "name"];
      report.error(
        "devname-clash",
        path,
        `subnets ${q(first)} and ${q(second)} both get device name ${q(name)} (${method}) on peer ${shortList(peers.map((p) => p.name))}; only one interface can have it (use devNameMethod long or hash, or rename a subnet)`,
      );
    }
  },
};

/** A link where neither side has an endpoint for the other: no handshake can ever start. */
const reachableEndpoints: Lint = {
  name: "reachable-endpoints",
  codes: ["no-usable-endpoint"],
  description: "links where neither side has a usable endpoint (ip and port) for the other",
  run(ctx) {
    const { network, report } = ctx;
    const all = ctx.interfaces();
    // Directions without an endpoint: "subnet\0dialer\0dialed" (names are unique).
    const missing = new Set<string>();
    all.forEach((interfaces, index) => {
      const local = network.peers[index] as NetPeer;
      for (const iface of interfaces)
        for (const link of iface.links)
          if (link.endpoint.address === undefined)
            missing.add(`${iface.subnet.name}\u0000${local.name}\u0000${link.peer.name}`);
    });
    all.forEach((interfaces, index) => {
      const local = network.peers[index] as NetPeer;
      for (const iface of interfaces) {
        const stuck: string[] = [];
        for (const link of iface.links) {
          const remote = link.peer;
          if (remote.index <= local.index || link.endpoint.address !== undefined) continue;
          if (missing.has(`${iface.subnet.name}\u0000${remote.name}\u0000${local.name}`))
            stuck.push(remote.name);
        }
        if (stuck.length > 0)
          report.warn(
            "no-usable-endpoint",
            ["peers", local.index, "subnets", iface.subnet.name],
            `on subnet ${q(iface.subnet.name)}, peer ${q(local.name)} has no endpoint (ip and port) for ${shortList(stuck)}, nor the other way round, so neither side can start a handshake; give one side an endpoint`,
          );
      }
    });
  },
};

function selectable(network: Network): SelectablePeer[] {
  return network.peers.map((p) => ({
    name: p.name,
    groups: p.groups,
    subnets: p.memberships.map((m) => m.subnet),
  }));
}

/** Filters that select no one, and connections that for that or another reason link no one. */
const connectionEffects: Lint = {
  name: "connection-effects",
  codes: ["filter-selects-nobody", "connection-links-nobody"],
  description:
    "a connection side or endpoint match that selects nobody; a connection that links no one",
  run({ network, report }) {
    const peers = selectable(network);
    const select = (filters: readonly Parameters<typeof filterSelects>[1][] | undefined) =>
      filters === undefined ? [] : peers.filter((p) => filters.every((f) => filterSelects(p, f)));
    for (const c of network.connections) {
      const sides = { a: select(c.a), b: select(c.b) };
      let empty = false;
      for (const side of ["a", "b"] as const)
        if (sides[side].length === 0) {
          empty = true;
          report.warn(
            "filter-selects-nobody",
            ["connections", c.index, side],
            `side ${side} of connections[${c.index}] selects no peer, so the connection links no one`,
          );
        }
      if (empty) continue;
      const subnets = c.subnets ?? network.subnets.map((s) => s.name);
      const links = subnets.some((subnet) => {
        const a = sides.a.filter((p) => p.subnets.includes(subnet));
        const b = sides.b.filter((p) => p.subnets.includes(subnet));
        return a.length > 0 && b.length > 0 && !(a.length === 1 && b.length === 1 && a[0] === b[0]);
      });
      if (!links)
        report.warn(
          "connection-links-nobody",
          ["connections", c.index],
          `connections[${c.index}] links no one: side a selects ${shortList(
            sides.a.map((p) => p.name),
            3,
          )} and side b ${shortList(
            sides.b.map((p) => p.name),
            3,
          )}, but no two different peers of them share a subnet it applies to (${subnets.length > 0 ? shortList(subnets, 3) : "there are no subnets"})`,
        );
    }
    const owners = [
      ["subnets", network.subnets],
      ["groups", network.groups],
      ["peers", network.peers],
    ] as const;
    for (const [kind, items] of owners)
      for (const item of items)
        item.endpoints.forEach((endpoint, e) => {
          if (endpoint.match && select(endpoint.match).length === 0)
            report.warn(
              "filter-selects-nobody",
              [kind, item.index, "endpoints", e, "match"],
              "this endpoint's match selects no peer, so no one ever dials it",
            );
        });
  },
};

/** Groups, subnets and peers that take part in nothing. */
const unusedParts: Lint = {
  name: "unused-parts",
  codes: [
    "empty-group",
    "empty-subnet",
    "subnet-without-connection",
    "isolated-peer",
    "unlinked-interface",
  ],
  description: "a group no one is in; a subnet with no members or no link; a peer linked to no one",
  run(ctx) {
    const { network, report } = ctx;
    for (const group of network.groups)
      if (group.members.length === 0)
        report.warn("empty-group", ["groups", group.index], `no peer is in group ${q(group.name)}`);
    const linkedOn = new Set<string>();
    const all = ctx.interfaces();
    for (const peer of network.peers) {
      const interfaces = all[peer.index] ?? [];
      const linked = interfaces.filter((i) => i.links.length > 0);
      for (const iface of linked) linkedOn.add(iface.subnet.name);
      if (interfaces.length === 0) {
        report.warn("isolated-peer", ["peers", peer.index], `peer ${q(peer.name)} is in no subnet`);
        continue;
      }
      if (linked.length === 0) {
        report.warn(
          "isolated-peer",
          ["peers", peer.index],
          `peer ${q(peer.name)} is linked to no one (no connection selects it together with another member of its subnets)`,
        );
        continue;
      }
      for (const iface of interfaces)
        if (iface.links.length === 0)
          report.warn(
            "unlinked-interface",
            ["peers", peer.index, "subnets", iface.subnet.name],
            `peer ${q(peer.name)} is a member of subnet ${q(iface.subnet.name)} but linked to no one there: its interface would have no peers`,
          );
    }
    for (const subnet of network.subnets) {
      if (subnet.members.length === 0)
        report.warn(
          "empty-subnet",
          ["subnets", subnet.index],
          `no peer is a member of subnet ${q(subnet.name)}`,
        );
      else if (!linkedOn.has(subnet.name))
        report.warn(
          "subnet-without-connection",
          ["subnets", subnet.index],
          subnet.members.length === 1
            ? `subnet ${q(subnet.name)} has one member (${q(subnet.members[0])}), so nothing can link on it`
            : `no connection links any two of the ${subnet.members.length} members of subnet ${q(subnet.name)}`,
        );
    }
  },
};

/** Public keys that are unusable, shared by two peers, or not the private key's. */
const keys: Lint = {
  name: "keys",
  codes: ["invalid-public-key", "duplicate-public-key", "key-mismatch"],
  description: "keys that are not valid Curve25519 public keys, or the same key on two peers",
  run({ network, report }) {
    const first = new Map<string, NetPeer>();
    for (const peer of network.peers) {
      if (peer.publicKey !== undefined) {
        const problem = publicKeyProblem(peer.publicKey);
        if (problem)
          report.error(
            "invalid-public-key",
            ["peers", peer.index, "publicKey"],
            `public key of peer ${q(peer.name)} ${problem}`,
          );
        const seen = first.get(peer.publicKey);
        if (seen)
          report.error(
            "duplicate-public-key",
            ["peers", peer.index, "publicKey"],
            `peer ${q(peer.name)} has the same public key as peer ${q(seen.name)}; WireGuard tells peers apart by key, so one would replace the other`,
          );
        else first.set(peer.publicKey, peer);
      }
      if (peer.privateKey !== undefined && peer.publicKey !== undefined) {
        const derived = publicKeyOf(peer.privateKey);
        if (derived !== undefined && derived !== peer.publicKey)
          report.error(
            "key-mismatch",
            ["peers", peer.index, "publicKey"],
            `public key of peer ${q(peer.name)} is not the one of its privateKey, so the others would reject its handshakes`,
          );
      }
    }
  },
};

/** A name Linux accepts as a file name under --out, or in agenix secret names. */
const PORTABLE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+@-]*$/;
/** Whether text holds a C0 control character or DEL. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Names as they reach files, Nix attributes, INI values and hosts files. */
const safeNames: Lint = {
  name: "safe-names",
  codes: ["unsafe-file-name", "unsafe-nix-attr", "unsafe-ini-value", "invalid-host-name"],
  description: "names that would be unsafe as a file name, a Nix attribute or an INI value",
  run({ network, report }) {
    const kinds = [
      ["subnets", "subnet", network.subnets, true],
      ["groups", "group", network.groups, false],
      ["peers", "peer", network.peers, true],
    ] as const;
    for (const [list, kind, items, written] of kinds)
      for (const item of items) {
        const at: PathSegment[] = [list, item.index, "name"];
        const name = item.name;
        const what = `${kind} name ${q(name)}`;
        if (name.includes("\u0000"))
          report.error(
            "unsafe-nix-attr",
            at,
            `${what} contains a NUL character, which no Nix string can hold`,
          );
        if (!written) continue;
        if (hasControl(name) || name.trim() !== name || name.endsWith("\\"))
          report.error(
            "unsafe-ini-value",
            at,
            `${what} has control characters, surrounding spaces or a trailing backslash, which an INI value (wg-quick, systemd) cannot carry`,
          );
        if (name.includes("/") || name === "." || name === "..")
          report.error(
            "unsafe-file-name",
            at,
            `${what} cannot be a file name (it names files under --out and secrets such as wirenix-${kind}-<name>.age)`,
          );
        else if (!PORTABLE_FILE_NAME.test(name))
          report.warn(
            "unsafe-file-name",
            at,
            `${what} is not a portable file name (use letters, digits and . _ + @ -, not starting with . or -); generate --out refuses it`,
          );
        if (!name.split(".").every((label) => HOST_LABEL.test(label)))
          report.warn(
            "invalid-host-name",
            at,
            `${what} makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them`,
          );
      }
  },
};

/** Every lint, in the order `check` runs them. */
export const LINTS: readonly Lint[] = [
  duplicateAddresses,
  addressesInRange,
  addressesInPool,
  allowedIPsOverlap,
  routedPrefixes,
  listenPorts,
  deviceNames,
  reachableEndpoints,
  connectionEffects,
  unusedParts,
  keys,
  safeNames,
  noCommonFamily,
  ownAddressAllowed,
  networkAddress,
  ruleNeverMatches,
  unreachableTarget,
];

/** Runs every lint over the context. */
export function runLints(ctx: CheckContext): void {
  for (const lint of LINTS) lint.run(ctx);
}
