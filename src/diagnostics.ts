/**
 * Errors are data: every stage reports problems as `Diagnostic`s (code, severity, path, message)
 * and only the CLI prints them and picks the exit code.
 */

import { printable } from "./printable.js";
import { describeSecret, isSecretName, looksLikeKey } from "./secrets.js";

/** One step into a document: an object key or an array index. */
export type PathSegment = string | number;

/** Every code a diagnostic can carry, so tests and scripts can rely on them. */
export type DiagnosticCode =
  | "load-failed"
  | "syntax-error"
  | "unsupported-format"
  | "nix-unavailable"
  | "invalid-value"
  | "missing-key"
  | "unknown-key"
  | "unknown-version"
  | "duplicate-name"
  | "unknown-reference"
  | "invalid-key"
  | "invalid-address"
  | "devname-too-long"
  | "devname-clash"
  | "no-public-key"
  | "no-private-key"
  | "non-member-selected"
  | "unsupported-option"
  | "unknown-peer"
  | "unknown-plugin"
  | "plugin-failed"
  | "merge-conflict"
  | "usage"
  | "policy-passed"
  | "no-common-family"
  | "own-address-allowed"
  | "network-address"
  | "rule-never-matches"
  | "unreachable-target"
  | (string & {});

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** Where in the input the problem is; empty for problems that concern the whole file. */
  path: readonly PathSegment[];
  message: string;
  /** The input file, when the problem is inside one. */
  file?: string;
  line?: number;
  column?: number;
}

/** A value, or every reason there is none. Callers cannot forget the failure case. */
export type Result<T> =
  | { ok: true; value: T; warnings: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

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
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
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

/** Builds a diagnostic with the file left for the caller to fill in. */
export function diagnostic(
  severity: Severity,
  code: DiagnosticCode,
  path: readonly PathSegment[],
  message: string,
): Diagnostic {
  return { code, severity, path, message };
}

/** Collects diagnostics while a stage runs. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];
  error(code: DiagnosticCode, path: readonly PathSegment[], message: string): void {
    this.items.push(diagnostic("error", code, path, message));
  }
  warn(code: DiagnosticCode, path: readonly PathSegment[], message: string): void {
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
  /** Ends the stage: a failure if any error was reported, else the value with the warnings. */
  result<T>(value: () => T): Result<T> {
    if (this.hasErrors) return { ok: false, diagnostics: this.items };
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
