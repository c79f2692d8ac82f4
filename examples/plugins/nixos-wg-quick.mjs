// An example Wirenix plugin: a configurer for NixOS's `networking.wg-quick.interfaces`.
//
// From the repository's root:
//
//   wirenix generate examples/homelab.yaml --plugin examples/plugins/nixos-wg-quick.mjs --configurer nixos-wg-quick
//
// Copied anywhere else, it works the same: wirenix resolves its `import … from "wirenix"`.
//
// A plugin is an ES module whose default export lists what it adds (parsers, configurers, key
// providers). The `define*` helpers only give editors the types.
import {
  allowedIPTexts,
  defineConfigurer,
  definePlugin,
  deviceInterfaces,
  hostsEntries,
} from "wirenix";

const nixosWgQuick = defineConfigurer({
  name: "nixos-wg-quick",
  description: "NixOS networking.wg-quick.interfaces",
  configure(context) {
    const { keys } = context;
    const interfaces = {};
    // deviceInterfaces: one entry per device name, with the clash rules every configurer shares.
    for (const { device, iface } of deviceInterfaces(context)) {
      interfaces[device] = {
        address: iface.addresses.map((a) => a.interfaceCidr),
        listenPort: iface.listenPort,
        privateKeyFile: keys.privateKeyFile(),
        peers: iface.links.map((link) => ({
          publicKey: keys.publicKeyOf(link.peer),
          presharedKeyFile: keys.presharedKeyFile(iface.subnet),
          allowedIPs: allowedIPTexts(link),
          endpoint: link.endpoint.address,
          persistentKeepalive: link.endpoint.persistentKeepalive,
        })),
      };
    }
    return {
      networking: {
        hosts: hostsEntries(context.interfaces, context.network, context.run),
        "wg-quick": { interfaces },
      },
    };
  },
});

export default definePlugin({ configurers: [nixosWgQuick] });
