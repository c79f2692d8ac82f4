/** The `own-address-allowed` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { ownAddressAllowed } from "../../../src/analysis/lints/own-address-allowed.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(ownAddressAllowed, [
  {
    name: "a peer's address written with the network's prefix",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
    },
    expect: [
      'warning own-address-allowed at peers[0].subnets.lan.ipAddresses: "a"\'s address "10.0.0.1/24" is AllowedIPs 10.0.0.1/24 on "b", which holds "b"\'s own address on subnet "lan"; write the bare address (or the prefix in `routes` if "a" relays)',
      'warning own-address-allowed at peers[0].subnets.lan.ipAddresses: "a"\'s address "10.0.0.1/24" is AllowedIPs 10.0.0.1/24 on "c", which holds "c"\'s own address on subnet "lan"; write the bare address (or the prefix in `routes` if "a" relays)',
    ],
  },
  {
    name: "a hub that relays the network says so in routes",
    acl: (acl) => {
      acl.peers[0].subnets.lan.routes = ["10.0.0.0/24"];
    },
    expect: [],
  },
  {
    name: "the same bare address on two peers is duplicate-address's error, not a prefix to shorten",
    acl: (acl) => {
      acl.peers[1].subnets.lan.ipAddresses = [acl.peers[0].subnets.lan.ipAddresses[0]];
    },
    expect: [],
  },
  {
    name: "the same address with a prefix on two peers: the duplicate, not the prefix, is the mistake",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.9/24"];
      acl.peers[1].subnets.lan.ipAddresses = ["10.0.0.9/24"];
    },
    expect: [
      'warning own-address-allowed at peers[0].subnets.lan.ipAddresses: "a"\'s address "10.0.0.9/24" is AllowedIPs 10.0.0.9/24 on "c", which holds "c"\'s own address on subnet "lan"; write the bare address (or the prefix in `routes` if "a" relays)',
      'warning own-address-allowed at peers[1].subnets.lan.ipAddresses: "b"\'s address "10.0.0.9/24" is AllowedIPs 10.0.0.9/24 on "c", which holds "c"\'s own address on subnet "lan"; write the bare address (or the prefix in `routes` if "b" relays)',
    ],
  },
]);
