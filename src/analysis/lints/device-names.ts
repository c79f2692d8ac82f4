/**
 * Lint `device-names`. Reports: devname-clash, devname-too-long, devname-invalid (errors).
 * Checks: device names as the chosen devNameMethod gives them: two interfaces of one peer with
 * one name, names over 15 characters or otherwise invalid for Linux.
 * Why: the kernel refuses such an interface, or one replaces the other.
 */
import type { PathSegment } from "../../core/diagnostics.js";
import { deviceName, deviceNameProblem, MAX_DEVICE_NAME_LENGTH } from "../../network/devname.js";
import type { NetPeer } from "../../network/model.js";
import { type Lint, shortList } from "../lint.js";

const q = JSON.stringify;

/** Device names as the chosen devNameMethod gives them: unique per peer and valid for Linux. */
export const deviceNames: Lint = {
  name: "device-names",
  codes: ["devname-clash", "devname-too-long", "devname-invalid"],
  description:
    "two interfaces of one peer with the same device name; names over 15 characters or invalid for Linux",
  run({ network, report, devNameMethod }) {
    const clashes = new Map<string, { peers: NetPeer[]; first: string; second: string }>();
    const invalid = new Map<string, { name: string; peers: NetPeer[] }>();
    for (const peer of network.peers) {
      const seen = new Map<string, string>();
      for (const m of peer.memberships) {
        const name = deviceName(devNameMethod, peer.name, m.subnet);
        if (deviceNameProblem(name) !== undefined) {
          const entry = invalid.get(m.subnet) ?? { name, peers: [] };
          entry.peers.push(peer);
          invalid.set(m.subnet, entry);
          continue;
        }
        const first = seen.get(name);
        if (first === undefined) {
          seen.set(name, m.subnet);
          continue;
        }
        const key = `${name}\u0000${first}\u0000${m.subnet}`;
        const entry = clashes.get(key) ?? { peers: [], first, second: m.subnet };
        entry.peers.push(peer);
        clashes.set(key, entry);
      }
    }
    const method = `devNameMethod ${devNameMethod}`;
    /**
     * Where a subnet's device name is decided: its `name`, or, for a subnet the ACL does not
     * declare (its `subnets` left out: see parsers/v1/needs.ts), the first membership of it.
     */
    const subnetPath = (subnet: string, peer: NetPeer): PathSegment[] => {
      const declared = network.subnet(subnet);
      return declared
        ? ["subnets", declared.index, "name"]
        : ["peers", peer.index, "subnets", subnet];
    };
    for (const [subnet, { name, peers }] of invalid) {
      const problem = deviceNameProblem(name) as string;
      const who = `of peer ${shortList(
        peers.map((p) => p.name),
        3,
      )}`;
      report.error(
        name.length > MAX_DEVICE_NAME_LENGTH ? "devname-too-long" : "devname-invalid",
        subnetPath(subnet, peers[0] as NetPeer),
        `device name ${q(name)} of subnet ${q(subnet)} (${method}) ${who} ${problem}${devNameMethod === "hash" ? "" : "; rename the subnet or use devNameMethod hash"}`,
      );
    }
    for (const [key, { peers, first, second }] of clashes) {
      const name = key.split("\u0000")[0] as string;
      const path: PathSegment[] =
        peers.length === 1
          ? ["peers", (peers[0] as NetPeer).index, "subnets", second]
          : subnetPath(second, peers[0] as NetPeer);
      report.error(
        "devname-clash",
        path,
        `subnets ${q(first)} and ${q(second)} both get device name ${q(name)} (${method}) on peer ${shortList(peers.map((p) => p.name))}; only one interface can have it (use devNameMethod long or hash, or rename a subnet)`,
      );
    }
  },
};
