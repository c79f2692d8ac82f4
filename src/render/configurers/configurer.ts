/**
 * What a configurer is: a translation of one peer's part of the `Network` into configuration
 * data (shaped like NixOS options, or files for other systems).
 */
import type { ConfigTree } from "../../core/config-tree.js";
import type { DiagnosticCode, PathSegment } from "../../core/diagnostics.js";
import type { RunContext } from "../../core/run-context.js";
import type { PeerKeys } from "../../keys/provider.js";
import type { DevNameMethod } from "../../network/devname.js";
import type { NetInterface, NetPeer, NetSubnet, Network } from "../../network/model.js";

/** How `wireguardPeers` entries of systemd.network are shaped: NixOS ≥ 24.11 (flat) or older. */
export type NixosPeerShape = "flat" | "wrapped";

export interface ConfigureOptions {
  devNameMethod: DevNameMethod;
  nixosPeerShape: NixosPeerShape;
  /** Write private keys into files instead of pointing at key files (file-based configurers). */
  inlinePrivateKeys?: boolean;
}

export interface ConfigureContext {
  network: Network;
  peer: NetPeer;
  /** The peer's interfaces with their links, sorted by subnet name. */
  interfaces: readonly NetInterface[];
  keys: PeerKeys;
  options: ConfigureOptions;
  /** The run this configuration is made in: its caches and the pieces hosts share. */
  run: RunContext;
  /** The checked device name of the peer's interface on a subnet. */
  deviceName(subnet: NetSubnet): string;
  warn(code: DiagnosticCode, path: readonly PathSegment[], message: string): void;
}

/**
 * What a configurer's tree means: NixOS options (printed as Nix or JSON, one module per host),
 * or `files`, a tree `{ files: { "<relative path>": { text, secret } } }` written as real files
 * (see `files.ts`), for machines without NixOS.
 */
export type ConfigurerOutput = "nixos" | "files";

export interface Configurer {
  name: string;
  description: string;
  /** Default `nixos`. */
  output?: ConfigurerOutput;
  configure(context: ConfigureContext): ConfigTree;
  /**
   * File configurers that write an interface's whole configuration into one file: its path
   * (wg-quick: `<device>.conf`). That file alone is printed when one interface is asked for.
   */
  interfaceFile?(device: string): string;
  /**
   * File configurers that write all of a peer's output into one file: its path (hosts:
   * `hosts`). That file is printed when one peer is asked for.
   */
  peerFile?: string;
}

/** Identity helper that gives plugin authors type checking for free. */
export function defineConfigurer(configurer: Configurer): Configurer {
  return configurer;
}
