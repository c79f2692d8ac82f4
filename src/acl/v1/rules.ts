/**
 * The checks a schema cannot express: names are unique, every reference names something that
 * exists. Each rule is a named function; `RULES` lists them all.
 *
 * The rules read the ACL as written, not the schema's output, and skip whatever has the wrong
 * type: a file with a type error in one peer and an unknown group in another then gets both
 * reported in one run, instead of the second only after the first is fixed.
 */
import type { Diagnostics, PathSegment } from "../../core/diagnostics.js";
import { Address } from "../../network/address.js";
import { rangeHolds } from "../../network/cidr.js";
import { INTERNET } from "../../network/named-networks.js";

type Kind = "subnet" | "group" | "peer" | "network";
type Entry = { index: number; item: Record<string, unknown> };

/** The raw ACL seen by the rules, with the names each list defines. */
export interface WrittenAcl {
  /** The ACL object itself (or an empty one when it is none). */
  raw: Record<string, unknown>;
  subnets: Entry[];
  groups: Entry[];
  peers: Entry[];
  connections: Entry[];
  rules: Entry[];
  networks: Entry[];
  /**
   * The names of each kind, or `undefined` when the list is not a list or some item has no
   * string name: an "unknown reference" could then be a false alarm, so none is reported.
   */
  names: Record<Kind, Set<string> | undefined>;
}

type Rule = (acl: WrittenAcl, report: Diagnostics) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function entries(list: unknown): Entry[] {
  if (!Array.isArray(list)) return [];
  const out: Entry[] = [];
  list.forEach((item: unknown, index) => {
    if (isObject(item)) out.push({ index, item });
  });
  return out;
}

function namesOf(list: unknown): Set<string> | undefined {
  if (!Array.isArray(list)) return undefined;
  const names = new Set<string>();
  for (const item of list as unknown[]) {
    if (!isObject(item) || typeof item.name !== "string") return undefined;
    names.add(item.name);
  }
  return names;
}

/** Reads the parts of raw ACL data that the rules look at. */
export function writtenAcl(data: unknown): WrittenAcl {
  const acl = isObject(data) ? data : {};
  return {
    raw: acl,
    subnets: entries(acl.subnets),
    groups: entries(acl.groups),
    peers: entries(acl.peers),
    connections: entries(acl.connections),
    rules: entries(acl.rules),
    networks: entries(acl.networks),
    names: {
      subnet: namesOf(acl.subnets),
      group: namesOf(acl.groups),
      peer: namesOf(acl.peers),
      network: namesOf(acl.networks),
    },
  };
}

/** Each item of `list` that is a string, with its index. */
function strings(list: unknown): [string, number][] {
  if (!Array.isArray(list)) return [];
  const out: [string, number][] = [];
  list.forEach((item: unknown, index) => {
    if (typeof item === "string") out.push([item, index]);
  });
  return out;
}

function known(names: Iterable<string>): string {
  const list = [...names];
  if (list.length === 0) return "there are none";
  const shown = list.slice(0, 8).map((n) => JSON.stringify(n));
  return `known: ${shown.join(", ")}${list.length > 8 ? `, ... (${list.length} in all)` : ""}`;
}

function unknownReference(
  report: Diagnostics,
  kind: Kind,
  pool: Set<string>,
  name: string,
  path: readonly PathSegment[],
): void {
  if (!pool.has(name))
    report.error(
      "unknown-reference",
      path,
      `unknown ${kind} ${JSON.stringify(name)} (${known(pool)})`,
    );
}

/**
 * Names are unique, and unique regardless of case (intentional difference 11): `Alice` beside
 * `alice` would be one host name (`alice.wg` resolves without case) and, on a file system that
 * ignores case, one file under `--out` or in a keys directory.
 */
function uniqueNames(kind: "subnets" | "groups" | "peers" | "networks", singular: Kind): Rule {
  return (acl, report) => {
    const first = new Map<string, { index: number; name: string }>();
    for (const { index, item } of acl[kind]) {
      if (typeof item.name !== "string") continue;
      const folded = item.name.toLowerCase();
      const seen = first.get(folded);
      if (seen === undefined) first.set(folded, { index, name: item.name });
      else if (seen.name === item.name)
        report.error(
          "duplicate-name",
          [kind, index, "name"],
          `duplicate ${singular} name ${JSON.stringify(item.name)} (first defined at ${kind}[${seen.index}])`,
        );
      else
        report.error(
          "duplicate-name",
          [kind, index, "name"],
          `${singular} name ${JSON.stringify(item.name)} differs from ${JSON.stringify(seen.name)} (${kind}[${seen.index}]) only in case: expected names unique regardless of case (host names ignore case, and so do some file systems)`,
        );
    }
  };
}

