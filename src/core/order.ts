/**
 * Nix orders attribute names by their UTF-8 bytes; every sorted output of Wirenix (peers in an
 * interface, keys of an attribute set) follows that order so ours matches the original's.
 */

function isSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdfff;
}

/**
 * Compares two names as Nix does: by UTF-8 bytes. UTF-8 byte order is code point order, which
 * equals UTF-16 code unit order except where a surrogate is involved, so only that case (rare in
 * names) pays for encoding; sorting a thousand hosts entries per peer stays cheap.
 */
export function compareNames(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (isSurrogate(x) || isSurrogate(y) || (i > 0 && isSurrogate(a.charCodeAt(i - 1))))
      return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x < y ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  // One is a prefix of the other; a surrogate at the cut changes how that prefix encodes.
  if (length > 0 && isSurrogate(a.charCodeAt(length - 1)))
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a.length < b.length ? -1 : 1;
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if (compareNames(keys[i - 1] as string, keys[i] as string) > 0) return false;
  return true;
}

/** Option sets have a few dozen keys at most. */
const SHAPE_KEYS_LIMIT = 64;
/** Shapes remembered per first key: objects made by one piece of code share a few at most. */
const SHAPES_PER_FIRST_KEY = 8;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sortKeys(keys: string[]): string[] {
  if (inOrder(keys)) return keys;
  keys.sort();
  return inOrder(keys) ? keys : keys.sort(compareNames);
}

/**
 * The keys of objects in Nix order, for one run (kept in its RunContext). Objects made by the
 * same code have the same keys in the same order (a million peer entries in a big network,
 * say): their order is worked out once and the same array is returned for all of them, so
 * callers may keep facts about it (keyed by the array) but must not change it. For a new list
 * of keys: configurers mostly write keys in order already, so this checks first; then it tries
 * the engine's own sort (UTF-16 order, which is Nix order unless surrogates are involved, and
 * several times faster than a comparator) and verifies it.
 */
export class KeyOrder {
  /** Key lists seen before, by their first key, with the same keys in Nix order. */
  readonly #shapes = new Map<string, { keys: readonly string[]; sorted: readonly string[] }[]>();

  sortedKeys(object: object): readonly string[] {
    const keys = Object.keys(object);
    const first = keys[0];
    // Objects keyed by data (hosts by address, say) are large and rarely repeat a shape.
    if (first === undefined || keys.length > SHAPE_KEYS_LIMIT) return sortKeys(keys);
    let shapes = this.#shapes.get(first);
    if (shapes) {
      for (const shape of shapes) if (sameKeys(shape.keys, keys)) return shape.sorted;
    } else {
      shapes = [];
      this.#shapes.set(first, shapes);
    }
    const sorted = sortKeys([...keys]);
    if (shapes.length < SHAPES_PER_FIRST_KEY) shapes.push({ keys, sorted });
    return sorted;
  }
}
