/**
 * One peer's one interface as a WireGuard phone app imports it (what `wirenix qr` encodes):
 * the wg-quick configuration with its keys inline, the keys found by the key providers.
 */

import type { Result } from "../core/diagnostics.js";
import { readKeyFile } from "../keys/key-dir.js";
import type { DevNameMethod } from "../network/devname.js";
import type { Network } from "../network/model.js";
import { phoneConfig } from "../render/configurers/wg-quick.js";
import { chooseInterface, usageFailure } from "./output-plan.js";
import { DEFAULT_OPTIONS, defaultKeyProviders, Generator } from "./pipeline.js";
import type { Registry } from "./registry.js";

export interface PhoneConfigOptions {
  peer: string;
  /** The interface, when the peer is in several subnets. */
  subnet?: string;
  devNameMethod?: DevNameMethod;
  /** Default: `dir` then `acl` with a keys directory, else `acl`. */
  keyProviders?: readonly string[];
  keysDir?: string;
  secretsDir?: string;
  /** A file holding the peer's private key, used instead of what the providers find. */
  privateKeyFile?: string;
}

/** The configuration text, or why it cannot be made; never a key in a message. */
export function phoneConfiguration(
  network: Network,
  registry: Registry,
  options: PhoneConfigOptions,
): Result<string> {
  const subnet = chooseInterface(network, options.peer, options.subnet);
  if (!subnet.ok) return subnet;
  let privateKey: string | undefined;
  if (options.privateKeyFile !== undefined) {
    privateKey = readKeyFile(options.privateKeyFile);
    if (privateKey === undefined)
      return usageFailure(
        `${options.privateKeyFile}: not readable, or not a WireGuard private key (32 bytes in base64, as \`wg genkey\` prints)`,
        "privateKeyFile",
      );
  }
  const created = Generator.create(network, registry, {
    ...DEFAULT_OPTIONS,
    configurer: "wg-quick",
    keyProviders: options.keyProviders ?? defaultKeyProviders(options.keysDir),
    devNameMethod: options.devNameMethod ?? DEFAULT_OPTIONS.devNameMethod,
    ...(options.keysDir === undefined ? {} : { keysDir: options.keysDir }),
    ...(options.secretsDir === undefined ? {} : { secretsDir: options.secretsDir }),
  });
  if (!created.ok) return created;
  const generator = created.value;
  const made = generator.configureWith(options.peer, (context) => {
    // A key given on the command line is checked as one the providers found.
    if (privateKey !== undefined && options.privateKeyFile !== undefined)
      context.keys.checkOwnPrivateKey(privateKey, options.privateKeyFile);
    return phoneConfig(context, subnet.value, privateKey);
  });
  if (!made.ok) return made;
  return { ok: true, value: made.value, warnings: [...generator.warnings] };
}
