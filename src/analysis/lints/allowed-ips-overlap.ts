/**
 * Lint `allowed-ips-overlap`. Reports: allowed-ips-overlap (error).
 * Checks: AllowedIPs of two peers that overlap on an interface that links to both.
 * Why: WireGuard sends the shared addresses to only one of them, silently.
 */
import { rangesOverlap } from "../../network/cidr.js";
import type { NetPeer } from "../../network/model.js";
import type { Lint } from "../lint.js";
import { addressPath, type MemberAddress, membersAddresses } from "../member-addresses.js";

const q = JSON.stringify;

/**
 * AllowedIPs of two peers that overlap on an interface that has both: WireGuard sends the shared
 * addresses to only one of them, silently.
 */
export const allowedIPsOverlap: Lint = {
  name: "allowed-ips-overlap",
  codes: ["allowed-ips-overlap"],
  description: "AllowedIPs that overlap between two peers of one interface",
  run(ctx) {
    const { network, report } = ctx;
    // Resolved only for the peers an overlap concerns.
    const neighbours = (peer: NetPeer, subnet: string): Set<string> =>
      new Set(network.interfaceOn(peer.name, subnet)?.links.map((l) => l.peer.name) ?? []);
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
          shared.push(`${other.address.text} of ${q(other.peer.name)}`);
        }
        if (shared.length > 0)
          report.error(
            "allowed-ips-overlap",
            addressPath(entry.peer, subnet.name),
            `AllowedIPs ${entry.address.allowedIP} of peer ${q(entry.peer.name)} on subnet ${q(subnet.name)} overlap ${shared.slice(0, 3).join(", ")}${shared.length > 3 ? `, ... (${shared.length} in all)` : ""}; peer ${q(via)} links to both and WireGuard routes the shared addresses to only one of them (write bare addresses, or a prefix only on the peer that really routes it)`,
          );
      }
    }
  },
};
