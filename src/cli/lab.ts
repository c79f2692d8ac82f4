/**
 * `wirenix lab ACL`: the ACL's network built in network namespaces on this machine, with the
 * files a deploy uses, and its policy proven with real packets; `lab down` and `lab exec` for
 * a lab left up with --keep.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Command, Option } from "commander";
import { writeOutOf } from "../app/generate.js";
import { labKeys } from "../app/lab/keys.js";
import { type LabRun, type Phases, runLab } from "../app/lab/lab.js";
import { destroyLab, inNamespace, LabCommandError, labEnv, mayBuildLab } from "../app/lab/netns.js";
import { withoutOutsidePeers } from "../app/lab/outside.js";
import { LabPlanError, planLab } from "../app/lab/plan.js";
import { labPeers, planProbes } from "../app/lab/probes.js";
import { reportJson, reportMarkdown, reportText, summarize } from "../app/lab/report.js";
import { processAlive, readState, removeState, stateFile } from "../app/lab/state.js";
import { formatDiagnostic } from "../core/diagnostics.js";
import { generateKeys } from "../keys/generate-dir.js";
import {
  aclCommand,
  choosePeers,
  collect,
  type NetworkFlags,
  sourcedNetworkWith,
} from "./common.js";
import {
  type CliIO,
  EXIT_INVALID,
  EXIT_USAGE,
  printDiagnostics,
  printError,
  withCliOutput,
} from "./io.js";

interface Flags extends NetworkFlags {
  peer: string[];
  format: "text" | "json" | "markdown";
  keep?: boolean;
  timeout: string;
  configurer: string;
}

/** The programs the lab runs; wireguard-go is needed only without the kernel module. */
const TOOLS = ["ip", "wg", "wg-quick", "nft", "ping", "unshare", "mount"] as const;

function missingTool(names: readonly string[]): string | undefined {
  return names.find(
    (name) => spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status !== 0,
  );
}

/** The lab's peers' wg-quick files without the peers outside the lab (see outside.ts). */
function dropOutsidePeers(files: string, peers: readonly string[], outside: ReadonlySet<string>) {
  if (outside.size === 0) return;
  for (const peer of peers) {
    const dir = join(files, peer);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".conf"))) {
      const file = join(dir, name);
      writeFileSync(file, withoutOutsidePeers(readFileSync(file, "utf8"), outside), {
        mode: 0o600,
      });
    }
  }
}

function progressOf(
  io: CliIO,
): (event: { phase: keyof Phases; done: number; total: number }) => void {
  if (io.errTerminal)
    return ({ phase, done, total }) =>
      io.err(`\r\u001b[Kwirenix: lab: ${phase} ${done}/${total}${done === total ? "\n" : ""}`);
  return ({ phase, done, total }) => {
    if (done === total) io.err(`wirenix: lab: ${phase}: ${total} done\n`);
  };
}

