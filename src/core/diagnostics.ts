/**
 * Errors are data: every stage reports problems as `Diagnostic`s (code, severity, path, message)
 * and only the CLI prints them and picks the exit code.
 */

import { printable } from "./printable.js";
import { describeSecret, isSecretName, looksLikeKey } from "./secrets.js";

/** One step into a document: an object key or an array index. */
export type PathSegment = string | number;

/**
 * Every code a diagnostic can carry, so tests and scripts can rely on them: a closed list (an
 * unknown code is a type error). A new code is added here, with what it means.
 */
export type DiagnosticCode =
  // Reading the ACL
  /** The ACL file could not be read or evaluated (missing, unreadable, Nix failed). */
  | "load-failed"
  /** The ACL text is not valid JSON, YAML, TOML or Nix. */
  | "syntax-error"
  /** The ACL file's extension names no format Wirenix reads. */
  | "unsupported-format"
  /** A Nix ACL, but no `nix-instantiate` to evaluate it. */
  | "nix-unavailable"
  // Validating the ACL
  /** A value of the wrong type or out of range. */
  | "invalid-value"
  /** A required key is absent. */
  | "missing-key"
  /** A key no ACL object has (a warning: the original ignores it). */
  | "unknown-key"
  /** The ACL's `version` is one Wirenix does not read. */
  | "unknown-version"
  /** Two subnets, groups or peers with one name, or with names equal except for case. */
  | "duplicate-name"
  /**
   * An IPv6 address with a zone ID (`fe80::5%lo`): it names an interface of one host, and
   * nftables cannot load it.
   */
  | "ipv6-zone-id"
  /**
   * A member address with prefix length 0 (`10.0.0.2/0`): its AllowedIPs are every address.
   * An error in an ACL with `rules`, a warning otherwise (the original accepts it).
   */
  | "address-prefix-zero"
  /** A name that refers to no subnet, group or peer. */
  | "unknown-reference"
  /** A private key written into the ACL, where every reader of the file sees it. */
  | "unsafe-secret"
  /** An exit node that is the peer itself, not a member or not linked, or clashes with a kernel table. */
  | "invalid-exit-node"
  /** A subnet's relay that is not a member of it. */
  | "invalid-relay"
  /** A prefix of a named network (`networks`) that no peer's `routes` hold: nobody routes it. */
  | "unrouted-network"
  /**
   * A rule that cannot mean anything: a side naming both peers and networks, or the internet
   * as a source.
   */
  | "invalid-rule"
  // Resolving and configuring
  /** A connection selects a peer that is not a member of the subnet (a warning). */
  | "non-member-selected"
  /** Two subnets of one peer get the same device name. */
  | "devname-clash"
  /** A device name longer than Linux's 15 characters. */
  | "devname-too-long"
  /** A device name Linux refuses (space, `/`, `:`, `.`, `..`). */
  | "devname-invalid"
  /** An ACL option the chosen configurer cannot express. */
  | "unsupported-option"
  /** Two peers merged into one host disagree on a setting. */
  | "merge-conflict"
  /** `--peer` names a peer the ACL does not have. */
  | "unknown-peer"
  // Keys
  /** A file that should hold a WireGuard key holds none. */
  | "invalid-key"
  /** No key provider knows the peer's public key. */
  | "no-public-key"
  /** No key provider knows the peer's private key, and the output needs it. */
  | "no-private-key"
  /** A subnet's preshared key is needed but cannot be read. */
  | "no-preshared-key"
  /** A key provider answered something that is not a key or a path. */
  | "invalid-key-provider-answer"
  /**
   * The configurations name key files by their path in the keys directory on the machine that
   * generated them: each host must have its keys at that very path (a warning).
   */
  | "keys-dir-path"
  /** No age recipient for a secret that must be encrypted. */
  | "no-recipients"
  /** The ACL's publicKey is not the one in the keys directory (a warning after `keys generate`, an error in `check --keys-dir`). */
  | "stale-public-key"
  // Editing and writing files
  /** The ACL changed on disk while Wirenix was editing it. */
  | "acl-changed"
  /** Another Wirenix run kept the ACL locked for editing longer than this one waited. */
  | "acl-busy"
  /** An edit the ACL file cannot take in its own layout without changing its meaning. */
  | "edit-failed"
  /** `add-peer` found no free address left in the subnet's ipv4Pool. */
  | "pool-full"
  /** A file could not be written; nothing half-written is left. */
  | "write-failed"
  // Plugins and the command line
  /** A plugin module could not be loaded or threw. */
  | "plugin-failed"
  /** Wrong flags or arguments (exit 2). */
  | "usage"
  /** A file holding a secret would be printed: secrets are written into files only. */
  | "secret-not-printed"
  /** The file of the interface asked for is not among the files the configurer wrote. */
  | "no-interface-file"
  // check: lints (src/analysis/lints/)
  /** Two members of a subnet with one address. */
  | "duplicate-address"
  /** An address outside the range another member declares for the subnet (a warning). */
  | "address-outside-range"
  /** An IPv4 address outside its subnet's ipv4Pool, or its network/broadcast address. */
  | "address-outside-pool"
  /** AllowedIPs of two peers overlap on an interface that links to both. */
  | "allowed-ips-overlap"
  /** One network routed by two peers that a third links to. */
  | "duplicate-route"
  /** Two interfaces of one peer listen on one port. */
  | "duplicate-listen-port"
  /** Linked peers of which neither has an endpoint for the other (a warning). */
  | "no-usable-endpoint"
  /** A peer nobody can dial that sends no keepalive toward a peer it dials (a warning). */
  | "missing-keepalive"
  /** A connection side or an endpoint match selects no peer (a warning). */
  | "filter-selects-nobody"
  /** A connection that links no two different peers (a warning). */
  | "connection-links-nobody"
  /** No peer is in the group (a warning). */
  | "empty-group"
  /**
   * A connection's or endpoint match's filter names a group no peer is in (a warning): `is`
   * selects no one, `not` everyone, which a misspelt group name makes silently.
   */
  | "empty-group-filter"
  /** No peer is a member of the subnet (a warning). */
  | "empty-subnet"
  /** The subnet has members, but no connection links two of them (a warning). */
  | "subnet-without-connection"
  /** A peer in no subnet, or linked to no one (a warning). */
  | "isolated-peer"
  /** A peer's interface on one subnet would have no peers (a warning). */
  | "unlinked-interface"
  /** A public key that is not a usable Curve25519 point. */
  | "invalid-public-key"
  /** Two peers with one public key. */
  | "duplicate-public-key"
  /** A private key that is not its peer's: its public key is not the peer's publicKey. */
  | "key-mismatch"
  /** A name that cannot be (error) or is not portably (warning) a file name. */
  | "unsafe-file-name"
  /** A name with a NUL character, which no Nix string holds. */
  | "unsafe-nix-attr"
  /** A name an INI value (wg-quick, systemd) cannot carry. */
  | "unsafe-ini-value"
  /** A name that makes an invalid DNS name in networking.hosts (a warning). */
  | "invalid-host-name"
  // check: policy tests
  /** A policy test of the wrong shape. */
  | "invalid-test"
  /** A policy test that does not hold. */
  | "policy-failed"
  /** A policy assertion that holds (`check --format json` only, severity `info`). */
  | "policy-passed"
  // check: lints of addresses, rules and tests
  /** Two linked peers with no address family in common: the link carries nothing (a warning). */
  | "no-common-family"
  /** A remote peer's AllowedIPs hold the local peer's own address (a warning). */
  | "own-address-allowed"
  /** An interface address that is its network's address, host part zero (a warning). */
  | "network-address"
  /** An access rule whose `from` and `to` share no link or route: it never matches (a warning). */
  | "rule-never-matches"
  /** Access rules a peer's platform cannot load (no nftables there): it is unfiltered (a warning). */
  | "rules-not-enforced"
  /** A policy test target no link or route could ever reach (a warning). */
  | "unreachable-target";

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** Where in the input the problem is; empty for problems that concern the whole file. */
  path: readonly PathSegment[];
  /** The whole text; where `expected` is given, rendered from the fields by `mismatchMessage`. */
  message: string;
  /** What belongs at `path`, in words ("an integer 1-65535"), when a value is wrong or missing. */
  expected?: string;
  /**
   * What was there instead, as shown to users (`describeValue`: shortened, never a secret); left
   * out when nothing was.
   */
  received?: string;
  /**
   * The option of the request the problem is about (`out`, `merge`, `subnet`, `keysDir`, ...),
   * for a problem of how a command was asked rather than of the ACL. Messages name no flag of
   * the command line; the CLI names the flag of this option after the message.
   */
  option?: string;
  /** The input file, when the problem is inside one. */
  file?: string;
  line?: number;
  column?: number;
}

