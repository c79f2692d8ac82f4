/**
 * `generate` as the library runs it: the configuration of every (or the named) peer, kept in
 * memory (`generate`) or written where the output request says (`writeOut`: one document on a
 * stream, a module or a file tree per host under a directory, or one interface's file). Both
 * walk the hosts with one loop; `writeOut` hands each host to its writer as it is made, so a
 * large network is never held whole in memory.
 */
import type { ConfigTree } from "../core/config-tree.js";
import {
  type Diagnostic,
  diagnostic,
  isNonEmpty,
  type NonEmpty,
  optionProblem,
  type Result,
} from "../core/diagnostics.js";
import { compareNames } from "../core/order.js";
import { describeFileError, WriteError, WriteRefusal } from "../io/atomic-write.js";
import { LockError } from "../io/dir-lock.js";
import { yieldToSignals } from "../io/interrupt.js";
import { oneMessagePerMissingKey } from "../keys/missing-keys.js";
import type { DevNameMethod } from "../network/devname.js";
import type { Network } from "../network/model.js";
import type { NixosPeerShape } from "../render/configurers/configurer.js";
import { type AclInput, type AclOptions, type ReadAcl, readAcl } from "./acl-input.js";
import {
  type Host,
  hostFileNameProblem,
  type OutputPlan,
  outDirProblem,
  outputWriter,
  planOutput,
  printProblem,
  type Stream,
  usageFailure,
} from "./output-plan.js";
import {
  DEFAULT_OPTIONS,
  defaultKeyProviders,
  type GenerateOptions,
  Generator,
} from "./pipeline.js";

/** How peers are configured: `generate`'s and `check`'s options. */
export interface ConfigureChoices extends AclOptions {
  /** A configurer's name (default `static`): static, networkd, wg-quick, networkd-files, ... */
  configurer?: string;
  /** Key providers asked in this order (default: `dir` then `acl` with `keysDir`, else `acl`). */
  keyProviders?: readonly string[];
  /** How interfaces are named (default `short`). */
  devNameMethod?: DevNameMethod;
  /** networkd `wireguardPeers` entries: `flat` (NixOS >= 24.11, the default) or `wrapped`. */
  nixosPeerShape?: NixosPeerShape;
  /** Where agenix, agenix-rekey or sops-nix secrets and their .pub files live. */
  secretsDir?: string;
  /** Where `keys generate` wrote keys. */
  keysDir?: string;
}

/** `generate`'s options. */
export interface GenerateRequest extends ConfigureChoices {
  /** Only these peers (default: every peer, in name order). */
  peers?: readonly string[];
  /** Join `peers` into one host (several identities on one machine), named `host`. */
  merge?: boolean;
  /** The merged host's name (default: the peer names joined by `+`). */
  host?: string;
  /** File configurers: private and preshared keys written into the files, not their paths. */
  inlinePrivateKeys?: boolean;
}

/** `writeOut`'s options: what to generate, and where it goes. */
export interface WriteOutRequest extends GenerateRequest {
  /** Write under this directory (one module, or one directory of files, per host). */
  out?: string;
  /** A document's format when printing (default: nix; json for file configurers). */
  format?: "nix" | "json";
  /** With one peer and a file configurer: the subnet whose interface file is printed. */
  subnet?: string;
  /** Where a printed document or file goes (required unless `out` is given). */
  stream?: Stream;
}

/** The hosts `generate` made, in order, and the warnings of the run. */
export interface Generated {
  network: Network;
  configurer: string;
  hosts: Host[];
}

/** What `writeOut` did: where the output went, the hosts written, and notices (files removed, kept, ...). */
export interface WrittenOut {
  plan: OutputPlan;
  configurer: string;
  /** The names of the hosts written, in order. */
  hosts: string[];
  notices: string[];
}

/** The generator options of a request, defaults filled in. */
export function generateOptionsOf(
  request: ConfigureChoices & { inlinePrivateKeys?: boolean },
): GenerateOptions {
  return {
    configurer: request.configurer ?? DEFAULT_OPTIONS.configurer,
    keyProviders: request.keyProviders ?? defaultKeyProviders(request.keysDir),
    devNameMethod: request.devNameMethod ?? DEFAULT_OPTIONS.devNameMethod,
    nixosPeerShape: request.nixosPeerShape ?? DEFAULT_OPTIONS.nixosPeerShape,
    ...(request.secretsDir === undefined ? {} : { secretsDir: request.secretsDir }),
    ...(request.keysDir === undefined ? {} : { keysDir: request.keysDir }),
    ...(request.inlinePrivateKeys ? { inlinePrivateKeys: true } : {}),
  };
}

