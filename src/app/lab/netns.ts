/**
 * The lab's network namespaces: made from a plan, run in, and removed with everything in them.
 * Both ends of every veth are created inside lab namespaces, so no device, route, sysctl or
 * table of the real machine is touched; the only files outside the lab's temporary directory
 * are /etc/netns/<namespace>/ (the hosts and resolv.conf `ip netns exec` shows inside) and the
 * lab's state file, all removed again.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type LabHost, type LabLink, type LabPlan, NOWHERE_V4, planNamespaces } from "./plan.js";

/** A program's outcome; failures are data (a probe that gets no answer is one). */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell), waiting at most `timeoutMs`. */
export function run(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === "number" ? error.code : error.killed ? 124 : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    // A program that exits without reading its input is no error of ours.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input ?? "");
  });
}

/** CAP_NET_ADMIN (devices, routes, nft) and CAP_SYS_ADMIN (`ip netns add` mounts). */
const NEEDED_CAPABILITIES = [12n, 21n] as const;

/**
 * Whether this process may build a lab: root, with the capabilities it uses still effective
 * (root in a container without them would otherwise fail halfway through building).
 */
export function mayBuildLab(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (effective === undefined) return false;
    const caps = BigInt(`0x${effective}`);
    return NEEDED_CAPABILITIES.every((bit) => ((caps >> bit) & 1n) === 1n);
  } catch {
    return false;
  }
}

/** Why the lab could not be built; the CLI prints the message as one line. */
export class LabCommandError extends Error {}

/** Runs a program and returns its output, or throws naming the command and what it said. */
export async function must(
  file: string,
  args: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<string> {
  const ran = await run(file, args, options);
  if (ran.code !== 0)
    throw new LabCommandError(
      `${file} ${args.join(" ")} failed (exit ${ran.code}): ${(ran.stderr || ran.stdout).trim().split("\n").slice(-3).join(" / ")}`,
    );
  return ran.stdout;
}

/** Where one lab keeps its files and how its hosts run WireGuard. */
export interface LabRuntime {
  plan: LabPlan;
  /** The lab's temporary directory (0700): keys, generated files, each host's /run. */
  dir: string;
  /** True when wireguard-go runs the interfaces (the kernel has no WireGuard module). */
  userspace: boolean;
}

/** The directory mounted on /run for commands in a namespace (wireguard-go's sockets live there). */
export function runDirOf(rt: Pick<LabRuntime, "dir">, ns: string): string {
  return join(rt.dir, "run", ns);
}

/** The lab's programs that stand in for the machine's own inside namespaces (resolvconf). */
export function binDirOf(rt: Pick<LabRuntime, "dir">): string {
  return join(rt.dir, "bin");
}

/** The environment of commands in the lab: wg-quick picks wireguard-go when told to. */
export function labEnv(rt: Pick<LabRuntime, "dir" | "userspace">): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${binDirOf(rt)}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
    ...(rt.userspace
      ? { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" }
      : {}),
  };
}

/**
 * The argv that runs `argv` in a namespace: with its /etc/netns files (`ip netns exec`) and
 * its own /run (a private mount namespace), so wireguard-go sockets and wg-quick's state of
 * one host are its own and nothing lands in the machine's /run.
 */
export function inNamespace(
  rt: Pick<LabRuntime, "dir">,
  ns: string,
  argv: readonly string[],
): string[] {
  return [
    ...["netns", "exec", ns, "unshare", "-m", "--propagation", "private"],
    ...[
      "sh",
      "-ec",
      'mount --bind "$0" /run; [ /var/run -ef /run ] || mount --bind "$0" /var/run; exec "$@"',
    ],
    runDirOf(rt, ns),
    ...argv,
  ];
}

/** Runs a program inside a lab namespace. */
export function exec(
  rt: LabRuntime,
  ns: string,
  argv: readonly string[],
  timeoutMs = 60_000,
  input?: string,
): Promise<Ran> {
  return run("ip", inNamespace(rt, ns, argv), {
    env: labEnv(rt),
    timeoutMs,
    ...(input === undefined ? {} : { input }),
  });
}

