/**
 * The keys beyond the original, proven with the real wg-quick on wireguard-go in network
 * namespaces this test creates: a LAN reached through the peer that routes it, a "public"
 * network reached only through an exit node (its counters grow, the source is masqueraded, and
 * without the tunnel there is no route), a roaming peer with no endpoint reached once it has
 * dialled, and a tunnel over an IPv6-only underlay. Addresses are documentation or private
 * ranges, only ever inside these namespaces. networkd-files does the same under the real
 * systemd-networkd, in a VM: see networkd-files.test.ts.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { type Lab, must, removeStaleNamespaces, run, withLab } from "../support/netns.js";
import { wirenixBin } from "../support/paths.js";
import { wgKeyFiles } from "../support/wg.js";

// jsqr is CommonJS with an ES-style default in its types.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

type AclPeer = Record<string, unknown> & { name: string };
interface Acl {
  version: "v1";
  subnets: Record<string, unknown>[];
  groups: Record<string, unknown>[];
  peers: AclPeer[];
  connections: Record<string, unknown>[];
}

const WG_QUICK_ENV = { WG_QUICK_USERSPACE_IMPLEMENTATION: "wireguard-go", LOG_LEVEL: "silent" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Real keys from `wg`, then `wirenix generate --configurer wg-quick --out`; returns the dir. */
async function generate(
  lab: Lab,
  acl: Acl,
  keep = false,
): Promise<{ out: string; publicKeys: Map<string, string> }> {
  const publicKeys = new Map<string, string>();
  privateKeys.clear();
  for (const [name, pair] of wgKeyFiles(acl.peers, join(lab.dir, "keys"))) {
    if (keep) privateKeys.set(name, pair.privateKey);
    publicKeys.set(name, pair.publicKey);
  }
  const aclFile = join(lab.dir, "acl.json");
  writeFileSync(aclFile, JSON.stringify(acl, null, 1));
  const out = join(lab.dir, "out");
  const result = await run(process.execPath, [
    ...[wirenixBin, "generate", aclFile, "--configurer", "wg-quick", "--out", out],
  ]);
  assert.equal(result.code, 0, `wirenix generate failed:\n${result.stderr}`);
  return { out, publicKeys };
}

/** Private keys of the last `generate(..., true)`, for checks that they stay off the output. */
const privateKeys = new Map<string, string>();

function conf(out: string, peer: string): string {
  return join(out, peer, "vpn.conf");
}

async function up(lab: Lab, host: string, file: string): Promise<void> {
  await lab.mustExec(host, ["wg-quick", "up", file], { env: WG_QUICK_ENV });
}

async function down(lab: Lab, host: string, file: string): Promise<void> {
  await lab.mustExec(host, ["wg-quick", "down", file], { env: WG_QUICK_ENV });
}

async function ping(lab: Lab, host: string, target: string, args: string[] = []) {
  return lab.exec(host, ["ping", "-n", "-c", "1", "-W", "1", ...args, target]);
}

/** The first handshake takes a moment: a few tries. */
async function pingUntil(lab: Lab, host: string, target: string, args: string[] = []) {
  let last = await ping(lab, host, target, args);
  for (let i = 0; i < 20 && last.code !== 0; i++) {
    await sleep(250);
    last = await ping(lab, host, target, args);
  }
  return last;
}

/** Bytes received from a peer, as `wg show <dev> transfer` reports them. */
async function received(lab: Lab, host: string, publicKey: string): Promise<number> {
  const out = await lab.mustExec(host, ["wg", "show", "vpn", "transfer"]);
  const line = out.split("\n").find((l) => l.startsWith(publicKey));
  assert.ok(line, `${host} has a peer ${publicKey}`);
  return Number(line.split("\t")[1]);
}

function routeGet(lab: Lab, host: string, args: string[]): Promise<string> {
  return lab.mustExec(host, ["ip", "route", "get", ...args]);
}

const peer = (name: string, subnet: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ name, subnets: { vpn: { listenPort: 51820, ...subnet } }, ...extra }) as AclPeer;

/** A peer whose endpoint is its host's underlay address in the lab. */
const onUnderlay = (lab: Lab, name: string, subnet: Record<string, unknown>) =>
  peer(name, subnet, { endpoints: [{ ip: lab.underlay(name) }] });

