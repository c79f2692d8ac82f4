/**
 * Commands the CLI suggests in its messages (`see \`wirenix explain net.yaml a b\``) are meant
 * to be pasted into a shell: every word quoted the way a POSIX shell reads it back.
 */

import { shellQuote } from "../core/shell-quote.js";

/** A word as a POSIX shell reads it: as is when it is plain, else in single quotes. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : shellQuote(text);
}

/** A command line of words, each quoted as needed. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}
