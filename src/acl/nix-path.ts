/**
 * What a `.nix` ACL may read. An ACL changes through pull requests, and `generate` runs where
 * every key is, often as root: its evaluation must not read the machine's files, the
 * environment or the network. So it is evaluated in Nix's restricted mode, with only the ACL's
 * own directory and the search path entries the user names (`--nix-path NAME` or
 * `--nix-path NAME=DIR`) readable, and no fetcher allowed.
 */
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";

/** One `<NAME>` a Nix ACL may import, and the directory (or file) it stands for. */
export interface NixPathEntry {
  name: string;
  path: string;
}

/** The search path name under which the ACL's own directory is made readable. */
export const ACL_DIR_ENTRY = "wirenix-acl-dir";

const ENTRY_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/** A `NAME=VALUE` element of NIX_PATH; URLs keep their `scheme://`. */
function nixPathEntries(nixPath: string): Map<string, string> {
  const entries = new Map<string, string>();
  const parts = nixPath.split(":");
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i] as string;
    // `nixpkgs=https://host/x.tar.gz`: the colon of the scheme is no separator.
    while (i + 1 < parts.length && (parts[i + 1] as string).startsWith("//")) {
      i++;
      part += `:${parts[i]}`;
    }
    const eq = part.indexOf("=");
    if (eq > 0 && !entries.has(part.slice(0, eq)))
      entries.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return entries;
}

/**
 * The entry a `--nix-path` value names: `NAME=DIR` (DIR relative to the working directory), or
 * `NAME` alone for that entry of NIX_PATH (`envNixPath`). Throws an Error with the reason.
 */
export function parseNixPathFlag(text: string, envNixPath: string | undefined): NixPathEntry {
  const eq = text.indexOf("=");
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!ENTRY_NAME.test(name))
    throw new Error(
      `expected NAME or NAME=DIR with NAME made of letters, digits and . _ + - (found ${JSON.stringify(name)})`,
    );
  if (name === ACL_DIR_ENTRY) throw new Error(`${ACL_DIR_ENTRY} is the ACL's own directory`);
  let value: string;
  if (eq >= 0) value = text.slice(eq + 1);
  else {
    const fromEnv = nixPathEntries(envNixPath ?? "").get(name);
    if (fromEnv === undefined)
      throw new Error(
        `NIX_PATH has no entry ${name}=... (${envNixPath ? `it is ${JSON.stringify(envNixPath)}` : "it is not set"}); give its directory as ${name}=DIR`,
      );
    value = fromEnv;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw new Error(
      `${name} is the URL ${JSON.stringify(value)}: a .nix ACL is evaluated without fetching anything; give a local directory (${name}=DIR)`,
    );
  if (value === "" || !existsSync(value))
    throw new Error(`${name}: ${JSON.stringify(value)} does not exist`);
  return { name, path: realpathSync(resolve(value)) };
}

/**
 * The options of nix-instantiate for a restricted evaluation of the ACL in `aclDir`: restricted
 * mode (reads only under the search path, `builtins.getEnv` gives ""), the search path replaced
 * by the ACL's directory and `entries` (NIX_PATH and nix.conf's `nix-path` are not read), no
 * URI allowed to fetchers, no import from derivation, no `builtins.exec`. Pure evaluation is not
 * used: Nix refuses any file outside the store there, the ACL itself included.
 */
export function restrictedEvalArgs(aclDir: string, entries: readonly NixPathEntry[]): string[] {
  const args = [
    ...["--option", "restrict-eval", "true"],
    ...["--option", "nix-path", ""],
    ...["--option", "allowed-uris", ""],
    ...["--option", "allow-import-from-derivation", "false"],
    ...["--option", "allow-unsafe-native-code-during-evaluation", "false"],
    ...["-I", `${ACL_DIR_ENTRY}=${aclDir}`],
  ];
  for (const entry of entries) args.push("-I", `${entry.name}=${entry.path}`);
  return args;
}
