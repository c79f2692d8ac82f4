/** `wirenix explain`: why (or why not) two peers are linked, and what each dials. */
import { Command } from "commander";
import { explainOf } from "../app/explain.js";
import { splitService } from "../network/service.js";
import {
  aclCommand,
  checkPeerNames,
  sourcedNetworkWith,
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
  const read = await sourcedNetworkWith(io, acl, flags);
  const explained = explainOf(read, a, b, service);
  if (!explained.ok) {
    const [first] = explained.diagnostics;
    // An unknown peer is named as every command names one: with the ACL's file.
    if (first.code === "unknown-peer") checkPeerNames(read.network, acl, [a, splitService(b).name]);
    throw new UsageError(first.message);
  }
  const { link, paths, text } = explained.value;
  if (flags.format !== "json") io.out(text);
  else if (link === undefined) io.out(`${JSON.stringify(paths, null, 2)}\n`);
  else io.out(`${JSON.stringify({ ...link, paths }, null, 2)}\n`);
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
