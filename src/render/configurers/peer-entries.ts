/**
 * Peer entries shared between hosts. In a mesh every host links to a peer the same way (same
 * addresses, endpoint, routes and keys), so all of them can hold one entry object, which the
 * printers print once (see shareSubtree): a million entries for 1000 peers, a thousand texts.
 */
import type { ConfigTree } from "../../core/config-tree.js";
import type { RunContext } from "../../core/run-context.js";
import type { Address } from "../../network/address.js";
import type { Link } from "../../network/model.js";

/** An entry and what it was made from. */
interface MadeEntry {
  kind: string;
  link: Link;
  publicKey: string;
  presharedKey: string | undefined;
  entry: object;
}

/** Links to one remote membership come in a few variants at most (routes, endpoints by group). */
const VARIANTS_KEPT = 8;

/** Whether two links give the same entry: same remote, addresses, endpoint, routes and relayed peers. */
function sameLink(a: Link, b: Link): boolean {
  if (a === b) return true;
  if (a.peer !== b.peer || a.endpoint !== b.endpoint || a.addresses !== b.addresses) return false;
  const x = a.routes ?? [];
  const y = b.routes ?? [];
  const p = a.relayed ?? [];
  const r = b.relayed ?? [];
  return (
    x.length === y.length &&
    x.every((route, i) => route.text === y[i]?.text) &&
    p.length === r.length &&
    p.every((relayed, i) => relayed.addresses === r[i]?.addresses)
  );
}

/**
 * The entry of `kind` (one per configurer and shape: a Nix tree, an INI section) for a link,
 * made by `make` the first time in the run and shared after. `make` may use only the link and
 * the two keys (the preshared key's file, or the key itself where it is written inline): they
 * are what is compared.
 */
export function sharedPeerEntry<T extends object = ConfigTree>(
  run: RunContext,
  kind: string,
  link: Link,
  publicKey: string,
  presharedKey: string | undefined,
  make: () => T,
): T {
  // Entries made so far, by the remote's addresses on the subnet (an array of the network's own).
  const madeEntries = run.share(
    "configurers/peer-entries",
    () => new WeakMap<readonly Address[], MadeEntry[]>(),
  );
  let made = madeEntries.get(link.addresses);
  if (!made) {
    made = [];
    madeEntries.set(link.addresses, made);
  }
  for (const m of made)
    if (
      m.kind === kind &&
      m.publicKey === publicKey &&
      m.presharedKey === presharedKey &&
      sameLink(m.link, link)
    )
      return m.entry as T;
  const entry = run.shareSubtree(make());
  if (made.length < VARIANTS_KEPT) made.push({ kind, link, publicKey, presharedKey, entry });
  return entry;
}
