/**
 * ACLs made by code whose output from the original Wirenix is committed under
 * test/fixtures, so that tests compare with the original without running it. `npm run oracle`
 * checks that each committed `acl.json` is what the code here makes and that `golden.json` is
 * the original's output on it (`--write` rewrites both).
 *
 * - `originalCases`: ACLs on which Wirenix differs from the original on purpose, or which it
 *   reads beyond the original; the tests show what the original does with them
 *   (test/fixtures/original/<name>/).
 * - `benchCases`: the benchmark's ACLs at small sizes, part of the differential test
 *   (test/fixtures/differential/bench-<topology>-<peers>/), so the ACLs `npm run bench` times
 *   are ones where both implementations agree.
 */
import { makeAcl, type Topology } from "../../bench/acls.js";
import { meshAcl, roadWarriorAcl } from "./acl.js";

type Json = Record<string, any>;

/** meshAcl with `change` applied. */
function mesh(change: (acl: Json) => void = () => {}): Json {
  const acl: Json = meshAcl();
  change(acl);
  return acl;
}

export const originalCases = {
  /** Peer b is dialled at an IPv6 address. */
  "ipv6-endpoint": () =>
    mesh((acl) => {
      acl.peers[1].endpoints = [{ ip: "2001:db8::2" }];
    }),
  /** The subnet has no port; only b's own endpoint gives one. */
  "endpoint-without-port": () =>
    mesh((acl) => {
      acl.subnets[0] = { name: "lan", endpoints: [] };
      acl.peers[1].endpoints = [{ ip: "b.example", port: 51820 }];
    }),
  /** Subnet and group endpoints that `match` one dialling peer each. */
  "match-on-subnet-and-group-endpoints": () =>
    mesh((acl) => {
      acl.subnets[0] = {
        name: "lan",
        endpoints: [
          { port: 51820 },
          { port: 6000, match: [{ type: "peer", rule: "is", value: "a" }] },
        ],
      };
      acl.groups = [
        {
          name: "g",
          endpoints: [{ port: 7000, match: [{ type: "peer", rule: "is", value: "b" }] }],
        },
      ];
      for (const peer of acl.peers) peer.groups = ["g"];
    }),
  /** The connection on subnet lan selects c, which is only on subnet other. */
  "non-member-selected": () =>
    mesh((acl) => {
      acl.peers[2].subnets = { other: { listenPort: 51821 } };
      acl.subnets.push({ name: "other", endpoints: [{ port: 51821 }] });
    }),
  /** Only a has a groups field; the connection links group servers with everyone. */
  "peers-without-groups": () =>
    mesh((acl) => {
      acl.groups = [{ name: "servers" }];
      acl.peers[0].groups = ["servers"];
      delete acl.peers[1].groups;
      delete acl.peers[2].groups;
      acl.connections = [{ a: [{ type: "group", rule: "is", value: "servers" }], b: [] }];
    }),
  /**
   * Peer c is named "A" beside "a": names equal except for case, which the original accepts
   * and we refuse (intentional difference 11).
   */
  "case-duplicate-names": () =>
    mesh((acl) => {
      acl.peers[2].name = "A";
    }),
  /** The plain mesh. */
  mesh: () => mesh(),
  /** Endpoints with a keepalive. */
  "persistent-keepalive": () =>
    mesh((acl) => {
      acl.subnets[0] = { name: "lan", endpoints: [{ port: 51820, persistentKeepalive: 25 }] };
    }),
  /**
   * roadWarriorAcl; the original needs an endpoint ip for every linked peer, so the roaming
   * laptop has one (which we ignore).
   */
  "road-warrior": () => {
    const acl = roadWarriorAcl();
    acl.peers[2].endpoints = [{ ip: "laptop.invalid" }];
    return acl;
  },
  /**
   * b has a manual address outside the /64 that a and c generate: in networkd only a route
   * for its AllowedIP reaches it (intentional difference 10).
   */
  /**
   * Key paths that are shell commands in nixpkgs' scripted wireguard unit (issue 23): the
   * original passes them on; we refuse them (intentional difference 12).
   */
  "hostile-key-paths": () =>
    mesh((acl) => {
      acl.peers[1].privateKeyFile = "/run/keys/$(touch /run/pwned)/a.key";
      acl.subnets[0].presharedKeyFile = '/run/keys/psk"; touch /run/pwned-psk; echo "';
    }),
  "outside-prefix": () => ({
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers: [
      {
        name: "a",
        subnets: { lan: { listenPort: 51820 } },
        publicKey: "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=",
        privateKeyFile: "/etc/wg.key",
        endpoints: [{ ip: "a.example" }],
      },
      {
        name: "b",
        subnets: { lan: { listenPort: 51820, ipAddresses: ["fd42::12"] } },
        publicKey: "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
        privateKeyFile: "/etc/wg.key",
        endpoints: [{ ip: "b.example" }],
      },
      {
        name: "c",
        subnets: { lan: { listenPort: 51820 } },
        publicKey: "43tP6JgckdTFrnbYuy8a42jdNt3+wwVcb4+ae5U4ez4=",
        privateKeyFile: "/etc/wg.key",
        endpoints: [{ ip: "c.example" }],
      },
    ],
    connections: [{ a: [], b: [] }],
  }),
} satisfies Record<string, () => Json>;

export type OriginalCase = keyof typeof originalCases;

/** The benchmark's topologies at the sizes compared with the original. */
export const benchCases: readonly { topology: Topology; peers: number }[] = [
  { topology: "mesh", peers: 6 },
  { topology: "spoke", peers: 6 },
  { topology: "mixed", peers: 20 },
];

export const benchCaseName = (c: { topology: Topology; peers: number }) =>
  `bench-${c.topology}-${c.peers}`;

/** Every ACL made here, by the fixture directory (under test/fixtures) that holds it. */
export function codeMadeAcls(): Map<string, unknown> {
  const acls = new Map<string, unknown>();
  for (const [name, make] of Object.entries(originalCases)) acls.set(`original/${name}`, make());
  for (const c of benchCases)
    acls.set(`differential/${benchCaseName(c)}`, makeAcl(c.topology, c.peers));
  return acls;
}
