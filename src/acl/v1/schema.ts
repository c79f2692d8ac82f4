/**
 * The shape of an ACL v1 file, as a valibot schema: what the user wrote (`AclV1`), checked for
 * types and ranges. References between names are checked afterwards by `rules.ts`.
 */
import * as v from "valibot";
import { isKeyText } from "../../core/secrets.js";
import { Address, type Prefix, parsePrefix } from "../../network/address.js";
import type { AclData } from "../../network/model.js";
import { parseService, SERVICE_EXPECTED } from "../../network/service.js";
import { ulaPrefixProblem } from "../../network/ula.js";
import {
  hasZoneId,
  isEndpointHost,
  isIPAddress,
  KEY_PATH_EXPECTED,
  keyPathProblem,
  parseKeyPath,
  parsePrivateKey,
  parsePublicKey,
  type WireguardKey,
  ZONE_ID_EXPECTED,
} from "../../network/values.js";
import { POLICY_TEST_KEYS, PolicyTestsSchema, type WrittenPolicyTests } from "./policy-tests.js";

/**
 * Names become host names (`peer.subnet`), file names, Nix attribute names and interface names,
 * so they are safe identifiers (intentional difference 9): letters, digits, `-` and `_`,
 * starting with a letter or digit, at most 63 characters (a DNS label); a subnet's may join such
 * parts with `.` (`lan.home`).
 */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
export const SAFE_SUBNET_NAME =
  /^(?=.{1,63}$)[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$/;

/** What a safe name is, for messages. */
export function safeNameRule(subnet: boolean): string {
  return `letters, digits, "-" and "_", starting with a letter or digit, at most 63 characters${subnet ? '; parts of such may be joined by "." (like "lan.home")' : ""}`;
}

const name = (what: "peer" | "group" | "subnet") =>
  v.pipe(
    v.string(`expected the ${what}'s name (a string)`),
    v.minLength(1, `expected the ${what}'s name (a non-empty string)`),
    v.regex(
      what === "subnet" ? SAFE_SUBNET_NAME : SAFE_NAME,
      `expected a safe ${what} name (${safeNameRule(what === "subnet")})`,
    ),
  );

/**
 * A pipe step that turns checked text into its value, or reports `message` where the text
 * cannot be read: what the schema outputs is the value, never text to be parsed again.
 */
export const parsed = <T>(parse: (text: string) => T | undefined, message: string) =>
  v.rawTransform<string, T>(({ dataset, addIssue, NEVER }) => {
    const value = parse(dataset.value);
    if (value === undefined) {
      addIssue({ message });
      return NEVER;
    }
    return value;
  });

const integer = (min: number, max: number) => {
  const expected = `expected an integer ${min}-${max}`;
  return v.pipe(
    v.number(expected),
    v.integer(expected),
    v.minValue(min, expected),
    v.maxValue(max, expected),
  );
};

const port = integer(1, 65535);

/**
 * An endpoint's port: the original writes it through `toString`, so a string of digits works
 * there like the number (`port = "51821"` gives `ip:51821`); it is read as that number.
 */
const endpointPort = v.union(
  [
    port,
    v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,5}$/),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(65535),
    ),
  ],
  "expected an integer 1-65535 (or such a number written as a string of digits)",
);
const seconds = integer(0, 2 ** 31 - 1);

/**
 * An object keyed by strings. `v.record` alone takes a list too (its indices become keys), which
 * would turn `subnets: ["lan"]` into a membership named "0".
 */
const keyed = <T extends v.GenericSchema>(value: T, message: string) =>
  v.pipe(
    v.custom<Record<string, unknown>>(
      (input) => typeof input === "object" && input !== null && !Array.isArray(input),
      message,
    ),
    v.record(v.string(), value, message),
  );

/** Whether `value` is free-form data the file formats can write (see `AclData`). */
function isAclData(value: unknown): value is AclData {
  if (value === null || value instanceof Date) return true;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      return (Array.isArray(value) ? value : Object.values(value)).every(isAclData);
    default:
      return false;
  }
}

/**
 * Free-form data, checked to be what the file formats write and kept as it is (the same
 * object): it reaches plugins and outputs unchanged, and nothing downstream holds data of no
 * type.
 */
const aclData = v.custom<AclData>(
  isAclData,
  "expected free-form data: strings, numbers, true or false, null, dates, lists and objects",
);

const extraArgs = keyed(aclData, "expected an object (free-form extraArgs)");

