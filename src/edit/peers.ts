/**
 * What `add-peer` changes in an ACL, planned on its data as edit operations. A new peer joins
 * one subnet with the subnet's port and, when the subnet has an `ipv4Pool`, the lowest free
 * address of it next to "auto" (so it keeps its generated IPv6 address). (`remove-peer` is
 * remove-peer.ts.)
 */
import { isIPv6 } from "node:net";
import type { Result } from "../core/diagnostics.js";
import { allocateIPv4 } from "../network/ipv4-pool.js";
import { ROAMING_KEEPALIVE } from "../network/routing.js";
import { isEndpointHost } from "../network/values.js";
import { type Data, failure, isRecord, list, named } from "./acl-data.js";
import type { AclChange } from "./acl-file.js";
import type { EditOp } from "./ops.js";

export const DEFAULT_PORT = 51820;

const q = JSON.stringify;

export interface Endpoint {
  host: string;
  port?: number;
}

/** `HOST`, `HOST:PORT`, `[IPv6]`, `[IPv6]:PORT` or a bare IPv6 address; undefined if none. */
export function parseEndpoint(text: string): Endpoint | undefined {
  let host = text;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? "";
    port = bracketed[2];
    if (!isIPv6(host)) return undefined;
  } else if (!isIPv6(text)) {
    const colon = text.lastIndexOf(":");
    if (colon >= 0) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
      if (!/^\d+$/.test(port)) return undefined;
    }
  }
  if (!isEndpointHost(host)) return undefined;
  if (port === undefined) return { host };
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

export interface AddPeerOptions {
  name: string;
  subnet?: string;
  endpoint?: Endpoint;
  groups?: readonly string[];
  port?: number;
}

export interface AddedPeer extends AclChange {
  subnet: string;
  port: number;
  /** The address taken from the subnet's pool, if it has one. */
  address?: string;
  /** The subnet's `ipv6Prefix`, which the peer's generated address is in, if it has one. */
  ipv6Prefix?: string;
  peer: Data;
}

/** The subnet's port: the one its endpoints give (the last that says one), else 51820. */
export function subnetPort(subnet: Data): number {
  let port = DEFAULT_PORT;
  for (const e of list(subnet.endpoints))
    if (isRecord(e) && e.match === undefined && typeof e.port === "number") port = e.port;
  return port;
}

/** The keepalive the subnet's endpoints give every link (the last that says one), if any. */
function subnetKeepalive(subnet: Data): number | undefined {
  let keepalive: number | undefined;
  for (const e of list(subnet.endpoints))
    if (isRecord(e) && e.match === undefined && typeof e.persistentKeepalive === "number")
      keepalive = e.persistentKeepalive;
  return keepalive;
}

function chooseSubnet(subnets: readonly Data[], wanted: string | undefined): Result<Data> {
  const names = subnets.map((s) => q(named(s) ?? ""));
  if (wanted !== undefined) {
    const found = subnets.find((s) => named(s) === wanted);
    if (found) return { ok: true, value: found, warnings: [] };
    return failure(
      ["subnets"],
      `no subnet ${q(wanted)} (subnets: ${names.join(", ") || "none"})`,
      "usage",
      "subnet",
    );
  }
  const [only] = subnets;
  if (subnets.length === 1 && only) return { ok: true, value: only, warnings: [] };
  if (subnets.length === 0)
    return failure(
      ["subnets"],
      "the ACL has no subnet to add the peer to; add one first",
      "edit-failed",
    );
  return failure(
    ["subnets"],
    `the ACL has ${subnets.length} subnets (${names.join(", ")}): choose one`,
    "usage",
    "subnet",
  );
}

