/**
 * `wirenix lab` time per phase for networks of 5, 10 and 20 hosts with rules (root): a hub
 * with an endpoint, servers with endpoints, and laptops behind NAT that dial the hub; laptops
 * reach the servers on tcp/22 and tcp/443 and ping, servers each other's udp/53, the hub
 * everyone. Run: `npm run build && sudo node dist/bench/lab.js [5 10 20]`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/wirenix.js", import.meta.url));
const is = (type: string, value: string) => ({ type, rule: "is", value });

/** A network of `n` hosts: the hub, ⌊(n-1)/2⌋ servers with endpoints, the rest laptops. */
export function labAcl(n: number): object {
  const servers = Math.floor((n - 1) / 2);
  const peers = Array.from({ length: n }, (_, i) => {
    const name = i === 0 ? "hub" : i <= servers ? `server${i}` : `laptop${i - servers}`;
    return {
      name,
      groups: [i === 0 ? "infra" : i <= servers ? "servers" : "laptops"],
      ...(i <= servers
        ? { endpoints: [{ ip: i === 0 ? "hub.example.net" : `192.0.2.${i}` }] }
        : {}),
      subnets: { office: { listenPort: 51820, ipAddresses: [`10.0.0.${i + 1}`] } },
    };
  });
  return {
    version: "v1",
    subnets: [{ name: "office", endpoints: [{ port: 51820, persistentKeepalive: 25 }] }],
    groups: [{ name: "infra" }, { name: "servers" }, { name: "laptops" }],
    peers,
    connections: [
      { a: [is("peer", "hub")], b: [] },
      { a: [is("group", "servers")], b: [is("group", "servers")] },
    ],
    rules: [
      {
        from: [is("group", "laptops")],
        to: [is("group", "servers")],
        allow: ["tcp/22", "tcp/443", "icmp"],
      },
      { from: [is("group", "servers")], to: [is("group", "servers")], allow: ["udp/53"] },
      { from: [is("peer", "hub")], to: [], allow: ["*"] },
    ],
  };
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [5, 10, 20]) {
  const dir = mkdtempSync(join(tmpdir(), "wirenix-lab-bench-"));
  try {
    const acl = join(dir, `lab-${n}.json`);
    writeFileSync(acl, JSON.stringify(labAcl(n), null, 1));
    const started = Date.now();
    const ran = spawnSync(process.execPath, [bin, "lab", acl, "--format", "json"], {
      encoding: "utf8",
    });
    const wall = (Date.now() - started) / 1000;
    if (ran.status !== 0 && !ran.stdout) {
      process.stderr.write(ran.stderr);
      process.exitCode = 1;
      break;
    }
    const json = JSON.parse(ran.stdout) as {
      phases: Record<string, number>;
      summary: { line: string };
    };
    const phases = Object.entries(json.phases)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ");
    process.stdout.write(`${n} hosts: ${wall.toFixed(1)} s (${phases}); ${json.summary.line}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