/** Like `exec`, but throws when the program fails. */
export async function mustExec(rt: LabRuntime, ns: string, argv: readonly string[]) {
  const ran = await exec(rt, ns, argv);
  if (ran.code !== 0)
    throw new LabCommandError(
      `[${ns}] ${argv.join(" ")} failed (exit ${ran.code}): ${(ran.stderr || ran.stdout).trim().split("\n").slice(-3).join(" / ")}`,
    );
  return ran.stdout;
}

/**
 * Starts a long-running program in a namespace (a responder), resolved once it prints its
 * first line ("ready"); it ends with the namespace.
 */
export function startIn(rt: LabRuntime, ns: string, argv: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", ns, ...argv], {
      stdio: ["ignore", "pipe", "ignore"],
      detached: true,
      env: labEnv(rt),
    });
    const timer = setTimeout(() => fail("did not start within 30 s"), 30_000);
    function fail(why: string) {
      clearTimeout(timer);
      reject(new LabCommandError(`[${ns}] the lab's responder ${why}`));
    }
    child.on("error", (error) => fail(error.message));
    child.on("exit", (code) => fail(`ended (exit ${code})`));
    child.stdout?.once("data", () => {
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.stdout?.destroy();
      child.unref();
      resolve();
    });
  });
}

/** `ip [-n NS] -batch -`: many commands in one process. */
function batch(ns: string | undefined, lines: readonly string[]): Promise<string> {
  return must("ip", [...(ns === undefined ? [] : ["-n", ns]), "-batch", "-"], {
    input: `${lines.join("\n")}\n`,
  });
}

const bare = (cidr: string) => cidr.replace(/\/\d+$/, "");

/**
 * What building the underlay takes: `ip` commands for the machine's own namespace (only
 * namespaces and veths made straight into lab namespaces), then for each lab namespace.
 */
interface UnderlayCommands {
  root: string[];
  each: Map<string, string[]>;
}

function linesOf(commands: UnderlayCommands, ns: string): string[] {
  let lines = commands.each.get(ns);
  if (!lines) {
    lines = [];
    commands.each.set(ns, lines);
  }
  return lines;
}

/** A veth pair from namespace `a` to `b`, both ends with their addresses and up. */
function veth(commands: UnderlayCommands, a: string, b: string, l: LabLink): void {
  commands.root.push(`link add name ${l.devA} netns ${a} type veth peer name ${l.devB} netns ${b}`);
  for (const [ns, dev, v4, v6] of [
    [a, l.devA, l.v4A, l.v6A],
    [b, l.devB, l.v4B, l.v6B],
  ] as const)
    linesOf(commands, ns).push(
      `addr add ${v4} dev ${dev}`,
      `addr add ${v6} dev ${dev} nodad`,
      `link set ${dev} up`,
    );
}

/**
 * One host on the bridge: its namespace (or its NAT router's) wired to the bridge with the
 * underlay address, the endpoint addresses it is dialled at, and on-link routes to every other
 * host's endpoint addresses; behind it, its NAT router, routed networks and internet link.
 */
function wireHost(commands: UnderlayCommands, plan: LabPlan, host: LabHost, index: number): void {
  const onBridge = host.nat ? host.nat.ns : host.ns;
  commands.root.push(
    `link add name eth0 netns ${onBridge} type veth peer name v${index} netns ${plan.bridge}`,
  );
  linesOf(commands, plan.bridge).push(`link set v${index} master br0 up`);
  const lines = linesOf(commands, onBridge);
  lines.push(
    `addr add ${host.v4}/16 dev eth0`,
    `addr add ${host.v6}/64 dev eth0 nodad`,
    ...host.endpointAddresses.map((a) =>
      a.includes(":") ? `addr add ${a}/128 dev eth0 nodad` : `addr add ${a}/32 dev eth0`,
    ),
    "link set eth0 up",
  );
  for (const other of plan.hosts)
    if (other !== host)
      for (const a of other.endpointAddresses)
        lines.push(`route add ${a}/${a.includes(":") ? 128 : 32} dev eth0`);
  if (host.nat) {
    const { ns, link } = host.nat;
    veth(commands, ns, host.ns, link);
    linesOf(commands, host.ns).push(
      `route add default via ${bare(link.v4A)}`,
      `route add ::/0 via ${bare(link.v6A)}`,
    );
  }
  for (const lan of host.lans) {
    veth(commands, host.ns, lan.ns, lan.link);
    const first = lan.addresses[0]?.address as string;
    const v6 = first.includes(":");
    const lines = linesOf(commands, lan.ns);
    // nodad: an IPv6 address stays tentative until the kernel's DAD work runs, even on lo, and
    // the `src` of the route below refuses a tentative address ("Invalid source address").
    for (const { address } of lan.addresses)
      lines.push(v6 ? `addr add ${address}/128 dev lo nodad` : `addr add ${address}/32 dev lo`);
    // What the network sends comes from its first address, not from the lab's link address
    // (which no peer routes back).
    lines.push(
      `route add default via ${bare(lan.link.v4A)}${v6 ? "" : ` src ${first}`}`,
      `route add ::/0 via ${bare(lan.link.v6A)}${v6 ? ` src ${first}` : ""}`,
    );
    linesOf(commands, host.ns).push(
      `route add ${lan.network} via ${bare(v6 ? lan.link.v6B : lan.link.v4B)}`,
    );
  }
  if (host.internet && plan.internet) {
    veth(commands, host.ns, plan.internet, host.internet);
    linesOf(commands, host.ns).push(
      `route replace default via ${bare(host.internet.v4B)}`,
      `route replace ::/0 via ${bare(host.internet.v6B)}`,
    );
  }
}

