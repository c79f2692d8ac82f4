/** Small ACLs for tests, written out by hand so each test shows what it relies on. */

export const KEYS = {
  a: "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=",
  b: "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
  c: "43tP6JgckdTFrnbYuy8a42jdNt3+wwVcb4+ae5U4ez4=",
  d: "g6+Tq9aeVfm5CXPIwZDqoTxGmsQ/TlLtxcxVn2aSiVA=",
} as const;

export type PeerName = keyof typeof KEYS;

/** Peers a, b, c on subnet "lan" in a full mesh, each dialled at `<name>.example:51820`. */
export function meshAcl(): {
  version: string;
  subnets: Record<string, unknown>[];
  groups: Record<string, unknown>[];
  peers: Record<string, unknown>[];
  connections: Record<string, unknown>[];
} {
  return {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [{ port: 51820 }] }],
    groups: [],
    peers: (["a", "b", "c"] as const).map((name, i) => ({
      name,
      groups: [],
      subnets: { lan: { listenPort: 51820, ipAddresses: [`10.0.0.${i + 1}`] } },
      publicKey: KEYS[name],
      privateKeyFile: "/etc/wg.key",
      endpoints: [{ ip: `${name}.example` }],
    })),
    connections: [{ a: [], b: [] }],
  };
}
