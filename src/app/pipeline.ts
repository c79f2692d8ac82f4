/**
 * The pipeline of design.md in one place: load → parse(version) → Network → configure(peer).
 * The CLI and library users call these; nothing downstream re-reads the raw ACL.
 */

import { resolve } from "node:path";
import { type AclLimits, type LoadedAcl, loadAcl } from "../acl/load.js";
import { locateDiagnostics, parseAcl } from "../acl/parse.js";
import type { ConfigTree, ConfigValue } from "../core/config-tree.js";
import { mergeConfigs } from "../core/config-tree.js";
import {
  catchInput,
  type Diagnostic,
  Diagnostics,
  describeValue,
  diagnostic,
  InputError,
  isNonEmpty,
  optionProblem,
  type Result,
} from "../core/diagnostics.js";
import { didYouMean } from "../core/did-you-mean.js";
import { RunContext } from "../core/run-context.js";
import { type KeyProvider, PeerKeys } from "../keys/provider.js";
import { type DevNameMethod, deviceName, MAX_DEVICE_NAME_LENGTH } from "../network/devname.js";
import { noHandshakeWarning } from "../network/handshake.js";
import type { NetPeer, Network } from "../network/model.js";
import { unenforcedRules, unenforcedRulesWarning } from "../network/platform.js";
import { KEY_PATH_EXPECTED, keyPathProblem } from "../network/values.js";
import type {
  ConfigureContext,
  Configurer,
  NixosPeerShape,
} from "../render/configurers/configurer.js";
import type { Registry } from "./registry.js";

/** A network read from a file, with what was read (its data, and where each path is in it). */
export type ReadNetwork =
  | Extract<Result<Network>, { ok: false }>
  | (Extract<Result<Network>, { ok: true }> & { loaded: LoadedAcl });

/** Loads and parses an ACL file within `limits`; every diagnostic names the file. */
export function readNetwork(file: string, registry: Registry, limits?: AclLimits): ReadNetwork {
  const loaded = loadAcl(file, limits);
  if (!loaded.ok) return loaded;
  const parsed = parseAcl(loaded.value.data, registry);
  if (!parsed.ok)
    return { ok: false, diagnostics: locateDiagnostics(loaded.value, parsed.diagnostics) };
  return {
    ...parsed,
    warnings: locateDiagnostics(loaded.value, parsed.warnings),
    loaded: loaded.value,
  };
}

/** How `generate` turns the network into per-peer configuration. */
export interface GenerateOptions {
  configurer: string;
  /** Asked in this order; the first answer wins. */
  keyProviders: readonly string[];
  devNameMethod: DevNameMethod;
  nixosPeerShape: NixosPeerShape;
  secretsDir?: string;
  keysDir?: string;
  inlinePrivateKeys?: boolean;
}

export const DEFAULT_OPTIONS: GenerateOptions = {
  configurer: "static",
  keyProviders: ["acl"],
  devNameMethod: "short",
  nixosPeerShape: "flat",
};

/**
 * The key providers of a run that names none: a keys directory given alone means its keys
 * (`dir`), with the ACL's own after it; otherwise the ACL's.
 */
export function defaultKeyProviders(keysDir: string | undefined): string[] {
  return keysDir === undefined ? ["acl"] : ["dir", "acl"];
}

/** Configures peers of one network with one set of options. */
export class Generator {
  readonly network: Network;
  readonly options: GenerateOptions;
  readonly configurer: Configurer;
  /**
   * This generator's run: every cache and every piece its configurations share. Print them
   * with it (`toNix(config, indent, generator.run)`) so what they share is printed once.
   */
  readonly run = new RunContext();
  readonly #providers: readonly KeyProvider[];
  readonly #warned = new Set<string>();
  /** Peers whose links no handshake can start on were warned about (each pair once). */
  readonly #noHandshakeWarned = new Set<NetPeer>();
  readonly warnings: Diagnostic[] = [];

  private constructor(
    network: Network,
    options: GenerateOptions,
    configurer: Configurer,
    providers: KeyProvider[],
  ) {
    this.network = network;
    this.options = options;
    this.configurer = configurer;
    this.#providers = providers;
  }

