/**
 * The small value types of an ACL (keys, addresses, endpoint hosts), each parsed or checked in
 * one place so the rest of the code can trust them.
 */
import { isIPv4, isIPv6 } from "node:net";
import { isKeyText } from "../core/secrets.js";

const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** A WireGuard key as `wg` prints it: 32 bytes in standard base64 (44 characters). */
export function isWireguardKey(value: string): boolean {
  return BASE64_KEY.test(value);
}

declare const keyKind: unique symbol;

/** Whose key it is: a peer's public or private key, or a subnet's preshared key. */
export type KeyKind = "public" | "private" | "preshared";

/**
 * A WireGuard key checked once, where it was read (the ACL, a key file, a key provider's
 * answer): only the parsers below make one, so code that holds one never checks it again.
 */
export type WireguardKey<K extends KeyKind = KeyKind> = string & { readonly [keyKind]: K };
export type PublicKey = WireguardKey<"public">;
export type PrivateKey = WireguardKey<"private">;

function parseKey<K extends KeyKind>(text: string): WireguardKey<K> | undefined {
  return isWireguardKey(text) ? (text as WireguardKey<K>) : undefined;
}

/** The public key `text` is, or undefined when it is no WireGuard key. */
export const parsePublicKey: (text: string) => PublicKey | undefined = parseKey;
/** The private key `text` is, or undefined when it is no WireGuard key. */
export const parsePrivateKey: (text: string) => PrivateKey | undefined = parseKey;
/** A key of any kind (read where its kind is not known), or undefined when it is none. */
export const parseWireguardKey: (text: string) => WireguardKey | undefined = parseKey;

/**
 * Whether `value` carries an IPv6 zone ID (`fe80::5%lo`). A zone names an interface of one host,
 * so it means nothing in another host's configuration, and nftables refuses it (`unexpected
 * junk`): a rule file with one fails to load, and with it every table loaded beside it. Node's
 * `isIPv6` accepts zones, so every address check here refuses them first.
 */
export function hasZoneId(value: string): boolean {
  return value.includes("%");
}

/** What a zone ID is and why it is refused, for messages. */
export const ZONE_ID_EXPECTED =
  'expected an address without an IPv6 zone ID ("%lo", "%eth0": a zone names an interface of one host, and nftables cannot load it)';

function isIPv6Address(value: string): boolean {
  return !hasZoneId(value) && isIPv6(value);
}

/** An address as written in `ipAddresses`: a bare IPv4/IPv6 address or one with `/len`. */
export function isAddressOrCidr(value: string): boolean {
  if (hasZoneId(value)) return false;
  const slash = value.indexOf("/");
  if (slash < 0) return isIPv4(value) || isIPv6(value);
  const ip = value.slice(0, slash);
  const len = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len)) return false;
  const bits = Number(len);
  if (isIPv4(ip)) return bits <= 32;
  if (isIPv6(ip)) return bits <= 128;
  return false;
}

/** A bare IPv4 or IPv6 address, without prefix length. */
export function isIPAddress(value: string): boolean {
  return isIPv4(value) || isIPv6Address(value);
}

/** An IPv4 network with its prefix length: `10.0.0.0/24`. */
export function isIPv4Cidr(value: string): boolean {
  const slash = value.indexOf("/");
  return slash > 0 && isIPv4(value.slice(0, slash)) && isAddressOrCidr(value);
}

const HOST_LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`);

/** What an endpoint `ip` may be: an IPv4 or IPv6 address (brackets allowed) or a DNS name. */
export function isEndpointHost(value: string): boolean {
  if (value.startsWith("[") && value.endsWith("]")) return isIPv6Address(value.slice(1, -1));
  return isIPv4(value) || isIPv6Address(value) || HOSTNAME.test(value);
}

/** True for addresses written with a colon, which is how the original tells IPv6 apart. */
export function looksLikeIPv6(address: string): boolean {
  return address.includes(":");
}

/**
 * What a key or secret path may be made of. Such a path reaches places that read it as code:
 * nixpkgs' scripted `networking.wireguard` puts it into a root unit's shell script between
 * double quotes (`wg set "wg0" private-key "<path>"`), wg-quick's PostUp runs it through bash,
 * systemd reads it in unit files (`%` specifiers, `\` escapes, quotes, `;`), agenix copies it
 * into its activation script. None of these characters means anything to any of them: no
 * white space, quote, `$`, backtick, `\`, `;`, `%`, `#`, `*`, `?`, `[`, `~`, `!`, control or
 * non-ASCII character (those also hide from a reviewer reading the diff).
 */
const KEY_PATH_CHARACTER = /[A-Za-z0-9._+@=,:/-]/;

/** The allowed characters, in words, for messages. */
export const KEY_PATH_EXPECTED =
  "an absolute path of letters, digits and . _ + @ = , : - between single slashes, without . or .. parts";

/**
 * Why `path` cannot name a key file, or undefined when it can: an absolute path (a relative one
 * means whatever the working directory of the reader is) made only of safe characters (see
 * `KEY_PATH_CHARACTER`), normalised (no `.` or `..` part, no `//`, no trailing `/`), so that
 * what a reviewer reads is the file that is read. `absolute: false` is for directories given
 * on the command line that may stay relative (`--secrets-dir`, made into flake paths).
 */
export function keyPathProblem(path: string, absolute = true): string | undefined {
  if (path === "") return "it is empty";
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (!KEY_PATH_CHARACTER.test(c)) {
      const shown = JSON.stringify(c).slice(1, -1);
      return `character ${i + 1} is ${c === " " ? "a space" : `"${shown}"`}, which shells, systemd or INI readers give a meaning to`;
    }
  }
  if (absolute && !path.startsWith("/")) return "it is relative";
  const parts = path.split("/");
  const body = path.startsWith("/") ? parts.slice(1) : parts;
  if (body.some((p) => p === "")) return "it has an empty part (// or a trailing /)";
  if (body.some((p) => p === "." || p === "..")) return "it has a . or .. part";
  return undefined;
}

declare const keyPath: unique symbol;

/**
 * The path of a key file, checked once where it was read (the ACL, a key provider's answer):
 * a safe absolute path (`keyPathProblem`) that is not a key pasted in its place.
 */
export type KeyPath = string & { readonly [keyPath]: true };

/** The key file path `text` is, or undefined when it is none (see `keyPathProblem`). */
export function parseKeyPath(text: string): KeyPath | undefined {
  return !isKeyText(text) && keyPathProblem(text) === undefined ? (text as KeyPath) : undefined;
}
