/**
 * The intermediate model: a network with everything decided (members, addresses, links,
 * endpoints) and nothing rendered. Configurers translate it; check, explain and graph read it.
 */
import type { Diagnostic, PathSegment } from "../core/diagnostics.js";
import type { Address, Prefix } from "./address.js";
import type { PacketService, Service } from "./service.js";
import type { KeyPath, PrivateKey, PublicKey } from "./values.js";

/**
 * A value of free-form ACL data, as the file formats write it: JSON's kinds, and TOML's dates
 * (which the TOML reader gives as `Date`s).
 */
export type AclData =
  | string
  | number
  | boolean
  | null
  | Date
  | readonly AclData[]
  | { readonly [key: string]: AclData };

/** Free-form data the ACL passes through to plugins. */
export type ExtraArgs = { readonly [key: string]: AclData };

/**
 * One filter of a selection (`{type, rule, value}`): peers that are (or are not) the named peer,
 * members of the named group or of the named subnet. Each key may be missing where the ACL
 * leaves it out and no configuration evaluates it (see parsers/v1/needs.ts); a filter missing
 * any key selects nobody.
 */
export interface NetFilter {
  type?: "peer" | "group" | "subnet" | undefined;
  rule?: "is" | "not" | undefined;
  value?: string | undefined;
}

/** One endpoint entry (of a subnet, a group or a peer): merged, later keys win. */
export interface NetEndpoint {
  /** The peers this entry applies to, as dialers; every peer when absent. */
  match?: readonly NetFilter[] | undefined;
  ip?: string | undefined;
  port?: number | undefined;
  persistentKeepalive?: number | undefined;
  dynamicEndpointRefreshSeconds?: number | undefined;
  dynamicEndpointRefreshRestartSeconds?: number | undefined;
}

/** A WireGuard network: one interface on each member. */
export interface NetSubnet {
  name: string;
  /** Position in the ACL's `subnets`, for messages. */
  index: number;
  endpoints: readonly NetEndpoint[];
  presharedKeyFile?: KeyPath;
  extraArgs?: ExtraArgs;
  /** Open every member's listen port in its firewall (NixOS). */
  openFirewall?: boolean;
  /** Where members' IPv4 addresses come from (`add-peer`); only `check` reads it. */
  ipv4Pool?: Prefix;
  /** The RFC 4193 /64 members' generated addresses are in (else derived from the name). */
  ipv6Prefix?: Prefix;
  /** DNS servers every member uses while its interface is up, unless its membership says. */
  dns?: readonly string[];
  /** Every member's interface MTU, unless its membership says. */
  mtu?: number;
  /**
   * The member that linked pairs with no handshake possible (see `Link.noHandshake`) reach each
   * other through: it forwards between them (see network/relay.ts).
   */
  relay?: string;
  /** Member peers, in ACL order. */
  members: readonly string[];
}

export interface NetGroup {
  name: string;
  index: number;
  endpoints: readonly NetEndpoint[];
  extraArgs?: ExtraArgs;
  members: readonly string[];
}

/** A peer's membership of one subnet, as decided from the ACL. */
export interface Membership {
  subnet: string;
  listenPort: number;
  /** The addresses as the ACL means them: "auto" replaced, written CIDRs kept. */
  addresses: readonly Address[];
  extraArgs?: ExtraArgs;
  /** Networks reachable through this peer on this subnet. */
  routes?: readonly Prefix[];
  /** The peer this one sends all its traffic through on this subnet. */
  exitNode?: string;
  /** Open the listen port in the firewall; overrides the subnet's `openFirewall`. */
  openFirewall?: boolean;
  /** DNS servers while the interface is up; replaces the subnet's `dns` (`[]`: none). */
  dns?: readonly string[];
  /** The interface's MTU; overrides the subnet's `mtu`. */
  mtu?: number;
}

export interface NetPeer {
  name: string;
  index: number;
  publicKey?: PublicKey;
  privateKeyFile?: KeyPath;
  privateKey?: PrivateKey;
  /** As written (duplicates kept: they take part in endpoint merging as often as written). */
  groups: readonly string[];
  /** Sorted by subnet name, as the original walks them. */
  memberships: readonly Membership[];
  endpoints: readonly NetEndpoint[];
  extraArgs?: ExtraArgs;
  /** No fixed address: nobody dials it; it keeps its links alive toward the peers it dials. */
  roaming?: boolean;
  /** What the peer's machine runs (network/platform.ts); Linux when absent. */
  platform?: "linux" | "macos" | "windows" | "ios" | "android";
}