const list = <T extends v.GenericSchema>(item: T, what: string) =>
  v.array(item, `expected a list of ${what}`);

/*
 * The original is lazy: it reads a key only when some peer's configuration needs it, and people
 * leave out what it never reads. Keys marked "read lazily" below may therefore be absent; whether
 * one peer's configuration needs them is decided per peer (see parsers/v1/needs.ts), and a peer
 * that needs one that is missing fails alone, naming it.
 */

export const FilterSchema = v.object(
  {
    // Read lazily: only where the filter is evaluated.
    type: v.optional(
      v.picklist(["peer", "group", "subnet"], (issue) =>
        issue.input === "network"
          ? 'expected "peer", "group" or "subnet": network filters work in rules only'
          : 'expected "peer", "group" or "subnet"',
      ),
    ),
    rule: v.optional(v.picklist(["is", "not"], 'expected "is" or "not"')),
    value: v.optional(v.string("expected a name (a string)")),
  },
  "expected a filter { type, rule, value }",
);

/**
 * Refuses an IPv6 zone ID (`fe80::5%lo`) with its own message; the address check after it
 * leaves text with a zone to this one, so a zone is reported once, as what it is.
 */
export const withoutZoneId = (text: string) => !hasZoneId(text);
const noZoneId = v.check(withoutZoneId, ZONE_ID_EXPECTED);
const unlessZoned = (check: (text: string) => boolean) => (text: string) =>
  hasZoneId(text) || check(text);

const endpointHost = v.pipe(
  v.string("expected an IP address or host name (a string)"),
  noZoneId,
  v.check(unlessZoned(isEndpointHost), "expected an IP address or host name"),
);

export const EndpointSchema = v.object(
  {
    match: v.optional(list(FilterSchema, "filters")),
    ip: v.optional(endpointHost),
    port: v.optional(endpointPort),
    persistentKeepalive: v.optional(integer(0, 65535)),
    dynamicEndpointRefreshSeconds: v.optional(seconds),
    dynamicEndpointRefreshRestartSeconds: v.optional(seconds),
  },
  "expected an endpoint object { ip?, port?, match?, persistentKeepalive?, ... }",
);

const wireguardKey = <K extends WireguardKey>(
  what: string,
  parse: (text: string) => K | undefined,
) =>
  v.pipe(
    v.string(`expected a ${what} (a string)`),
    parsed(parse, `expected a ${what}: 32 bytes in base64, 44 characters, as \`wg\` prints`),
  );

/**
 * Where a key is: a key pasted here instead would be published with the configuration. The path
 * reaches shell scripts and unit files, so only safe absolute paths pass (intentional
 * difference 12; see `keyPathProblem`).
 */
const keyFilePath = v.pipe(
  v.string("expected a file path (a string)"),
  v.minLength(1, "expected a file path"),
  v.check(
    (s) => !isKeyText(s),
    "expected the path of the file that holds the key, not the key itself",
  ),
  v.check(
    // A key pasted here is told above, without a second message about its characters.
    (s) => isKeyText(s) || keyPathProblem(s) === undefined,
    (issue) =>
      `expected ${KEY_PATH_EXPECTED} (${keyPathProblem(issue.input as string) ?? "refused"})`,
  ),
  // The checks above tell what is wrong; this makes the value, and fails only where they did.
  parsed(parseKeyPath, `expected ${KEY_PATH_EXPECTED}`),
);

/** A member's address: the address written (bare or with `/length`), or "auto". */
const address = v.pipe(
  v.string("expected an address (a string)"),
  noZoneId,
  parsed<Address | "auto">(
    (s) => (s === "auto" ? s : Address.parse(s)),
    'expected an IPv4 or IPv6 address, optionally with /prefix-length, or "auto"',
  ),
);

/** A network prefix a peer routes (`routes`): an address with its prefix length. */
const prefix = v.pipe(
  v.string("expected a network prefix (a string)"),
  noZoneId,
  parsed(
    parsePrefix,
    'expected an IPv4 or IPv6 network with its prefix length, like "192.168.10.0/24"',
  ),
  // Routed like any prefix, a default route would also capture the tunnel's own packets to
  // the endpoint; exitNode sets up the policy routing that avoids that.
  v.check(
    (p: Prefix) => p.prefixLength !== 0,
    "expected a network, not a default route: to send all traffic through a peer, set exitNode on the peers that do",
  ),
);

