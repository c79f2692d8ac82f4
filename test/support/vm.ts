/**
 * A throwaway VM for what this machine's kernel cannot do (it has no WireGuard): qemu in
 * software emulation (TCG; no KVM here) boots Debian's kernel, `linux-image-amd64` unpacked by
 * scripts/vm-kernel.sh, with this machine's / shared read-only over 9p under a tmpfs overlay, so
 * the guest runs the very same networkd, wg, ip, nft and ping, and may write anywhere without
 * touching the host. The guest runs one shell script and powers off; its console is returned.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

/** Where scripts/vm-kernel.sh unpacks the kernel, unless WIRENIX_VM_KERNEL says otherwise. */
export const DEFAULT_KERNEL_DIR = join(repoRoot, ".cache", "vm-kernel");

export interface VmKernel {
  dir: string;
  version: string;
  vmlinuz: string;
}

/** The unpacked kernel, or an error that says how to get one. */
export function vmKernel(): VmKernel {
  const dir = process.env.WIRENIX_VM_KERNEL ?? DEFAULT_KERNEL_DIR;
  const modules = join(dir, "lib", "modules");
  const versions = existsSync(modules) ? readdirSync(modules) : [];
  const version = versions[0];
  if (version === undefined || !existsSync(join(modules, version, "modules.dep")))
    throw new Error(
      `no VM kernel in ${dir} (WIRENIX_VM_KERNEL, default .cache/vm-kernel): run scripts/vm-kernel.sh first (apt-get download linux-image-amd64, dpkg-deb -x, depmod; .ci/run does)`,
    );
  return { dir, version, vmlinuz: join(dir, "boot", `vmlinuz-${version}`) };
}

/** Modules the initramfs loads before the root exists; the guest's modprobe loads the rest. */
const EARLY_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"];

/** The initramfs: busybox, the early modules, and an /init that builds the root and runs `script`. */
function buildInitramfs(kernel: VmKernel, dir: string, script: string): string {
  const root = join(dir, "initramfs");
  for (const sub of ["bin", "sbin", "mods", "proc", "sys", "dev", "lower", "upper", "newroot"])
    mkdirSync(join(root, sub), { recursive: true });
  execFileSync("cp", ["/bin/busybox", join(root, "bin", "busybox")]);
  for (const applet of ["sh", "mount", "insmod", "mkdir", "chroot", "poweroff", "echo"])
    execFileSync("ln", ["-sf", "busybox", join(root, "bin", applet)]);
  const order: string[] = [];
  for (const module of EARLY_MODULES) {
    const shown = execFileSync(
      "modprobe",
      ["-d", kernel.dir, "-S", kernel.version, "--show-depends", module],
      { encoding: "utf8" },
    );
    for (const line of shown.split("\n")) {
      const path = /^insmod (\S+)/.exec(line)?.[1];
      if (path !== undefined && !order.includes(path)) order.push(path);
    }
  }
  for (const [i, path] of order.entries())
    execFileSync("cp", [path, join(root, "mods", `${String(i).padStart(2, "0")}.ko`)]);
  // The kernel asks for modules (wireguard, nf_tables, ...) with /sbin/modprobe in the
  // initramfs's root: run the real one in the new root, where the kernel's modules are.
  writeFileSync(
    join(root, "sbin", "modprobe"),
    '#!/bin/sh\nexec /bin/chroot /newroot /sbin/modprobe "$@"\n',
    { mode: 0o755 },
  );
  const modules = join(kernel.dir, "lib", "modules");
  writeFileSync(
    join(root, "init"),
    `#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in /mods/*.ko; do insmod $m; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower || poweroff -f
mount -t tmpfs tmpfs /upper; mkdir /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || poweroff -f
mount -t proc proc /newroot/proc; mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev; mount -t tmpfs tmpfs /newroot/run
mkdir -p /newroot/lib/modules /newroot/run/netns
mount --bind /lower${modules} /newroot/lib/modules
echo "@@@ guest up"
chroot /newroot /bin/sh ${script}
echo "@@@ guest done"
poweroff -f
`,
    { mode: 0o755 },
  );
  const image = join(dir, "initramfs.gz");
  execFileSync("sh", [
    "-c",
    `cd "${root}" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "${image}"`,
  ]);
  return image;
}

/**
 * Boots the VM, runs `script` (a path on this machine, which the guest sees at the same path)
 * as root in the guest and returns the console output. `dir` is a scratch directory.
 */
export async function runInVm(
  script: string,
  dir: string,
  timeoutMs: number,
): Promise<{ console: string; kernel: string; seconds: number }> {
  const kernel = vmKernel();
  chmodSync(script, 0o755);
  const initramfs = buildInitramfs(kernel, dir, script);
  const started = Date.now();
  const output: Buffer[] = [];
  const qemu = spawn(
    "qemu-system-x86_64",
    [
      ...["-accel", "tcg", "-cpu", "max", "-m", "1536", "-smp", "2"],
      ...["-nographic", "-no-reboot", "-nic", "none"],
      ...["-kernel", kernel.vmlinuz, "-initrd", initramfs],
      ...["-append", "console=ttyS0 quiet panic=-1"],
      ...[
        "-virtfs",
        "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
      ],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  qemu.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  qemu.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  const timer = setTimeout(() => qemu.kill("SIGKILL"), timeoutMs);
  await new Promise((resolve) => qemu.on("exit", resolve));
  clearTimeout(timer);
  return {
    console: Buffer.concat(output).toString("utf8").replaceAll("\r", ""),
    kernel: kernel.version,
    seconds: (Date.now() - started) / 1000,
  };
}