async function up(io: CliIO, acl: string, flags: Flags): Promise<number> {
  if (!mayBuildLab()) {
    printError(io, "wirenix lab needs root: it makes network namespaces (run it with sudo)");
    return EXIT_USAGE;
  }
  const missing = missingTool(TOOLS);
  if (missing !== undefined) {
    printError(io, `wirenix lab needs ${missing}, which is not installed`);
    return EXIT_USAGE;
  }
  const wait = Number(flags.timeout);
  if (!Number.isInteger(wait) || wait < 1 || wait > 60) {
    printError(
      io,
      `--timeout: expected whole seconds from 1 to 60, got ${JSON.stringify(flags.timeout)}`,
    );
    return EXIT_USAGE;
  }
  const started = performance.now();
  const { network, registry, locate } = await sourcedNetworkWith(io, acl, flags);
  const sources = choosePeers(network, acl, flags.peer);
  const state = stateFile(acl);
  const previous = readState(state);
  if (previous && (previous.kept || processAlive(previous.pid))) {
    printError(
      io,
      `a lab of ${acl} is already up (${previous.kept ? "kept" : `run by process ${previous.pid}`}); take it down with \`wirenix lab down ${acl}\``,
    );
    return EXIT_INVALID;
  }
  // A lab whose process was killed outright: its namespaces go before the new one is made.
  if (previous) {
    destroyLab(previous.prefix, previous.dir);
    removeState(state);
  }
  const probed = flags.peer.length > 0 ? sources : [];
  const peers = labPeers(network, network.policyTests, probed);
  let plan: ReturnType<typeof planLab>;
  try {
    plan = planLab(network, randomBytes(3).toString("hex"), peers);
  } catch (error) {
    if (!(error instanceof LabPlanError)) throw error;
    printError(io, `${acl}: ${error.message}`);
    return EXIT_INVALID;
  }
  const probes = planProbes(network, plan, network.policyTests, probed);
  if (probes.problems.length > 0) {
    printDiagnostics(io, locate(probes.problems));
    return EXIT_INVALID;
  }
  // mkdtemp makes it 0700: the lab's keys and files are root's alone.
  const dir = mkdtempSync(join(tmpdir(), "wirenix-lab-"));
  let run: LabRun;
  try {
    const keys = join(dir, "keys");
    const files = join(dir, "files");
    const inLab = new Set(peers);
    // Only the lab's peers get keys and files (all of them when the lab holds every peer).
    const made = await generateKeys(network, keys, { peers: peers, updatesAcl: true });
    if (!made.ok)
      throw new LabCommandError(
        `making the lab's keys failed: ${made.diagnostics.map((d) => d.message).join("; ")}`,
      );
    // The network as read for the plan, configured with the lab's keys alone (see keys.ts).
    const ownKeys = labKeys(keys, made.value.publicKeys);
    const written = await writeOutOf(
      { network, registry: registry.with({ keyProviders: [ownKeys.provider] }), locate },
      {
        configurer: flags.configurer,
        keyProviders: [ownKeys.provider.name],
        keysDir: keys,
        out: files,
        peers: peers.length === network.peers.length ? [] : peers,
      },
    );
    if (!written.ok)
      throw new LabCommandError(
        `making the lab's files failed: ${written.diagnostics
          .filter((d) => d.severity === "error")
          .map((d) => formatDiagnostic(d))
          .join("; ")}`,
      );
    const outside = ownKeys.outside();
    dropOutsidePeers(files, peers, outside);
    const withTunnels = network.peers.filter((p) => inLab.has(p.name) && p.memberships.length > 0);
    const bare = withTunnels.find((p) => !existsSync(join(files, p.name)));
    if (bare)
      throw new LabCommandError(
        `the configurer ${flags.configurer} wrote no files for ${bare.name}; the lab brings up wg-quick files`,
      );
    run = await runLab({
      network,
      plan,
      probes,
      dir,
      files,
      stateFile: state,
      acl: resolve(acl),
      keep: flags.keep === true,
      wait,
      width: 6,
      progress: progressOf(io),
      publicKeys: made.value.publicKeys,
      prepared: Math.round(performance.now() - started) / 1000,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    if (error instanceof LabCommandError) {
      printError(io, error.message);
      return EXIT_INVALID;
    }
    throw error;
  }
  io.err(`wirenix: lab: WireGuard by ${run.wireguard}\n`);
  const report =
    flags.format === "json"
      ? reportJson(run)
      : flags.format === "markdown"
        ? reportMarkdown(run)
        : reportText(run);
  io.out(report);
  if (run.kept)
    io.err(
      `wirenix: lab: kept up; step in with \`wirenix lab exec ${acl} PEER -- CMD\`, end it with \`wirenix lab down ${acl}\`\n`,
    );
  const summary = summarize(run);
  return summary.differ === 0 && summary.testsFailed === 0 ? 0 : EXIT_INVALID;
}

async function down(io: CliIO, acl: string): Promise<number> {
  if (!mayBuildLab()) {
    printError(io, "wirenix lab down needs root: it removes network namespaces (run it with sudo)");
    return EXIT_USAGE;
  }
  const file = stateFile(acl);
  const state = readState(file);
  if (!state) {
    printError(io, `no lab of ${acl} is up`);
    return EXIT_INVALID;
  }
  if (!state.kept && processAlive(state.pid) && state.pid !== process.pid)
    process.kill(state.pid, "SIGTERM");
  destroyLab(state.prefix, state.dir);
  removeState(file);
  io.err(`wirenix: lab: the lab of ${acl} is down\n`);
  return 0;
}

function execIn(io: CliIO, acl: string, peer: string, argv: readonly string[]): Promise<number> {
  const state = readState(stateFile(acl));
  if (!state) {
    printError(io, `no lab of ${acl} is up (start one with \`wirenix lab ${acl} --keep\`)`);
    return Promise.resolve(EXIT_INVALID);
  }
  const ns = state.hosts[peer];
  if (ns === undefined) {
    printError(
      io,
      `unknown peer ${JSON.stringify(peer)} (the lab has: ${Object.keys(state.hosts).join(", ")})`,
    );
    return Promise.resolve(EXIT_USAGE);
  }
  return new Promise((done) => {
    const child = spawn("ip", inNamespace(state, ns, argv), {
      stdio: "inherit",
      env: labEnv(state),
    });
    child.on("error", () => done(EXIT_INVALID));
    child.on("exit", (code) => done(code ?? EXIT_INVALID));
  });
}

export function labCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("lab")
    .description(
      "build the ACL's network in network namespaces on this machine (root), probe every source, target and service with real packets, and compare each with what check and explain predict",
    )
    .argument("<acl>", "the ACL file")
    .option(
      "--peer <name>",
      "probe only from this peer (repeat for several); every peer is up, or, above 250 peers, these, the targets of their policy tests and the peers on the way",
      collect,
      [],
    )
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["text", "json", "markdown"])
        .default("text"),
    )
    .option("--keep", "leave the lab up (then `wirenix lab exec` and `wirenix lab down`)")
    .option("--timeout <seconds>", "how long each probe waits for its answer", "1")
    .option(
      "--configurer <name>",
      "the file configurer whose wg-quick files are brought up (one a plugin adds, too)",
      "wg-quick",
    );
  const downCmd = new Command("down")
    .description("take down the lab of the ACL (one left with --keep, or one whose run died)")
    .argument("<acl>", "the ACL file")
    .action(async (acl: string) => done(await down(io, acl)));
  const execCmd = new Command("exec")
    .description("run a command in a peer's namespace of a lab left up with --keep")
    .argument("<acl>", "the ACL file")
    .argument("<peer>", "the peer")
    .argument("<command...>", "the command (after --)")
    .action(async (acl: string, peer: string, argv: string[]) =>
      done(await execIn(io, acl, peer, argv)),
    );
  command.addCommand(withCliOutput(io, downCmd)).addCommand(withCliOutput(io, execCmd));
  return aclCommand(command, done, (acl, flags: Flags) => up(io, acl, flags));
}
