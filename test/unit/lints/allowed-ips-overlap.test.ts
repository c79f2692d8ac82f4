/** The `allowed-ips-overlap` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { allowedIPsOverlap } from "../../../src/analysis/lints/allowed-ips-overlap.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(allowedIPsOverlap, [
  {
    name: "a prefix on one peer covers the others' addresses",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
    },
    expect: [
      'error allowed-ips-overlap at peers[1].subnets.lan.ipAddresses: AllowedIPs 10.0.0.2/32 of peer "b" on subnet "lan" overlap 10.0.0.1/24 of "a"; peer "c" links to both and WireGuard routes the shared addresses to only one of them (write bare addresses, or a prefix only on the peer that really routes it)',
      'error allowed-ips-overlap at peers[2].subnets.lan.ipAddresses: AllowedIPs 10.0.0.3/32 of peer "c" on subnet "lan" overlap 10.0.0.1/24 of "a"; peer "b" links to both and WireGuard routes the shared addresses to only one of them (write bare addresses, or a prefix only on the peer that really routes it)',
    ],
  },
  {
    name: "the same overlap, but no interface links to both",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
      acl.connections = [
        {
          a: [{ type: "peer", rule: "is", value: "a" }],
          b: [{ type: "peer", rule: "is", value: "b" }],
        },
        {
          a: [{ type: "peer", rule: "is", value: "c" }],
          b: [{ type: "peer", rule: "is", value: "a" }],
        },
      ];
    },
    expect: [],
  },
]);
