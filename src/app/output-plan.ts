/**
 * Where the configurations of a run go, and in what shape: one document of every host on a
 * stream (Nix or JSON keyed by host name), one module per host under a directory, a file
 * configurer's files per host under a directory, or the one file of one interface on a stream
 * (`generate --configurer wg-quick --peer alice > wg0.conf`). The rules about secrets live
 * here too: what holds a secret is written 0600 in 0700 directories, and reaches a stream only
 * when the user asked for the keys inline and the stream is one file's text.
 */
import { fchmodSync, statSync } from "node:fs";
import type { ConfigTree } from "../core/config-tree.js";
import {
  type Diagnostic,
  type DiagnosticCode,
  diagnostic,
  optionProblem,
  type Result,
} from "../core/diagnostics.js";
import type { RunContext } from "../core/run-context.js";
import { TextChunks } from "../core/text-sink.js";
import { errnoCode, HeldOutput, RevocableFileOutput } from "../io/atomic-write.js";
import { SAFE_FILE_NAME } from "../io/file-names.js";
import { OutTransaction } from "../io/out-dir.js";
import { type DevNameMethod, deviceName } from "../network/devname.js";
import type { Network } from "../network/model.js";
import type { Configurer } from "../render/configurers/configurer.js";
import { filePieces, filesOf, type GeneratedFile } from "../render/configurers/files.js";
import { toPrettyJsonPieces, writeJson } from "../render/printers/json.js";
import { nixAttrName, toNixPieces } from "../render/printers/nix.js";

/** How a run asked for its output (the `generate` flags that decide it). */
export interface OutputRequest {
  /** Write under this directory instead of a stream. */
  out?: string;
  /** Unset: nix for NixOS configurers, json for file configurers (or the file itself). */
  format?: "nix" | "json";
  inlinePrivateKeys?: boolean;
  merge?: boolean;
  /** The peers asked for by name (empty: every peer). */
  peers: readonly string[];
  /** The interface whose file is printed, when the peer has several. */
  subnet?: string;
  devNameMethod: DevNameMethod;
}

/** What the run writes. */
export type OutputPlan =
  | { kind: "document"; format: "nix" | "json" }
  | { kind: "modules"; dir: string; format: "nix" | "json" }
  | { kind: "file-tree"; dir: string }
  | { kind: "interface-file"; peer: string; subnet: string; device: string }
  /** The one file of a configurer that writes one file per peer (`hosts`). */
  | { kind: "peer-file"; peer: string; path: string };

/** A usage problem as a failed result, about the request's `option` when given. */
export function usageFailure(message: string, option?: string): Result<never> {
  if (option === undefined) return failure("usage", message);
  return { ok: false, diagnostics: [optionProblem("error", "usage", option, message)] };
}

/** A problem of the whole request as a failed result. */
function failure(code: DiagnosticCode, message: string): Result<never> {
  return { ok: false, diagnostics: [diagnostic("error", code, [], message)] };
}

/**
 * The subnet of a peer's one interface: the one given, or the peer's only one. Used where one
 * interface's configuration is wanted (`qr`, a file printed on its own).
 */
export function chooseInterface(
  network: Network,
  peerName: string,
  subnet: string | undefined,
): Result<string> {
  const peer = network.peer(peerName);
  const subnets = peer?.memberships.map((m) => m.subnet) ?? [];
  const chosen = subnet ?? (subnets.length === 1 ? subnets[0] : undefined);
  if (chosen !== undefined && subnets.includes(chosen))
    return { ok: true, value: chosen, warnings: [] };
  const which =
    subnet === undefined
      ? "choose"
      : `${JSON.stringify(subnet)} is not a subnet of ${JSON.stringify(peerName)}; choose`;
  return usageFailure(
    `${which} one of its subnets: ${subnets.map((s) => JSON.stringify(s)).join(", ")}`,
    "subnet",
  );
}

/**
 * Decides where the output goes, or why the request cannot be met. A file configurer asked for
 * one peer (and one interface) prints that interface's file, ready to use as it is; private
 * keys reach a stream only that way, and only when asked for with `inlinePrivateKeys`.
 */
