/** The model's objects by name, for callers that are given names (`--peer`, library options). */
import { type Diagnostic, diagnostic, isNonEmpty, type Result } from "../core/diagnostics.js";
import type { NetPeer, Network } from "./model.js";

/**
 * The peers `names` name, in that order (every peer, in ACL order, when `names` is absent); a
 * name no peer has is an `unknown-peer` error, so no later message has to guess which peer is
 * meant.
 */
export function peersNamed(network: Network, names?: readonly string[]): Result<NetPeer[]> {
  if (names === undefined) return { ok: true, value: [...network.peers], warnings: [] };
  const found: NetPeer[] = [];
  const unknown: Diagnostic[] = [];
  for (const name of names) {
    const peer = network.peer(name);
    if (peer) found.push(peer);
    else
      unknown.push(
        diagnostic("error", "unknown-peer", [], `no peer named ${JSON.stringify(name)} in the ACL`),
      );
  }
  if (isNonEmpty(unknown)) return { ok: false, diagnostics: unknown };
  return { ok: true, value: found, warnings: [] };
}

/** `"a", "b", "c", ... (12 in all)`: a list short enough for one message. */
export function shortList(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  return `${shown.join(", ")}${names.length > max ? `, ... (${names.length} in all)` : ""}`;
}
