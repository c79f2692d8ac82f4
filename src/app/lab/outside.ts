/**
 * The peers outside a lab probed from a few peers: the lab's keys give each a random public
 * key of no one (see keys.ts), and the wg-quick files of the lab's peers lose their `[Peer]`
 * sections before they are brought up. A hub of a thousand spokes then brings up the few it
 * has in the lab, not a thousand peers and a route each (two `ip` processes a route in
 * wg-quick).
 * Packets still go where they would: every peer a predicted packet between the lab's peers
 * passes is in the lab, and WireGuard picks a peer by the longest AllowedIPs, which an absent
 * peer's entries cannot take from a present one's (two equal ones are a `check` error).
 */
import { randomBytes } from "node:crypto";

/** A public key of no one, for a peer outside the lab. */
export function outsideKey(): string {
  return randomBytes(32).toString("base64");
}

/**
 * A wg-quick file without the `[Peer]` sections of the public keys `outside` holds; every other
 * line as it was.
 */
export function withoutOutsidePeers(conf: string, outside: ReadonlySet<string>): string {
  const lines = conf.split("\n");
  const out: string[] = [];
  let section: string[] = [];
  const flush = () => {
    const key = section
      .map((line) => /^\s*PublicKey\s*=\s*(\S+)\s*$/i.exec(line)?.[1])
      .find((k) => k !== undefined);
    const isPeer = /^\s*\[Peer\]\s*$/i.test(section[0] ?? "");
    if (!(isPeer && key !== undefined && outside.has(key))) out.push(...section);
    section = [];
  };
  for (const line of lines) {
    if (/^\s*\[[A-Za-z]+\]\s*$/.test(line)) flush();
    section.push(line);
  }
  flush();
  return out.join("\n");
}
