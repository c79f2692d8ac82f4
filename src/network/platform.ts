/**
 * What a peer's machine runs (the ACL's `platform`, Linux when absent), and what its WireGuard
 * client can do with a wg-quick file: Linux's wg-quick runs every hook (nft, /proc/sys); macOS's
 * (Homebrew) runs hooks in bash but has neither nftables nor Linux's /proc/sys; the apps of
 * Windows, iOS and Android run no hooks at all and read no key files.
 */
import { type Diagnostic, diagnostic } from "../core/diagnostics.js";
import { rangesOverlap } from "./cidr.js";
import type { NetPeer, Network } from "./model.js";

export const PLATFORMS = ["linux", "macos", "windows", "ios", "android"] as const;
export type Platform = (typeof PLATFORMS)[number];

export function platformOf(peer: NetPeer): Platform {
  return peer.platform ?? "linux";
}

/** Which hooks of a wg-quick file run there: all, only portable ones (`wg set`), or none. */
export function hooksOf(platform: Platform): "all" | "portable" | "none" {
  if (platform === "linux") return "all";
  return platform === "macos" ? "portable" : "none";
}

/** Whether the peer's machine can load the access rules' nftables table. */
export function enforcesRules(peer: NetPeer): boolean {
  return hooksOf(platformOf(peer)) === "all";
}

/** A peer that runs no firewall of ours, and what filters what reaches it instead. */
export interface UnenforcedRules {
  peer: NetPeer;
  platform: Platform;
  /** Linked peers: what they send it arrives unfiltered. */
  senders: string[];
  /** Linked peers that relay to it (a route holds its address) and load the rules themselves. */
  filteredAt: string[];
}

/**
 * Whether the network has access rules that `peer` cannot enforce (it runs no nftables), and
 * who then still filters on its way: a router relaying to it filters what it forwards; its own
 * links' packets reach it as they are. Undefined when it enforces them, there are no rules, or
 * nothing is linked to it.
 */
export function unenforcedRules(network: Network, peer: NetPeer): UnenforcedRules | undefined {
  if (network.rules === undefined || enforcesRules(peer)) return undefined;
  const senders = new Set<string>();
  const filteredAt = new Set<string>();
  for (const iface of network.interfaces(peer.name))
    for (const link of iface.links) {
      senders.add(link.peer.name);
      const routes = link.routes ?? [];
      const relays = iface.addresses.some((own) =>
        routes.some((r) => rangesOverlap(r.range, own.range)),
      );
      if (relays && enforcesRules(link.peer)) filteredAt.add(link.peer.name);
    }
  if (senders.size === 0) return undefined;
  return {
    peer,
    platform: platformOf(peer),
    senders: [...senders],
    filteredAt: [...filteredAt],
  };
}

/** The warning `check` and `generate` give for it (code `rules-not-enforced`). */
export function unenforcedRulesWarning(found: UnenforcedRules): Diagnostic {
  const names = (list: readonly string[]) => list.map((n) => JSON.stringify(n)).join(", ");
  const { peer, platform, senders, filteredAt } = found;
  const where =
    filteredAt.length === 0
      ? "no router on its way filters for it"
      : `what ${names(filteredAt)} forward${filteredAt.length === 1 ? "s" : ""} to it is filtered there`;
  return diagnostic(
    "warning",
    "rules-not-enforced",
    ["peers", peer.index, "platform"],
    `the access rules are not enforced on peer ${JSON.stringify(peer.name)}: it runs ${platform}, where no nftables table of the rules can be loaded, so what its linked peers ${names(senders)} send it arrives unfiltered; ${where}`,
  );
}