/** A list with at least one element, by type. */
export type NonEmpty<T> = [T, ...T[]];

/** Whether a list has at least one element (narrowing it to `NonEmpty`). */
export function isNonEmpty<T>(items: T[]): items is NonEmpty<T> {
  return items.length > 0;
}

/** `items.map(f)`, keeping that there is at least one. */
export function mapNonEmpty<T, U>(items: NonEmpty<T>, f: (item: T) => U): NonEmpty<U> {
  const [first, ...rest] = items;
  return [f(first), ...rest.map(f)];
}

/**
 * A value, or every reason there is none. Callers cannot forget the failure case, and a failure
 * always says why: it carries at least one diagnostic.
 */
export type Result<T> =
  | { ok: true; value: T; warnings: Diagnostic[] }
  | { ok: false; diagnostics: NonEmpty<Diagnostic> };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Renders a path the way users write it: `peers[2].subnets.lan.listenPort`, `subnets["a.b"]`. */
export function renderPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * `file: path: message (line L, column C)`, leaving out what is unknown: one line, with every
 * unprintable character escaped (the message may quote a name or value from the ACL).
 */
export function formatDiagnostic(d: Diagnostic): string {
  const parts: string[] = [];
  if (d.file !== undefined) parts.push(d.file);
  if (d.path.length > 0) parts.push(renderPath(d.path));
  const where = d.line === undefined ? "" : ` (line ${d.line}, column ${d.column ?? 1})`;
  const prefix = d.severity === "warning" ? "warning: " : "";
  return printable(`${prefix}${[...parts, d.message].join(": ")}${where}`);
}