const flag = v.boolean("expected true or false");

/**
 * The tunnel's MTU. IPv6 needs at least 1280 (the kernel drops a link's IPv6 below it, and
 * systemd-networkd raises a lower MTUBytes= to it), and every interface can have IPv6 ("auto"
 * addresses); 9000 is the largest common jumbo frame.
 */
const MTU_RANGE = { min: 1280, max: 9000 } as const;
const mtuMessage = `expected an integer from ${MTU_RANGE.min} to ${MTU_RANGE.max} (the interface's MTU in bytes)`;
const mtu = (description: string) =>
  v.pipe(
    v.number(mtuMessage),
    v.integer(mtuMessage),
    v.minValue(MTU_RANGE.min, mtuMessage),
    v.maxValue(MTU_RANGE.max, mtuMessage),
    v.description(`${description} Not in the original.`),
  );

/** Resolvers the interface's system uses while it is up. */
const dns = (description: string) =>
  v.pipe(
    list(
      v.pipe(
        v.string("expected an IP address (a string)"),
        noZoneId,
        v.check(
          unlessZoned(isIPAddress),
          'expected an IPv4 or IPv6 address without prefix length, like "10.0.0.1"',
        ),
      ),
      "IP addresses",
    ),
    v.description(`${description} Not in the original.`),
  );

export const PeerSubnetSchema = v.object(
  {
    // Read lazily: only for this peer's own configuration.
    listenPort: v.optional(port),
    ipAddresses: v.optional(list(address, "addresses")),
    extraArgs: v.optional(extraArgs),
    // Beyond the original (which ignores unknown keys): see docs/beyond-the-original.md.
    routes: v.optional(
      v.pipe(
        list(prefix, "network prefixes"),
        v.description(
          "Networks reachable through this peer on this subnet (prefixes with their length); added to its AllowedIPs on every peer linked to it. Not in the original.",
        ),
      ),
    ),
    exitNode: v.optional(
      v.pipe(
        v.string("expected the exit node peer's name (a string)"),
        v.minLength(1, "expected the exit node peer's name (a non-empty string)"),
        v.description(
          "A linked peer of this subnet that this peer sends all its traffic through (0.0.0.0/0 and ::/0). Not in the original.",
        ),
      ),
    ),
    openFirewall: v.optional(
      v.pipe(
        flag,
        v.description(
          "Open the listen port in the NixOS firewall; overrides the subnet's openFirewall. Not in the original.",
        ),
      ),
    ),
    dns: v.optional(
      dns(
        "DNS servers (IP addresses) this peer uses while its interface is up; replaces the subnet's dns ([] for none).",
      ),
    ),
    mtu: v.optional(
      mtu(
        `The MTU in bytes (${MTU_RANGE.min}-${MTU_RANGE.max}) of this peer's interface; overrides the subnet's mtu.`,
      ),
    ),
  },
  "expected the peer's membership object { listenPort, ipAddresses?, routes?, exitNode?, ... }",
);

export const PeerSchema = v.object(
  {
    name: name("peer"),
    // Read lazily: for this peer's own configuration, for the peers it links to, and by subnet
    // filters.
    subnets: v.optional(keyed(PeerSubnetSchema, "expected an object keyed by subnet name")),
    publicKey: v.optional(wireguardKey("public key", parsePublicKey)),
    privateKeyFile: v.optional(keyFilePath),
    privateKey: v.optional(wireguardKey("private key", parsePrivateKey)),
    groups: v.optional(list(v.string("expected a group name (a string)"), "group names")),
    endpoints: v.optional(list(EndpointSchema, "endpoints")),
    extraArgs: v.optional(extraArgs),
    roaming: v.optional(
      v.pipe(
        flag,
        v.description(
          "No fixed address: linked peers write no endpoint for it; it keeps its links alive (PersistentKeepalive 25 unless given). Not in the original.",
        ),
      ),
    ),
    platform: v.optional(
      v.pipe(
        v.picklist(
          ["linux", "macos", "windows", "ios", "android"],
          'expected "linux", "macos", "windows", "ios" or "android"',
        ),
        v.description(
          "What the peer's machine runs (default linux): its wg-quick file carries only what runs there (no nft or sysctl hooks off Linux; no hooks at all and the private key inline for the Windows, iOS and Android apps), and `check` and `generate` warn that access rules are not enforced on it. Not in the original.",
        ),
      ),
    ),
  },
  "expected a peer object { name, subnets, publicKey, privateKeyFile, ... }",
);

