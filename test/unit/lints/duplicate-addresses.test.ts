/** The `duplicate-addresses` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { duplicateAddresses } from "../../../src/analysis/lints/duplicate-addresses.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(duplicateAddresses, [
  {
    name: "two peers with one address",
    acl: (acl) => {
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.1"];
    },
    expect: [
      'error duplicate-address at peers[1].subnets.lan.ipAddresses: address 10.0.0.1 of peer "b" on subnet "lan" is also peer "a"\'s',
    ],
  },
  {
    name: "one address written twice by the same peer is not a clash",
    acl: (acl) => {
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.2", "10.0.0.2/24"];
    },
    expect: [],
  },
  {
    name: "three peers with one address: each later one names the first",
    acl: (acl) => {
      for (const p of acl.peers) p.subnets.lan.ipAddresses = ["10.0.0.1"];
    },
    expect: [
      'error duplicate-address at peers[1].subnets.lan.ipAddresses: address 10.0.0.1 of peer "b" on subnet "lan" is also peer "a"\'s',
      'error duplicate-address at peers[2].subnets.lan.ipAddresses: address 10.0.0.1 of peer "c" on subnet "lan" is also peer "a"\'s',
    ],
  },
  {
    name: "different addresses",
    acl: (acl) => {
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.9"];
    },
    expect: [],
  },
]);
