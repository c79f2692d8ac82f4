/**
 * Probes for access-rule tests on a Lab: socat listeners that answer "pong", and probes that
 * say whether a packet of a service got an answer (tcp/N, udp/N, icmp).
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Lab } from "./netns.js";

/** Starts a socat listener in the host's namespace that answers every connection "pong". */
export function listen(lab: Lab, host: string, service: string): ChildProcess {
  const [protocol, port] = service.split("/") as [string, string];
  const address =
    protocol === "tcp" ? `TCP-LISTEN:${port},fork,reuseaddr` : `UDP-LISTEN:${port},fork,reuseaddr`;
  return spawn("ip", ["netns", "exec", lab.ns(host), "socat", address, "SYSTEM:echo pong"], {
    stdio: "ignore",
  });
}

/**
 * Whether a packet of `service` from `from` gets an answer from `address` (1 s timeouts). An
 * answer is proof; no answer is tried twice more, so a loaded machine's slow answer is no drop.
 */
export async function probe(
  lab: Lab,
  from: string,
  address: string,
  service: string,
): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++)
    if (await probeOnce(lab, from, address, service)) return true;
  return false;
}

async function probeOnce(lab: Lab, from: string, address: string, service: string) {
  if (service === "icmp")
    return (await lab.exec(from, ["ping", "-n", "-c", "1", "-W", "1", address])).code === 0;
  const ran = await lab.exec(
    from,
    ["sh", "-c", `echo ping | socat -T1 - ${socatTarget(address, service)}`],
    {
      timeoutMs: 4000,
    },
  );
  return ran.stdout.includes("pong");
}

/**
 * What a packet of `service` from `from` to `address` meets: `arrives` (the listener's answer),
 * `refused` (a TCP reset or ICMP unreachable, socat's "Connection refused"; ping's "Packet
 * filtered" for an ICMP admin-prohibited) or `dropped` (no answer, tried three times so that a
 * loaded machine's slow answer is no drop).
 */
export async function outcome(
  lab: Lab,
  from: string,
  address: string,
  service: string,
): Promise<"arrives" | "refused" | "dropped"> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (service === "icmp") {
      const ran = await lab.exec(from, ["ping", "-n", "-c", "1", "-W", "1", address]);
      if (ran.code === 0) return "arrives";
      if (/Packet filtered|Prohibited/i.test(ran.stdout + ran.stderr)) return "refused";
      continue;
    }
    const ran = await lab.exec(
      from,
      ["sh", "-c", `echo ping | socat -T1 - ${socatTarget(address, service)}`],
      {
        timeoutMs: 4000,
      },
    );
    if (ran.stdout.includes("pong")) return "arrives";
    if (/Connection refused/.test(ran.stderr)) return "refused";
  }
  return "dropped";
}

/** socat's address for a probe of `tcp/N` or `udp/N` (1 s to connect). */
function socatTarget(address: string, service: string): string {
  const [protocol, port] = service.split("/") as [string, string];
  return protocol === "tcp" ? `TCP:${address}:${port},connect-timeout=1` : `UDP:${address}:${port}`;
}

/** Runs `tasks` with at most `width` at a time. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}
