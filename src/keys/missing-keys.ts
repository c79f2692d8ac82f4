/**
 * One missing public key, one message. Every peer linked to a peer whose public key nobody
 * knows fails the same way; in a 31-peer mesh that was 31 near-identical errors about one
 * missing key. Here they become one, naming how many peers link to it.
 */
import type { Diagnostic } from "../core/diagnostics.js";

/** The shape of `PeerKeys.publicKeyOf`'s message: the remote, the linking peer, the rest. */
const LINKED_BY =
  /^(no public key for peer "(?:[^"\\]|\\.)*", which )("(?:[^"\\]|\\.)*") links to( .*)$/s;

/** How many names a merged message lists before "and N more". */
const LISTED = 3;

/**
 * `diagnostics` with every group of `no-public-key` errors about one peer merged into the
 * first of them: `no public key for peer "p31", which 30 peers link to ("p0", "p1", "p2" and 27
 * more) (key providers asked: …)`. Everything else is kept, in order.
 */
export function oneMessagePerMissingKey(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const groups = new Map<
    string,
    { first: Diagnostic; linkers: string[]; head: string; tail: string }
  >();
  const kept: (Diagnostic | string)[] = [];
  for (const d of diagnostics) {
    const match = d.code === "no-public-key" ? LINKED_BY.exec(d.message) : null;
    if (!match) {
      kept.push(d);
      continue;
    }
    const [, head = "", linker = "", tail = ""] = match;
    const key = `${d.path.join("\u0000")}\u0000${head}\u0000${tail}`;
    const group = groups.get(key);
    if (group) {
      if (!group.linkers.includes(linker)) group.linkers.push(linker);
      continue;
    }
    groups.set(key, { first: d, linkers: [linker], head, tail });
    kept.push(key);
  }
  return kept.map((item) => {
    if (typeof item !== "string") return item;
    const { first, linkers, head, tail } = groups.get(item) as NonNullable<
      ReturnType<typeof groups.get>
    >;
    if (linkers.length === 1) return first;
    const listed = linkers.slice(0, LISTED).join(", ");
    const more = linkers.length > LISTED ? ` and ${linkers.length - LISTED} more` : "";
    return {
      ...first,
      message: `${head}${linkers.length} peers link to (${listed}${more})${tail}`,
    };
  });
}
