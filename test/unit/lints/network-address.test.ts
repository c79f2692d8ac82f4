/** The `network-address` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { networkAddress } from "../../../src/analysis/lints/network-address.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(networkAddress, [
  {
    name: "a bare address that is its /24's network address",
    acl: (acl) => {
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.0.0"];
    },
    expect: [
      'warning network-address at peers[2].subnets.lan.ipAddresses: "10.0.0.0" of "c" on subnet "lan" is the network address of 10.0.0.0/24 (host part zero); pick a host address of the network',
    ],
  },
  {
    name: "an IPv6 network address",
    acl: (acl) => {
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.2", "fd00:1::/64"];
    },
    expect: [
      'warning network-address at peers[1].subnets.lan.ipAddresses: "fd00:1::/64" of "b" on subnet "lan" is the network address of fd00:1::/64 (host part zero); pick a host address of the network',
    ],
  },
  {
    name: "a /31 has no network address",
    acl: (acl) => {
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.0.0/31"];
    },
    expect: [],
  },
]);
