/**
 * Configurers that produce files instead of NixOS options (wg-quick, networkd-files, hosts).
 * Their output stays a plain `ConfigTree`, `{ files: { "<relative path>": { text, secret } } }`,
 * so it prints, merges and travels through plugins like every other configuration; only the
 * CLI turns it into files. The names that end up in file names and file contents are checked
 * here, so a bad ACL name is reported at its ACL path and never written.
 */
import type { ConfigTree } from "../../core/config-tree.js";
import { isConfigTree } from "../../core/config-tree.js";
import { diagnostic, InputError } from "../../core/diagnostics.js";
import { SAFE_FILE_NAME } from "../../io/file-names.js";
import type { Link, NetSubnet } from "../../network/model.js";
import type { IniEntry, IniSection } from "../printers/ini.js";
import type { ConfigureContext, Configurer } from "./configurer.js";
import { warnUnsupportedRefresh } from "./endpoint-support.js";
import { sharedPeerEntry } from "./peer-entries.js";

/**
 * One file of a peer's output. Every file is written 0600 in a 0700 directory (each holds or
 * names keys); a `secret` file holds a key itself and is never printed to standard output.
 */
export interface GeneratedFile {
  text: string;
  secret: boolean;
}

/** Relative path (`/`-separated, no `..`) → file. */
export type FileSet = Record<string, GeneratedFile>;

/** Where a file made by `piecedFile` keeps its pieces (a symbol: no printer or merge sees it). */
const PIECES = Symbol("wirenix.file-pieces");

interface PiecedFile extends GeneratedFile {
  readonly [PIECES]?: readonly string[] | undefined;
}

/**
 * A file whose text is made of `pieces` (see `toIniPieces`): its `text` is joined only when
 * read (printing it, merging it, a plugin changing it), and a writer that takes the pieces
 * (`--out`) never makes the one big string. Setting `text` replaces the pieces.
 */
export function piecedFile(pieces: readonly string[], secret: boolean): GeneratedFile {
  let text: string | undefined;
  let current: readonly string[] | undefined = pieces;
  const file: PiecedFile = {
    secret,
    get text() {
      text ??= pieces.join("");
      return text;
    },
    set text(value: string) {
      text = value;
      current = undefined;
    },
  };
  // Not enumerable: the file compares equal to `{ text, secret }` and copies as one.
  Object.defineProperty(file, PIECES, { get: () => current, enumerable: false });
  return file;
}

/** The pieces of a file made by `piecedFile` whose text was not changed since, if it is one. */
export function filePieces(file: GeneratedFile): readonly string[] | undefined {
  return (file as PiecedFile)[PIECES];
}

/** The same file again: its pieces kept (and so not joined) when it has them. */
function copyOf(file: GeneratedFile): GeneratedFile {
  const pieces = filePieces(file);
  return pieces ? piecedFile(pieces, file.secret) : { text: file.text, secret: file.secret };
}

/** A file configurer: what a plugin author writes to add one. */
export interface FileConfigurerSpec {
  name: string;
  description: string;
  files(context: ConfigureContext): FileSet;
  /** See `Configurer.interfaceFile`. */
  interfaceFile?(device: string): string;
  /** See `Configurer.peerFile`. */
  peerFile?: string;
}

/** A configurer whose output is files (the CLI writes them under `--out DIR/<peer>/`). */
export function defineFileConfigurer(spec: FileConfigurerSpec): Configurer {
  return {
    name: spec.name,
    description: spec.description,
    output: "files",
    ...(spec.interfaceFile ? { interfaceFile: spec.interfaceFile } : {}),
    ...(spec.peerFile ? { peerFile: spec.peerFile } : {}),
    configure: (context) => {
      const files: ConfigTree = {};
      for (const [path, file] of Object.entries(spec.files(context)))
        files[path] = copyOf(file) as unknown as ConfigTree;
      return { files };
    },
  };
}

/** Why `path` cannot be a path under a peer's directory, or undefined when it can. */
export function relativePathProblem(path: string): string | undefined {
  const parts = path.split("/");
  if (parts.some((part) => !SAFE_FILE_NAME.test(part) || part.length > 255))
    return "each part must be letters, digits and . _ + @ = -, not starting with . or -";
  return undefined;
}

/**
 * The files of a file configurer's tree, in path order; anything else is a bug of that
 * configurer (possibly a plugin's), reported as such.
 */
export function filesOf(tree: ConfigTree, configurer: string): [string, GeneratedFile][] {
  const bad = (why: string): never => {
    throw new Error(
      `configurer ${JSON.stringify(configurer)} returned an invalid file tree: ${why}`,
    );
  };
  const files = tree.files;
  if (!isConfigTree(files)) return bad("expected { files: { <path>: { text, secret } } }");
  const out: [string, GeneratedFile][] = [];
  for (const path of Object.keys(files).sort()) {
    const file = files[path];
    const problem = relativePathProblem(path);
    if (problem) bad(`${JSON.stringify(path)}: ${problem}`);
    if (!isConfigTree(file) || typeof file.secret !== "boolean")
      return bad(`${JSON.stringify(path)}: expected { text: string, secret: boolean }`);
    const generated = file as unknown as GeneratedFile;
    // A pieced file's text is a string by construction: asking would join it.
    if (filePieces(generated) === undefined && typeof generated.text !== "string")
      return bad(`${JSON.stringify(path)}: expected { text: string, secret: boolean }`);
    out.push([path, copyOf(generated)]);
  }
  return out;
}

