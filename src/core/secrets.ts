/**
 * Keeping secrets out of messages. A private or preshared key is never echoed, valid or not:
 * where a message would show one it shows its length and what is wrong with its shape instead
 * (`<redacted, 45 characters, ends with a line break>`), which is enough to fix it.
 *
 * Three guards, from the most to the least precise: values at secret keys (`privateKey`,
 * `presharedKey`, in any object) are described, never shown; any string that looks like a key
 * is treated alike wherever it appears (a key pasted into `privateKeyFile` or a name); and
 * diagnostics about a loaded ACL are scrubbed of every stretch of its secrets (see
 * `SecretScrubber`), for whatever message a rule or a plugin words on its own.
 */

/** Object keys whose values are secrets (compared without case, `-` or `_`). */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  "privatekey",
  "presharedkey",
  "psk",
  "secretkey",
]);

export function isSecretName(key: string | number): boolean {
  return typeof key === "string" && SECRET_NAMES.has(key.toLowerCase().replace(/[-_]/g, ""));
}

/** True when a path inside the ACL leads to or through a secret key. */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  return path.some(isSecretName);
}

/**
 * Stretches that could be a WireGuard key or most of one: 40 or more characters of one base64
 * alphabet (standard, or URL-safe), with upper and lower case letters. Words and
 * sentences have spaces, Nix store hashes are lower case, and paths and names are words
 * joined by `/`, `-` or `_`.
 */
const KEY_LIKE = /[A-Za-z0-9+/]{40,}={0,2}|[A-Za-z0-9_-]{40,}={0,2}/g;

function keyLike(run: string): boolean {
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run)) return false;
  if (run.startsWith("/") && run.indexOf("/", 1) > 0) return false;
  // A key has a separator (/, - or _) in about one place of 64 (more than 6 in one key: about
  // once in a million); names and paths are short words joined by them.
  const parts = run.split(/[/_-]/);
  return parts.length <= 7 || Math.max(...parts.map((part) => part.length)) >= 16;
}

export function looksLikeKey(value: string): boolean {
  for (const match of value.matchAll(KEY_LIKE)) if (keyLike(match[0])) return true;
  return false;
}

/**
 * True when the whole text is a key, or one a little off (a line break or spaces around it,
 * padding missing, the URL-safe alphabet, a character more or less): what someone pasted
 * where a file path belongs. Strict, so that no real path is mistaken for one.
 */
export function isKeyText(value: string): boolean {
  const text = value.trim();
  if (/^[A-Za-z0-9+/]{41,45}={1,2}[A-Za-z0-9+/]{0,3}$/.test(text)) return true;
  return (
    (/^[A-Za-z0-9+/]{42,44}$/.test(text) || /^[A-Za-z0-9_-]{42,44}={0,2}$/.test(text)) &&
    keyLike(text)
  );
}

/** `text` with every key-like stretch replaced by its redacted description. */
export function redactKeyLike(text: string): string {
  return text.replace(KEY_LIKE, (run) =>
    keyLike(run) ? `<redacted, ${run.length} characters>` : run,
  );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A secret's description: its type, or for a string its length and what is wrong with it
 * (never a character of it).
 */
export function describeSecret(value: unknown): string {
  if (typeof value !== "string") {
    if (value === null || value === undefined || typeof value === "boolean") return String(value);
    return Array.isArray(value) ? "<redacted list>" : `<redacted ${typeof value}>`;
  }
  const notes: string[] = [`${value.length} characters`];
  const trimmed = value.trim();
  if (/[\r\n]$/.test(value))
    notes.push(
      "ends with a line break (builtins.readFile keeps it: use lib.fileContents; in YAML use |- or a plain scalar)",
    );
  else if (trimmed !== value) notes.push("has spaces around it");
  const outside = [...trimmed].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c));
  if (trimmed.length >= 40 && /^[A-Za-z0-9_-]+=*$/.test(trimmed) && /[-_]/.test(trimmed))
    notes.push("uses the URL-safe base64 alphabet (- and _); WireGuard keys use + and /");
  else if (outside >= 0) notes.push(`character ${outside + 1} is not base64`);
  else if (!BASE64.test(trimmed)) notes.push("has = padding before its end");
  return `<redacted, ${notes.join(", ")}>`;
}

type Kind = "secret" | "public" | "other";

/**
 * The strings at secret keys anywhere in `data`, and the key-like strings anywhere but at a
 * `publicKey` (a private key pasted into the wrong place), walked without recursion.
 */
export function secretsIn(data: unknown): string[] {
  const found: string[] = [];
  const stack: [unknown, Kind][] = [[data, "other"]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, kind] = item;
    if (typeof node === "string") {
      if (kind === "secret" || (kind === "other" && looksLikeKey(node))) found.push(node);
    } else if (Array.isArray(node)) for (const child of node) stack.push([child, kind]);
    else if (typeof node === "object" && node !== null)
      for (const [key, child] of Object.entries(node))
        stack.push([
          child,
          kind === "secret" || isSecretName(key)
            ? "secret"
            : key.toLowerCase() === "publickey"
              ? "public"
              : "other",
        ]);
  }
  return found;
}

/** Stretches of a secret this long or longer are never printed. */
const WINDOW = 10;

/**
 * Removes from messages every stretch of at least 10 characters of the given secrets, however
 * a message came to hold it (quoted, escaped, cut short). Public keys in an ACL are not
 * secrets, so only strings at secret keys and key-like strings out of place are given here.
 */
export class SecretScrubber {
  readonly #windows = new Set<string>();
  readonly #sizes = new Set<number>();

  constructor(secrets: Iterable<string>) {
    for (const secret of secrets) {
      // The body without surrounding white space: that is what a message would quote.
      const body = secret.trim();
      if (body.length < 8) continue;
      const size = Math.min(WINDOW, body.length);
      this.#sizes.add(size);
      for (let i = 0; i + size <= body.length; i++) this.#windows.add(body.slice(i, i + size));
    }
  }

  get empty(): boolean {
    return this.#windows.size === 0;
  }

  scrub(text: string): string {
    if (this.#windows.size === 0) return text;
    const hidden = new Uint8Array(text.length);
    let any = false;
    for (const size of this.#sizes)
      for (let i = 0; i + size <= text.length; i++)
        if (this.#windows.has(text.slice(i, i + size))) {
          hidden.fill(1, i, i + size);
          any = true;
        }
    if (!any) return text;
    let out = "";
    for (let i = 0; i < text.length; ) {
      if (hidden[i] === 0) {
        out += text[i];
        i++;
        continue;
      }
      let end = i;
      while (hidden[end] === 1) end++;
      out += "<redacted>";
      i = end;
    }
    return out;
  }
}

/**
 * A copy of `value` with every value at a secret key replaced by its description, for showing
 * free-form data (extraArgs) that a user may have put a key into.
 */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T;
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    copy[key] = isSecretName(key) ? describeSecret(inner) : redactSecrets(inner);
  return copy as T;
}
