/** The `addresses-in-range` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { addressesInRange } from "../../../src/analysis/lints/addresses-in-range.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(addressesInRange, [
  {
    name: "an address outside the range a member declares",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
      acl.peers[2].subnets.lan.ipAddresses = ["10.0.1.3"];
    },
    expect: [
      'warning address-outside-range at peers[2].subnets.lan.ipAddresses: address 10.0.1.3 of peer "c" is outside 10.0.0.1/24, the range peer "a" declares for subnet "lan"',
    ],
  },
  {
    name: "every address inside the declared range",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
    },
    expect: [],
  },
  {
    name: "an IPv6 address is not judged by an IPv4 range",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["10.0.0.1/24"];
      acl.peers[2].subnets.lan.ipAddresses = ["fd00::3"];
    },
    expect: [],
  },
]);