export const SubnetSchema = v.object(
  {
    // Read lazily: by the configuration of each member (name) and of each linked member
    // (endpoints).
    name: v.optional(name("subnet")),
    endpoints: v.optional(list(EndpointSchema, "endpoints")),
    presharedKeyFile: v.optional(keyFilePath),
    extraArgs: v.optional(extraArgs),
    openFirewall: v.optional(
      v.pipe(
        flag,
        v.description(
          "Every member opens its listen port in the NixOS firewall (networking.firewall.allowedUDPPorts). Not in the original.",
        ),
      ),
    ),
    ipv4Pool: v.optional(
      v.pipe(
        v.string("expected an IPv4 network (a string)"),
        parsed((s) => {
          const prefix = parsePrefix(s);
          return prefix?.family === 4 ? prefix : undefined;
        }, 'expected an IPv4 network with its prefix length, like "10.0.0.0/24"'),
        v.description(
          "The IPv4 network `wirenix add-peer` takes members' addresses from; `check` warns about members' IPv4 addresses outside it. Generation ignores it. Not in the original.",
        ),
      ),
    ),
    ipv6Prefix: v.optional(
      v.pipe(
        v.string("expected an IPv6 network (a string)"),
        noZoneId,
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          const problem = ulaPrefixProblem(dataset.value);
          const prefix = parsePrefix(dataset.value);
          if (problem === undefined && prefix !== undefined) return prefix;
          addIssue({ message: `expected ${problem ?? "an IPv6 network"}` });
          return NEVER;
        }),
        v.description(
          "The RFC 4193 /64 (fd00::/8) members' generated IPv6 addresses are in: this prefix, then the 64 bits the original derives from the peer's name. Without it the first 64 bits come from the subnet's name, the same in every network with that name; `wirenix init` writes a random one. Not in the original.",
        ),
      ),
    ),
    relay: v.optional(
      v.pipe(
        v.string("expected the relay peer's name (a string)"),
        v.minLength(1, "expected the relay peer's name (a non-empty string)"),
        v.description(
          "A member that linked pairs no handshake can reach (neither has an endpoint for the other) send their traffic through: each puts the other's addresses on its entry for the relay, which forwards. Not in the original.",
        ),
      ),
    ),
    dns: v.optional(
      dns(
        "DNS servers (IP addresses) every member uses while its interface is up; a member's own dns replaces them.",
      ),
    ),
    mtu: v.optional(
      mtu(
        `The MTU in bytes (${MTU_RANGE.min}-${MTU_RANGE.max}) of every member's interface; a member's own mtu overrides it.`,
      ),
    ),
  },
  "expected a subnet object { name, endpoints, presharedKeyFile?, extraArgs? }",
);

export const GroupSchema = v.object(
  {
    // Read lazily: only when two linked peers share a group (for its endpoints).
    name: v.optional(name("group")),
    endpoints: v.optional(list(EndpointSchema, "endpoints")),
    extraArgs: v.optional(extraArgs),
  },
  "expected a group object { name, endpoints?, extraArgs? }",
);

export const ConnectionSchema = v.object(
  {
    // Read lazily: by the configuration of each peer on a subnet the connection applies to.
    a: v.optional(list(FilterSchema, "filters")),
    b: v.optional(list(FilterSchema, "filters")),
    subnets: v.optional(list(v.string("expected a subnet name (a string)"), "subnet names")),
    extraArgs: v.optional(extraArgs),
  },
  "expected a connection object { a, b, subnets?, extraArgs? }",
);

/**
 * A filter in a rule: rules are new, so every key is required (nothing is read lazily); a rule
 * may also name a network (`networks`, or `internet`).
 */
const RuleFilterSchema = v.object(
  {
    type: v.picklist(
      ["peer", "group", "subnet", "network"],
      'expected "peer", "group", "subnet" or "network"',
    ),
    rule: v.picklist(["is", "not"], 'expected "is" or "not"'),
    value: v.string("expected a name (a string)"),
  },
  "expected a filter { type, rule, value }",
);

/** What a packet no rule allows meets: `drop` (silence) or `reject` (refused at once). */
const ruleAction = v.picklist(["drop", "reject"], 'expected "drop" or "reject"');