/**
 * Shows a user's value in a message without flooding the terminal, and without any secret in
 * it: values at secret keys and key-like strings are described, not shown (see secrets.ts).
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  // JSON would show these as null; YAML's .inf and .nan reach us as such numbers.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string" && looksLikeKey(value)) return describeSecret(value);
  let text: string;
  try {
    text =
      JSON.stringify(value, (key, inner: unknown) =>
        isSecretName(key) || (typeof inner === "string" && looksLikeKey(inner))
          ? describeSecret(inner)
          : inner,
      ) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Shared by every copy of this module (Symbol.for is global to the process). */
const INPUT_ERROR = Symbol.for("wirenix.InputError");

/**
 * Thrown inside a stage when input makes going on impossible; the stage boundary turns it back
 * into a failed `Result`. Anything else that escapes is a bug in Wirenix.
 */
export class InputError extends Error {
  readonly diagnostics: NonEmpty<Diagnostic>;
  constructor(diagnostics: NonEmpty<Diagnostic>) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "InputError";
    this.diagnostics = diagnostics;
    Object.defineProperty(this, INPUT_ERROR, { value: true });
  }

  /**
   * A plugin imports the library, while the command line runs from its bundle: two copies of
   * this class. An error thrown by either is recognised by its mark, not by its class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && INPUT_ERROR in value;
  }
}

/** A wrong or missing value: what belongs there and what was found, as data. */
export interface Mismatch {
  /** What the message says before the mismatch ("missing", "key provider ... answered ..."). */
  context?: string;
  expected: string;
  received?: string;
}

/**
 * The one wording of a mismatch, so that every "expected ..., got ..." reads alike and tests
 * can compare the fields instead of the text: `[context: ]expected X[, got Y]`.
 */
export function mismatchMessage({ context, expected, received }: Mismatch): string {
  const text =
    received === undefined ? `expected ${expected}` : `expected ${expected}, got ${received}`;
  return context === undefined ? text : `${context}: ${text}`;
}

/** Builds a diagnostic with the file left for the caller to fill in. */
export function diagnostic(
  severity: Severity,
  code: DiagnosticCode,
  path: readonly PathSegment[],
  message: string | Mismatch,
): Diagnostic {
  if (typeof message === "string") return { code, severity, path, message };
  const d: Diagnostic = { code, severity, path, message: mismatchMessage(message) };
  d.expected = message.expected;
  if (message.received !== undefined) d.received = message.received;
  return d;
}

/** A problem of the request's `option` (see `Diagnostic.option`). */
export function optionProblem(
  severity: Severity,
  code: DiagnosticCode,
  option: string,
  message: string,
): Diagnostic {
  return { code, severity, path: [], message, option };
}

/** Collects diagnostics while a stage runs. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];
  error(code: DiagnosticCode, path: readonly PathSegment[], message: string | Mismatch): void {
    this.items.push(diagnostic("error", code, path, message));
  }
  warn(code: DiagnosticCode, path: readonly PathSegment[], message: string | Mismatch): void {
    this.items.push(diagnostic("warning", code, path, message));
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === "error");
  }
  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === "warning");
  }
  /**
   * Everything reported, for a stage that failed: it fails only after reporting an error, so a
   * failure without one is a bug in Wirenix.
   */
  get failure(): NonEmpty<Diagnostic> {
    const items = this.items;
    if (!this.hasErrors || !isNonEmpty(items)) throw new Error("a stage failed without an error");
    return items;
  }
  /** Ends the stage: a failure if any error was reported, else the value with the warnings. */
  result<T>(value: () => T): Result<T> {
    if (this.hasErrors) return { ok: false, diagnostics: this.failure };
    return { ok: true, value: value(), warnings: this.warnings };
  }
}

/** Runs a stage body, turning a thrown `InputError` into a failed result. */
export function catchInput<T>(body: () => Result<T>): Result<T> {
  try {
    return body();
  } catch (error) {
    if (error instanceof InputError) return { ok: false, diagnostics: error.diagnostics };
    throw error;
  }
}
