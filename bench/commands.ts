/**
 * The commands at size: every command of the CLI (a fresh process each run, start-up included)
 * on a full mesh of 500, 1000 and 2000 peers and a hub-and-spoke of 10 hubs with 50 to 1000
 * spokes each, with its time, peak memory, output, and the time `cat` takes to copy that same
 * output to a file in the same run: the physical floor of writing it. One table per command,
 * with the growth exponent between sizes, and the targets of issue 28 checked at the end.
 *
 * With WIRENIX_BENCH_BASELINE naming another checkout of Wirenix (built: `dist/bundle`), its
 * `generate` runs beside ours on the same ACLs, alternating, so a regression shows in one run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { changedAcl, HUBS, makeAcl, type Topology } from "./acls.js";
import { type Measurement, measure, setAside } from "./measure.js";

/** One ACL of this benchmark. */
interface Size {
  topology: Topology;
  peers: number;
  /** Peer entries of all hosts together (directed links): what generate's output grows with. */
  entries: number;
  /** Two linked peers, for `explain`. */
  pair: [string, string];
  /** The peers `lab --peer` builds: a hub and two of its spokes, or three mesh peers. */
  lab: [string, string, string];
}

/** The ACL of a size and, for `diff`, its next versions (see `changedAcl`). */
interface AclFiles {
  acl: string;
  ruleChanged: string;
  peerAdded: string;
}

/**
 * What a command row runs; `out` is a directory (`--out`) instead of standard output; `exits`
 * the exit codes that are no failure (`diff` says "changes" with 1); `needs` why it cannot run
 * on this machine, if it cannot (the row then says so instead of a measurement).
 */
interface CommandCase {
  name: string;
  args: (files: AclFiles, size: Size, dir: string) => string[];
  out?: "dir";
  exits?: readonly number[];
  needs?: () => string | undefined;
}

/** Why `lab` cannot run here: it needs root, its tools, and WireGuard (kernel or wireguard-go). */
function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not run: lab needs root";
  const has = (name: string) =>
    spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
  const missing = ["ip", "wg", "wg-quick", "nft", "ping", "unshare", "mount"].find((n) => !has(n));
  if (missing) return `not run: lab needs ${missing}, which is not installed`;
  if (!has("wireguard-go") && !existsSync("/sys/module/wireguard"))
    return "not run: lab needs the kernel's WireGuard module or wireguard-go";
  return undefined;
}

/** The commands measured; everything else, tables and exponents, follows from this list. */
export const COMMANDS: readonly CommandCase[] = [
  { name: "generate --format json", args: ({ acl }) => ["generate", acl, "--format", "json"] },
  {
    name: "generate --configurer wg-quick --out",
    args: ({ acl }, _size, dir) => ["generate", acl, "--configurer", "wg-quick", "--out", dir],
    out: "dir",
  },
  { name: "check", args: ({ acl }) => ["check", acl] },
  { name: "inspect", args: ({ acl }) => ["inspect", acl] },
  { name: "inspect --format json", args: ({ acl }) => ["inspect", acl, "--format", "json"] },
  { name: "explain", args: ({ acl }, size) => ["explain", acl, ...size.pair] },
  { name: "graph", args: ({ acl }) => ["graph", acl] },
  { name: "graph --format svg", args: ({ acl }) => ["graph", acl, "--format", "svg"] },
  {
    name: "diff (a rule changed)",
    args: ({ acl, ruleChanged }) => ["diff", acl, ruleChanged],
    exits: [0, 1],
  },
  {
    name: "diff (a peer added)",
    args: ({ acl, peerAdded }) => ["diff", acl, peerAdded],
    exits: [0, 1],
  },
  {
    name: "lab --peer (three peers)",
    args: ({ acl }, size) => ["lab", acl, ...size.lab.flatMap((p) => ["--peer", p])],
    needs: labUnavailable,
  },
];

