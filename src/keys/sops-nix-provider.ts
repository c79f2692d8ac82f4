/**
 * The `sops-nix` key provider: private and preshared keys kept in sops files, declared as
 * `sops.secrets.<name>` for sops-nix to decrypt on the host. With a secrets directory each secret has
 * its own file, `<secretsDir>/wirenix-peer-<P>.yaml` holding the key `wirenix-peer-<P>`, so a
 * host's file can be encrypted to that host alone; without it, secrets come from
 * `sops.defaultSopsFile`. Public keys are read from `<secretsDir>/wirenix-peer-<R>.pub` when
 * present; otherwise list `dir` or `acl` after this provider.
 */
import { posix } from "node:path";
import type { ConfigTree } from "../core/config-tree.js";
import { peerSecretName, subnetSecretName } from "./agenix-rekey-provider.js";
import { cachedKeyFile, subnetWantsPresharedKey } from "./key-dir.js";
import { defineKeyProvider } from "./provider.js";

/** Where sops-nix puts a decrypted secret by default. */
const SOPS_RUNTIME_DIR = "/run/secrets";

export const sopsNixKeyProvider = defineKeyProvider({
  name: "sops-nix",
  description:
    "secrets decrypted by sops-nix on the host (one sops file per secret in the secrets directory, or sops.defaultSopsFile)",
  forPeer: ({ network, peer, configurer, secretsDir, cache }) => {
    const group = configurer.includes("networkd") ? "systemd-network" : "root";
    const secret = (name: string): ConfigTree => ({
      ...(secretsDir === undefined ? {} : { sopsFile: posix.join(secretsDir, `${name}.yaml`) }),
      key: name,
      owner: "root",
      group,
      mode: "0640",
    });
    return {
      publicKeyOf: (remote) => {
        if (secretsDir === undefined) return undefined;
        return cachedKeyFile(cache, posix.join(secretsDir, `${peerSecretName(remote.name)}.pub`));
      },
      privateKeyFile: () => posix.join(SOPS_RUNTIME_DIR, peerSecretName(peer.name)),
      presharedKeyFile: (subnet) =>
        subnetWantsPresharedKey(subnet)
          ? posix.join(SOPS_RUNTIME_DIR, subnetSecretName(subnet.name))
          : undefined,
      config: () => {
        const secrets: ConfigTree = {
          [peerSecretName(peer.name)]: secret(peerSecretName(peer.name)),
        };
        for (const m of peer.memberships) {
          const s = network.subnet(m.subnet);
          if (s && subnetWantsPresharedKey(s))
            secrets[subnetSecretName(s.name)] = secret(subnetSecretName(s.name));
        }
        return { sops: { secrets } };
      },
      hint: {
        publicKey: (remote) =>
          secretsDir === undefined
            ? "sops-nix: reads public keys only from a secrets directory; list dir or acl after it"
            : `sops-nix: ${posix.join(secretsDir, `${peerSecretName(remote.name)}.pub`)} does not exist`,
      },
    };
  },
});
