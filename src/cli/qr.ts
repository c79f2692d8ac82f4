/**
 * `wirenix qr ACL PEER`: one peer's wg-quick configuration as a QR code, for the WireGuard
 * phone apps, in the terminal or as a PNG. The code holds the peer's private key, which is
 * why it is made only for the one peer asked for, and the key never appears as text: it is
 * read from `--private-key-file`, the keys directory, or the ACL, and goes into the code only.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import QRCode from "qrcode";
import type { ConfigureContext } from "../configurers/configurer.js";
import { inlineWgQuickConfig } from "../configurers/wg-quick.js";
import { diagnostic, InputError } from "../diagnostics.js";
import { createSecretFile, FileExistsError, fileProblem, readKeyFile } from "../keys/key-dir.js";
import { DEV_NAME_METHODS, type DevNameMethod } from "../network/devname.js";
import { DEFAULT_OPTIONS, Generator } from "../pipeline.js";
import {
  aclLimits,
  collect,
  type LimitFlags,
  registryWith,
  sourcedNetworkOf,
  withAclLimits,
} from "./common.js";
import { rethrowExit } from "./generate.js";
import { type CliIO, EXIT_INVALID, printDiagnostics, UsageError } from "./io.js";

interface Flags extends LimitFlags {
  png?: string;
  subnet?: string;
  keysDir?: string;
  privateKeyFile?: string;
  devNameMethod: DevNameMethod;
  plugin: string[];
}

/** The configurer name `qr` registers for its one run; no user-visible configurer has it. */
const QR_CONFIGURER = "wirenix-qr";

function missingKey(context: ConfigureContext, why: string): never {
  throw new InputError([
    diagnostic(
      "error",
      "no-private-key",
      ["peers", context.peer.index],
      `no private key for peer ${JSON.stringify(context.peer.name)}: ${why}; give --private-key-file FILE or --keys-dir DIR`,
    ),
  ]);
}

/** The private key, from the first source that has it; never echoed, even in errors. */
function privateKeyOf(context: ConfigureContext, flags: Flags): string {
  if (flags.privateKeyFile !== undefined) {
    const key = readKeyFile(flags.privateKeyFile);
    if (key === undefined)
      throw new UsageError(
        `--private-key-file ${flags.privateKeyFile}: not readable, or not a WireGuard private key (32 bytes in base64, as \`wg genkey\` prints)`,
      );
    return key;
  }
  if (flags.keysDir === undefined && context.peer.privateKey !== undefined)
    return context.peer.privateKey;
  let file: string;
  try {
    file = context.keys.privateKeyFile();
  } catch {
    return missingKey(context, "the ACL has neither privateKey nor privateKeyFile");
  }
  const key = readKeyFile(file);
  if (key === undefined)
    return missingKey(context, `${file} is not readable here or holds no WireGuard key`);
  return key;
}

function presharedKeyOf(context: ConfigureContext, subnetName: string): string | undefined {
  const subnet = context.network.subnet(subnetName);
  if (!subnet) return undefined;
  const file = context.keys.presharedKeyFile(subnet);
  if (file === undefined) return undefined;
  const key = readKeyFile(file);
  if (key === undefined)
    throw new InputError([
      diagnostic(
        "error",
        "no-preshared-key",
        ["subnets", subnet.index, "presharedKeyFile"],
        `the phone needs subnet ${JSON.stringify(subnet.name)}'s preshared key, but ${file} is not readable here or holds no WireGuard key`,
      ),
    ]);
  return key;
}

