/**
 * What `wirenix report` shows, gathered: each pair's services with the way its packets take,
 * the topology picture (when it is small enough to lay out), the hosts' files and findings;
 * then rendered by report-html.ts.
 */
import { readFileSync } from "node:fs";
import { type DiffSide, type NetworkDiff, traceLine } from "../analysis/diff.js";
import type { Trace } from "../analysis/packet-trace.js";
import { tracePacket } from "../analysis/packet-trace.js";
import { reachability } from "../analysis/reachability.js";
import { serviceSpace } from "../analysis/services.js";
import { printable } from "../core/printable.js";
import type { SecretScrubber } from "../core/secrets.js";
import { AccessRules } from "../network/access.js";
import type { Network } from "../network/model.js";
import { targetAddresses } from "../network/targets.js";
import { networkGraph } from "../render/graph/graph.js";
import { toSvg } from "../render/graph/svg.js";
import { redactSecrets } from "./host-files.js";
import { Interned, type ReportMatrix } from "./report-data.js";
import { reportHtml } from "./report-html.js";

/** One version of the network as the report needs it. */
export interface ReportSide extends DiffSide {
  label: string;
  scrubber: SecretScrubber;
}

/** Graphviz lays out a picture of this many links in a few seconds; beyond, the page says so. */
const TOPOLOGY_MAX_EDGES = 1500;
/** Up to this many peers every cell of the matrix carries its path; beyond, only its services. */
const CELL_PATHS_MAX_PEERS = 300;

async function topology(network: Network): Promise<{ svg: string } | { omitted: string }> {
  const graph = networkGraph(network);
  if (graph.edges.length > TOPOLOGY_MAX_EDGES)
    return {
      omitted: `The picture is left out: ${graph.nodes.length} peers with ${graph.edges.length} links are more than a page can show (more than ${TOPOLOGY_MAX_EDGES} links); \`wirenix graph\` draws it.`,
    };
  return { svg: printable(await toSvg(graph), { keepLineBreaks: true }) };
}

/**
 * The matrix: each pair's services, and the way its first service takes (or where it stops).
 * A cell is an index into `kinds` (a mask and a why); a mesh of a thousand peers has a million
 * cells but a handful of kinds.
 */
function matrix(network: Network): ReportMatrix {
  const space = serviceSpace([network]);
  const reach = reachability(network, space);
  const rules = new AccessRules(network);
  const whys = new Interned<string>();
  const kinds = new Interned<string>();
  const n = reach.peers.length;
  const paths = n <= CELL_PATHS_MAX_PEERS;
  const cells = new Uint32Array(n * n);
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
      // The pair's own names stand as \u0001 (from) and \u0002 (to), so that the ways of a
      // mesh, alike but for the names, are one text in the page.
      const from = JSON.stringify(reach.peers[a]);
      const to = JSON.stringify(reach.peers[b]);
      const whyIndex = whys.index(why.replaceAll(from, "\u0001").replaceAll(to, "\u0002"));
      cells[a * n + b] = kinds.index(`${mask.toString(16)} ${whyIndex}`);
    }
  return {
    services: space.atoms.map((_, i) => space.groups(1n << BigInt(i))[0]?.text ?? ""),
    all: space.all.toString(16),
    kinds: kinds.values.map((key) => {
      const [mask, why] = key.split(" ") as [string, string];
      return { mask, why: Number(why) };
    }),
    cells,
    whys: whys.values,
  };
}

/**
 * The report page of one side (`now`, read from `file`), with the diff that led to it when
 * there is one.
 */
export async function reportPage(
  now: ReportSide,
  file: string,
  diff?: NetworkDiff,
  diffTitle?: string,
): Promise<string> {
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