export interface NetConnection {
  index: number;
  /** Absent where the ACL leaves the side out (then it selects nobody; see parsers/v1/needs.ts). */
  a?: readonly NetFilter[];
  b?: readonly NetFilter[];
  subnets?: readonly string[];
  extraArgs?: ExtraArgs;
}

/**
 * A filter of a rule: the connection filter types (every key required), or a named network
 * (`networks`, or the reserved `internet`). A side of a rule whose filters name networks
 * selects networks, never peers (see network/access.ts).
 */
export interface RuleFilter {
  type: "peer" | "group" | "subnet" | "network";
  rule: "is" | "not";
  value: string;
}

/** What happens to a packet no rule allows: dropped silently, or refused at once. */
export type RuleAction = "drop" | "reject";

/**
 * An access rule (`rules`): peers (or networks) selected by `from` may reach peers (or networks)
 * selected by `to` on the services of `allow`, on the subnets listed (every subnet when absent).
 * See network/access.ts.
 */
export interface NetRule {
  index: number;
  from: readonly RuleFilter[];
  to: readonly RuleFilter[];
  /** Written `tcp/22`, `udp/8000-8999`, `icmp`, `*` (see network/service.ts). */
  allow: readonly Service[];
  subnets?: readonly string[];
  /**
   * What happens to packets from `from` to `to` that no rule allows, overriding the network's
   * `rulesAction`; absent: the network's.
   */
  action?: RuleAction;
}

/** Where a named network's prefix enters the tunnel: a peer that routes it, on one subnet. */
export interface NetworkRouter {
  peer: string;
  subnet: string;
}

/** One prefix of a named network, with the peers whose `routes` hold it. */
export interface NamedPrefix {
  /** As written: a prefix (`192.168.10.0/24`) or a single host (`192.168.10.5`). */
  prefix: Address;
  /** Every peer (and subnet) whose routes hold the prefix; never empty. */
  routers: readonly NetworkRouter[];
}

/**
 * A named network (`networks`): prefixes behind routers, which rules name as sources (a site)
 * or targets (a LAN, a single host in it). The reserved name `internet` is none of these: it
 * is every address outside the WireGuard addresses and routed networks (see access.ts).
 */
export interface NamedNetwork {
  name: string;
  /** Position in the ACL's `networks`, for messages. */
  index: number;
  prefixes: readonly NamedPrefix[];
}

/** The endpoint one peer dials to reach another on one subnet. */
export interface ResolvedEndpoint {
  ip?: string;
  port?: number;
  persistentKeepalive?: number;
  dynamicEndpointRefreshSeconds?: number;
  dynamicEndpointRefreshRestartSeconds?: number;
  /** `ip:port` (`[ip]:port` for IPv6); absent when the merge left no ip or no port. */
  address?: string;
  /** ACL paths of the endpoint entries merged, in merge order (later wins). */
  sources: readonly string[];
}

/** One remote peer as seen from a local interface. */
export interface Link {
  peer: NetPeer;
  /** The remote peer's addresses on this subnet. */
  addresses: readonly Address[];
  endpoint: ResolvedEndpoint;
  /** Indices of the connections that produced this link, ascending. */
  connections: readonly number[];
  /** extraArgs of those connections, merged (later wins). */
  extraArgs?: ExtraArgs;
  /**
   * AllowedIPs beyond the remote peer's addresses: the networks it routes, then the default
   * routes `0.0.0.0/0` and `::/0` when it is the local peer's exit node. Absent when none.
   */
  routes?: readonly Prefix[];
  /** The remote peer is the local peer's exit node on this subnet. */
  exitNode?: true;
  /** The remote peer uses the local peer as its exit node: the local peer forwards and NATs. */
  exitClient?: true;
  /**
   * Neither side has an endpoint (ip and port) for the other: no handshake can ever start, so
   * the link carries nothing. Absent on a link a handshake can start on.
   */
  noHandshake?: true;
  /**
   * On the link to the subnet's relay: the links with no handshake possible whose traffic goes
   * through the relay instead (sorted by remote peer name). Their addresses are in this link's
   * AllowedIPs, and they are left out of the interface's `links`. Absent when none.
   */
  relayed?: readonly Link[];
}

