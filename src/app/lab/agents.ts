/**
 * The two small programs the lab runs inside namespaces with this very Node (`node -e`), so
 * they need no file of ours there and work the same from the bundle: a responder per host that
 * answers "pong" on every TCP and UDP port a probe asks for (IPv4 and IPv6, one process for all
 * ports), and a prober per source that sends all its probes at once, each a TCP connect, a UDP
 * request or a ping (the `ping` program), and prints `INDEX 1` for an answer, `INDEX 0` for none.
 * One process per host instead of one per probe keeps a 2-core machine quick.
 */

/**
 * Argv: a JSON list of "tcp/N" and "udp/N". Prints "ready" when all listen; runs until killed
 * with its namespace.
 */
export const RESPONDER = `
const net = require("node:net");
const dgram = require("node:dgram");
const os = require("node:os");
// A UDP answer must come from the address the request went to (WireGuard drops one from any
// other source): one socket per local address, so the kernel picks no other.
const local = Object.values(os.networkInterfaces())
  .flat()
  .filter((a) => !a.address.startsWith("fe80:"))
  .map((a) => a.address);
const services = JSON.parse(process.argv[1]);
const sockets = services.flatMap((s) => (s.startsWith("udp/") ? local.map((a) => [s, a]) : [[s]]));
let waiting = sockets.length;
// "ready" once every port listens, so no probe is sent before its answer can come.
const listening = () => {
  if (--waiting === 0) process.stdout.write("ready\\n");
};
if (waiting === 0) process.stdout.write("ready\\n");
for (const [service, address] of sockets) {
  const [protocol, port] = service.split("/");
  if (protocol === "tcp") {
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.end("pong\\n");
    });
    server.listen({ port: Number(port), host: "::", ipv6Only: false }, listening);
  } else if (protocol === "udp") bindUdp(Number(port), address, 25);
}
// An address still being set up (IPv6 duplicate detection) is tried again for a while.
function bindUdp(port, address, tries) {
  const socket = dgram.createSocket(net.isIPv6(address) ? "udp6" : "udp4");
  socket.on("message", (message, from) => socket.send("pong\\n", from.port, from.address));
  socket.once("error", () => {
    socket.close();
    if (tries > 0) setTimeout(() => bindUdp(port, address, tries - 1), 200);
    else listening();
  });
  socket.bind(port, address, () => {
    socket.removeAllListeners("error");
    socket.on("error", () => {});
    listening();
  });
}
`;

/** Argv: seconds to wait for an answer. Stdin: a JSON list of [index, address, service]. */
export const PROBER = `
const net = require("node:net");
const dgram = require("node:dgram");
const { execFile } = require("node:child_process");
const wait = Number(process.argv[1]) * 1000;
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  for (const [index, address, service] of JSON.parse(input)) {
    let settled = false;
    const done = (answered) => {
      if (settled) return;
      settled = true;
      process.stdout.write(index + " " + (answered ? 1 : 0) + "\\n");
    };
    const [protocol, port] = service.split("/");
    if (protocol === "icmp") {
      execFile("ping", ["-n", "-c", "1", "-W", String(wait / 1000), address], (error) => done(!error));
    } else if (protocol === "tcp") {
      const socket = net.connect({ host: address, port: Number(port) });
      const timer = setTimeout(() => { socket.destroy(); done(false); }, wait);
      let got = "";
      socket.on("connect", () => socket.write("ping\\n"));
      socket.on("data", (d) => { got += d; if (got.includes("pong")) { clearTimeout(timer); socket.destroy(); done(true); } });
      socket.on("error", () => { clearTimeout(timer); done(false); });
      socket.on("close", () => { clearTimeout(timer); done(got.includes("pong")); });
    } else {
      const socket = dgram.createSocket(net.isIPv6(address) ? "udp6" : "udp4");
      const timer = setTimeout(() => { socket.close(); done(false); }, wait);
      socket.on("message", (m) => { if (String(m).includes("pong")) { clearTimeout(timer); socket.close(); done(true); } });
      socket.on("error", () => { clearTimeout(timer); try { socket.close(); } catch {} done(false); });
      socket.send("ping\\n", Number(port), address);
    }
  }
});
`;
