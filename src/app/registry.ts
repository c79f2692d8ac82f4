/**
 * The plugin registries: parsers by ACL version, configurers and key providers by name.
 * Built-ins register exactly as a user's plugin does.
 */

import type { Parser } from "../acl/parser.js";
import { v1Parser } from "../acl/v1/parser.js";
import { aclKeyProvider } from "../keys/acl-provider.js";
import { agenixKeyProvider } from "../keys/agenix-provider.js";
import { agenixRekeyKeyProvider } from "../keys/agenix-rekey-provider.js";
import { dirKeyProvider } from "../keys/dir-provider.js";
import type { KeyProvider } from "../keys/provider.js";
import { sopsNixKeyProvider } from "../keys/sops-nix-provider.js";
import type { Configurer } from "../render/configurers/configurer.js";
import { hostsFileConfigurer } from "../render/configurers/hosts-file.js";
import { networkdFilesConfigurer } from "../render/configurers/networkd-files.js";
import {
  nixosNetworkdConfigurer,
  nixosNetworkdDevOnlyConfigurer,
} from "../render/configurers/nixos-networkd.js";
import { nixosStaticConfigurer } from "../render/configurers/nixos-static.js";
import { wgQuickConfigurer } from "../render/configurers/wg-quick.js";

/** What a plugin may contribute. Later registrations replace earlier ones of the same name. */
export interface PluginContribution {
  parsers?: readonly Parser[];
  configurers?: readonly Configurer[];
  keyProviders?: readonly KeyProvider[];
}

export class Registry {
  readonly parsers = new Map<string, Parser>();
  readonly configurers = new Map<string, Configurer>();
  readonly keyProviders = new Map<string, KeyProvider>();

  register(contribution: PluginContribution): this {
    for (const p of contribution.parsers ?? []) this.parsers.set(p.version, p);
    for (const c of contribution.configurers ?? []) this.configurers.set(c.name, c);
    for (const k of contribution.keyProviders ?? []) this.keyProviders.set(k.name, k);
    return this;
  }

  /** A copy of this registry with `contribution` registered on top; this one is left as it is. */
  with(contribution: PluginContribution): Registry {
    return new Registry()
      .register({
        parsers: [...this.parsers.values()],
        configurers: [...this.configurers.values()],
        keyProviders: [...this.keyProviders.values()],
      })
      .register(contribution);
  }
}

/** The parsers, configurers and key providers that ship with Wirenix. */
export const BUILTINS: PluginContribution = {
  parsers: [v1Parser],
  configurers: [
    nixosStaticConfigurer,
    nixosNetworkdConfigurer,
    nixosNetworkdDevOnlyConfigurer,
    wgQuickConfigurer,
    networkdFilesConfigurer,
    hostsFileConfigurer,
  ],
  keyProviders: [
    aclKeyProvider,
    agenixRekeyKeyProvider,
    dirKeyProvider,
    agenixKeyProvider,
    sopsNixKeyProvider,
  ],
};

/** A registry holding the built-ins. */
export function createRegistry(): Registry {
  return new Registry().register(BUILTINS);
}
