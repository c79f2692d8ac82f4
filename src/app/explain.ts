/**
 * `explain` as the library runs it: why two peers are (or are not) linked, and the way a packet
 * takes hop by hop, for a peer or any policy-test target (`peer.subnet`, a routed network), with
 * a service (`tcp/22`) when one is asked for.
 */
import {
  type Explanation,
  explainPair,
  explainPaths,
  explanationText,
  type PathExplanation,
  pathsText,
} from "../analysis/explain.js";
import { diagnostic, type Result } from "../core/diagnostics.js";
import { namedNetwork } from "../network/named-networks.js";
import { parsePacketService, splitService } from "../network/service.js";
import { resolveTargetText } from "../network/targets.js";
import { type AclInput, type AclOptions, type ReadAcl, readAcl } from "./acl-input.js";

/** What `explain` found: the link between two peers, the way packets take, or both. */
export interface Explained {
  /** Absent when the target is no peer (only the way packets take is explained). */
  link?: Explanation;
  paths: PathExplanation;
  /** Both, as `wirenix explain` prints them. */
  text: string;
}

/** `explain`'s options: besides reading the ACL, the packet's service (`tcp/22`, `icmp`). */
export interface ExplainRequest extends AclOptions {
  service?: string;
}

function problem(message: string): Result<never> {
  return { ok: false, diagnostics: [diagnostic("error", "usage", [], message)] };
}

function unknownPeer(read: ReadAcl, name: string): Result<never> {
  const { network } = read;
  const known = network.peers.slice(0, 10).map((p) => p.name);
  const more = network.peers.length > 10 ? ", ..." : "";
  const list = known.length === 0 ? "it has no peers" : `peers: ${known.join(", ")}${more}`;
  return {
    ok: false,
    diagnostics: [
      diagnostic(
        "error",
        "unknown-peer",
        [],
        `no peer ${JSON.stringify(name)} in the ACL (${list})`,
      ),
    ],
  };
}

/** Explains how `from` and `to` (a peer, `peer.subnet`, or a network a peer routes) connect. */
export function explain(
  acl: AclInput,
  from: string,
  to: string,
  request: ExplainRequest = {},
): Result<Explained> {
  const read = readAcl(acl, request);
  if (!read.ok) return read;
  const explained = explainOf(read.value, from, to, request.service);
  if (!explained.ok) return explained;
  return { ...explained, warnings: read.warnings };
}

/** `explain` on an ACL already read. */
export function explainOf(
  read: ReadAcl,
  from: string,
  to: string,
  service: string | undefined,
): Result<Explained> {
  const { network } = read;
  if (service !== undefined && !parsePacketService(service))
    return problem(
      `expected a service like tcp/22, udp/53 or icmp, got ${JSON.stringify(service)}`,
    );
  const written = service === undefined ? to : `${to}:${service}`;
  // `to` may be any policy-test target: a peer, `peer.subnet`, a routed network, with a service.
  const target = resolveTargetText(network, written);
  if (typeof target === "string") {
    // A plain name that is no peer is reported like every unknown peer (with the ACL's peers).
    const toName = splitService(to).name;
    if (/^[A-Za-z0-9_-]+$/.test(toName))
      for (const name of [from, toName]) if (!network.peer(name)) return unknownPeer(read, name);
    return problem(target);
  }
  // `from` may be a named network: its packets start behind its router.
  const fromNetwork = !network.peer(from) && namedNetwork(network, from) !== undefined;
  if (!network.peer(from) && !fromNetwork) return unknownPeer(read, from);
  if (from === target.peer || from === target.named)
    return problem(`explain needs two different peers (got ${JSON.stringify(from)} twice)`);
  // However `to` is asked for, the answer is the same two parts: how the two peers are linked,
  // and the way packets take, hop by hop. A routed network is no peer: only its path.
  const paths = explainPaths(network, from, splitService(written).name, target, fromNetwork);
  if (target.network !== undefined || fromNetwork)
    return { ok: true, value: { paths, text: pathsText(paths) }, warnings: [] };
  const link = explainPair(network, from, target.peer);
  const text = `${explanationText(link, paths)}\n${pathsText(paths)}`;
  return { ok: true, value: { link, paths, text }, warnings: [] };
}
