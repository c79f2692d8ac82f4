/** The `reachable-endpoints` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { reachableEndpoints } from "../../../src/check/lints/reachable-endpoints.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(reachableEndpoints, [
  {
    name: "no peer has an endpoint port",
    acl: (acl) => {
      acl.subnets[0].endpoints = [];
    },
    expect: [
      'warning no-usable-endpoint at peers[0].subnets.lan: on subnet "lan", peer "a" has no endpoint (ip and port) for "b", "c", nor the other way round, so neither side can start a handshake; give one side an endpoint',
      'warning no-usable-endpoint at peers[1].subnets.lan: on subnet "lan", peer "b" has no endpoint (ip and port) for "c", nor the other way round, so neither side can start a handshake; give one side an endpoint',
    ],
  },
  {
    name: "one side with ip and port is enough",
    acl: (acl) => {
      acl.subnets[0].endpoints = [];
      for (const p of acl.peers) p.endpoints = [{ ip: "192.168.1.9", port: 51820 }];
      acl.peers[0].endpoints = [];
    },
    expect: [],
  },
]);
