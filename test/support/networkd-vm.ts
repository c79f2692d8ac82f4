/**
 * Labs for the real systemd-networkd in a VM (vm.ts): each scenario is a set of hosts (network
 * namespaces on one bridge, underlay 10.250.0.0/24), the peer files each host's networkd runs
 * on, and the pings that must or must not be answered. All scenarios run one after the other in
 * a single boot; the guest prints results between markers, read back here.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NameCheck, PingCheck } from "./prove.js";
import { networkdProblems, writePeerScript } from "./real-networkd.js";
import { runInVm } from "./vm.js";

export interface VmScenario {
  name: string;
  /** Hosts on the bridge, in order: host i has 10.250.0.(i+1). */
  hosts: readonly string[];
  /** Shell lines run once the hosts exist; `ns NAME` prints a host's namespace. */
  setup?: readonly string[];
  /** Host → the peer directories (`wirenix generate --out DIR/<peer>`) its networkd runs on. */
  networkd: Record<string, readonly string[]>;
  /** Host → lines for its /etc/hosts beside the hosts' own names (the peers' `hosts` files). */
  hostsLines: Record<string, string>;
  /** Host → the interface names networkd must create and configure there. */
  devices: Record<string, readonly string[]>;
  pings: readonly (PingCheck | (Omit<PingCheck, "target"> & { target: { address: string } }))[];
  names?: readonly NameCheck[];
}

export interface VmResult {
  /** Per ping check, in order: each target address and whether it answered. */
  pings: { target: string; answered: boolean }[][];
  names: boolean[];
  /** Per host: networkd's log, the problems in it, and the state read back. */
  hosts: Record<
    string,
    {
      log: string;
      problems: string[];
      wg: string;
      addr: string;
      /** `ip -o link show`: one line per interface, with its MTU. */
      link: string;
      /** networkd's state files of the links (`DNS=` the servers it configured). */
      netif: string;
      route: string;
      rule: string;
    }
  >;
  /** Seconds from the first networkd started to every interface configured. */
  upSeconds: number;
}

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function scenarioScript(index: number, s: VmScenario, peerScript: string, dir: string): string {
  const S = `s${index}`;
  const ns = (host: string) => `${S}-${host}`;
  const lines = [
    `echo "@@@ ${S} start"`,
    `ns() { echo ${S}-$1; }`,
    `ip netns add ${S}-br`,
    `ip -n ${S}-br link add br0 type bridge && ip -n ${S}-br link set br0 up`,
  ];
  s.hosts.forEach((host, i) => {
    const hostsFile = join(dir, `${S}-${host}.hosts`);
    const own = s.hosts.map((h, j) => `10.250.0.${j + 1} ${h}`).join("\n");
    writeFileSync(
      hostsFile,
      `127.0.0.1 localhost\n::1 localhost\n${own}\n${s.hostsLines[host] ?? ""}`,
    );
    lines.push(
      `ip netns add ${ns(host)} && ip -n ${ns(host)} link set lo up`,
      `ip link add name eth0 netns ${ns(host)} type veth peer name v${i} netns ${S}-br`,
      `ip -n ${S}-br link set v${i} master br0 up`,
      `ip -n ${ns(host)} addr add 10.250.0.${i + 1}/24 dev eth0 && ip -n ${ns(host)} link set eth0 up`,
      `mkdir -p /etc/netns/${ns(host)} && cp ${q(hostsFile)} /etc/netns/${ns(host)}/hosts`,
    );
  });
  lines.push(...(s.setup ?? []));
  lines.push(`T0=$(date +%s)`);
  for (const [host, dirs] of Object.entries(s.networkd))
    lines.push(
      `ip netns exec ${ns(host)} unshare -m sh ${q(peerScript)} /run/nd/${ns(host)}.log ${dirs.map(q).join(" ")} &`,
      'PIDS="$PIDS $!"',
    );
  // Every interface configured (addresses and routes set), or every networkd gone, or 5 min
  // (a loaded host slows software emulation down a lot).
  const waits = Object.entries(s.devices).flatMap(([host, devices]) =>
    devices.map(
      (d) =>
        `grep -q ${q(`${d}: State changed: configuring -> configured`)} /run/nd/${ns(host)}.log 2>/dev/null`,
    ),
  );
  lines.push(
    `while [ $(( $(date +%s) - T0 )) -lt 300 ] && ! { ${waits.join(" && ")}; }; do alive=0; for p in $PIDS; do ! kill -0 $p 2>/dev/null || alive=1; done; [ $alive = 1 ] || break; sleep 1; done`,
    `echo "@@@ ${S} up $(( $(date +%s) - T0 ))"`,
  );
  // Answered pings first: their handshakes are made by then, so a silence below is real.
  const order = s.pings
    .map((p, i) => [p, i] as const)
    .sort(([a], [b]) => Number(b.expect) - Number(a.expect));
  for (const [p, i] of order) {
    const dev = p.device === undefined ? "" : `-I ${q(p.device)}`;
    const targets =
      "address" in p.target
        ? q(p.target.address)
        : "name" in p.target
          ? q(p.target.name)
          : `$(ip -n ${ns(p.target.peerHost)} -o addr show dev ${q(p.target.peerDevice)} scope global | awk '{ split($4, a, "/"); print a[1] }')`;
    const tries = p.expect ? 30 : 1;
    lines.push(
      `n=0; for t in ${targets}; do n=1; k=0; r=fail; while [ $k -lt ${tries} ]; do if ip netns exec ${ns(p.host)} ping -n -c 1 -W 2 ${dev} "$t" >/dev/null 2>&1; then r=ok; break; fi; k=$((k+1)); done; echo "@@@ ${S} ping ${i} $t $r"; done; [ $n = 1 ] || echo "@@@ ${S} ping ${i} (no-address) fail"`,
    );
  }
  for (const [i, c] of (s.names ?? []).entries())
    lines.push(
      `if ip netns exec ${ns(c.host)} getent hosts ${q(c.name)} >/dev/null; then r=ok; else r=fail; fi; echo "@@@ ${S} name ${i} $r"`,
    );
  for (const host of s.hosts) {
    const dump = (kind: string, cmd: string) =>
      lines.push(`echo "@@@ ${S} begin ${host} ${kind}"`, `${cmd} 2>&1`, `echo "@@@ end"`);
    dump("wg", `ip netns exec ${ns(host)} wg show all dump`);
    dump("addr", `ip -n ${ns(host)} -o addr show`);
    dump("link", `ip -n ${ns(host)} -o link show`);
    dump("netif", `cat /run/nd/${ns(host)}.log.netif/links/* 2>/dev/null || true`);
    dump("route", `ip -n ${ns(host)} route show table all`);
    dump("rule", `ip -n ${ns(host)} rule show; ip -n ${ns(host)} -6 rule show`);
  }
  lines.push("kill $PIDS 2>/dev/null; wait 2>/dev/null; PIDS=");
  for (const host of Object.keys(s.networkd)) {
    lines.push(
      `echo "@@@ ${S} begin ${host} log"`,
      `cat /run/nd/${ns(host)}.log.setup /run/nd/${ns(host)}.log`,
      `echo "@@@ end"`,
    );
  }
  lines.push(`for n in $(ip netns list | awk '{print $1}'); do ip netns del $n; done`);
  return lines.join("\n");
}