export function sizes(quick: boolean): Size[] {
  const mesh = quick ? [200, 400] : [500, 1000, 2000];
  const hubs = quick ? [210, 1010] : [510, 1010, 2010, 10_010];
  const width = (n: number) => String(n - 1).length;
  return [
    ...mesh.map((n): Size => {
      const name = (i: number) => `peer${String(i).padStart(width(n), "0")}`;
      return {
        topology: "mesh",
        peers: n,
        entries: n * (n - 1),
        pair: [name(0), name(1)],
        lab: [name(0), name(1), name(2)],
      };
    }),
    ...hubs.map((n): Size => {
      // Spoke i is on hub i mod HUBS: spokes 0 and HUBS are two of hub0's.
      const spoke = (i: number) => `peer${String(i).padStart(width(n - HUBS), "0")}`;
      return {
        topology: "hubs",
        peers: n,
        entries: 2 * (n - HUBS) + HUBS * (HUBS - 1),
        pair: ["hub0", spoke(0)],
        lab: ["hub0", spoke(0), spoke(HUBS)],
      };
    }),
  ];
}

/** One command on one ACL. */
export interface CommandRow {
  command: string;
  topology: Topology;
  peers: number;
  entries: number;
  bytes: number;
  ours: Measurement;
  /** `cat` of the same output into a file, in the same run. */
  cat: Measurement;
  /** The baseline checkout's run of the same command, when WIRENIX_BENCH_BASELINE is set. */
  baseline?: Measurement;
  /** Why the command was not run here (`ours` and `cat` are then empty). */
  skipped?: string;
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += sizeOf(join(path, entry));
  return total;
}

/** The fastest of `runs` runs (the least disturbed by other load), with the highest peak RSS. */
async function fastest(
  runs: number,
  once: () => Promise<Measurement>,
  exits: readonly number[] = [0],
): Promise<Measurement> {
  let best: Measurement | undefined;
  for (let run = 0; run < runs; run++) {
    const m = await once();
    if (!exits.includes(m.exitCode)) throw new Error(`exit ${m.exitCode}:\n${m.stderr}`);
    if (!best || m.wallMs < best.wallMs)
      best = { ...m, peakRss: Math.max(m.peakRss, best?.peakRss ?? 0) };
    else best.peakRss = Math.max(best.peakRss, m.peakRss);
  }
  return best as Measurement;
}

/** Runs every command on every size; `progress` hears each row as it is measured. */
export async function benchCommands(options: {
  repoRoot: string;
  scratch: string;
  runs: number;
  quick: boolean;
  /** Only this topology's sizes. */
  topology?: Topology;
  baseline?: string;
  progress: (row: CommandRow) => void;
}): Promise<CommandRow[]> {
  const { repoRoot, scratch, runs } = options;
  const ours = join(repoRoot, "bin", "wirenix.js");
  const theirs =
    options.baseline === undefined ? undefined : join(options.baseline, "bin", "wirenix.js");
  const rows: CommandRow[] = [];
  for (const size of sizes(options.quick)) {
    if (options.topology !== undefined && size.topology !== options.topology) continue;
    const base = join(scratch, `${size.topology}-${size.peers}`);
    const files: AclFiles = {
      acl: `${base}.json`,
      ruleChanged: `${base}-rule-changed.json`,
      peerAdded: `${base}-peer-added.json`,
    };
    const data = makeAcl(size.topology, size.peers);
    writeFileSync(files.acl, JSON.stringify(data, null, 1));
    writeFileSync(
      files.ruleChanged,
      JSON.stringify(changedAcl(size.topology, data, "rule"), null, 1),
    );
    writeFileSync(
      files.peerAdded,
      JSON.stringify(changedAcl(size.topology, data, "peer"), null, 1),
    );
    for (const command of COMMANDS) {
      const skipped = command.needs?.();
      if (skipped !== undefined) {
        const none: Measurement = {
          wallMs: NaN,
          cpuMs: NaN,
          peakRss: NaN,
          exitCode: 0,
          stderr: "",
        };
        const row: CommandRow = {
          command: command.name,
          topology: size.topology,
          peers: size.peers,
          entries: size.entries,
          bytes: 0,
          ours: none,
          cat: none,
          skipped,
        };
        rows.push(row);
        options.progress(row);
        continue;
      }
      const output = join(scratch, "output");
      const copy = join(scratch, "copy");
      const clear = () => setAside(output, scratch);
      const run = async (bin: string) => {
        clear();
        if (command.out === "dir") mkdirSync(output);
        return measure(process.execPath, [bin, ...command.args(files, size, output)], {
          cwd: repoRoot,
          scratch,
          ...(command.out === "dir" ? {} : { stdoutFile: output }),
        });
      };
      let baseline: Measurement | undefined;
      const generating = command.name.startsWith("generate");
      // Ours and the baseline alternate, so both see the same load.
      const measured = await fastest(
        runs,
        async () => {
          if (theirs && generating) {
            const b = await run(theirs);
            if (b.exitCode === 0 && (!baseline || b.wallMs < baseline.wallMs)) baseline = b;
          }
          return run(ours);
        },
        command.exits,
      );
      const bytes = sizeOf(output);
      // The floor: the same bytes copied into one file by cat.
      const cat = await fastest(runs, () =>
        command.out === "dir"
          ? measure("sh", ["-c", 'find "$0" -type f -exec cat {} + > "$1"', output, copy], {
              cwd: repoRoot,
              scratch,
            })
          : measure("cat", [output], { cwd: repoRoot, scratch, stdoutFile: copy }),
      );
      rmSync(copy, { force: true });
      clear();
      const row: CommandRow = {
        command: command.name,
        topology: size.topology,
        peers: size.peers,
        entries: size.entries,
        bytes,
        ours: measured,
        cat,
        ...(baseline ? { baseline } : {}),
      };
      rows.push(row);
      options.progress(row);
    }
    for (const file of Object.values(files)) rmSync(file);
  }
  return rows;
}

