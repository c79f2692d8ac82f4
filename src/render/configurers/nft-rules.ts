/**
 * The access rules of one WireGuard device as an nftables table of its own,
 * `inet wirenix-rules-<device>`: an input and a forward chain that accept replies, accept what a
 * rule allows (network/access.ts decides what that is) and drop the rest of what arrives on the
 * device. Other interfaces are left alone. One table per device, so two networks, two ACLs or
 * merged peers on one host never replace each other's rules.
 *
 * Addresses and ports live in named interval sets, not in the rules, so a rule's line stays
 * short however many peers it names: every output renders the same lines (NixOS as
 * `networking.nftables.tables`, networkd-files as a file for `nft -f`, wg-quick as that file
 * written line by line in PreUp and loaded with one `nft -f`).
 */

import type { ConfigTree } from "../../core/config-tree.js";
import { shellQuote } from "../../core/shell-quote.js";
import {
  AccessRules,
  type Allow,
  hostForwards,
  type InterfaceAccess,
  type Refusal,
  type RuleMatch,
} from "../../network/access.js";
import type { Address } from "../../network/address.js";
import { blockOf, shortAddressText } from "../../network/cidr.js";
import type { NetInterface, RuleAction } from "../../network/model.js";
import type { Service } from "../../network/service.js";
import type { ConfigureContext } from "./configurer.js";
import type { DeviceInterface } from "./interfaces.js";

/** What every rules table's name starts with. */
export const RULES_TABLE = "wirenix-rules";

/**
 * An nftables name for a device's table: `<prefix>-<device>`. nft names take letters, digits and
 * `_ . - /`, device names also `+` and `=`: those become `/2b` and `/3d` (a device name never
 * holds `/`, so two devices never share a table).
 */
export function deviceTableName(prefix: string, device: string): string {
  return `${prefix}-${device}`.replaceAll("+", "/2b").replaceAll("=", "/3d");
}

/**
 * The same name made by bash at `wg-quick up` from the device wg-quick creates (`%i`, which it
 * replaces in every hook), into the shell variable `t`.
 */
export function deviceTableShell(prefix: string): string {
  return `t=${prefix}-%i t=\${t//+//2b} t=\${t//=//3d}`;
}

export interface DeviceAccess {
  device: string;
  access: InterfaceAccess;
  /** The run's set elements by address list (see `AddressElements`); a table's own if not given. */
  elements?: AddressElements;
}

/**
 * The set elements of address lists, for one run, by list and family. The rules hand every
 * host of a subnet the same lists (a rule's sources there, every known address), never
 * changed once made; sorting, joining and printing them once, not once per host, was a sixth
 * of `generate` for 2000 peers in 40 sites with rules.
 */
export type AddressElements = Record<
  4 | 6,
  { lists: WeakMap<readonly Address[], string[]>; texts: Map<bigint, string> }
>;

function newAddressElements(): AddressElements {
  return {
    4: { lists: new WeakMap(), texts: new Map() },
    6: { lists: new WeakMap(), texts: new Map() },
  };
}

/** A named set of the table: addresses of one family, or ports. */
export interface NftSet {
  name: string;
  type: "ipv4_addr" | "ipv6_addr" | "inet_service";
  elements: string[];
}

/** A base chain of the table: its header statement and its rules. */
export interface NftChain {
  name: string;
  lines: string[];
}

/** One device's table: its sets, then its chains. */
export interface NftTable {
  sets: NftSet[];
  chains: NftChain[];
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
  const elements = context.run.share("configurers/nft-elements", newAddressElements);
  return devices.map(({ device, iface }) => ({
    device,
    access: rules.interfaceAccess(context.peer, iface, forwards),
    elements,
  }));
}

const FAMILIES = [
  { family: 4, match: "ip", icmp: "icmp", type: "ipv4_addr" },
  { family: 6, match: "ip6", icmp: "ipv6-icmp", type: "ipv6_addr" },
] as const;

/** A closed interval of numbers (addresses or ports). */
interface Interval {
  start: bigint;
  end: bigint;
}

/**
 * Intervals sorted, overlapping and touching ones joined: what an nft interval set accepts
 * (it refuses overlapping elements) in the fewest elements.
 */
