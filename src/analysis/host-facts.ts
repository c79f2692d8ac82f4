/**
 * What a machine gets from the ACL, as facts that compare: its key, and per interface its
 * addresses, listen port, DNS, MTU, routed networks, the peers it has with their AllowedIPs and
 * endpoints, and the firewall rules it loads. `diff` tells two versions of a host apart by
 * these; no private key is kept, only whether it changed.
 */

import { type AccessRules, type Allow, hostForwards } from "../network/access.js";
import type { NetPeer, Network } from "../network/model.js";
import { enforcesRules } from "../network/platform.js";
import { allowedIPTexts } from "../network/routing.js";
import { serviceText } from "../network/service.js";

export interface LinkFacts {
  publicKey: string;
  allowedIPs: string;
  endpoint: string;
  keepalive: string;
}

export interface InterfaceFacts {
  addresses: string;
  listenPort: string;
  dns: string;
  mtu: string;
  routes: string;
  peers: Map<string, LinkFacts>;
  /** One line per rule entry the host loads on this interface. */
  firewall: string[];
}

export interface HostFacts {
  publicKey: string;
  privateKeyFile: string;
  /** The inline private key, compared and never shown. */
  privateKey: string | undefined;
  interfaces: Map<string, InterfaceFacts>;
}

/** One thing that changes on a host. */
export interface HostChange {
  /** `subnet`, `addresses`, `listen port`, `DNS`, `MTU`, `routes`, `peer`, `AllowedIPs`,
   * `endpoint`, `keepalive`, `public key`, `private key file`, `private key`, `firewall`. */
  what: string;
  subnet?: string;
  /** The remote peer, for changes of one link. */
  peer?: string;
  /** Absent: not there before (added). */
  old?: string;
  /** Absent: not there after (removed). */
  new?: string;
}

function allowText(kind: "in" | "forward" | "into the tunnel", a: Allow): string {
  const services = a.services.map(serviceText).join(" ");
  const to = a.outside
    ? " to the internet"
    : a.destinations
      ? ` to ${a.destinations.map((d) => d.allowedIP).join(" ")}`
      : "";
  return `${kind} from ${a.sources.map((s) => s.ip).join(" ")}${to} allow ${services} (rules[${a.rule}])`;
}

/** The facts of one host; `rules` is the network's (one per network). */
export function hostFacts(network: Network, rules: AccessRules, peer: NetPeer): HostFacts {
  const ifaces = network.interfaces(peer.name);
  const forwards = hostForwards(ifaces);
  const enforced = rules.enforced && enforcesRules(peer);
  const interfaces = new Map<string, InterfaceFacts>();
  for (const iface of ifaces) {
    const peers = new Map<string, LinkFacts>();
    for (const link of iface.links)
      peers.set(link.peer.name, {
        publicKey: link.peer.publicKey ?? "none",
        allowedIPs: allowedIPTexts(link).join(", "),
        endpoint: link.endpoint.address ?? "none",
        keepalive: `${link.endpoint.persistentKeepalive ?? "none"}`,
      });
    let firewall: string[] = [];
    if (!rules.enforced) firewall = ["no rules: everything passes"];
    else if (!enforced) firewall = ["rules not enforced on this platform"];
    else {
      const access = rules.interfaceAccess(peer, iface, forwards);
      firewall = [
        ...access.input.map((a) => allowText("in", a)),
        ...access.forward.map((a) => allowText("forward", a)),
        // What a router's named networks may send into the tunnel.
        ...(access.into?.allow ?? []).map((a) => allowText("into the tunnel", a)),
      ];
      if (firewall.length === 0) firewall = ["drop everything"];
    }
    interfaces.set(iface.subnet.name, {
      addresses: iface.addresses.map((a) => a.text).join(", "),
      listenPort: `${iface.listenPort}`,
      dns: (iface.dns ?? []).join(", ") || "none",
      mtu: `${iface.mtu ?? "default"}`,
      routes: (iface.routes ?? []).map((r) => r.text).join(", ") || "none",
      peers,
      firewall,
    });
  }
  return {
    publicKey: peer.publicKey ?? "none",
    privateKeyFile: peer.privateKeyFile ?? "none",
    privateKey: peer.privateKey,
    interfaces,
  };
}

/** What changes from `a` to `b`, in a fixed order: keys, then interface by interface. */
export function hostChanges(a: HostFacts, b: HostFacts): HostChange[] {
  const out: HostChange[] = [];
  const field = (what: string, x: string, y: string, extra: Partial<HostChange> = {}) => {
    if (x !== y) out.push({ what, ...extra, old: x, new: y });
  };
  field("public key", a.publicKey, b.publicKey);
  field("private key file", a.privateKeyFile, b.privateKeyFile);
  if (a.privateKey !== b.privateKey)
    out.push({ what: "private key", old: "(inline, not shown)", new: "(inline, not shown)" });
  const subnets = [...new Set([...a.interfaces.keys(), ...b.interfaces.keys()])].sort();
  for (const subnet of subnets) {
    const x = a.interfaces.get(subnet);
    const y = b.interfaces.get(subnet);
    if (!x) {
      out.push({ what: "subnet", subnet, new: `joined (${y?.addresses})` });
      continue;
    }
    if (!y) {
      out.push({ what: "subnet", subnet, old: `left (${x.addresses})` });
      continue;
    }
    field("addresses", x.addresses, y.addresses, { subnet });
    field("listen port", x.listenPort, y.listenPort, { subnet });
    field("DNS", x.dns, y.dns, { subnet });
    field("MTU", x.mtu, y.mtu, { subnet });
    field("routes", x.routes, y.routes, { subnet });
    const peers = [...new Set([...x.peers.keys(), ...y.peers.keys()])].sort();
    for (const peer of peers) {
      const l = x.peers.get(peer);
      const m = y.peers.get(peer);
      if (!l && m)
        out.push({ what: "peer", subnet, peer, new: `added (AllowedIPs ${m.allowedIPs})` });
      else if (l && !m)
        out.push({ what: "peer", subnet, peer, old: `removed (AllowedIPs ${l.allowedIPs})` });
      else if (l && m) {
        field("public key", l.publicKey, m.publicKey, { subnet, peer });
        field("AllowedIPs", l.allowedIPs, m.allowedIPs, { subnet, peer });
        field("endpoint", l.endpoint, m.endpoint, { subnet, peer });
        field("keepalive", l.keepalive, m.keepalive, { subnet, peer });
      }
    }
    const before = new Set(x.firewall);
    const after = new Set(y.firewall);
    for (const line of x.firewall)
      if (!after.has(line)) out.push({ what: "firewall", subnet, old: line });
    for (const line of y.firewall)
      if (!before.has(line)) out.push({ what: "firewall", subnet, new: line });
  }
  return out;
}