/** Each problem once, in the order found. */
export function distinct(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}|${d.path.join("\u0000")}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The peers asked for, checked against the network (an unknown one is an `unknown-peer` error). */
function chosenPeers(network: Network, names: readonly string[]): Result<string[]> {
  const known = network.peers.slice(0, 10).map((p) => p.name);
  const more = network.peers.length > 10 ? ", ..." : "";
  const list = known.length === 0 ? "it has no peers" : `peers: ${known.join(", ")}${more}`;
  const unknown = names
    .filter((name) => !network.peer(name))
    .map((name) =>
      diagnostic(
        "error",
        "unknown-peer",
        [],
        `no peer ${JSON.stringify(name)} in the ACL (${list})`,
      ),
    );
  if (isNonEmpty(unknown)) return { ok: false, diagnostics: unknown };
  const value = names.length > 0 ? [...new Set(names)] : network.peers.map((p) => p.name);
  return { ok: true, value, warnings: [] };
}

/** A generator with the run's peers and host names, or why the request cannot be met. */
interface Prepared {
  generator: Generator;
  peers: string[];
  hostNames: string[];
}

function prepare(read: ReadAcl, request: GenerateRequest): Result<Prepared> {
  const { network, registry } = read;
  if (request.host !== undefined && !request.merge)
    return usageFailure("the merged host's name is given without merging peers");
  const created = Generator.create(network, registry, generateOptionsOf(request));
  if (!created.ok) return created;
  const names = request.peers ?? [];
  const chosen = chosenPeers(network, names);
  if (!chosen.ok) return chosen;
  if (request.merge && names.length === 0)
    return usageFailure("merging needs the peers of the host");
  const peers = chosen.value;
  const hostNames = request.merge
    ? [request.host ?? peers.join("+")]
    : [...peers].sort(compareNames);
  return { ok: true, value: { generator: created.value, peers, hostNames }, warnings: [] };
}

/**
 * Configures each host and hands it to `add`, after the first failure only to report every
 * problem at once; `between` runs between hosts (a chance for signals to stop a write).
 */
async function configureHosts(
  prepared: Prepared,
  merge: boolean,
  add: (host: Host, peers: readonly string[]) => Diagnostic | undefined,
  between: () => Promise<void>,
): Promise<Diagnostic[]> {
  const { generator, peers, hostNames } = prepared;
  const failures: Diagnostic[] = [];
  const take = (name: string, config: ConfigTree, of: readonly string[]) => {
    const problem = add({ name, config }, of);
    if (problem) failures.push(problem);
  };
  if (merge) {
    const merged = generator.configureMerged(peers);
    if (merged.ok) take(hostNames[0] as string, merged.value, peers);
    else failures.push(...merged.diagnostics);
    return failures;
  }
  for (const name of hostNames) {
    const result = generator.configure(name);
    if (!result.ok) failures.push(...result.diagnostics);
    else if (failures.length === 0) take(name, result.value, [name]);
    await between();
  }
  return failures;
}

/** The run's result: the located failures (each once) after its warnings, or the value. */
function finished<T>(
  read: ReadAcl,
  generator: Generator,
  failures: readonly Diagnostic[],
  value: () => T,
): Result<T> {
  const { network, locate } = read;
  const warnings = locate([...network.warnings, ...generator.warnings]);
  // One message per missing public key, not one per peer linked to it.
  const errors = locate(oneMessagePerMissingKey(distinct(failures)));
  if (isNonEmpty(errors))
    return { ok: false, diagnostics: [...warnings, ...errors] as NonEmpty<Diagnostic> };
  return { ok: true, value: value(), warnings };
}

/**
 * The configuration of every peer of an ACL (or of `request.peers`, or those peers merged into
 * one host), in memory. Fails with every problem at once; the diagnostics of a failure start
 * with the run's warnings.
 */
export async function generate(
  acl: AclInput,
  request: GenerateRequest = {},
): Promise<Result<Generated>> {
  const read = readAcl(acl, request);
  if (!read.ok) return read;
  const { network } = read.value;
  const prepared = prepare(read.value, request);
  if (!prepared.ok) return prepared;
  const hosts: Host[] = [];
  const failures = await configureHosts(
    prepared.value,
    request.merge === true,
    (host) => {
      hosts.push(host);
      return undefined;
    },
    async () => {},
  );
  const { generator } = prepared.value;
  return withReadWarnings(
    read.warnings,
    finished(read.value, generator, failures, () => ({
      network,
      configurer: generator.configurer.name,
      hosts,
    })),
  );
}