  /** Checks the options against the registry before any peer is configured. */
  static create(network: Network, registry: Registry, options: GenerateOptions): Result<Generator> {
    const report = new Diagnostics();
    const configurer = registry.configurers.get(options.configurer);
    if (!configurer)
      report.error(
        "usage",
        [],
        `unknown configurer ${JSON.stringify(options.configurer)}${didYouMean(options.configurer, [...registry.configurers.keys()])} (known: ${[...registry.configurers.keys()].join(", ")})`,
      );
    const providers: KeyProvider[] = [];
    for (const name of options.keyProviders) {
      const provider = registry.keyProviders.get(name);
      if (!provider) {
        report.error(
          "usage",
          [],
          `unknown key provider ${JSON.stringify(name)}${didYouMean(name, [...registry.keyProviders.keys()])} (known: ${[...registry.keyProviders.keys()].join(", ")})`,
        );
        continue;
      }
      // A plain string (a provider that names no option) is the whole message, as it is.
      const problem = provider.checkOptions?.(options);
      if (typeof problem === "string" && problem !== "") report.error("usage", [], problem);
      else if (typeof problem === "object" && problem !== null)
        report.items.push(
          problem.option === undefined
            ? diagnostic("error", "usage", [], problem.message)
            : optionProblem("error", "usage", problem.option, problem.message),
        );
      providers.push(provider);
    }
    // Paths under these directories go into the output as key and secret files (see
    // `keyPathProblem`); the secrets directory may stay relative: the NixOS module makes its files
    // paths in the flake.
    for (const [option, dir, absolute] of [
      ["keysDir", options.keysDir === undefined ? undefined : resolve(options.keysDir), true],
      ["secretsDir", options.secretsDir, false],
    ] as const) {
      const problem = dir === undefined ? undefined : keyPathProblem(dir, absolute);
      if (problem !== undefined)
        report.items.push(
          optionProblem(
            "error",
            "usage",
            option,
            `${JSON.stringify(dir)}: its files are named in the output, so it must be ${KEY_PATH_EXPECTED.replace("an absolute path", absolute ? "an absolute path" : "a path")} (${problem})`,
          ),
        );
    }
    return report.result(
      () => new Generator(network, options, configurer as Configurer, providers),
    );
  }