/**
 * Every namespace answers a refused packet at once, however many are refused together: the
 * kernel's ICMP rate limits (per destination, and for the whole namespace) would otherwise
 * turn the later of many rejections into silence, a drop. Namespace sysctls: the machine's own
 * limits stay as they are.
 */
const ICMP_UNLIMITED = [
  "sysctl",
  "-q",
  "-w",
  "net.ipv4.icmp_ratelimit=0",
  "net.ipv4.icmp_ratemask=0",
  "net.ipv6.icmp.ratelimit=0",
  "net.ipv4.icmp_msgs_per_sec=1000000",
  "net.ipv4.icmp_msgs_burst=1000000",
] as const;

/** The NAT router's masquerade (its own nftables, its own forwarding sysctls). */
const NAT_SCRIPT = [
  "sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1",
  `nft 'table inet wirenix-lab-nat { chain postrouting { type nat hook postrouting priority srcnat; oifname "eth0" masquerade; }; }'`,
].join(" && ");

/** The hosts file of every namespace: the endpoint names, then what the peer's files list. */
export function writeHostsFiles(rt: LabRuntime, extra: (host: LabHost) => string): void {
  const names: string[] = ["127.0.0.1 localhost", "::1 localhost"];
  for (const h of rt.plan.hosts) for (const n of h.endpointNames) names.push(`${h.v4} ${n}`);
  for (const n of rt.plan.outside) names.push(`${NOWHERE_V4} ${n}`);
  for (const ns of planNamespaces(rt.plan)) {
    const host = rt.plan.hosts.find((h) => h.ns === ns);
    const text = `${names.join("\n")}\n${host ? extra(host) : ""}`;
    writeFileSync(join("/etc/netns", ns, "hosts"), text);
  }
}

/**
 * Builds every namespace of the plan. Their /etc/netns directories come first, so removing
 * everything with the lab's prefix (after a failure or Ctrl-C halfway) removes exactly what
 * was made.
 */