function joined(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out.at(-1);
    if (last && next.start <= last.end + 1n) {
      if (next.end > last.end) last.end = next.end;
    } else out.push({ ...next });
  }
  return out;
}

/** An address interval as nft writes it: a host, a prefix, or `first-last`. */
function addressElement(family: 4 | 6, { start, end }: Interval, text: AddressText): string {
  const bits = family === 4 ? 32 : 128;
  const size = end - start + 1n;
  const hostBits = size.toString(2).length - 1;
  if (size === 1n << BigInt(hostBits) && blockOf(family, start, bits - hostBits).start === start)
    return hostBits === 0 ? text(start) : `${text(start)}/${bits - hostBits}`;
  return `${text(start)}-${text(end)}`;
}

/** An address (of one family) as nft writes it. */
type AddressText = (address: bigint) => string;

/** The elements of an address set of one family (empty: the family has none), `text` printing each address. */
function addressElements(
  addresses: readonly Address[],
  family: 4 | 6,
  text: AddressText,
): string[] {
  const ranges = addresses.filter((a) => a.family === family).map((a) => a.range);
  return joined(ranges).map((r) => addressElement(family, r, text));
}

function portElements(services: readonly Service[], protocol: "tcp" | "udp"): string[] {
  const ranges = services.flatMap((s) =>
    s.protocol === protocol ? [{ start: BigInt(s.low), end: BigInt(s.high) }] : [],
  );
  return joined(ranges).map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`));
}

/** The prefix of a set's name by its type: `v4_0`, `v6_1`, `tcp_2`. */
const SET_PREFIX = { ipv4_addr: "v4", ipv6_addr: "v6", tcp: "tcp", udp: "udp" } as const;

/** The table being built: sets with the same elements are made once and shared. */
class TableBuilder {
  readonly sets: NftSet[] = [];
  readonly #byContent = new Map<string, string>();
  readonly #elements: AddressElements;

  constructor(elements: AddressElements = newAddressElements()) {
    this.#elements = elements;
  }

  /** The elements of an address set of one family (empty: the family has none). */
  addresses(list: readonly Address[], family: 4 | 6): string[] {
    const { lists, texts } = this.#elements[family];
    let elements = lists.get(list);
    if (elements === undefined) {
      elements = addressElements(list, family, (address) => {
        let text = texts.get(address);
        if (text === undefined) {
          text = shortAddressText(family, address);
          texts.set(address, text);
        }
        return text;
      });
      lists.set(list, elements);
    }
    return elements;
  }

  /** `@name` of the set holding `elements` (made now unless one already holds them). */
  ref(kind: keyof typeof SET_PREFIX, elements: string[]): string {
    const type = kind === "tcp" || kind === "udp" ? "inet_service" : kind;
    const key = `${type} ${elements.join(",")}`;
    let found = this.#byContent.get(key);
    if (found === undefined) {
      found = `${SET_PREFIX[kind]}_${this.sets.length}`;
      this.#byContent.set(key, found);
      this.sets.push({ name: found, type, elements });
    }
    return `@${found}`;
  }
}

/** The service matches of one rule, one per protocol (an empty match: every service). */
function serviceMatches(table: TableBuilder, services: readonly Service[], icmp: string): string[] {
  if (services.some((s) => s.protocol === "any")) return [""];
  const out: string[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const ports = portElements(services, protocol);
    if (ports.length > 0) out.push(` ${protocol} dport ${table.ref(protocol, ports)}`);
  }
  if (services.some((s) => s.protocol === "icmp")) out.push(` meta l4proto ${icmp}`);
  return out;
}

/**
 * The start of a rule's lines for one family: the device (`iifname "D"` for what arrives on it,
 * `oifname "D"` for what a router sends into it), sources and destinations; undefined when the
 * match has none of the family.
 */
function matchHead(
  table: TableBuilder,
  on: string,
  match: RuleMatch,
  known: readonly Address[],
  { family, match: ip, type }: (typeof FAMILIES)[number],
): string | undefined {
  const sources = table.addresses(match.sources, family);
  if (sources.length === 0) return undefined;
  let head = `${on} ${ip} saddr ${table.ref(type, sources)}`;
  if (match.outside) {
    const inside = table.addresses(known, family);
    if (inside.length > 0) head += ` ${ip} daddr != ${table.ref(type, inside)}`;
  } else if (match.destinations) {
    const destinations = table.addresses(match.destinations, family);
    if (destinations.length === 0) return undefined;
    head += ` ${ip} daddr ${table.ref(type, destinations)}`;
  }
  return head;
}

function allowLines(
  table: TableBuilder,
  on: string,
  allow: Allow,
  known: readonly Address[],
): string[] {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const head = matchHead(table, on, allow, known, family);
    if (head === undefined) continue;
    for (const service of serviceMatches(table, allow.services, family.icmp))
      lines.push(`${head}${service} accept comment "rules[${allow.rule}]"`);
  }
  return lines;
}

/**
 * What the action does to a packet `head` matches: `drop`, or `reject` (a TCP reset for TCP,
 * ICMP administratively prohibited for the rest, so the sender fails at once).
 */
function actionLines(head: string, action: RuleAction, comment = ""): string[] {
  if (action === "drop") return [`${head} drop${comment}`];
  return [
    `${head} meta l4proto tcp reject with tcp reset${comment}`,
    `${head} reject with icmpx admin-prohibited${comment}`,
  ];
}

function refusalLines(
  table: TableBuilder,
  on: string,
  refusal: Refusal,
  known: readonly Address[],
): string[] {
  return FAMILIES.flatMap((family) => {
    const head = matchHead(table, on, refusal, known, family);
    return head === undefined
      ? []
      : actionLines(head, refusal.action, ` comment "rules[${refusal.rule}]"`);
  });
}

/**
 * What a router's named networks may send into the tunnel (forward, out of the device): replies,
 * what rules allow, and the rest of what they send dropped or refused.
 */
function intoLines(table: TableBuilder, device: string, access: InterfaceAccess): string[] {
  const { into } = access;
  if (!into) return [];
  const on = `oifname "${device}"`;
  const lines = [`${on} ct state established,related accept`];
  lines.push(...into.allow.flatMap((a) => allowLines(table, on, a, access.known)));
  lines.push(...into.refuse.flatMap((r) => refusalLines(table, on, r, access.known)));
  for (const { family, match, type } of FAMILIES) {
    const sites = table.addresses(into.sites, family);
    if (sites.length > 0)
      lines.push(...actionLines(`${on} ${match} saddr ${table.ref(type, sites)}`, access.action));
  }
  return lines;
}

function exitLines(table: TableBuilder, device: string, access: InterfaceAccess): string[] {
  const lines: string[] = [];
  for (const { family, match, type } of FAMILIES) {
    const sources = table.addresses(access.exitSources, family);
    if (sources.length === 0) continue;
    const known = table.addresses(access.known, family);
    const outside = known.length === 0 ? "" : ` ${match} daddr != ${table.ref(type, known)}`;
    lines.push(
      `iifname "${device}" ${match} saddr ${table.ref(type, sources)}${outside} accept comment "exit clients leaving"`,
    );
  }
  return lines;
}

/** The table of one device: its sets and its two chains. */
export function rulesTable({ device, access, elements }: DeviceAccess): NftTable {
  const table = new TableBuilder(elements);
  const on = `iifname "${device}"`;
  const { known } = access;
  const replies = `${on} ct state established,related accept`;
  const rest = actionLines(on, access.action);
  const input = [
    "type filter hook input priority filter; policy accept",
    replies,
    ...access.input.flatMap((a) => allowLines(table, on, a, known)),
    ...access.refuse.input.flatMap((r) => refusalLines(table, on, r, known)),
    ...rest,
  ];
  const forward = [
    "type filter hook forward priority filter; policy accept",
    replies,
    ...access.forward.flatMap((a) => allowLines(table, on, a, known)),
    ...exitLines(table, device, access),
    ...access.refuse.forward.flatMap((r) => refusalLines(table, on, r, known)),
    ...rest,
    ...intoLines(table, device, access),
  ];
  return {
    sets: table.sets,
    chains: [
      { name: "input", lines: input },
      { name: "forward", lines: forward },
    ],
  };
}

/** Set elements wrap after this many characters, so no line of any output grows long. */
const ELEMENTS_WIDTH = 160;

function elementLines(elements: readonly string[]): string[] {
  const lines: string[] = [];
  let line = "elements = {";
  for (const [i, element] of elements.entries()) {
    const item = ` ${element}${i < elements.length - 1 ? "," : " }"}`;
    if (line.length + item.length > ELEMENTS_WIDTH && line !== "elements = {") {
      lines.push(line);
      line = `\t${item.trimStart()}`;
    } else line += item;
  }
  lines.push(line);
  return lines;
}

/**
 * The table's content (what goes between `table inet NAME {` and `}`), one statement a line,
 * nested blocks indented with tabs; no line is longer than a rule.
 */
export function nftTableLines(table: NftTable): string[] {
  const lines: string[] = [];
  for (const set of table.sets)
    lines.push(
      `set ${set.name} {`,
      `\ttype ${set.type}`,
      "\tflags interval",
      ...elementLines(set.elements).map((l) => `\t${l}`),
      "}",
    );
  for (const chain of table.chains)
    lines.push(`chain ${chain.name} {`, ...chain.lines.map((l) => `\t${l}`), "}");
  return lines;
}

/**
 * A file for `nft -f`: the table created (if missing) and deleted first, so loading it again
 * replaces it instead of adding a second copy of every rule.
 */
export function nftTableFile(name: string, table: NftTable): string {
  return [
    `table inet ${name}`,
    `delete table inet ${name}`,
    `table inet ${name} {`,
    ...nftTableLines(table).map((l) => `\t${l}`),
    "}",
  ].join("\n");
}

/**
 * How long a wg-quick hook line may grow: wg-quick parses every line with bash patterns that
 * take time in the square of its length (a 40 KB line took minutes), so the table travels in
 * many short lines instead of one long one.
 */
const HOOK_LINE_LENGTH = 240;

/**
 * The device's table for wg-quick, whose hooks name the device `%i` (the interface wg-quick
 * creates from the file's name): PreUp lines that write the `nft -f` file of the table under
 * /run/wirenix a few lines at a time and load it at once (before the interface exists: rules
 * match it by name), and the PostDown line that removes the table.
 */
export function wgQuickRulesHooks(table: NftTable): { preUp: string[]; postDown: string[] } {
  const file = "/run/wirenix/rules-%i.nft";
  const preUp = [
    `install -d -m 0700 /run/wirenix && ${deviceTableShell(RULES_TABLE)} && printf 'table inet %s\\ndelete table inet %s\\ntable inet %s {\\n' "$t" "$t" "$t" > ${file}`,
  ];
  const lines = [...nftTableLines(table).map((l) => l.replace(/^\t+/, "")), "}"];
  let words: string[] = [];
  let length = 0;
  const flush = () => {
    if (words.length > 0) preUp.push(`printf '%s\\n' ${words.join(" ")} >> ${file}`);
    words = [];
    length = 0;
  };
  for (const line of lines) {
    const word = shellQuote(line);
    if (length + word.length + 1 > HOOK_LINE_LENGTH - file.length - 20) flush();
    words.push(word);
    length += word.length + 1;
  }
  flush();
  preUp.push(`nft -f ${file} && rm -f ${file}`);
  return { preUp, postDown: [`${deviceTableShell(RULES_TABLE)} && nft delete table inet "$t"`] };
}

/**
 * The NixOS options of the rules: a table per WireGuard device in `networking.nftables.tables`
 * (which needs `networking.nftables.enable`; the NixOS firewall then runs on nftables too), and
 * the devices trusted by the NixOS firewall, so that what arrives on them is decided by the rules
 * alone (both tables see every packet: a drop in either is final). Undefined without rules.
 */
export function nixosRulesOptions(
  context: ConfigureContext,
  devices: readonly DeviceInterface[],
): { nftables: ConfigTree; trustedInterfaces: string[] } | undefined {
  const access = deviceAccess(context, devices);
  if (!access) return undefined;
  const tables: ConfigTree = {};
  for (const one of access)
    tables[deviceTableName(RULES_TABLE, one.device)] = {
      content: `${nftTableLines(rulesTable(one)).join("\n")}\n`,
      family: "inet",
    };
  return {
    nftables: { enable: true, tables },
    trustedInterfaces: devices.map((d) => d.device),
  };
}
