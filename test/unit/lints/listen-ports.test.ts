/** The `listen-ports` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { listenPorts } from "../../../src/analysis/lints/listen-ports.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(listenPorts, [
  {
    name: "two subnets of one peer on one port",
    acl: (acl) => {
      acl.subnets.push({ name: "wan", endpoints: [{ port: 51821 }] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
      acl.peers[0].subnets.wan.listenPort = 51820;
    },
    expect: [
      'error duplicate-listen-port at peers[0].subnets.wan.listenPort: peer "a" listens on port 51820 on both subnet "lan" and "wan"; only one interface can bind it',
    ],
  },
  {
    name: "a port a subnet",
    acl: (acl) => {
      acl.subnets.push({ name: "wan", endpoints: [{ port: 51821 }] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
    },
    expect: [],
  },
]);