/** What start-up alone costs (`wirenix --version`), taken off before growth is computed. */
export async function startup(
  repoRoot: string,
  scratch: string,
  runs: number,
): Promise<Measurement> {
  return fastest(runs, () =>
    measure(process.execPath, [join(repoRoot, "bin", "wirenix.js"), "--version"], {
      cwd: repoRoot,
      scratch,
    }),
  );
}

const seconds = (ms: number) =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
const megabytes = (bytes: number) =>
  Number.isNaN(bytes) ? "?" : `${(bytes / 2 ** 20).toFixed(0)} MB`;
function size(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}
const times = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)}×`;

/**
 * The growth exponent from the previous size of the same topology: log(cost ratio) over
 * log(peer entries ratio), the cost being CPU time (steadier than wall time on a shared machine)
 * or peak memory, above what start-up alone takes.
 * 1 is linear in the network's links (and so in generate's output), 2 quadratic.
 */
function exponent(
  row: CommandRow,
  previous: CommandRow | undefined,
  cost: (r: CommandRow) => number,
): string {
  if (!previous) return "";
  const a = cost(previous);
  const b = cost(row);
  if (!(a > 0 && b > 0)) return "~0";
  return (Math.log(b / a) / Math.log(row.entries / previous.entries)).toFixed(2);
}

/** One table per command, sizes in order, with the growth exponents between them. */
export function commandTables(rows: readonly CommandRow[], start: Measurement): string {
  const out: string[] = [];
  const withBaseline = rows.some((r) => r.baseline);
  for (const command of COMMANDS) {
    const mine = rows.filter((r) => r.command === command.name);
    if (mine.length === 0) continue;
    const header = [
      "ACL",
      "peers",
      "peer entries",
      "output",
      "wall",
      "CPU",
      "peak RSS",
      "cat wall",
      "× cat",
      "CPU exponent",
      "RSS exponent",
      ...(withBaseline ? ["baseline wall", "baseline ÷ ours"] : []),
    ];
    out.push(
      `### ${command.name}`,
      "",
      `| ${header.join(" | ")} |`,
      `|${header.map((_, i) => (i < 1 ? "---" : "--:")).join("|")}|`,
    );
    mine.forEach((r, i) => {
      if (r.skipped !== undefined) {
        out.push(
          `| ${[r.topology, r.peers, r.entries, r.skipped, ...header.slice(4).map(() => "")].join(" | ")} |`,
        );
        return;
      }
      const before = mine[i - 1];
      const previous =
        before?.topology === r.topology && before.skipped === undefined ? before : undefined;
      const b = r.baseline;
      out.push(
        `| ${[
          r.topology,
          r.peers,
          r.entries,
          size(r.bytes),
          seconds(r.ours.wallMs),
          seconds(r.ours.cpuMs),
          megabytes(r.ours.peakRss),
          seconds(r.cat.wallMs),
          times(r.ours.wallMs / r.cat.wallMs),
          exponent(r, previous, (x) => x.ours.cpuMs - start.cpuMs),
          exponent(r, previous, (x) => x.ours.peakRss - start.peakRss),
          ...(withBaseline
            ? [b ? seconds(b.wallMs) : "", b ? times(b.wallMs / r.ours.wallMs) : ""]
            : []),
        ].join(" | ")} |`,
      );
    });
    out.push("");
  }
  return out.join("\n");
}

