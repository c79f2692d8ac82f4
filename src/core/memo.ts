/**
 * `text` made one piece in memory. Text built with `+` is a tree of pieces that is walked
 * again each time it is written; text reused in many places (a shared subtree in every host)
 * is better walked once, here. Reading a character is what makes the engine do it.
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