/** Runs every scenario in one VM boot; results in scenario order. */
export async function runScenarios(
  scenarios: readonly VmScenario[],
  dir: string,
): Promise<{ results: VmResult[]; kernel: string; seconds: number; console: string }> {
  const peerScript = writePeerScript(dir);
  const script = join(dir, "guest.sh");
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      "mkdir -p /run/nd /etc/netns; PIDS=",
      ...scenarios.map((s, i) => scenarioScript(i, s, peerScript, dir)),
    ].join("\n"),
  );
  // A guard against a hung guest only: about 4 minutes on an idle 2-core machine.
  const vm = await runInVm(script, dir, 20 * 60_000);
  const text = vm.console;
  const results = scenarios.map((s, i) => {
    const S = `s${i}`;
    const block = (host: string, kind: string) =>
      new RegExp(`@@@ ${S} begin ${host} ${kind}\\n([\\s\\S]*?)@@@ end`).exec(text)?.[1] ?? "";
    const pings = s.pings.map((_, j) =>
      [...text.matchAll(new RegExp(`^@@@ ${S} ping ${j} (\\S+) (ok|fail)$`, "gm"))].map((m) => ({
        target: m[1] as string,
        answered: m[2] === "ok",
      })),
    );
    const names = (s.names ?? []).map((_, j) =>
      new RegExp(`^@@@ ${S} name ${j} ok$`, "m").test(text),
    );
    const hosts: VmResult["hosts"] = {};
    for (const host of s.hosts) {
      const log = block(host, "log");
      hosts[host] = {
        log,
        problems: networkdProblems(log, true),
        wg: block(host, "wg"),
        addr: block(host, "addr"),
        link: block(host, "link"),
        netif: block(host, "netif"),
        route: block(host, "route"),
        rule: block(host, "rule"),
      };
    }
    const up = new RegExp(`^@@@ ${S} up (\\d+)$`, "m").exec(text)?.[1];
    return { pings, names, hosts, upSeconds: up === undefined ? Number.NaN : Number(up) };
  });
  return { results, kernel: vm.kernel, seconds: vm.seconds, console: text };
}
