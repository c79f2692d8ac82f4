/**
 * Endpoint settings only NixOS's scripted interfaces understand: the other outputs leave them
 * out and say so once, with where the setting came from.
 */
import type { Link, NetSubnet } from "../../network/model.js";
import type { ConfigureContext } from "./configurer.js";

const REFRESH_FIELDS = [
  "dynamicEndpointRefreshSeconds",
  "dynamicEndpointRefreshRestartSeconds",
] as const;

/** Warns about each refresh setting of the link's endpoint that `reader` ignores. */
export function warnUnsupportedRefresh(
  context: ConfigureContext,
  subnet: NetSubnet,
  link: Link,
  reader: string,
): void {
  for (const field of REFRESH_FIELDS)
    if (link.endpoint[field] !== undefined)
      context.warn(
        "unsupported-option",
        ["peers", context.peer.index],
        `${field} is not supported by ${reader} and is ignored (endpoint of ${link.peer.name} on ${subnet.name}, from ${link.endpoint.sources.join(", ")})`,
      );
}
