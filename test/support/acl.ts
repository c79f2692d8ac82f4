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

/** The keys of roadWarriorAcl's peers. */
export const ROAD_WARRIOR_KEYS = { vps: KEYS.a, home: KEYS.b, laptop: KEYS.c } as const;

/**
 * The keys beyond the original on one subnet. vps: exit node of laptop, hub (IPv6 endpoint).
 * home: routes 192.168.10.0/24. laptop: roaming, exit node vps. The subnet opens the
 * firewall; laptop's membership says no.
 */
export function roadWarriorAcl(): Record<string, any> {
  return {
    version: "v1",
    subnets: [{ name: "vpn", endpoints: [{ port: 51820 }], openFirewall: true }],
    groups: [],
    peers: [
      {
        name: "vps",
        subnets: { vpn: { listenPort: 51820, ipAddresses: ["10.8.0.1"] } },
        publicKey: ROAD_WARRIOR_KEYS.vps,
        privateKeyFile: "/etc/wg/vps.key",
        endpoints: [{ ip: "2001:db8::1" }],
      },
      {
        name: "home",
        subnets: {
          vpn: { listenPort: 51820, ipAddresses: ["10.8.0.2"], routes: ["192.168.10.0/24"] },
        },
        publicKey: ROAD_WARRIOR_KEYS.home,
        privateKeyFile: "/etc/wg/home.key",
        endpoints: [{ ip: "192.0.2.2" }],
      },
      {
        name: "laptop",
        roaming: true,
        subnets: {
          vpn: {
            listenPort: 51821,
            ipAddresses: ["10.8.0.3"],
            exitNode: "vps",
            openFirewall: false,
          },
        },
        publicKey: ROAD_WARRIOR_KEYS.laptop,
        privateKeyFile: "/etc/wg/laptop.key",
      },
    ],
    connections: [{ a: [], b: [] }],
  };
}

/**
 * hub relays the subnet "wg" for x and y, two roaming peers with no endpoint for each other;
 * one rule: x may reach everyone on tcp/22 and ping.
 */
export function relayAcl(): Record<string, any> {
  const keys = {
    hub: "VRWdkmCm0FyULh7piemmvhyGyYHy1sOzDceoVVwJkAQ=",
    x: "WE14tjgg18wGuTn8NqyENUhzlEKGC9gFjxdDRD7hYCI=",
    y: "9KIQvO2QWZlEAJqhLJVQwnQmrur57XL+LVELvS4Pim0=",
  } as const;
  return {
    version: "v1",
    subnets: [{ name: "wg", endpoints: [{ port: 51820 }], relay: "hub" }],
    groups: [],
    peers: (["hub", "x", "y"] as const).map((name, i) => ({
      name,
      subnets: { wg: { listenPort: 51820, ipAddresses: [`10.42.0.${i + 1}`] } },
      publicKey: keys[name],
      privateKeyFile: `/k/${name}`,
      ...(i === 0 ? { endpoints: [{ ip: "hub.example.org" }] } : { roaming: true }),
    })),
    connections: [{ a: [], b: [] }],
    rules: [
      { from: [{ type: "peer", rule: "is", value: "x" }], to: [], allow: ["tcp/22", "icmp"] },
    ],
  };
}
