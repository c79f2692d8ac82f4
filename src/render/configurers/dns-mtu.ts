/**
 * An interface's `dns` and `mtu` (beyond the original): where the ACL said them, for messages,
 * and the warning of an output that has no place for DNS servers.
 */
import type { PathSegment } from "../../core/diagnostics.js";
import type { NetInterface } from "../../network/model.js";
import type { ConfigureContext } from "./configurer.js";

/** Where the interface's `key` was written: the peer's membership, else the subnet. */
export function settingPath(
  context: ConfigureContext,
  iface: NetInterface,
  key: "dns" | "mtu",
): PathSegment[] {
  const { peer } = context;
  const own = peer.memberships.find((m) => m.subnet === iface.subnet.name)?.[key];
  return own !== undefined
    ? ["peers", peer.index, "subnets", iface.subnet.name, key]
    : ["subnets", iface.subnet.index, key];
}

/**
 * Says that the configurer `output` writes no DNS servers for `device`, and what to do instead.
 * Nothing when the interface has none.
 */
export function warnDnsUnsupported(
  context: ConfigureContext,
  iface: NetInterface,
  device: string,
  output: string,
  instead: string,
): void {
  if (iface.dns === undefined) return;
  context.warn(
    "unsupported-option",
    settingPath(context, iface, "dns"),
    `${output} has no place for the DNS servers of ${device} (${iface.dns.join(", ")}): ${instead}`,
  );
}
