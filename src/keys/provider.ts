/**
 * Key providers answer three questions for the local peer: a remote peer's public key, the file
 * holding the local private key, the file holding a subnet's preshared key. Providers are asked
 * in the order the user gave; the first answer wins.
 */
import type { ConfigTree } from "../config-tree.js";
import { diagnostic, InputError } from "../diagnostics.js";
import type { NetPeer, NetSubnet, Network } from "../network/model.js";

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
  /** Extra configuration the provider needs (secret declarations, ...). */
  config?(): ConfigTree | undefined;
  /** One line telling the user how this provider could have answered, for error messages. */
  hint?: { publicKey?(remote: NetPeer): string; privateKeyFile?(): string };
}

export interface KeyProvider {
  name: string;
  description: string;
  /** Problems with the run's options, found before any peer is configured. */
  checkOptions?(options: { secretsDir?: string; keysDir?: string }): string | undefined;
  forPeer(context: KeyProviderContext): PeerKeyAnswers;
}

/** Identity helper that gives plugin authors type checking for free. */
export function defineKeyProvider(provider: KeyProvider): KeyProvider {
  return provider;
}

/** The ordered providers of one local peer, answering as one. */
export class PeerKeys {
  readonly #answers: { name: string; answers: PeerKeyAnswers }[];
  readonly #peer: NetPeer;
  readonly #network: Network;
  readonly #publicKeys = new Map<string, string>();

  constructor(providers: readonly KeyProvider[], context: KeyProviderContext) {
    this.#peer = context.peer;
    this.#network = context.network;
    this.#answers = providers.map((p) => ({ name: p.name, answers: p.forPeer(context) }));
  }

  #names(): string {
    return this.#answers.map((a) => a.name).join(", ");
  }

  publicKeyOf(remoteName: string): string {
    const cached = this.#publicKeys.get(remoteName);
    if (cached !== undefined) return cached;
    const remote = this.#network.peer(remoteName);
    if (!remote) throw new Error(`internal error: no peer ${remoteName}`);
    for (const { answers } of this.#answers) {
      const key = answers.publicKeyOf?.(remote);
      if (key !== undefined && key !== "") {
        this.#publicKeys.set(remoteName, key);
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

  privateKeyFile(): string {
    for (const { answers } of this.#answers) {
      const file = answers.privateKeyFile?.();
      if (file !== undefined && file !== "") return file;
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
  presharedKeyFile(subnetName: string): string | undefined {
    const subnet = this.#network.subnet(subnetName);
    if (!subnet) return undefined;
    for (const { answers } of this.#answers) {
      const file = answers.presharedKeyFile?.(subnet);
      if (file !== undefined && file !== "") return file;
    }
    return undefined;
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
