/** The `acl` key provider: keys and key files written in the ACL itself. */
import { defineKeyProvider } from "./provider.js";

export const aclKeyProvider = defineKeyProvider({
  name: "acl",
  description: "public keys, private key files and preshared key files written in the ACL",
  forPeer: ({ peer }) => ({
    publicKeyOf: (remote) => remote.publicKey,
    privateKeyFile: () => peer.privateKeyFile,
    presharedKeyFile: (subnet) => subnet.presharedKeyFile,
    privateKey: () => peer.privateKey,
    privateKeySource: () => `peers[${peer.index}].privateKey in the ACL`,
    hint: {
      publicKey: (remote) => `acl: set peers[${remote.index}].publicKey`,
      privateKeyFile: () => `acl: set peers[${peer.index}].privateKeyFile`,
    },
  }),
});
