/**
 * `wirenix init`: a starter ACL in the format its file name asks for: one subnet, no peers yet,
 * and one connection that links every member of the subnet with every other. The YAML, TOML
 * and Nix versions explain each key in comments; JSON has no comments.
 */

import { randomBytes } from "node:crypto";
import { basename, extname } from "node:path";
import { parseAcl } from "../acl/parse.js";
import { mapNonEmpty, optionProblem, type Result } from "../core/diagnostics.js";
import { addressRange, addressText } from "../network/cidr.js";
import { ulaPrefix } from "../network/ula.js";
import { isIPv4Cidr } from "../network/values.js";
import { DEFAULT_PORT } from "./peers.js";
import { tomlInline } from "./toml-text.js";

export interface InitOptions {
  subnet?: string;
  pool?: string;
  port?: number;
  /**
   * The subnet's `ipv6Prefix`; `starterAclText` draws a random one (RFC 4193) when none is
   * given, so no two networks share the prefix of their generated addresses.
   */
  ipv6Prefix?: string;
}

/** A new network's IPv6 prefix: a random 40-bit global ID (RFC 4193), subnet ID 1. */
export function randomIpv6Prefix(): string {
  return ulaPrefix(randomBytes(5));
}

/**
 * The keepalive of the starter's links (seconds): shorter than the 10 s after which strict NATs
 * forget a silent UDP mapping, so a peer behind one stays reachable. WireGuard's usual 25 s
 * (what `roaming` gives without it) outlives only NATs that keep mappings 30 s or more.
 */
export const STARTER_KEEPALIVE = 5;

export const INIT_FORMATS = [".yaml", ".yml", ".json", ".toml", ".nix"] as const;

/** The starter ACL as data. */
export function starterAcl(options: InitOptions = {}): Record<string, unknown> {
  const name = options.subnet ?? "wg";
  const port = options.port ?? DEFAULT_PORT;
  const everyMember = [{ type: "subnet", rule: "is", value: name }];
  return {
    version: "v1",
    subnets: [
      {
        name,
        ...(options.pool === undefined ? {} : { ipv4Pool: options.pool }),
        ...(options.ipv6Prefix === undefined ? {} : { ipv6Prefix: options.ipv6Prefix }),
        endpoints: [{ port, persistentKeepalive: STARTER_KEEPALIVE }],
      },
    ],
    groups: [],
    peers: [],
    connections: [{ a: everyMember, b: everyMember, subnets: [name] }],
  };
}

const q = JSON.stringify;

/** The options every template reads, with the defaults filled in. */
type Text = Required<Pick<InitOptions, "subnet" | "port" | "ipv6Prefix">> & InitOptions;

/** A name as YAML writes it: plain when it cannot be read as anything but that string. */
function yamlName(name: string): string {
  const plain =
    /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) &&
    !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(name);
  return plain ? name : q(name);
}

function yamlText(file: string, o: Text) {
  const s = yamlName(o.subnet);
  const pool = o.pool === undefined ? "# ipv4Pool: 10.0.0.0/24" : `ipv4Pool: ${o.pool}`;
  return `# A Wirenix ACL: the whole WireGuard network in one file. Every machine's configuration
# is generated from it (wirenix generate ${file} ...). Format: docs/acl-v1.md.
version: v1

# Subnets: each is one WireGuard interface on every peer that is a member of it.
subnets:
  - name: ${s}
    # ipv4Pool (optional): the IPv4 network \`wirenix add-peer\` takes each new peer's
    # address from; generation ignores it, \`wirenix check\` warns about addresses outside
    # it. Peers also get an IPv6 address generated from their name ("auto" in ipAddresses).
    ${pool}
    # ipv6Prefix: the /64 those generated IPv6 addresses are in, drawn at random for this
    # network (RFC 4193), so no two networks share it.
    ipv6Prefix: ${q(o.ipv6Prefix)}
    # endpoints: merged into every member's endpoint; here the UDP port peers are dialled
    # on, and a keepalive every ${STARTER_KEEPALIVE} s on every link, so a NAT in front of a peer keeps
    # the way back open (strict ones forget a silent UDP mapping after 10 s). A peer's own
    # host name or address goes into its endpoints (add-peer --endpoint); a peer added
    # without one is \`roaming: true\`: nobody dials it, it dials the others.
    endpoints:
      - port: ${o.port}
        persistentKeepalive: ${STARTER_KEEPALIVE}

# Groups: names peers share, for connections and shared endpoints (add-peer --group NAME).
groups: []

# Peers: the machines. Add them with \`wirenix add-peer ${file} NAME\`, then write their
# public keys with \`wirenix keys generate ${file} --dir keys --update-acl\`.
peers: []

# Connections: which peers are linked. Side a and side b each select peers with filters
# (type peer, group or subnet; rule is or not); every peer of a is linked with every peer
# of b, on the subnets listed. This one links every member of ${s} with every other.
connections:
  - a: [{ type: subnet, rule: is, value: ${s} }]
    b: [{ type: subnet, rule: is, value: ${s} }]
    subnets: [${s}]
`;
}

