/** `wirenix explain`: why (or why not) two peers are linked, and what each dials. */
import { Command } from "commander";
import {
  explainPair,
  explainPaths,
  explanationText,
  type PathExplanation,
  pathsText,
} from "../analysis/explain.js";
import { resolveTarget, splitService } from "../analysis/policy.js";
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
  if (service !== undefined && !splitService(`x:${service}`).service)
    throw new UsageError(
      `expected a service like tcp/22, udp/53 or icmp, got ${JSON.stringify(service)}`,
    );
  const written = service === undefined ? b : `${b}:${service}`;
  // B may be any policy-test target: a peer, `peer.subnet`, a routed network, with a service.
  const target = resolveTarget(network, written);
  const bName = splitService(b).name;
  // A plain name that is no peer is reported as before; other targets say what is wrong.
  const plainName = /^[A-Za-z0-9_-]+$/.test(bName);
  const onlyPath = !network.peer(bName) && !(plainName && typeof target === "string");
  if (onlyPath && typeof target === "string") throw new UsageError(target);
  checkPeerNames(network, acl, onlyPath ? [a] : [a, bName]);
  if (a === bName)
    throw new UsageError(`explain needs two different peers (got ${JSON.stringify(a)} twice)`);
  // The way packets take: always for a target that is no peer, and for a peer when a service
  // is asked for or rules decide (else the link explanation says it all, as before rules).
  const withPaths =
    onlyPath || written !== bName || (network.rules !== undefined && typeof target !== "string");
  const paths =
    withPaths && typeof target !== "string" ? explainPaths(network, a, bName, target) : undefined;
  if (onlyPath) {
    io.out(
      flags.format === "json"
        ? `${JSON.stringify(paths, null, 2)}\n`
        : pathsText(paths as PathExplanation),
    );
    return 0;
  }
  const explanation = explainPair(network, a, bName);
  const text =
    flags.format === "json"
      ? `${JSON.stringify(paths ? { ...explanation, paths } : explanation, null, 2)}\n`
      : `${explanationText(explanation)}${paths ? `\n${pathsText(paths)}` : ""}`;
  io.out(text);
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
