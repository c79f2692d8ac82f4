/**
 * Services as values: what a rule's `allow` entry names (`tcp/22`, `udp/8000-8999`, `icmp`, `*`)
 * and what a packet is (`tcp/22`, `icmp`), each parsed from its text here, once, when the ACL is
 * read. Text that is neither is no value at all: the caller reports it, so an unreadable service
 * can never stand for "every service".
 */

/** One entry of `allow`: a protocol and, for tcp and udp, a port range. */
export type Service =
  | { readonly protocol: "any" }
  | { readonly protocol: "icmp" }
  | { readonly protocol: "tcp" | "udp"; readonly low: number; readonly high: number };

/** A packet as a rule sees it: protocol and port (absent: any port of the protocol). */
export interface PacketService {
  readonly protocol: "tcp" | "udp" | "icmp";
  readonly port?: number;
}

/** What a rule's `allow` entry may say, for messages and the rule language's docs. */
export const SERVICE_EXPECTED = 'expected "tcp/22", "udp/53", "tcp/8000-8999", "icmp" or "*"';

const SERVICE = /^(?:\*|icmp|(tcp|udp)\/([0-9]{1,5})(?:-([0-9]{1,5}))?)$/;
const PACKET_SERVICE = /^(?:(tcp|udp)\/([0-9]{1,5})|(icmp))$/;

const isPort = (n: number) => n >= 1 && n <= 65535;

/** The service `text` names (ports 1-65535, a range low to high), or undefined when none. */
export function parseService(text: string): Service | undefined {
  const m = SERVICE.exec(text);
  if (!m) return undefined;
  if (text === "*") return { protocol: "any" };
  if (text === "icmp") return { protocol: "icmp" };
  const low = Number(m[2]);
  const high = m[3] === undefined ? low : Number(m[3]);
  if (!isPort(low) || !isPort(high) || low > high) return undefined;
  return { protocol: m[1] as "tcp" | "udp", low, high };
}

/** The packet `text` describes (`tcp/22`, `udp/53`, `icmp`), or undefined when none. */
export function parsePacketService(text: string): PacketService | undefined {
  const m = PACKET_SERVICE.exec(text);
  if (!m) return undefined;
  if (m[3]) return { protocol: "icmp" };
  const port = Number(m[2]);
  return isPort(port) ? { protocol: m[1] as "tcp" | "udp", port } : undefined;
}

/** A rule's service as written: `tcp/22`, `tcp/8000-8999`, `icmp`, `*`. */
export function serviceText(service: Service): string {
  if (service.protocol === "any") return "*";
  if (service.protocol === "icmp") return "icmp";
  const ports = service.low === service.high ? `${service.low}` : `${service.low}-${service.high}`;
  return `${service.protocol}/${ports}`;
}

/** `tcp/22`, `icmp`: a packet's service as text. */
export function packetServiceText(service: PacketService): string {
  return service.port === undefined ? service.protocol : `${service.protocol}/${service.port}`;
}

/**
 * A target with a service (`hub:tcp/22`, `10.0.0.0/24:icmp`) split into the name and the
 * packet's service; a target without one (or with a suffix that is no service: an IPv6
 * address's last group) is the name unchanged.
 */
export function splitService(text: string): { name: string; service?: PacketService } {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return { name: text };
  const service = parsePacketService(text.slice(colon + 1));
  return service === undefined ? { name: text } : { name: text.slice(0, colon), service };
}