/**
 * The targets of issue 28, checked on this run's rows; `start` (what `wirenix --version` alone
 * costs) is shown beside the ratios to `cat`, whose floor it is.
 */
export function commandTargets(rows: readonly CommandRow[], start?: Measurement): string[] {
  const out: string[] = [];
  const verdict = (ok: boolean, label: string, got: string) =>
    out.push(`${ok ? "met   " : "MISSED"}  ${label}: ${got}`);
  const find = (command: string, topology: Topology, peers: number) =>
    rows.find((r) => r.command === command && r.topology === topology && r.peers === peers);
  for (const command of ["generate --format json", "generate --configurer wg-quick --out"]) {
    const r = find(command, "mesh", 1000);
    if (!r) continue;
    const x = r.ours.wallMs / r.cat.wallMs;
    const floor = start
      ? ` (start-up alone, \`wirenix --version\`: ${seconds(start.wallMs)}, ${times(start.wallMs / r.cat.wallMs)})`
      : "";
    verdict(x <= 4, `mesh 1000, ${command}: ≤ 4× cat of its output`, `${times(x)}${floor}`);
    if (r.baseline)
      verdict(
        r.ours.wallMs <= r.baseline.wallMs,
        `mesh 1000, ${command}: not slower than the baseline`,
        `${seconds(r.ours.wallMs)} against ${seconds(r.baseline.wallMs)}`,
      );
  }
  const hubs = Math.max(0, ...rows.filter((r) => r.topology === "hubs").map((r) => r.peers));
  for (const r of rows.filter((x) => x.topology === "hubs" && x.peers === hubs && hubs >= 10_000))
    if (r.skipped !== undefined) out.push(`open    hubs ${hubs}, ${r.command}: ${r.skipped}`);
    else
      verdict(
        r.ours.wallMs < 5000 && r.ours.peakRss < 2 ** 30,
        `hubs ${hubs}, ${r.command}: < 5 s and < 1 GB`,
        `${seconds(r.ours.wallMs)}, ${megabytes(r.ours.peakRss)}`,
      );
  const generate = find("generate --format json", "mesh", 2000);
  for (const command of ["check", "inspect"]) {
    const r = find(command, "mesh", 2000);
    if (!r || !generate) continue;
    const x = r.ours.wallMs / generate.ours.wallMs;
    verdict(x <= 2, `mesh 2000, ${command}: ≤ 2× generate all hosts`, times(x));
  }
  const slowest = rows
    .filter((r) => r.command.startsWith("graph"))
    .reduce<CommandRow | undefined>(
      (a, r) => (!a || r.ours.wallMs > a.ours.wallMs ? r : a),
      undefined,
    );
  if (slowest)
    verdict(
      slowest.ours.wallMs < 10_000,
      "graph: every size within 10 s",
      `slowest ${seconds(slowest.ours.wallMs)} (${slowest.command}, ${slowest.topology} ${slowest.peers})`,
    );
  return out;
}