async function run(io: CliIO, acl: string, peerName: string, flags: Flags): Promise<number> {
  const registry = await registryWith(io, flags.plugin);
  const { network, locate } = sourcedNetworkOf(io, acl, registry, aclLimits(flags));
  const peer = network.peer(peerName);
  if (!peer) throw new UsageError(`no peer ${JSON.stringify(peerName)} in ${acl}`);
  const subnets = peer.memberships.map((m) => m.subnet);
  const subnet = flags.subnet ?? (subnets.length === 1 ? subnets[0] : undefined);
  if (subnet === undefined || !subnets.includes(subnet))
    throw new UsageError(
      `${flags.subnet === undefined ? "choose" : `${JSON.stringify(flags.subnet)} is not a subnet of ${JSON.stringify(peerName)}; choose`} one of its subnets with --subnet: ${subnets.map((s) => JSON.stringify(s)).join(", ")}`,
    );

  // A code on a pipe or in a file would be the private key in a log or a file nobody protects.
  if (flags.png === undefined && io.outTerminal !== true)
    throw new UsageError(
      `standard output is not a terminal: the QR code holds the private key of ${JSON.stringify(peerName)}, so it is only shown on a terminal; write it with --png FILE instead`,
    );
  let text: string | undefined;
  registry.configurers.set(QR_CONFIGURER, {
    name: QR_CONFIGURER,
    description: "one interface with its keys inline, for wirenix qr",
    configure(context) {
      const privateKey = privateKeyOf(context, flags);
      const presharedKey = presharedKeyOf(context, subnet);
      text = inlineWgQuickConfig(context, subnet, {
        privateKey,
        ...(presharedKey === undefined ? {} : { presharedKey }),
      });
      return {};
    },
  });
  const generator = Generator.create(network, registry, {
    ...DEFAULT_OPTIONS,
    configurer: QR_CONFIGURER,
    keyProviders: flags.keysDir === undefined ? ["acl"] : ["dir", "acl"],
    devNameMethod: flags.devNameMethod,
    ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
  });
  if (!generator.ok) {
    printDiagnostics(io, generator.diagnostics);
    return EXIT_INVALID;
  }
  const result = generator.value.configure(peerName);
  printDiagnostics(io, locate(generator.value.warnings));
  if (!result.ok || text === undefined) {
    printDiagnostics(io, locate(result.ok ? [] : result.diagnostics));
    return EXIT_INVALID;
  }

  if (flags.png === undefined) {
    io.out(await QRCode.toString(text, { type: "terminal", small: true }));
    return 0;
  }
  const png = await QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 4 });
  const file = resolve(flags.png);
  try {
    createSecretFile(file, png);
  } catch (error) {
    if (error instanceof FileExistsError) {
      io.err(`wirenix: ${flags.png} already exists; it is not replaced (remove it first)\n`);
      return EXIT_INVALID;
    }
    const problem = fileProblem(error);
    if (problem === undefined) throw error;
    io.err(`wirenix: ${problem}\n`);
    return EXIT_INVALID;
  }
  io.err(`wrote ${flags.png} (mode 0600: it holds the private key of ${peerName})\n`);
  return 0;
}

export function qrCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("qr")
    .description(
      "one peer's wg-quick configuration, private key included, as a QR code for the WireGuard phone apps",
    )
    .argument("<acl>", "the ACL file")
    .argument("<peer>", "the peer (usually a roaming one: a phone, a laptop)")
    .option(
      "--png <file>",
      "write a PNG (mode 0600, never over an existing file) instead of printing",
    )
    .option("--subnet <name>", "the subnet, when the peer is in several")
    .option("--keys-dir <dir>", "where `wirenix keys generate` wrote keys (private and public)")
    .option("--private-key-file <file>", "read the peer's private key from this file")
    .addOption(
      new Option("--dev-name-method <method>", "how interfaces are named")
        .choices(DEV_NAME_METHODS)
        .default(DEFAULT_OPTIONS.devNameMethod),
    )
    .option("--plugin <file>", "load a plugin module (repeat for several)", collect, [])
    .action(async (acl: string, peer: string, flags: Flags) => {
      done(await run(io, acl, peer, flags).catch(rethrowExit));
    });
  return withAclLimits(command);
}
