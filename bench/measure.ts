/**
 * Running one command the way a user would (a fresh process, stdout to a file) and measuring
 * it: wall time, CPU time, peak resident memory. GNU time reports the child's own peak RSS and
 * CPU exactly; where it is missing, /proc/<pid> is polled while the child runs instead.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";

/** What one run of a command cost. */
export interface Measurement {
  wallMs: number;
  /** User + system CPU time of the child. */
  cpuMs: number;
  /** Peak resident set size of the child, in bytes. */
  peakRss: number;
  exitCode: number;
  stderr: string;
}

const GNU_TIME = "/usr/bin/time";

/** Whether GNU time (with `-f` and `-o`) is installed, as on Debian with the `time` package. */
export function haveGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ["-f", "%M", "true"], { encoding: "utf8" });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr);
}

/** How peak memory and CPU are measured on this machine, for the report. */
export function measurementMethod(): string {
  return haveGnuTime()
    ? "GNU time (%M peak RSS, %U+%S CPU)"
    : "/proc/<pid>/status VmHWM and /proc/<pid>/stat, polled every 2 ms";
}

function readProc(pid: number): { hwm: number; cpuTicks: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5); the slice above starts at field 3.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    return { hwm, cpuTicks };
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args` with stdout written to `stdoutFile` (or discarded) and measures it.
 * `scratch` is a directory for GNU time's report.
 */
export async function measure(
  command: string,
  args: readonly string[],
  options: { stdoutFile?: string; cwd: string; scratch: string },
): Promise<Measurement> {
  const gnuTime = haveGnuTime();
  // The previous run's output (gigabytes, for the big meshes) is still being written back to
  // disk; left alone, that slows file creation and writes in this run, which it did not cause.
  spawnSync("sync");
  const report = join(options.scratch, "time.txt");
  const out = options.stdoutFile === undefined ? "ignore" : openSync(options.stdoutFile, "w");
  const argv = gnuTime ? ["-f", "%U %S %M", "-o", report, command, ...args] : [...args];
  const started = process.hrtime.bigint();
  const child = spawn(gnuTime ? GNU_TIME : command, argv, {
    cwd: options.cwd,
    stdio: ["ignore", out, "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < 10_000) stderr += chunk;
  });
  let polled: { hwm: number; cpuTicks: number } | undefined;
  const poller = gnuTime
    ? undefined
    : setInterval(() => {
        const now = child.pid === undefined ? undefined : readProc(child.pid);
        if (now) polled = now;
      }, 2);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (poller) clearInterval(poller);
  if (typeof out === "number") closeSync(out);
  let cpuMs = Number.NaN;
  let peakRss = Number.NaN;
  if (gnuTime) {
    const [user, system, maxKb] =
      readFileSync(report, "utf8").trim().split("\n").pop()?.split(" ") ?? [];
    cpuMs = (Number(user) + Number(system)) * 1000;
    peakRss = Number(maxKb) * 1024;
    rmSync(report, { force: true });
  } else if (polled) {
    // Linux counts CPU time in clock ticks of 10 ms (USER_HZ is 100 on every architecture).
    cpuMs = polled.cpuTicks * 10;
    peakRss = polled.hwm;
  }
  return { wallMs, cpuMs, peakRss, exitCode, stderr };
}

/**
 * Clears a run's output for the next: a file is removed, a directory moved out of the way (into
 * `scratch`, removed with it when the bench ends) instead of deleted. Deleting a tree of thousands of files just before the next run
 * measures the file system, not us: ext4 without a journal (this CI's disks) skips inodes freed
 * in the last minute or more when it allocates new ones, rescanning them for every file made
 * (`recently_deleted` in perf), which added 2 s of system time to a 10,010-host `--out`.
 */
export function setAside(path: string, scratch: string): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) {
    rmSync(path);
    return;
  }
  const aside = join(scratch, "set-aside");
  mkdirSync(aside, { recursive: true });
  renameSync(path, join(mkdtempSync(join(aside, "run-")), "output"));
}