export function planOutput(
  network: Network,
  configurer: Configurer,
  request: OutputRequest,
): Result<OutputPlan> {
  const files = (configurer.output ?? "nixos") === "files";
  const name = configurer.name;
  if (files && request.merge)
    return usageFailure(
      `peers are merged only into NixOS configurations; ${name} writes one directory per peer (bring up each peer's files on the shared host)`,
      "merge",
    );
  if (!files && request.inlinePrivateKeys)
    return usageFailure(
      `private keys are written inline only by file configurers (wg-quick, networkd-files), not ${name}`,
      "inlinePrivateKeys",
    );
  if (
    request.subnet !== undefined &&
    (!files || request.peers.length !== 1 || request.format !== undefined)
  )
    return usageFailure(
      "the subnet picks the interface whose file is printed: it needs a file configurer and one peer, and no format",
      "subnet",
    );
  if (request.out !== undefined) {
    if (request.subnet !== undefined)
      return usageFailure(
        "the subnet picks the file to print; an output directory gets every file",
        "subnet",
      );
    return {
      ok: true,
      value: files
        ? { kind: "file-tree", dir: request.out }
        : { kind: "modules", dir: request.out, format: request.format ?? "nix" },
      warnings: [],
    };
  }
  const [only] = request.peers;
  // One peer of a file configurer on a stream: the file itself (`> wg0.conf`), or a refusal
  // that says how to get the files; never a JSON document where a file was expected.
  if (files && request.format === undefined && request.peers.length === 1 && only !== undefined) {
    const { peerFile } = configurer;
    if (peerFile !== undefined) {
      if (request.subnet !== undefined)
        return usageFailure(
          `${name} writes one file per peer (${peerFile}, for all its subnets); a subnet is chosen only with configurers that write a file per interface`,
          "subnet",
        );
      return { ok: true, value: { kind: "peer-file", peer: only, path: peerFile }, warnings: [] };
    }
    if (configurer.interfaceFile === undefined) return noSingleFile(name, only);
    const subnet = chooseInterface(network, only, request.subnet);
    if (!subnet.ok)
      return request.subnet !== undefined ? subnet : severalInterfaces(network, name, only);
    const device = deviceName(request.devNameMethod, only, subnet.value);
    return {
      ok: true,
      value: { kind: "interface-file", peer: only, subnet: subnet.value, device },
      warnings: [],
    };
  }
  if (request.inlinePrivateKeys)
    return usageFailure(
      "private keys are printed only as the one file of one peer (and of one interface, or the subnet given); write several into an output directory",
      "inlinePrivateKeys",
    );
  return {
    ok: true,
    value: { kind: "document", format: request.format ?? (files ? "json" : "nix") },
    warnings: [],
  };
}

function noSingleFile(configurer: string, peer: string): Result<never> {
  return usageFailure(
    `${configurer} writes several files for peer ${JSON.stringify(peer)}, so there is no one file to print; write them into an output directory (or print them all as JSON)`,
    "out",
  );
}

/** A peer with several interfaces, one file each, and no subnet to choose one. */
function severalInterfaces(network: Network, configurer: string, peer: string): Result<never> {
  const subnets = network.peer(peer)?.memberships.map((m) => m.subnet) ?? [];
  const [first] = subnets;
  return usageFailure(
    `peer ${JSON.stringify(peer)} has ${subnets.length} interfaces (subnets ${subnets.map((s) => JSON.stringify(s)).join(", ")}) and ${configurer} writes one file for each: print the one of a subnet (${JSON.stringify(first ?? "NAME")}), write them all into an output directory, or print them all as JSON`,
    "subnet",
  );
}

/**
 * Why a host's configuration cannot be printed as planned, if it cannot: a secret is printed
 * only as the one file of an interface, with the keys inline on request; and that file must be
 * among the host's files.
 */
export function printProblem(
  config: ConfigTree,
  configurer: Configurer,
  plan: OutputPlan,
  inlinePrivateKeys: boolean,
): Diagnostic | undefined {
  if ((configurer.output ?? "nixos") !== "files") return undefined;
  if (plan.kind === "modules" || plan.kind === "file-tree") return undefined;
  let printed = filesOf(config, configurer.name);
  if (plan.kind === "interface-file" || plan.kind === "peer-file") {
    const found = singleFile(config, configurer, plan);
    if (!found.ok) return found.diagnostics[0];
    if (inlinePrivateKeys) return undefined;
    printed = [found.value];
  }
  const secret = printed.find(([, file]) => file.secret);
  if (!secret) return undefined;
  return diagnostic(
    "error",
    "secret-not-printed",
    [],
    `${secret[0]} holds a secret and is never printed; write the files into a directory`,
  );
}

