/**
 * `wirenix report ACL -o report.html`: the network as one self-contained page for a person
 * (emit/report-html.ts); with `--base REF` or a second file, the diff too. Written atomically,
 * as every output is.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { diffNetworks, type NetworkDiff, traceLine } from "../analysis/diff.js";
import type { Trace } from "../analysis/packet-trace.js";
import { tracePacket } from "../analysis/packet-trace.js";
import { targetAddresses } from "../analysis/policy.js";
import { reachability } from "../analysis/reachability.js";
import { serviceSpace } from "../analysis/services.js";
import { redactSecrets } from "../app/host-files.js";
import { type ReportCell, reportHtml } from "../app/report-html.js";
import { printable } from "../core/printable.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { AccessRules } from "../network/access.js";
import type { Network } from "../network/model.js";
import { networkGraph } from "../render/graph/graph.js";
import { toSvg } from "../render/graph/svg.js";
import { Exit, registryWith, withAclLimits, withPlugins } from "./common.js";
import {
  configurerOption,
  EXPLAIN_LIMIT,
  type LoadedSide,
  loadSide,
  type SideFlags,
  withSides,
} from "./diff.js";
import { type CliIO, EXIT_INVALID } from "./io.js";

/** Graphviz lays out a picture of this many links in a few seconds; beyond, the page says so. */
export const TOPOLOGY_MAX_EDGES = 1500;
/** Up to this many peers every cell of the matrix carries its path; beyond, only its services. */
export const CELL_PATHS_MAX_PEERS = 300;

interface Flags extends SideFlags {
  output: string;
  base?: string;
}

async function topology(network: Network): Promise<{ svg: string } | { omitted: string }> {
  const graph = networkGraph(network);
  if (graph.edges.length > TOPOLOGY_MAX_EDGES)
    return {
      omitted: `The picture is left out: ${graph.nodes.length} peers with ${graph.edges.length} links are more than a page can show (more than ${TOPOLOGY_MAX_EDGES} links); \`wirenix graph\` draws it.`,
    };
  return { svg: printable(await toSvg(graph), { keepLineBreaks: true }) };
}

/** The matrix: each pair's services, and the way its first service takes (or where it stops). */
function matrix(network: Network) {
  const space = serviceSpace([network]);
  const reach = reachability(network, space);
  const rules = new AccessRules(network);
  const whys: string[] = [];
  const whyIndex = new Map<string, number>();
  const intern = (text: string) => {
    let i = whyIndex.get(text);
    if (i === undefined) {
      i = whys.length;
      whys.push(text);
      whyIndex.set(text, i);
    }
    return i;
  };
  const n = reach.peers.length;
  const paths = n <= CELL_PATHS_MAX_PEERS;
  const cells: ReportCell[] = [];
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      const mask = reach.masks[a * n + b] ?? 0n;
      let why = "";
      if (a === b) why = "itself";
      else if (!paths)
        why = `(the way is not shown for networks of more than ${CELL_PATHS_MAX_PEERS} peers: see \`wirenix explain\`)`;
      else {
        // The first service reached (else the first of all) is followed for the why.
        const first = space.groups(mask)[0]?.first ?? 0;
        const packet = space.probe(first);
        let last: Trace | undefined;
        for (const address of targetAddresses(network, { peer: reach.peers[b] as string })) {
          last = tracePacket(network, rules, reach.peers[a] as string, address, packet);
          if (last.reached) break;
        }
        why = last ? traceLine(last) : "it has no address";
      }
      cells.push({ mask: mask.toString(16), why: intern(why) });
    }
  return {
    services: space.atoms.map((_, i) => space.groups(1n << BigInt(i))[0]?.text ?? ""),
    all: space.all.toString(16),
    cells,
    whys,
  };
}

async function build(now: LoadedSide, file: string, diff?: NetworkDiff, diffTitle?: string) {
  const { network } = now;
  const aclText = redactSecrets(readFileSync(file, "utf8"), now.scrubber);
  return reportHtml({
    title: "Wirenix network report",
    acl: now.label,
    aclText,
    peers: network.peers.map((p) => ({
      name: p.name,
      groups: [...new Set(p.groups)],
      subnets: p.memberships.map((m) => m.subnet),
    })),
    ...matrix(network),
    topology: await topology(network),
    hosts: now.files ?? new Map(),
    findings: now.check.diagnostics,
    ...(diff ? { diff, diffTitle: diffTitle ?? "" } : {}),
  });
}

async function run(io: CliIO, acl: string, other: string | undefined, flags: Flags) {
  const registry = await registryWith(io, flags.plugin);
  let html: string;
  if (other === undefined && flags.base === undefined) {
    const now = loadSide(io, acl, acl, registry, flags, true, EXIT_INVALID);
    html = await build(now, acl);
  } else {
    const loaded = withSides(acl, other, flags.base, (old, now) => ({
      a: loadSide(io, old.file, old.label, registry, flags, true, EXIT_INVALID),
      b: loadSide(io, now.file, now.label, registry, flags, true, EXIT_INVALID),
      file: now.file,
    }));
    const diff = diffNetworks(loaded.a, loaded.b, { explainLimit: EXPLAIN_LIMIT });
    html = await build(loaded.b, loaded.file, diff, `${loaded.a.label} → ${loaded.b.label}`);
  }
  writeFileAtomic(flags.output, html, { mode: 0o644 });
  return 0;
}

export function reportCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("report")
    .description(
      "write one self-contained HTML page about the network: topology, reachability matrix, every host's files (secrets redacted), check findings; with --base REF or a second file, the diff too",
    )
    .argument("<acl>", "the ACL file (with a second file: the old one)")
    .argument("[new]", "the new ACL file: report on it, with the diff from the first")
    .requiredOption("-o, --output <file>", "the HTML file to write")
    .option("--base <ref>", "include the diff from the same file as committed at this git revision")
    .addOption(configurerOption());
  withPlugins(command).action(async (acl: string, other: string | undefined, flags: Flags) => {
    try {
      done(await run(io, acl, other, flags));
    } catch (error) {
      if (error instanceof Exit) done(error.code);
      else throw error;
    }
  });
  return withAclLimits(command);
}
