/** The `addresses-in-pool` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { addressesInPool } from "../../../src/analysis/lints/addresses-in-pool.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(addressesInPool, [
  {
    name: "the pool's broadcast address",
    acl: (acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.0/30";
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.0.3", "auto"];
    },
    expect: [
      'warning address-outside-pool at peers[2].subnets.lan.ipAddresses: address 10.0.0.3 of peer "c" is the network or broadcast address of subnet "lan"\'s ipv4Pool 10.0.0.0/30',
    ],
  },
  {
    name: "addresses outside a /31 pool",
    acl: (acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.2/31";
    },
    expect: [
      'warning address-outside-pool at peers[0].subnets.lan.ipAddresses: address 10.0.0.1 of peer "a" is outside subnet "lan"\'s ipv4Pool 10.0.0.2/31',
    ],
  },
  {
    name: "every address inside the pool; IPv6 ones are not its",
    acl: (acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.0/29";
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.0.6/24", "fd00::3"];
    },
    expect: [],
  },
  {
    name: "a /31 has no network or broadcast address (RFC 3021)",
    acl: (acl) => {
      acl.subnets[0].ipv4Pool = "10.0.0.0/30";
      acl.peers[2].subnets.lan.ipAddresses = ["fd00::3"];
    },
    expect: [],
  },
]);