/** Why a host name cannot name a file under `--out`, as a diagnostic at the peer's name. */
export function hostFileNameProblem(network: Network, name: string): Diagnostic | undefined {
  if (SAFE_FILE_NAME.test(name)) return undefined;
  const index = network.peer(name)?.index;
  return {
    ...diagnostic(
      "error",
      "invalid-value",
      index === undefined ? [] : ["peers", index, "name"],
      `${JSON.stringify(name)} cannot be used as a file name in the output directory (use letters, digits and . _ + @ = -, not starting with . or -)`,
    ),
    option: "out",
  };
}

/** A header for every module written under `--out`. */
const MODULE_HEADER = "# Generated by wirenix from the ACL; edit the ACL, not this file.\n";

/** One output document per host: its name and configuration. */
export interface Host {
  name: string;
  config: ConfigTree;
}

/** Receives hosts as they are made; nothing appears unless `finish` is reached. */
export interface OutputWriter {
  add(host: Host, peers: readonly string[]): void;
  /** Completes the output; returns notices worth telling the user. */
  finish(): Promise<string[]>;
  abort(): void;
}

/** Where a stream goes: its writer, and the descriptor when it is a regular file. */
export interface Stream {
  write(chunk: string): void;
  file?: number;
}

/**
 * Output on a stream that a failed run leaves with nothing that looks whole: into a regular
 * file it is written as it is made and cut back on failure; into a pipe or terminal it waits
 * (in memory, then in a private temporary file) until the run succeeded.
 */
function streamOutput(stream: Stream): HeldOutput | RevocableFileOutput {
  return stream.file === undefined
    ? new HeldOutput(stream.write)
    : new RevocableFileOutput(stream.file);
}

/** Writes hosts into one stream, as they are made (see streamOutput). */
function documentWriter(stream: Stream, format: "nix" | "json", shared: RunContext): OutputWriter {
  const output = streamOutput(stream);
  // A host of a big network is hundreds of kilobytes: it goes out in chunks (see TextChunks).
  const text = new TextChunks((chunk) => output.write(chunk));
  let first = true;
  return {
    add({ name, config }) {
      if (format === "json") {
        text.write(`${first ? "{\n" : ",\n"}${JSON.stringify(name)}:`);
        writeJson(config, text, shared);
      } else {
        // A piece at a time: the host's text as one string would be a large object.
        text.write(`${first ? "{\n" : ""}  ${nixAttrName(name)} = `);
        for (const piece of toNixPieces(config, shared, 1)) text.write(piece);
        text.write(";\n");
      }
      first = false;
    },
    async finish() {
      if (format === "json") text.write(first ? "{}\n" : "\n}\n");
      else text.write(first ? "{ }\n" : "}\n");
      text.flush();
      await output.commit();
      return [];
    },
    abort() {
      output.discard();
    },
  };
}

/** What an `--out` transaction records about the run (for the manifest of files it wrote). */
export interface OutRun {
  configurer: string;
  aclPeers: readonly string[];
}

/** `--out` naming a file, or a path through one, cannot be a directory to write into. */
export function outDirProblem(dir: string): string | undefined {
  let reason: string | undefined;
  try {
    if (!statSync(dir).isDirectory()) reason = "a file of that name is in the way";
  } catch (error) {
    if (errnoCode(error) === "ENOTDIR") reason = "a file is in the way of the directory";
  }
  return reason && `${dir}: cannot write there: ${reason}`;
}

/**
 * Writes one NixOS module per host under DIR, as one transaction (see `OutTransaction`): each
 * file is staged as it is made, and all appear only when every host succeeded.
 */