/**
 * Group names peers list differ in more than case (with no top-level `groups`, these are the
 * groups; with one, `peerGroupsExist` holds them to it and `uniqueNames` checks its names).
 */
const peerGroupNamesDiffer: Rule = (acl, report) => {
  if (acl.names.group) return;
  const first = new Map<string, { name: string; path: string }>();
  for (const { index, item: peer } of acl.peers)
    for (const [group, g] of strings(peer.groups)) {
      const folded = group.toLowerCase();
      const seen = first.get(folded);
      if (seen === undefined)
        first.set(folded, { name: group, path: `peers[${index}].groups[${g}]` });
      else if (seen.name !== group)
        report.error(
          "duplicate-name",
          ["peers", index, "groups", g],
          `group name ${JSON.stringify(group)} differs from ${JSON.stringify(seen.name)} (${seen.path}) only in case: expected names unique regardless of case (write one spelling)`,
        );
    }
};

function checkFilters(
  filters: unknown,
  at: readonly PathSegment[],
  acl: WrittenAcl,
  report: Diagnostics,
): void {
  for (const { index, item } of entries(filters)) {
    const { type, value } = item;
    if (type !== "peer" && type !== "group" && type !== "subnet" && type !== "network") continue;
    const pool = acl.names[type];
    if (pool && typeof value === "string")
      unknownReference(report, type, pool, value, [...at, index, "value"]);
  }
}

const peerSubnetsExist: Rule = (acl, report) => {
  const subnets = acl.names.subnet;
  if (!subnets) return;
  for (const { index, item: peer } of acl.peers)
    if (isObject(peer.subnets))
      for (const subnet of Object.keys(peer.subnets))
        unknownReference(report, "subnet", subnets, subnet, ["peers", index, "subnets", subnet]);
};

const peerGroupsExist: Rule = (acl, report) => {
  const groups = acl.names.group;
  if (!groups) return;
  for (const { index, item: peer } of acl.peers)
    for (const [group, g] of strings(peer.groups))
      unknownReference(report, "group", groups, group, ["peers", index, "groups", g]);
};

const connectionReferencesExist: Rule = (acl, report) => {
  const subnets = acl.names.subnet;
  for (const { index, item: connection } of acl.connections) {
    checkFilters(connection.a, ["connections", index, "a"], acl, report);
    checkFilters(connection.b, ["connections", index, "b"], acl, report);
    if (subnets)
      for (const [subnet, s] of strings(connection.subnets))
        unknownReference(report, "subnet", subnets, subnet, ["connections", index, "subnets", s]);
  }
};

/**
 * The names a rule may use. Rules are ours (the original never reads them), and a misspelt name
 * there silently changes who gets in (`group not guests` for `guest` admits the guests), so
 * every name must exist, with or without a top-level list: a group exists when it is declared
 * or some peer lists it, a subnet when it is declared or some peer is a member of it.
 */
function ruleNames(acl: WrittenAcl): Record<Kind, Set<string>> {
  const declared = (list: Entry[]) =>
    list.flatMap(({ item }) => (typeof item.name === "string" ? [item.name] : []));
  const groups = new Set(declared(acl.groups));
  const subnets = new Set(declared(acl.subnets));
  for (const { item: peer } of acl.peers) {
    for (const [group] of strings(peer.groups)) groups.add(group);
    if (isObject(peer.subnets)) for (const subnet of Object.keys(peer.subnets)) subnets.add(subnet);
  }
  const networks = new Set([...declared(acl.networks), INTERNET]);
  return { peer: new Set(declared(acl.peers)), group: groups, subnet: subnets, network: networks };
}

const ruleReferencesExist: Rule = (acl, report) => {
  if (acl.rules.length === 0) return;
  const names = { ...acl, names: ruleNames(acl) };
  for (const { index, item: rule } of acl.rules) {
    checkFilters(rule.from, ["rules", index, "from"], names, report);
    checkFilters(rule.to, ["rules", index, "to"], names, report);
    for (const side of ["from", "to"] as const) sideSelectsOneKind(rule[side], index, side, report);
    for (const [subnet, s] of strings(rule.subnets))
      unknownReference(report, "subnet", names.names.subnet, subnet, [
        "rules",
        index,
        "subnets",
        s,
      ]);
  }
};

