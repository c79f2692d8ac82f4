/**
 * What `add-peer` says at once about the peer it added, instead of leaving it to a later
 * `check`: a peer no connection links to anyone, and one whose addresses share no family with
 * the subnet's other members (an IPv6-only peer on an IPv4-only subnet). Which `--group` would
 * link it is found by trying each group on the ACL before the edit, not guessed.
 */

import { type ParserSource, parseAcl } from "../acl/parse.js";
import { applyToData } from "../edit/ops.js";
import type { AddPeerOptions } from "../edit/peers.js";
import { planAddPeer } from "../edit/peers.js";
import type { Network } from "../network/model.js";

const q = JSON.stringify;

/** The peers `name` is linked to in `network`, in ACL order. */
function linkedPeers(network: Network, name: string): string[] {
  const linked = new Set<string>();
  for (const iface of network.interfaces(name))
    for (const link of iface.links) linked.add(link.peer.name);
  return network.peers.map((p) => p.name).filter((p) => linked.has(p));
}

/** The network `before` would be with the peer added as `options` asks, if valid. */
function withPeer(
  before: unknown,
  options: AddPeerOptions,
  registry: ParserSource,
): Network | undefined {
  const plan = planAddPeer(before, options);
  if (!plan.ok) return undefined;
  let data = before;
  for (const op of plan.value.ops) data = applyToData(data, op);
  const parsed = parseAcl(data, registry);
  return parsed.ok ? parsed.value : undefined;
}

function familiesText(families: ReadonlySet<4 | 6>): string {
  return [...families]
    .sort()
    .map((f) => `IPv${f}`)
    .join(" and ");
}

/**
 * Warnings about peer `options.name`, just added to subnet `subnet`: `before` is the ACL's data
 * without it. `acl` is the file, for the commands suggested.
 */
export function addedPeerAdvice(
  acl: string,
  before: unknown,
  options: AddPeerOptions,
  subnet: string,
  registry: ParserSource,
): string[] {
  const { name } = options;
  const after = withPeer(before, options, registry);
  const peer = after?.peer(name);
  if (!after) return [];
  if (!peer) return [];
  const advice: string[] = [];

  const mine = peer.memberships.find((m) => m.subnet === subnet);
  const ownFamilies = new Set(mine?.addresses.map((a) => a.family) ?? []);
  const others = new Set<4 | 6>();
  for (const other of after.peers)
    if (other.name !== name)
      for (const m of other.memberships)
        if (m.subnet === subnet) for (const a of m.addresses) others.add(a.family);
  if (others.size > 0 && ![...ownFamilies].some((f) => others.has(f)))
    advice.push(
      `peer ${q(name)} has only ${familiesText(ownFamilies)} addresses on subnet ${q(subnet)}, whose other members use only ${familiesText(others)}: no packet can pass between them; give subnet ${q(subnet)} an ipv4Pool (add-peer takes the lowest free address from it) or write an ${familiesText(others)} address into peers[${peer.index}].subnets.${subnet}.ipAddresses`,
    );

  // The first member of a subnet has no one to be linked to yet: nothing to say.
  const alone = !after.peers.some(
    (other) => other.name !== name && other.memberships.some((m) => m.subnet === subnet),
  );
  if (alone || linkedPeers(after, name).length > 0) return advice;
  const groups = options.groups ?? [];
  const given = new Set(groups);
  const linking = after.groups
    .map((g) => g.name)
    .filter((g) => !given.has(g))
    .flatMap((group) => {
      const tried = withPeer(before, { ...options, groups: [...groups, group] }, registry);
      const linked = tried ? linkedPeers(tried, name) : [];
      return linked.length > 0 ? [{ group, linked }] : [];
    });
  const again = (group: string) =>
    `wirenix remove-peer ${acl} ${name}, then add-peer again with --group ${group}`;
  const [first] = linking;
  const how =
    first === undefined
      ? `no --group would link it; add a connection that selects it (connections in ${acl})`
      : `${linking
          .map(
            ({ group, linked }) =>
              `--group ${group} links it to ${linked.map((p) => q(p)).join(", ")}`,
          )
          .join("; ")} (${again(first.group)}), or add a connection that selects it`;
  advice.push(
    `peer ${q(name)} is linked to no one: no connection selects it together with another member of subnet ${q(subnet)}; ${how}`,
  );
  return advice;
}