async function modulesWriter(
  dir: string,
  run: OutRun,
  format: "nix" | "json",
  shared: RunContext,
): Promise<OutputWriter> {
  const tx = await OutTransaction.begin(dir, run);
  return {
    add({ name, config }, peers) {
      // In pieces: a host of a big mesh is never made one string (see `toNixPieces`).
      const text =
        format === "json"
          ? [...toPrettyJsonPieces(config, shared), "\n"]
          : [MODULE_HEADER, ...toNixPieces(config, shared), "\n"];
      tx.add({ name, peers }, [{ path: `${name}.${format}`, text, mode: 0o644 }]);
    },
    finish: async () => (await tx.commit()).notices,
    abort() {
      tx.abort();
    },
  };
}

/** Mode of every file a file configurer writes: they are a machine's network configuration. */
export const CONFIG_FILE_MODE = 0o600;

/**
 * Writes a file configurer's output as `DIR/<peer>/<file>`, as one transaction, every file 0600
 * in a 0700 directory (the files name or hold keys, and wg-quick warns about any other mode).
 */
async function fileTreeWriter(
  dir: string,
  run: OutRun,
  configurer: Configurer,
): Promise<OutputWriter> {
  const tx = await OutTransaction.begin(dir, run);
  return {
    add({ name, config }, peers) {
      const files = filesOf(config, configurer.name).map(([path, file]) => ({
        path: `${name}/${path}`,
        // A big file's pieces are written as they are, never joined (see `piecedFile`).
        text: filePieces(file) ?? file.text,
        mode: CONFIG_FILE_MODE,
      }));
      tx.add({ name, peers }, files);
    },
    finish: async () => (await tx.commit()).notices,
    abort() {
      tx.abort();
    },
  };
}

/** The file of one interface among a host's files, or why it is not there. */
export function interfaceFile(
  config: ConfigTree,
  configurer: Configurer,
  device: string,
): Result<[string, GeneratedFile]> {
  const path = configurer.interfaceFile?.(device);
  const found = filesOf(config, configurer.name).find(([p]) => p === path);
  if (found) return { ok: true, value: found, warnings: [] };
  return failure(
    "no-interface-file",
    `${configurer.name} wrote no file for interface ${JSON.stringify(device)} (its device name is taken by another subnet of the peer, or the configurer skipped it)`,
  );
}

/** The one file a single-file plan prints, or why it is not among the host's files. */
function singleFile(
  config: ConfigTree,
  configurer: Configurer,
  plan: Extract<OutputPlan, { kind: "interface-file" | "peer-file" }>,
): Result<[string, GeneratedFile]> {
  if (plan.kind === "interface-file") return interfaceFile(config, configurer, plan.device);
  const found = filesOf(config, configurer.name).find(([p]) => p === plan.path);
  if (found) return { ok: true, value: found, warnings: [] };
  return usageFailure(
    `${configurer.name} wrote no file ${plan.path} for peer ${JSON.stringify(plan.peer)}`,
  );
}

/**
 * Writes the one file of a single-file plan on a stream, as the file itself. Into a regular
 * file (`> wg0.conf`) the file is made 0600 first, as every file configurer's file is.
 */
function singleFileWriter(
  stream: Stream,
  configurer: Configurer,
  plan: Extract<OutputPlan, { kind: "interface-file" | "peer-file" }>,
): OutputWriter {
  let text: string | undefined;
  return {
    add({ config }) {
      // printProblem has made sure it is there.
      const found = singleFile(config, configurer, plan);
      if (found.ok) text = found.value[1].text;
    },
    async finish() {
      if (text === undefined) return [];
      const output = streamOutput(stream);
      if (stream.file !== undefined) fchmodSync(stream.file, CONFIG_FILE_MODE);
      output.write(text);
      await output.commit();
      return [];
    },
    abort() {
      text = undefined;
    },
  };
}

/**
 * The writer of a plan. `shared` is the generator's run context, so that what hosts share is
 * printed once. Asynchronous because `--out` may wait for another run's lock.
 */
export async function outputWriter(
  plan: OutputPlan,
  stream: Stream,
  run: OutRun,
  configurer: Configurer,
  shared: RunContext,
): Promise<OutputWriter> {
  switch (plan.kind) {
    case "document":
      return documentWriter(stream, plan.format, shared);
    case "modules":
      return modulesWriter(plan.dir, run, plan.format, shared);
    case "file-tree":
      return fileTreeWriter(plan.dir, run, configurer);
    case "interface-file":
    case "peer-file":
      return singleFileWriter(stream, configurer, plan);
  }
}
