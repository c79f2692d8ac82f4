/** The `no-common-family` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { noCommonFamily } from "../../../src/analysis/lints/no-common-family.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(noCommonFamily, [
  {
    name: "an IPv6-only peer among IPv4-only ones",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["fd00::1"];
    },
    expect: [
      'warning no-common-family at peers[0].subnets.lan.ipAddresses: on subnet "lan", "a" (IPv6) and "b" (IPv4) share no address family, so their link carries nothing; give both an address of one family (or "auto" for a generated IPv6 one)',
      'warning no-common-family at peers[0].subnets.lan.ipAddresses: on subnet "lan", "a" (IPv6) and "c" (IPv4) share no address family, so their link carries nothing; give both an address of one family (or "auto" for a generated IPv6 one)',
    ],
  },
  {
    name: "both families on one side: one in common",
    acl: (acl) => {
      acl.peers[0].subnets.lan.ipAddresses = ["fd00::1", "10.0.0.1"];
    },
    expect: [],
  },
]);
