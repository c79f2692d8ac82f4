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
  const [protocol, port] = service.split("/") as [string, string];
  const target =
    protocol === "tcp" ? `TCP:${address}:${port},connect-timeout=1` : `UDP:${address}:${port}`;
  const ran = await lab.exec(from, ["sh", "-c", `echo ping | socat -T1 - ${target}`], {
    timeoutMs: 4000,
  });
  return ran.stdout.includes("pong");
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
