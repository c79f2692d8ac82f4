/**
 * Lint `nat-keepalive`. Reports: missing-keepalive (warning).
 * Checks: a peer that dials another (it has an endpoint for it) which has no endpoint for it in
 * return, and sends no keepalive on that link.
 * Why: such a peer is reached only through the way its own packets opened; behind NAT that way
 * closes when it is silent (UDP mappings last tens of seconds), and then the other side's
 * packets are lost until it sends again. `roaming: true` (a keepalive every 25 s) or a
 * `persistentKeepalive` keeps it open.
 */
import type { NetPeer } from "../../network/model.js";
import { type Lint, shortList } from "../lint.js";

const q = JSON.stringify;

/** Whether the ascending list holds `value`. */
function holds(sorted: Int32Array | undefined, value: number): boolean {
  if (!sorted) return false;
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = sorted[mid] as number;
    if (at === value) return true;
    if (at < value) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

/** A peer that dials others on a subnet without keepalive: whether they dial back is asked at the end. */
interface Dialler {
  local: NetPeer;
  subnet: string;
  remotes: NetPeer[];
}

export const natKeepalive: Lint = {
  name: "nat-keepalive",
  codes: ["missing-keepalive"],
  description:
    "peers nobody can dial that send no keepalive toward the peers they dial (behind NAT they become unreachable)",
  hosts({ report }) {
    // Per subnet, per peer (ACL index): the peers it has an endpoint for there, ascending, so
    // the way back is asked once every host is seen (4 bytes a link, not a string).
    const dials = new Map<string, Int32Array[]>();
    const silent: Dialler[] = [];
    return {
      host(local, interfaces) {
        for (const iface of interfaces) {
          const dialled: number[] = [];
          const remotes: NetPeer[] = [];
          for (const link of iface.links) {
            if (link.endpoint.address === undefined) continue;
            dialled.push(link.peer.index);
            if (link.endpoint.persistentKeepalive === undefined) remotes.push(link.peer);
          }
          let bySubnet = dials.get(iface.subnet.name);
          if (!bySubnet) {
            bySubnet = [];
            dials.set(iface.subnet.name, bySubnet);
          }
          bySubnet[local.index] = Int32Array.from(dialled).sort();
          if (remotes.length > 0) silent.push({ local, subnet: iface.subnet.name, remotes });
        }
      },
      end() {
        for (const { local, subnet, remotes } of silent) {
          const back = dials.get(subnet);
          const names = remotes
            .filter((remote) => !holds(back?.[remote.index], local.index))
            .map((remote) => remote.name);
          if (names.length > 0)
            report.warn(
              "missing-keepalive",
              ["peers", local.index, "subnets", subnet],
              `on subnet ${q(subnet)}, peer ${q(local.name)} dials ${shortList(names)}, which ${names.length === 1 ? "has" : "have"} no endpoint for it, and sends no keepalive: behind NAT the way back closes once ${q(local.name)} is silent, and ${names.length === 1 ? "that peer no longer reaches" : "those peers no longer reach"} it; set roaming: true on ${q(local.name)} (a keepalive every 25 s), or a persistentKeepalive in the endpoints it dials`,
            );
        }
      },
    };
  },
};
