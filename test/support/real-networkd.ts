/**
 * The real systemd-networkd (Debian's, /lib/systemd/systemd-networkd) on generated
 * networkd-files: one networkd per host, in that host's network namespace and a mount namespace
 * of its own, reading the files from /run/systemd/network with debug logging. A peer's sysctl.d
 * and nftables files are applied first, with the real `sysctl` and `nft`, as a user would.
 * Here (no WireGuard in this kernel) it proves that networkd loads every file without a
 * complaint; in a VM (see vm.ts) the same script brings the interfaces up.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const NETWORKD = "/lib/systemd/systemd-networkd";

/**
 * Runs networkd on the files of one or more peers (`$2...`, directories of `wirenix generate
 * --out`), logging to `$1`; call it in the host's network namespace under `unshare -m`.
 * networkd drops to the systemd-network user: the .netdevs are installed 0640 root:systemd-network
 * and the key files they name are copied, each
 * directory onto a tmpfs of its own, readable by that group (as docs/configurers.md asks). A
 * read-only /sys keeps it from waiting for udev. Its state files are in `$1.netif`.
 */
export const PEER_NETWORKD_SH = `set -eu
LOG=$1; shift
exec 2>"$LOG.setup"
mount --make-rprivate /
mkdir -p /run/systemd
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir -p /run/systemd/network /run/systemd/netif /run/systemd/stage "$LOG.netif"
# networkd's state files (links/<ifindex>: the DNS servers it configured...), kept for reading
mount --bind "$LOG.netif" /run/systemd/netif
chown systemd-network:systemd-network /run/systemd/netif
for dir in "$@"; do
  # installed as docs/configurers.md says: a .netdev may hold PrivateKey= (--inline-private-keys)
  install -m 0640 -g systemd-network "$dir"/*.netdev /run/systemd/network/
  install -m 0644 "$dir"/*.network /run/systemd/network/
  for f in "$dir"/sysctl.d/*.conf; do [ ! -f "$f" ] || sysctl -q -p "$f"; done
  for f in "$dir"/*.nft; do [ ! -f "$f" ] || nft -f "$f"; done
done
keys=$(sed -n 's/^\\(PrivateKeyFile\\|PresharedKeyFile\\)=//p' /run/systemd/network/*.netdev | sort -u)
i=0
for key in $keys; do i=$((i+1)); cp "$key" /run/systemd/stage/$i; done
i=0
for key in $keys; do
  i=$((i+1)); dir=$(dirname "$key")
  if ! grep -q " $dir tmpfs " /proc/self/mounts; then
    mkdir -p "$dir"
    mount -t tmpfs -o mode=0750 tmpfs "$dir"
    chgrp systemd-network "$dir"
  fi
  cp /run/systemd/stage/$i "$key"; chgrp systemd-network "$key"; chmod 0640 "$key"
done
mount -t tmpfs tmpfs /etc/systemd/network
umount /sys 2>/dev/null || true
mount -t sysfs -o ro sysfs /sys
ip link set lo up
exec env SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console ${NETWORKD} >"$LOG" 2>&1
`;

/** Writes the script into `dir` and returns its path. */
export function writePeerScript(dir: string): string {
  const path = join(dir, "peer-networkd.sh");
  writeFileSync(path, PEER_NETWORKD_SH, { mode: 0o755 });
  return path;
}

/**
 * What networkd said against the files: every line naming a file and line number (unknown
 * section or key, bad value), files it could not read, and — where the interfaces can exist —
 * anything it failed to set up.
 */
export function networkdProblems(log: string, interfacesCanExist: boolean): string[] {
  return log
    .split("\n")
    .filter(
      (line) =>
        /\.(netdev|network):\d+:/.test(line) ||
        /ignoring network device|Failed to open configuration file|Failed to parse|Failed to read (private|preshared) key|Failed to search for files/.test(
          line,
        ) ||
        (interfacesCanExist &&
          (/could not be created|^\S+: (Could not|Failed to (set|configure|create))/.test(line) ||
            /State changed: \S+ -> failed/.test(line))),
    );
}

/** The interface names the .netdev files in `dirs` create. */
export function netdevNames(dirs: readonly string[]): string[] {
  const names: string[] = [];
  for (const dir of dirs)
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".netdev")))
      for (const line of readFileSync(join(dir, file), "utf8").split("\n"))
        if (line.startsWith("Name=")) names.push(line.slice("Name=".length));
  return names;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs networkd here, in a new network and mount namespace, on one host's peer directories
 * until it has loaded every file and tried to create every interface (this kernel has no
 * WireGuard: "netdev could not be created: Operation not supported" is the expected end).
 * Returns its log and the problems found in it.
 */
export async function parseCheck(
  script: string,
  log: string,
  dirs: readonly string[],
): Promise<{ log: string; problems: string[] }> {
  const devices = netdevNames(dirs);
  const child = spawn("unshare", ["-n", "-m", "sh", script, log, ...dirs], { stdio: "ignore" });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  let text = "";
  const done = () =>
    text.includes("Enumeration completed") &&
    devices.every((d) => text.includes(`${d}: netdev could not be created`));
  for (let i = 0; i < 200 && !done() && child.exitCode === null; i++) {
    await sleep(100);
    text = existsSync(log) ? readFileSync(log, "utf8") : "";
  }
  child.kill("SIGTERM");
  await exited;
  text = existsSync(log) ? readFileSync(log, "utf8") : "";
  const setup = existsSync(`${log}.setup`) ? readFileSync(`${log}.setup`, "utf8") : "";
  const problems = networkdProblems(text, false).filter(
    (line) => !/could not be created: Operation not supported/.test(line),
  );
  if (setup.trim() !== "") problems.push(`setup: ${setup.trim()}`);
  if (!done()) problems.push(`networkd did not finish loading ${devices.join(", ")}:\n${text}`);
  for (const device of devices)
    if (!text.includes(`${device}: loaded "wireguard"`)) problems.push(`${device} not loaded`);
  return { log: text, problems };
}