/** wg-quick takes an interface name from its file name only when it matches this. */
const WG_QUICK_DEVICE = /^[A-Za-z0-9_=+.-]{1,15}$/;

/**
 * The device name of the peer's interface on `subnet`, checked for use in file names
 * (`<dev>.conf`, `50-<dev>.netdev`) and as wg-quick takes it.
 */
export function fileDeviceName(context: ConfigureContext, subnet: NetSubnet): string {
  const device = context.deviceName(subnet);
  if (!WG_QUICK_DEVICE.test(device) || !SAFE_FILE_NAME.test(device)) {
    throw new InputError([
      {
        ...diagnostic(
          "error",
          "invalid-value",
          ["subnets", subnet.index, "name"],
          `device name ${JSON.stringify(device)} (from subnet ${JSON.stringify(subnet.name)}) cannot be used in a file name: use letters, digits and _ = + . - only, not starting with . or -, or the hash naming method`,
        ),
        option: "devNameMethod",
      },
    ]);
  }
  return device;
}

// Host names: no whitespace (the field separator), no '#' (comment), nothing unprintable.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const HOST_NAME_PART = /^[^\s#\u0000-\u001f\u007f\u0085\u2028\u2029]+$/;

/** Checks that a peer's and a subnet's names make a usable `/etc/hosts` name `peer.subnet`. */
export function checkHostName(context: ConfigureContext, peer: string, subnet: string): string {
  for (const [kind, name] of [
    ["peers", peer],
    ["subnets", subnet],
  ] as const) {
    if (HOST_NAME_PART.test(name)) continue;
    const index =
      kind === "peers" ? context.network.peer(name)?.index : context.network.subnet(name)?.index;
    throw new InputError([
      diagnostic(
        "error",
        "invalid-value",
        [kind, index ?? 0, "name"],
        `${JSON.stringify(name)} cannot be part of a host name in a hosts file: it contains whitespace, '#' or a control character`,
      ),
    ]);
  }
  return `${peer}.${subnet}`;
}

/**
 * `PrivateKey = …` for `--inline-private-keys`: the key itself, from wherever the key providers
 * find it (the ACL's `privateKey`, the keys directory; see `PeerKeys.privateKey`), marked secret so
 * its file is written 0600.
 */
export function inlinePrivateKeyEntry(context: ConfigureContext): IniEntry {
  const { peer } = context;
  return {
    key: "PrivateKey",
    value: context.keys.privateKey(),
    path: ["peers", peer.index, "privateKey"],
    secret: true,
  };
}

/**
 * `PresharedKey = …` for `--inline-private-keys`, when the subnet's preshared key is found here
 * (a provider holds it, or it is the subnet's own file in the keys directory); undefined
 * otherwise (the configuration then names its file, as without the flag).
 */
function inlinePresharedKeyEntry(
  context: ConfigureContext,
  subnet: NetSubnet,
): IniEntry | undefined {
  const value = context.keys.presharedKeyHere(subnet);
  if (typeof value !== "string") return undefined;
  return {
    key: "PresharedKey",
    value,
    path: ["subnets", subnet.index, "presharedKeyFile"],
    secret: true,
  };
}

/**
 * A subnet's preshared key in a file configuration: `inline` (`--inline-private-keys`) when it
 * is found here (see `inlinePresharedKeyEntry`); otherwise its `file`, as without inlining; neither when the subnet has none.
 */
export function presharedKeyOf(
  context: ConfigureContext,
  subnet: NetSubnet,
): { inline?: IniEntry; file?: string } {
  const inline =
    context.options.inlinePrivateKeys === true
      ? inlinePresharedKeyEntry(context, subnet)
      : undefined;
  if (inline) return { inline };
  const file = context.keys.presharedKeyFile(subnet);
  return file === undefined ? {} : { file };
}

/**
 * A peer section of a file configuration (`section` names it as `reader` does): the remote
 * peer's name as a comment, its public key, then `entries` (which may use only the link and the
 * preshared key `psk`), then its endpoint and keepalive. Hosts linked to a peer alike (every
 * host of a mesh) share one section, which the printer prints once (see `toIni`). Warns, for
 * each host, about endpoint settings `reader` ignores.
 */
export function filePeerSection(
  context: ConfigureContext,
  subnet: NetSubnet,
  link: Link,
  { section, reader }: { section: string; reader: string },
  psk: { inline?: IniEntry | undefined; file?: string | undefined },
  entries: () => readonly (IniEntry | undefined)[],
): IniSection {
  warnUnsupportedRefresh(context, subnet, link, reader);
  const publicKey = context.keys.publicKeyOf(link.peer);
  const variant =
    psk.inline !== undefined
      ? `inline ${psk.inline.value}`
      : psk.file === undefined
        ? undefined
        : `file ${psk.file}`;
  return sharedPeerEntry<IniSection>(
    context.run,
    `ini ${section}`,
    link,
    publicKey,
    variant,
    () => {
      const remotePath = ["peers", link.peer.index] as const;
      const { endpoint } = link;
      return {
        name: section,
        comments: [{ text: link.peer.name, path: [...remotePath, "name"] }],
        entries: [
          { key: "PublicKey", value: publicKey },
          ...entries(),
          endpoint.address === undefined
            ? undefined
            : { key: "Endpoint", value: endpoint.address, path: [...remotePath, "endpoints"] },
          endpoint.persistentKeepalive === undefined
            ? undefined
            : { key: "PersistentKeepalive", value: endpoint.persistentKeepalive },
        ],
      };
    },
  );
}
