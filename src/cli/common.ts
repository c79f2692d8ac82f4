/** Steps every command shares: plugins, reading the ACL, choosing peers. */

import type { Diagnostic } from "../diagnostics.js";
import type { Network } from "../network/model.js";
import { locateDiagnostics, readNetwork } from "../pipeline.js";
import { loadPlugin } from "../plugins.js";
import { createRegistry, type Registry } from "../registry.js";
import { type CliIO, EXIT_INVALID, printDiagnostics, UsageError } from "./io.js";

/** A command's early end with an exit code, after its messages were printed. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export async function registryWith(io: CliIO, plugins: readonly string[]): Promise<Registry> {
  const registry = createRegistry();
  for (const file of plugins) {
    const loaded = await loadPlugin(registry, file);
    if (!loaded.ok) {
      printDiagnostics(io, loaded.diagnostics);
      throw new Exit(EXIT_INVALID);
    }
  }
  return registry;
}

/** Reads the ACL; prints its warnings, or its errors and exits 1. */
export function networkOf(io: CliIO, file: string, registry: Registry): Network {
  return sourcedNetworkOf(io, file, registry).network;
}

/**
 * Like `networkOf`, with a way to give problems found later (keys, device names) the file and
 * the line and column of their path, as the ACL's own problems have.
 */
export function sourcedNetworkOf(
  io: CliIO,
  file: string,
  registry: Registry,
): { network: Network; locate: (diagnostics: readonly Diagnostic[]) => Diagnostic[] } {
  const read = readNetwork(file, registry);
  if (!read.ok) {
    printDiagnostics(io, read.diagnostics);
    throw new Exit(EXIT_INVALID);
  }
  printDiagnostics(io, read.warnings);
  const { loaded } = read;
  const locate = (diagnostics: readonly Diagnostic[]) =>
    diagnostics.map((d) =>
      loaded && d.path.length > 0 ? (locateDiagnostics(loaded, [d])[0] ?? d) : d,
    );
  return { network: read.value, locate };
}

/** The peers named on the command line (checked), or all of them in name order. */
export function choosePeers(network: Network, file: string, names: readonly string[]): string[] {
  for (const name of names)
    if (!network.peer(name)) {
      const known = network.peers.slice(0, 10).map((p) => p.name);
      throw new UsageError(
        `--peer ${JSON.stringify(name)}: no such peer in ${file} (peers: ${known.join(", ")}${network.peers.length > 10 ? ", ..." : ""})`,
      );
    }
  return names.length > 0 ? [...new Set(names)] : network.peers.map((p) => p.name);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