  #warn(d: Diagnostic): void {
    const key = `${d.code}\u0000${d.path.join("\u0000")}\u0000${d.message}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.warnings.push(d);
  }

  /** One peer's configuration, or why it cannot be made. */
  configure(peerName: string, host?: ReadonlySet<string>): Result<ConfigTree> {
    return catchInput(() => {
      const { context, keys } = this.#context(peerName, host);
      let config = this.configurer.configure(context);
      // Key files named by their path on this machine: the hosts need the keys there too.
      const { keysDir } = this.options;
      if (keysDir !== undefined && !this.options.inlinePrivateKeys && keys.namesKeysDirFiles)
        this.#warn(
          diagnostic(
            "warning",
            "keys-dir-path",
            [],
            `the configurations name their key files by their path on this machine, in the keys directory ${resolve(keysDir)}: each host must have its own key at that very path, or its WireGuard interface gets no private key`,
          ),
        );
      // Providers' extra configuration is NixOS options (secret declarations); files have no
      // place for it.
      if (this.configurer.output !== "files")
        for (const extra of keys.configs()) config = mergeConfigs(config, extra, () => undefined);
      return { ok: true, value: config, warnings: [] };
    });
  }

  /**
   * Something other than the configurer's output made from one peer's configure context, with
   * the same checks, keys and warnings (`qr`'s one interface with its keys inline).
   */
  configureWith<T>(peerName: string, make: (context: ConfigureContext) => T): Result<T> {
    return catchInput(() => ({
      ok: true,
      value: make(this.#context(peerName).context),
      warnings: [],
    }));
  }

  /**
   * The configure context of one peer. `host` is every identity of the machine being made
   * (`configureMerged`): links between them are left out, as a host is no peer of itself.
   */
  #context(
    peerName: string,
    host?: ReadonlySet<string>,
  ): { context: ConfigureContext; keys: PeerKeys } {
    const peer = this.network.peer(peerName);
    if (!peer)
      throw new InputError([
        diagnostic(
          "error",
          "unknown-peer",
          [],
          `no peer named ${JSON.stringify(peerName)} in the ACL`,
        ),
      ]);
    // Resolved once: what the ACL lacks is judged on the links the configuration then gets.
    const interfaces = this.network.interfaces(peerName);
    // What `check` says of this peer too: its platform cannot load the rules.
    const unenforced = unenforcedRules(this.network, peer);
    if (unenforced) this.#warn(unenforcedRulesWarning(unenforced));
    const missing = this.network.missingKeys?.(peerName, interfaces) ?? [];
    if (isNonEmpty(missing)) throw new InputError(missing);
    const keys = new PeerKeys(this.#providers, {
      network: this.network,
      peer,
      configurer: this.configurer.name,
      cache: this.run.share("keys/providers", () => new Map<string, unknown>()),
      ...(this.options.secretsDir === undefined ? {} : { secretsDir: this.options.secretsDir }),
      ...(this.options.keysDir === undefined ? {} : { keysDir: this.options.keysDir }),
    });
    // Links that can never carry a packet are written all the same (the original writes them),
    // with the warning `check` gives, once a pair.
    for (const iface of interfaces) {
      const found = noHandshakeWarning(peer, iface, (remote) =>
        this.#noHandshakeWarned.has(remote),
      );
      if (found) this.#warn(found);
    }
    this.#noHandshakeWarned.add(peer);
    const { devNameMethod } = this.options;
    const context: ConfigureContext = {
      network: this.network,
      peer,
      interfaces:
        host === undefined
          ? interfaces
          : interfaces.map((iface) => ({
              ...iface,
              links: iface.links.filter((link) => !host.has(link.peer.name)),
            })),
      keys,
      run: this.run,
      options: {
        devNameMethod,
        nixosPeerShape: this.options.nixosPeerShape,
        ...(this.options.inlinePrivateKeys ? { inlinePrivateKeys: true } : {}),
      },
      deviceName: (subnet) => {
        const name = deviceName(devNameMethod, peerName, subnet.name);
        if (name.length > MAX_DEVICE_NAME_LENGTH) {
          throw new InputError([
            diagnostic(
              "error",
              "devname-too-long",
              ["subnets", subnet.index, "name"],
              `device name ${JSON.stringify(name)} of peer ${JSON.stringify(peerName)} is ${name.length} characters; Linux allows at most ${MAX_DEVICE_NAME_LENGTH}; the hash naming method keeps every name short`,
            ),
          ]);
        }
        return name;
      },
      warn: (code, path, message) => this.#warn(diagnostic("warning", code, path, message)),
    };
    return { context, keys };
  }

  /** Two identities of one host whose interfaces would get the same device name. */
  #deviceClashes(peerNames: readonly string[]): Diagnostic[] {
    const owner = new Map<string, string>();
    const found: Diagnostic[] = [];
    for (const name of peerNames)
      for (const iface of this.network.interfaces(name)) {
        const device = deviceName(this.options.devNameMethod, name, iface.subnet.name);
        const first = owner.get(device);
        if (first === undefined) owner.set(device, name);
        else if (first !== name)
          found.push(
            diagnostic(
              "error",
              "devname-clash",
              ["subnets", iface.subnet.index, "name"],
              `peers ${JSON.stringify(first)} and ${JSON.stringify(name)} cannot share one host: both would get interface ${JSON.stringify(device)} (the hash naming method keeps them apart)`,
            ),
          );
      }
    return found;
  }

  /**
   * Several identities on one machine (the original's `peerNames`): their configurations merged
   * as NixOS would merge them. Device names only stay apart with devNameMethod `hash`.
   */
  configureMerged(peerNames: readonly string[]): Result<ConfigTree> {
    if (this.configurer.name === "static")
      this.#warn(
        diagnostic(
          "warning",
          "unsupported-option",
          [],
          "the static configurer is not supported with several peers on one host (as in the original); prefer networkd or networkd-dev-only",
        ),
      );
    const clashes = this.#deviceClashes(peerNames);
    if (isNonEmpty(clashes)) return { ok: false, diagnostics: clashes };
    const host = new Set(peerNames);
    let merged: ConfigTree = {};
    const problems: Diagnostic[] = [];
    for (const name of peerNames) {
      const one = this.configure(name, host);
      if (!one.ok) {
        problems.push(...one.diagnostics);
        continue;
      }
      merged = mergeConfigs(merged, one.value, (path: string[], a: ConfigValue, b: ConfigValue) =>
        problems.push(
          diagnostic(
            "error",
            "merge-conflict",
            [],
            `peers ${peerNames.join(", ")} cannot share one host: ${path.join(".")} would be both ${describeValue(a)} and ${describeValue(b)}`,
          ),
        ),
      );
    }
    if (isNonEmpty(problems)) return { ok: false, diagnostics: problems };
    return { ok: true, value: merged, warnings: [] };
  }
}
