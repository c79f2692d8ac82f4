/**
 * Lint `listen-ports`. Reports: duplicate-listen-port (error).
 * Checks: two interfaces of one peer with the same listen port.
 * Why: only one of them can bind the UDP port.
 */
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/** Two interfaces of one peer cannot listen on one UDP port. */
export const listenPorts: Lint = {
  name: "listen-ports",
  codes: ["duplicate-listen-port"],
  description: "two interfaces of one peer with the same listen port",
  run({ network, report }) {
    for (const peer of network.peers) {
      const first = new Map<number, string>();
      for (const m of peer.memberships) {
        const seen = first.get(m.listenPort);
        if (seen === undefined) first.set(m.listenPort, m.subnet);
        else
          report.error(
            "duplicate-listen-port",
            ["peers", peer.index, "subnets", m.subnet, "listenPort"],
            `peer ${q(peer.name)} listens on port ${m.listenPort} on both subnet ${q(seen)} and ${q(m.subnet)}; only one interface can bind it`,
          );
      }
    }
  },
};
