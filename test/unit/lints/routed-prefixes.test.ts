/** The `routed-prefixes` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { routedPrefixes } from "../../../src/analysis/lints/routed-prefixes.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(routedPrefixes, [
  {
    name: "one network routed by two peers",
    acl: (acl) => {
      acl.peers[0].subnets.lan.routes = ["192.168.10.0/24"];
      acl.peers[1].subnets.lan.routes = ["192.168.10.7/24"];
    },
    expect: [
      'error duplicate-route at peers[1].subnets.lan.routes[0]: 192.168.10.7/24 is also routed by "a" (192.168.10.0/24) on subnet "lan"; peer "c" links to both and WireGuard sends the network to only one of them',
    ],
  },
  {
    name: "a longer prefix inside the other: longest match reaches both",
    acl: (acl) => {
      acl.peers[0].subnets.lan.routes = ["192.168.10.0/24"];
      acl.peers[1].subnets.lan.routes = ["192.168.10.128/25"];
    },
    expect: [],
  },
]);
