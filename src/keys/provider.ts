/**
 * Key providers answer three questions for the local peer: a remote peer's public key, the file
 * holding the local private key, the file holding a subnet's preshared key. Providers are asked
 * in the order the user gave; the first answer wins.
 */
import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ConfigTree } from "../core/config-tree.js";
import { diagnostic, InputError, type Mismatch, type PathSegment } from "../core/diagnostics.js";
import { describeSecret, isKeyText } from "../core/secrets.js";
import { derivePublicKey } from "../network/curve25519.js";
import type { NetPeer, NetSubnet, Network } from "../network/model.js";
import {
  KEY_PATH_EXPECTED,
  type KeyPath,
  keyPathProblem,
  type PublicKey,
  parseKeyPath,
  parsePublicKey,
  parseWireguardKey,
  type WireguardKey,
} from "../network/values.js";
import { keyFiles, readKeyFile } from "./key-dir.js";

/** What a provider is told about the run and the peer being configured. */
export interface KeyProviderContext {
  network: Network;
  peer: NetPeer;
  /** Name of the configurer in use (some secrets need another group for networkd). */
  configurer: string;
  secretsDir?: string;
  keysDir?: string;
  /** Shared by every peer of one run, for answers worth computing once (files read, ...). */
  cache: Map<string, unknown>;
}

/** A provider's answers for one local peer; `undefined` means "ask the next provider". */
export interface PeerKeyAnswers {
  publicKeyOf?(remote: NetPeer): string | undefined;
  privateKeyFile?(): string | undefined;
  presharedKeyFile?(subnet: NetSubnet): string | undefined;
  /**
   * The local private key itself, where the provider holds it here (the ACL's `privateKey`, a
   * keys directory): what `--inline-private-keys` and `qr` write into a configuration.
   */
  privateKey?(): string | undefined;
  /** Where `privateKey` comes from (a file, an ACL path), for messages; never the key. */
  privateKeySource?(): string;
  /** A subnet's preshared key itself, where the provider holds it here. */
  presharedKey?(subnet: NetSubnet): string | undefined;
  /** Extra configuration the provider needs (secret declarations, ...). */
  config?(): ConfigTree | undefined;
  /** One line telling the user how this provider could have answered, for error messages. */
  hint?: { publicKey?(remote: NetPeer): string; privateKeyFile?(): string };
}

/**
 * What is wrong with the run's options for a key provider: the sentence, without any flag of
 * the command line, and the option (`keysDir`, `secretsDir`) that fixes it, which the CLI shows
 * as its flag after the message.
 */
export interface KeyProviderOptionProblem {
  message: string;
  option?: "keysDir" | "secretsDir";
}

export interface KeyProvider {
  name: string;
  description: string;
  /**
   * Problems with the run's options, found before any peer is configured. A plain string is
   * shown as it is, as the whole message (a provider written before options were named).
   */
  checkOptions?(options: {
    secretsDir?: string;
    keysDir?: string;
  }): KeyProviderOptionProblem | string | undefined;
  forPeer(context: KeyProviderContext): PeerKeyAnswers;
}

/** How a message names the directory each option gives. */
const DIRECTORY_WORDS = { keysDir: "a keys directory", secretsDir: "a secrets directory" } as const;

/** The `checkOptions` of a provider that reads its keys from the directory `option` gives. */
export function requiresDirectory(
  provider: string,
  option: "keysDir" | "secretsDir",
): NonNullable<KeyProvider["checkOptions"]> {
  return (options) =>
    options[option] === undefined
      ? { message: `the ${provider} key provider needs ${DIRECTORY_WORDS[option]}`, option }
      : undefined;
}

/** Identity helper that gives plugin authors type checking for free. */
export function defineKeyProvider(provider: KeyProvider): KeyProvider {
  return provider;
}

/** What a provider should have answered, and what it did instead (described, never shown). */
type Problem = Omit<Mismatch, "context">;

/**
 * A key a provider answered, parsed, or what is wrong with it (never the key itself). A
 * provider is a plugin's code too: its answer is input, read here once.
 */
function parseAnswer<K extends WireguardKey>(
  key: unknown,
  parse: (text: string) => K | undefined,
): K | Problem {
  if (typeof key !== "string") return { expected: "a string", received: describeSecret(key) };
  return (
    parse(key) ?? {
      expected: "32 bytes in base64 (44 characters, as `wg` prints)",
      received: describeSecret(key),
    }
  );
}

