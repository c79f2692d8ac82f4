/**
 * What `add-peer` changes in an ACL, planned on its data as edit operations. A new peer joins
 * one subnet with the subnet's port and, when the subnet has an `ipv4Pool`, the lowest free
 * address of it next to "auto" (so it keeps its generated IPv6 address). (`remove-peer` is
 * remove-peer.ts.)
 */
import { isIPv6 } from "node:net";
import { isEndpointHost } from "../acl/values.js";
import { type DiagnosticCode, diagnostic, type PathSegment, type Result } from "../diagnostics.js";
import { allocateIPv4 } from "../network/ipv4-pool.js";
import type { AclChange } from "./acl-file.js";
import type { EditOp } from "./ops.js";

export const DEFAULT_PORT = 51820;

type Data = Record<string, unknown>;

function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function named(value: unknown): string | undefined {
  return isRecord(value) && typeof value.name === "string" ? value.name : undefined;
}

function failure(
  path: readonly PathSegment[],
  message: string,
  code: DiagnosticCode = "usage",
): Result<never> {
  return { ok: false, diagnostics: [diagnostic("error", code, path, message)] };
}

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

function chooseSubnet(subnets: readonly Data[], wanted: string | undefined): Result<Data> {
  const names = subnets.map((s) => q(named(s) ?? ""));
  if (wanted !== undefined) {
    const found = subnets.find((s) => named(s) === wanted);
    if (found) return { ok: true, value: found, warnings: [] };
    return failure(["subnets"], `no subnet ${q(wanted)} (subnets: ${names.join(", ") || "none"})`);
  }
  const [only] = subnets;
  if (subnets.length === 1 && only) return { ok: true, value: only, warnings: [] };
  if (subnets.length === 0)
    return failure(["subnets"], "the ACL has no subnet to add the peer to; add one first");
  return failure(
    ["subnets"],
    `the ACL has ${subnets.length} subnets: choose one with --subnet (${names.join(", ")})`,
  );
}

/** The edits that add peer `options.name` to the ACL `data` (a valid ACL). */
export function planAddPeer(data: unknown, options: AddPeerOptions): Result<AddedPeer> {
  if (!isRecord(data)) return failure([], "expected the ACL to be an object");
  const peers = list(data.peers);
  if (options.name === "") return failure(["peers"], "expected a peer name");
  if (peers.some((p) => named(p) === options.name))
    return failure(["peers"], `there is already a peer ${q(options.name)}`);
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
