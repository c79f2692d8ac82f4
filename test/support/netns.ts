/**
 * A lab of network namespaces for end-to-end tests: one namespace per host, each with a veth
 * into a shared bridge namespace (underlay 10.250.0.0/24, names in /etc/netns/<ns>/hosts), and
 * its own /var/run/wireguard so several wireguard-go daemons can serve interfaces with the same
 * name. Everything is named with the run's prefix and removed again, processes included.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Ran, run } from "../../src/app/lab/netns.js";

/** All our namespaces start with this; the run's pid follows, so stale ones can be found. */
export const NS_PREFIX = "wnxe2e-";

// The product's lab runs programs the same way; failures are data, so a test can assert that
// a ping fails.
export { run };
export type Run = Ran;

/** Runs a program and returns its stdout, or throws with everything it printed. */
export async function must(
  file: string,
  args: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0)
    throw new Error(
      `${file} ${args.join(" ")} failed (${result.code}):\n${result.stdout}${result.stderr}`,
    );
  return result.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function namespaces(): Promise<string[]> {
  const out = await run("ip", ["netns", "list"]);
  return out.stdout
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(NS_PREFIX));
}

/** Kills the processes inside a namespace (wireguard-go daemons), then deletes it. */
async function removeNamespace(ns: string): Promise<void> {
  const pids = (await run("ip", ["netns", "pids", ns])).stdout
    .split("\n")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
  for (const pid of pids)
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
  await run("ip", ["netns", "del", ns]);
  rmSync(join("/etc/netns", ns), { recursive: true, force: true });
}

/** Removes namespaces left by earlier runs that died before cleaning up (their pid is gone). */
export async function removeStaleNamespaces(): Promise<string[]> {
  const stale = (await namespaces()).filter((ns) => {
    const pid = Number(ns.slice(NS_PREFIX.length).split("-")[0]);
    return Number.isInteger(pid) && pid !== process.pid && !alive(pid);
  });
  for (const ns of stale) await removeNamespace(ns);
  return stale;
}

let labs = 0;

/** How a lab is wired beyond one bridge. */
export interface LabOptions {
  /**
   * Hosts each behind a NAT of its own: a router namespace (`<host>-nat`) holds the host's
   * underlay address on the bridge and masquerades what the host, on a private network behind
   * it, sends out; nothing from the bridge reaches the host unless the router's connection
   * tracking maps it back.
   */
  behindNat?: readonly string[];
  /**
   * Seconds the NAT routers keep an idle UDP mapping (their own namespace's
   * `nf_conntrack_udp_timeout` and `_stream`; the kernel's default is 30 and 120).
   */
  natUdpTimeout?: number;
}

/**
 * Runs `body` in a new lab of `hosts` and destroys the lab afterwards, whether `body` returns
 * or throws.
 */
export async function withLab<T>(
  hosts: readonly string[],
  body: (lab: Lab) => Promise<T>,
  options: LabOptions = {},
): Promise<T> {
  const lab = await Lab.create(hosts, options);
  try {
    return await body(lab);
  } finally {
    await lab.destroy();
  }
}

/** Hosts in namespaces on one bridge. Create with `Lab.create` (or `withLab`), end with `destroy()`. */
export class Lab {
  readonly id: string;
  /** A private scratch directory for this lab (keys, ACL, generated files). */
  readonly dir: string;
  readonly hosts: readonly string[];
  readonly options: LabOptions;
  readonly #created: string[] = [];

  private constructor(hosts: readonly string[], options: LabOptions) {
    labs += 1;
    this.id = `${NS_PREFIX}${process.pid}-${labs}`;
    this.dir = mkdtempSync(join(tmpdir(), "wirenix-e2e-"));
    this.hosts = hosts;
    this.options = options;
  }

  /** Whether the host sits behind a NAT router of its own. */
  natted(host: string): boolean {
    return this.options.behindNat?.includes(host) === true;
  }

  /** The NAT router in front of a host behind NAT (a host name for `exec`). */
  router(host: string): string {
    return `${host}-nat`;
  }

  /** A host's address on the private network behind its NAT router (the router is `.1`). */
  inside(host: string): string {
    return `192.168.${this.hosts.indexOf(host) + 1}.2`;
  }

  /** The namespace of a host. */
  ns(host: string): string {
    return `${this.id}-${host}`;
  }

  /** The host's underlay address (for a host behind NAT: its router's, where it is seen from). */
  underlay(host: string): string {
    return `10.250.0.${this.hosts.indexOf(host) + 1}`;
  }

  /** Its own directory for wireguard-go's UAPI sockets, bind-mounted on /var/run/wireguard. */
  runDir(host: string): string {
    return join(this.dir, "run", host);
  }

  /**
   * Its own /run/wirenix (what wg-quick hooks keep between up and down: forwarding holders),
   * as each host of a real network has.
   */
  stateDir(host: string): string {
    return join(this.dir, "state", host);
  }