/**
 * A side of a rule selects peers or networks, never both (a network is no member of a group),
 * and the internet is a target only: packets from it arrive at exit nodes as replies, and
 * nothing there tells one address of it from another.
 */
function sideSelectsOneKind(
  filters: unknown,
  rule: number,
  side: "from" | "to",
  report: Diagnostics,
): void {
  const list = entries(filters);
  const networks = list.filter(({ item }) => item.type === "network");
  const peers = list.filter(({ item }) =>
    ["peer", "group", "subnet"].includes(item.type as string),
  );
  const first = networks[0];
  if (first && peers.length > 0)
    report.error(
      "invalid-rule",
      ["rules", rule, side, first.index],
      `a side of a rule selects peers or networks, not both: ${side} names a network here and a ${String(peers[0]?.item.type)} at ${side}[${peers[0]?.index}] (write two rules)`,
    );
  if (side === "from")
    for (const { index, item } of networks)
      if (item.value === INTERNET && item.rule === "is")
        report.error(
          "invalid-rule",
          ["rules", rule, side, index, "value"],
          `"${INTERNET}" is a target only (exit clients reach it through their exit node): expected a network of \`networks\` as a source`,
        );
}

/**
 * Named networks (`networks`): `internet` is reserved, and each prefix lies inside some peer's
 * `routes` (that peer is its router, where its packets enter and leave the tunnel).
 */
const namedNetworksRouted: Rule = (acl, report) => {
  const routes: Address[] = [];
  for (const { item: peer } of acl.peers)
    if (isObject(peer.subnets))
      for (const membership of Object.values(peer.subnets))
        if (isObject(membership))
          for (const [text] of strings(membership.routes)) {
            const route = Address.parse(text);
            if (route?.prefixLength !== undefined) routes.push(route);
          }
  const peerNames = new Map(
    acl.peers.flatMap(({ index, item }) =>
      typeof item.name === "string" ? [[item.name.toLowerCase(), index] as const] : [],
    ),
  );
  for (const { index, item: network } of acl.networks) {
    if (typeof network.name === "string") {
      if (network.name.toLowerCase() === INTERNET)
        report.error(
          "duplicate-name",
          ["networks", index, "name"],
          `"${INTERNET}" is reserved: it is every address outside the WireGuard addresses and the routed networks, reached through exit nodes; expected another name`,
        );
      const peer = peerNames.get(network.name.toLowerCase());
      if (peer !== undefined)
        report.error(
          "duplicate-name",
          ["networks", index, "name"],
          `network name ${JSON.stringify(network.name)} is also a peer's (peers[${peer}]): a policy test target or an explain target names one or the other, so expected a name no peer has`,
        );
    }
    for (const [text, p] of strings(network.prefixes)) {
      const prefix = Address.parse(text);
      if (!prefix) continue;
      const { family, start, end } = prefix.range;
      const routed = routes.some(
        (r) => rangeHolds(r.range, family, start) && rangeHolds(r.range, family, end),
      );
      if (!routed)
        report.error(
          "unrouted-network",
          ["networks", index, "prefixes", p],
          `no peer routes ${JSON.stringify(text)}: expected a prefix inside some peer's routes (that peer is its router)`,
        );
    }
  }
};

/**
 * A member address of prefix length 0 (`10.0.0.2/0`) is every address as AllowedIPs: each
 * linked peer routes everything to it, and takes any source address from it that no other peer
 * claims. The original accepts it (a warning keeps parity); with `rules`, whose firewall trusts
 * WireGuard's AllowedIPs to tell who sent a packet, it is refused.
 */
const memberAddressesNotEverything: Rule = (acl, report) => {
  const withRules = acl.raw.rules !== undefined;
  for (const { index, item: peer } of acl.peers) {
    if (!isObject(peer.subnets)) continue;
    for (const [subnet, membership] of Object.entries(peer.subnets)) {
      if (!isObject(membership)) continue;
      for (const [address, a] of strings(membership.ipAddresses)) {
        if (!/\/0+$/.test(address)) continue;
        const path = ["peers", index, "subnets", subnet, "ipAddresses", a];
        const what = `${JSON.stringify(address)} has prefix length 0: as AllowedIPs on every linked peer it is every address (their default route, and any source address no other peer claims)`;
        if (withRules)
          report.error(
            "address-prefix-zero",
            path,
            `${what}; with rules that would let this peer pass for others: expected the peer's own address, bare or with its subnet's prefix length (like "10.0.0.2/24")`,
          );
        else
          report.warn(
            "address-prefix-zero",
            path,
            `${what}; write the peer's own address, bare or with its subnet's prefix length (a peer others send everything through is an exitNode)`,
          );
      }
    }
  }
};

