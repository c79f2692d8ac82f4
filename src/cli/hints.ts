/**
 * The library words its problems without the command line's flags (a problem of how a command
 * was asked names the option in `Diagnostic.option`); the CLI names the flag that fixes one
 * after the message, by the option or by the problem's code, as it prints it.
 */
import type { Diagnostic, DiagnosticCode } from "../core/diagnostics.js";

/** The flag of each library option a problem can be about. */
const FLAGS: Record<string, string> = {
  out: "--out DIR",
  merge: "--merge",
  subnet: "--subnet",
  inlinePrivateKeys: "--inline-private-keys",
  privateKeyFile: "--private-key-file",
  keysDir: "--keys-dir",
  secretsDir: "--secrets-dir",
  maxBytes: "--max-acl-size SIZE",
  nixTimeoutSeconds: "--nix-timeout SECONDS",
  nixPath: "--nix-path NAME[=DIR]",
  devNameMethod: "--dev-name-method hash",
  pool: "--pool",
  rotate: "--rotate NAME",
  updatesAcl: "keys generate --update-acl",
  recipients: "--recipients FILE",
};

/** The flag that fixes a problem of this code. */
const BY_CODE: Partial<Record<DiagnosticCode, string>> = {
  "secret-not-printed": "--out DIR",
  "devname-too-long": "--dev-name-method hash",
  "devname-clash": "--dev-name-method hash",
  "stale-public-key": "keys generate --update-acl, or generate --keys-dir DIR",
};

/** The diagnostics with the flag of the CLI after each message that has one. */
export function withFlagHints(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => {
    const hint = (d.option === undefined ? undefined : FLAGS[d.option]) ?? BY_CODE[d.code];
    return hint === undefined ? d : { ...d, message: `${d.message} (${hint})` };
  });
}