function tomlText(file: string, o: Text) {
  const s = q(o.subnet);
  const filter = tomlInline([{ type: "subnet", rule: "is", value: o.subnet }]);
  const pool = o.pool === undefined ? `# ipv4Pool = "10.0.0.0/24"` : `ipv4Pool = ${q(o.pool)}`;
  return `# A Wirenix ACL: the whole WireGuard network in one file. Every machine's configuration
# is generated from it (wirenix generate ${file} ...). Format: docs/acl-v1.md.
version = "v1"

# Groups: names peers share, for connections and shared endpoints (add-peer --group NAME).
groups = []

# Peers: the machines. Add them with \`wirenix add-peer ${file} NAME\` (each becomes a
# [[peers]] table below), then write their public keys with
# \`wirenix keys generate ${file} --dir keys --update-acl\`.
peers = []

# Subnets: each is one WireGuard interface on every peer that is a member of it.
[[subnets]]
name = ${s}
# ipv4Pool (optional): the IPv4 network \`wirenix add-peer\` takes each new peer's address
# from; generation ignores it, \`wirenix check\` warns about addresses outside it. Peers also
# get an IPv6 address generated from their name ("auto" in their ipAddresses).
${pool}
# ipv6Prefix: the /64 those generated IPv6 addresses are in, drawn at random for this network
# (RFC 4193), so no two networks share it.
ipv6Prefix = ${q(o.ipv6Prefix)}

# endpoints: merged into every member's endpoint; here the UDP port peers are dialled on, and
# a keepalive every ${STARTER_KEEPALIVE} s on every link, so a NAT in front of a peer keeps the way back
# open (strict ones forget a silent UDP mapping after 10 s). A peer's own host name or address
# goes into its endpoints (wirenix add-peer --endpoint HOST); a peer added without one is
# \`roaming = true\`: nobody dials it, it dials the others.
[[subnets.endpoints]]
port = ${o.port}
persistentKeepalive = ${STARTER_KEEPALIVE}

# Connections: which peers are linked. Side a and side b each select peers with filters
# (type peer, group or subnet; rule is or not); every peer of a is linked with every peer
# of b, on the subnets listed. This one links every member of ${s} with every other.
[[connections]]
a = ${filter}
b = ${filter}
subnets = [${s}]
`;
}

function nixText(file: string, o: Text) {
  const s = q(o.subnet);
  const filter = `[ { type = "subnet"; rule = "is"; value = ${s}; } ]`;
  const pool = o.pool === undefined ? `# ipv4Pool = "10.0.0.0/24";` : `ipv4Pool = ${q(o.pool)};`;
  return `# A Wirenix ACL: the whole WireGuard network in one file. Every machine's configuration
# is generated from it (wirenix generate ${file} ...). Format: docs/acl-v1.md.
# \`wirenix add-peer\` and \`remove-peer\` do not edit .nix files: add peers by hand (or start
# from a .yaml, .json or .toml ACL, which they edit).
{
  version = "v1";

  # Subnets: each is one WireGuard interface on every peer that is a member of it.
  subnets = [
    {
      name = ${s};
      # ipv4Pool (optional): the IPv4 network members' addresses come from; generation
      # ignores it, \`wirenix check\` warns about addresses outside it.
      ${pool}
      # ipv6Prefix: the /64 of members' generated IPv6 addresses, drawn at random for this
      # network (RFC 4193), so no two networks share it.
      ipv6Prefix = ${q(o.ipv6Prefix)};
      # endpoints: merged into every member's endpoint; here the UDP port peers are dialled on,
      # and a keepalive every ${STARTER_KEEPALIVE} s on every link, so a NAT in front of a peer keeps the
      # way back open. A peer nobody can dial (behind NAT) is \`roaming = true;\`.
      endpoints = [ { port = ${o.port}; persistentKeepalive = ${STARTER_KEEPALIVE}; } ];
    }
  ];

  # Groups: names peers share, for connections and shared endpoints.
  groups = [ ];

  # Peers: the machines, each { name; subnets.${o.subnet}.listenPort; publicKey; ... }.
  peers = [ ];

  # Connections: which peers are linked; this one links every member of ${s} with every other.
  connections = [
    {
      a = ${filter};
      b = ${filter};
      subnets = [ ${s} ];
    }
  ];
}
`;
}

/** The starter ACL's text for `file`'s extension. */
export function starterAclText(file: string, options: InitOptions = {}): Result<string> {
  const o: Text = {
    ...options,
    subnet: options.subnet ?? "wg",
    port: options.port ?? DEFAULT_PORT,
    ipv6Prefix: options.ipv6Prefix ?? randomIpv6Prefix(),
  };
  const fail = (message: string): Result<never> => ({
    ok: false,
    diagnostics: [{ ...optionProblem("error", "usage", "pool", message), file }],
  });
  if (o.pool !== undefined && !isIPv4Cidr(o.pool))
    return fail(
      `the pool ${q(o.pool)}: expected an IPv4 network with its prefix length, like 10.0.0.0/24`,
    );
  // 10.0.0.5/24 is an address in a network, not the network: which one was meant is a guess
  // (the /24 around it, or a typo in the prefix length), so it is asked for, not made up.
  const range = o.pool === undefined ? undefined : addressRange(o.pool);
  if (range !== undefined && range.address !== range.start)
    return fail(
      `the pool ${q(o.pool)}: host bits are set (an address in the network, not the network); did you mean ${addressText(4, range.start)}/${range.prefix}?`,
    );
  const valid = parseAcl(starterAcl(o));
  if (!valid.ok)
    return { ok: false, diagnostics: mapNonEmpty(valid.diagnostics, (d) => ({ ...d, file })) };
  const name = basename(file);
  switch (extname(file).toLowerCase()) {
    case ".yaml":
    case ".yml":
      return { ok: true, value: yamlText(name, o), warnings: [] };
    case ".json":
      return { ok: true, value: `${JSON.stringify(starterAcl(o), null, 2)}\n`, warnings: [] };
    case ".toml":
      return { ok: true, value: tomlText(name, o), warnings: [] };
    case ".nix":
      return { ok: true, value: nixText(name, o), warnings: [] };
    default:
      return fail(`expected a file name ending in ${INIT_FORMATS.join(", ")}`);
  }
}
