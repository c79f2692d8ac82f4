/** The `reachable-endpoints` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { reachableEndpoints } from "../../../src/analysis/lints/reachable-endpoints.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(reachableEndpoints, [
  {
    name: "no peer has an endpoint port",
    acl: (acl) => {
      acl.subnets[0].endpoints = [];
    },
    expect: [
      'warning no-usable-endpoint at peers[0].subnets.lan: on subnet "lan", peer "a" has no endpoint (ip and port) for "b", "c", nor the other way round, so neither side can start a handshake; give one side an endpoint, or the subnet a relay both can dial',
      'warning no-usable-endpoint at peers[1].subnets.lan: on subnet "lan", peer "b" has no endpoint (ip and port) for "c", nor the other way round, so neither side can start a handshake; give one side an endpoint, or the subnet a relay both can dial',
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
  {
    name: "two roaming peers: neither is dialled, so their link is dead",
    acl: (acl) => {
      acl.peers[1].roaming = true;
      acl.peers[2].roaming = true;
    },
    expect: [
      'warning no-usable-endpoint at peers[1].subnets.lan: on subnet "lan", peer "b" has no endpoint (ip and port) for "c", nor the other way round, so neither side can start a handshake; give one side an endpoint, or the subnet a relay both can dial',
    ],
  },
  {
    name: "the subnet's relay carries the pair: no warning",
    acl: (acl) => {
      acl.peers[1].roaming = true;
      acl.peers[2].roaming = true;
      acl.subnets[0].relay = "a";
    },
    expect: [],
  },
  {
    name: "a relay that cannot handshake with one of the pair leaves the link dead, and says why",
    acl: (acl) => {
      acl.subnets[0].endpoints = [];
      acl.peers[0].endpoints = [{ ip: "192.168.1.1", port: 51820 }];
      acl.peers[1].endpoints = [];
      acl.peers[2].endpoints = [];
      // c cannot dial a: a's endpoint is only for b.
      acl.peers[0].endpoints[0].match = [{ type: "peer", rule: "is", value: "b" }];
      acl.subnets[0].relay = "a";
    },
    expect: [
      'warning no-usable-endpoint at peers[0].subnets.lan: on subnet "lan", peer "a" has no endpoint (ip and port) for "c", nor the other way round, so neither side can start a handshake; give one side an endpoint (the relay "a" carries only pairs it is linked to and can handshake with)',
      'warning no-usable-endpoint at peers[1].subnets.lan: on subnet "lan", peer "b" has no endpoint (ip and port) for "c", nor the other way round, so neither side can start a handshake; give one side an endpoint (the relay "a" carries only pairs it is linked to and can handshake with)',
    ],
  },
]);
