/**
 * Lint `reachable-endpoints`. Reports: no-usable-endpoint (warning).
 * Checks: a link where neither side has an endpoint (ip and port) for the other, and that the
 * subnet's relay does not carry instead.
 * Why: no handshake can ever start on it. `generate` warns in the same words
 * (network/handshake.ts).
 */

import { noHandshakeWarning } from "../../network/handshake.js";
import type { Lint } from "../lint.js";

/** A link where neither side has an endpoint for the other: no handshake can ever start. */
export const reachableEndpoints: Lint = {
  name: "reachable-endpoints",
  codes: ["no-usable-endpoint"],
  description: "links where neither side has a usable endpoint (ip and port) for the other",
  hosts: ({ report }) => ({
    host(local, interfaces) {
      for (const iface of interfaces) {
        // Each pair once, at the peer that comes first in the ACL.
        const found = noHandshakeWarning(local, iface, (remote) => remote.index <= local.index);
        if (found) report.items.push(found);
      }
    },
  }),
};
