/** `static`: NixOS `networking.wireguard.interfaces`, one per subnet of the peer. */
import type { ConfigTree } from "../../core/config-tree.js";
import type { RunContext } from "../../core/run-context.js";
import type { Link } from "../../network/model.js";
import { allowedIPTexts } from "../../network/routing.js";
import { defineConfigurer } from "./configurer.js";
import { warnDnsUnsupported } from "./dns-mtu.js";
import { deviceInterfaces } from "./interfaces.js";
import { nixosHostOptions } from "./nixos-host-options.js";
import { exitRuleCommands } from "./nixos-routing.js";
import { sharedPeerEntry } from "./peer-entries.js";

function peerEntry(
  run: RunContext,
  link: Link,
  publicKey: string,
  presharedKeyFile: string | undefined,
) {
  return sharedPeerEntry(run, "static", link, publicKey, presharedKeyFile, () => {
    const { endpoint } = link;
    // Keys in Nix order, so printing a million of these needs no sorting.
    return {
      allowedIPs: allowedIPTexts(link),
      dynamicEndpointRefreshRestartSeconds: endpoint.dynamicEndpointRefreshRestartSeconds,
      dynamicEndpointRefreshSeconds: endpoint.dynamicEndpointRefreshSeconds,
      endpoint: endpoint.address,
      name: link.peer.name,
      persistentKeepalive: endpoint.persistentKeepalive,
      presharedKeyFile,
      publicKey,
    };
  });
}

export const nixosStaticConfigurer = defineConfigurer({
  name: "static",
  description: "NixOS networking.wireguard.interfaces (scripted networking)",
  configure(context) {
    const interfaces: ConfigTree = {};
    const { keys } = context;
    const devices = deviceInterfaces(context);
    for (const { device, iface } of devices) {
      const privateKeyFile = keys.privateKeyFile();
      const presharedKeyFile = keys.presharedKeyFile(iface.subnet);
      const exit = iface.exit;
      // NixOS's wireguard interfaces have no DNS option, and networking.nameservers would send
      // every lookup to these servers even while the tunnel is down.
      warnDnsUnsupported(
        context,
        iface,
        device,
        "static",
        "add them to networking.nameservers yourself if every lookup may go to them, or use the networkd configurer (per-interface DNS)",
      );
      // Keys in Nix order, so printing needs no sorting. An exit node: every route of the
      // interface goes to its own table (`table`), which all traffic but the tunnel's own
      // (marked with `fwMark`) packets looks up, as wg-quick does.
      interfaces[device] = {
        fwMark: exit === undefined ? undefined : String(exit.table),
        ips: iface.addresses.map((a) => a.interfaceCidr),
        listenPort: iface.listenPort,
        mtu: iface.mtu,
        peers: iface.links.map((link) =>
          peerEntry(context.run, link, keys.publicKeyOf(link.peer), presharedKeyFile),
        ),
        postSetup: exit === undefined ? undefined : exitRuleCommands(exit.table, "add").join("\n"),
        postShutdown:
          exit === undefined
            ? undefined
            : exitRuleCommands(exit.table, "del")
                .map((c) => `${c} || true`)
                .join("\n"),
        privateKeyFile,
        table: exit === undefined ? undefined : String(exit.table),
      };
    }
    const host = nixosHostOptions(context, devices);
    return { ...host, networking: { ...host.networking, wireguard: { interfaces } } };
  },
});
