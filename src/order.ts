/**
 * Nix orders attribute names by their UTF-8 bytes; every sorted output of Wirenix (peers in an
 * interface, keys of an attribute set) follows that order so ours matches the original's.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

/** Compares two names as Nix does: by UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The keys of an object in Nix order. */
export function sortedKeys(object: object): string[] {
  return Object.keys(object).sort(compareNames);
}