const endpointMatchesExist: Rule = (acl, report) => {
  for (const kind of ["subnets", "groups", "peers"] as const)
    for (const { index, item } of acl[kind])
      for (const { index: e, item: endpoint } of entries(item.endpoints))
        checkFilters(endpoint.match, [kind, index, "endpoints", e, "match"], acl, report);
};

const privateKeyWarning: Rule = (acl, report) => {
  for (const { index, item: peer } of acl.peers)
    if (peer.privateKey !== undefined)
      report.warn(
        "unsafe-secret",
        ["peers", index, "privateKey"],
        "a private key written in the ACL can be read by anyone who can read the ACL; prefer privateKeyFile",
      );
};

/**
 * `exitNode` names another peer that is a member of the same subnet. Whether the two are linked
 * is only known once links are resolved (see network/routing.ts, checked by the parser).
 */
const RESERVED_TABLES: ReadonlySet<unknown> = new Set<unknown>([253, 254, 255]);

const exitNodesExist: Rule = (acl, report) => {
  const peers = acl.names.peer;
  if (!peers) return;
  const subnetsOf = new Map<string, Record<string, unknown>>();
  for (const { item } of acl.peers)
    if (typeof item.name === "string" && isObject(item.subnets))
      subnetsOf.set(item.name, item.subnets);
  for (const { index, item: peer } of acl.peers) {
    if (!isObject(peer.subnets)) continue;
    for (const [subnet, membership] of Object.entries(peer.subnets)) {
      if (!isObject(membership) || typeof membership.exitNode !== "string") continue;
      const exit = membership.exitNode;
      const path = ["peers", index, "subnets", subnet, "exitNode"];
      if (!peers.has(exit)) unknownReference(report, "peer", peers, exit, path);
      else if (RESERVED_TABLES.has(membership.listenPort))
        report.error(
          "invalid-exit-node",
          ["peers", index, "subnets", subnet, "listenPort"],
          "with an exitNode the listen port is also the routing table number, and 253-255 are the kernel's own tables (default, main, local): pick another port",
        );
      else if (exit === peer.name)
        report.error("invalid-exit-node", path, "a peer cannot be its own exit node");
      else if (!(subnet in (subnetsOf.get(exit) ?? {})))
        report.error(
          "invalid-exit-node",
          path,
          `exit node ${JSON.stringify(exit)} is not a member of subnet ${JSON.stringify(subnet)}`,
        );
    }
  }
};

/** A subnet's `relay` names a peer that is a member of that subnet. */
const relaysExist: Rule = (acl, report) => {
  const peers = acl.names.peer;
  if (!peers) return;
  for (const { index, item: subnet } of acl.subnets) {
    if (typeof subnet.relay !== "string") continue;
    const path = ["subnets", index, "relay"];
    const relay = acl.peers.find((p) => p.item.name === subnet.relay)?.item;
    if (!relay) unknownReference(report, "peer", peers, subnet.relay, path);
    else if (!isObject(relay.subnets) || !(String(subnet.name) in relay.subnets))
      report.error(
        "invalid-relay",
        path,
        `relay ${JSON.stringify(subnet.relay)} is not a member of subnet ${JSON.stringify(subnet.name)}: a relay forwards on the subnet's interface`,
      );
  }
};

/** Every semantic rule of ACL v1, in the order they report. */
export const RULES: readonly Rule[] = [
  uniqueNames("subnets", "subnet"),
  uniqueNames("groups", "group"),
  uniqueNames("peers", "peer"),
  uniqueNames("networks", "network"),
  namedNetworksRouted,
  peerGroupNamesDiffer,
  peerSubnetsExist,
  peerGroupsExist,
  connectionReferencesExist,
  ruleReferencesExist,
  endpointMatchesExist,
  privateKeyWarning,
  exitNodesExist,
  memberAddressesNotEverything,
  relaysExist,
];