const all = { a: [], b: [] };

/** One subnet "vpn" (port 51820 unless a peer says otherwise), everyone linked to everyone. */
function vpnAcl(peers: Acl["peers"]): Acl {
  return {
    version: "v1",
    subnets: [{ name: "vpn", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers,
    connections: [all],
  };
}

/** A "public" host (203.0.113.2) that only the exit peer can reach, over its wan0. */
async function addPublicNetwork(lab: Lab): Promise<void> {
  await lab.addIsolatedHost("public");
  await lab.veth(
    { host: "exit", dev: "wan0", address: "203.0.113.1/24" },
    { host: "public", dev: "eth0", address: "203.0.113.2/24" },
  );
}

/** A LAN host (192.168.77.2) behind the router peer, which is its default gateway. */
async function addRoutedLan(lab: Lab): Promise<void> {
  await lab.addIsolatedHost("lan");
  await lab.veth(
    { host: "router", dev: "lan0", address: "192.168.77.1/24" },
    { host: "lan", dev: "eth0", address: "192.168.77.2/24" },
  );
  await lab.mustExec("lan", ["ip", "route", "add", "default", "via", "192.168.77.1"]);
}

before(async () => {
  await removeStaleNamespaces();
});

test("routed subnet: a LAN behind a peer is reached through it", (t) =>
  withLab(["client", "router"], async (lab) => {
    await addRoutedLan(lab);
    const acl = vpnAcl([
      onUnderlay(lab, "client", { ipAddresses: ["10.8.0.1"] }),
      onUnderlay(lab, "router", { ipAddresses: ["10.8.0.2"], routes: ["192.168.77.0/24"] }),
    ]);
    const { out } = await generate(lab, acl);
    assert.match(
      readFileSync(conf(out, "client"), "utf8"),
      /^AllowedIPs = 10\.8\.0\.2\/32,192\.168\.77\.0\/24$/m,
    );

    // No tunnel, no way to the LAN: the client has no route there.
    assert.notEqual((await ping(lab, "client", "192.168.77.2")).code, 0);
    await up(lab, "router", conf(out, "router"));
    await up(lab, "client", conf(out, "client"));
    assert.match(await routeGet(lab, "client", ["192.168.77.2"]), /dev vpn/);
    const answer = await pingUntil(lab, "client", "192.168.77.2");
    assert.equal(answer.code, 0, `client reaches the LAN host: ${answer.stdout}${answer.stderr}`);
    t.diagnostic("ping client -> 192.168.77.2 (LAN behind router) answered through vpn");
  }));

test("exit node: a public network is reached only through the exit peer", (t) =>
  withLab(["client", "exit"], async (lab) => {
    await addPublicNetwork(lab);
    const acl = vpnAcl([
      onUnderlay(lab, "client", { ipAddresses: ["10.8.0.2", "fd08::2"], exitNode: "exit" }),
      onUnderlay(lab, "exit", { ipAddresses: ["10.8.0.1", "fd08::1"] }),
    ]);
    const { out, publicKeys } = await generate(lab, acl);
    assert.match(
      readFileSync(conf(out, "client"), "utf8"),
      /^AllowedIPs = 10\.8\.0\.1\/32,fd08::1\/128,0\.0\.0\.0\/0,::\/0$/m,
    );

    assert.notEqual((await ping(lab, "client", "203.0.113.2")).code, 0, "no direct way");
    await up(lab, "exit", conf(out, "exit"));
    await up(lab, "client", conf(out, "client"));

    // The default route is the tunnel's; the tunnel's own (marked) packets still go to the
    // endpoint over the underlay.
    assert.match(await routeGet(lab, "client", ["203.0.113.2"]), /dev vpn table 51820/);
    assert.match(
      await routeGet(lab, "client", [lab.underlay("exit"), "mark", "51820"]),
      /dev eth0/,
    );

    const client = publicKeys.get("client") as string;
    const before = await received(lab, "exit", client);
    const answer = await pingUntil(lab, "client", "203.0.113.2", ["-s", "1000"]);
    assert.equal(
      answer.code,
      0,
      `client reaches the public host: ${answer.stdout}${answer.stderr}`,
    );
    for (let i = 0; i < 4; i++)
      assert.equal((await ping(lab, "client", "203.0.113.2", ["-s", "1000"])).code, 0);
    const after = await received(lab, "exit", client);
    assert.ok(
      after - before >= 5 * 1000,
      `the exit peer received the pings (${before} -> ${after} bytes)`,
    );

    // The public host saw the exit node's address, not the client's: masqueraded.
    const server = lab.exec(
      "public",
      [
        process.execPath,
        "-e",
        "const s=require('net').createServer(c=>{c.end(c.remoteAddress);s.close()});s.listen(8080,'203.0.113.2')",
      ],
      { timeoutMs: 20_000 },
    );
    let seen = "";
    for (let i = 0; i < 40 && seen === ""; i++) {
      const reply = await lab.exec("client", [
        process.execPath,
        "-e",
        "require('net').connect(8080,'203.0.113.2').on('data',d=>process.stdout.write(d)).on('error',()=>process.exit(1))",
      ]);
      seen = reply.stdout.trim();
      if (seen === "") await sleep(100);
    }
    await server;
    assert.equal(
      seen.replace(/^::ffff:/, ""),
      "203.0.113.1",
      "source masqueraded by the exit peer",
    );

    // Without the tunnel the public host is unreachable again.
    await down(lab, "client", conf(out, "client"));
    assert.notEqual(
      (await ping(lab, "client", "203.0.113.2")).code,
      0,
      "no path once the tunnel is down",
    );
    t.diagnostic(
      `exit peer received ${after - before} bytes from the client; the public host saw ${seen}`,
    );
  }));

test("roaming peer: no endpoint on the server, reached once it has dialled", (t) =>
  withLab(["server", "phone"], async (lab) => {
    const acl = vpnAcl([
      onUnderlay(lab, "server", { ipAddresses: ["10.8.0.1"] }),
      peer("phone", { ipAddresses: ["10.8.0.9"] }, { roaming: true }),
    ]);
    const { out, publicKeys } = await generate(lab, acl);
    const serverConf = readFileSync(conf(out, "server"), "utf8");
    const phoneConf = readFileSync(conf(out, "phone"), "utf8");
    assert.doesNotMatch(serverConf, /^Endpoint/m, "the server does not dial the phone");
    assert.match(phoneConf, new RegExp(`^Endpoint = ${lab.underlay("server")}:51820$`, "m"));
    assert.match(phoneConf, /^PersistentKeepalive = 25$/m);

    await up(lab, "server", conf(out, "server"));
    const phoneKey = publicKeys.get("phone") as string;
    const endpoints = async () =>
      (await lab.mustExec("server", ["wg", "show", "vpn", "endpoints"]))
        .split("\n")
        .find((l) => l.startsWith(phoneKey))
        ?.split("\t")[1];
    assert.equal(
      await endpoints(),
      "(none)",
      "before the phone dials, the server knows no endpoint",
    );
    assert.notEqual((await ping(lab, "server", "10.8.0.9")).code, 0);

    await up(lab, "phone", conf(out, "phone"));
    assert.match(
      await lab.mustExec("phone", ["wg", "show", "vpn", "persistent-keepalive"]),
      /\t25\n/,
      "the phone keeps its NAT mapping open",
    );
    // The phone initiates (here by reaching the server); the server learns where it is.
    const dialled = await pingUntil(lab, "phone", "10.8.0.1");
    assert.equal(
      dialled.code,
      0,
      `the phone reaches the server: ${dialled.stdout}${dialled.stderr}`,
    );
    // A roaming peer's file sets no ListenPort (nobody dials it): the kernel picks its port.
    const learned = await endpoints();
    const [host, port] = (learned ?? "").split(/:(?=\d+$)/);
    assert.equal(host, lab.underlay("phone"), "the server learned the phone's endpoint");
    assert.ok(Number(port) > 0 && Number(port) < 65536, `a port: ${learned}`);
    const answer = await pingUntil(lab, "server", "10.8.0.9");
    assert.equal(
      answer.code,
      0,
      `server reaches the roaming phone: ${answer.stdout}${answer.stderr}`,
    );
    t.diagnostic(`server learned the phone at ${learned} and reaches it`);
  }));

test("IPv6-only underlay: endpoints bracketed, tunnel carries IPv4 and IPv6", (t) =>
  withLab(["a", "b"], async (lab) => {
    const v6 = { a: "fd57::1", b: "fd57::2" };
    for (const host of ["a", "b"] as const) {
      await must("ip", ["-n", lab.ns(host), "-4", "addr", "flush", "dev", "eth0"]);
      await must("ip", [
        "-n",
        lab.ns(host),
        "addr",
        "add",
        `${v6[host]}/64`,
        "dev",
        "eth0",
        "nodad",
      ]);
    }
    const acl = vpnAcl([
      peer("a", { ipAddresses: ["10.8.0.1", "fd08::1"] }, { endpoints: [{ ip: v6.a }] }),
      peer("b", { ipAddresses: ["10.8.0.2", "fd08::2"] }, { endpoints: [{ ip: v6.b }] }),
    ]);
    const { out } = await generate(lab, acl);
    assert.match(readFileSync(conf(out, "a"), "utf8"), /^Endpoint = \[fd57::2\]:51820$/m);
    assert.match(readFileSync(conf(out, "b"), "utf8"), /^Endpoint = \[fd57::1\]:51820$/m);
    // No IPv4 on the underlay at all.
    assert.equal((await lab.mustExec("a", ["ip", "-4", "addr", "show", "dev", "eth0"])).trim(), "");

    await up(lab, "a", conf(out, "a"));
    await up(lab, "b", conf(out, "b"));
    for (const target of ["10.8.0.2", "fd08::2"]) {
      const answer = await pingUntil(lab, "a", target);
      assert.equal(answer.code, 0, `a reaches ${target}: ${answer.stdout}${answer.stderr}`);
    }
    const endpoints = await lab.mustExec("b", ["wg", "show", "vpn", "endpoints"]);
    assert.match(endpoints, /\[fd57::1\]:51820/);
    t.diagnostic("a <-> b over [fd57::]:51820, IPv4 and IPv6 inside");
  }));

test("qr: the decoded QR code is a configuration wg-quick brings up, and it reaches the server", (t) =>
  withLab(["server", "phone"], async (lab) => {
    const acl = vpnAcl([
      onUnderlay(lab, "server", { ipAddresses: ["10.8.0.1", "fd08::1"] }),
      peer("phone", { ipAddresses: ["10.8.0.9", "fd08::9"] }, { roaming: true }),
    ]);
    const { out } = await generate(lab, acl, true);
    const png = join(lab.dir, "phone.png");
    const qr = await run(process.execPath, [
      ...[wirenixBin, "qr", join(lab.dir, "acl.json"), "phone", "--png", png],
      ...["--private-key-file", join(lab.dir, "keys", "phone.key")],
    ]);
    assert.equal(qr.code, 0, qr.stderr);
    const key = privateKeys.get("phone") as string;
    assert.ok(!qr.stdout.includes(key) && !qr.stderr.includes(key), "no key as text");
    const image = PNG.sync.read(readFileSync(png));
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
    assert.ok(decoded?.includes(`PrivateKey = ${key}`), "the QR code carries the key");
    const phoneDir = join(lab.dir, "phone-from-qr");
    mkdirSync(phoneDir, { mode: 0o700 });
    writeFileSync(join(phoneDir, "vpn.conf"), decoded ?? "", { mode: 0o600 });

    await up(lab, "server", conf(out, "server"));
    await up(lab, "phone", join(phoneDir, "vpn.conf"));
    for (const target of ["10.8.0.1", "fd08::1"]) {
      const answer = await pingUntil(lab, "phone", target);
      assert.equal(answer.code, 0, `the phone reaches ${target}: ${answer.stdout}${answer.stderr}`);
    }
    const back = await pingUntil(lab, "server", "10.8.0.9");
    assert.equal(back.code, 0, "and the server reaches the phone once it has dialled");
    t.diagnostic("configuration decoded from the PNG brought up by wg-quick; pings both ways");
  }));

interface StaticInterface {
  ips: string[];
  listenPort: number;
  privateKeyFile: string;
  table?: string;
  fwMark?: string;
  postSetup?: string;
  postShutdown?: string;
  peers: { publicKey: string; allowedIPs: string[]; endpoint?: string }[];
}

/**
 * Brings up a `static` interface with the commands NixOS's wireguard module runs, in its
 * order (wireguard-go standing in for the kernel module): addresses, key, port and mark, link
 * up, postSetup; then per peer `wg set ... peer` and a route per AllowedIPs in `table`.
 */
async function staticUp(lab: Lab, host: string, dev: string, i: StaticInterface): Promise<void> {
  await lab.mustExec(host, ["wireguard-go", dev]);
  for (const ip of i.ips) await lab.mustExec(host, ["ip", "address", "add", ip, "dev", dev]);
  await lab.mustExec(host, [
    ...["wg", "set", dev, "private-key", i.privateKeyFile, "listen-port", String(i.listenPort)],
    ...(i.fwMark === undefined ? [] : ["fwmark", i.fwMark]),
  ]);
  await lab.mustExec(host, ["ip", "link", "set", "up", "dev", dev]);
  if (i.postSetup !== undefined) await lab.mustExec(host, ["bash", "-ec", i.postSetup]);
  for (const p of i.peers) {
    await lab.mustExec(host, [
      ...["wg", "set", dev, "peer", p.publicKey],
      ...(p.endpoint === undefined ? [] : ["endpoint", p.endpoint]),
      ...["allowed-ips", p.allowedIPs.join(",")],
    ]);
    for (const ip of p.allowedIPs)
      await lab.mustExec(host, [
        ...["ip", "route", "replace", ip, "dev", dev, "table", i.table ?? "main"],
      ]);
  }
}

test("exit node, NixOS static output: table, fwMark and postSetup rules do the routing", (t) =>
  withLab(["client", "exit"], async (lab) => {
    await addPublicNetwork(lab);
    const acl = vpnAcl([
      onUnderlay(lab, "client", {
        listenPort: 51821,
        ipAddresses: ["10.8.0.2", "fd08::2"],
        exitNode: "exit",
      }),
      onUnderlay(lab, "exit", { ipAddresses: ["10.8.0.1", "fd08::1"] }),
    ]);
    const { out, publicKeys } = await generate(lab, acl);
    const generated = await run(process.execPath, [
      ...[wirenixBin, "generate", join(lab.dir, "acl.json"), "--peer", "client"],
      ...["--configurer", "static", "--format", "json"],
    ]);
    assert.equal(generated.code, 0, generated.stderr);
    const client = JSON.parse(generated.stdout).client.networking.wireguard.interfaces
      .vpn as StaticInterface;
    assert.equal(client.table, "51821");
    assert.equal(client.fwMark, "51821");

    await up(lab, "exit", conf(out, "exit"));
    await staticUp(lab, "client", "vpn", client);
    assert.match(await routeGet(lab, "client", ["203.0.113.2"]), /dev vpn table 51821/);
    assert.match(
      await routeGet(lab, "client", [lab.underlay("exit"), "mark", "51821"]),
      /dev eth0/,
      "the tunnel's own packets keep the underlay route",
    );
    const key = publicKeys.get("client") as string;
    const before = await received(lab, "exit", key);
    const answer = await pingUntil(lab, "client", "203.0.113.2", ["-s", "1000"]);
    assert.equal(
      answer.code,
      0,
      `client reaches the public host: ${answer.stdout}${answer.stderr}`,
    );
    const ipv6 = await pingUntil(lab, "client", "fd08::1");
    assert.equal(ipv6.code, 0, "and the exit peer over IPv6");
    const after = await received(lab, "exit", key);
    assert.ok(after - before >= 1000, `through the exit peer (${before} -> ${after} bytes)`);

    // postShutdown takes the rules away again.
    await lab.mustExec("client", ["bash", "-ec", client.postShutdown ?? "false"]);
    for (const family of ["-4", "-6"])
      assert.doesNotMatch(await lab.mustExec("client", ["ip", family, "rule"]), /51821/);
    t.diagnostic(`static exit client: ${after - before} bytes through the exit peer`);
  }));
