/**
 * The interfaces a configurer writes, one per distinct device name. Two subnets that end up with
 * the same device name (say `lan.a` and `lan.b` with devNameMethod short) cannot both exist:
 * the first in subnet-name order is kept, as the original does, and the other is reported.
 */
import type { NetInterface } from "../../network/model.js";
import type { IniEntry } from "../printers/ini.js";
import type { ConfigureContext } from "./configurer.js";

export interface DeviceInterface {
  device: string;
  iface: NetInterface;
}

export function deviceInterfaces(context: ConfigureContext): DeviceInterface[] {
  const seen = new Map<string, string>();
  const out: DeviceInterface[] = [];
  for (const iface of context.interfaces) {
    const device = context.deviceName(iface.subnet);
    const first = seen.get(device);
    if (first !== undefined) {
      context.warn(
        "devname-clash",
        ["peers", context.peer.index, "subnets", iface.subnet.name],
        `subnets ${JSON.stringify(first)} and ${JSON.stringify(iface.subnet.name)} both get device name ${JSON.stringify(device)} on peer ${JSON.stringify(context.peer.name)}; only ${JSON.stringify(first)} is configured (use devNameMethod "hash" or "long")`,
      );
      continue;
    }
    seen.set(device, iface.subnet.name);
    out.push({ device, iface });
  }
  return out;
}

/**
 * The `ListenPort` entry of a file configurer's interface, none for a roaming peer: nobody
 * dials it (no peer gets an endpoint for it), so a fixed port buys nothing, and a laptop or
 * phone holding one can clash with another program, or another tunnel behind the same NAT;
 * WireGuard then picks a free port itself. (The NixOS outputs keep `listenPort`: the original's
 * shape, and the port the NixOS firewall opens; so do the networkd files, which are what NixOS
 * renders from them.)
 */
export function listenPortEntry(
  context: ConfigureContext,
  iface: NetInterface,
): IniEntry | undefined {
  return context.peer.roaming === true ? undefined : { key: "ListenPort", value: iface.listenPort };
}