/**
 * A file path a provider answered, parsed, or what is wrong with it. A path goes into files as
 * they are written (a wg-quick PostUp line, a Nix string that nixpkgs puts into a root unit's
 * script): only a safe absolute path may (see `keyPathProblem`), and a key given where its file
 * was meant would be published. `known` is the ACL's own path for it, parsed with the ACL.
 */
function parsePathAnswer(path: unknown, known: KeyPath | undefined): KeyPath | Problem {
  if (path === known && known !== undefined) return known;
  if (typeof path !== "string")
    return { expected: "a file path (a string)", received: describeSecret(path) };
  if (isKeyText(path))
    return {
      expected: "the path of the file that holds the key",
      received: `what looks like a key itself (${describeSecret(path)})`,
    };
  return (
    parseKeyPath(path) ?? {
      expected: `${KEY_PATH_EXPECTED} (${keyPathProblem(path) ?? "refused"})`,
      received: JSON.stringify(path),
    }
  );
}

/** The ordered providers of one local peer, answering as one. */
export class PeerKeys {
  readonly #answers: { name: string; answers: PeerKeyAnswers }[];
  readonly #peer: NetPeer;
  readonly #keysDir: string | undefined;
  readonly #publicKeys = new Map<NetPeer, PublicKey>();
  /** Whether an answered key file path is in the keys directory (see `namesKeysDirFiles`). */
  #namedKeysDirFile = false;

