/**
 * The access rules of one host as an nftables table of our own, `inet wirenix-rules`: an input
 * and a forward chain that, for each WireGuard interface, accept replies, accept what a rule
 * allows (network/access.ts decides what that is) and drop the rest of what arrives on it.
 * Other interfaces are left alone. Every output renders it here: NixOS as
 * `networking.nftables.tables`, networkd-files as a file for `nft -f`, wg-quick as one `nft`
 * command per interface in PostUp (a table per interface, removed again in PostDown).
 */

import type { ConfigTree } from "../config-tree.js";
import {
  AccessRules,
  type Allow,
  hostForwards,
  type InterfaceAccess,
  type Service,
} from "../network/access.js";
import type { Address } from "../network/address.js";
import type { NetInterface } from "../network/model.js";
import type { ConfigureContext } from "./configurer.js";
import type { DeviceInterface } from "./interfaces.js";

/** The table's name; wg-quick appends `-<device>`, one table per interface. */
export const RULES_TABLE = "wirenix-rules";

export interface DeviceAccess {
  device: string;
  access: InterfaceAccess;
}

/** A base chain of the table: its header statement and its rules. */
export interface NftChain {
  name: string;
  lines: string[];
}

/**
 * The network's access rules, made once a run: they keep what every host asks again (the
 * members' addresses of each subnet, every known address). One run is one network; a caller
 * that mixes them pays for the rules again.
 */
function accessRules(context: ConfigureContext): AccessRules {
  const { network } = context;
  const shared = context.run.share("configurers/nft-rules", () => ({
    network,
    rules: new AccessRules(network),
  }));
  return shared.network === network ? shared.rules : new AccessRules(network);
}

/**
 * What each of `devices` of the context's peer lets in, or undefined when the ACL has no rules.
 * `all` is every interface of the host (whether it forwards is decided host-wide).
 */
export function deviceAccess(
  context: ConfigureContext,
  devices: readonly DeviceInterface[],
  all: readonly NetInterface[] = devices.map((d) => d.iface),
): DeviceAccess[] | undefined {
  if (context.network.rules === undefined) return undefined;
  const rules = accessRules(context);
  const forwards = hostForwards(all);
  return devices.map(({ device, iface }) => ({
    device,
    access: rules.interfaceAccess(context.peer, iface, forwards),
  }));
}

const FAMILIES = [
  { family: 4, match: "ip", icmp: "icmp" },
  { family: 6, match: "ip6", icmp: "ipv6-icmp" },
] as const;

/** The addresses of one family, as nft matches them (a bare address: that one host). */
function ofFamily(addresses: readonly Address[], family: 4 | 6): string[] {
  return addresses.filter((a) => a.family === family).map((a) => a.allowedIP);
}

function set(items: readonly string[]): string {
  return items.length === 1 ? (items[0] as string) : `{ ${items.join(", ")} }`;
}

/** The service matches of one rule, one per protocol (an empty match: every service). */
function serviceMatches(services: readonly Service[], icmp: string): string[] {
  if (services.some((s) => s.protocol === "any")) return [""];
  const out: string[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const ports = services
      .filter((s) => s.protocol === protocol)
      .map((s) => (s.low === s.high ? `${s.low}` : `${s.low}-${s.high}`));
    if (ports.length > 0) out.push(` ${protocol} dport ${set([...new Set(ports)])}`);
  }
  if (services.some((s) => s.protocol === "icmp")) out.push(` meta l4proto ${icmp}`);
  return out;
}

function allowLines(device: string, allow: Allow): string[] {
  const lines: string[] = [];
  for (const { family, match, icmp } of FAMILIES) {
    const sources = ofFamily(allow.sources, family);
    if (sources.length === 0) continue;
    let head = `iifname "${device}" ${match} saddr ${set(sources)}`;
    if (allow.destinations) {
      const destinations = ofFamily(allow.destinations, family);
      if (destinations.length === 0) continue;
      head += ` ${match} daddr ${set(destinations)}`;
    }
    for (const service of serviceMatches(allow.services, icmp))
      lines.push(`${head}${service} accept comment "rules[${allow.rule}]"`);
  }
  return lines;
}

function exitLines(device: string, access: InterfaceAccess): string[] {
  const lines: string[] = [];
  for (const { family, match } of FAMILIES) {
    const sources = ofFamily(access.exitSources, family);
    if (sources.length === 0) continue;
    const known = ofFamily(access.known, family);
    const outside = known.length === 0 ? "" : ` ${match} daddr != ${set(known)}`;
    lines.push(
      `iifname "${device}" ${match} saddr ${set(sources)}${outside} accept comment "exit clients leaving"`,
    );
  }
  return lines;
}

/** The table's two chains for the given devices. */
export function rulesChains(devices: readonly DeviceAccess[]): NftChain[] {
  const input = ["type filter hook input priority filter; policy accept"];
  const forward = ["type filter hook forward priority filter; policy accept"];
  for (const { device, access } of devices) {
    const replies = `iifname "${device}" ct state established,related accept`;
    const drop = `iifname "${device}" drop`;
    input.push(replies, ...access.input.flatMap((a) => allowLines(device, a)), drop);
    forward.push(
      replies,
      ...access.forward.flatMap((a) => allowLines(device, a)),
      ...exitLines(device, access),
      drop,
    );
  }
  return [
    { name: "input", lines: input },
    { name: "forward", lines: forward },
  ];
}

/** The table's content (what goes between `table inet NAME {` and `}`), one rule a line. */
export function nftTableContent(chains: readonly NftChain[]): string {
  return chains
    .map((c) => [`chain ${c.name} {`, ...c.lines.map((l) => `\t${l}`), "}"].join("\n"))
    .join("\n");
}

/**
 * A file for `nft -f`: the table created (if missing) and deleted first, so loading it again
 * replaces it instead of adding a second copy of every rule.
 */
export function nftTableFile(table: string, chains: readonly NftChain[]): string {
  const body = nftTableContent(chains)
    .split("\n")
    .map((l) => `\t${l}`)
    .join("\n");
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    body,
    "}",
  ].join("\n");
}

/** The same as one command line for `nft '<text>'` (statements joined by `;`). */
export function nftTableCommand(table: string, chains: readonly NftChain[]): string {
  const chainText = chains.map((c) => `chain ${c.name} { ${c.lines.join("; ")}; }`).join("; ");
  return `table inet ${table}; delete table inet ${table}; table inet ${table} { ${chainText}; }`;
}

/**
 * The NixOS options of the rules: our table in `networking.nftables.tables` (which needs
 * `networking.nftables.enable`; the NixOS firewall then runs on nftables too), and the WireGuard
 * interfaces trusted by the NixOS firewall, so that what arrives on them is decided by the rules
 * alone (both tables see every packet: a drop in either is final). Undefined without rules.
 */
export function nixosRulesOptions(
  context: ConfigureContext,
  devices: readonly DeviceInterface[],
): { nftables: ConfigTree; trustedInterfaces: string[] } | undefined {
  const access = deviceAccess(context, devices);
  if (!access) return undefined;
  return {
    nftables: {
      enable: true,
      tables: {
        [RULES_TABLE]: { content: `${nftTableContent(rulesChains(access))}\n`, family: "inet" },
      },
    },
    trustedInterfaces: devices.map((d) => d.device),
  };
}
