/** `static`: NixOS `networking.wireguard.interfaces`, one per subnet of the peer. */
import type { ConfigTree } from "../config-tree.js";
import { allowedIP, interfaceAddress } from "../network/addresses.js";
import { defineConfigurer } from "./configurer.js";
import { hostsEntries } from "./hosts.js";
import { deviceInterfaces } from "./interfaces.js";

export const nixosStaticConfigurer = defineConfigurer({
  name: "static",
  description: "NixOS networking.wireguard.interfaces (scripted networking)",
  configure(context) {
    const interfaces: ConfigTree = {};
    const { keys } = context;
    for (const { device, iface } of deviceInterfaces(context)) {
      const presharedKeyFile = keys.presharedKeyFile(iface.subnet);
      interfaces[device] = {
        ips: iface.addresses.map(interfaceAddress),
        listenPort: iface.listenPort,
        privateKeyFile: keys.privateKeyFile(),
        peers: iface.links.map((link) => {
          const { endpoint } = link;
          // Keys in Nix order, so printing a million of these needs no sorting.
          return {
            allowedIPs: link.addresses.map(allowedIP),
            dynamicEndpointRefreshRestartSeconds: endpoint.dynamicEndpointRefreshRestartSeconds,
            dynamicEndpointRefreshSeconds: endpoint.dynamicEndpointRefreshSeconds,
            endpoint: endpoint.address,
            name: link.peer,
            persistentKeepalive: endpoint.persistentKeepalive,
            presharedKeyFile,
            publicKey: keys.publicKeyOf(link.peer),
          };
        }),
      };
    }
    return {
      networking: {
        hosts: hostsEntries(context.interfaces, context.network),
        wireguard: { interfaces },
      },
    };
  },
});
