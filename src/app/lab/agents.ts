/**
 * The two small programs the lab runs inside namespaces with this very Node (`node -e`), so
 * they need no file of ours there and work the same from the bundle: a responder per host that
 * answers "pong" on every TCP and UDP port a probe asks for (IPv4 and IPv6, one process for all
 * ports), and a prober per source that sends all its probes at once, each a TCP connect, a UDP
 * request or a ping (the `ping` program), and prints what came back: an answer, a refusal, nothing.
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

/**
 * Argv: seconds to wait for an answer. Stdin: a JSON list of [index, address, service, from?]
 * (`from`: the source address to send from, for probes from a routed network). Prints
 * `INDEX arrives` (the responder's answer), `INDEX refused` (a TCP reset or an ICMP
 * unreachable came back before the wait ended: ECONNREFUSED; EHOSTUNREACH and EACCES are
 * "administratively prohibited" for IPv4 and IPv6; ping's "Packet filtered" and the like) or
 * `INDEX dropped` (nothing came back). A UDP socket is connected, so the kernel hands it the
 * ICMP error of its request.
 */
export const PROBER = `
const net = require("node:net");
const dgram = require("node:dgram");
const { execFile } = require("node:child_process");
const wait = Number(process.argv[1]) * 1000;
const REFUSED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "EACCES"]);
const PING_REFUSED = /Packet filtered|Administratively prohibited|Prohibited|Port Unreachable|Unreachable: Port/i;
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  for (const [index, address, service, from] of JSON.parse(input)) {
    let settled = false;
    const done = (outcome) => {
      if (settled) return;
      settled = true;
      process.stdout.write(index + " " + outcome + "\\n");
    };
    const failed = (error) => done(REFUSED.has(error && error.code) ? "refused" : "dropped");
    const [protocol, port] = service.split("/");
    if (protocol === "icmp") {
      const args = ["-n", "-c", "1", "-W", String(wait / 1000), ...(from ? ["-I", from] : []), address];
      execFile("ping", args, (error, stdout) =>
        done(!error ? "arrives" : PING_REFUSED.test(String(stdout)) ? "refused" : "dropped"));
    } else if (protocol === "tcp") {
      const socket = net.connect({ host: address, port: Number(port), ...(from ? { localAddress: from } : {}) });
      const timer = setTimeout(() => { socket.destroy(); done("dropped"); }, wait);
      let got = "";
      socket.on("connect", () => socket.write("ping\\n"));
      socket.on("data", (d) => { got += d; if (got.includes("pong")) { clearTimeout(timer); socket.destroy(); done("arrives"); } });
      socket.on("error", (error) => { clearTimeout(timer); failed(error); });
      socket.on("close", () => { clearTimeout(timer); done(got.includes("pong") ? "arrives" : "dropped"); });
    } else {
      const socket = dgram.createSocket(net.isIPv6(address) ? "udp6" : "udp4");
      const timer = setTimeout(() => { try { socket.close(); } catch {} done("dropped"); }, wait);
      const end = (outcome) => { clearTimeout(timer); try { socket.close(); } catch {} done(outcome); };
      socket.on("message", (m) => { if (String(m).includes("pong")) end("arrives"); });
      socket.on("error", (error) => end(REFUSED.has(error && error.code) ? "refused" : "dropped"));
      socket.bind({ port: 0, ...(from ? { address: from } : {}) }, () =>
        socket.connect(Number(port), address, (error) => {
          if (error) end("dropped");
          else socket.send("ping\\n");
        }));
    }
  }
});
`;
