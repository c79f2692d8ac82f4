/**
 * `wirenix qr ACL PEER`: one peer's wg-quick configuration as a QR code, for the WireGuard
 * phone apps, in the terminal or as a PNG. The code holds the peer's private key, which is
 * why it is made only for the one peer asked for, and the key never appears as text: it is
 * read from `--private-key-file`, the keys directory, or the ACL, and goes into the code only.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import QRCode from "qrcode";
import { phoneConfiguration } from "../app/phone.js";
import { DEFAULT_OPTIONS } from "../app/pipeline.js";
import { createSecretFile, FileExistsError, fileProblem } from "../keys/key-dir.js";
import { DEV_NAME_METHODS, type DevNameMethod } from "../network/devname.js";
import { aclCommand, checkPeerNames, type NetworkFlags, sourcedNetworkWith } from "./common.js";
import { withFlagHints } from "./hints.js";
import { type CliIO, EXIT_INVALID, printDiagnostics, printError, UsageError } from "./io.js";
import { withKeyHints } from "./key-hints.js";

interface Flags extends NetworkFlags {
  png?: string;
  subnet?: string;
  keysDir?: string;
  privateKeyFile?: string;
  devNameMethod: DevNameMethod;
}

async function run(io: CliIO, acl: string, peerName: string, flags: Flags): Promise<number> {
  const { registry, network, locate } = await sourcedNetworkWith(io, acl, flags);
  checkPeerNames(network, acl, [peerName]);
  const made = phoneConfiguration(network, registry, {
    peer: peerName,
    devNameMethod: flags.devNameMethod,
    ...(flags.subnet === undefined ? {} : { subnet: flags.subnet }),
    ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
    ...(flags.privateKeyFile === undefined ? {} : { privateKeyFile: flags.privateKeyFile }),
  });
  if (!made.ok) {
    const usage = made.diagnostics.find((d) => d.code === "usage");
    if (usage) throw new UsageError(withFlagHints([usage])[0]?.message ?? usage.message);
    // With --private-key-file the key comes from that file, not a keys directory: no hint.
    const hinted =
      flags.privateKeyFile === undefined
        ? withKeyHints(made.diagnostics, {
            acl,
            network,
            ...(flags.keysDir === undefined ? {} : { keysDir: flags.keysDir }),
          })
        : made.diagnostics;
    printDiagnostics(io, locate(hinted));
    return EXIT_INVALID;
  }
  printDiagnostics(io, locate(made.warnings));
  const text = made.value;
  // A code on a pipe or in a file would be the private key in a log or a file nobody protects.
  if (flags.png === undefined && io.outTerminal !== true)
    throw new UsageError(
      `standard output is not a terminal: the QR code holds the private key of ${JSON.stringify(peerName)}, so it is only shown on a terminal; write it with --png FILE instead`,
    );

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
      printError(io, `${flags.png} already exists; it is not replaced (remove it first)`);
      return EXIT_INVALID;
    }
    const problem = fileProblem(error);
    if (problem === undefined) throw error;
    printError(io, problem);
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
    );
  return aclCommand(command, done, (acl, flags: Flags, [peer]) =>
    run(io, acl, peer as string, flags),
  );
}
