/**
 * What routed subnets, exit nodes and `openFirewall` need of the host outside the WireGuard
 * interfaces: IP forwarding on a peer that routes for others, NAT on an exit peer, rp_filter
 * and the mark sysctl on an exit client, open UDP ports. Decided once here for the `static` and
 * `networkd` configurers (NixOS options) and for `networkd-files` (sysctl.d and nftables
 * files), so both networkd outputs agree. Nothing is set for an ACL that uses none of these
 * keys, so the original's output is unchanged.
 */
import type { ConfigTree } from "../../core/config-tree.js";
import { interfaceForwards } from "../../network/routing.js";
import type { DeviceInterface } from "./interfaces.js";

/** Options to set beside the interfaces (`boot`, `networking.firewall`, `networking.nat`). */
export interface RoutingOptions {
  boot?: ConfigTree;
  firewall?: ConfigTree;
  nat?: ConfigTree;
}

/** What a peer's interfaces need of the host, whatever writes it (NixOS options or files). */
export interface HostRouting {
  /** Kernel settings (`boot.kernel.sysctl`, a sysctl.d file), in a fixed order. */
  sysctl: Record<string, true | 1>;
  /** Devices whose traffic to other interfaces is masqueraded (this peer is their exit node). */
  masquerade: string[];
  /** Listen ports to open in the firewall. */
  ports: number[];
  /** Whether an interface sends everything through an exit node. */
  exitClient: boolean;
}

export function hostRouting(devices: readonly DeviceInterface[]): HostRouting {
  const masquerade: string[] = [];
  const ports: number[] = [];
  let forwards = false;
  let exitClient = false;
  for (const { device, iface } of devices) {
    if (iface.links.some((l) => l.exitClient)) masquerade.push(device);
    if (interfaceForwards(iface)) forwards = true;
    if (iface.exit) exitClient = true;
    if (iface.openFirewall === true && !ports.includes(iface.listenPort))
      ports.push(iface.listenPort);
  }
  forwards ||= masquerade.length > 0;
  const sysctl: Record<string, true | 1> = {};
  if (forwards) {
    // `true` as NixOS's own nat module writes them, so the two definitions agree.
    sysctl["net.ipv4.conf.all.forwarding"] = true;
    sysctl["net.ipv6.conf.all.forwarding"] = true;
  }
  // wg-quick sets this too: replies to marked packets pass the reverse-path filter.
  if (exitClient) sysctl["net.ipv4.conf.all.src_valid_mark"] = 1;
  return { sysctl, masquerade, ports, exitClient };
}

export function nixosRoutingOptions(devices: readonly DeviceInterface[]): RoutingOptions {
  const { sysctl, masquerade, ports, exitClient } = hostRouting(devices);
  const firewall: ConfigTree = {};
  if (ports.length > 0) firewall.allowedUDPPorts = ports;
  // The strict reverse-path check drops packets that arrive through the tunnel for an address
  // whose route, in the main table, is not the tunnel.
  if (exitClient) firewall.checkReversePath = "loose";
  const out: RoutingOptions = {};
  if (Object.keys(sysctl).length > 0) out.boot = { kernel: { sysctl: { ...sysctl } } };
  if (Object.keys(firewall).length > 0) out.firewall = firewall;
  if (masquerade.length > 0)
    out.nat = { enable: true, enableIPv6: true, internalInterfaces: masquerade };
  return out;
}

/** The `ip rule` commands that send everything but the tunnel's own packets to its table. */
export function exitRuleCommands(table: number, action: "add" | "del"): string[] {
  return ["-4", "-6"].flatMap((family) => [
    `ip ${family} rule ${action} not fwmark ${table} table ${table}`,
    `ip ${family} rule ${action} table main suppress_prefixlength 0`,
  ]);
}

/** The firewall options with `trustedInterfaces` added (the rules decide for those devices). */
export function withTrusted(
  firewall: ConfigTree | undefined,
  trusted: readonly string[] | undefined,
): ConfigTree | undefined {
  if (trusted === undefined || trusted.length === 0) return firewall;
  return { ...firewall, trustedInterfaces: [...trusted] };
}
