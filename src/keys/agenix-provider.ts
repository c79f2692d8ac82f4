/**
 * The `agenix` key provider: private keys encrypted by `wirenix keys encrypt` into
 * `<secretsDir>/wirenix-peer-<P>.age` (and preshared keys into `wirenix-subnet-<S>.age`),
 * declared as `age.secrets.<name>.file` for agenix to decrypt on the host. Public keys come
 * from the `.pub` files written beside them.
 */
import { existsSync } from "node:fs";
import { posix } from "node:path";
import type { ConfigTree } from "../core/config-tree.js";
import { peerSecretName, subnetSecretName } from "./agenix-rekey-provider.js";
import { cachedKeyFile, subnetWantsPresharedKey } from "./key-dir.js";
import { defineKeyProvider, requiresDirectory } from "./provider.js";

/** Where agenix puts a decrypted secret by default (`age.secretsDir`). */
const AGENIX_RUNTIME_DIR = "/run/agenix";

export const agenixKeyProvider = defineKeyProvider({
  name: "agenix",
  description:
    "age files written by `wirenix keys encrypt` into the secrets directory, decrypted by agenix on the host",
  checkOptions: requiresDirectory("agenix", "secretsDir"),
  forPeer: ({ network, peer, configurer, secretsDir, cache }) => {
    const dir = secretsDir ?? ".";
    const group = configurer.includes("networkd") ? "systemd-network" : "root";
    const pubFile = (name: string) => posix.join(dir, `${peerSecretName(name)}.pub`);
    const secret = (name: string): ConfigTree => ({
      file: posix.join(dir, `${name}.age`),
      owner: "root",
      group,
      mode: "640",
    });
    const pskSubnets = () =>
      peer.memberships
        .map((m) => network.subnet(m.subnet))
        .filter((s) => s !== undefined && subnetWantsPresharedKey(s));
    return {
      publicKeyOf: (remote) => cachedKeyFile(cache, pubFile(remote.name)),
      privateKeyFile: () => posix.join(AGENIX_RUNTIME_DIR, peerSecretName(peer.name)),
      presharedKeyFile: (subnet) =>
        subnetWantsPresharedKey(subnet)
          ? posix.join(AGENIX_RUNTIME_DIR, subnetSecretName(subnet.name))
          : undefined,
      config: () => {
        const secrets: ConfigTree = {
          [peerSecretName(peer.name)]: secret(peerSecretName(peer.name)),
        };
        for (const s of pskSubnets())
          if (s) secrets[subnetSecretName(s.name)] = secret(subnetSecretName(s.name));
        return { age: { secrets } };
      },
      hint: {
        publicKey: (remote) =>
          `agenix: ${pubFile(remote.name)} ${existsSync(pubFile(remote.name)) ? "holds no key" : "does not exist"} (run wirenix keys encrypt)`,
      },
    };
  },
});
