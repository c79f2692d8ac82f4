/**
 * networkd-files, proven by the real systemd-networkd (Debian's), nothing translated by us:
 * 1. here, on every topology: networkd (in a network and mount namespace) loads every file of
 *    every host without a complaint naming a file and line; `sysctl` and `nft` load the others;
 * 2. in a VM (qemu, Debian's kernel, which has WireGuard): networkd creates the interfaces,
 *    the peers handshake, and pings between namespaces are answered exactly where the links
 *    say: every topology of the original's tests, a routed LAN, an exit node that masquerades
 *    (IPv4 and IPv6, nftables only), a roaming peer, and a member whose address lies outside
 *    the interface's prefix (reached only because every AllowedIP is routed).
 * The VM needs the kernel from scripts/vm-kernel.sh (see test/support/vm.ts).
 */
import { strict as assert } from "node:assert";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { run } from "../support/netns.js";
import { runScenarios, type VmScenario } from "../support/networkd-vm.js";
import { wirenixBin } from "../support/paths.js";
import { prepareTopology, specDeviceName, topologyChecks } from "../support/prove.js";
import { NETWORKD, parseCheck, writePeerScript } from "../support/real-networkd.js";
import { TOPOLOGIES } from "../support/topologies.js";
import { wgKeyFiles } from "../support/wg.js";

/**
 * The topologies that also run in the VM (all are parsed): each feature of the files once —
 * a preshared key, two peers per host with hash names, inline private keys, unlinked pairs
 * that must not answer — as software emulation is slow (about 20 s per scenario).
 */
const VM_TOPOLOGIES = [
  "oracle-simple",
  "oracle-double-dev-ring",
  "oracle-manual-ipv4",
  "oracle-example-spoke",
];

const scratch = mkdtempSync(join(tmpdir(), "wirenix-networkd-"));
// networkd reads the key files as systemd-network: it must get through to their directories
// (which the peer script covers with tmpfs copies readable by that group).
chmodSync(scratch, 0o711);
const scenarios: VmScenario[] = [];
const started = Date.now();

after(() => rmSync(scratch, { recursive: true, force: true }));

type AclPeer = Record<string, unknown> & { name: string };

