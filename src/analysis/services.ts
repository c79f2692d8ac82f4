/**
 * The services reachability is told in: the smallest pieces of "every packet" that every rule
 * of the networks compared either allows whole or not at all. Each tcp and udp port range an
 * `allow` names cuts the ports 1-65535 at its ends; icmp is one piece. A set of pieces is a bit
 * mask, so a whole network's reachability is one mask per pair of peers, and two networks
 * compare bit by bit. Protocols other than tcp, udp and icmp (which only `*` allows) are not
 * told apart: packets and policy tests name only these three.
 */

import type { Network } from "../network/model.js";
import type { PacketService, Service } from "../network/service.js";

/** One piece: a protocol, and for tcp and udp a port range. */
export interface ServiceAtom {
  protocol: "tcp" | "udp" | "icmp";
  low?: number;
  high?: number;
}

const PORTS = 65535;

export class ServiceSpace {
  readonly atoms: readonly ServiceAtom[];
  /** Every piece: what a packet that no rule filters may be. */
  readonly all: bigint;

  constructor(atoms: readonly ServiceAtom[]) {
    this.atoms = atoms;
    this.all = (1n << BigInt(atoms.length)) - 1n;
  }

  /** The pieces `services` (an `allow` list, parsed) let through. */
  maskOf(services: readonly Service[]): bigint {
    let mask = 0n;
    this.atoms.forEach((atom, i) => {
      if (services.some((s) => covers(s, atom))) mask |= 1n << BigInt(i);
    });
    return mask;
  }

  /** The packet a piece stands for, to follow with `tracePacket` (its first port). */
  probe(index: number): PacketService {
    const atom = this.atoms[index] as ServiceAtom;
    return atom.protocol === "icmp"
      ? { protocol: "icmp" }
      : { protocol: atom.protocol, port: atom.low as number };
  }

  /**
   * The mask in words, adjacent pieces of one protocol joined: `["*"]` for everything,
   * else `tcp/22`, `tcp/8000-8999`, `udp/1-65535`, `icmp`. Each with the index of its first
   * piece (to probe).
   */
  groups(mask: bigint): { text: string; first: number }[] {
    if (mask === 0n) return [];
    if (mask === this.all) return [{ text: "*", first: 0 }];
    const out: { text: string; first: number }[] = [];
    let open: { protocol: string; low: number; high: number; first: number } | undefined;
    const close = () => {
      if (!open) return;
      const range = open.low === open.high ? `${open.low}` : `${open.low}-${open.high}`;
      out.push({ text: `${open.protocol}/${range}`, first: open.first });
      open = undefined;
    };
    this.atoms.forEach((atom, i) => {
      if ((mask & (1n << BigInt(i))) === 0n) {
        close();
        return;
      }
      if (atom.protocol === "icmp") {
        close();
        out.push({ text: "icmp", first: i });
        return;
      }
      if (open && open.protocol === atom.protocol && open.high + 1 === atom.low)
        open.high = atom.high as number;
      else {
        close();
        open = {
          protocol: atom.protocol,
          low: atom.low as number,
          high: atom.high as number,
          first: i,
        };
      }
    });
    close();
    return out;
  }

  /** The mask as one line: `*`, `tcp/22, icmp`, or `nothing`. */
  text(mask: bigint): string {
    const groups = this.groups(mask);
    return groups.length === 0 ? "nothing" : groups.map((g) => g.text).join(", ");
  }
}

function covers(s: Service, atom: ServiceAtom): boolean {
  if (s.protocol === "any") return true;
  if (s.protocol !== atom.protocol) return false;
  if (s.protocol === "icmp") return true;
  return (s.low ?? 0) <= (atom.low ?? 0) && (atom.high ?? 0) <= (s.high ?? 0);
}

/** The pieces every rule of `networks` allows whole or not at all. */
export function serviceSpace(networks: readonly Network[]): ServiceSpace {
  const cuts = { tcp: new Set([1, PORTS + 1]), udp: new Set([1, PORTS + 1]) };
  for (const network of networks)
    for (const rule of network.rules ?? [])
      for (const s of rule.allow) {
        if (s.protocol !== "tcp" && s.protocol !== "udp") continue;
        cuts[s.protocol].add(s.low);
        cuts[s.protocol].add(s.high + 1);
      }
  const atoms: ServiceAtom[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const points = [...cuts[protocol]].sort((x, y) => x - y);
    for (let i = 0; i + 1 < points.length; i++)
      atoms.push({ protocol, low: points[i] as number, high: (points[i + 1] as number) - 1 });
  }
  atoms.push({ protocol: "icmp" });
  return new ServiceSpace(atoms);
}