/** What a prefix of a named network may be, for messages. */
const NETWORK_PREFIX_EXPECTED =
  'expected an IPv4 or IPv6 network with its prefix length and no host bits set, like "192.168.10.0/24", or a single address, like "192.168.10.5"';

export const RuleSchema = v.object(
  {
    from: list(RuleFilterSchema, "filters"),
    to: list(RuleFilterSchema, "filters"),
    allow: list(
      v.pipe(v.string(SERVICE_EXPECTED), parsed(parseService, SERVICE_EXPECTED)),
      "services",
    ),
    subnets: v.optional(list(v.string("expected a subnet name (a string)"), "subnet names")),
    action: v.optional(ruleAction),
  },
  "expected a rule object { from, to, allow, subnets?, action? }",
);

/**
 * A prefix of a named network: a network with its prefix length and no host bits set
 * (`192.168.10.0/24`), or a single address (`192.168.10.5`, one host).
 */
const networkPrefix = v.pipe(
  v.string("expected a network prefix (a string)"),
  noZoneId,
  parsed((text) => {
    const address = Address.parse(text);
    if (address === undefined) return undefined;
    return address.prefixLength === undefined || address.range.start === address.value
      ? address
      : undefined;
  }, NETWORK_PREFIX_EXPECTED),
);

export const NetworkSchema = v.object(
  {
    name: v.pipe(
      v.string("expected the network's name (a string)"),
      v.regex(SAFE_NAME, `expected a safe network name (${safeNameRule(false)})`),
    ),
    prefixes: v.pipe(
      list(networkPrefix, "network prefixes"),
      v.minLength(1, "expected at least one prefix"),
    ),
  },
  "expected a network object { name, prefixes }",
);

export const AclV1Schema = v.object(
  {
    version: v.literal("v1", 'expected "v1"'),
    // Read lazily: subnets and connections by every peer that is a member of some subnet,
    // groups only when two linked peers share a group (none of the ACLs found in public
    // repositories has it).
    subnets: v.optional(list(SubnetSchema, "subnets")),
    groups: v.optional(list(GroupSchema, "groups")),
    peers: list(PeerSchema, "peers"),
    connections: v.optional(list(ConnectionSchema, "connections")),
    extraArgs: v.optional(extraArgs),
    // Beyond the original (which ignores unknown keys): see docs/rules.md.
    rules: v.optional(
      v.pipe(
        list(RuleSchema, "rules"),
        v.description(
          "Who may reach which ports over WireGuard; with rules, whatever no rule allows is dropped. Not in the original.",
        ),
      ),
    ),
    // Beyond the original (which ignores unknown keys): see docs/rules.md.
    networks: v.optional(
      v.pipe(
        list(NetworkSchema, "networks"),
        v.description(
          "Names for networks peers route (a LAN, a single host in one), which rules name as sources and targets. Not in the original.",
        ),
      ),
    ),
    rulesAction: v.optional(
      v.pipe(
        ruleAction,
        v.description(
          "What happens to a packet no rule allows: drop (default) or reject (TCP reset, else ICMP admin-prohibited). Not in the original.",
        ),
      ),
    ),
    // Beyond the original (which ignores unknown keys): see docs/checks.md.
    tests: v.optional(PolicyTestsSchema),
  },
  "expected the ACL to be an object { version, subnets, groups, peers, connections }",
);

/**
 * An ACL v1 as the user wrote it, its types checked and its values read (addresses, prefixes,
 * keys, services; policy tests with what is wrong in them, see policy-tests.ts).
 */
export type AclV1 = Omit<v.InferOutput<typeof AclV1Schema>, "tests"> & {
  tests?: WrittenPolicyTests;
};

/**
 * The keys each kind of object knows, for warning about the ones it does not (a typo in an
 * optional key would otherwise vanish silently).
 */
export const KNOWN_KEYS = {
  acl: Object.keys(AclV1Schema.entries),
  subnet: Object.keys(SubnetSchema.entries),
  group: Object.keys(GroupSchema.entries),
  peer: Object.keys(PeerSchema.entries),
  peerSubnet: Object.keys(PeerSubnetSchema.entries),
  connection: Object.keys(ConnectionSchema.entries),
  rule: Object.keys(RuleSchema.entries),
  network: Object.keys(NetworkSchema.entries),
  endpoint: Object.keys(EndpointSchema.entries),
  filter: Object.keys(FilterSchema.entries),
  policyTest: POLICY_TEST_KEYS,
} as const;
