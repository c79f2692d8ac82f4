/** `wirenix explain`: why (or why not) two peers are linked, and what each dials. */
import { Command } from "commander";
import { explainPair, explainPaths, explanationText, pathsText } from "../analysis/explain.js";
import { parsePacketService, splitService } from "../network/service.js";
import { resolveTargetText } from "../network/targets.js";
import {
  aclCommand,
  checkPeerNames,
  networkWith,
  type TextOrJsonFlags,
  textOrJsonOption,
} from "./common.js";
import { type CliIO, UsageError } from "./io.js";

type Flags = TextOrJsonFlags;

async function run(
  io: CliIO,
  acl: string,
  a: string,
  b: string,
  service: string | undefined,
  flags: Flags,
): Promise<number> {
  const network = await networkWith(io, acl, flags);
  if (service !== undefined && !parsePacketService(service))
    throw new UsageError(
      `expected a service like tcp/22, udp/53 or icmp, got ${JSON.stringify(service)}`,
    );
  const written = service === undefined ? b : `${b}:${service}`;
  // B may be any policy-test target: a peer, `peer.subnet`, a routed network, with a service.
  const target = resolveTargetText(network, written);
  if (typeof target === "string") {
    // A plain name that is no peer is reported like every unknown peer (with the ACL's peers).
    const bName = splitService(b).name;
    if (/^[A-Za-z0-9_-]+$/.test(bName)) checkPeerNames(network, acl, [a, bName]);
    throw new UsageError(target);
  }
  checkPeerNames(network, acl, [a]);
  if (a === target.peer)
    throw new UsageError(`explain needs two different peers (got ${JSON.stringify(a)} twice)`);
  // However B is asked for (a peer, `peer.subnet`, with a service or not), the answer is the
  // same two parts: how the two peers are linked, and the way packets take, hop by hop, which
  // shows a path through a gateway where there is no direct link. A routed network is no
  // peer: only its path.
  const paths = explainPaths(network, a, splitService(written).name, target);
  if (target.network !== undefined) {
    io.out(flags.format === "json" ? `${JSON.stringify(paths, null, 2)}\n` : pathsText(paths));
    return 0;
  }
  const explanation = explainPair(network, a, target.peer);
  io.out(
    flags.format === "json"
      ? `${JSON.stringify({ ...explanation, paths }, null, 2)}\n`
      : `${explanationText(explanation, paths)}\n${pathsText(paths)}`,
  );
  return 0;
}

export function explainCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("explain")
    .description(
      "why two peers are (or are not) linked: subnets, connections, addresses, endpoints, and the way a packet takes hop by hop with the rule that lets it in or drops it",
    )
    .argument("<acl>", "the ACL file")
    .argument("<peerA>", "a peer")
    .argument("<peerB>", "another peer (or peer.subnet, or a network a peer routes)")
    .argument("[service]", "the packet's protocol and port: tcp/22, udp/53, icmp")
    .addOption(textOrJsonOption());
  return aclCommand(command, done, (acl, flags: Flags, [a, b, service]) =>
    run(io, acl, a as string, b as string, service, flags),
  );
}