/** The edits that add peer `options.name` to the ACL `data` (a valid ACL). */
export function planAddPeer(data: unknown, options: AddPeerOptions): Result<AddedPeer> {
  if (!isRecord(data)) return failure([], "expected the ACL to be an object", "invalid-value");
  const peers = list(data.peers);
  if (options.name === "") return failure(["peers"], "expected a peer name");
  if (peers.some((p) => named(p) === options.name))
    return failure(["peers"], `there is already a peer ${q(options.name)}`, "duplicate-name");
  const chosen = chooseSubnet(list(data.subnets).filter(isRecord), options.subnet);
  if (!chosen.ok) return chosen;
  const subnet = chosen.value;
  const subnetName = named(subnet) ?? "";
  const port = options.port ?? subnetPort(subnet);
  const membership: Data = { listenPort: port };
  let address: string | undefined;
  if (typeof subnet.ipv4Pool === "string") {
    const used = peers.flatMap((p) => {
      const entry = isRecord(p) && isRecord(p.subnets) ? p.subnets[subnetName] : undefined;
      return isRecord(entry) ? list(entry.ipAddresses).filter((a) => typeof a === "string") : [];
    }) as string[];
    const allocated = allocateIPv4(subnet.ipv4Pool, used);
    if ("problem" in allocated)
      return failure(
        ["subnets", list(data.subnets).indexOf(subnet), "ipv4Pool"],
        allocated.problem,
        "pool-full",
      );
    address = allocated.address;
    membership.ipAddresses = [address, "auto"];
  }
  const peer: Data = { name: options.name };
  const groups = [...new Set(options.groups ?? [])];
  if (groups.length > 0) peer.groups = groups;
  // Nobody can dial a peer without an endpoint: it must keep its tunnels alive itself (behind
  // NAT, the way back closes when it is silent), which `roaming` says explicitly.
  if (!options.endpoint) peer.roaming = true;
  peer.subnets = { [subnetName]: membership };
  if (options.endpoint)
    peer.endpoints = [{ ip: options.endpoint.host, port: options.endpoint.port ?? port }];
  const ops: EditOp[] = [];
  const notices: string[] = [];
  const known = new Set(list(data.groups).map(named));
  const newGroups = groups.filter((g) => !known.has(g));
  if (newGroups.length > 0) {
    const entries = newGroups.map((name) => ({ name }));
    if (Array.isArray(data.groups))
      for (const entry of entries) ops.push({ kind: "append", list: ["groups"], value: entry });
    else ops.push({ kind: "set", map: [], key: "groups", value: entries });
    notices.push(
      `added group${newGroups.length > 1 ? "s" : ""} ${newGroups.map((g) => q(g)).join(", ")}`,
    );
  }
  if (!options.endpoint)
    notices.push(
      `peer ${q(options.name)} has no endpoint, so nobody can dial it: written with roaming: true (it sends a keepalive every ${subnetKeepalive(subnet) ?? ROAMING_KEEPALIVE} s to the peers it dials, which keeps its NAT open)`,
    );
  // Two peers nobody can dial never handshake; the first peer of the subnet everyone can dial
  // carries their traffic, unless the subnet names a relay already.
  const dialable = peers.some((p) => {
    const member = isRecord(p) && isRecord(p.subnets) && subnetName in p.subnets;
    return member && list(p.endpoints).some((e) => isRecord(e) && e.ip !== undefined);
  });
  if (options.endpoint && subnet.relay === undefined && !dialable) {
    const at = list(data.subnets).indexOf(subnet);
    ops.push({ kind: "set", map: ["subnets", at], key: "relay", value: options.name });
    notices.push(
      `subnet ${q(subnetName)} relays through ${q(options.name)} now (relay: ${options.name}): peers without an endpoint reach each other through it`,
    );
  }
  ops.push({ kind: "append", list: ["peers"], value: peer });
  return {
    ok: true,
    value: {
      ops,
      notices,
      subnet: subnetName,
      port,
      peer,
      ...(address ? { address } : {}),
      ...(typeof subnet.ipv6Prefix === "string" ? { ipv6Prefix: subnet.ipv6Prefix } : {}),
    },
    warnings: [],
  };
}