export async function buildUnderlay(rt: LabRuntime, width: number): Promise<void> {
  const { plan } = rt;
  mkdirSync(binDirOf(rt), { recursive: true, mode: 0o700 });
  // wg-quick hands a DNS = line to resolvconf; inside the lab it goes to the namespace's own
  // resolv.conf (the /etc/netns file `ip netns exec` mounts), never to the machine's.
  writeFileSync(
    join(binDirOf(rt), "resolvconf"),
    '#!/bin/sh\ncase "$1" in -a) cat > /etc/resolv.conf ;; -d) : > /etc/resolv.conf ;; esac\n',
    { mode: 0o755 },
  );
  const all = planNamespaces(plan);
  for (const ns of all) {
    const etc = join("/etc/netns", ns);
    mkdirSync(etc, { recursive: true, mode: 0o755 });
    // An empty resolv.conf of its own: `ip netns exec` mounts it over the machine's.
    writeFileSync(join(etc, "resolv.conf"), "");
    for (const sub of ["wireguard", "wirenix"])
      mkdirSync(join(runDirOf(rt, ns), sub), { recursive: true, mode: 0o700 });
  }
  const commands: UnderlayCommands = { root: all.map((ns) => `netns add ${ns}`), each: new Map() };
  for (const ns of all) linesOf(commands, ns).push("link set lo up");
  linesOf(commands, plan.bridge).push(
    "link add br0 type bridge mcast_snooping 0",
    "link set br0 up",
  );
  if (plan.internet)
    linesOf(commands, plan.internet).push(
      ...(plan.internetAddresses ?? []).map((a) =>
        a.includes(":") ? `addr add ${a}/128 dev lo nodad` : `addr add ${a}/32 dev lo`,
      ),
    );
  for (const [i, host] of plan.hosts.entries()) wireHost(commands, plan, host, i);
  await batch(undefined, commands.root);
  await pool(
    [...commands.each].map(
      ([ns, lines]) =>
        () =>
          batch(ns, lines),
    ),
    width,
  );
  await pool(
    all.map((ns) => () => must("ip", ["netns", "exec", ns, ...ICMP_UNLIMITED])),
    width,
  );
  await pool(
    plan.hosts.flatMap((h) =>
      h.nat
        ? [
            () =>
              must("ip", ["netns", "exec", (h.nat as { ns: string }).ns, "sh", "-c", NAT_SCRIPT]),
          ]
        : [],
    ),
    width,
  );
}

/** Whether the kernel runs WireGuard: a device of that type can be made (in the bridge namespace). */
export async function kernelWireguard(bridge: string): Promise<boolean> {
  const made = await run("ip", ["-n", bridge, "link", "add", "wnlprobe", "type", "wireguard"]);
  if (made.code !== 0) return false;
  await run("ip", ["-n", bridge, "link", "del", "wnlprobe"]);
  return true;
}

/** Whether a process runs (one that has ended but is not yet reaped is a zombie: not running). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/**
 * Removes every namespace whose name starts with `prefix` (killing what runs in it first:
 * wireguard-go, listeners, probes), its /etc/netns directory, and the lab's directory.
 * Synchronous, so it also runs from a signal handler before the process ends.
 */
export function destroyLab(prefix: string, dir: string | undefined): void {
  // The named namespaces are files in /run/netns (what `ip netns` lists).
  const names = existsSync(NETNS_DIR)
    ? readdirSync(NETNS_DIR).filter((name) => name.startsWith(prefix))
    : [];
  const killed = new Set<number>();
  for (let round = 0; round < 5; round++) {
    const pids = pidsIn(names).filter(running);
    if (pids.length === 0) break;
    for (const pid of pids) {
      killed.add(pid);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    spawnSync("sleep", ["0.05"]);
  }
  // SIGKILL takes effect asynchronously: wait (a bounded time) until each has ended.
  for (let i = 0; i < 100 && [...killed].some(running); i++) spawnSync("sleep", ["0.02"]);
  if (names.length > 0)
    spawnSync("ip", ["-batch", "-"], { input: names.map((ns) => `netns del ${ns}\n`).join("") });
  // /etc/netns directories of namespaces that were never made (a failure right after mkdir).
  for (const entry of existsSync("/etc/netns") ? readdirSync("/etc/netns") : [])
    if (entry.startsWith(prefix))
      rmSync(join("/etc/netns", entry), { recursive: true, force: true });
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

const NETNS_DIR = "/run/netns";

/**
 * The processes in these namespaces, as `ip netns pids` finds them (a process's
 * /proc/PID/ns/net names the inode of its namespace), read in this process.
 */
function pidsIn(names: readonly string[]): number[] {
  const inodes = new Set<string>();
  for (const ns of names)
    try {
      inodes.add(`net:[${statSync(join(NETNS_DIR, ns)).ino}]`);
    } catch {
      // Deleted meanwhile.
    }
  if (inodes.size === 0) return [];
  const out: number[] = [];
  for (const entry of readdirSync("/proc"))
    if (/^[0-9]+$/.test(entry))
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/ns/net`))) out.push(Number(entry));
      } catch {
        // Ended meanwhile, or a kernel thread.
      }
  return out;
}

/** Runs `tasks` with at most `width` at a time; the first failure is thrown after all settle. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(width, tasks.length)) }, async () => {
      while (next < tasks.length && failure === undefined) {
        const i = next++;
        try {
          out[i] = await (tasks[i] as () => Promise<T>)();
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
  return out;
}
