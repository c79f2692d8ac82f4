/**
 * `wirenix lab` as a library call: the network's namespaces and underlay, every peer's files
 * brought up with the real wg-quick (and so the access-rule tables, which its PostUp loads),
 * every probe sent and compared with its prediction, and everything removed again — at the
 * end, on a failure halfway, or on a signal (see `onInterrupt`) — unless the lab is kept.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { onInterrupt } from "../../io/interrupt.js";
import type { Network } from "../../network/model.js";
import { PROBER, RESPONDER } from "./agents.js";
import { handshakeScript, handshakeTargets } from "./handshakes.js";
import {
  buildUnderlay,
  destroyLab,
  exec,
  kernelWireguard,
  type LabRuntime,
  mustExec,
  pool,
  startIn,
  writeHostsFiles,
} from "./netns.js";
import type { LabPlan } from "./plan.js";
import {
  asPredicted,
  type LabProbe,
  listenedServices,
  type ProbePlan,
  proberInput,
  readObservations,
} from "./probes.js";
import { type LabState, removeState, writeState } from "./state.js";

/** Seconds each phase took. */
export type Phases = Record<
  "prepare" | "underlay" | "up" | "handshakes" | "probes" | "down",
  number
>;

export interface LabRun {
  plan: LabPlan;
  probes: ProbePlan;
  /** "kernel" or "wireguard-go". */
  wireguard: string;
  phases: Partial<Phases>;
  kept: boolean;
}

/** What the caller shows while the lab runs. */
export type Progress = (event: { phase: keyof Phases; done: number; total: number }) => void;

export interface LabInput {
  network: Network;
  plan: LabPlan;
  probes: ProbePlan;
  /** The lab's temporary directory (0700), already holding `files`. */
  dir: string;
  /** The generated files: `<files>/<peer>/*.conf` (wg-quick) and `<files>/<peer>/hosts`. */
  files: string;
  /** Where the state of this lab is kept while it runs (see state.ts). */
  stateFile: string;
  acl: string;
  keep: boolean;
  /** Seconds a probe waits for its answer. */
  wait: number;
  /** How many hosts are set up (or probed from) at once. */
  width: number;
  progress: Progress;
  /** The public key of each peer of the lab, as its files give it. */
  publicKeys: ReadonlyMap<string, string>;
  /** Seconds already spent preparing the files. */
  prepared: number;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The configuration files of a peer wg-quick brings up, in name order. */
function confFiles(files: string, peer: string): string[] {
  const dir = join(files, peer);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".conf"))
    .sort()
    .map((name) => join(dir, name));
}

/** Sends the probes `which` (indices) from their sources, a host's probes all at once. */
async function sendProbes(
  rt: LabRuntime,
  input: LabInput,
  which: readonly number[],
  onHost: () => void,
): Promise<void> {
  const { probes } = input.probes;
  const bySource = new Map<string, [number, LabProbe][]>();
  for (const i of which) {
    const probe = probes[i] as LabProbe;
    const list = bySource.get(probe.ns) ?? [];
    list.push([i, probe]);
    bySource.set(probe.ns, list);
  }
  await pool(
    [...bySource].map(([ns, list]) => async () => {
      const ran = await exec(
        rt,
        ns,
        [process.execPath, "-e", PROBER, String(input.wait)],
        120_000,
        proberInput(list),
      );
      readObservations(ran.stdout, probes);
      onHost();
    }),
    // A prober mostly waits for answers: every source probes at once.
    bySource.size,
  );
}

/** Brings the lab up, probes it, and takes it down (unless kept). */
export async function runLab(input: LabInput): Promise<LabRun> {
  const { plan } = input;
  const rt: LabRuntime = { plan, dir: input.dir, userspace: true };
  const phases: Partial<Phases> = { prepare: input.prepared };
  const state: LabState = {
    acl: input.acl,
    pid: process.pid,
    kept: false,
    prefix: plan.prefix,
    dir: input.dir,
    userspace: true,
    hosts: Object.fromEntries(plan.hosts.map((h) => [h.peer, h.ns])),
  };
  writeState(input.stateFile, state);
  let removed = false;
  const teardown = () => {
    if (removed) return;
    removed = true;
    destroyLab(plan.prefix, input.dir);
    removeState(input.stateFile);
  };
  const unregister = onInterrupt(teardown);
  let kept = false;
  try {
    let t = performance.now();
    const total = plan.hosts.length;
    await buildUnderlay(rt, input.width);
    rt.userspace = !(await kernelWireguard(plan.bridge));
    state.userspace = rt.userspace;
    writeState(input.stateFile, state);
    writeHostsFiles(rt, (host) => {
      const file = join(input.files, host.peer, "hosts");
      return existsSync(file) ? readFileSync(file, "utf8") : "";
    });
    phases.underlay = seconds(t);
    input.progress({ phase: "underlay", done: total, total });

    t = performance.now();
    let up = 0;
    await pool(
      plan.hosts.map((host) => async () => {
        for (const conf of confFiles(input.files, host.peer))
          await mustExec(rt, host.ns, ["wg-quick", "up", conf]);
        input.progress({ phase: "up", done: ++up, total });
      }),
      input.width,
    );
    // Every service a probe asks for answers on every host, routed network and the internet.
    const responder = [
      process.execPath,
      "-e",
      RESPONDER,
      JSON.stringify(listenedServices(input.probes.probes)),
    ];
    await Promise.all(
      [
        ...plan.hosts.flatMap((host) => [host.ns, ...host.lans.map((l) => l.ns)]),
        ...(plan.internet ? [plan.internet] : []),
      ].map((ns) => startIn(rt, ns, responder)),
    );
    phases.up = seconds(t);

    // Handshakes before the probes (see handshakes.ts).
    t = performance.now();
    {
      let done = 0;
      await pool(
        plan.hosts.map((host) => async () => {
          const targets = handshakeTargets(input.network, plan, host, input.publicKeys);
          await exec(rt, host.ns, ["sh", "-c", handshakeScript(targets)]);
          input.progress({ phase: "handshakes", done: ++done, total });
        }),
        input.width,
      );
    }
    phases.handshakes = seconds(t);

    t = performance.now();
    const all = input.probes.probes.map((_, i) => i);
    const sources = new Set(input.probes.probes.map((p) => p.ns)).size;
    let probed = 0;
    await sendProbes(rt, input, all, () =>
      input.progress({ phase: "probes", done: ++probed, total: sources }),
    );
    // A probe that should have been answered (or refused) and was not gets two more tries (a
    // handshake still under way, a loaded machine); what came back is proof and is never asked
    // again.
    for (let retry = 0; retry < 2; retry++) {
      const again = input.probes.probes.flatMap((p, i) =>
        p.predicted !== "dropped" && !asPredicted(p) ? [i] : [],
      );
      if (again.length === 0) break;
      await sleep(500);
      await sendProbes(rt, input, again, () => undefined);
    }
    phases.probes = seconds(t);
    for (const test of input.probes.tests)
      test.observed = test.probes.some((i) => input.probes.probes[i]?.observed === "arrives");

    if (input.keep) {
      kept = true;
      state.kept = true;
      writeState(input.stateFile, state);
    }
  } finally {
    unregister();
    if (!kept) {
      const t = performance.now();
      teardown();
      phases.down = seconds(t);
    }
  }
  return {
    plan,
    probes: input.probes,
    wireguard: rt.userspace ? "wireguard-go" : "kernel",
    phases,
    kept,
  };
}
