/**
 * What the library's commands take as an ACL: a file to read, a file's text, or data already
 * parsed. Each is read into a `Network` by the registry's parsers, every diagnostic placed in
 * the file (line and column where the format keeps them) with the ACL's secrets kept out.
 */
import {
  type AclLimits,
  DEFAULT_LIMITS,
  type LoadedAcl,
  loadAcl,
  parseAclText,
} from "../acl/load.js";
import { locateDiagnostics, parseAcl } from "../acl/parse.js";
import type { Diagnostic, Result } from "../core/diagnostics.js";
import type { Network } from "../network/model.js";
import { createRegistry, type Registry } from "./registry.js";

/**
 * An ACL: the path of a file (`.json`, `.yaml`/`.yml`, `.toml` or `.nix`), the text of one
 * (`file` names it in messages and gives its format by extension), or its data already parsed
 * (`file` only names it in messages).
 */
export type AclInput = string | { file: string; text: string } | { file?: string; data: unknown };

/** What every library command takes besides the ACL. */
export interface AclOptions {
  /** The parsers, configurers and key providers (default: the built-in ones). */
  registry?: Registry;
  /** Bounds on reading the ACL (default: `DEFAULT_LIMITS`). */
  limits?: Partial<AclLimits>;
}

/** An ACL read into its network, and how to place later diagnostics in its file. */
export interface ReadAcl {
  network: Network;
  registry: Registry;
  /** Gives diagnostics found after reading (keys, lints) the ACL's file, line and column. */
  locate(diagnostics: readonly Diagnostic[]): Diagnostic[];
}

/** The name an ACL input goes by in messages. */
export function aclName(input: AclInput): string {
  return typeof input === "string" ? input : (input.file ?? "ACL");
}

/** Reads, parses and resolves an ACL; warnings of reading come with the result. */
export function readAcl(input: AclInput, options: AclOptions = {}): Result<ReadAcl> {
  const registry = options.registry ?? createRegistry();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  let loaded: LoadedAcl;
  if (typeof input === "string" || "text" in input) {
    const read =
      typeof input === "string"
        ? loadAcl(input, limits)
        : parseAclText(input.file, input.text, limits);
    if (!read.ok) return read;
    loaded = read.value;
  } else {
    loaded = { file: input.file ?? "ACL", data: input.data, locate: () => undefined };
  }
  const parsed = parseAcl(loaded.data, registry);
  if (!parsed.ok) return { ok: false, diagnostics: locateDiagnostics(loaded, parsed.diagnostics) };
  return {
    ok: true,
    value: {
      network: parsed.value,
      registry,
      locate: (diagnostics) => locateDiagnostics(loaded, diagnostics),
    },
    warnings: locateDiagnostics(loaded, parsed.warnings),
  };
}