/** A local peer's interface on one subnet, with its links sorted by remote peer name. */
export interface NetInterface {
  subnet: NetSubnet;
  listenPort: number;
  addresses: readonly Address[];
  extraArgs?: ExtraArgs;
  links: readonly Link[];
  /** Networks the local peer routes for the others on this subnet (it forwards to them). */
  routes?: readonly Prefix[];
  /** The local peer is its subnet's relay: it forwards between the members linked to it. */
  relays?: true;
  /**
   * The linked peer the local peer sends all its traffic through, with the number used as both
   * firewall mark and routing table so the tunnel's own packets skip that table.
   */
  exit?: { peer: NetPeer; table: number };
  /** Whether the listen port is opened in the firewall (membership, else subnet). */
  openFirewall?: boolean;
  /** DNS servers while the interface is up (membership, else subnet); absent or non-empty. */
  dns?: readonly string[];
  /** The interface's MTU (membership, else subnet). */
  mtu?: number;
}

/** The resolved network. Links are resolved on demand, so one host costs only its own links. */
export interface Network {
  version: string;
  extraArgs?: ExtraArgs;
  subnets: readonly NetSubnet[];
  groups: readonly NetGroup[];
  peers: readonly NetPeer[];
  connections: readonly NetConnection[];
  /**
   * The access rules; absent when the ACL has no `rules` (then every link carries everything,
   * as in the original), present and possibly empty when it has (then all else is dropped).
   */
  rules?: readonly NetRule[];
  /** The named networks (`networks`); absent when the ACL has none. */
  namedNetworks?: readonly NamedNetwork[];
  /** What happens to packets no rule allows (`rulesAction`); absent: drop. */
  rulesAction?: RuleAction;
  peer(name: string): NetPeer | undefined;
  subnet(name: string): NetSubnet | undefined;
  group(name: string): NetGroup | undefined;
  /** The peer's interfaces (on the subnets the ACL declares), sorted by subnet name. */
  interfaces(peer: string): NetInterface[];
  /** The interface of `peer` on `subnet`, if it is a member. */
  interfaceOn(peer: string, subnet: string): NetInterface | undefined;
  /**
   * The keys the configuration of `peer` reads that the ACL lacks (the original is lazy, and so
   * are we: see needs.ts); empty when it can be made. Parsers of other versions may leave it out.
   * `interfaces`: the peer's, when the caller has them already (they are resolved on demand).
   */
  missingKeys?(peer: string, interfaces?: readonly NetInterface[]): Diagnostic[];
  /** Warnings found while resolving (so far: resolution is lazy). */
  readonly warnings: readonly Diagnostic[];
  /** The ACL's policy tests (`tests`), their targets resolved; `check` runs them. */
  policyTests?: readonly PolicyTest[];
}

/**
 * A target of a policy test (`reaches`/`notReaches`) or of `explain`, resolved against the
 * network: a peer (on one subnet), or an address in a network a peer routes.
 */
export interface Target {
  /** The peer, or the router of the network (`""` for the internet, which has none). */
  peer: string;
  subnet?: string;
  /** The address a packet to a routed network (or an address in one) is sent to. */
  network?: Address;
  /**
   * A named network (`networks`, or `internet`) the target is: its addresses are each of its
   * prefixes' (`network` is the first), or for the internet an address outside every known one.
   */
  named?: string;
  /** The packet's protocol and port, when the target names them. */
  service?: PacketService;
}

/** One target of a policy test, as written and resolved. */
export interface PolicyTarget {
  /** Where it is in the ACL (`tests[0].reaches[1]`). */
  path: readonly PathSegment[];
  /** As written (`hub.lan:tcp/22`), for messages. */
  text: string;
  target: Target;
}

/** A policy test: packets from `from` must reach each of `reaches`, and none of `notReaches`. */
export interface PolicyTest {
  /** Position in the ACL's `tests`. */
  index: number;
  /** A peer, or a named network (then packets start behind its router, from its first address). */
  from: string;
  /** `from` names a network (`networks`), not a peer. */
  fromNetwork?: true;
  reaches: readonly PolicyTarget[];
  notReaches: readonly PolicyTarget[];
}
