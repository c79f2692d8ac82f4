/**
 * Memoised string functions. Generating all hosts of a large network asks the same small
 * questions (the AllowedIPs form of an address, a hosts name) once per peer that links to it;
 * answering from a table also hands every configuration the same flat string, instead of a new
 * concatenation the printer has to flatten again.
 */

/** `fn` with its answers kept; the table is emptied when it reaches `limit`, so memory stays bounded. */
export function memoize(fn: (text: string) => string, limit = 100_000): (text: string) => string {
  const table = new Map<string, string>();
  return (text) => {
    let answer = table.get(text);
    if (answer === undefined) {
      answer = fn(text);
      if (table.size >= limit) table.clear();
      table.set(text, answer);
    }
    return answer;
  };
}

/**
 * `text` made one piece in memory. Text built with `+` is a tree of pieces that is walked
 * again each time it is written; text reused in many places (a shared subtree in every host)
 * is better walked once, here. Reading a character is what makes the engine do it.
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
