/**
 * The `dir` key provider: keys that `wirenix keys generate --dir DIR` wrote. Public keys are
 * read from `DIR/<peer>.pub`; the private key and preshared key files are named by their
 * absolute path under DIR, so DIR must be where the host finds them too (the host's own keys
 * directory, or one deployed there).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { diagnostic, InputError } from "../core/diagnostics.js";
import {
  cachedKeyFile,
  keyFiles,
  presharedKeyRequestPath,
  subnetHasPresharedKey,
  subnetWantsPresharedKey,
} from "./key-dir.js";
import { defineKeyProvider, requiresDirectory } from "./provider.js";

export const dirKeyProvider = defineKeyProvider({
  name: "dir",
  description: "keys written by `wirenix keys generate` into the keys directory",
  checkOptions: requiresDirectory("dir", "keysDir"),
  forPeer: ({ peer, keysDir, cache }) => {
    const dir = resolve(keysDir ?? ".");
    return {
      publicKeyOf: (remote) => cachedKeyFile(cache, join(dir, keyFiles.publicKey(remote.name))),
      privateKeyFile: () => {
        const file = join(dir, keyFiles.privateKey(peer.name));
        return existsSync(file) ? file : undefined;
      },
      presharedKeyFile: (subnet) => {
        if (!subnetWantsPresharedKey(subnet)) return undefined;
        const file = join(dir, keyFiles.presharedKey(subnet.name));
        if (existsSync(file)) return file;
        // The subnet asks for a preshared key: configuring without it would silently drop it.
        throw new InputError([
          diagnostic(
            "error",
            "no-preshared-key",
            presharedKeyRequestPath(subnet),
            `subnet ${JSON.stringify(subnet.name)} wants a preshared key, but ${file} does not exist; run wirenix keys generate`,
          ),
        ]);
      },
      privateKey: () => cachedKeyFile(cache, join(dir, keyFiles.privateKey(peer.name))),
      privateKeySource: () => join(dir, keyFiles.privateKey(peer.name)),
      presharedKey: (subnet) =>
        subnetHasPresharedKey(subnet)
          ? cachedKeyFile(cache, join(dir, keyFiles.presharedKey(subnet.name)))
          : undefined,
      hint: {
        publicKey: (remote) => `dir: ${join(dir, keyFiles.publicKey(remote.name))} does not exist`,
        privateKeyFile: () => `dir: ${join(dir, keyFiles.privateKey(peer.name))} does not exist`,
      },
    };
  },
});