  constructor(providers: readonly KeyProvider[], context: KeyProviderContext) {
    this.#peer = context.peer;
    this.#keysDir = context.keysDir;
    this.#answers = providers.map((p) => ({
      name: p.name,
      answers: p.forPeer(context),
    }));
  }

  /**
   * Whether a private or preshared key file the providers answered is in the keys directory:
   * a path on the machine that runs wirenix, which the configuration then names.
   */
  get namesKeysDirFiles(): boolean {
    return this.#namedKeysDirFile;
  }

  #noteKeysDirFile(file: string): void {
    if (this.#keysDir !== undefined && file.startsWith(`${resolve(this.#keysDir)}/`))
      this.#namedKeysDirFile = true;
  }

  #names(): string {
    return this.#answers.map((a) => a.name).join(", ");
  }

  /** An answer that fails its check stops the run, naming the provider and the peer. */
  #refuse(provider: string, path: PathSegment[], what: string, problem: Problem): never {
    throw new InputError([
      diagnostic("error", "invalid-key-provider-answer", path, {
        context: `key provider ${JSON.stringify(provider)} answered ${what} while configuring peer ${JSON.stringify(this.#peer.name)}`,
        ...problem,
      }),
    ]);
  }

  publicKeyOf(remote: NetPeer): PublicKey {
    const known = this.#publicKeys.get(remote);
    if (known !== undefined) return known;
    for (const { name, answers } of this.#answers) {
      const answer: unknown = answers.publicKeyOf?.(remote);
      if (answer !== undefined && answer !== "") {
        // The ACL's own key (the `acl` provider's answer) was parsed with the ACL.
        const key =
          answer === remote.publicKey ? remote.publicKey : parseAnswer(answer, parsePublicKey);
        if (typeof key !== "string")
          this.#refuse(
            name,
            ["peers", remote.index, "publicKey"],
            `a bad public key for peer ${JSON.stringify(remote.name)}`,
            key,
          );
        this.#publicKeys.set(remote, key);
        return key;
      }
    }
    const hints = this.#answers.flatMap((a) => a.answers.hint?.publicKey?.(remote) ?? []);
    throw new InputError([
      diagnostic(
        "error",
        "no-public-key",
        ["peers", remote.index, "publicKey"],
        `no public key for peer ${JSON.stringify(remote.name)}, which ${JSON.stringify(this.#peer.name)} links to (key providers asked: ${this.#names()})${hints.length ? `; ${hints.join("; ")}` : ""}`,
      ),
    ]);
  }

  privateKeyFile(): KeyPath {
    for (const { name, answers } of this.#answers) {
      const answer: unknown = answers.privateKeyFile?.();
      if (answer !== undefined && answer !== "") {
        const file = parsePathAnswer(answer, this.#peer.privateKeyFile);
        if (typeof file !== "string")
          this.#refuse(
            name,
            ["peers", this.#peer.index, "privateKeyFile"],
            "a bad private key file",
            file,
          );
        this.#noteKeysDirFile(file);
        return file;
      }
    }
    const hints = this.#answers.flatMap((a) => a.answers.hint?.privateKeyFile?.() ?? []);
    throw new InputError([
      diagnostic(
        "error",
        "no-private-key",
        ["peers", this.#peer.index, "privateKeyFile"],
        `no private key file for peer ${JSON.stringify(this.#peer.name)} (key providers asked: ${this.#names()})${hints.length ? `; ${hints.join("; ")}` : ""}`,
      ),
    ]);
  }

  /** May be unanswered: a subnet without a preshared key is fine. */
  presharedKeyFile(subnet: NetSubnet): KeyPath | undefined {
    for (const { name, answers } of this.#answers) {
      const answer: unknown = answers.presharedKeyFile?.(subnet);
      if (answer !== undefined && answer !== "") {
        const file = parsePathAnswer(answer, subnet.presharedKeyFile);
        if (typeof file !== "string")
          this.#refuse(
            name,
            ["subnets", subnet.index, "presharedKeyFile"],
            `a bad preshared key file for subnet ${JSON.stringify(subnet.name)}`,
            file,
          );
        this.#noteKeysDirFile(file);
        return file;
      }
    }
    return undefined;
  }

  /** A key a provider answered, parsed; undefined when it has none. */
  #checkedKey(
    provider: string,
    answer: unknown,
    path: PathSegment[],
    what: string,
  ): WireguardKey | undefined {
    if (answer === undefined || answer === "") return undefined;
    const key = parseAnswer(answer, parseWireguardKey);
    if (typeof key !== "string") this.#refuse(provider, path, what, key);
    return key;
  }

  /**
   * The private key itself, for a configuration that carries it (`--inline-private-keys`,
   * `qr`): from the first provider that holds it, else read from the file the providers name
   * when that file is the peer's own in the keys directory (`DIR/<peer>.key`; see
   * `#ownKeyFile`). Its public key must be the peer's (see `checkOwnPrivateKey`). Never part of
   * a message.
   */
  privateKey(): string {
    for (const { name, answers } of this.#answers) {
      const given = this.#checkedKey(
        name,
        answers.privateKey?.(),
        ["peers", this.#peer.index],
        "a bad private key",
      );
      if (given === undefined) continue;
      const source = answers.privateKeySource?.() ?? `key provider ${JSON.stringify(name)}`;
      this.checkOwnPrivateKey(given, source);
      return given;
    }
    const missing = (why: string) =>
      new InputError([
        diagnostic(
          "error",
          "no-private-key",
          ["peers", this.#peer.index, "privateKey"],
          `no private key for peer ${JSON.stringify(this.#peer.name)} to write into its configuration: ${why}`,
        ),
      ]);
    // The keys directory is where the key is read from: its file missing is the whole story
    // (whatever path the ACL names is never read, see #ownKeyFile).
    if (this.#keysDir !== undefined) {
      const own = join(this.#keysDir, keyFiles.privateKey(this.#peer.name));
      if (!existsSync(own)) throw missing(`${own} does not exist`);
    }
    let file: string;
    try {
      file = this.privateKeyFile();
    } catch {
      throw missing(
        `the ACL has no privateKey and no key file was found (key providers asked: ${this.#names()})`,
      );
    }
    const own = this.#ownKeyFile(file, keyFiles.privateKey(this.#peer.name));
    if (own !== true) throw missing(`${file} is not read, since ${own}`);
    const key = readKeyFile(file);
    if (key === undefined)
      throw missing(
        `${file} is not readable here or holds no WireGuard key (key providers asked: ${this.#names()})`,
      );
    this.checkOwnPrivateKey(key, file);
    return key;
  }

  /**
   * Whether a file a provider names may be read for its key here: only the peer's or subnet's
   * own file in the keys directory (`name`: `<peer>.key`, `<subnet>.psk`), compared after
   * following symlinks. Otherwise an ACL (a pull request) could name any key file this machine
   * can read (another network's hub key, say) and have it copied into the configuration given
   * to its peer. True, or the reason it may not.
   */
  #ownKeyFile(file: string, name: string): true | string {
    const rule = `keys are read into a configuration only from the keys directory (DIR/${name}), never from a path the ACL or a provider names`;
    if (this.#keysDir === undefined) return rule;
    const own = join(resolve(this.#keysDir), name);
    try {
      if (realpathSync(file) === realpathSync(own)) return true;
    } catch {
      // Either does not exist: not the peer's own file.
    }
    return `it is not ${own} (${rule})`;
  }

  /**
   * Stops the run when `privateKey` (read from `source`: a file or an ACL path) is not the
   * peer's: its public key must be the ACL's `publicKey` of the peer, or when the ACL has none,
   * the one the key providers give for it (the one every other peer is configured with). A key
   * of another peer would otherwise be written into this peer's configuration, and a wrong key
   * makes a tunnel that silently never completes a handshake. The key is never in the message.
   */
  checkOwnPrivateKey(privateKey: string, source: string): void {
    const peer = this.#peer;
    let expected: { key: PublicKey; from: string; path: PathSegment[] } | undefined;
    if (peer.publicKey !== undefined)
      expected = {
        key: peer.publicKey,
        from: `peers[${peer.index}].publicKey in the ACL`,
        path: ["peers", peer.index, "publicKey"],
      };
    else
      for (const { name, answers } of this.#answers) {
        const answer: unknown = answers.publicKeyOf?.(peer);
        const key = typeof answer === "string" ? parsePublicKey(answer) : undefined;
        if (key !== undefined) {
          expected = {
            key,
            from: `the public key key provider ${JSON.stringify(name)} gives for ${JSON.stringify(peer.name)}`,
            path: ["peers", peer.index, "publicKey"],
          };
          break;
        }
      }
    if (expected === undefined || derivePublicKey(privateKey) === expected.key) return;
    throw new InputError([
      diagnostic(
        "error",
        "key-mismatch",
        expected.path,
        `the private key from ${source} is not peer ${JSON.stringify(peer.name)}'s: its public key differs from ${expected.from}; it is not written into the configuration of ${JSON.stringify(peer.name)} (check that ${source} holds this peer's key, or correct its publicKey)`,
      ),
    ]);
  }

  /**
   * A subnet's preshared key itself (see `privateKey`), or undefined when the subnet has none;
   * an error when it has one that cannot be read here.
   */
  presharedKey(subnet: NetSubnet): string | undefined {
    const found = this.presharedKeyHere(subnet);
    if (found === undefined || typeof found === "string") return found;
    throw new InputError([
      diagnostic(
        "error",
        "no-preshared-key",
        ["subnets", subnet.index, "presharedKeyFile"],
        `no preshared key for subnet ${JSON.stringify(subnet.name)} to write into the configuration of ${JSON.stringify(this.#peer.name)}: ${found.file} ${found.refused === undefined ? "is not readable here or holds no WireGuard key" : `is not read, since ${found.refused}`}`,
      ),
    ]);
  }

  /**
   * A subnet's preshared key itself when it is found here, or the file the providers name for
   * it when that cannot be read here (the target machine's path; `refused` says why it was not
   * even tried: only the subnet's own file in the keys directory is read, see `#ownKeyFile`),
   * or undefined when the subnet has no preshared key.
   */
  presharedKeyHere(subnet: NetSubnet): string | { file: string; refused?: string } | undefined {
    for (const { name, answers } of this.#answers) {
      const given = this.#checkedKey(
        name,
        answers.presharedKey?.(subnet),
        ["subnets", subnet.index, "presharedKeyFile"],
        `a bad preshared key for subnet ${JSON.stringify(subnet.name)}`,
      );
      if (given !== undefined) return given;
    }
    const file = this.presharedKeyFile(subnet);
    if (file === undefined) return undefined;
    const own = this.#ownKeyFile(file, keyFiles.presharedKey(subnet.name));
    if (own !== true) return { file, refused: own };
    return readKeyFile(file) ?? { file };
  }

  /** The providers' extra configuration, in provider order. */
  configs(): ConfigTree[] {
    const configs: ConfigTree[] = [];
    for (const { answers } of this.#answers) {
      const config = answers.config?.();
      if (config) configs.push(config);
    }
    return configs;
  }
}