  static async create(hosts: readonly string[], options: LabOptions = {}): Promise<Lab> {
    const lab = new Lab(hosts, options);
    try {
      await lab.#build();
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  async #addNamespace(ns: string): Promise<void> {
    await must("ip", ["netns", "add", ns]);
    this.#created.push(ns);
    await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
  }

  async #build(): Promise<void> {
    mkdirSync("/var/run/wireguard", { recursive: true });
    mkdirSync("/run/wirenix", { recursive: true, mode: 0o700 });
    const bridge = `${this.id}-br`;
    await this.#addNamespace(bridge);
    await must("ip", ["-n", bridge, "link", "add", "br0", "type", "bridge"]);
    await must("ip", ["-n", bridge, "link", "set", "br0", "up"]);
    for (const [i, host] of this.hosts.entries()) {
      // A host behind NAT is wired to its router; the router takes its place on the bridge.
      const onBridge = this.natted(host) ? this.router(host) : host;
      const ns = this.ns(onBridge);
      await this.#addNamespace(ns);
      // Both ends are created inside our namespaces: no name ever appears in the host's.
      await must("ip", [
        ...["link", "add", "name", "eth0", "netns", ns, "type", "veth"],
        ...["peer", "name", `v${i}`, "netns", bridge],
      ]);
      await must("ip", ["-n", bridge, "link", "set", `v${i}`, "master", "br0", "up"]);
      await must("ip", ["-n", ns, "addr", "add", `${this.underlay(host)}/24`, "dev", "eth0"]);
      await must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      this.#makeHostDirs(host);
      if (this.natted(host)) await this.#natRouter(host);
    }
  }

  #makeHostDirs(host: string): void {
    mkdirSync(this.runDir(host), { recursive: true, mode: 0o700 });
    mkdirSync(this.stateDir(host), { recursive: true, mode: 0o700 });
  }

  /**
   * The host on a private network behind its router, which masquerades what leaves on its
   * bridge side (nftables) and forgets an idle UDP mapping after `natUdpTimeout` seconds.
   */
  async #natRouter(host: string): Promise<void> {
    const router = this.router(host);
    await this.#addNamespace(this.ns(host));
    this.#makeHostDirs(router);
    const net = this.inside(host).replace(/\.2$/, "");
    await this.veth(
      { host: router, dev: "lan0", address: `${net}.1/24` },
      { host, dev: "eth0", address: `${this.inside(host)}/24` },
    );
    await must("ip", ["-n", this.ns(host), "route", "add", "default", "via", `${net}.1`]);
    await this.mustExec(router, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    await this.mustExec(router, [
      "nft",
      'table ip nat { chain postrouting { type nat hook postrouting priority srcnat; oifname "eth0" masquerade; }; }',
    ]);
    // The table above loaded conntrack; its timeouts are the namespace's own.
    const timeout = this.options.natUdpTimeout;
    if (timeout !== undefined)
      await this.mustExec(router, [
        ...["sysctl", "-q", "-w"],
        `net.netfilter.nf_conntrack_udp_timeout=${timeout}`,
        `net.netfilter.nf_conntrack_udp_timeout_stream=${timeout}`,
      ]);
  }

  /**
   * Adds a host that is not on the bridge (a LAN behind a peer, the "internet" behind an exit
   * node): the caller wires it with `veth`. Removed with the lab.
   */
  async addIsolatedHost(host: string): Promise<void> {
    await this.#addNamespace(this.ns(host));
    this.#makeHostDirs(host);
  }

  /** A veth pair between two hosts of this lab, each end up with its address (CIDR). */
  async veth(
    a: { host: string; dev: string; address: string },
    b: { host: string; dev: string; address: string },
  ): Promise<void> {
    await must("ip", [
      ...["link", "add", "name", a.dev, "netns", this.ns(a.host), "type", "veth"],
      ...["peer", "name", b.dev, "netns", this.ns(b.host)],
    ]);
    for (const end of [a, b]) {
      const nodad = end.address.includes(":") ? ["nodad"] : [];
      await must("ip", [
        "-n",
        this.ns(end.host),
        "addr",
        "add",
        end.address,
        "dev",
        end.dev,
        ...nodad,
      ]);
      await must("ip", ["-n", this.ns(end.host), "link", "set", end.dev, "up"]);
    }
  }

  /** Writes the host's /etc/hosts: localhost, every host's underlay name, then `extra`. */
  writeHosts(host: string, extra: string): void {
    const dir = join("/etc/netns", this.ns(host));
    mkdirSync(dir, { recursive: true });
    const lines = ["127.0.0.1 localhost", "::1 localhost"];
    for (const h of this.hosts) lines.push(`${this.underlay(h)} ${h}`);
    writeFileSync(join(dir, "hosts"), `${lines.join("\n")}\n${extra}`);
  }

  /**
   * Runs a program inside the host's namespace (with its /etc/netns hosts, as `ip netns exec`
   * gives) and its own /var/run/wireguard and /run/wirenix (a private mount namespace from
   * `unshare -m`).
   */
  exec(
    host: string,
    argv: readonly string[],
    options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
  ): Promise<Run> {
    return run(
      "ip",
      [
        ...["netns", "exec", this.ns(host), "unshare", "-m", "--propagation", "private"],
        ...[
          "sh",
          "-ec",
          'mount --bind "$0" /var/run/wireguard; mount --bind "$1" /run/wirenix; shift; exec "$@"',
        ],
        ...[this.runDir(host), this.stateDir(host)],
        ...argv,
      ],
      {
        env: { ...process.env, ...options.env },
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      },
    );
  }

  /** Like `exec`, but throws with the output when the program fails. */
  async mustExec(
    host: string,
    argv: readonly string[],
    options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
  ): Promise<string> {
    const result = await this.exec(host, argv, options);
    if (result.code !== 0)
      throw new Error(
        `[${host}] ${argv.join(" ")} failed (${result.code}):\n${result.stdout}${result.stderr}`,
      );
    return result.stdout;
  }

  /** Removes every namespace (killing what runs in it), hosts file and scratch file. */
  async destroy(): Promise<void> {
    for (const ns of this.#created.reverse()) await removeNamespace(ns);
    this.#created.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The sockets of running wireguard-go daemons, for checks that they are gone. */
  sockets(host: string): string[] {
    const dir = this.runDir(host);
    return existsSync(dir) ? readdirSync(dir) : [];
  }
}
