/**
 * A word in single quotes, as every shell the project writes for reads it back (bash, which
 * runs wg-quick's hooks; sh; zsh and fish, for completions): each `'` closed, escaped and
 * opened again.
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
