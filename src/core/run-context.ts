/**
 * The state of one run. Generating all hosts of a big network asks the same small questions
 * many times (a peer's entry, a printed key, the order of an object's keys); the answers are
 * kept here, in a value the caller creates and passes down (one per `Generator`, or one per
 * printing call when none is given), never in a module. When the caller drops the context,
 * everything it kept goes with it, so a long-running process (an editor plugin, a server)
 * calling `generate` again and again carries nothing from one run to the next.
 */
export class RunContext {
  readonly #pieces = new Map<string, unknown>();
  readonly #shared = new WeakSet<object>();

  /**
   * The piece kept under `key`, made by `make` the first time it is asked for. Modules use it
   * for their tables (a module-named key: `"emit/nix"`) and configurers for pieces of
   * configuration several hosts hold.
   */
  share<T>(key: string, make: () => T): T {
    let piece = this.#pieces.get(key) as T | undefined;
    if (piece === undefined && !this.#pieces.has(key)) {
      piece = make();
      this.#pieces.set(key, piece);
    }
    return piece as T;
  }

  /**
   * Marks `tree` as held by several configurations of this run (every host of a mesh holds
   * the same entry for a peer), so the printers print it once and reuse the text. It is
   * frozen, so a change made for one host cannot show in the others.
   */
  shareSubtree<T extends object>(tree: T): T {
    this.#shared.add(deepFreeze(tree));
    return tree;
  }

  /** Whether `tree` was marked by `shareSubtree` in this run. */
  isShared(tree: object): boolean {
    return this.#shared.has(tree);
  }

  /** `fn` with its answers kept for this run, one table per `key`. */
  remembered(key: string, fn: (text: string) => string): (text: string) => string {
    return this.share(key, () => {
      const table = new Map<string, string>();
      return (text: string) => {
        let answer = table.get(text);
        if (answer === undefined) {
          answer = fn(text);
          table.set(text, answer);
        }
        return answer;
      };
    });
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const item of Object.values(value))
    if (typeof item === "object" && item !== null) deepFreeze(item);
  return Object.freeze(value);
}