/** A write that failed on the file system (full, read-only, locked, in the way) as a diagnostic. */
function writeFailure(error: unknown): Diagnostic | undefined {
  if (error instanceof WriteRefusal && error.option !== undefined)
    return optionProblem("error", "write-failed", error.option, error.message);
  if (error instanceof WriteError || error instanceof LockError || error instanceof WriteRefusal)
    return diagnostic("error", "write-failed", [], error.message);
  const problem = describeFileError(error);
  return problem === undefined ? undefined : diagnostic("error", "write-failed", [], problem);
}

/**
 * Generates and writes: under `request.out` as one transaction (all hosts appear, or none), or
 * on `request.stream`. Nothing half-written is left when it fails; a secret reaches a stream
 * only as the one file of one interface, asked for with `inlinePrivateKeys`.
 */
export async function writeOut(
  acl: AclInput,
  request: WriteOutRequest,
): Promise<Result<WrittenOut>> {
  const read = readAcl(acl, request);
  if (!read.ok) return read;
  return withReadWarnings(read.warnings, await writeOutOf(read.value, request));
}

/** The warnings of reading the ACL put before a result's own. */
function withReadWarnings<T>(warnings: readonly Diagnostic[], result: Result<T>): Result<T> {
  if (warnings.length === 0) return result;
  if (result.ok) return { ...result, warnings: [...warnings, ...result.warnings] };
  return { ok: false, diagnostics: [...warnings, ...result.diagnostics] as NonEmpty<Diagnostic> };
}

/** `writeOut` of an ACL already read (the CLI reads it first, to check the peers it names). */
export async function writeOutOf(
  read: ReadAcl,
  request: WriteOutRequest,
): Promise<Result<WrittenOut>> {
  const { network } = read;
  const prepared = prepare(read, request);
  if (!prepared.ok) return prepared;
  const { generator, hostNames } = prepared.value;
  const { configurer } = generator;
  const planned = planOutput(network, configurer, {
    peers: request.peers ?? [],
    devNameMethod: generator.options.devNameMethod,
    ...(request.out === undefined ? {} : { out: request.out }),
    ...(request.format === undefined ? {} : { format: request.format }),
    ...(request.subnet === undefined ? {} : { subnet: request.subnet }),
    ...(request.merge ? { merge: true } : {}),
    ...(request.inlinePrivateKeys ? { inlinePrivateKeys: true } : {}),
  });
  if (!planned.ok) return planned;
  const plan = planned.value;
  if (plan.kind === "modules" || plan.kind === "file-tree") {
    const problem = outDirProblem(plan.dir);
    if (problem) return usageFailure(problem, "out");
  } else if (request.stream === undefined) {
    return usageFailure("printing the output needs a stream to print it on");
  }
  if (request.out !== undefined) {
    const bad = hostNames.flatMap((name) => hostFileNameProblem(network, name) ?? []);
    if (isNonEmpty(bad))
      return { ok: false, diagnostics: read.locate(bad) as NonEmpty<Diagnostic> };
  }
  const stream = request.stream ?? { write: () => {} };
  let writer: Awaited<ReturnType<typeof outputWriter>>;
  try {
    writer = await outputWriter(
      plan,
      stream,
      { configurer: configurer.name, aclPeers: network.peers.map((p) => p.name) },
      configurer,
      generator.run,
    );
  } catch (error) {
    const failed = writeFailure(error);
    if (failed) return { ok: false, diagnostics: [failed] };
    throw error;
  }
  const inline = request.inlinePrivateKeys === true;
  const hosts: string[] = [];
  let failures: Diagnostic[];
  try {
    failures = await configureHosts(
      prepared.value,
      request.merge === true,
      (host, of) => {
        const problem = printProblem(host.config, configurer, plan, inline);
        if (!problem) {
          writer.add(host, of);
          hosts.push(host.name);
        }
        return problem;
      },
      // A Ctrl-C between hosts removes what was staged (see OutTransaction).
      request.out === undefined ? async () => {} : yieldToSignals,
    );
  } catch (error) {
    writer.abort();
    const failed = writeFailure(error);
    if (failed) return { ok: false, diagnostics: [failed] };
    throw error;
  }
  const result = finished(read, generator, failures, () => undefined);
  if (!result.ok) {
    writer.abort();
    return result;
  }
  try {
    // A file system that says no ends in a WriteError that says what became of the output.
    const notices = writer.finish();
    return {
      ok: true,
      value: { plan, configurer: configurer.name, hosts, notices },
      warnings: result.warnings,
    };
  } catch (error) {
    writer.abort();
    const failed = writeFailure(error);
    if (failed) {
      const diagnostics: Diagnostic[] = [...result.warnings, failed];
      return { ok: false, diagnostics: diagnostics as NonEmpty<Diagnostic> };
    }
    throw error;
  }
}