/** Real keys, one subnet "vpn" (port 51820) with everyone linked; networkd-files in DIR/out. */
async function generateBeyond(dir: string, peers: AclPeer[]): Promise<string> {
  wgKeyFiles(peers, join(dir, "keys"));
  const acl = {
    version: "v1",
    subnets: [{ name: "vpn", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers,
    connections: [{ a: [], b: [] }],
  };
  const file = join(dir, "acl.json");
  writeFileSync(file, JSON.stringify(acl, null, 1));
  const out = join(dir, "out");
  const generated = await run(process.execPath, [
    ...[wirenixBin, "generate", file, "--configurer", "networkd-files", "--out", out],
  ]);
  assert.equal(generated.code, 0, `wirenix generate failed:\n${generated.stderr}`);
  return out;
}

const underlay = (hosts: readonly string[], host: string) => `10.250.0.${hosts.indexOf(host) + 1}`;
const vpn = (subnet: Record<string, unknown>) => ({ vpn: { listenPort: 51820, ...subnet } });

/**
 * client sends everything through exit, which masquerades it to a "public" host (IPv4 and
 * IPv6) that has no route back to the tunnel; router routes a LAN whose host has it as gateway.
 */
async function exitAndRoutedLan(dir: string): Promise<VmScenario> {
  const hosts = ["client", "exit", "router"];
  const at = (host: string) => ({ endpoints: [{ ip: underlay(hosts, host) }] });
  const out = await generateBeyond(dir, [
    {
      name: "client",
      subnets: vpn({ listenPort: 51821, ipAddresses: ["10.8.0.2", "fd08::2"], exitNode: "exit" }),
      ...at("client"),
    },
    { name: "exit", subnets: vpn({ ipAddresses: ["10.8.0.1", "fd08::1"] }), ...at("exit") },
    {
      name: "router",
      subnets: vpn({ ipAddresses: ["10.8.0.3", "fd08::3"], routes: ["192.168.77.0/24"] }),
      ...at("router"),
    },
  ]);
  const ping = (host: string, address: string, expect: boolean, what: string) => ({
    host,
    target: { address },
    expect,
    what,
  });
  return {
    name: "routed LAN, exit node with masquerading (IPv4 and IPv6)",
    hosts,
    setup: [
      "ip netns add $(ns public) && ip -n $(ns public) link set lo up",
      "ip link add wan0 netns $(ns exit) type veth peer name eth0 netns $(ns public)",
      "ip -n $(ns exit) addr add 203.0.113.1/24 dev wan0 && ip -n $(ns exit) addr add 2001:db8:113::1/64 dev wan0 nodad && ip -n $(ns exit) link set wan0 up",
      "ip -n $(ns public) addr add 203.0.113.2/24 dev eth0 && ip -n $(ns public) addr add 2001:db8:113::2/64 dev eth0 nodad && ip -n $(ns public) link set eth0 up",
      "ip netns add $(ns lan) && ip -n $(ns lan) link set lo up",
      "ip link add lan0 netns $(ns router) type veth peer name eth0 netns $(ns lan)",
      "ip -n $(ns router) addr add 192.168.77.1/24 dev lan0 && ip -n $(ns router) link set lan0 up",
      "ip -n $(ns lan) addr add 192.168.77.2/24 dev eth0 && ip -n $(ns lan) link set eth0 up",
      "ip -n $(ns lan) route add default via 192.168.77.1",
    ],
    networkd: Object.fromEntries(hosts.map((h) => [h, [join(out, h)]])),
    hostsLines: {},
    devices: Object.fromEntries(hosts.map((h) => [h, ["vpn"]])),
    pings: [
      ping("client", "203.0.113.2", true, "client -> public host through exit (masqueraded)"),
      ping("client", "2001:db8:113::2", true, "client -> public host over IPv6 through exit"),
      ping("client", "192.168.77.2", true, "client -> LAN host through router"),
      ping("exit", "192.168.77.2", true, "exit -> LAN host through router"),
      ping("client", "10.8.0.3", true, "client -> router"),
      ping("router", "203.0.113.2", false, "router (no exit node) -> public host"),
      ping("router", "fd08::1", true, "router -> exit over IPv6"),
    ],
  };
}

/**
 * a and c have generated addresses in the subnet's /64; b a manual one outside it (fd42::12),
 * so only the routes of AllowedIPs reach it. c roams: nobody dials it, it keeps its links up.
 * a has its own MTU and DNS servers (see ROAMING_DNS_MTU).
 */
async function roamingAndOutsidePrefix(dir: string): Promise<VmScenario> {
  const hosts = ["a", "b", "c"];
  const at = (host: string) => ({ endpoints: [{ ip: underlay(hosts, host) }] });
  const out = await generateBeyond(dir, [
    { name: "a", subnets: vpn({ mtu: 1380, dns: ["10.8.0.53", "fd42::53"] }), ...at("a") },
    { name: "b", subnets: vpn({ ipAddresses: ["fd42::12"] }), ...at("b") },
    { name: "c", roaming: true, subnets: vpn({}), ...at("c") },
  ]);
  const tunnel = (from: string, to: string, what: string) => ({
    host: from,
    device: "vpn",
    target: { peerHost: to, peerDevice: "vpn" },
    expect: true,
    what,
  });
  return {
    name: "roaming peer, member outside the interface's prefix",
    hosts,
    networkd: Object.fromEntries(hosts.map((h) => [h, [join(out, h)]])),
    hostsLines: Object.fromEntries(
      hosts.map((h) => [h, readFileSync(join(out, h, "hosts"), "utf8")]),
    ),
    devices: Object.fromEntries(hosts.map((h) => [h, ["vpn"]])),
    pings: [
      // First, before c has sent anything but its keepalive: a reaches the roaming peer.
      tunnel("a", "c", "a -> roaming c (c dialled in by itself)"),
      tunnel("a", "b", "a -> b outside a's prefix"),
      tunnel("c", "b", "roaming c -> b outside c's prefix"),
      tunnel("b", "a", "b -> a outside b's prefix"),
      tunnel("b", "c", "b -> roaming c"),
      { host: "a", device: "vpn", target: { name: "b.vpn" }, expect: true, what: "a -> b.vpn" },
    ],
  };
}

before(async () => {
  assert.ok(
    (await run(NETWORKD, ["--version"])).stdout.startsWith("systemd "),
    `${NETWORKD} runs (Debian package systemd)`,
  );
  writePeerScript(scratch);
  for (const [i, topology] of TOPOLOGIES.entries()) {
    const dir = join(scratch, `t${i}`);
    mkdirSync(dir);
    const prepared = await prepareTopology(topology, "networkd-files", dir);
    const { pings, names } = topologyChecks(prepared, topology);
    const hosts = Object.keys(prepared.placement);
    const peersOf = (host: string) => prepared.placement[host] ?? [];
    const subnetsOf = (peer: string) =>
      Object.keys(prepared.acl.peers.find((p) => p.name === peer)?.subnets ?? {});
    scenarios.push({
      name: topology.name,
      hosts,
      networkd: Object.fromEntries(
        hosts.map((h) => [h, peersOf(h).map((p) => join(prepared.out, p))]),
      ),
      hostsLines: Object.fromEntries(
        hosts.map((h) => [
          h,
          peersOf(h)
            .map((p) => readFileSync(join(prepared.out, p, "hosts"), "utf8"))
            .join(""),
        ]),
      ),
      devices: Object.fromEntries(
        hosts.map((h) => [
          h,
          peersOf(h).flatMap((p) => subnetsOf(p).map((s) => specDeviceName(prepared.method, p, s))),
        ]),
      ),
      pings,
      names,
    });
  }
  mkdirSync(join(scratch, "beyond-exit"));
  scenarios.push(await exitAndRoutedLan(join(scratch, "beyond-exit")));
  mkdirSync(join(scratch, "beyond-roaming"));
  scenarios.push(await roamingAndOutsidePrefix(join(scratch, "beyond-roaming")));
});

/** What networkd must have made of a's mtu and dns in that scenario, written by hand. */
const ROAMING_DNS_MTU = {
  scenario: "roaming peer, member outside the interface's prefix",
  link: /^\d+: vpn: .* mtu 1380 /m,
  /** networkd's state file of the link (DNS servers are space-separated there). */
  netif: /^DNS=10\.8\.0\.53 fd42::53$/m,
  /** The other hosts keep the kernel's default WireGuard MTU, and have no DNS servers. */
  others: /^\d+: vpn: .* mtu 1420 /m,
};

const NAMES = [
  ...TOPOLOGIES.map((t) => t.name),
  "routed LAN, exit node with masquerading (IPv4 and IPv6)",
  "roaming peer, member outside the interface's prefix",
];

for (const [i, name] of NAMES.entries())
  test(`networkd parses every file: ${name}`, async (t) => {
    const scenario = scenarios[i] as VmScenario;
    assert.equal(scenario.name, name);
    const checked = await Promise.all(
      Object.entries(scenario.networkd).map(async ([host, dirs]) => ({
        host,
        ...(await parseCheck(
          join(scratch, "peer-networkd.sh"),
          join(scratch, `parse-${i}-${host}.log`),
          dirs,
        )),
      })),
    );
    for (const { host, problems, log } of checked)
      assert.deepEqual(problems, [], `networkd on ${host}:\n${log}`);
    t.diagnostic(`${Object.keys(scenario.networkd).length} hosts parsed clean`);
  });

test("in a VM, networkd brings every scenario up and the pings go where the links say", async (t) => {
  const inVm = scenarios.filter((_, i) => {
    const topology = TOPOLOGIES[i];
    return topology === undefined || VM_TOPOLOGIES.includes(topology.fixture);
  });
  const vm = await runScenarios(inVm, scratch);
  t.diagnostic(`kernel ${vm.kernel}, VM ran ${vm.seconds.toFixed(0)} s`);
  assert.match(vm.console, /@@@ guest done/, `the guest finished:\n${vm.console.slice(-4000)}`);
  let answered = 0;
  let silent = 0;
  for (const [i, scenario] of inVm.entries()) {
    await t.test(scenario.name, () => {
      const result = vm.results[i];
      assert.ok(result, "a result");
      for (const [host, state] of Object.entries(result.hosts)) {
        if (!(host in scenario.networkd)) continue;
        assert.deepEqual(state.problems, [], `networkd on ${host}:\n${state.log}`);
        for (const device of scenario.devices[host] ?? []) {
          assert.match(
            state.log,
            new RegExp(
              `${device.replaceAll(".", "\\.")}: State changed: configuring -> configured`,
            ),
            `${host}: ${device} configured`,
          );
          assert.match(
            state.wg,
            new RegExp(`^${device.replaceAll(".", "\\.")}\t`, "m"),
            `${host}: ${device} is a WireGuard interface`,
          );
        }
      }
      const wrong: string[] = [];
      scenario.pings.forEach((check, j) => {
        const results = result.pings[j] ?? [];
        if (results.length === 0) wrong.push(`${check.what}: not run`);
        for (const r of results) {
          if (r.answered !== check.expect)
            wrong.push(
              `${check.what} (${r.target}): ${r.answered ? "answered" : "no answer"}, expected ${check.expect ? "an answer" : "none"}`,
            );
          else if (r.answered) answered++;
          else silent++;
        }
      });
      (scenario.names ?? []).forEach((check, j) => {
        if (result.names[j] !== check.expect)
          wrong.push(`${check.name} resolves on ${check.host}: ${!check.expect}`);
      });
      if (scenario.name === ROAMING_DNS_MTU.scenario) {
        const { a, b, c } = result.hosts;
        assert.match(a?.link ?? "", ROAMING_DNS_MTU.link, `a: MTUBytes applied\n${a?.link}`);
        assert.match(a?.netif ?? "", ROAMING_DNS_MTU.netif, `a: DNS= configured\n${a?.netif}`);
        for (const other of [b, c]) {
          assert.match(other?.link ?? "", ROAMING_DNS_MTU.others, other?.link);
          assert.doesNotMatch(other?.netif ?? "", /^DNS=./m);
        }
      }
      const state = Object.entries(result.hosts)
        .map(([h, s]) => `== ${h}\n${s.wg}${s.addr}${s.route}${s.rule}`)
        .join("\n");
      assert.deepEqual(wrong, [], state);
    });
  }
  t.diagnostic(
    `${inVm.length} scenarios: ${answered} pings answered and ${silent} unanswered as they must`,
  );
});

after(() => {
  console.log(
    `# networkd-files e2e: ${scenarios.length} scenarios, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});
